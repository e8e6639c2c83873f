/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "conf.h"
#include "ini.h"
#include "secret.h"
#include "strutil.h"

/* Sane ceiling for every counter in seconds or kilobytes. */
#define CONF_UINT_MAX INT32_MAX

typedef struct ConfParser ConfParser;
typedef struct ConfKey ConfKey;

/* Parses value into field (the object's storage for the key). Returns 0, or
 * -EINVAL after reporting the problem, or -ENOMEM. */
typedef int (*conf_value_parser)(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field);

/* One row per key, as systemd's gperf tables, as a plain array. */
struct ConfKey {
        const char *name;
        conf_value_parser parse;
        size_t offset;          /* of the value inside the object */
        size_t line_offset;     /* of its "unsigned" line slot, NO_LINE if none */
        uint64_t min, max;      /* integers */
        bool required;          /* missing → error at the section line */
};

#define NO_LINE SIZE_MAX

typedef enum SectionKind {
        SECTION_GATEWAY,
        SECTION_PROFILE,
        SECTION_TUNNEL,
        _SECTION_KIND_MAX,
} SectionKind;

typedef struct ConfSection {
        const char *name;       /* "Tunnel" */
        const char *where;      /* where such a section lives, for hints */
        const ConfKey *keys;
        size_t n_keys;
} ConfSection;

#define MAX_KEYS 32

struct ConfParser {
        Config *c;
        DiagList *d;
        const char *path;
        const ConfSection *sec;
        void *object;
        unsigned section_line;   /* first header of the expected section; 0 = none */
        bool in_section;         /* the current section is the expected one */
        unsigned key_line[MAX_KEYS]; /* where each key was first set; 0 = absent */
        bool key_ok[MAX_KEYS];   /* its value parsed */
};

static int conf_error(ConfParser *p, unsigned line, const char *fmt, ...) _printf_(3, 4);
static int conf_error(ConfParser *p, unsigned line, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(p->d, DIAG_ERROR, p->path, line, fmt, ap);
        va_end(ap);
        return r < 0 ? r : -EINVAL;
}

bool conf_name_is_valid(const char *s) {
        size_t n = 0;

        if (!s)
                return false;
        for (; s[n]; n++) {
                char ch = s[n];

                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '_' || ch == '-'))
                        return false;
                if (n >= NAME_MAX_LEN)
                        return false;
        }
        return n > 0;
}

/* Case-insensitive edit distance that still counts as a typo of s: a third
 * of its length, at least 2. */
static unsigned typo_distance(const char *s) {
        size_t n = strlen(s) / 3;

        return n < 2 ? 2 : (unsigned) n;
}

/* ---- value parsers ---------------------------------------------------- */

