/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The table-driven parser: value parsers, one key table per section kind (as
 * systemd's gperf tables, as plain arrays) and the INI callback that applies
 * them to one object. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <strings.h>

#include "conf-internal.h"
#include "ini.h"
#include "strutil.h"

/* Sane ceiling for every counter in seconds or kilobytes. */
#define CONF_UINT_MAX INT32_MAX

int conf_error(ConfParser *p, unsigned line, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = diag_addv(p->d, DIAG_ERROR, p->path, line, fmt, ap);
        va_end(ap);
        return r;
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
 * [min, max] without overflow. Returns 0, -ENODATA (empty), -EINVAL (not
 * such a number) or -ERANGE. Reports nothing: see report_number(). */
static int number_parse(const char *value, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;
        bool over = false;

        if (!*value)
                return -ENODATA;
        for (const char *s = value; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        over = true;
                else
                        v = v * 10 + (uint64_t) (*s - '0');
        }
        if (over || v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* Says why number_parse() refused value with error e. */
static int report_number(ConfParser *p, const ConfKey *k, const char *value, unsigned line, uint64_t min,
                         uint64_t max, int e) {
        if (e == -ENODATA)
                return conf_error(p, line, "%s: empty number; give a value", k->name);
        if (e == -ERANGE)
                return conf_error(p, line, "%s: '%.*s%s' is out of range; use %" PRIu64 "..%" PRIu64, k->name,
                                  QUOTED(value), min, max);
        return conf_error(p, line, "%s: '%.*s%s' is not a number; use decimal digits (%" PRIu64 "..%" PRIu64 ")",
                          k->name, QUOTED(value), min, max);
}

static int parse_unsigned(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        uint64_t v;
        int r = number_parse(value, k->min, k->max, &v);

        if (r < 0)
                return report_number(p, k, value, line, k->min, k->max, r);
        *(unsigned *) field = (unsigned) v; /* max ≤ INT32_MAX */
        return 0;
}

static int parse_u64(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        uint64_t v;
        int r = number_parse(value, k->min, k->max, &v);

        if (r < 0)
                return report_number(p, k, value, line, k->min, k->max, r);
        *(uint64_t *) field = v;
        return 0;
}

/* TcpMssClamp: 0 (off) or 536..1460 — 536 is IPv4's minimum MSS (RFC 879),
 * 1460 a full 1500-byte frame without any tunnel overhead. */
static int parse_mss(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        uint64_t v;
        int r;

        r = number_parse(value, 0, 1460, &v);
        if (r < 0)
                return report_number(p, k, value, line, 0, 1460, r);
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

        /* The rule for PreSharedKeyFile (no diagnostic ever quotes a
         * secret): its value must hold a '/' (an absolute path, ./NAME or
         * DIR/NAME). A value without one is most likely the key itself,
         * pasted where its file belongs: it is described by its length and
         * never quoted, here or later (finish.c quotes the path only once it
         * named a file). */
        if (k->offset == offsetof(Tunnel, psk_file) && !strchr(value, '/'))
                return conf_error(p, line,
                                  "%s: the value (%zu characters, not shown: it may be the key itself) is not a "
                                  "path; put the key in a file (gatewayctl genpsk FILE) and give its path, e.g. "
                                  "psk/NAME or /etc/gatewayd/psk/NAME",
                                  k->name, strlen(value));
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
DEFINE_ENUM_PARSER(parse_tunnel_mode, TunnelMode, tunnel_mode_from_string, "policy or route")

/* A 4-byte ASN (RFC 6793), as plain digits ("asdot" 1.10 is not taken). 0,
 * AS_TRANS (23456, RFC 6793) and the last ASNs of each width (RFC 7300)
 * are reserved. BgpAsn also refuses the ASNs Azure reserves for itself
 * (Azure VPN gateway BGP documentation): a peer could not take them. */
static int asn_parse_report(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field,
                            bool own) {
        static const uint32_t azure_reserved[] = { 8074, 8075, 12076, 65515, 65517, 65518, 65519, 65520 };
        uint64_t v;
        int r;

        r = number_parse(value, 1, UINT32_MAX - 1, &v);
        if (r < 0)
                return report_number(p, k, value, line, 1, UINT32_MAX - 1, r);
        if (v == 23456 || v == 65535)
                return conf_error(p, line, "%s: '%.*s%s' is a reserved ASN (%s); use your ASN, or a private one "
                                  "(64512..65534, 4200000000..4294967294)",
                                  k->name, QUOTED(value), v == 23456 ? "AS_TRANS, RFC 6793" : "RFC 7300");
        if (own)
                for (size_t i = 0; i < ELEMENTSOF(azure_reserved); i++)
                        if (v == azure_reserved[i])
                                return conf_error(p, line,
                                                  "%s: '%.*s%s' is reserved by Azure (8074, 8075, 12076, 65515, "
                                                  "65517..65520); choose another, e.g. a private ASN such as 65010",
                                                  k->name, QUOTED(value));
        *(uint32_t *) field = (uint32_t) v;
        return 0;
}

static int parse_asn(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        return asn_parse_report(p, k, value, line, field, true);
}

/* Says why value, which address_parse() refused, is not an address. */
static int report_address(ConfParser *p, const ConfKey *k, const char *value, unsigned line) {
        Prefix pf;

        if (strchr(value, '%'))
                return conf_error(p, line,
                                  "%s: '%.*s%s' has a zone index ('%%...'), which only link-local addresses need and "
                                  "a tunnel endpoint cannot use; give a global IP address without '%%'",
                                  k->name, QUOTED(value));
        if (prefix_parse(value, &pf) >= 0 || strchr(value, '/'))
                return conf_error(p, line, "%s: '%.*s%s' is a prefix, not an address; give one IP address", k->name,
                                  QUOTED(value));
        return conf_error(p, line, "%s: '%.*s%s' is not an IP address; give an IPv4 or IPv6 address", k->name,
                          QUOTED(value));
}

/* What makes a an impossible tunnel endpoint, or NULL. One table for both
 * families (RFC 6890's special-purpose registries): the prefixes below can
 * never be a peer's public address or this device's WAN address. */
static const char *address_unusable(const Address *a) {
        static const struct {
                const char *prefix;
                const char *what;
        } table[] = {
                { "0.0.0.0/32", "the unspecified address (it means any address)" },
                { "0.0.0.0/8", "in 0.0.0.0/8 (\"this network\", RFC 6890)" },
                { "127.0.0.0/8", "a loopback address (this host)" },
                { "169.254.0.0/16", "a link-local address (valid on one link only, never routed)" },
                { "224.0.0.0/4", "a multicast address" },
                { "255.255.255.255/32", "the broadcast address" },
                { "::/128", "the unspecified address (it means any address)" },
                { "::1/128", "the loopback address (this host)" },
                { "::ffff:0:0/96", "an IPv4-mapped IPv6 address" },
                { "fe80::/10", "a link-local address (valid on one link only, never routed)" },
                { "ff00::/8", "a multicast address" },
        };
        Prefix host = { .addr = *a, .len = address_bits(a->family) };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                Prefix pf;

                if (prefix_parse(table[i].prefix, &pf) < 0)
                        continue; /* cannot happen: the table is constant */
                if (prefix_contains(&pf, &host))
                        return table[i].what;
        }
        return NULL;
}

/* RemoteAddress and LocalAddress: one IP address that can be a tunnel
 * endpoint. 0.0.0.0 would become "remote_addrs = 0.0.0.0" for charon: any
 * peer. */
static int parse_endpoint(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        const char *what, *fix;
        Address a;

        if (address_parse(value, &a) < 0)
                return report_address(p, k, value, line);
        what = address_unusable(&a);
        if (what) {
                static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
                bool remote = k->offset == offsetof(Tunnel, remote_address);

                if (a.family == AF_INET6 && memcmp(a.bytes, v4mapped, sizeof(v4mapped)) == 0) {
                        char buf[PREFIX_STRLEN];
                        Address v4 = { .family = AF_INET };

                        memcpy(v4.bytes, a.bytes + 12, 4);
                        return conf_error(p, line, "%s: '%.*s%s' is %s; write the IPv4 address %s", k->name,
                                          QUOTED(value), what, address_to_string(&v4, buf));
                }
                fix = remote ? "give the peer gateway's public IP address"
                             : "give this device's WAN address, or remove the line to let charon choose";
                return conf_error(p, line, "%s: '%.*s%s' is %s, not a tunnel endpoint; %s", k->name, QUOTED(value),
                                  what, fix);
        }
        *(Address *) field = a;
        return 0;
}

static int parse_address(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        return parse_endpoint(p, k, value, line, field);
}

static int parse_local_address(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        Tunnel *t = p->object;
        size_t n_errors = p->d->n_errors;
        int r;

        r = parse_endpoint(p, k, value, line, field);
        if (r < 0 || p->d->n_errors > n_errors)
                return r;
        t->has_local_address = true;
        return 0;
}

/* BgpPeerAddress and BgpLocalAddress: one IP address of a BGP session over
 * the tunnel. Link-local IPv4 is what Azure's APIPA BGP addresses are
 * (verify.c holds them to Azure's range); the rest of address_unusable()
 * holds. */
static int parse_bgp_address(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        Tunnel *t = p->object;
        Prefix apipa;
        Address a;
        const char *what;

        if (address_parse(value, &a) < 0)
                return report_address(p, k, value, line);
        what = address_unusable(&a);
        if (what && !(prefix_parse("169.254.0.0/16", &apipa) >= 0 &&
                      prefix_contains(&apipa, &(Prefix) { .addr = a, .len = 32 }) && a.family == AF_INET))
                return conf_error(p, line, "%s: '%.*s%s' is %s, not a BGP address; give %s", k->name, QUOTED(value),
                                  what,
                                  k->offset == offsetof(Tunnel, bgp_peer_address)
                                          ? "the Azure gateway's BGP IP address (or its APIPA address)"
                                          : "this device's BGP address for the tunnel");
        *(Address *) field = a;
        t->has_bgp = true;
        return 0;
}

static int parse_tunnel_asn(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        Tunnel *t = p->object;
        size_t n_errors = p->d->n_errors;
        int r;

        r = asn_parse_report(p, k, value, line, field, false);
        if (r >= 0 && p->d->n_errors == n_errors)
                t->has_bgp = true;
        return r;
}

/* Appends pf to l, or reports the first item of l that it repeats or
 * overlaps. */
static int prefix_add(ConfParser *p, const ConfKey *k, unsigned line, PrefixList *l, const Prefix *pf) {
        char buf[PREFIX_STRLEN], buf2[PREFIX_STRLEN];

        for (size_t i = 0; i < l->n; i++) {
                if (prefix_equal(&l->items[i], pf))
                        return conf_error(p, line, "%s: '%s' is listed twice; remove one", k->name,
                                          prefix_to_string(pf, buf));
                if (prefix_overlaps(&l->items[i], pf))
                        return conf_error(p, line, "%s: '%s' overlaps '%s'; remove the smaller one", k->name,
                                          prefix_to_string(pf, buf), prefix_to_string(&l->items[i], buf2));
        }
        return prefix_list_append(l, pf);
}

/* A list of CIDR prefixes separated by commas and/or blanks. Every bad item
 * is reported; duplicates and overlaps inside the list are errors. */
static int parse_prefixes(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        _cleanup_free_ char *copy = strdup(value);
        _cleanup_(prefix_list_clear) PrefixList l = {};
        PrefixList *out = field;
        size_t n_errors = p->d->n_errors;
        char *save = NULL;
        int r;

        if (!copy)
                return -ENOMEM;
        for (char *tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save)) {
                char buf[PREFIX_STRLEN];
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
                        if (r < 0)
                                return r;
                        break;
                } else
                        r = prefix_add(p, k, line, &l, &pf);
                if (r < 0)
                        return r;
        }
        /* Any bad item leaves the key as it was: half a list of selectors is
         * a different tunnel. */
        if (p->d->n_errors > n_errors)
                return 0;
        if (l.n == 0)
                return conf_error(p, line, "empty value for '%s'; give a value or remove the line", k->name);
        prefix_list_clear(out);
        *out = l;
        l = (PrefixList) {}; /* handed over */
        return 0;
}

/* ---- key tables -------------------------------------------------------- */

/* Every key here is documented in man/gatewayd.conf.5.scd, gatewayd.conf(5),
 * under its section (tests/check-man.sh reads these tables through
 * tests/print-keys and fails on a key the page does not have). */

#define GW(field) offsetof(Gateway, field)
#define PR(field) offsetof(Profile, field)
#define TU(field) offsetof(Tunnel, field)
#define TU_LINE(key) (offsetof(Tunnel, line) + (key) * sizeof(unsigned))

static const ConfKey gateway_keys[] = {
        { "FipsMode", parse_bool, GW(fips_mode), GW(fips_mode_line) },
        { "Vici", parse_vici, GW(vici), NO_LINE },
        { "DataPlane", parse_data_plane, GW(data_plane), NO_LINE },
        { "StatusFile", parse_abs_path, GW(status_file), NO_LINE },
        { "MetricsFile", parse_abs_path, GW(metrics_file), NO_LINE },
        { "HealthIntervalSec", parse_unsigned, GW(health_interval_sec), NO_LINE, 1, 3600 },
        { "CertificateExpiryWarningDays", parse_unsigned, GW(cert_expiry_warning_days), NO_LINE, 0, 3650 },
        { "BgpAsn", parse_asn, GW(bgp_asn), GW(bgp_asn_line) },
        { "MaxHalfOpenPerPeer", parse_unsigned, GW(max_half_open_per_peer), NO_LINE, 1, 64 },
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
        [TUNNEL_MODE] = { "Mode", parse_tunnel_mode, TU(mode), TU_LINE(TUNNEL_MODE) },
        [TUNNEL_BGP_PEER_ADDRESS] = { "BgpPeerAddress", parse_bgp_address, TU(bgp_peer_address), TU_LINE(TUNNEL_BGP_PEER_ADDRESS) },
        [TUNNEL_BGP_PEER_ASN] = { "BgpPeerAsn", parse_tunnel_asn, TU(bgp_peer_asn), TU_LINE(TUNNEL_BGP_PEER_ASN) },
        [TUNNEL_BGP_LOCAL_ADDRESS] = { "BgpLocalAddress", parse_bgp_address, TU(bgp_local_address), TU_LINE(TUNNEL_BGP_LOCAL_ADDRESS) },
};

const ConfSection conf_sections[_SECTION_KIND_MAX] = {
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
                names[i] = conf_sections[i].name;
                if (streq(e->section, conf_sections[i].name))
                        return conf_error(p, e->line, "section [%s] does not belong in this file; put it in %s",
                                          conf_sections[i].name, conf_sections[i].where);
        }
        hint = closest_match(e->section, names, ELEMENTSOF(names), typo_distance(e->section));
        if (hint && streq(hint, p->sec->name))
                return conf_error(p, e->line, "unknown section [%.*s%s]; did you mean [%s]?", QUOTED(e->section), hint);
        return conf_error(p, e->line, "unknown section [%.*s%s]; this file holds one [%s] section", QUOTED(e->section),
                          p->sec->name);
}

static int on_unknown_key(ConfParser *p, const IniEntry *e) {
        const char *names[MAX_KEYS], *hint;

        for (size_t s = 0; s < _SECTION_KIND_MAX; s++)
                for (size_t i = 0; i < conf_sections[s].n_keys; i++)
                        if (streq(e->key, conf_sections[s].keys[i].name))
                                return conf_error(p, e->line, "key '%s' belongs in [%s] (%s), not [%s]; move it",
                                                  e->key, conf_sections[s].name, conf_sections[s].where, p->sec->name);
        for (size_t i = 0; i < p->sec->n_keys; i++)
                names[i] = p->sec->keys[i].name;
        hint = closest_match(e->key, names, p->sec->n_keys, typo_distance(e->key));
        /* A key that is not a plausible key name may be a secret pasted with
         * an '=' in it: described, never quoted (a hint names one of our
         * keys, which is no secret). */
        if (!key_name_showable(e->key)) {
                if (hint)
                        return conf_error(p, e->line,
                                          "unknown key in [%s] (%zu characters, not shown: it may be a secret); "
                                          "did you mean '%s'?",
                                          p->sec->name, strlen(e->key), hint);
                return conf_error(p, e->line,
                                  "unknown key in [%s] (%zu characters, not shown: not a key name, it may be a "
                                  "secret); write Key=Value with a key of [%s]",
                                  p->sec->name, strlen(e->key), p->sec->name);
        }
        if (hint)
                return conf_error(p, e->line, "unknown key '%s' in [%s]; did you mean '%s'?", e->key, p->sec->name,
                                  hint);
        return conf_error(p, e->line, "unknown key '%s' in [%s]; remove it or check its spelling", e->key,
                          p->sec->name);
}

/* A Key=Value line of the expected section. The key counts as set (key_ok,
 * its line slot) only when its parser returned 0 and reported nothing. */
static int on_assignment(ConfParser *p, const IniEntry *e) {
        size_t n_errors = p->d->n_errors, idx;
        const ConfKey *k = NULL;
        int r;

        for (idx = 0; idx < p->sec->n_keys; idx++)
                if (streq(p->sec->keys[idx].name, e->key)) {
                        k = &p->sec->keys[idx];
                        break;
                }
        if (!k)
                return on_unknown_key(p, e);
        if (p->key_line[idx] > 0)
                return conf_error(p, e->line, "duplicate key '%s' (first set at line %u); remove one", k->name,
                                  p->key_line[idx]);
        p->key_line[idx] = e->line;
        if (isempty(e->value))
                return conf_error(p, e->line, "empty value for '%s'; give a value or remove the line", k->name);
        r = k->parse(p, k, e->value, e->line, (uint8_t *) p->object + k->offset);
        if (r < 0 || p->d->n_errors > n_errors)
                return r;
        p->key_ok[idx] = true;
        if (k->line_offset != NO_LINE)
                *(unsigned *) ((uint8_t *) p->object + k->line_offset) = e->line;
        return 0;
}

static int on_entry(const IniEntry *e, void *userdata) {
        ConfParser *p = userdata;
        int r;

        if (e->type == INI_SECTION)
                r = on_section(p, e);
        else if (!p->in_section)
                return 0; /* the section header was reported */
        else
                r = on_assignment(p, e);
        if (r >= 0 || r == -ENOMEM)
                return r;
        /* Handlers report what is wrong with the config and return 0; out of
         * memory stops the parse. Any other errno is a failure nobody
         * reported: fail closed, with an error at this line, so that a key
         * never silently keeps its default. */
        if (e->type == INI_SECTION)
                return conf_error(p, e->line, "section [%.*s%s]: internal error (%s); please report this bug",
                                  QUOTED(e->section), strerror(-r));
        return conf_error(p, e->line, "%s: internal error parsing its value (%s); please report this bug",
                          e->key, strerror(-r));
}

int conf_parse_object(ConfParser *p, const ConfSection *sec, const char *text, size_t len) {
        int r;

        if (sec->n_keys > MAX_KEYS)
                return -E2BIG; /* key_line[] and key_ok[] would overflow */
        p->sec = sec;
        r = ini_parse(text, len, p->path, p->d, on_entry, p);
        if (r < 0)
                return r;
        /* A file over the cap was refused as a whole (ini_parse said so):
         * nothing of it was read, so nothing is missing either. */
        if (len > CONF_MAX_FILE_SIZE)
                return 0;
        /* An empty or comment-only gatewayd.conf is a valid one: every
         * [Gateway] key has a default. Any other line in it was reported. */
        if (p->section_line == 0 && p->section_optional)
                return 0;
        if (p->section_line == 0)
                return conf_error(p, 0, "no [%s] section; start the file with a [%s] line", p->sec->name,
                                  p->sec->name);
        for (size_t i = 0; i < p->sec->n_keys; i++)
                if (p->sec->keys[i].required && p->key_line[i] == 0) {
                        r = conf_error(p, p->section_line, "missing required key '%s' in [%s]; add %s=VALUE",
                                       p->sec->keys[i].name, p->sec->name, p->sec->keys[i].name);
                        if (r < 0)
                                return r;
                }
        return 0;
}
