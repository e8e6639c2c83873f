/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "creds.h"
#include "fileio.h"

/* This file is conf's one boundary to OpenSSL: every error it leaves on the
 * thread's error queue is turned into a cause string (or dropped) and the
 * queue is cleared before returning, so no stale error leaks into an
 * unrelated later call. */

DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, X509_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_PKEY *, EVP_PKEY_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, BIO_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE *, X509_STORE_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509_STORE_CTX *, X509_STORE_CTX_free);

static inline void x509_stack_freep(STACK_OF(X509) **s) {
        sk_X509_pop_free(*s, X509_free);
        *s = NULL;
}
#define _cleanup_x509_stack_ _cleanup_(x509_stack_freep)

/* A CA bundle can be large (a public root store is ~250 KiB); anything past
 * this is not a credential file. */
#define CREDS_FILE_MAX (4u * 1024u * 1024u)

#define SEC_PER_DAY 86400

static const char *const cert_key_type_table[_CERT_KEY_TYPE_MAX] = {
        [CERT_KEY_RSA] = "RSA",
        [CERT_KEY_EC] = "EC",
        [CERT_KEY_ED25519] = "Ed25519",
        [CERT_KEY_ED448] = "Ed448",
        [CERT_KEY_OTHER] = "other",
};
DEFINE_STRING_TABLE(cert_key_type, CertKeyType);

/* The contents of a file, wiped before free when it may hold a secret. */
typedef struct Blob {
        char *data;
        size_t size;       /* bytes read */
        bool secret;
} Blob;

static void blob_done(Blob *b) {
        if (b->secret)
                erase_and_free(b->data);
        else
                free(b->data);
        *b = (Blob) {};
}

/* Reads a whole regular file (common/fileio.h). -errno: ENOENT, EACCES, ...;
 * EISDIR or EINVAL for something that is not a regular file; EFBIG. The
 * owner and mode of a key file are secret_file_check()'s business. */
static int blob_read(const char *path, bool secret, Blob *ret) {
        ReadFileOptions o = {
                .flags = secret ? READ_FILE_ERASE : 0,
                .max_size = CREDS_FILE_MAX,
        };
        Blob b = { .secret = secret };
        int r;

        r = read_full_file_at(AT_FDCWD, path, &o, &b.data, &b.size, NULL);
        if (r < 0)
                return r;
        *ret = b;
        return 0;
}

/* Drains the OpenSSL error queue into buf: the reason of the first error
 * (the root cause; later entries are the callers' wrappers), skipping the
 * decoder framework's generic "unsupported", which only says that no decoder
 * took the input. PEM's "no start line" is spelled out. Reason strings are
 * fixed texts and never contain key material. */
static const char *openssl_cause(char *buf, size_t n, const char *pem_label) {
        unsigned long e, pick = 0;

        while ((e = ERR_get_error()) != 0)
                if (pick == 0 && ERR_GET_LIB(e) != ERR_LIB_OSSL_DECODER)
                        pick = e;
        ERR_clear_error();

        if (pick == 0)
                snprintf(buf, n, "unsupported format");
        else if (ERR_GET_LIB(pick) == ERR_LIB_PEM && ERR_GET_REASON(pick) == PEM_R_NO_START_LINE)
                snprintf(buf, n, "no '-----BEGIN %s-----' line", pem_label);
        else {
                const char *s = ERR_reason_error_string(pick);

                if (s)
                        snprintf(buf, n, "%s", s);
                else
                        snprintf(buf, n, "OpenSSL error 0x%lx", pick);
        }
        return buf;
}