static int parse_bool_value(const char *v) {
        static const char *const yes[] = { "yes", "true", "1" }, *const no[] = { "no", "false", "0" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

static int parse_bool(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        int b = parse_bool_value(value);

        if (b < 0)
                return conf_error(p, line, "%s: '%.*s%s' is not a boolean; use yes or no", k->name, QUOTED(value));
        *(bool *) field = b;
        return 0;
}

/* Decimal digits only (no sign, no blanks, no hex), checked against
 * [min, max] without overflow. */
static int parse_number(ConfParser *p, const ConfKey *k, const char *value, unsigned line, uint64_t *ret) {
        uint64_t v = 0;
        bool over = false;

        if (!*value)
                return conf_error(p, line, "%s: empty number; give a value", k->name);
        for (const char *s = value; *s; s++) {
                if (*s < '0' || *s > '9')
                        return conf_error(p, line, "%s: '%.*s%s' is not a number; use decimal digits (%" PRIu64
                                          "..%" PRIu64 ")",
                                          k->name, QUOTED(value), k->min, k->max);
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        over = true;
                else
                        v = v * 10 + (uint64_t) (*s - '0');
        }
        if (over || v < k->min || v > k->max)
                return conf_error(p, line, "%s: '%.*s%s' is out of range; use %" PRIu64 "..%" PRIu64, k->name,
                                  QUOTED(value), k->min, k->max);
        *ret = v;
        return 0;
}

static int parse_unsigned(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        uint64_t v;
        int r = parse_number(p, k, value, line, &v);

        if (r < 0)
                return r;
        *(unsigned *) field = (unsigned) v; /* max ≤ INT32_MAX */
        return 0;
}

static int parse_u64(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        uint64_t v;
        int r = parse_number(p, k, value, line, &v);

        if (r < 0)
                return r;
        *(uint64_t *) field = v;
        return 0;
}

/* TcpMssClamp: 0 (off) or 536..1460 — 536 is IPv4's minimum MSS (RFC 879),
 * 1460 a full 1500-byte frame without any tunnel overhead. */
static int parse_mss(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        ConfKey wide = *k;
        uint64_t v;
        int r;

        wide.min = 0;
        wide.max = 1460;
        r = parse_number(p, &wide, value, line, &v);
        if (r < 0)
                return r;
        if (v != 0 && v < 536)
                return conf_error(p, line, "%s: '%.*s%s' is out of range; use 0 (off) or 536..1460 (Azure requires 1350)",
                                  k->name, QUOTED(value));
        *(unsigned *) field = (unsigned) v;
        return 0;
}

static int set_string(char **field, const char *value) {
        char *s = strdup(value);

        if (!s)
                return -ENOMEM;
        free(*field);
        *field = s;
        return 0;
}

/* A raw algorithm value; ikepolicy judges it. */
static int parse_raw(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        return set_string(field, value);
}

/* IKE identities end up quoted in swanctl.conf and in VICI messages: no
 * quotes or backslashes (control characters never get past the tokenizer). */
static int parse_identity(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        const char *bad = strpbrk(value, "\"\\");

        if (bad)
                return conf_error(p, line, "%s: '%.*s%s' contains '%c'; write the identity without quotes or backslashes",
                                  k->name, QUOTED(value), *bad);
        return set_string(field, value);
}

static int parse_name(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        if (!conf_name_is_valid(value))
                return conf_error(p, line, "%s: '%.*s%s' is not a valid name; use 1-%d characters of A-Z a-z 0-9 _ -",
                                  k->name, QUOTED(value), NAME_MAX_LEN);
        return set_string(field, value);
}

static int parse_vici(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        /* A local socket only: VICI over TCP has no authentication. */
        if (strncmp(value, "unix://", 7) != 0 || value[7] != '/' || strpbrk(value, " \t"))
                return conf_error(p, line, "%s: '%.*s%s' is not a unix:// socket URI; use e.g. unix:///run/charon.vici",
                                  k->name, QUOTED(value));
        return set_string(field, value);
}

static int parse_abs_path(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        if (value[0] != '/')
                return conf_error(p, line, "%s: '%.*s%s' is not an absolute path; write a path starting with '/'",
                                  k->name, QUOTED(value));
        return set_string(field, value);
}

/* Credentials: relative paths are taken from the config dir, stored
 * absolute. */
static int parse_file_path(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        _cleanup_free_ char *cwd = NULL;
        const char *dir = p->c->dir ? p->c->dir : ".";
        char *s;
        int r;

        if (value[strlen(value) - 1] == '/')
                return conf_error(p, line, "%s: '%.*s%s' names a directory; give the path of a file", k->name,
                                  QUOTED(value));
        if (value[0] == '/')
                return set_string(field, value);
        if (dir[0] != '/') {
                cwd = getcwd(NULL, 0);
                if (!cwd)
                        return conf_error(p, line, "%s: cannot resolve relative path '%.*s%s' (%s); use an absolute path",
                                          k->name, QUOTED(value), strerror(errno));
        }
        r = asprintf(&s, "%s%s%s/%s", cwd ? cwd : "", cwd ? "/" : "", dir, value);
        if (r < 0)
                return -ENOMEM;
        free(*(char **) field);
        *(char **) field = s;
        return 0;
}

#define DEFINE_ENUM_PARSER(fname, type, from_string, allowed)                                          \
        static int fname(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) { \
                type v = from_string(value);                                                           \
                if ((int) v < 0)                                                                       \
                        return conf_error(p, line, "%s: '%.*s%s' is not valid; use " allowed, k->name,  \
                                          QUOTED(value));                                              \
                *(type *) field = v;                                                                   \
                return 0;                                                                              \
        }

DEFINE_ENUM_PARSER(parse_data_plane, DataPlane, data_plane_from_string, "kernel or userspace")
DEFINE_ENUM_PARSER(parse_auth, AuthMethod, auth_method_from_string, "psk or certificate")
DEFINE_ENUM_PARSER(parse_connection_mode, ConnectionMode, connection_mode_from_string,
                   "Default, InitiatorOnly or ResponderOnly")

static int parse_address(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        Prefix pf;

        if (address_parse(value, field) < 0) {
                if (prefix_parse(value, &pf) >= 0 || strchr(value, '/'))
                        return conf_error(p, line, "%s: '%.*s%s' is a prefix, not an address; give one IP address",
                                          k->name, QUOTED(value));
                return conf_error(p, line, "%s: '%.*s%s' is not an IP address; give an IPv4 or IPv6 address",
                                  k->name, QUOTED(value));
        }
        return 0;
}

static int parse_local_address(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        Tunnel *t = p->object;
        int r = parse_address(p, k, value, line, field);

        if (r < 0)
                return r;
        t->has_local_address = true;
        return 0;
}

/* A list of CIDR prefixes separated by commas and/or blanks. Every bad item
 * is reported; duplicates and overlaps inside the list are errors. */
static int parse_prefixes(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        _cleanup_free_ char *copy = strdup(value);
        PrefixList l = {}, *out = field;
        bool bad = false;
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
                char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];
                Prefix pf;

                r = prefix_parse(tok, &pf);
                if (r == -EDESTADDRREQ) {
                        Address a;

                        (void) address_parse(tok, &a);
                        r = conf_error(p, line,
                                       "%s: '%.*s%s' has no prefix length; write '%.*s/%u' for one host or the "
                                       "network's CIDR",
                                       k->name, QUOTED(tok), quote_len(tok), tok, address_bits(a.family));
                } else if (r == -EADDRNOTAVAIL) {
                        Prefix m = {};

                        /* prefix_parse does not return the parsed value on
                         * this error: parse the parts again to suggest. */
                        char *slash = strchr(tok, '/');
                        *slash = 0;
                        (void) address_parse(tok, &m.addr);
                        m.len = (unsigned) atoi(slash + 1);
                        *slash = '/';
                        m = prefix_masked(&m);
                        r = conf_error(p, line, "%s: '%.*s%s' has host bits set; use '%s'", k->name, QUOTED(tok),
                                       prefix_to_string(&m, buf));
                } else if (r < 0)
                        r = conf_error(p, line,
                                       "%s: '%.*s%s' is not a CIDR prefix; write ADDRESS/LENGTH, e.g. "
                                       "198.51.100.0/24 or 2001:db8::/48",
                                       k->name, QUOTED(tok));
                else if (l.n >= CONF_MAX_PREFIXES) {
                        r = conf_error(p, line, "%s: more than %d prefixes; merge adjacent ranges", k->name,
                                       CONF_MAX_PREFIXES);
                        bad = true;
                        break;
                } else {
                        r = 0;
                        for (size_t i = 0; i < l.n && r == 0; i++) {
                                if (prefix_equal(&l.items[i], &pf))
                                        r = conf_error(p, line, "%s: '%s' is listed twice; remove one", k->name,
                                                       prefix_to_string(&pf, buf));
                                else if (prefix_overlaps(&l.items[i], &pf))
                                        r = conf_error(p, line, "%s: '%s' overlaps '%s'; remove the smaller one",
                                                       k->name, prefix_to_string(&pf, buf),
                                                       prefix_to_string(&l.items[i], buf2));
                        }
                        if (r == 0)
                                r = prefix_list_append(&l, &pf);
                }
                if (r == -EINVAL) {
                        bad = true;
                        continue;
                }
                if (r < 0) {
                        prefix_list_clear(&l);
                        return r;
                }
        }
        if (!bad && l.n == 0)
                r = conf_error(p, line, "empty value for '%s'; give a value or remove the line", k->name);
        else
                r = bad ? -EINVAL : 0;
        if (r < 0) {
                prefix_list_clear(&l);
                return r;
        }
        prefix_list_clear(out);
        *out = l;
        return 0;
}

/* ---- key tables -------------------------------------------------------- */

#define GW(field) offsetof(Gateway, field)
#define PR(field) offsetof(Profile, field)
#define TU(field) offsetof(Tunnel, field)
#define TU_LINE(key) (offsetof(Tunnel, line) + (key) * sizeof(unsigned))

static const ConfKey gateway_keys[] = {
        { "FipsMode", parse_bool, GW(fips_mode), GW(fips_mode_line) },
        { "Vici", parse_vici, GW(vici), NO_LINE },
        { "DataPlane", parse_data_plane, GW(data_plane), NO_LINE },
        { "StatusFile", parse_abs_path, GW(status_file), NO_LINE },
        { "HealthIntervalSec", parse_unsigned, GW(health_interval_sec), NO_LINE, 1, 3600 },
        { "CertificateExpiryWarningDays", parse_unsigned, GW(cert_expiry_warning_days), NO_LINE, 0, 3650 },
};

