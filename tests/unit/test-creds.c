/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificate checks (conf/creds.c) and their policy (ikepolicy/certpolicy.c).
 * Every certificate is made here with the openssl command, with fixed
 * validity dates (openssl ca -startdate/-enddate), and every check is judged
 * at a fixed time, so the results do not depend on the clock. */

#include <limits.h>
#include <time.h>

#include "testhelp.h"

#include "creds.h"
#include "ikepolicy.h"
#include "model.h"

#ifndef OPENSSL_BIN
#define OPENSSL_BIN "openssl"
#endif

#define TUNNEL_PATH "tunnels.d/t.conf"
#define LINE_SECTION 1u
#define LINE_AUTH 6u
#define LINE_CERT 7u
#define LINE_KEY 8u
#define LINE_CA 9u

static char *dir; /* the fixtures, made once for the group */

/* dir/name in one of a few rotating buffers (enough for one call's args). */
static const char *fx(const char *name) {
        static char bufs[16][PATH_MAX];
        static unsigned i;
        char *b = bufs[i++ % ELEMENTSOF(bufs)];

        assert_true((size_t) snprintf(b, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
        return b;
}

/* Runs the openssl command with the given arguments (NULL-terminated). */
__attribute__((sentinel))
static void ossl(const char *arg, ...) {
        char *argv[48];
        size_t n = 0;
        va_list ap;

        argv[n++] = (char *) OPENSSL_BIN;
        va_start(ap, arg);
        for (const char *a = arg; a && n < ELEMENTSOF(argv) - 1; a = va_arg(ap, const char *))
                argv[n++] = (char *) a;
        va_end(ap);
        assert_true(n < ELEMENTSOF(argv) - 1);
        argv[n] = NULL;
        if (th_run(argv) != 0) {
                print_message("command failed:");
                for (size_t i = 0; argv[i]; i++)
                        print_message(" %s", argv[i]);
                print_message("\n(run with TH_VERBOSE=1 to see its output)\n");
                fail();
        }
}

static void genkey_ec(const char *name, const char *curve) {
        char opt[64];

        snprintf(opt, sizeof(opt), "ec_paramgen_curve:%s", curve);
        ossl("genpkey", "-algorithm", "EC", "-pkeyopt", opt, "-out", fx(name), NULL);
}

/* Issues a certificate for key with subject cn, signed by ca (NULL: self-
 * signed), valid from..until (YYYYMMDDhhmmssZ), with extensions ext of the
 * config and digest md. */
static void issue(const char *out, const char *key, const char *cn, const char *ca, const char *ca_key,
                  const char *from, const char *until, const char *ext, const char *md) {
        char subj[128];

        snprintf(subj, sizeof(subj), "/O=Example/CN=%s", cn);
        ossl("req", "-config", fx("openssl.cnf"), "-new", "-key", fx(key), "-subj", subj, "-out",
             fx("req.csr"), NULL);
        if (ca)
                ossl("ca", "-batch", "-config", fx("openssl.cnf"), "-cert", fx(ca), "-keyfile", fx(ca_key),
                     "-in", fx("req.csr"), "-startdate", from, "-enddate", until, "-extensions", ext, "-md", md,
                     "-notext", "-out", fx(out), NULL);
        else
                ossl("ca", "-batch", "-config", fx("openssl.cnf"), "-selfsign", "-keyfile", fx(ca_key),
                     "-in", fx("req.csr"), "-startdate", from, "-enddate", until, "-extensions", ext, "-md", md,
                     "-notext", "-out", fx(out), NULL);
}

/* Writes the named fixtures one after the other into out (NULL-terminated). */
__attribute__((sentinel))
static void concat(const char *out, ...) {
        _cleanup_fclose_ FILE *o = fopen(fx(out), "we");
        va_list ap;

        assert_non_null(o);
        va_start(ap, out);
        for (const char *in = va_arg(ap, const char *); in; in = va_arg(ap, const char *)) {
                _cleanup_fclose_ FILE *f = fopen(fx(in), "re");
                char buf[4096];
                size_t n;

                assert_non_null(f);
                while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
                        assert_int_equal(fwrite(buf, 1, n, o), n);
        }
        va_end(ap);
}

static int group_setup(void **state) {
        _cleanup_free_ char *cnf = NULL;

        (void) state;
        dir = th_mkdtemp();

        /* A private openssl config: independent of the system's, and a CA
         * database so that `openssl ca` can set exact validity dates. */
        assert_true(asprintf(&cnf,
                             "[req]\n"
                             "distinguished_name = dn\n"
                             "prompt = no\n"
                             "[dn]\n"
                             "CN = unused\n"
                             "[ca]\n"
                             "default_ca = test_ca\n"
                             "[test_ca]\n"
                             "database = %1$s/index.txt\n"
                             "new_certs_dir = %1$s\n"
                             "serial = %1$s/serial\n"
                             "policy = pol\n"
                             "default_md = sha256\n"
                             "unique_subject = no\n"
                             "copy_extensions = none\n"
                             "[pol]\n"
                             "organizationName = supplied\n"
                             "commonName = supplied\n"
                             "[v3_ca]\n"
                             "basicConstraints = critical,CA:TRUE\n"
                             "keyUsage = critical,keyCertSign,cRLSign\n"
                             "subjectKeyIdentifier = hash\n"
                             "[v3_leaf]\n"
                             "basicConstraints = critical,CA:FALSE\n"
                             "keyUsage = critical,digitalSignature\n"
                             "subjectKeyIdentifier = hash\n"
                             "authorityKeyIdentifier = keyid\n"
                             "subjectAltName = DNS:gw.example.com\n",
                             dir) > 0);
        free(th_write_file(dir, "openssl.cnf", cnf, 0644));
        free(th_write_file(dir, "index.txt", "", 0644));
        free(th_write_file(dir, "serial", "01\n", 0644));
        free(th_write_file(dir, "garbage.pem", "this is not PEM\n", 0644));
        free(th_write_file(dir, "empty.pem", "", 0644));
        free(th_write_file(dir, "damaged.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", 0600));
        free(th_write_file(dir, "subdir/x", "", 0644));

        /* The test CA: EC P-384 with SHA-384, 2020..2040. */
        genkey_ec("ca.key", "P-384");
        issue("ca.pem", "ca.key", "Test CA", NULL, "ca.key", "20200101000000Z", "20400101000000Z", "v3_ca",
              "sha384");
        /* A CA nobody trusts, and a CA that expired in 2022. */
        genkey_ec("other-ca.key", "P-384");
        issue("other-ca.pem", "other-ca.key", "Other CA", NULL, "other-ca.key", "20200101000000Z",
              "20400101000000Z", "v3_ca", "sha384");
        genkey_ec("old-ca.key", "P-384");
        issue("old-ca.pem", "old-ca.key", "Old CA", NULL, "old-ca.key", "20200101000000Z", "20220101000000Z",
              "v3_ca", "sha384");

        /* The gateway: EC P-256, 2024..2030, and variants of it. */
        genkey_ec("gw.key", "P-256");
        genkey_ec("wrong.key", "P-256");
        issue("gw.pem", "gw.key", "gw.example.com", "ca.pem", "ca.key", "20240101000000Z", "20300101000000Z",
              "v3_leaf", "sha256");
        issue("expired.pem", "gw.key", "gw.example.com", "ca.pem", "ca.key", "20200101000000Z",
              "20210101000000Z", "v3_leaf", "sha256");
        issue("sha1.pem", "gw.key", "gw.example.com", "ca.pem", "ca.key", "20240101000000Z", "20300101000000Z",
              "v3_leaf", "sha1");
        issue("stranger.pem", "gw.key", "gw.example.com", "other-ca.pem", "other-ca.key", "20240101000000Z",
              "20300101000000Z", "v3_leaf", "sha256");
        issue("old-leaf.pem", "gw.key", "gw.example.com", "old-ca.pem", "old-ca.key", "20200601000000Z",
              "20300101000000Z", "v3_leaf", "sha256");
        ossl("pkey", "-in", fx("gw.key"), "-aes256", "-passout", "pass:correct-horse-battery", "-out",
             fx("gw-enc.key"), NULL);

        ossl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", fx("rsa1024.key"), NULL);
        issue("rsa1024.pem", "rsa1024.key", "weak.example.com", "ca.pem", "ca.key", "20240101000000Z",
              "20300101000000Z", "v3_leaf", "sha256");
        ossl("genpkey", "-algorithm", "ED25519", "-out", fx("ed25519.key"), NULL);
        issue("ed25519.pem", "ed25519.key", "ed.example.com", "ca.pem", "ca.key", "20240101000000Z",
              "20300101000000Z", "v3_leaf", "sha256");

        /* An intermediate CA and a leaf below it, alone and as a bundle. */
        genkey_ec("int.key", "P-384");
        issue("int.pem", "int.key", "Intermediate CA", "ca.pem", "ca.key", "20200101000000Z", "20350101000000Z",
              "v3_ca", "sha384");
        genkey_ec("leaf2.key", "P-256");
        issue("leaf2.pem", "leaf2.key", "gw2.example.com", "int.pem", "int.key", "20240101000000Z",
              "20300101000000Z", "v3_leaf", "sha256");
        concat("leaf2-chain.pem", "leaf2.pem", "int.pem", NULL);
        concat("leaf2-full.pem", "leaf2.pem", "int.pem", "ca.pem", NULL);

        /* Bundles that do not chain: the gateway's certificate (issued by
         * the test CA itself) followed by an intermediate that did not issue
         * it; a full chain that ends at another CA; and a certificate issued
         * by the gateway's own (non-CA) certificate. */
        concat("gw-bad-chain.pem", "gw.pem", "int.pem", NULL);
        concat("leaf2-other.pem", "leaf2.pem", "int.pem", "other-ca.pem", NULL);
        issue("below.pem", "wrong.key", "below.example.com", "gw.pem", "gw.key", "20240101000000Z",
              "20300101000000Z", "v3_leaf", "sha256");
        concat("below-chain.pem", "below.pem", "gw.pem", NULL);

        /* A CA that is not valid before 2030. */
        genkey_ec("future-ca.key", "P-384");
        issue("future-ca.pem", "future-ca.key", "Future CA", NULL, "future-ca.key", "20300101000000Z",
              "20400101000000Z", "v3_ca", "sha384");
        return 0;
}

static int group_teardown(void **state) {
        (void) state;
        th_rmtree(dir);
        free(dir);
        dir = NULL;
        return 0;
}

static time_t day(const char *ymd) {
        struct tm tm = {};

        assert_non_null(strptime(ymd, "%Y-%m-%d", &tm));
        return timegm(&tm);
}

static char *fx_dup(const char *name) {
        char *s;

        if (!name)
                return NULL;
        if (name[0] == '/')
                s = strdup(name);
        else
                s = strdup(fx(name));
        assert_non_null(s);
        return s;
}

static Tunnel *make_tunnel(const char *cert, const char *key, const char *ca) {
        Tunnel *t = calloc(1, sizeof(Tunnel));

        assert_non_null(t);
        t->name = strdup("t");
        t->path = strdup(TUNNEL_PATH);
        assert_non_null(t->name);
        assert_non_null(t->path);
        t->section_line = LINE_SECTION;
        t->line[TUNNEL_AUTHENTICATION] = LINE_AUTH;
        t->line[TUNNEL_CERTIFICATE] = LINE_CERT;
        t->line[TUNNEL_PRIVATE_KEY] = LINE_KEY;
        t->line[TUNNEL_CA_CERTIFICATE] = LINE_CA;
        t->auth = AUTH_CERTIFICATE;
        t->certificate = fx_dup(cert);
        t->private_key = fx_dup(key);
        t->ca_certificate = fx_dup(ca);
        return t;
}

/* ---- creds_read_cert_facts ---- */

static void test_read_facts(void **state) {
        CertFacts f;

        (void) state;
        assert_int_equal(creds_read_cert_facts(fx("gw.pem"), &f), 0);
        assert_int_equal(f.key_type, CERT_KEY_EC);
        assert_int_equal(f.key_bits, 256);
        assert_string_equal(f.curve, "P-256");
        assert_string_equal(f.sig_hash, "SHA256");
        assert_int_equal(f.not_before, day("2024-01-01"));
        assert_int_equal(f.not_after, day("2030-01-01"));
        assert_string_equal(f.subject, "CN=gw.example.com,O=Example");

        assert_int_equal(creds_read_cert_facts(fx("ca.pem"), &f), 0);
        assert_int_equal(f.key_type, CERT_KEY_EC);
        assert_int_equal(f.key_bits, 384);
        assert_string_equal(f.curve, "P-384");
        assert_string_equal(f.sig_hash, "SHA384");
        assert_string_equal(f.subject, "CN=Test CA,O=Example");

        assert_int_equal(creds_read_cert_facts(fx("rsa1024.pem"), &f), 0);
        assert_int_equal(f.key_type, CERT_KEY_RSA);
        assert_int_equal(f.key_bits, 1024);
        assert_string_equal(f.curve, "");

        assert_int_equal(creds_read_cert_facts(fx("sha1.pem"), &f), 0);
        assert_string_equal(f.sig_hash, "SHA1");

        assert_int_equal(creds_read_cert_facts(fx("ed25519.pem"), &f), 0);
        assert_int_equal(f.key_type, CERT_KEY_ED25519);
        assert_string_equal(f.sig_hash, "SHA256"); /* signed by the EC CA */

        /* A bundle: the facts are the first certificate's. */
        assert_int_equal(creds_read_cert_facts(fx("leaf2-chain.pem"), &f), 0);
        assert_string_equal(f.subject, "CN=gw2.example.com,O=Example");

        assert_int_equal(creds_read_cert_facts(fx("missing.pem"), &f), -ENOENT);
        assert_int_equal(creds_read_cert_facts(fx("garbage.pem"), &f), -EBADMSG);
        assert_int_equal(creds_read_cert_facts(fx("empty.pem"), &f), -EBADMSG);
        assert_int_equal(creds_read_cert_facts(fx("gw.key"), &f), -EBADMSG);
        assert_int_equal(creds_read_cert_facts(fx("subdir"), &f), -EISDIR);
}

static void test_key_type_to_string(void **state) {
        (void) state;
        assert_string_equal(cert_key_type_to_string(CERT_KEY_RSA), "RSA");
        assert_string_equal(cert_key_type_to_string(CERT_KEY_ED448), "Ed448");
        assert_null(cert_key_type_to_string(_CERT_KEY_TYPE_MAX));
        assert_null(cert_key_type_to_string(_CERT_KEY_TYPE_INVALID));
}

/* ---- creds_check_tunnel + ikepolicy_check_cert, as --check runs them ---- */

typedef struct CredsRow {
        const char *name;
        const char *cert, *key, *ca;   /* fixture names; NULL = key not set */
        const char *now;               /* YYYY-MM-DD */
        bool fips;
        unsigned warn_days;
        /* expected */
        size_t n_errors, n_warnings;
        DiagLevel level;
        unsigned line;
        const char *needle;            /* NULL: no diagnostic at all */
        const char *needle2;           /* a second substring of the same diagnostic */
        CertKeyType cert_type;         /* facts handed out for the certificate */
} CredsRow;

static const CredsRow creds_rows[] = {
        { "good", "gw.pem", "gw.key", "ca.pem", "2025-06-01", true, 30,
          0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "good, no warning when the window is 0", "gw.pem", "gw.key", "ca.pem", "2029-12-31", true, 0,
          0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "expiring soon", "gw.pem", "gw.key", "ca.pem", "2029-12-20", true, 30,
          0, 1, DIAG_WARNING, LINE_CERT, "expires on 2030-01-01 (in 12 days); renew it before then", NULL,
          CERT_KEY_EC },
        { "not yet valid", "gw.pem", "gw.key", "ca.pem", "2023-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT, "is not valid before 2024-01-01 (notBefore)", NULL, CERT_KEY_EC },
        { "expired", "expired.pem", "gw.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT, "expired on 2021-01-01 (notAfter); renew it", NULL, CERT_KEY_EC },
        { "wrong key", "gw.pem", "wrong.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_KEY, "does not match the certificate in Certificate=", "gw.pem", CERT_KEY_EC },
        { "key of another type", "gw.pem", "rsa1024.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_KEY, "does not match the certificate", NULL, CERT_KEY_EC },
        { "encrypted key", "gw.pem", "gw-enc.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_KEY, "is encrypted; gatewayd needs an unencrypted key readable only by root",
          NULL, CERT_KEY_EC },
        { "key not PEM", "gw.pem", "garbage.pem", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_KEY, "is not a PEM private key (no '-----BEGIN PRIVATE KEY-----' line)", NULL,
          CERT_KEY_EC },
        { "key damaged", "gw.pem", "damaged.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_KEY, "is not a PEM private key (", "convert it with 'openssl pkey", CERT_KEY_EC },
        { "certificate as key", "gw.pem", "gw.pem", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_KEY, "is not a PEM private key (", NULL, CERT_KEY_EC },
        { "key missing", "gw.pem", "missing.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_KEY, "missing.key: does not exist; check the path", NULL, CERT_KEY_EC },
        { "certificate not PEM", "garbage.pem", "gw.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT, "is not a PEM certificate (no '-----BEGIN CERTIFICATE-----' line)",
          "openssl x509 -inform der",
          _CERT_KEY_TYPE_INVALID },
        { "certificate empty", "empty.pem", "gw.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT, "is not a PEM certificate (", NULL, _CERT_KEY_TYPE_INVALID },
        { "certificate missing", "missing.pem", "gw.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT, "missing.pem: does not exist", NULL, _CERT_KEY_TYPE_INVALID },
        { "certificate is a directory", "subdir", "gw.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT, "is a directory; point Certificate= at a PEM certificate file", NULL,
          _CERT_KEY_TYPE_INVALID },
        { "Certificate= not set", NULL, "gw.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_AUTH, "Authentication=certificate needs Certificate=", NULL,
          _CERT_KEY_TYPE_INVALID },
        /* Two CAs: CACertificate anchors the peer, not this device. */
        { "own certificate from CA1, CACertificate CA2", "gw.pem", "gw.key", "other-ca.pem", "2025-06-01", true, 30,
          0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "own certificate from CA2, CACertificate CA1", "stranger.pem", "gw.key", "ca.pem", "2025-06-01", true, 30,
          0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "own chain from CA1, CACertificate CA2", "leaf2-chain.pem", "leaf2.key", "other-ca.pem", "2025-06-01", true,
          30, 0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "CA expired", "old-leaf.pem", "gw.key", "old-ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CA, "old-ca.pem: expired on 2022-01-01 (notAfter); install the CA's renewed certificate",
          NULL, CERT_KEY_EC },
        { "CA expiring soon", "old-leaf.pem", "gw.key", "old-ca.pem", "2021-12-25", true, 30,
          0, 1, DIAG_WARNING, LINE_CA, "expires on 2022-01-01 (in 7 days)", NULL, CERT_KEY_EC },
        { "CA not yet valid", "gw.pem", "gw.key", "future-ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CA, "future-ca.pem: is not valid before 2030-01-01 (notBefore)", NULL, CERT_KEY_EC },
        { "CA not a CA", "gw.pem", "gw.key", "stranger.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CA, "is not a CA certificate (basicConstraints CA:TRUE missing)",
          "use the certificate of the CA that issued the peer's certificate", CERT_KEY_EC },
        { "CA is this device's own certificate", "gw.pem", "gw.key", "gw.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CA, "is not a CA certificate", NULL, CERT_KEY_EC },
        { "CA not PEM", "gw.pem", "gw.key", "garbage.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CA, "CACertificate=", "is not a PEM certificate", CERT_KEY_EC },
        { "intermediate CA as anchor", "leaf2.pem", "leaf2.key", "int.pem", "2025-06-01", true, 30,
          0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "intermediate in the certificate file", "leaf2-chain.pem", "leaf2.key", "ca.pem", "2025-06-01", true, 30,
          0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "full chain in the certificate file", "leaf2-full.pem", "leaf2.key", "other-ca.pem", "2025-06-01", true,
          30, 0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "leaf alone, issued by an intermediate: no chain to judge", "leaf2.pem", "leaf2.key", "ca.pem",
          "2025-06-01", true, 30, 0, 0, DIAG_ERROR, 0, NULL, NULL, CERT_KEY_EC },
        { "bundle that does not chain", "gw-bad-chain.pem", "gw.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT,
          "this gateway's certificate does not chain to the last certificate in the file, "
          "'CN=Intermediate CA,O=Example' (unable to get local issuer certificate)",
          "put this gateway's certificate first", CERT_KEY_EC },
        { "bundle ending at another CA", "leaf2-other.pem", "leaf2.key", "other-ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT, "does not chain to the last certificate in the file, 'CN=Other CA,O=Example'",
          NULL, CERT_KEY_EC },
        { "bundle through a certificate that is not a CA", "below-chain.pem", "wrong.key", "ca.pem", "2025-06-01",
          true, 30, 1, 0, DIAG_ERROR, LINE_CERT, "does not chain to the last certificate in the file, "
          "'CN=gw.example.com,O=Example' (", NULL, CERT_KEY_EC },
        { "bundle that does not chain, and CACertificate not a CA", "gw-bad-chain.pem", "gw.key", "stranger.pem",
          "2025-06-01", true, 30, 2, 0, DIAG_ERROR, LINE_CA, "is not a CA certificate", NULL, CERT_KEY_EC },
        { "intermediate expiring", "leaf2-chain.pem", "leaf2.key", "ca.pem", "2034-12-20", true, 30,
          1, 1, DIAG_WARNING, LINE_CERT, "certificate 'CN=Intermediate CA,O=Example' expires on 2035-01-01", NULL,
          CERT_KEY_EC },
        /* Policy judged on the facts creds hands out. */
        { "RSA-1024", "rsa1024.pem", "rsa1024.key", "ca.pem", "2025-06-01", false, 30,
          1, 0, DIAG_ERROR, LINE_CERT,
          "Certificate: RSA-1024 key is too weak (SP 800-131A Rev. 2 requires at least 2048 bits); "
          "use RSA-3072 or ECDSA P-384",
          NULL, CERT_KEY_RSA },
        { "SHA-1 signature", "sha1.pem", "gw.key", "ca.pem", "2025-06-01", false, 30,
          1, 0, DIAG_ERROR, LINE_CERT,
          "Certificate: signed with SHA-1, which NIST SP 800-131A Rev. 2 disallows for digital signatures; "
          "reissue with SHA-256 or SHA-384",
          NULL, CERT_KEY_EC },
        { "Ed25519, FipsMode=yes", "ed25519.pem", "ed25519.key", "ca.pem", "2025-06-01", true, 30,
          1, 0, DIAG_ERROR, LINE_CERT, "Certificate: Ed25519 key is legacy (", "or set FipsMode=no",
          CERT_KEY_ED25519 },
        { "Ed25519, FipsMode=no", "ed25519.pem", "ed25519.key", "ca.pem", "2025-06-01", false, 30,
          0, 1, DIAG_WARNING, LINE_CERT, "Certificate: Ed25519 key is legacy (", "RFC 8420", CERT_KEY_ED25519 },
        /* Every problem at once: expired and weak in one run. */
        { "expired and SHA-1", "sha1.pem", "wrong.key", "ca.pem", "2031-01-01", true, 30,
          3, 0, DIAG_ERROR, LINE_CERT, "signed with SHA-1", NULL, CERT_KEY_EC },
};

static void test_check_tunnel(void **state) {
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(creds_rows); i++) {
                const CredsRow *row = &creds_rows[i];
                _cleanup_(tunnel_freep) Tunnel *t = make_tunnel(row->cert, row->key, row->ca);
                Gateway g = { .fips_mode = row->fips, .cert_expiry_warning_days = row->warn_days };
                _cleanup_(diag_list_clear) DiagList d = {};
                CertFacts cert, ca;
                size_t n_errors;
                int r, r2;

                print_message("row: %s\n", row->name);
                memset(&cert, 0xaa, sizeof(cert));
                memset(&ca, 0xaa, sizeof(ca));
                r = creds_check_tunnel(&g, t, 0, day(row->now), &d, &cert, &ca);
                assert_int_equal(r, 0); /* errors are counted (below), not returned */

                /* As --check does: judge the facts of whatever parsed. */
                assert_int_equal(cert.key_type, row->cert_type);
                r2 = ikepolicy_check_cert(&cert, g.fips_mode, "Certificate", t->path,
                                          tunnel_line(t, TUNNEL_CERTIFICATE), &d);
                assert_int_equal(r2, 0);
                n_errors = d.n_errors;
                r2 = ikepolicy_check_cert(&ca, g.fips_mode, "CACertificate", t->path,
                                          tunnel_line(t, TUNNEL_CA_CERTIFICATE), &d);
                assert_int_equal(r2, 0);
                assert_int_equal(d.n_errors, n_errors); /* the test CAs are all P-384/SHA-384 */

                if (getenv("TH_VERBOSE"))
                        diag_print(&d, stderr);
                if (!row->needle)
                        assert_int_equal(d.n, 0);
                else {
                        assert_diag(&d, row->level, TUNNEL_PATH, row->line, row->needle);
                        if (row->needle2)
                                assert_diag(&d, row->level, TUNNEL_PATH, row->line, row->needle2);
                }
                if (d.n_errors != row->n_errors || d.n_warnings != row->n_warnings) {
                        print_message("expected %zu errors and %zu warnings:\n", row->n_errors, row->n_warnings);
                        diag_print(&d, stderr);
                        fail();
                }
        }
}

/* The message names the key and the file first, then what is wrong. */
static void test_message_format(void **state) {
        _cleanup_(tunnel_freep) Tunnel *t = make_tunnel("expired.pem", "gw.key", "ca.pem");
        Gateway g = { .fips_mode = true, .cert_expiry_warning_days = 30 };
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_free_ char *want = NULL, *got = NULL;

        (void) state;
        assert_int_equal(creds_check_tunnel(&g, t, 0, day("2025-06-01"), &d, NULL, NULL), 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.n_errors, 1);
        assert_true(asprintf(&want,
                             "tunnels.d/t.conf:7: error: Certificate=%s: expired on 2021-01-01 (notAfter); renew it",
                             fx("expired.pem")) > 0);
        got = diag_format(&d.items[0]);
        assert_string_equal(got, want);
}

/* The chain error: file:line, the key and file, what is wrong, how to fix it. */
static void test_message_format_chain(void **state) {
        _cleanup_(tunnel_freep) Tunnel *t = make_tunnel("gw-bad-chain.pem", "gw.key", "other-ca.pem");
        Gateway g = { .fips_mode = true, .cert_expiry_warning_days = 30 };
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_free_ char *want = NULL, *got = NULL;

        (void) state;
        assert_int_equal(creds_check_tunnel(&g, t, 0, day("2025-06-01"), &d, NULL, NULL), 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.n_errors, 1);
        assert_true(asprintf(&want,
                             "tunnels.d/t.conf:7: error: Certificate=%s: this gateway's certificate does not chain "
                             "to the last certificate in the file, 'CN=Intermediate CA,O=Example' (unable to get "
                             "local issuer certificate); put this gateway's certificate first and after it the CA "
                             "certificates that issued it, in order, or leave only this gateway's certificate in "
                             "the file",
                             fx("gw-bad-chain.pem")) > 0);
        got = diag_format(&d.items[0]);
        assert_string_equal(got, want);

        /* The CA error names CACertificate's line and file. */
        diag_list_clear(&d);
        free(t->ca_certificate);
        t->ca_certificate = fx_dup("stranger.pem");
        free(t->certificate);
        t->certificate = fx_dup("gw.pem");
        assert_int_equal(creds_check_tunnel(&g, t, 0, day("2025-06-01"), &d, NULL, NULL), 0);
        assert_int_equal(d.n, 1);
        free(want);
        free(got);
        assert_true(asprintf(&want,
                             "tunnels.d/t.conf:9: error: CACertificate=%s: is not a CA certificate (basicConstraints "
                             "CA:TRUE missing); use the certificate of the CA that issued the peer's certificate",
                             fx("stranger.pem")) > 0);
        got = diag_format(&d.items[0]);
        assert_string_equal(got, want);
}

/* The message about an encrypted key carries nothing of the key. */
static void test_no_key_material(void **state) {
        _cleanup_(tunnel_freep) Tunnel *t = make_tunnel("gw.pem", "gw-enc.key", "ca.pem");
        _cleanup_(diag_list_clear) DiagList d = {};
        Gateway g = { .fips_mode = true };
        _cleanup_fclose_ FILE *f = NULL;
        char line[256];

        (void) state;
        assert_int_equal(creds_check_tunnel(&g, t, 0, day("2025-06-01"), &d, NULL, NULL), 0);
        assert_int_equal(d.n, 1);
        assert_int_equal(d.n_errors, 1);
        f = fopen(fx("gw-enc.key"), "re");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = 0;
                if (strlen(line) >= 16 && !strstr(line, "-----"))
                        assert_null(strstr(d.items[0].message, line));
        }
        assert_null(strstr(d.items[0].message, "correct-horse"));
}

static void test_psk_tunnel_untouched(void **state) {
        _cleanup_(tunnel_freep) Tunnel *t = make_tunnel("missing.pem", NULL, NULL);
        _cleanup_(diag_list_clear) DiagList d = {};
        Gateway g = { .fips_mode = true };
        CertFacts cert = { .key_bits = 4242 };

        (void) state;
        t->auth = AUTH_PSK;
        assert_int_equal(creds_check_tunnel(&g, t, 0, day("2025-06-01"), &d, &cert, NULL), 0);
        assert_int_equal(d.n, 0);
        assert_int_equal(cert.key_bits, 4242);
}

/* ---- ikepolicy_check_cert on hand-built facts ---- */

typedef struct PolicyRow {
        CertFacts f;
        bool fips;
        bool error;        /* an error among them */
        size_t n;          /* diagnostics */
        DiagLevel level;
        const char *needle;
        const char *needle2;
} PolicyRow;

#define RSA(bits, hash) { .key_type = CERT_KEY_RSA, .key_bits = (bits), .sig_hash = hash }
#define EC(bits, crv, hash) { .key_type = CERT_KEY_EC, .key_bits = (bits), .curve = crv, .sig_hash = hash }
#define ED(type, hash) { .key_type = (type), .sig_hash = hash }

static const PolicyRow policy_rows[] = {
        { RSA(2048, "SHA256"), true, false, 0, DIAG_ERROR, NULL, NULL },
        { RSA(3072, "SHA384"), true, false, 0, DIAG_ERROR, NULL, NULL },
        { RSA(4096, "SHA512"), true, false, 0, DIAG_ERROR, NULL, NULL },
        { EC(256, "P-256", "SHA256"), true, false, 0, DIAG_ERROR, NULL, NULL },
        { EC(384, "P-384", "SHA384"), true, false, 0, DIAG_ERROR, NULL, NULL },
        { EC(521, "P-521", "SHA512"), true, false, 0, DIAG_ERROR, NULL, NULL },
        { EC(384, "P-384", "SHA3-384"), true, false, 0, DIAG_ERROR, NULL, NULL },

        { RSA(1024, "SHA256"), true, true, 1, DIAG_ERROR,
          "Certificate: RSA-1024 key is too weak (SP 800-131A Rev. 2 requires at least 2048 bits); "
          "use RSA-3072 or ECDSA P-384", NULL },
        { RSA(1024, "SHA256"), false, true, 1, DIAG_ERROR, "RSA-1024 key is too weak", NULL },
        { RSA(2047, "SHA256"), false, true, 1, DIAG_ERROR, "RSA-2047 key is too weak", NULL },

        { EC(256, "brainpoolP256r1", "SHA256"), true, true, 1, DIAG_ERROR,
          "Certificate: ECDSA key on curve brainpoolP256r1 is legacy (", "; use ECDSA P-384 or P-256, or set FipsMode=no" },
        { EC(256, "brainpoolP256r1", "SHA256"), false, false, 1, DIAG_WARNING,
          "ECDSA key on curve brainpoolP256r1 is legacy", NULL },
        { EC(256, "secp256k1", "SHA256"), false, false, 1, DIAG_WARNING, "curve secp256k1 is legacy", NULL },
        { EC(0, "explicit parameters", "SHA256"), true, true, 1, DIAG_ERROR, "curve explicit parameters", NULL },

        { ED(CERT_KEY_ED25519, ""), true, true, 1, DIAG_ERROR,
          "Certificate: Ed25519 key is legacy (", "FIPS 140-3" },
        { ED(CERT_KEY_ED25519, ""), false, false, 1, DIAG_WARNING, "Ed25519 key is legacy (", "RFC 8420" },
        { ED(CERT_KEY_ED448, ""), true, true, 1, DIAG_ERROR, "Ed448 key is legacy", "or set FipsMode=no" },
        { ED(CERT_KEY_ED448, ""), false, false, 1, DIAG_WARNING, "Ed448 key is legacy", NULL },
        { ED(CERT_KEY_OTHER, "SHA256"), false, true, 1, DIAG_ERROR, "key type is not usable for IKEv2", NULL },

        { EC(256, "P-256", "SHA1"), true, true, 1, DIAG_ERROR,
          "Certificate: signed with SHA-1, which NIST SP 800-131A Rev. 2 disallows for digital signatures; "
          "reissue with SHA-256 or SHA-384", NULL },
        { EC(256, "P-256", "SHA1"), false, true, 1, DIAG_ERROR, "signed with SHA-1", NULL },
        { RSA(2048, "MD5"), false, true, 1, DIAG_ERROR, "signed with MD5, which NIST SP 800-131A Rev. 2", NULL },
        { RSA(2048, "SHA224"), true, true, 1, DIAG_ERROR, "signed with SHA224, which is legacy (112-bit",
          "or set FipsMode=no" },
        { RSA(2048, "SHA224"), false, false, 1, DIAG_WARNING, "signed with SHA224, which is legacy", NULL },
        { RSA(2048, "SM3"), true, true, 1, DIAG_ERROR, "signed with SM3, which is legacy", NULL },
        { RSA(2048, "SM3"), false, false, 1, DIAG_WARNING, "signed with SM3", NULL },
        { EC(256, "P-256", ""), false, false, 1, DIAG_WARNING, "signed with an unknown hash", NULL },

        /* Both problems are reported. */
        { RSA(1024, "SHA1"), false, true, 2, DIAG_ERROR, "signed with SHA-1", NULL },
        { ED(CERT_KEY_ED448, "SHA1"), false, true, 2, DIAG_WARNING, "Ed448 key is legacy", NULL },
        /* Facts of a file that did not parse: nothing to judge. */
        { ED(_CERT_KEY_TYPE_INVALID, ""), true, false, 0, DIAG_ERROR, NULL, NULL },
};

static void test_policy(void **state) {
        (void) state;

        for (size_t i = 0; i < ELEMENTSOF(policy_rows); i++) {
                const PolicyRow *row = &policy_rows[i];
                _cleanup_(diag_list_clear) DiagList d = {};

                print_message("row %zu\n", i);
                assert_int_equal(ikepolicy_check_cert(&row->f, row->fips, "Certificate", "tunnels.d/p.conf", 12, &d),
                                 0);
                assert_int_equal(d.n_errors > 0, row->error);
                assert_int_equal(d.n, row->n);
                if (row->needle)
                        assert_diag(&d, row->level, "tunnels.d/p.conf", 12, row->needle);
                if (row->needle2)
                        assert_diag(&d, row->level, "tunnels.d/p.conf", 12, row->needle2);
                if (!row->error)
                        assert_no_errors(&d);
        }
}

static void test_policy_what(void **state) {
        const CertFacts f = RSA(1024, "SHA256");
        _cleanup_(diag_list_clear) DiagList d = {};

        (void) state;
        assert_int_equal(ikepolicy_check_cert(&f, true, "CACertificate", "tunnels.d/p.conf", 3, &d), 0);
        assert_int_equal(d.n_errors, 1);
        assert_diag(&d, DIAG_ERROR, "tunnels.d/p.conf", 3, "CACertificate: RSA-1024 key is too weak");
        assert_int_equal(ikepolicy_check_cert(NULL, true, "Certificate", "x", 1, &d), 0);
        assert_int_equal(d.n_errors, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_facts),
                cmocka_unit_test(test_key_type_to_string),
                cmocka_unit_test(test_check_tunnel),
                cmocka_unit_test(test_message_format),
                cmocka_unit_test(test_message_format_chain),
                cmocka_unit_test(test_no_key_material),
                cmocka_unit_test(test_psk_tunnel_untouched),
                cmocka_unit_test(test_policy),
                cmocka_unit_test(test_policy_what),
        };

        return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