static bool pem_at_end(void) {
        unsigned long e = ERR_peek_last_error();

        return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/* Parses every certificate of a PEM buffer (a leaf and its intermediates, or
 * a CA bundle). -EBADMSG if there is none or one is damaged; the cause is in
 * cause. */
static int certs_parse(const Blob *b, STACK_OF(X509) **ret, char *cause, size_t cause_size) {
        _cleanup_x509_stack_ STACK_OF(X509) *certs = NULL;
        _cleanup_(BIO_freep) BIO *bio = NULL;

        ERR_clear_error();
        if (b->size > INT_MAX)
                return -EFBIG;
        bio = BIO_new_mem_buf(b->data, (int) b->size);
        certs = sk_X509_new_null();
        if (!bio || !certs) {
                ERR_clear_error();
                return -ENOMEM;
        }

        for (;;) {
                _cleanup_(X509_freep) X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

                if (!x) {
                        /* No further BEGIN CERTIFICATE line is the normal end. */
                        if (sk_X509_num(certs) > 0 && pem_at_end())
                                break;
                        openssl_cause(cause, cause_size, "CERTIFICATE");
                        return -EBADMSG;
                }
                if (sk_X509_push(certs, x) <= 0) {
                        ERR_clear_error();
                        return -ENOMEM;
                }
                x = NULL; /* owned by the stack now */
        }

        ERR_clear_error();
        *ret = TAKE_PTR(certs);
        return 0;
}

static int certs_load(const char *path, STACK_OF(X509) **ret, char *cause, size_t cause_size) {
        _cleanup_(blob_done) Blob b = {};
        int r;

        r = blob_read(path, false, &b);
        if (r < 0)
                return r;
        return certs_parse(&b, ret, cause, cause_size);
}

static int asn1_time_to_time_t(const ASN1_TIME *a, time_t *ret) {
        struct tm tm = {};
        time_t t;

        if (!a || ASN1_TIME_to_tm(a, &tm) != 1)
                return -EBADMSG;
        t = timegm(&tm);
        if (t == (time_t) -1)
                return -ERANGE;
        *ret = t;
        return 0;
}

static void upcase(char *s) {
        for (; *s; s++)
                if (*s >= 'a' && *s <= 'z')
                        *s = (char) (*s - 'a' + 'A');
}

/* "SHA256", "SHA1", "MD5", "SHA3-256"... the short name of the digest,
 * upper case. "" for signatures without a separate digest (EdDSA); the
 * signature algorithm's name when OpenSSL cannot split it. */
static void sig_hash_name(X509 *x, char *buf, size_t n) {
        int md_nid = NID_undef, pk_nid = NID_undef, sig_nid;

        if (X509_get_signature_info(x, &md_nid, &pk_nid, NULL, NULL) != 1) {
                sig_nid = X509_get_signature_nid(x);
                if (OBJ_find_sigid_algs(sig_nid, &md_nid, &pk_nid) != 1) {
                        const char *sn = OBJ_nid2sn(sig_nid);

                        snprintf(buf, n, "%s", sn ? sn : "unknown");
                        upcase(buf);
                        return;
                }
        }
        if (md_nid == NID_undef) {
                buf[0] = 0;
                return;
        }
        snprintf(buf, n, "%s", OBJ_nid2sn(md_nid) ?: "unknown");
        upcase(buf);
}

static void key_facts(EVP_PKEY *k, CertFacts *f) {
        char group[64];
        size_t len = 0;
        int bits;

        switch (EVP_PKEY_get_base_id(k)) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS:
                f->key_type = CERT_KEY_RSA;
                break;
        case EVP_PKEY_EC:
                f->key_type = CERT_KEY_EC;
                break;
        case EVP_PKEY_ED25519:
                f->key_type = CERT_KEY_ED25519;
                break;
        case EVP_PKEY_ED448:
                f->key_type = CERT_KEY_ED448;
                break;
        default:
                f->key_type = CERT_KEY_OTHER;
                break;
        }
        bits = EVP_PKEY_get_bits(k);
        f->key_bits = bits > 0 ? (unsigned) bits : 0;

        f->curve[0] = 0;
        if (f->key_type != CERT_KEY_EC)
                return;
        if (EVP_PKEY_get_group_name(k, group, sizeof(group), &len) == 1) {
                int nid = OBJ_txt2nid(group);
                const char *nist = nid != NID_undef ? EC_curve_nid2nist(nid) : NULL;

                snprintf(f->curve, sizeof(f->curve), "%.31s", nist ?: group);
        } else
                /* Explicit curve parameters instead of a named curve: never
                 * one of the approved curves as far as policy is concerned. */
                snprintf(f->curve, sizeof(f->curve), "explicit parameters");
}