static const ConfKey profile_keys[] = {
        { "IkeEncryption", parse_raw, PR(alg[PROFILE_IKE_ENCRYPTION]), PR(alg_line[PROFILE_IKE_ENCRYPTION]), 0, 0, true },
        { "IkeIntegrity", parse_raw, PR(alg[PROFILE_IKE_INTEGRITY]), PR(alg_line[PROFILE_IKE_INTEGRITY]), 0, 0, true },
        { "DhGroup", parse_raw, PR(alg[PROFILE_DH_GROUP]), PR(alg_line[PROFILE_DH_GROUP]), 0, 0, true },
        { "IpsecEncryption", parse_raw, PR(alg[PROFILE_IPSEC_ENCRYPTION]), PR(alg_line[PROFILE_IPSEC_ENCRYPTION]), 0, 0, true },
        { "IpsecIntegrity", parse_raw, PR(alg[PROFILE_IPSEC_INTEGRITY]), PR(alg_line[PROFILE_IPSEC_INTEGRITY]), 0, 0, true },
        { "PfsGroup", parse_raw, PR(alg[PROFILE_PFS_GROUP]), PR(alg_line[PROFILE_PFS_GROUP]), 0, 0, true },
        { "SALifeTimeSeconds", parse_u64, PR(sa_lifetime_sec), PR(sa_lifetime_line), PROFILE_MIN_LIFETIME_SEC, CONF_UINT_MAX },
        { "SADataSizeKilobytes", parse_u64, PR(sa_datasize_kb), PR(sa_datasize_line), PROFILE_MIN_DATASIZE_KB, CONF_UINT_MAX },
        { "IkeLifeTimeSeconds", parse_u64, PR(ike_lifetime_sec), PR(ike_lifetime_line), PROFILE_MIN_LIFETIME_SEC, CONF_UINT_MAX },
};

/* In TunnelKey order, so that tunnel_keys[k] is the row of key k. */
static const ConfKey tunnel_keys[] = {
        [TUNNEL_REMOTE_ADDRESS] = { "RemoteAddress", parse_address, TU(remote_address), TU_LINE(TUNNEL_REMOTE_ADDRESS), 0, 0, true },
        [TUNNEL_LOCAL_ADDRESS] = { "LocalAddress", parse_local_address, TU(local_address), TU_LINE(TUNNEL_LOCAL_ADDRESS) },
        [TUNNEL_LOCAL_ID] = { "LocalId", parse_identity, TU(local_id), TU_LINE(TUNNEL_LOCAL_ID) },
        [TUNNEL_REMOTE_ID] = { "RemoteId", parse_identity, TU(remote_id), TU_LINE(TUNNEL_REMOTE_ID) },
        [TUNNEL_PROFILE] = { "Profile", parse_name, TU(profile_name), TU_LINE(TUNNEL_PROFILE) },
        [TUNNEL_AUTHENTICATION] = { "Authentication", parse_auth, TU(auth), TU_LINE(TUNNEL_AUTHENTICATION) },
        [TUNNEL_PRE_SHARED_KEY_FILE] = { "PreSharedKeyFile", parse_file_path, TU(psk_file), TU_LINE(TUNNEL_PRE_SHARED_KEY_FILE) },
        [TUNNEL_CERTIFICATE] = { "Certificate", parse_file_path, TU(certificate), TU_LINE(TUNNEL_CERTIFICATE) },
        [TUNNEL_PRIVATE_KEY] = { "PrivateKey", parse_file_path, TU(private_key), TU_LINE(TUNNEL_PRIVATE_KEY) },
        [TUNNEL_CA_CERTIFICATE] = { "CACertificate", parse_file_path, TU(ca_certificate), TU_LINE(TUNNEL_CA_CERTIFICATE) },
        [TUNNEL_LOCAL_PREFIXES] = { "LocalPrefixes", parse_prefixes, TU(local_prefixes), TU_LINE(TUNNEL_LOCAL_PREFIXES), 0, 0, true },
        [TUNNEL_REMOTE_PREFIXES] = { "RemotePrefixes", parse_prefixes, TU(remote_prefixes), TU_LINE(TUNNEL_REMOTE_PREFIXES), 0, 0, true },
        [TUNNEL_FAIL_CLOSED] = { "FailClosed", parse_bool, TU(fail_closed), TU_LINE(TUNNEL_FAIL_CLOSED) },
        [TUNNEL_TCP_MSS_CLAMP] = { "TcpMssClamp", parse_mss, TU(tcp_mss_clamp), TU_LINE(TUNNEL_TCP_MSS_CLAMP) },
        [TUNNEL_DPD_TIMEOUT_SECONDS] = { "DpdTimeoutSeconds", parse_unsigned, TU(dpd_timeout_sec), TU_LINE(TUNNEL_DPD_TIMEOUT_SECONDS), 9, 3600 },
        [TUNNEL_CONNECTION_MODE] = { "ConnectionMode", parse_connection_mode, TU(connection_mode), TU_LINE(TUNNEL_CONNECTION_MODE) },
        [TUNNEL_ENABLED] = { "Enabled", parse_bool, TU(enabled), TU_LINE(TUNNEL_ENABLED) },
};

static const ConfSection sections[_SECTION_KIND_MAX] = {
        [SECTION_GATEWAY] = { "Gateway", "gatewayd.conf", gateway_keys, ELEMENTSOF(gateway_keys) },
        [SECTION_PROFILE] = { "Profile", "profiles.d/NAME.conf", profile_keys, ELEMENTSOF(profile_keys) },
        [SECTION_TUNNEL] = { "Tunnel", "tunnels.d/NAME.conf", tunnel_keys, ELEMENTSOF(tunnel_keys) },
};

_Static_assert(ELEMENTSOF(tunnel_keys) == _TUNNEL_KEY_MAX, "one row per TunnelKey");
_Static_assert(ELEMENTSOF(tunnel_keys) <= MAX_KEYS && ELEMENTSOF(profile_keys) <= MAX_KEYS &&
               ELEMENTSOF(gateway_keys) <= MAX_KEYS, "MAX_KEYS too small");

/* ---- the INI callback -------------------------------------------------- */

static int on_section(ConfParser *p, const IniEntry *e) {
        const char *names[_SECTION_KIND_MAX];
        const char *hint;

        if (streq(e->section, p->sec->name)) {
                p->in_section = true;
                if (p->section_line > 0)
                        return conf_error(p, e->line, "duplicate section [%s] (first at line %u); merge them into one",
                                          p->sec->name, p->section_line);
                p->section_line = e->line;
                return 0;
        }

        p->in_section = false;
        for (size_t i = 0; i < _SECTION_KIND_MAX; i++) {
                names[i] = sections[i].name;
                if (streq(e->section, sections[i].name))
                        return conf_error(p, e->line, "section [%s] does not belong in this file; put it in %s",
                                          sections[i].name, sections[i].where);
        }
        hint = closest_match(e->section, names, ELEMENTSOF(names), typo_distance(e->section));
        if (hint && streq(hint, p->sec->name))
                return conf_error(p, e->line, "unknown section [%.*s%s]; did you mean [%s]?", QUOTED(e->section), hint);
        return conf_error(p, e->line, "unknown section [%.*s%s]; this file holds one [%s] section", QUOTED(e->section),
                          p->sec->name);
}

static int on_unknown_key(ConfParser *p, const IniEntry *e) {
        const char *names[MAX_KEYS], *hint;

        for (size_t i = 0; i < p->sec->n_keys; i++)
                names[i] = p->sec->keys[i].name;
        hint = closest_match(e->key, names, p->sec->n_keys, typo_distance(e->key));
        if (hint)
                return conf_error(p, e->line, "unknown key '%.*s%s' in [%s]; did you mean '%s'?", QUOTED(e->key),
                                  p->sec->name, hint);
        for (size_t s = 0; s < _SECTION_KIND_MAX; s++)
                for (size_t i = 0; i < sections[s].n_keys; i++)
                        if (streq(e->key, sections[s].keys[i].name))
                                return conf_error(p, e->line, "key '%s' belongs in [%s] (%s), not [%s]; move it",
                                                  e->key, sections[s].name, sections[s].where, p->sec->name);
        return conf_error(p, e->line, "unknown key '%.*s%s' in [%s]; remove it or check its spelling", QUOTED(e->key),
                          p->sec->name);
}

static int on_entry(const IniEntry *e, void *userdata) {
        ConfParser *p = userdata;
        const ConfKey *k = NULL;
        size_t idx = 0;
        int r;

        if (e->type == INI_SECTION)
                r = on_section(p, e);
        else if (!p->in_section)
                r = 0; /* the section header was reported */
        else {
                for (idx = 0; idx < p->sec->n_keys; idx++)
                        if (streq(p->sec->keys[idx].name, e->key)) {
                                k = &p->sec->keys[idx];
                                break;
                        }
                if (!k)
                        r = on_unknown_key(p, e);
                else if (p->key_line[idx] > 0)
                        r = conf_error(p, e->line, "duplicate key '%s' (first set at line %u); remove one", k->name,
                                       p->key_line[idx]);
                else {
                        p->key_line[idx] = e->line;
                        if (isempty(e->value))
                                r = conf_error(p, e->line, "empty value for '%s'; give a value or remove the line",
                                               k->name);
                        else
                                r = k->parse(p, k, e->value, e->line, (uint8_t *) p->object + k->offset);
                        if (r == 0) {
                                p->key_ok[idx] = true;
                                if (k->line_offset != NO_LINE)
                                        *(unsigned *) ((uint8_t *) p->object + k->line_offset) = e->line;
                        }
                }
        }
        /* Config errors are already in the list; only OOM stops the parse. */
        return r == -EINVAL ? 0 : r;
}

/* Runs the tokenizer with the table of kind over text. Afterwards reports a
 * missing section and missing required keys. Returns 0, -ENOMEM (errors are
 * in d; callers compare counts). */
static int conf_parse_object(ConfParser *p, SectionKind kind, const char *text, size_t len) {
        int r;

        p->sec = &sections[kind];
        r = ini_parse(text, len, p->path, p->d, on_entry, p);
        if (r < 0 && r != -EINVAL && r != -EFBIG)
                return r;
        if (r == -EFBIG)
                return 0;
        if (p->section_line == 0) {
                r = conf_error(p, 0, "no [%s] section; start the file with a [%s] line", p->sec->name, p->sec->name);
                return r == -EINVAL ? 0 : r;
        }
        for (size_t i = 0; i < p->sec->n_keys; i++)
                if (p->sec->keys[i].required && p->key_line[i] == 0) {
                        r = conf_error(p, p->section_line, "missing required key '%s' in [%s]; add %s=VALUE",
                                       p->sec->keys[i].name, p->sec->name, p->sec->keys[i].name);
                        if (r != -EINVAL)
                                return r;
                }
        return 0;
}

static int errors_since(const DiagList *d, size_t before, int r) {
        if (r < 0)
                return r;
        return d->n_errors > before ? -EINVAL : 0;
}

static int check_object_name(ConfParser *p, const char *kind, const char *name) {
        _cleanup_free_ char *s = NULL;

        if (conf_name_is_valid(name))
                return 0;
        s = strdup_printable(name, 128);
        if (!s)
                return -ENOMEM;
        return conf_error(p, 0, "invalid %s name '%s' (the file name without .conf); rename the file to 1-%d "
                          "characters of A-Z a-z 0-9 _ - and .conf",
                          kind, s, NAME_MAX_LEN);
}

/* ---- [Gateway] --------------------------------------------------------- */

Config *config_new(const char *dir) {
        _cleanup_(config_freep) Config *c = calloc(1, sizeof(Config));

        if (!c)
                return NULL;
        c->dir = strdup(dir ? dir : CONF_DEFAULT_DIR);
        c->gateway = (Gateway) {
                .path = strdup("gatewayd.conf"),
                .fips_mode = true,
                .vici = strdup("unix:///run/charon.vici"),
                .data_plane = DATA_PLANE_KERNEL,
                .status_file = strdup("/run/gatewayd/status.json"),
                .health_interval_sec = 10,
                .cert_expiry_warning_days = 30,
        };
        if (!c->dir || !c->gateway.path || !c->gateway.vici || !c->gateway.status_file)
                return NULL;
        return TAKE_PTR(c);
}

int conf_parse_gateway(Config *c, const char *path, const char *text, size_t len, DiagList *d) {
        ConfParser p = { .c = c, .d = d, .path = path, .object = &c->gateway };
        size_t before = d->n_errors;
        int r;

        r = conf_parse_object(&p, SECTION_GATEWAY, text, len);
        return errors_since(d, before, r);
}

/* ---- [Profile] --------------------------------------------------------- */

static int profile_parse(Config *c, const char *name, const char *path, const char *text, size_t len, bool builtin,
                         DiagList *d) {
        _cleanup_(profile_freep) Profile *pr = NULL;
        ConfParser p = { .c = c, .d = d, .path = path };
        Profile **n;
        int r;

        if (c->n_profiles >= CONF_MAX_TUNNELS) {
                r = conf_error(&p, 0, "too many profiles (at most %d); remove unused ones", CONF_MAX_TUNNELS);
                return r == -EINVAL ? 0 : r;
        }
        r = check_object_name(&p, "profile", name);
        if (r < 0 && r != -EINVAL)
                return r;

        pr = calloc(1, sizeof(Profile));
        if (!pr)
                return -ENOMEM;
        pr->name = strdup(name);
        pr->path = strdup(path);
        if (!pr->name || !pr->path)
                return -ENOMEM;
        pr->builtin = builtin;
        pr->sa_lifetime_sec = PROFILE_DEFAULT_SA_LIFETIME_SEC;
        pr->sa_datasize_kb = PROFILE_DEFAULT_SA_DATASIZE_KB;
        pr->ike_lifetime_sec = PROFILE_DEFAULT_IKE_LIFETIME_SEC;
        p.object = pr;

        r = conf_parse_object(&p, SECTION_PROFILE, text, len);
        if (r < 0)
                return r;
        pr->section_line = p.section_line;

        /* Kept even when it has errors (with NULL algorithms), so that
         * tunnels naming it do not report a second, misleading error. */
        n = reallocarray(c->profiles, c->n_profiles + 1, sizeof(Profile *));
        if (!n)
                return -ENOMEM;
        c->profiles = n;
        c->profiles[c->n_profiles++] = TAKE_PTR(pr);
        return 0;
}