static int name_rfc2253(const X509_NAME *name, char *buf, size_t n) {
        _cleanup_(BIO_freep) BIO *bio = BIO_new(BIO_s_mem());
        char *data = NULL;
        long len;

        if (!bio)
                return -ENOMEM;
        /* RFC 2253 flags escape everything outside printable ASCII, so
         * truncating below never splits a multibyte character. */
        if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0)
                return -EBADMSG;
        len = BIO_get_mem_data(bio, &data);
        if (len < 0)
                return -EBADMSG;
        if ((size_t) len < n)
                snprintf(buf, n, "%.*s", (int) len, data);
        else
                snprintf(buf, n, "%.*s...", (int) n - 4, data);
        return 0;
}

static int cert_facts(X509 *x, CertFacts *ret) {
        CertFacts f = {};
        EVP_PKEY *k;
        int r;

        k = X509_get0_pubkey(x); /* borrowed */
        if (!k)
                return -EBADMSG;
        key_facts(k, &f);
        sig_hash_name(x, f.sig_hash, sizeof(f.sig_hash));

        r = asn1_time_to_time_t(X509_get0_notBefore(x), &f.not_before);
        if (r < 0)
                return r;
        r = asn1_time_to_time_t(X509_get0_notAfter(x), &f.not_after);
        if (r < 0)
                return r;
        r = name_rfc2253(X509_get_subject_name(x), f.subject, sizeof(f.subject));
        if (r < 0)
                return r;

        *ret = f;
        return 0;
}

int creds_read_cert_facts(const char *path, CertFacts *ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *certs = NULL;
        char cause[128];
        int r;

        r = certs_load(path, &certs, cause, sizeof(cause));
        if (r >= 0)
                r = cert_facts(sk_X509_value(certs, 0), ret);
        ERR_clear_error();
        return r;
}

int creds_cert_identity(const char *path, char **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *certs = NULL;
        unsigned char *der = NULL;
        char cause[128], *id;
        int r, n;

        r = certs_load(path, &certs, cause, sizeof(cause));
        ERR_clear_error();
        if (r < 0)
                return r;
        n = i2d_X509_NAME(X509_get_subject_name(sk_X509_value(certs, 0)), &der);
        if (n <= 0) {
                ERR_clear_error();
                return -EBADMSG;
        }
        /* "asn1dn:#" + two hex digits per byte: strongSwan's binary DN form,
         * which matches the certificate's subject exactly whatever its RDN
         * order or string escaping. */
        id = malloc(8 + 2 * (size_t) n + 1);
        if (!id) {
                OPENSSL_free(der);
                return -ENOMEM;
        }
        strcpy(id, "asn1dn:#");
        for (int i = 0; i < n; i++)
                snprintf(id + 8 + 2 * i, 3, "%02x", der[i]);
        OPENSSL_free(der);
        *ret = id;
        return 0;
}

/* ---- creds_check_tunnel ---- */

typedef struct Check {
        const Gateway *g;
        const Tunnel *t;
        DiagList *d;
        time_t now;
        int r;  /* first -ENOMEM */
} Check;

/* Reports "Key=path: message" at the tunnel's line for key. */
_printf_(4, 5)
static void report(Check *c, DiagLevel level, TunnelKey key, const char *fmt, ...) {
        _cleanup_free_ char *msg = NULL;
        const char *path;
        va_list ap;
        int r;

        switch (key) {
        case TUNNEL_CERTIFICATE:
                path = c->t->certificate;
                break;
        case TUNNEL_PRIVATE_KEY:
                path = c->t->private_key;
                break;
        case TUNNEL_CA_CERTIFICATE:
                path = c->t->ca_certificate;
                break;
        default:
                path = NULL;
        }

        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0) {
                msg = NULL;
                c->r = c->r ?: -ENOMEM;
                return;
        }
        if (path)
                r = diag_add(c->d, level, c->t->path, tunnel_line(c->t, key), "%s=%s: %s",
                             tunnel_key_to_string(key), path, msg);
        else
                r = diag_add(c->d, level, c->t->path, tunnel_line(c->t, key), "%s", msg);
        if (r < 0)
                c->r = c->r ?: r;
}