int conf_parse_profile(Config *c, const char *name, const char *path, const char *text, size_t len, DiagList *d) {
        size_t before = d->n_errors;

        return errors_since(d, before, profile_parse(c, name, path, text, len, false, d));
}

/* ---- [Tunnel] ---------------------------------------------------------- */

static bool has_key(const ConfParser *p, TunnelKey k) {
        return p->key_line[k] > 0;
}
static bool key_ok(const ConfParser *p, TunnelKey k) {
        return p->key_ok[k];
}

/* Reports every key of the other authentication method. */
static int check_foreign_keys(ConfParser *p, const TunnelKey *keys, size_t n, const char *method) {
        int r;

        for (size_t i = 0; i < n; i++) {
                if (!has_key(p, keys[i]))
                        continue;
                r = conf_error(p, p->key_line[keys[i]], "%s is not used with Authentication=%s; remove it%s",
                               tunnel_keys[keys[i]].name, method,
                               streq(method, "psk") ? " or set Authentication=certificate" : "");
                if (r != -EINVAL)
                        return r;
        }
        return 0;
}

static int check_required_for(ConfParser *p, const TunnelKey *keys, size_t n, const char *method) {
        int r;

        for (size_t i = 0; i < n; i++) {
                if (has_key(p, keys[i]))
                        continue;
                r = conf_error(p, p->section_line, "missing required key '%s' in [Tunnel] for Authentication=%s; add %s=VALUE",
                               tunnel_keys[keys[i]].name, method, tunnel_keys[keys[i]].name);
                if (r != -EINVAL)
                        return r;
        }
        return 0;
}

static int check_auth(ConfParser *p, Tunnel *t) {
        static const TunnelKey psk_keys[] = { TUNNEL_PRE_SHARED_KEY_FILE };
        static const TunnelKey cert_keys[] = { TUNNEL_CERTIFICATE, TUNNEL_PRIVATE_KEY, TUNNEL_CA_CERTIFICATE };
        static const TunnelKey cert_required[] = { TUNNEL_CERTIFICATE, TUNNEL_PRIVATE_KEY, TUNNEL_CA_CERTIFICATE,
                                                   TUNNEL_REMOTE_ID };
        int r;

        /* A bad Authentication= value was reported; guessing would only add
         * noise. */
        if (has_key(p, TUNNEL_AUTHENTICATION) && !key_ok(p, TUNNEL_AUTHENTICATION))
                return 0;
        if (t->auth == AUTH_PSK) {
                r = check_required_for(p, psk_keys, ELEMENTSOF(psk_keys), "psk");
                if (r < 0)
                        return r;
                return check_foreign_keys(p, cert_keys, ELEMENTSOF(cert_keys), "psk");
        }
        r = check_required_for(p, cert_required, ELEMENTSOF(cert_required), "certificate");
        if (r < 0)
                return r;
        return check_foreign_keys(p, psk_keys, ELEMENTSOF(psk_keys), "certificate");
}

static const char *family_name(int family) {
        return family == AF_INET6 ? "IPv6" : "IPv4";
}

static const Prefix *first_of_family(const PrefixList *l, int family) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].addr.family == family)
                        return &l->items[i];
        return NULL;
}

static int check_prefixes(ConfParser *p, Tunnel *t) {
        static const int families[] = { AF_INET, AF_INET6 };
        unsigned ll = t->line[TUNNEL_LOCAL_PREFIXES], rl = t->line[TUNNEL_REMOTE_PREFIXES];
        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];
        int r;

        if (rl > 0)
                for (size_t i = 0; i < t->remote_prefixes.n; i++) {
                        const Prefix *rp = &t->remote_prefixes.items[i];

                        /* The shield covers RemotePrefixes: a default route
                         * there would lock the device out (DESIGN.md). */
                        if (prefix_is_default(rp)) {
                                r = conf_error(p, rl, "RemotePrefixes: '%s' is a default route; list the VNet's "
                                               "address space (forced tunnelling is LocalPrefixes=%s)",
                                               prefix_to_string(rp, buf),
                                               rp->addr.family == AF_INET6 ? "::/0" : "0.0.0.0/0");
                                if (r != -EINVAL)
                                        return r;
                        }
                }

        if (rl > 0 && key_ok(p, TUNNEL_REMOTE_ADDRESS)) {
                Prefix host = { .addr = t->remote_address, .len = address_bits(t->remote_address.family) };

                for (size_t i = 0; i < t->remote_prefixes.n; i++) {
                        const Prefix *rp = &t->remote_prefixes.items[i];

                        if (prefix_is_default(rp) || !prefix_contains(rp, &host))
                                continue;
                        r = conf_error(p, t->line[TUNNEL_REMOTE_ADDRESS],
                                       "RemoteAddress '%s' lies inside RemotePrefixes '%s' (line %u); the peer's "
                                       "public address must be outside the VNet's address space",
                                       address_to_string(&t->remote_address, buf), prefix_to_string(rp, buf2), rl);
                        if (r != -EINVAL)
                                return r;
                }
        }

        if (ll == 0 || rl == 0)
                return 0;

        /* Every family that goes through the tunnel needs selectors on both
         * sides. */
        for (size_t f = 0; f < ELEMENTSOF(families); f++) {
                const Prefix *rp = first_of_family(&t->remote_prefixes, families[f]);
                const Prefix *lp = first_of_family(&t->local_prefixes, families[f]);

                if (rp && !lp)
                        r = conf_error(p, ll, "RemotePrefixes has %s (%s) but LocalPrefixes has no %s prefix; add "
                                       "the on-premises %s range",
                                       family_name(families[f]), prefix_to_string(rp, buf),
                                       family_name(families[f]), family_name(families[f]));
                else if (lp && !rp)
                        r = conf_error(p, rl, "LocalPrefixes has %s (%s) but RemotePrefixes has no %s prefix; add "
                                       "the VNet's %s range or remove the %s on-premises range",
                                       family_name(families[f]), prefix_to_string(lp, buf),
                                       family_name(families[f]), family_name(families[f]),
                                       family_name(families[f]));
                else
                        r = 0;
                if (r < 0 && r != -EINVAL)
                        return r;
        }

        for (size_t i = 0; i < t->local_prefixes.n; i++) {
                const Prefix *lp = &t->local_prefixes.items[i];

                /* 0.0.0.0/0 or ::/0 on the local side is Azure forced
                 * tunnelling: the VNet sends its Internet traffic here. */
                if (prefix_is_default(lp))
                        continue;
                for (size_t j = 0; j < t->remote_prefixes.n; j++) {
                        const Prefix *rp = &t->remote_prefixes.items[j];

                        if (!prefix_overlaps(lp, rp))
                                continue;
                        r = conf_error(p, ll, "LocalPrefixes: '%s' overlaps RemotePrefixes '%s' (line %u); "
                                       "on-premises and VNet ranges must be disjoint",
                                       prefix_to_string(lp, buf), prefix_to_string(rp, buf2), rl);
                        if (r != -EINVAL)
                                return r;
                        break;
                }
        }
        return 0;
}

static int check_tunnel(ConfParser *p, Tunnel *t) {
        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];
        int r;

        if (key_ok(p, TUNNEL_LOCAL_ADDRESS) && key_ok(p, TUNNEL_REMOTE_ADDRESS) &&
            t->local_address.family != t->remote_address.family) {
                r = conf_error(p, t->line[TUNNEL_LOCAL_ADDRESS],
                               "LocalAddress: '%s' is %s but RemoteAddress '%s' is %s; use addresses of one family",
                               address_to_string(&t->local_address, buf), family_name(t->local_address.family),
                               address_to_string(&t->remote_address, buf2), family_name(t->remote_address.family));
                if (r != -EINVAL)
                        return r;
        }
        r = check_auth(p, t);
        if (r < 0)
                return r;
        return check_prefixes(p, t);
}

int conf_parse_tunnel(Config *c, const char *name, const char *path, const char *text, size_t len, DiagList *d) {
        _cleanup_(tunnel_freep) Tunnel *t = NULL;
        ConfParser p = { .c = c, .d = d, .path = path };
        size_t before = d->n_errors;
        Tunnel **n;
        int r;

        if (c->n_tunnels >= CONF_MAX_TUNNELS) {
                r = conf_error(&p, 0, "too many tunnels (at most %d); remove unused ones", CONF_MAX_TUNNELS);
                return r;
        }
        r = check_object_name(&p, "tunnel", name);
        if (r < 0 && r != -EINVAL)
                return r;

        t = calloc(1, sizeof(Tunnel));
        if (!t)
                return -ENOMEM;
        t->name = strdup(name);
        t->path = strdup(path);
        t->profile_name = strdup(TUNNEL_DEFAULT_PROFILE);
        if (!t->name || !t->path || !t->profile_name)
                return -ENOMEM;
        t->auth = AUTH_PSK;
        t->fail_closed = true;
        t->tcp_mss_clamp = TUNNEL_DEFAULT_MSS;
        t->dpd_timeout_sec = TUNNEL_DEFAULT_DPD_TIMEOUT_SEC;
        t->connection_mode = CONNECTION_MODE_DEFAULT;
        t->enabled = true;
        p.object = t;

        r = conf_parse_object(&p, SECTION_TUNNEL, text, len);
        if (r < 0)
                return r;
        t->section_line = p.section_line;
        if (p.section_line > 0) {
                r = check_tunnel(&p, t);
                if (r < 0)
                        return r;
        }

        n = reallocarray(c->tunnels, c->n_tunnels + 1, sizeof(Tunnel *));
        if (!n)
                return -ENOMEM;
        c->tunnels = n;
        c->tunnels[c->n_tunnels++] = TAKE_PTR(t);
        return errors_since(d, before, 0);
}

/* ---- conf_finish: across files ---------------------------------------- */

static int tunnel_cmp_name(const void *a, const void *b) {
        const Tunnel *x = *(Tunnel *const *) a, *y = *(Tunnel *const *) b;

        return strcmp(x->name, y->name);
}

static int tunnel_cmp_casefold(const void *a, const void *b) {
        const Tunnel *x = *(Tunnel *const *) a, *y = *(Tunnel *const *) b;
        int r = strcasecmp(x->name, y->name);

        return r != 0 ? r : strcmp(x->name, y->name);
}

static int add_builtin_profiles(Config *c, DiagList *d) {
        const BuiltinProfile *b;
        size_t n;
        int r;

        b = conf_builtin_profiles(&n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (config_find_profile(c, b[i].name))
                        continue; /* overridden in profiles.d (or already added) */
                if (asprintf(&path, "<built-in>/%s.conf", b[i].name) < 0)
                        return -ENOMEM;
                r = profile_parse(c, b[i].name, path, b[i].text, strlen(b[i].text), true, d);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int resolve_profiles(Config *c, DiagList *d) {
        _cleanup_free_ const char **names = NULL;
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++) {
                Tunnel *t = c->tunnels[i];
                _cleanup_free_ char *list = NULL;
                const char *hint;
                size_t n = 0;
                FILE *f;

                t->profile = config_find_profile(c, t->profile_name);
                if (t->profile)
                        continue;
                f = open_memstream(&list, &n);
                if (!f)
                        return -ENOMEM;
                for (size_t j = 0; j < c->n_profiles; j++)
                        fprintf(f, "%s%s", j > 0 ? ", " : "", c->profiles[j]->name);
                if (fclose(f) != 0 || !list)
                        return -ENOMEM;
                if (!names) {
                        names = reallocarray(NULL, c->n_profiles + 1, sizeof(char *));
                        if (!names)
                                return -ENOMEM;
                        for (size_t j = 0; j < c->n_profiles; j++)
                                names[j] = c->profiles[j]->name;
                }
                hint = closest_match(t->profile_name, names, c->n_profiles, 2);
                if (hint)
                        r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PROFILE),
                                       "unknown profile '%s'; did you mean '%s'? (available: %s)", t->profile_name,
                                       hint, list);
                else
                        r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PROFILE),
                                       "unknown profile '%s'; use one of: %s (or add profiles.d/%s.conf)",
                                       t->profile_name, list, t->profile_name);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_name_clashes(Config *c, DiagList *d) {
        _cleanup_free_ Tunnel **v = NULL;
        int r;

        if (c->n_tunnels < 2)
                return 0;
        v = reallocarray(NULL, c->n_tunnels, sizeof(Tunnel *));
        if (!v)
                return -ENOMEM;
        memcpy(v, c->tunnels, c->n_tunnels * sizeof(Tunnel *));
        qsort(v, c->n_tunnels, sizeof(Tunnel *), tunnel_cmp_casefold);
        for (size_t i = 1; i < c->n_tunnels; i++) {
                if (strcasecmp(v[i - 1]->name, v[i]->name) != 0)
                        continue;
                if (streq(v[i - 1]->name, v[i]->name))
                        r = diag_error(d, v[i]->path, 0, "tunnel '%s' is defined twice (also %s); remove one",
                                       v[i]->name, v[i - 1]->path);
                else
                        r = diag_error(d, v[i]->path, 0,
                                       "tunnel name '%s' differs from '%s' (%s) only in case; rename one of them",
                                       v[i]->name, v[i - 1]->name, v[i - 1]->path);
                if (r < 0)
                        return r;
        }
        return 0;
}

typedef struct PrefixRef {
        const Tunnel *t;
        const Prefix *p;
} PrefixRef;

static int prefix_ref_cmp(const void *a, const void *b) {
        const PrefixRef *x = a, *y = b;
        int r;

        if (x->p->addr.family != y->p->addr.family)
                return x->p->addr.family < y->p->addr.family ? -1 : 1;
        r = memcmp(x->p->addr.bytes, y->p->addr.bytes, sizeof(x->p->addr.bytes));
        if (r != 0)
                return r;
        if (x->p->len != y->p->len)
                return x->p->len < y->p->len ? -1 : 1;
        return strcmp(x->t->name, y->t->name);
}