static void report_read_error(Check *c, TunnelKey key, int r) {
        const char *what = key == TUNNEL_PRIVATE_KEY ? "a PEM private key" : "a PEM certificate file";

        switch (r) {
        case -ENOENT:
                report(c, DIAG_ERROR, key, "does not exist; check the path");
                break;
        case -EACCES:
                report(c, DIAG_ERROR, key, "cannot be read (%s); gatewayd runs as root, run the check as root too",
                       strerror(-r));
                break;
        case -EISDIR:
                report(c, DIAG_ERROR, key, "is a directory; point %s= at %s",
                       tunnel_key_to_string(key), what);
                break;
        case -EINVAL:
                report(c, DIAG_ERROR, key, "is not a regular file; point %s= at %s",
                       tunnel_key_to_string(key), what);
                break;
        case -EFBIG:
                report(c, DIAG_ERROR, key, "is larger than %u MiB; point %s= at %s",
                       CREDS_FILE_MAX / 1024u / 1024u, tunnel_key_to_string(key), what);
                break;
        case -ENOMEM:
                c->r = c->r ?: r;
                break;
        default:
                report(c, DIAG_ERROR, key, "cannot be read (%s); check the file", strerror(-r));
        }
}

/* Loads a certificate file, reporting why it cannot be used. */
static int check_load_certs(Check *c, TunnelKey key, const char *path, STACK_OF(X509) **ret) {
        char cause[128];
        int r;

        r = certs_load(path, ret, cause, sizeof(cause));
        if (r == -EBADMSG)
                report(c, DIAG_ERROR, key,
                       "is not a PEM certificate (%s); convert a DER file with "
                       "'openssl x509 -inform der -in FILE -out FILE.pem'",
                       cause);
        else if (r < 0)
                report_read_error(c, key, r);
        return r;
}

/* The password callback: never prompt (the daemon has no terminal, and a
 * check must not hang); only record that a password was wanted. */
static int no_password_cb(char *buf, int size, int rwflag, void *userdata) {
        bool *encrypted = userdata;

        (void) buf, (void) size, (void) rwflag;
        *encrypted = true;
        return -1;
}

static int check_load_key(Check *c, EVP_PKEY **ret) {
        _cleanup_(blob_done) Blob b = {};
        _cleanup_(BIO_freep) BIO *bio = NULL;
        EVP_PKEY *k;
        bool encrypted = false;
        char cause[128];
        int r;

        /* The owner and mode of the file are secret_file_check()'s business;
         * this only reads it. The buffer is wiped by blob_done. */
        r = blob_read(c->t->private_key, true, &b);
        if (r < 0) {
                report_read_error(c, TUNNEL_PRIVATE_KEY, r);
                return r;
        }
        if (b.size > INT_MAX)
                return -EFBIG;

        ERR_clear_error();
        bio = BIO_new_mem_buf(b.data, (int) b.size);
        if (!bio) {
                ERR_clear_error();
                c->r = c->r ?: -ENOMEM;
                return -ENOMEM;
        }
        k = PEM_read_bio_PrivateKey(bio, NULL, no_password_cb, &encrypted);
        if (!k) {
                openssl_cause(cause, sizeof(cause), "PRIVATE KEY");
                /* OpenSSL 3's decoders do not say that there was no key at
                 * all; look for the armour ourselves (in place, no copy). */
                if (!b.data || !strstr(b.data, "PRIVATE KEY-----"))
                        snprintf(cause, sizeof(cause), "no '-----BEGIN PRIVATE KEY-----' line");
                if (encrypted)
                        report(c, DIAG_ERROR, TUNNEL_PRIVATE_KEY,
                               "is encrypted; gatewayd needs an unencrypted key readable only by root "
                               "(decrypt it with 'openssl pkey -in FILE -out NEWFILE', then chmod 600 NEWFILE)");
                else
                        report(c, DIAG_ERROR, TUNNEL_PRIVATE_KEY,
                               "is not a PEM private key (%s); convert it with "
                               "'openssl pkey -in FILE -out NEWFILE'",
                               cause);
                return -EBADMSG;
        }
        ERR_clear_error();
        *ret = k;
        return 0;
}

static void format_date(time_t t, char *buf, size_t n) {
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%d", &tm) == 0)
                snprintf(buf, n, "@%lld", (long long) t);
}

/* Judges the validity window of one certificate at c->now. label names the
 * certificate when its file holds more than one ("'CN=x' "), else "". */
static void check_validity(Check *c, TunnelKey key, X509 *x, const char *label, bool is_ca) {
        time_t not_before, not_after;
        char date[32];
        unsigned warn_days = c->g ? c->g->cert_expiry_warning_days : 0;

        if (asn1_time_to_time_t(X509_get0_notBefore(x), &not_before) < 0 ||
            asn1_time_to_time_t(X509_get0_notAfter(x), &not_after) < 0) {
                report(c, DIAG_ERROR, key, "%shas an unreadable validity period; reissue it", label);
                return;
        }

        if (c->now < not_before) {
                format_date(not_before, date, sizeof(date));
                report(c, DIAG_ERROR, key,
                       "%sis not valid before %s (notBefore); check the system clock, or use a certificate valid now",
                       label, date);
        } else if (c->now > not_after) {
                format_date(not_after, date, sizeof(date));
                report(c, DIAG_ERROR, key, "%sexpired on %s (notAfter); %s", label, date,
                       is_ca ? "install the CA's renewed certificate" : "renew it");
        } else if (warn_days > 0 && not_after - c->now <= (time_t) warn_days * SEC_PER_DAY) {
                format_date(not_after, date, sizeof(date));
                report(c, DIAG_WARNING, key, "%sexpires on %s (in %lld days); %s", label, date,
                       (long long) ((not_after - c->now) / SEC_PER_DAY),
                       is_ca ? "install the CA's renewed certificate before then" : "renew it before then");
        }
}

static void make_label(X509 *x, bool named, char *buf, size_t n) {
        char subject[200];

        buf[0] = 0;
        if (!named)
                return;
        if (name_rfc2253(X509_get_subject_name(x), subject, sizeof(subject)) < 0)
                snprintf(subject, sizeof(subject), "?");
        snprintf(buf, n, "certificate '%s' ", subject);
}

/* Time errors are judged (with dates, for every certificate of the file) by
 * check_validity; ignoring them here keeps one diagnostic per problem while
 * the rest of the chain is still verified. */
static int verify_cb(int ok, X509_STORE_CTX *ctx) {
        if (ok)
                return ok;
        switch (X509_STORE_CTX_get_error(ctx)) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
                return 1;
        default:
                return 0;
        }
}

/* The Certificate file is this device's certificate followed by the CA
 * certificates that issued it, which charon sends to the peer. When it holds
 * more than one, the first must chain to the last through the ones between:
 * a bundle that does not is a mistake the peer would refuse. The chain is
 * never judged against CACertificate, which anchors the peer's certificate
 * and may be another CA altogether (DESIGN, [Tunnel]). */
static void check_own_chain(Check *c, STACK_OF(X509) *certs) {
        _cleanup_(X509_STORE_freep) X509_STORE *store = NULL;
        _cleanup_(X509_STORE_CTX_freep) X509_STORE_CTX *ctx = NULL;
        X509_VERIFY_PARAM *param;
        int n = sk_X509_num(certs), err;
        char last[256];

        if (n < 2)
                return;

        ERR_clear_error();
        store = X509_STORE_new();
        ctx = X509_STORE_CTX_new();
        if (!store || !ctx)
                goto oom;
        if (X509_STORE_add_cert(store, sk_X509_value(certs, n - 1)) != 1)
                goto oom;

        /* The certificates between the first and the last are untrusted
         * intermediates (passing the whole file is harmless: the anchor is
         * found in the store first). */
        if (X509_STORE_CTX_init(ctx, store, sk_X509_value(certs, 0), certs) != 1)
                goto oom;
        param = X509_STORE_CTX_get0_param(ctx);
        /* Judge at the given time, not the clock (sets X509_V_FLAG_USE_CHECK_TIME). */
        X509_VERIFY_PARAM_set_time(param, c->now);
        /* The last certificate may be an intermediate CA rather than a root:
         * the peer holds the root, the file need not. */
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
        X509_STORE_CTX_set_verify_cb(ctx, verify_cb);

        if (X509_verify_cert(ctx) == 1) {
                ERR_clear_error();
                return;
        }
        err = X509_STORE_CTX_get_error(ctx);
        ERR_clear_error();
        if (err == X509_V_OK) /* an internal failure, not a verdict */
                goto oom;
        if (name_rfc2253(X509_get_subject_name(sk_X509_value(certs, n - 1)), last, sizeof(last)) < 0)
                snprintf(last, sizeof(last), "?");
        report(c, DIAG_ERROR, TUNNEL_CERTIFICATE,
               "this gateway's certificate does not chain to the last certificate in the file, '%s' (%s); "
               "put this gateway's certificate first and after it the CA certificates that issued it, "
               "in order, or leave only this gateway's certificate in the file",
               last, X509_verify_cert_error_string(err));
        return;

oom:
        ERR_clear_error();
        c->r = c->r ?: -ENOMEM;
}