/* Overlapping RemotePrefixes between tunnels: sorted by (family, address,
 * length), a prefix comes after every prefix that contains it, and the open
 * containers form a chain (a stack), so one sweep finds every overlap in
 * O(n log n) — 10,000 tunnels must not cost a quadratic scan. */
static int check_remote_overlaps(Config *c, DiagList *d) {
        _cleanup_free_ PrefixRef *v = NULL;
        _cleanup_free_ size_t *stack = NULL;
        size_t n = 0, depth = 0;
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++)
                n += c->tunnels[i]->remote_prefixes.n;
        if (n < 2)
                return 0;
        v = reallocarray(NULL, n, sizeof(PrefixRef));
        stack = reallocarray(NULL, n, sizeof(size_t));
        if (!v || !stack)
                return -ENOMEM;
        n = 0;
        for (size_t i = 0; i < c->n_tunnels; i++)
                for (size_t j = 0; j < c->tunnels[i]->remote_prefixes.n; j++)
                        v[n++] = (PrefixRef) { c->tunnels[i], &c->tunnels[i]->remote_prefixes.items[j] };
        qsort(v, n, sizeof(PrefixRef), prefix_ref_cmp);

        for (size_t i = 0; i < n; i++) {
                const PrefixRef *other = NULL;

                while (depth > 0 && !prefix_contains(v[stack[depth - 1]].p, v[i].p))
                        depth--;
                for (size_t s = depth; s > 0; s--)
                        if (v[stack[s - 1]].t != v[i].t) {
                                other = &v[stack[s - 1]];
                                break;
                        }
                if (other) {
                        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];

                        r = diag_error(d, v[i].t->path, tunnel_line(v[i].t, TUNNEL_REMOTE_PREFIXES),
                                       "RemotePrefixes: '%s' overlaps '%s' of tunnel '%s' (%s:%u); each VNet range "
                                       "belongs to one tunnel",
                                       prefix_to_string(v[i].p, buf), prefix_to_string(other->p, buf2),
                                       other->t->name, other->t->path,
                                       tunnel_line(other->t, TUNNEL_REMOTE_PREFIXES));
                        if (r < 0)
                                return r;
                }
                stack[depth++] = i;
        }
        return 0;
}

/* The identities charon matches a peer config by; NULL-free. */
typedef struct PeerKey {
        const Tunnel *t;
        char local_id[PREFIX_STRLEN];   /* effective id when not configured */
        char remote_id[PREFIX_STRLEN];
} PeerKey;

static const char *peer_local_id(const PeerKey *k) {
        return k->t->local_id ? k->t->local_id : k->local_id;
}
static const char *peer_remote_id(const PeerKey *k) {
        return k->t->remote_id ? k->t->remote_id : k->remote_id;
}

static int peer_key_cmp(const void *a, const void *b) {
        const PeerKey *x = a, *y = b;
        int r;

        if (x->t->remote_address.family != y->t->remote_address.family)
                return x->t->remote_address.family < y->t->remote_address.family ? -1 : 1;
        r = memcmp(x->t->remote_address.bytes, y->t->remote_address.bytes, sizeof(x->t->remote_address.bytes));
        if (r == 0)
                r = strcmp(peer_local_id(x), peer_local_id(y));
        if (r == 0)
                r = strcmp(peer_remote_id(x), peer_remote_id(y));
        if (r == 0)
                r = strcmp(x->t->name, y->t->name);
        return r;
}

static int check_same_peer(Config *c, DiagList *d) {
        _cleanup_free_ PeerKey *v = NULL;
        size_t n = 0;
        int r;

        if (c->n_tunnels < 2)
                return 0;
        v = reallocarray(NULL, c->n_tunnels, sizeof(PeerKey));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];

                if (t->line[TUNNEL_REMOTE_ADDRESS] == 0)
                        continue; /* missing or bad: reported */
                v[n] = (PeerKey) { .t = t };
                if (t->has_local_address)
                        address_to_string(&t->local_address, v[n].local_id);
                else
                        strcpy(v[n].local_id, "%any");
                address_to_string(&t->remote_address, v[n].remote_id);
                n++;
        }
        if (n < 2)
                return 0;
        qsort(v, n, sizeof(PeerKey), peer_key_cmp);
        for (size_t i = 1; i < n; i++) {
                char buf[PREFIX_STRLEN];

                if (memcmp(&v[i - 1].t->remote_address, &v[i].t->remote_address, sizeof(Address)) != 0 ||
                    !streq(peer_local_id(&v[i - 1]), peer_local_id(&v[i])) ||
                    !streq(peer_remote_id(&v[i - 1]), peer_remote_id(&v[i])))
                        continue;
                r = diag_error(d, v[i].t->path, tunnel_line(v[i].t, TUNNEL_REMOTE_ADDRESS),
                               "RemoteAddress '%s' with the same LocalId/RemoteId as tunnel '%s' (%s:%u): charon "
                               "could not tell them apart; set distinct LocalId or RemoteId, or merge the tunnels",
                               address_to_string(&v[i].t->remote_address, buf), v[i - 1].t->name, v[i - 1].t->path,
                               tunnel_line(v[i - 1].t, TUNNEL_REMOTE_ADDRESS));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int check_secret_files(Config *c, const ConfOptions *o, DiagList *d) {
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                _cleanup_free_ char *reason = NULL;

                if (t->auth == AUTH_PSK && t->psk_file) {
                        _cleanup_secret_ char *key = NULL;

                        /* psk_read checks owner and mode on the fd it reads
                         * (secret_file_check's checks, without a race). */
                        r = psk_read(t->psk_file, o->secret_owner, &key, &reason);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PRE_SHARED_KEY_FILE),
                                               "PreSharedKeyFile=%s: %s", t->psk_file,
                                               reason ? reason : strerror(-r));
                                if (r < 0)
                                        return r;
                        }
                } else if (t->auth == AUTH_CERTIFICATE && t->private_key) {
                        r = secret_file_check(t->private_key, o->secret_owner, &reason);
                        if (r == -ENOMEM)
                                return r;
                        /* A missing key file is reported once, by the
                         * certificate checks (creds.c), which need the file. */
                        if (r < 0 && r != -ENOENT) {
                                r = diag_error(d, t->path, tunnel_line(t, TUNNEL_PRIVATE_KEY), "PrivateKey=%s: %s",
                                               t->private_key, reason ? reason : strerror(-r));
                                if (r < 0)
                                        return r;
                        }
                }
        }
        return 0;
}