/* Is every certificate of the CACertificate file a CA (basicConstraints
 * CA:TRUE)? It anchors the peer's certificate, so nothing else can be. */
static void check_ca(Check *c, STACK_OF(X509) *cas) {
        int n = sk_X509_num(cas);

        for (int i = 0; i < n; i++) {
                X509 *x = sk_X509_value(cas, i);
                char label[256];

                if (X509_check_ca(x) == 1)
                        continue;
                make_label(x, n > 1, label, sizeof(label));
                report(c, DIAG_ERROR, TUNNEL_CA_CERTIFICATE,
                       "%sis not a CA certificate (basicConstraints CA:TRUE missing); "
                       "use the certificate of the CA that issued the peer's certificate",
                       label);
        }
}

/* Every problem of the three files is reported in one run: each file is read
 * even when another failed. This device's certificate and CACertificate are
 * judged apart: CACertificate anchors the peer, not this device. Validity is
 * judged here (with dates) for every certificate of both files, so OpenSSL's
 * own time verdicts are ignored in verify_cb.
 * ret_cert/ret_ca may be NULL; see the end for when they are written. */
int creds_check_tunnel(const Gateway *g, const Tunnel *t, uid_t secret_owner, time_t now,
                       DiagList *d, CertFacts *ret_cert, CertFacts *ret_ca) {
        _cleanup_x509_stack_ STACK_OF(X509) *certs = NULL, *cas = NULL;
        _cleanup_(EVP_PKEY_freep) EVP_PKEY *key = NULL;
        Check c = { .g = g, .t = t, .d = d, .now = now };
        CertFacts cert = { .key_type = _CERT_KEY_TYPE_INVALID }, ca = { .key_type = _CERT_KEY_TYPE_INVALID };
        int r;

        /* secret_owner: the key file's owner and mode are judged by
         * secret_file_check() in conf; this function only reads the key. */
        (void) secret_owner;

        if (t->auth != AUTH_CERTIFICATE)
                return 0;

        /* Missing keys are normally caught by conf; report them anyway so
         * that a certificate tunnel is never passed without its files. */
        if (isempty(t->certificate))
                report(&c, DIAG_ERROR, TUNNEL_AUTHENTICATION,
                       "Authentication=certificate needs Certificate=; set it to the gateway's PEM certificate");
        else if (check_load_certs(&c, TUNNEL_CERTIFICATE, t->certificate, &certs) >= 0) {
                r = cert_facts(sk_X509_value(certs, 0), &cert);
                if (r == -ENOMEM)
                        c.r = c.r ?: r;
                else if (r < 0)
                        report(&c, DIAG_ERROR, TUNNEL_CERTIFICATE,
                               "has no usable public key or validity period; reissue it");
                for (int i = 0; i < sk_X509_num(certs); i++) {
                        char label[256];

                        /* The leaf is the file; intermediates are named. */
                        make_label(sk_X509_value(certs, i), i > 0, label, sizeof(label));
                        check_validity(&c, TUNNEL_CERTIFICATE, sk_X509_value(certs, i), label, i > 0);
                }
                check_own_chain(&c, certs);
        }

        if (isempty(t->private_key))
                report(&c, DIAG_ERROR, TUNNEL_AUTHENTICATION,
                       "Authentication=certificate needs PrivateKey=; set it to the key of Certificate=");
        else if (check_load_key(&c, &key) >= 0 && certs) {
                EVP_PKEY *pub = X509_get0_pubkey(sk_X509_value(certs, 0));

                /* 1 = same key; 0 = different; < 0 = different types. */
                if (!pub || EVP_PKEY_eq(pub, key) != 1)
                        report(&c, DIAG_ERROR, TUNNEL_PRIVATE_KEY,
                               "does not match the certificate in Certificate=%s; "
                               "use the key the certificate was issued for",
                               t->certificate);
                ERR_clear_error();
        }

        if (isempty(t->ca_certificate))
                report(&c, DIAG_ERROR, TUNNEL_AUTHENTICATION,
                       "Authentication=certificate needs CACertificate=; set it to the CA that issued the peer's certificate");
        else if (check_load_certs(&c, TUNNEL_CA_CERTIFICATE, t->ca_certificate, &cas) >= 0) {
                int n = sk_X509_num(cas);

                r = cert_facts(sk_X509_value(cas, 0), &ca);
                if (r == -ENOMEM)
                        c.r = c.r ?: r;
                else if (r < 0)
                        report(&c, DIAG_ERROR, TUNNEL_CA_CERTIFICATE,
                               "has no usable public key or validity period; use the CA's certificate");
                for (int i = 0; i < n; i++) {
                        char label[256];

                        make_label(sk_X509_value(cas, i), n > 1, label, sizeof(label));
                        check_validity(&c, TUNNEL_CA_CERTIFICATE, sk_X509_value(cas, i), label, true);
                }
                check_ca(&c, cas);
        }

        ERR_clear_error();
        if (c.r < 0)
                return c.r;

        /* The facts go out whenever a file parsed, even when other problems
         * were reported, so that the caller can judge key and hash in the
         * same run (every problem at once); key_type is
         * _CERT_KEY_TYPE_INVALID for a file that did not parse. */
        if (ret_cert)
                *ret_cert = cert;
        if (ret_ca)
                *ret_ca = ca;
        return 0;
}