int conf_finish(Config *c, const ConfOptions *o, DiagList *d) {
        size_t before = d->n_errors;
        int r;

        if (c->n_tunnels > 1)
                qsort(c->tunnels, c->n_tunnels, sizeof(Tunnel *), tunnel_cmp_name);
        r = add_builtin_profiles(c, d);
        if (r < 0)
                return r;
        r = resolve_profiles(c, d);
        if (r < 0)
                return r;
        /* Disabled tunnels take part: enabling one later must not be the
         * moment a clash shows up. */
        r = check_name_clashes(c, d);
        if (r < 0)
                return r;
        r = check_remote_overlaps(c, d);
        if (r < 0)
                return r;
        r = check_same_peer(c, d);
        if (r < 0)
                return r;
        if (o && o->check_files) {
                r = check_secret_files(c, o, d);
                if (r < 0)
                        return r;
        }
        return d->n_errors > before ? -EINVAL : 0;
}

/* ---- conf_load: the file system --------------------------------------- */

/* Reads a whole config file relative to dfd into a malloc'd buffer. Files
 * over the cap are refused (reported). Returns 0, -ENOENT (not reported),
 * -EINVAL (reported) or -ENOMEM. */
static int read_config_file(int dfd, const char *rel, const char *display, DiagList *d, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        struct stat st;
        int r;

        fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ENOENT)
                        return -ENOENT;
                r = diag_error(d, display, 0, "cannot open: %s; fix its permissions", strerror(errno));
                return r < 0 ? r : -EINVAL;
        }
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                r = diag_error(d, display, 0, "not a regular file; remove it or rename it without .conf");
                return r < 0 ? r : -EINVAL;
        }
        if (st.st_size > CONF_MAX_FILE_SIZE) {
                r = diag_error(d, display, 0, "file too large (%lld bytes, at most %d); split it or remove unused text",
                               (long long) st.st_size, CONF_MAX_FILE_SIZE);
                return r < 0 ? r : -EINVAL;
        }
        /* One byte more than the cap, to notice a file that grew. */
        buf = malloc(CONF_MAX_FILE_SIZE + 2);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, CONF_MAX_FILE_SIZE + 1 - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = diag_error(d, display, 0, "cannot read: %s", strerror(errno));
                        return r < 0 ? r : -EINVAL;
                }
                if (k == 0 || (n += (size_t) k) > CONF_MAX_FILE_SIZE)
                        break;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = n;
        return 0;
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void strv_free(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* Loads every NAME.conf of subdir in sorted order with parse. A missing
 * subdir is an empty one. */
static int load_subdir(Config *c, int dfd, SectionKind kind, const char *subdir, size_t max, DiagList *d) {
        _cleanup_close_ int sfd = -EBADF;
        DIR *dir;
        struct dirent *de;
        char **names = NULL;
        size_t n = 0;
        bool capped = false;
        int r = 0;

        sfd = openat(dfd, subdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0) {
                if (errno == ENOENT)
                        return 0;
                r = diag_error(d, subdir, 0, "cannot open directory: %s; fix its permissions", strerror(errno));
                return r < 0 ? r : 0;
        }
        dir = fdopendir(sfd);
        if (!dir)
                return -errno;
        /* The DIR owns sfd now; keep a second fd for openat(). */
        sfd = fcntl(dirfd(dir), F_DUPFD_CLOEXEC, 3);
        if (sfd < 0) {
                r = -errno;
                closedir(dir);
                return r;
        }
        while ((errno = 0, de = readdir(dir))) {
                size_t l = strlen(de->d_name);
                char **nn;

                /* Hidden files (editor swap files, ".conf") and anything not
                 * *.conf (backups, .rpmsave, README) are not config. */
                if (de->d_name[0] == '.' || l <= 5 || !streq(de->d_name + l - 5, ".conf"))
                        continue;
                if (n >= max) {
                        capped = true;
                        continue;
                }
                nn = reallocarray(names, n + 1, sizeof(char *));
                if (!nn) {
                        r = -ENOMEM;
                        break;
                }
                names = nn;
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        closedir(dir);
        if (r < 0) {
                strv_free(names, n);
                return r;
        }
        if (capped) {
                r = diag_error(d, subdir, 0, "more than %zu files; at most %zu are read, remove unused ones", max, max);
                if (r < 0) {
                        strv_free(names, n);
                        return r;
                }
        }
        if (n > 1)
                qsort(names, n, sizeof(char *), name_cmp);

        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_free_ char *name = NULL, *display = NULL, *text = NULL, *safe = NULL;
                size_t len = 0;

                name = strndup(names[i], strlen(names[i]) - 5);
                safe = strdup_printable(names[i], 128);
                if (!name || !safe || asprintf(&display, "%s/%s", subdir, safe) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (!conf_name_is_valid(name)) {
                        /* Not parsed: the name is what every other message
                         * would carry. */
                        safe[strlen(safe) - 5] = 0;
                        r = diag_error(d, display, 0,
                                       "invalid name '%s' (the file name without .conf); rename the file to 1-%d "
                                       "characters of A-Z a-z 0-9 _ - and .conf",
                                       safe, NAME_MAX_LEN);
                        continue;
                }
                r = read_config_file(sfd, names[i], display, d, &text, &len);
                if (r == -ENOENT) {
                        /* Gone since readdir (or a dangling symlink). */
                        r = diag_error(d, display, 0, "cannot open: %s; remove the file or fix its target",
                                       strerror(ENOENT));
                        continue;
                }
                if (r == -EINVAL) {
                        r = 0;
                        continue;
                }
                if (r < 0)
                        break;
                if (kind == SECTION_PROFILE)
                        r = conf_parse_profile(c, name, display, text, len, d);
                else
                        r = conf_parse_tunnel(c, name, display, text, len, d);
                if (r == -EINVAL)
                        r = 0;
        }
        strv_free(names, n);
        return r < 0 ? r : 0;
}

int conf_load(const char *dir, const ConfOptions *o, DiagList *d, Config **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ char *text = NULL;
        size_t before = d->n_errors, len = 0;
        int r;

        c = config_new(dir);
        if (!c)
                return -ENOMEM;

        dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
                r = -errno;
                if (diag_error(d, NULL, 0, "cannot open config directory '%s': %s; check --config-dir", c->dir,
                               strerror(-r)) < 0)
                        return -ENOMEM;
                *ret = TAKE_PTR(c);
                return r;
        }

        /* gatewayd.conf is optional: every key has a default. */
        r = read_config_file(dfd, "gatewayd.conf", "gatewayd.conf", d, &text, &len);
        if (r == 0)
                r = conf_parse_gateway(c, "gatewayd.conf", text, len, d);
        if (r < 0 && r != -ENOENT && r != -EINVAL)
                return r;

        r = load_subdir(c, dfd, SECTION_PROFILE, "profiles.d", CONF_MAX_TUNNELS, d);
        if (r < 0)
                return r;
        r = load_subdir(c, dfd, SECTION_TUNNEL, "tunnels.d", CONF_MAX_TUNNELS, d);
        if (r < 0)
                return r;
        r = conf_finish(c, o, d);
        if (r < 0 && r != -EINVAL)
                return r;

        *ret = TAKE_PTR(c);
        return d->n_errors > before ? -EINVAL : 0;
}