/* One certificate as its own PEM text (PEM) or base64 DER (no PEM
 * armour, no line breaks), in a new string. */
static int cert_text(X509 *x, bool pem, char **ret) {
        _cleanup_(BIO_freep) BIO *bio = NULL;
        unsigned char *der = NULL;
        char *text, *data;
        long len;
        int n;

        if (pem) {
                bio = BIO_new(BIO_s_mem());
                if (!bio || PEM_write_bio_X509(bio, x) != 1) {
                        ERR_clear_error();
                        return -ENOMEM;
                }
                len = BIO_get_mem_data(bio, &data);
                if (len <= 0)
                        return -ENOMEM;
                text = strndup(data, (size_t) len);
                if (!text)
                        return -ENOMEM;
                *ret = text;
                return 0;
        }
        n = i2d_X509(x, &der);
        if (n <= 0) {
                ERR_clear_error();
                return -EBADMSG;
        }
        text = malloc(4 * (((size_t) n + 2) / 3) + 1);
        if (!text) {
                OPENSSL_free(der);
                return -ENOMEM;
        }
        (void) EVP_EncodeBlock((unsigned char *) text, der, n);
        OPENSSL_free(der);
        *ret = text;
        return 0;
}

int creds_cert_texts(const char *path, bool pem, char ***ret, size_t *ret_n) {
        _cleanup_x509_stack_ STACK_OF(X509) *certs = NULL;
        char cause[128], **v;
        int r, n;

        r = certs_load(path, &certs, cause, sizeof(cause));
        ERR_clear_error();
        if (r < 0)
                return r;
        n = sk_X509_num(certs);
        v = calloc((size_t) n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                r = cert_text(sk_X509_value(certs, i), pem, &v[i]);
                if (r < 0) {
                        for (int j = 0; j < i; j++)
                                free(v[j]);
                        free(v);
                        return r;
                }
        }
        *ret = v;
        *ret_n = (size_t) n;
        return 0;
}

int creds_cert_common_name(const char *path, char **ret) {
        _cleanup_x509_stack_ STACK_OF(X509) *certs = NULL;
        char cause[128], cn[256];
        int r, n;

        r = certs_load(path, &certs, cause, sizeof(cause));
        ERR_clear_error();
        if (r < 0)
                return r;
        n = X509_NAME_get_text_by_NID(X509_get_subject_name(sk_X509_value(certs, 0)), NID_commonName, cn,
                                      sizeof(cn));
        ERR_clear_error();
        if (n <= 0)
                return -ENOENT;
        *ret = strdup(cn);
        return *ret ? 0 : -ENOMEM;
}
