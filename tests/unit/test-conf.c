/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libgen.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "conf-internal.h"
#include "secret.h"
#include "testhelp.h"

#define GW_PATH "gatewayd.conf"
#define PR_PATH "profiles.d/p.conf"
#define TU_PATH "tunnels.d/t.conf"

/* A valid PSK tunnel, one key per line: lines 1..5. Rows replace or append
 * lines, so every expected line number can be read off the row. */
#define T1 "[Tunnel]\n"
#define T2 "RemoteAddress=203.0.113.10\n"
#define T3 "PreSharedKeyFile=/etc/gatewayd/psk/t\n"
#define T4 "LocalPrefixes=198.51.100.0/26\n"
#define T5 "RemotePrefixes=198.51.100.128/26\n"
#define TB T1 T2 T3 T4 T5

/* A valid profile: lines 1..7. */
#define P1 "[Profile]\n"
#define P2 "IkeEncryption=GCMAES256\n"
#define P3 "IkeIntegrity=SHA384\n"
#define P4 "DhGroup=ECP384\n"
#define P5 "IpsecEncryption=GCMAES256\n"
#define P6 "IpsecIntegrity=GCMAES256\n"
#define P7 "PfsGroup=ECP384\n"
#define PB P1 P2 P3 P4 P5 P6 P7

typedef enum Kind { K_GATEWAY, K_PROFILE, K_TUNNEL } Kind;

static const ConfOptions no_files = { .check_files = false };

/* Like assert_diag's match, without failing: lets a table test name the
 * row that failed before asserting. */
static bool has_diag(const DiagList *d, const char *path, unsigned line, const char *needle) {
        for (size_t i = 0; i < d->n; i++)
                if (d->items[i].level == DIAG_ERROR && streq_ptr(d->items[i].path, path) &&
                    d->items[i].line == line && strstr(d->items[i].message, needle))
                        return true;
        return false;
}

/* Parses one file of the given kind into a fresh config and finishes it.
 * Config errors are never a return value (conf.h): both steps return 0. */
static Config *parse_one(Kind kind, const char *text, DiagList *d) {
        Config *c = config_new("/etc/gatewayd");
        int r;

        assert_non_null(c);
        switch (kind) {
        case K_GATEWAY:
                r = conf_parse_gateway(c, GW_PATH, text, strlen(text), d);
                break;
        case K_PROFILE:
                r = conf_parse_profile(c, "p", PR_PATH, text, strlen(text), d);
                break;
        default:
                r = conf_parse_tunnel(c, "t", TU_PATH, text, strlen(text), d);
                break;
        }
        assert_int_equal(r, 0);
        assert_int_equal(conf_finish(c, &no_files, d), 0);
        return c;
}

static int add_tunnel(Config *c, const char *name, const char *text, DiagList *d) {
        char path[128];

        snprintf(path, sizeof(path), "tunnels.d/%s.conf", name);
        return conf_parse_tunnel(c, name, path, text, strlen(text), d);
}

static void test_error_rows(void **state) {
        static const struct {
                Kind kind;
                const char *text;
                unsigned line;
                const char *needle;
                size_t n_errors;
        } rows[] = {
                /* Tokenizer problems surface through conf. */
                { K_TUNNEL, TB "garbage\n", 6, "not a section, comment or Key=Value line (7 characters, not shown: it may be a secret)", 1 },
                { K_TUNNEL, T2 TB, 1, "key 'RemoteAddress' before any section", 1 },
                { K_TUNNEL, TB "=yes\n", 6, "empty key name", 1 },
                { K_TUNNEL, TB "Enabled=y\x01s\n", 6, "control character 0x01", 1 },
                { K_TUNNEL, TB "LocalId=\xff\n", 6, "non-ASCII or control character", 1 },
                /* Keys. */
                { K_TUNNEL, TB "RemoteAdress=203.0.113.1\n", 6,
                  "unknown key 'RemoteAdress' in [Tunnel]; did you mean 'RemoteAddress'?", 1 },
                { K_TUNNEL, TB "remoteprefixes=198.51.100.128/26\n", 6, "did you mean 'RemotePrefixes'?", 1 },
                { K_TUNNEL, TB "Color=blue\n", 6, "unknown key 'Color' in [Tunnel]; remove it", 1 },
                { K_TUNNEL, TB "FipsMode=no\n", 6, "key 'FipsMode' belongs in [Gateway] (gatewayd.conf), not [Tunnel]", 1 },
                { K_TUNNEL, T1 T2 T3 "Profile=fips-cbc\n" T4 T5 "Profile=fips-gcm256\n", 7,
                  "duplicate key 'Profile' (first set at line 4); remove one", 1 },
                { K_TUNNEL, TB "RemoteAddress=203.0.113.11\n", 6, "duplicate key 'RemoteAddress' (first set at line 2)", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=\n", 5, "empty value for 'RemotePrefixes'; give a value or remove the line", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes= , ,\n", 5, "empty value for 'RemotePrefixes'", 1 },
                { K_TUNNEL, TB "Profile=\n", 6, "empty value for 'Profile'", 1 },
                /* Sections. */
                { K_TUNNEL, "[Tunel]\n" T2 T3 T4 T5, 1, "unknown section [Tunel]; did you mean [Tunnel]?", 2 },
                { K_TUNNEL, "[Tunel]\n" T2 T3 T4 T5, 0, "no [Tunnel] section", 2 },
                { K_TUNNEL, "[Peer]\n" T2 T3 T4 T5, 1, "unknown section [Peer]; this file holds one [Tunnel] section", 2 },
                { K_TUNNEL, TB "[Gateway]\nFipsMode=no\n", 6,
                  "section [Gateway] does not belong in this file; put it in gatewayd.conf", 1 },
                { K_TUNNEL, TB "[Tunnel]\nEnabled=no\n", 6, "duplicate section [Tunnel] (first at line 1)", 1 },
                { K_TUNNEL, TB "[Tunnel]\nRemoteAddress=203.0.113.9\n", 7, "duplicate key 'RemoteAddress' (first set at line 2)", 2 },
                { K_TUNNEL, "# nothing here\n", 0, "no [Tunnel] section; start the file with a [Tunnel] line", 1 },
                { K_TUNNEL, "", 0, "no [Tunnel] section", 1 },
                /* Required keys, reported at the section line. */
                { K_TUNNEL, "# c\n" T1 T3 T4 T5, 2, "missing required key 'RemoteAddress' in [Tunnel]", 1 },
                { K_TUNNEL, T1 T2 T3 T5, 1, "missing required key 'LocalPrefixes' in [Tunnel]", 1 },
                { K_TUNNEL, T1 T2 T3 T4, 1, "missing required key 'RemotePrefixes' in [Tunnel]", 1 },
                /* Addresses. */
                { K_TUNNEL, T1 "RemoteAddress=gw.example.com\n" T3 T4 T5, 2,
                  "RemoteAddress: 'gw.example.com' is not an IP address", 1 },
                { K_TUNNEL, T1 "RemoteAddress=203.0.113.0/24\n" T3 T4 T5, 2,
                  "RemoteAddress: '203.0.113.0/24' is a prefix, not an address", 1 },
                { K_TUNNEL, TB "LocalAddress=2001:db8::1\n", 6,
                  "LocalAddress: '2001:db8::1' is IPv6 but RemoteAddress '203.0.113.10' is IPv4", 1 },
                { K_TUNNEL, TB "LocalAddress=192.0.2.300\n", 6, "is not an IP address", 1 },
                { K_TUNNEL, T1 "RemoteAddress=198.51.100.130\n" T3 T4 T5, 2,
                  "RemoteAddress '198.51.100.130' lies inside RemotePrefixes '198.51.100.128/26' (line 5)", 1 },
                /* Identities. */
                { K_TUNNEL, TB "LocalId=\"CN=gw\"\n", 6, "LocalId: '\"CN=gw\"' contains '\"'", 1 },
                { K_TUNNEL, TB "RemoteId=CN=a\\,b\n", 6, "RemoteId: 'CN=a\\,b' contains '\\'", 1 },
                /* Profile. */
                { K_TUNNEL, TB "Profile=my profile\n", 6, "Profile: 'my profile' is not a valid name", 1 },
                { K_TUNNEL, TB "Profile=nope\n", 6,
                  "unknown profile 'nope'; use one of: fips-gcm256, fips-cbc, azure-default-legacy", 1 },
                { K_TUNNEL, TB "Profile=fips-gcm265\n", 6,
                  "unknown profile 'fips-gcm265'; did you mean 'fips-gcm256'? (available: fips-gcm256, fips-cbc", 1 },
                /* Authentication. */
                { K_TUNNEL, TB "Authentication=PSK\n", 6, "Authentication: 'PSK' is not valid; use psk or certificate", 1 },
                { K_TUNNEL, T1 T2 T4 T5, 1, "missing required key 'PreSharedKeyFile' in [Tunnel] for Authentication=psk", 1 },
                { K_TUNNEL, TB "Certificate=/etc/gatewayd/certs/gw.pem\n", 6,
                  "Certificate is not used with Authentication=psk; remove it or set Authentication=certificate", 1 },
                { K_TUNNEL, TB "Authentication=certificate\n", 3,
                  "PreSharedKeyFile is not used with Authentication=certificate", 5 },
                { K_TUNNEL, TB "Authentication=certificate\n", 1,
                  "missing required key 'RemoteId' in [Tunnel] for Authentication=certificate", 5 },
                { K_TUNNEL, TB "Authentication=certificate\n", 1, "missing required key 'CACertificate'", 5 },
                { K_TUNNEL, T1 T2 T4 T5 "Authentication=certificate\nCertificate=c.pem\nPrivateKey=k.pem\nRemoteId=CN=x\n", 1,
                  "missing required key 'CACertificate' in [Tunnel] for Authentication=certificate", 1 },
                { K_TUNNEL, T1 T2 "PreSharedKeyFile=/etc/gatewayd/psk/\n" T4 T5, 3,
                  "PreSharedKeyFile: '/etc/gatewayd/psk/' names a directory", 1 },
                /* Prefix lists. */
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=198.51.100.129/26\n", 5,
                  "RemotePrefixes: '198.51.100.129/26' has host bits set; use '198.51.100.128/26'", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=2001:db8:1::1/48\n", 5, "has host bits set; use '2001:db8:1::/48'", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=198.51.100.128\n", 5,
                  "RemotePrefixes: '198.51.100.128' has no prefix length; write '198.51.100.128/32'", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=198.51.100.128/33\n", 5,
                  "RemotePrefixes: '198.51.100.128/33' is not a CIDR prefix", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=vnet\n", 5, "'vnet' is not a CIDR prefix", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=198.51.100.128/26, 198.51.100.128/26\n", 5,
                  "RemotePrefixes: '198.51.100.128/26' is listed twice; remove one", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=198.51.100.128/26 198.51.100.160/27\n", 5,
                  "RemotePrefixes: '198.51.100.160/27' overlaps '198.51.100.128/26'; remove the smaller one", 1 },
                /* Every bad item of a list is reported. */
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=198.51.100.129/26,x,198.51.100.200\n", 5, "'x' is not a CIDR", 3 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=198.51.100.128/26,2001:db8:1::/48\n", 4,
                  "RemotePrefixes has IPv6 (2001:db8:1::/48) but LocalPrefixes has no IPv6 prefix; add the on-premises IPv6 range", 1 },
                { K_TUNNEL, T1 T2 T3 "LocalPrefixes=198.51.100.0/26 2001:db8:2::/48\n" T5, 5,
                  "LocalPrefixes has IPv6 (2001:db8:2::/48) but RemotePrefixes has no IPv6 prefix", 1 },
                { K_TUNNEL, T1 T2 T3 "LocalPrefixes=::/0\n" T5, 4,
                  "RemotePrefixes has IPv4 (198.51.100.128/26) but LocalPrefixes has no IPv4 prefix", 2 },
                { K_TUNNEL, T1 T2 T3 "LocalPrefixes=198.51.100.0/24\n" T5, 4,
                  "LocalPrefixes: '198.51.100.0/24' overlaps RemotePrefixes '198.51.100.128/26' (line 5)", 1 },
                { K_TUNNEL, T1 T2 T3 "LocalPrefixes=198.51.100.0/25, 198.51.100.128/26\n" T5, 4,
                  "LocalPrefixes: '198.51.100.128/26' overlaps RemotePrefixes '198.51.100.128/26'", 1 },
                { K_TUNNEL, T1 T2 T3 T4 "RemotePrefixes=0.0.0.0/0\n", 5, "RemotePrefixes: '0.0.0.0/0' is a default route", 2 },
                /* Booleans, numbers, enums. */
                { K_TUNNEL, TB "FailClosed=maybe\n", 6, "FailClosed: 'maybe' is not a boolean; use yes or no", 1 },
                { K_TUNNEL, TB "Enabled=2\n", 6, "Enabled: '2' is not a boolean", 1 },
                { K_TUNNEL, TB "TcpMssClamp=100\n", 6, "TcpMssClamp: '100' is out of range; use 0 (off) or 536..1460", 1 },
                { K_TUNNEL, TB "TcpMssClamp=535\n", 6, "TcpMssClamp: '535' is out of range", 1 },
                { K_TUNNEL, TB "TcpMssClamp=1461\n", 6, "TcpMssClamp: '1461' is out of range", 1 },
                { K_TUNNEL, TB "TcpMssClamp=1350b\n", 6, "TcpMssClamp: '1350b' is not a number", 1 },
                { K_TUNNEL, TB "DpdTimeoutSeconds=8\n", 6, "DpdTimeoutSeconds: '8' is out of range; use 9..3600", 1 },
                { K_TUNNEL, TB "DpdTimeoutSeconds=3601\n", 6, "'3601' is out of range; use 9..3600", 1 },
                { K_TUNNEL, TB "DpdTimeoutSeconds=-45\n", 6, "DpdTimeoutSeconds: '-45' is not a number", 1 },
                { K_TUNNEL, TB "DpdTimeoutSeconds=+45\n", 6, "'+45' is not a number", 1 },
                { K_TUNNEL, TB "DpdTimeoutSeconds=0x2d\n", 6, "'0x2d' is not a number", 1 },
                { K_TUNNEL, TB "DpdTimeoutSeconds=4 5\n", 6, "'4 5' is not a number", 1 },
                { K_TUNNEL, TB "DpdTimeoutSeconds=18446744073709551661\n", 6, "'18446744073709551661' is out of range", 1 },
                { K_TUNNEL, TB "DpdTimeoutSeconds=99999999999999999999999999\n", 6, "is out of range; use 9..3600", 1 },
                { K_TUNNEL, TB "ConnectionMode=initiatoronly\n", 6,
                  "ConnectionMode: 'initiatoronly' is not valid; use Default, InitiatorOnly or ResponderOnly", 1 },

                /* [Gateway]. */
                { K_GATEWAY, "[Gateway]\nFipsMode=perhaps\n", 2, "FipsMode: 'perhaps' is not a boolean", 1 },
                { K_GATEWAY, "[Gateway]\nFipsmode=no\n", 2, "unknown key 'Fipsmode' in [Gateway]; did you mean 'FipsMode'?", 1 },
                { K_GATEWAY, "[Gateway]\nDataPlane=libipsec\n", 2, "DataPlane: 'libipsec' is not valid; use kernel or userspace", 1 },
                { K_GATEWAY, "[Gateway]\nVici=tcp://127.0.0.1:4502\n", 2, "is not a unix:// socket URI", 1 },
                { K_GATEWAY, "[Gateway]\nVici=unix://run/charon.vici\n", 2, "is not a unix:// socket URI", 1 },
                { K_GATEWAY, "[Gateway]\nStatusFile=status.json\n", 2, "StatusFile: 'status.json' is not an absolute path", 1 },
                { K_GATEWAY, "[Gateway]\nHealthIntervalSec=0\n", 2, "HealthIntervalSec: '0' is out of range; use 1..3600", 1 },
                { K_GATEWAY, "[Gateway]\nCertificateExpiryWarningDays=9999\n", 2, "use 0..3650", 1 },
                { K_GATEWAY, "FipsMode=no\n", 1, "before any section", 1 },
                { K_GATEWAY, "[Tunnel]\n" T2, 1, "section [Tunnel] does not belong in this file; put it in tunnels.d/NAME.conf", 1 },
                { K_GATEWAY, "[Gateway]\nFipsMode=no\n[Gateway]\n", 3, "duplicate section [Gateway] (first at line 1)", 1 },

                /* [Profile]. */
                { K_PROFILE, P1 P2 P4 P5 P6 P7, 1, "missing required key 'IkeIntegrity' in [Profile]", 1 },
                { K_PROFILE, "[Profile]\n", 1, "missing required key 'PfsGroup' in [Profile]", 6 },
                { K_PROFILE, PB "SALifeTimeSeconds=299\n", 8, "SALifeTimeSeconds: '299' is out of range; use 300..2147483647", 1 },
                { K_PROFILE, PB "SADataSizeKilobytes=1023\n", 8, "SADataSizeKilobytes: '1023' is out of range; use 1024..", 1 },
                { K_PROFILE, PB "IkeLifeTimeSeconds=2147483648\n", 8, "'2147483648' is out of range", 1 },
                { K_PROFILE, PB "DhGroup=ECP256\n", 8, "duplicate key 'DhGroup' (first set at line 4)", 1 },
                { K_PROFILE, P1 P2 P3 "DhGroup=\n" P5 P6 P7, 4, "empty value for 'DhGroup'", 1 },
                { K_PROFILE, PB "RemoteAddress=203.0.113.1\n", 8, "belongs in [Tunnel]", 1 },
                { K_PROFILE, PB "IkeEncrpytion=AES256\n", 8, "did you mean 'IkeEncryption'?", 1 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;
                const char *path = rows[i].kind == K_GATEWAY ? GW_PATH : rows[i].kind == K_PROFILE ? PR_PATH : TU_PATH;

                c = parse_one(rows[i].kind, rows[i].text, &d);
                if (!has_diag(&d, path, rows[i].line, rows[i].needle) || d.n_errors != rows[i].n_errors) {
                        print_message("row %zu: %zu errors:\n", i, d.n_errors);
                        for (size_t j = 0; j < d.n; j++)
                                print_message("  %s:%u: %s\n", d.items[j].path, d.items[j].line, d.items[j].message);
                }
                /* The verdict is the error count (conf.h). */
                assert_true(d.n_errors > 0);
                assert_diag(&d, DIAG_ERROR, path, rows[i].line, rows[i].needle);
                assert_int_equal(d.n_errors, rows[i].n_errors);
        }
}

static void test_valid_rows(void **state) {
        static const struct {
                Kind kind;
                const char *text;
        } rows[] = {
                { K_TUNNEL, TB },
                { K_TUNNEL, "# comment\n\n  " T1 "  RemoteAddress = 203.0.113.10  \n" T3 T4 T5 },
                { K_TUNNEL, T1 T2 T3 "LocalPrefixes=0.0.0.0/0\n" T5 },           /* forced tunnelling */
                { K_TUNNEL, T1 T2 T3 "LocalPrefixes=0.0.0.0/0 ::/0\nRemotePrefixes=198.51.100.128/26,2001:db8:1::/48\n" },
                { K_TUNNEL, T1 T2 T3 "LocalPrefixes=198.51.100.0/26,,2001:db8:2::/48\n"
                            "RemotePrefixes= 198.51.100.128/26 ,\t2001:db8:1::/48 \n" },
                { K_TUNNEL, T1 "RemoteAddress=2001:db8:ffff::1\nLocalAddress=2001:db8:fffe::1\n" T3 T4 T5 },
                { K_TUNNEL, TB "TcpMssClamp=0\nDpdTimeoutSeconds=9\nFailClosed=false\nEnabled=0\n" },
                { K_TUNNEL, TB "TcpMssClamp=536\nDpdTimeoutSeconds=3600\nFailClosed=TRUE\nEnabled=Yes\n" },
                { K_TUNNEL, TB "TcpMssClamp=1460\nConnectionMode=InitiatorOnly\nProfile=azure-default-legacy\n" },
                { K_TUNNEL, TB "LocalId=CN=gw.example.com, O=Example Inc.\nRemoteId=@azure.example.net\n" },
                { K_TUNNEL, T1 T2 T4 T5 "Authentication=certificate\nCertificate=c.pem\nPrivateKey=k.pem\n"
                            "CACertificate=ca.pem\nRemoteId=CN=azure\n" },
                { K_TUNNEL, "[Tunnel]\r\n" "RemoteAddress=203.0.113.10\r\n" T3 T4 T5 },
                { K_PROFILE, PB },
                { K_PROFILE, PB "SALifeTimeSeconds=300\nSADataSizeKilobytes=1024\nIkeLifeTimeSeconds=2147483647\n" },
                /* conf does not judge algorithms: that is ikepolicy's job. */
                { K_PROFILE, P1 "IkeEncryption=DES\nIkeIntegrity=MD5\nDhGroup=DHGroup1\nIpsecEncryption=None\n"
                             "IpsecIntegrity=nonsense\nPfsGroup=PFSMM\n" },
                { K_GATEWAY, "[Gateway]\n" },
                /* Every [Gateway] key has a default: no section is needed. */
                { K_GATEWAY, "" },
                { K_GATEWAY, "# only comments\n; and more\n\n" },
                { K_GATEWAY, "\xef\xbb\xbf" },
                { K_GATEWAY, "\xef\xbb\xbf[Gateway]\r\nFipsMode=yes\r\n" },
                { K_GATEWAY, "[Gateway]\nFipsMode=no\nVici=unix:///tmp/charon.vici\nDataPlane=userspace\n"
                             "StatusFile=/tmp/s.json\nHealthIntervalSec=3600\nCertificateExpiryWarningDays=0\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;

                c = parse_one(rows[i].kind, rows[i].text, &d);
                if (d.n_errors > 0)
                        print_message("row %zu\n", i);
                assert_no_errors(&d);
        }
}

static void test_tunnel_values(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        const Tunnel *t;
        char buf[PREFIX_STRLEN];

        c = parse_one(K_TUNNEL, TB, &d);
        assert_no_errors(&d);
        assert_int_equal(c->n_tunnels, 1);
        t = c->tunnels[0];
        /* Defaults. */
        assert_string_equal(t->name, "t");
        assert_string_equal(t->path, TU_PATH);
        assert_int_equal(t->section_line, 1);
        assert_string_equal(address_to_string(&t->remote_address, buf), "203.0.113.10");
        assert_false(t->has_local_address);
        assert_null(t->local_id);
        assert_null(t->remote_id);
        assert_string_equal(t->profile_name, "fips-gcm256");
        assert_non_null(t->profile);
        assert_string_equal(t->profile->name, "fips-gcm256");
        assert_true(t->profile->builtin);
        assert_int_equal(t->auth, AUTH_PSK);
        assert_string_equal(t->psk_file, "/etc/gatewayd/psk/t");
        assert_true(t->fail_closed);
        assert_int_equal(t->tcp_mss_clamp, 1350);
        assert_int_equal(t->dpd_timeout_sec, 45);
        assert_int_equal(t->connection_mode, CONNECTION_MODE_DEFAULT);
        assert_true(t->enabled);
        assert_int_equal(t->line[TUNNEL_REMOTE_ADDRESS], 2);
        assert_int_equal(t->line[TUNNEL_PRE_SHARED_KEY_FILE], 3);
        assert_int_equal(t->line[TUNNEL_LOCAL_PREFIXES], 4);
        assert_int_equal(t->line[TUNNEL_REMOTE_PREFIXES], 5);
        assert_int_equal(t->line[TUNNEL_PROFILE], 0);
        assert_int_equal(tunnel_line(t, TUNNEL_PROFILE), 1);
        assert_int_equal(t->local_prefixes.n, 1);
        assert_string_equal(prefix_to_string(&t->local_prefixes.items[0], buf), "198.51.100.0/26");
        config_free(TAKE_PTR(c));
        diag_list_clear(&d);

        /* Everything set; relative paths taken from the config dir. */
        c = parse_one(K_TUNNEL,
                      T1 "RemoteAddress=2001:db8:ffff::1\n"
                         "LocalAddress=2001:db8:fffe::1\n"
                         "LocalId=CN=gw\n"
                         "RemoteId=CN=azure, O=Example\n"
                         "Profile=fips-cbc\n"
                         "Authentication=certificate\n"
                         "Certificate=certs/gw.pem\n"
                         "PrivateKey=/keys/gw.key\n"
                         "CACertificate=./ca.pem\n"
                         "LocalPrefixes=2001:db8:1::/48, 198.51.100.0/26\n"
                         "RemotePrefixes=2001:db8:2::/48 198.51.100.64/26\n"
                         "FailClosed=no\nTcpMssClamp=0\nDpdTimeoutSeconds=120\n"
                         "ConnectionMode=ResponderOnly\nEnabled=no\n",
                      &d);
        assert_no_errors(&d);
        t = c->tunnels[0];
        assert_string_equal(address_to_string(&t->remote_address, buf), "2001:db8:ffff::1");
        assert_true(t->has_local_address);
        assert_int_equal(t->local_address.family, AF_INET6);
        assert_string_equal(t->local_id, "CN=gw");
        assert_string_equal(t->remote_id, "CN=azure, O=Example");
        assert_string_equal(t->profile->name, "fips-cbc");
        assert_int_equal(t->auth, AUTH_CERTIFICATE);
        assert_null(t->psk_file);
        assert_string_equal(t->certificate, "/etc/gatewayd/certs/gw.pem");
        assert_string_equal(t->private_key, "/keys/gw.key");
        assert_string_equal(t->ca_certificate, "/etc/gatewayd/./ca.pem");
        assert_int_equal(t->local_prefixes.n, 2);
        assert_int_equal(t->remote_prefixes.n, 2);
        assert_string_equal(prefix_to_string(&t->remote_prefixes.items[1], buf), "198.51.100.64/26");
        assert_false(t->fail_closed);
        assert_int_equal(t->tcp_mss_clamp, 0);
        assert_int_equal(t->dpd_timeout_sec, 120);
        assert_int_equal(t->connection_mode, CONNECTION_MODE_RESPONDER_ONLY);
        assert_false(t->enabled);
        assert_int_equal(t->line[TUNNEL_ENABLED], 17);
}

/* With a relative config dir, credential paths still come out absolute. */
static void test_relative_dir(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("etc/gw");
        _cleanup_free_ char *cwd = getcwd(NULL, 0), *want = NULL;

        assert_non_null(cwd);
        assert_int_equal(add_tunnel(c, "t", T1 T2 "PreSharedKeyFile=psk/t\n" T4 T5, &d), 0);
        assert_no_errors(&d);
        assert_true(asprintf(&want, "%s/etc/gw/psk/t", cwd) > 0);
        assert_string_equal(c->tunnels[0]->psk_file, want);
}

static void test_gateway_values(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");

        /* Defaults without any file. */
        assert_non_null(c);
        assert_string_equal(c->dir, "/etc/gatewayd");
        assert_string_equal(c->gateway.path, "gatewayd.conf");
        assert_true(c->gateway.fips_mode);
        assert_string_equal(c->gateway.vici, "unix:///run/charon.vici");
        assert_int_equal(c->gateway.data_plane, DATA_PLANE_KERNEL);
        assert_string_equal(c->gateway.status_file, "/run/gatewayd/status.json");
        assert_int_equal(c->gateway.health_interval_sec, 10);
        assert_int_equal(c->gateway.cert_expiry_warning_days, 30);

        static const char text[] = "[Gateway]\n# c\nFipsMode=no\nVici=unix:///x/charon.vici\nDataPlane=userspace\n"
                                   "StatusFile=/x/status.json\nHealthIntervalSec=5\nCertificateExpiryWarningDays=14\n";
        assert_int_equal(conf_parse_gateway(c, GW_PATH, text, strlen(text), &d), 0);
        assert_no_errors(&d);
        assert_false(c->gateway.fips_mode);
        assert_int_equal(c->gateway.fips_mode_line, 3);
        assert_string_equal(c->gateway.vici, "unix:///x/charon.vici");
        assert_int_equal(c->gateway.data_plane, DATA_PLANE_USERSPACE);
        assert_string_equal(c->gateway.status_file, "/x/status.json");
        assert_int_equal(c->gateway.health_interval_sec, 5);
        assert_int_equal(c->gateway.cert_expiry_warning_days, 14);
}

static void test_profile_values(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        const Profile *p;

        c = parse_one(K_PROFILE, PB "SALifeTimeSeconds=3600\nSADataSizeKilobytes=2048\nIkeLifeTimeSeconds=28800\n",
                      &d);
        assert_no_errors(&d);
        p = c->profiles[0];
        assert_string_equal(p->name, "p");
        assert_string_equal(p->path, PR_PATH);
        assert_false(p->builtin);
        assert_int_equal(p->section_line, 1);
        assert_string_equal(p->alg[PROFILE_IKE_ENCRYPTION], "GCMAES256");
        assert_int_equal(p->alg_line[PROFILE_IKE_ENCRYPTION], 2);
        assert_string_equal(p->alg[PROFILE_IKE_INTEGRITY], "SHA384");
        assert_string_equal(p->alg[PROFILE_DH_GROUP], "ECP384");
        assert_string_equal(p->alg[PROFILE_IPSEC_ENCRYPTION], "GCMAES256");
        assert_string_equal(p->alg[PROFILE_IPSEC_INTEGRITY], "GCMAES256");
        assert_string_equal(p->alg[PROFILE_PFS_GROUP], "ECP384");
        assert_int_equal(p->alg_line[PROFILE_PFS_GROUP], 7);
        assert_int_equal(p->sa_lifetime_sec, 3600);
        assert_int_equal(p->sa_lifetime_line, 8);
        assert_int_equal(p->sa_datasize_kb, 2048);
        assert_int_equal(p->ike_lifetime_sec, 28800);
        assert_int_equal(p->ike_lifetime_line, 10);
}

static void test_builtin_profiles(void **state) {
        static const struct {
                const char *name;
                const char *alg[_PROFILE_ALG_MAX];
        } want[] = {
                { "fips-gcm256", { "GCMAES256", "SHA384", "ECP384", "GCMAES256", "GCMAES256", "ECP384" } },
                { "fips-cbc", { "AES256", "SHA256", "DHGroup14", "AES256", "SHA256", "PFS2048" } },
                { "azure-default-legacy", { "AES256", "SHA256", "DHGroup2", "GCMAES256", "GCMAES256", "None" } },
        };
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
        size_t n;

        assert_non_null(conf_builtin_profiles(&n));
        assert_int_equal(n, 3);
        /* A user profile overriding fips-cbc comes first; the other two
         * built-ins follow. */
        assert_int_equal(conf_parse_profile(c, "fips-cbc", "profiles.d/fips-cbc.conf", PB, strlen(PB), &d), 0);
        assert_int_equal(conf_finish(c, &no_files, &d), 0);
        assert_no_errors(&d);
        assert_int_equal(c->n_profiles, 3);
        assert_string_equal(c->profiles[0]->name, "fips-cbc");
        assert_false(c->profiles[0]->builtin);
        assert_string_equal(c->profiles[0]->alg[PROFILE_IKE_ENCRYPTION], "GCMAES256");

        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const Profile *p = config_find_profile(c, want[i].name);
                char path[64];

                assert_non_null(p);
                if (streq(want[i].name, "fips-cbc"))
                        continue;
                assert_true(p->builtin);
                snprintf(path, sizeof(path), "<built-in>/%s.conf", want[i].name);
                assert_string_equal(p->path, path);
                for (size_t a = 0; a < _PROFILE_ALG_MAX; a++)
                        assert_string_equal(p->alg[a], want[i].alg[a]);
                assert_int_equal(p->sa_lifetime_sec, 27000);
                assert_int_equal(p->sa_datasize_kb, 102400000);
                assert_int_equal(p->ike_lifetime_sec, 28800);
        }

        /* conf_finish twice adds nothing twice. */
        assert_int_equal(conf_finish(c, &no_files, &d), 0);
        assert_no_errors(&d);
        assert_int_equal(c->n_profiles, 3);
}

/* Two-tunnel configs: row = tunnel a, tunnel b → the error expected. */
static void test_cross_tunnel(void **state) {
        static const struct {
                const char *a_name, *a, *b_name, *b;
                const char *path;
                unsigned line;
                const char *needle;     /* NULL: no error */
        } rows[] = {
                /* VNet ranges: each belongs to one tunnel. */
                { "a", TB, "b", T1 "RemoteAddress=203.0.113.11\n" T3 T4 "RemotePrefixes=198.51.100.160/27\n",
                  "tunnels.d/b.conf", 5,
                  "RemotePrefixes: '198.51.100.160/27' overlaps '198.51.100.128/26' of tunnel 'a' (tunnels.d/a.conf:5); "
                  "each VNet range belongs to one tunnel" },
                { "a", T1 T2 T3 T4 "# moved\nRemotePrefixes=198.51.100.160/27\n", "b",
                  T1 "RemoteAddress=203.0.113.11\n" T3 T4 T5, "tunnels.d/a.conf", 6,
                  "overlaps '198.51.100.128/26' of tunnel 'b' (tunnels.d/b.conf:5)" },
                { "a", TB, "b", T1 "RemoteAddress=203.0.113.11\n" T3 T4 "RemotePrefixes=198.51.100.192/26\n", NULL, 0, NULL },
                /* Disabled tunnels count too. */
                { "a", TB "Enabled=no\n", "b", T1 "RemoteAddress=203.0.113.11\n" T3 T4 T5, "tunnels.d/b.conf", 5,
                  "of tunnel 'a'" },
                /* Names that differ only in case. */
                { "West", TB, "west", T1 "RemoteAddress=203.0.113.11\n" T3 T4 "RemotePrefixes=198.51.100.192/26\n",
                  "tunnels.d/west.conf", 0, "tunnel name 'west' differs from 'West' (tunnels.d/West.conf) only in case" },
                { "a", TB, "a", T1 "RemoteAddress=203.0.113.11\n" T3 T4 "RemotePrefixes=198.51.100.192/26\n",
                  "tunnels.d/a.conf", 0, "tunnel 'a' is defined twice" },
                /* Same peer, same identities. */
                { "a", TB, "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\n", "tunnels.d/b.conf", 2,
                  "RemoteAddress '203.0.113.10' with the same LocalId/RemoteId as tunnel 'a' (tunnels.d/a.conf:2): "
                  "charon could not tell them apart" },
                { "a", TB "LocalId=a.example\n", "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=a.example\n",
                  "tunnels.d/b.conf", 2, "could not tell them apart" },
                { "a", TB "LocalId=a.example\n", "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=b.example\n",
                  NULL, 0, NULL },
                { "a", TB "LocalAddress=192.0.2.1\n", "b",
                  T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalAddress=192.0.2.2\n", NULL, 0, NULL },
                { "a", TB "RemoteId=CN=one\n", "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nRemoteId=CN=two\n",
                  NULL, 0, NULL },
                /* Identities as charon compares them at run time: no
                 * LocalAddress and no LocalId is the WAN address charon
                 * picks, which may be another tunnel's address identity. */
                { "a", TB, "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=192.0.2.1\n",
                  "tunnels.d/a.conf", 2,
                  "RemoteAddress '203.0.113.10' without LocalAddress or LocalId: this tunnel's IKE identity is the WAN "
                  "address charon picks at run time, and tunnel 'b' (tunnels.d/b.conf:6) to the same peer has "
                  "identity '192.0.2.1'; if that is the WAN address charon could not tell them apart; set LocalId or "
                  "LocalAddress in this tunnel" },
                { "a", TB, "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalAddress=192.0.2.1\n",
                  "tunnels.d/a.conf", 2, "tunnel 'b' (tunnels.d/b.conf:6) to the same peer has identity '192.0.2.1'" },
                { "b", TB, "a", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=192.0.2.1\n",
                  "tunnels.d/b.conf", 2, "tunnel 'a' (tunnels.d/a.conf:6) to the same peer has identity" },
                { "a", T1 "RemoteAddress=2001:db8:f::10\n" T3 "LocalPrefixes=2001:db8:1::/48\nRemotePrefixes=2001:db8:2::/48\n",
                  "b", T1 "RemoteAddress=2001:DB8:F:0::10\n" T3 "LocalPrefixes=2001:db8:1::/48\n"
                  "RemotePrefixes=2001:db8:3::/48\nLocalId=2001:DB8:0::1\n",
                  "tunnels.d/a.conf", 2, "to the same peer has identity '2001:db8::1'" },
                /* The same address spelled two ways is one identity. */
                { "a", TB "LocalId=2001:DB8:0::1\n", "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=2001:db8::1\n",
                  "tunnels.d/b.conf", 2, "with the same LocalId/RemoteId as tunnel 'a'" },
                { "a", TB "LocalId=a.example\n", "b",
                  T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=a.example\nRemoteId=203.0.113.10\n",
                  "tunnels.d/b.conf", 2, "with the same LocalId/RemoteId as tunnel 'a'" },
                /* Not the same: a name identity, or another remote identity. */
                { "a", TB, "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=gw.example\n", NULL, 0, NULL },
                { "a", TB, "b", T1 T2 T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=192.0.2.1\nRemoteId=CN=other\n",
                  NULL, 0, NULL },
                { "a", TB, "b", T1 "RemoteAddress=203.0.113.11\n" T3 T4 "RemotePrefixes=198.51.100.192/26\nLocalId=192.0.2.1\n",
                  NULL, 0, NULL },
                /* Per-tunnel rules still blame the right file. */
                { "a", TB, "b", T1 "RemoteAddress=203.0.113.11\n" T3 T4 "RemotePrefixes=198.51.100.192/26 2001:db8:1::/48\n",
                  "tunnels.d/b.conf", 4, "has no IPv6 prefix" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
                size_t parsed;
                int r;

                assert_int_equal(add_tunnel(c, rows[i].a_name, rows[i].a, &d), 0);
                assert_int_equal(add_tunnel(c, rows[i].b_name, rows[i].b, &d), 0);
                parsed = d.n_errors;
                r = conf_finish(c, &no_files, &d);
                if (rows[i].needle ? d.n_errors != 1 || !has_diag(&d, rows[i].path, rows[i].line, rows[i].needle)
                                   : d.n_errors != 0)
                        print_message("row %zu\n", i);
                assert_int_equal(r, 0);
                if (!rows[i].needle) {
                        assert_no_errors(&d);
                        continue;
                }
                /* The error comes from conf_finish, but the last row's from
                 * conf_parse_tunnel. */
                assert_int_equal(parsed, i + 1 < ELEMENTSOF(rows) ? 0 : 1);
                assert_diag(&d, DIAG_ERROR, rows[i].path, rows[i].line, rows[i].needle);
                assert_int_equal(d.n_errors, 1);
        }
}

/* Many tunnels: sorted by name after conf_finish, overlaps found among all
 * of them (the sweep must not miss a pair that is not adjacent). */
static void test_many_tunnels(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
        char name[32], text[512];

        for (unsigned i = 0; i < 300; i++) {
                snprintf(name, sizeof(name), "t%03u", 299 - i);
                snprintf(text, sizeof(text),
                         "[Tunnel]\nRemoteAddress=203.0.113.%u\nLocalId=id%u\nPreSharedKeyFile=psk/p\n"
                         "LocalPrefixes=192.0.2.0/24, 2001:db8:ffff::/48\n"
                         "RemotePrefixes=2001:db8:%x::/48, 198.51.100.%u/32\n",
                         i % 200, i, i + 1, i % 250);
                assert_int_equal(add_tunnel(c, name, text, &d), 0);
        }
        assert_no_errors(&d);
        /* 198.51.100.N/32 repeats for i and i + 250: 50 overlaps. */
        assert_int_equal(conf_finish(c, &no_files, &d), 0);
        assert_int_equal(d.n_errors, 50);
        assert_diag(&d, DIAG_ERROR, "tunnels.d/t299.conf", 6,
                    "'198.51.100.0/32' overlaps '198.51.100.0/32' of tunnel 't049' (tunnels.d/t049.conf:6)");
        for (size_t i = 1; i < c->n_tunnels; i++)
                assert_true(strcmp(c->tunnels[i - 1]->name, c->tunnels[i]->name) < 0);
        assert_string_equal(c->tunnels[0]->name, "t000");
}

static void test_caps(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
        _cleanup_free_ char *text = NULL;
        size_t n = 0;
        FILE *f;

        /* CONF_MAX_PREFIXES + 1 prefixes in one list. */
        f = open_memstream(&text, &n);
        assert_non_null(f);
        fputs(T1 T2 T3 T4 "RemotePrefixes=", f);
        for (unsigned i = 0; i < 256; i++)
                fprintf(f, "192.0.2.%u/32,", i);
        fputs("203.0.113.1/32\n", f);
        assert_int_equal(fclose(f), 0);
        assert_int_equal(add_tunnel(c, "t", text, &d), 0);
        assert_int_equal(d.n_errors, 1);
        assert_diag(&d, DIAG_ERROR, TU_PATH, 5, "RemotePrefixes: more than 256 prefixes");

        /* CONF_MAX_TUNNELS. */
        diag_list_clear(&d);
        config_free(TAKE_PTR(c));
        c = config_new("/etc/gatewayd");
        for (unsigned i = 0; i < CONF_MAX_TUNNELS; i++) {
                char name[16];

                snprintf(name, sizeof(name), "t%u", i);
                assert_int_equal(add_tunnel(c, name, TB, &d), 0);
        }
        assert_no_errors(&d);
        assert_int_equal(add_tunnel(c, "one-too-many", TB, &d), 0);
        assert_int_equal(d.n_errors, 1);
        assert_diag(&d, DIAG_ERROR, "tunnels.d/one-too-many.conf", 0, "too many tunnels (at most 10000)");
        assert_int_equal(c->n_tunnels, CONF_MAX_TUNNELS);
}

/* One run reports every error of a file, not the first only. */
static void test_all_errors(void **state) {
        static const char text[] = "[Tunnel]\n"
                                   "RemoteAddress=203.0.113.300\n"
                                   "Colour=red\n"
                                   "LocalPrefixes=198.51.100.1/24\n"
                                   "RemotePrefixes=198.51.100.128\n"
                                   "TcpMssClamp=9000\n"
                                   "Enabled=maybe\n"
                                   "Profile=missing\n";
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;

        c = parse_one(K_TUNNEL, text, &d);
        assert_diag(&d, DIAG_ERROR, TU_PATH, 2, "not an IP address");
        assert_diag(&d, DIAG_ERROR, TU_PATH, 3, "unknown key 'Colour'");
        assert_diag(&d, DIAG_ERROR, TU_PATH, 4, "has host bits set; use '198.51.100.0/24'");
        assert_diag(&d, DIAG_ERROR, TU_PATH, 5, "has no prefix length");
        assert_diag(&d, DIAG_ERROR, TU_PATH, 6, "TcpMssClamp: '9000' is out of range");
        assert_diag(&d, DIAG_ERROR, TU_PATH, 7, "not a boolean");
        assert_diag(&d, DIAG_ERROR, TU_PATH, 8, "unknown profile 'missing'");
        assert_diag(&d, DIAG_ERROR, TU_PATH, 1, "missing required key 'PreSharedKeyFile'");
        assert_int_equal(d.n_errors, 8);
}

/* Every diagnostic of a file, word for word and in order, for one input per
 * kind of reporter (value parsers, the callback, the [Tunnel] rules, the
 * tokenizer); the texts are those the parser gave before "reported" stopped
 * being a return value, except that the tokenizer now quotes up to QUOTE_MAX
 * (64) bytes, like every other diagnostic, instead of 40. */
#define X8 "xxxxxxxx"
#define E8 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
#define P0 "tunnels.d/t0.conf"

static void test_exact_diagnostics(void **state) {
        static const struct {
                const char *text;
                const char *want;
        } rows[] = {
                { TB "DpdTimeoutSeconds=" X8 X8 X8 X8 X8 X8 X8 X8 X8 "\n",
                  P0 ":6: error: DpdTimeoutSeconds: '" X8 X8 X8 X8 X8 X8 X8 X8 "...' is not a number; use decimal "
                     "digits (9..3600)\n" },
                { TB "TcpMssClamp=99999999999999999999999\n",
                  P0 ":6: error: TcpMssClamp: '99999999999999999999999' is out of range; use 0..1460\n" },
                { T1 T2 T3 T4 "RemotePrefixes=198.51.100.129/26,x,198.51.100.200\n",
                  P0 ":5: error: RemotePrefixes: '198.51.100.129/26' has host bits set; use '198.51.100.128/26'\n"
                  P0 ":5: error: RemotePrefixes: 'x' is not a CIDR prefix; write ADDRESS/LENGTH, e.g. 198.51.100.0/24 "
                     "or 2001:db8::/48\n"
                  P0 ":5: error: RemotePrefixes: '198.51.100.200' has no prefix length; write '198.51.100.200/32' for "
                     "one host or the network's CIDR\n" },
                { "[Tunel]\n" T2 T3 T4 T5,
                  P0 ":1: error: unknown section [Tunel]; did you mean [Tunnel]?\n"
                  P0 ": error: no [Tunnel] section; start the file with a [Tunnel] line\n" },
                { TB "Authentication=certificate\n",
                  P0 ":1: error: missing required key 'Certificate' in [Tunnel] for Authentication=certificate; add "
                     "Certificate=VALUE\n"
                  P0 ":1: error: missing required key 'PrivateKey' in [Tunnel] for Authentication=certificate; add "
                     "PrivateKey=VALUE\n"
                  P0 ":1: error: missing required key 'CACertificate' in [Tunnel] for Authentication=certificate; add "
                     "CACertificate=VALUE\n"
                  P0 ":1: error: missing required key 'RemoteId' in [Tunnel] for Authentication=certificate; add "
                     "RemoteId=VALUE\n"
                  P0 ":3: error: PreSharedKeyFile is not used with Authentication=certificate; remove it\n" },
                { T1 T2 T3 "LocalPrefixes=::/0\n" T5,
                  P0 ":4: error: RemotePrefixes has IPv4 (198.51.100.128/26) but LocalPrefixes has no IPv4 prefix; "
                     "add the on-premises IPv4 range\n"
                  P0 ":5: error: LocalPrefixes has IPv6 (::/0) but RemotePrefixes has no IPv6 prefix; add the VNet's "
                     "IPv6 range or remove the IPv6 on-premises range\n" },
                { TB "garbage gg" X8 X8 X8 X8 X8 X8 X8 X8 "\n=" X8 X8 X8 X8 X8 X8 X8 X8 X8 "\nEnabled=y\x01s\n",
                  P0 ":6: error: not a section, comment or Key=Value line (74 characters, not shown: it may be a "
                     "secret); write Key=Value, [Section] or start a comment with '#'\n"
                  P0 ":7: error: empty key name (a line starting with '='); write Key=Value\n"
                  P0 ":8: error: control character 0x01 at column 10; remove it\n" },
                { "RemoteAddress=1\n" TB "[Gateway]\nFipsMode=no\n[Tunnel]\nRemoteAdress=203.0.113.1\nColor=blue\n",
                  P0 ":1: error: key 'RemoteAddress' before any section; put it below a [Section] line\n"
                  P0 ":7: error: section [Gateway] does not belong in this file; put it in gatewayd.conf\n"
                  P0 ":9: error: duplicate section [Tunnel] (first at line 2); merge them into one\n"
                  P0 ":10: error: unknown key 'RemoteAdress' in [Tunnel]; did you mean 'RemoteAddress'?\n"
                  P0 ":11: error: unknown key 'Color' in [Tunnel]; remove it or check its spelling\n" },
                { T1 "RemoteAddress=198.51.100.130\nLocalAddress=2001:db8::1\n" T3
                     "LocalPrefixes=198.51.100.0/24\nRemotePrefixes=198.51.100.128/26,0.0.0.0/0\n",
                  P0 ":6: error: RemotePrefixes: '0.0.0.0/0' overlaps '198.51.100.128/26'; remove the smaller one\n"
                  P0 ":3: error: LocalAddress: '2001:db8::1' is IPv6 but RemoteAddress '198.51.100.130' is IPv4; use "
                     "addresses of one family\n" },
                { TB "LocalId=\"CN=" E8 E8 E8 E8 E8 "\"\nRemoteId=a\\b\nFailClosed=maybe\nConnectionMode=initiatoronly\n",
                  P0 ":6: error: LocalId: '\"CN=" E8 E8 E8 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...' contains "
                     "'\"'; write the identity without quotes or backslashes\n"
                  P0 ":7: error: RemoteId: 'a\\b' contains '\\'; write the identity without quotes or backslashes\n"
                  P0 ":8: error: FailClosed: 'maybe' is not a boolean; use yes or no\n"
                  P0 ":9: error: ConnectionMode: 'initiatoronly' is not valid; use Default, InitiatorOnly or "
                     "ResponderOnly\n" },
                { T1 "RemoteAddress=198.51.100.130\n" T3 "LocalPrefixes=198.51.100.0/24\nRemotePrefixes=198.51.100.128/26,::/0\n",
                  P0 ":5: error: RemotePrefixes: '::/0' is a default route; list the VNet's address space (forced "
                     "tunnelling is LocalPrefixes=::/0)\n"
                  P0 ":2: error: RemoteAddress '198.51.100.130' lies inside RemotePrefixes '198.51.100.128/26' (line "
                     "5); the peer's public address must be outside the VNet's address space\n"
                  P0 ":4: error: LocalPrefixes: '198.51.100.0/24' overlaps RemotePrefixes '198.51.100.128/26' (line 5); "
                     "on-premises and VNet ranges must be disjoint\n" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
                _cleanup_free_ char *got = NULL;
                size_t n = 0, lines = 0;
                FILE *f;

                print_message("row %zu\n", i);
                assert_int_equal(add_tunnel(c, "t0", rows[i].text, &d), 0);
                assert_int_equal(conf_finish(c, &no_files, &d), 0);
                f = open_memstream(&got, &n);
                assert_non_null(f);
                for (size_t j = 0; j < d.n; j++) {
                        _cleanup_free_ char *s = diag_format(&d.items[j]);

                        fprintf(f, "%s\n", s);
                }
                assert_int_equal(fclose(f), 0);
                assert_string_equal(got, rows[i].want);
                for (const char *s = rows[i].want; *s; s++)
                        lines += *s == '\n';
                assert_int_equal(d.n_errors, lines);
        }
}

/* ---- one rule for "reported" ------------------------------------------ */

/* A key table of the test's own for conf_parse_object(): each parser does
 * what its key is named after. */
typedef struct Probe {
        unsigned good, good_line;
        unsigned said_line, quiet_line;
} Probe;

static int parse_good(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        *(unsigned *) field = (unsigned) atoi(value);
        return 0;
}

/* The rule: report, then return 0. */
static int parse_said(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        return conf_error(p, line, "%s: '%s' is not good; use a good value", k->name, value);
}

/* Fails with the errno in k->min and reports nothing: a bug, or a failure
 * that nobody reported. */
static int parse_quiet(ConfParser *p, const ConfKey *k, const char *value, unsigned line, void *field) {
        return -(int) k->min;
}

static const ConfKey probe_keys[] = {
        { "Good", parse_good, offsetof(Probe, good), offsetof(Probe, good_line) },
        { "Said", parse_said, offsetof(Probe, good), offsetof(Probe, said_line) },
        { "Io", parse_quiet, offsetof(Probe, good), offsetof(Probe, quiet_line), EIO },
        { "Inval", parse_quiet, offsetof(Probe, good), offsetof(Probe, quiet_line), EINVAL },
        { "Nomem", parse_quiet, offsetof(Probe, good), NO_LINE, ENOMEM },
};

static const ConfSection probe_section = { "Probe", "probe.conf", probe_keys, ELEMENTSOF(probe_keys) };

/* A parser that fails without a diagnostic must not leave its key at the
 * default in silence: the parse fails closed, with an error at the line.
 * That holds for -EINVAL too, which once meant "already reported". */
static void test_fail_closed(void **state) {
        static const char text[] = "[Probe]\nIo=1\nInval=2\nSaid=3\nGood=4\n";
        static const char text2[] = "[Probe]\nNomem=1\nGood=2\n";
        _cleanup_(diag_list_clear) DiagList d = {}, d2 = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");
        Probe probe = {};
        ConfParser p = { .c = c, .d = &d, .path = "probe.conf", .object = &probe };
        ConfParser p2 = { .c = c, .d = &d2, .path = "probe.conf", .object = &probe };

        assert_int_equal(conf_parse_object(&p, &probe_section, text, strlen(text)), 0);
        assert_diag(&d, DIAG_ERROR, "probe.conf", 2,
                    "Io: internal error parsing its value (Input/output error); please report this bug");
        assert_diag(&d, DIAG_ERROR, "probe.conf", 3, "Inval: internal error parsing its value (Invalid argument)");
        /* A reporter's own diagnostic, and no second one for it. */
        assert_diag(&d, DIAG_ERROR, "probe.conf", 4, "Said: '3' is not good");
        assert_int_equal(d.n_errors, 3);
        /* Only the key that returned 0 without reporting counts as set. */
        assert_false(p.key_ok[1]);
        assert_false(p.key_ok[2]);
        assert_false(p.key_ok[3]);
        assert_true(p.key_ok[0]);
        assert_int_equal(probe.good, 4);
        assert_int_equal(probe.good_line, 5);
        assert_int_equal(probe.said_line, 0);
        assert_int_equal(probe.quiet_line, 0);

        /* Out of memory is no config error: it stops the parse. */
        assert_int_equal(conf_parse_object(&p2, &probe_section, text2, strlen(text2)), -ENOMEM);
        assert_int_equal(d2.n_errors, 0);
}

static void test_name_is_valid(void **state) {
        static const struct {
                const char *name;
                bool valid;
        } rows[] = {
                { "azure-weu", true },
                { "A_b-9", true },
                { "x", true },
                { "0123456789012345678901234567890123456789012345678901234567890123", true }, /* 64 */
                { "01234567890123456789012345678901234567890123456789012345678901234", false }, /* 65 */
                { "", false },
                { "a b", false },
                { "a.b", false },
                { "a/b", false },
                { "..", false },
                { "caf\xc3\xa9", false },
                { NULL, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                if (conf_name_is_valid(rows[i].name) != rows[i].valid)
                        print_message("row %zu\n", i);
                assert_int_equal(conf_name_is_valid(rows[i].name), rows[i].valid);
        }
}

static void test_memory_api_bad_name(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = config_new("/etc/gatewayd");

        assert_int_equal(add_tunnel(c, "bad\x1bname", TB, &d), 0);
        assert_int_equal(d.n_errors, 1);
        assert_diag(&d, DIAG_ERROR, "tunnels.d/bad\x1bname.conf", 0, "invalid tunnel name 'bad?name'");
}

/* ---- conf_load on real trees ----------------------------------------- */

#define GOOD_PSK "AbCdEfGhIjKlMnOpQrStUvWxYz012345"

static ConfOptions file_options(void) {
        return (ConfOptions) { .secret_owner = getuid(), .check_files = true };
}

static void write_tree(const char *dir) {
        free(th_write_file(dir, "gatewayd.conf", "[Gateway]\nFipsMode=no\nDataPlane=userspace\n", 0644));
        free(th_write_file(dir, "profiles.d/mine.conf", PB, 0644));
        free(th_write_file(dir, "profiles.d/.hidden.conf", "garbage\n", 0644));
        free(th_write_file(dir, "profiles.d/README", "garbage\n", 0644));
        free(th_write_file(dir, "tunnels.d/b.conf",
                           T1 "RemoteAddress=203.0.113.20\nPreSharedKeyFile=psk/b\n" T4 "RemotePrefixes=198.51.100.192/26\n"
                              "Profile=mine\n",
                           0644));
        free(th_write_file(dir, "tunnels.d/a.conf", T1 T2 "PreSharedKeyFile=psk/a\n" T4 T5, 0644));
        free(th_write_file(dir, "tunnels.d/c.conf",
                           T1 "RemoteAddress=203.0.113.30\nAuthentication=certificate\nCertificate=certs/c.pem\n"
                              "PrivateKey=private/c.key\nCACertificate=certs/ca.pem\nRemoteId=CN=azure\n" T4
                              "RemotePrefixes=198.51.100.64/27\n",
                           0644));
        free(th_write_file(dir, "tunnels.d/.a.conf.swp", "garbage\n", 0644));
        free(th_write_file(dir, "tunnels.d/.x.conf", "garbage\n", 0644));
        free(th_write_file(dir, "tunnels.d/a.conf~", "garbage\n", 0644));
        free(th_write_file(dir, "tunnels.d/a.conf.rpmsave", "garbage\n", 0644));
        free(th_write_file(dir, "psk/a", GOOD_PSK "\n", 0600));
        free(th_write_file(dir, "psk/b", GOOD_PSK "\n", 0400));
        free(th_write_file(dir, "private/c.key", "not checked here\n", 0600));
}

static void test_load_tree(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *want = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        ConfOptions o = file_options();

        write_tree(dir);
        assert_int_equal(conf_load(dir, &o, &d, &c), 0);
        assert_no_errors(&d);
        assert_non_null(c);
        assert_false(c->gateway.fips_mode);
        assert_int_equal(c->gateway.data_plane, DATA_PLANE_USERSPACE);
        assert_int_equal(c->n_tunnels, 3);
        assert_string_equal(c->tunnels[0]->name, "a");
        assert_string_equal(c->tunnels[0]->path, "tunnels.d/a.conf");
        assert_string_equal(c->tunnels[1]->name, "b");
        assert_string_equal(c->tunnels[2]->name, "c");
        assert_true(asprintf(&want, "%s/psk/a", dir) > 0);
        assert_string_equal(c->tunnels[0]->psk_file, want);
        assert_string_equal(c->tunnels[1]->profile->name, "mine");
        assert_string_equal(c->tunnels[1]->profile->path, "profiles.d/mine.conf");
        assert_int_equal(c->n_profiles, 4);
        assert_string_equal(c->profiles[0]->name, "mine");
        th_rmtree(dir);
}

static void test_load_missing_pieces(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *missing = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        ConfOptions o = file_options();

        /* An empty dir: defaults, no tunnels, no error. */
        assert_int_equal(conf_load(dir, &o, &d, &c), 0);
        assert_no_errors(&d);
        assert_true(c->gateway.fips_mode);
        assert_int_equal(c->n_tunnels, 0);
        assert_int_equal(c->n_profiles, 3);
        config_free(TAKE_PTR(c));

        /* A config dir that is not there is an error, not an empty config. */
        assert_true(asprintf(&missing, "%s/nope", dir) > 0);
        assert_int_equal(conf_load(missing, &o, &d, &c), -ENOENT);
        assert_diag(&d, DIAG_ERROR, NULL, 0, "cannot open config directory");
        th_rmtree(dir);
}

static void test_load_errors(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *msg = NULL, *link = NULL, *target = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        ConfOptions o = file_options();
        char sub[512];
        _cleanup_free_ char *big = NULL;

        write_tree(dir);
        /* Bad file names: reported by file, not parsed. */
        free(th_write_file(dir, "tunnels.d/bad name.conf", "garbage\n", 0644));
        free(th_write_file(dir, "profiles.d/01234567890123456789012345678901234567890123456789012345678901234.conf",
                           PB, 0644));
        /* A directory named like a config file. */
        snprintf(sub, sizeof(sub), "%s/tunnels.d/dir.conf", dir);
        assert_int_equal(mkdir(sub, 0755), 0);
        /* A FIFO: refused at once, never read (it would block). */
        snprintf(sub, sizeof(sub), "%s/tunnels.d/fifo.conf", dir);
        assert_int_equal(mkfifo(sub, 0644), 0);
        /* A file over the size cap. */
        big = calloc(1, CONF_MAX_FILE_SIZE + 2);
        assert_non_null(big);
        memset(big, '#', CONF_MAX_FILE_SIZE + 1);
        free(th_write_file(dir, "tunnels.d/big.conf", big, 0644));
        /* Secret file problems, each at its key's line. */
        free(th_write_file(dir, "psk/a", GOOD_PSK "\n", 0644));
        free(th_write_file(dir, "private/c.key", "k\n", 0640));
        free(th_write_file(dir, "tunnels.d/d.conf",
                           T1 "RemoteAddress=203.0.113.40\nPreSharedKeyFile=psk/missing\n" T4
                              "RemotePrefixes=198.51.100.96/28\n",
                           0644));
        target = th_write_file(dir, "psk/real", GOOD_PSK "\n", 0600);
        assert_true(asprintf(&link, "%s/psk/link", dir) > 0);
        assert_int_equal(symlink(target, link), 0);
        free(th_write_file(dir, "tunnels.d/e.conf",
                           T1 "RemoteAddress=203.0.113.50\nPreSharedKeyFile=psk/link\n" T4
                              "RemotePrefixes=198.51.100.112/28\n",
                           0644));
        /* A gatewayd.conf with an error. */
        free(th_write_file(dir, "gatewayd.conf", "[Gateway]\n\nFipsMode=nope\n", 0644));

        assert_int_equal(conf_load(dir, &o, &d, &c), 0);
        assert_non_null(c);
        assert_diag(&d, DIAG_ERROR, "gatewayd.conf", 3, "FipsMode: 'nope' is not a boolean");
        assert_diag(&d, DIAG_ERROR, "tunnels.d/bad name.conf", 0, "invalid name 'bad name'");
        assert_diag(&d, DIAG_ERROR,
                    "profiles.d/01234567890123456789012345678901234567890123456789012345678901234.conf", 0,
                    "invalid name");
        assert_diag(&d, DIAG_ERROR, "tunnels.d/dir.conf", 0, "not a regular file");
        assert_diag(&d, DIAG_ERROR, "tunnels.d/fifo.conf", 0, "not a regular file");
        assert_diag(&d, DIAG_ERROR, "tunnels.d/big.conf", 0, "file too large");
        assert_true(asprintf(&msg, "PreSharedKeyFile=%s/psk/a: mode 0644 is readable by others; chmod 600 it", dir) > 0);
        assert_diag(&d, DIAG_ERROR, "tunnels.d/a.conf", 3, msg);
        assert_diag(&d, DIAG_ERROR, "tunnels.d/c.conf", 5, "private/c.key: mode 0640 is readable by group; chmod 600 it");
        assert_diag(&d, DIAG_ERROR, "tunnels.d/d.conf", 3, "PreSharedKeyFile: no such file (the path is not shown");
        assert_diag(&d, DIAG_ERROR, "tunnels.d/e.conf", 3, "psk/link: is a symbolic link");
        assert_int_equal(d.n_errors, 10);
        th_rmtree(dir);
}

/* A readdir() that hands out the real entries until it has given
 * readdir_budget of them, then fails with EIO, as a dying disk would. */
static unsigned readdir_budget;

static struct dirent *readdir_eio(DIR *dir) {
        if (readdir_budget == 0) {
                errno = EIO;
                return NULL;
        }
        readdir_budget--;
        return readdir(dir);
}

/* A directory that fails half-way through is an error, not a shorter list
 * of tunnels (a reload would drop the others and their shields). */
static void test_load_readdir_error(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp();
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        int r;

        for (unsigned i = 0; i < 5; i++) {
                char rel[64], text[256];

                snprintf(rel, sizeof(rel), "tunnels.d/t%u.conf", i);
                snprintf(text, sizeof(text),
                         T1 "RemoteAddress=203.0.113.%u\n" T3 T4 "RemotePrefixes=198.51.100.%u/28\n", 10 + i,
                         128 + 16 * i);
                free(th_write_file(dir, rel, text, 0644));
        }
        /* Five tunnels, ".", ".." and an error after three entries. */
        readdir_budget = 3;
        conf_set_readdir_for_test(readdir_eio);
        r = conf_load(dir, &no_files, &d, &c);
        conf_set_readdir_for_test(NULL);
        assert_int_equal(r, 0);
        assert_diag(&d, DIAG_ERROR, "tunnels.d", 0, "cannot read directory: Input/output error");
        assert_int_equal(d.n_errors, 1);
        assert_true(c->n_tunnels < 5);

        /* The same tree, read whole, is fine. */
        diag_list_clear(&d);
        config_free(TAKE_PTR(c));
        assert_int_equal(conf_load(dir, &no_files, &d, &c), 0);
        assert_no_errors(&d);
        assert_int_equal(c->n_tunnels, 5);
        th_rmtree(dir);
}

/* No diagnostic ever carries the key, whatever is wrong with it. */
static void test_psk_never_in_diagnostics(void **state) {
        static const struct {
                const char *text;
                mode_t mode;
        } rows[] = {
                { "Sup3rS3cretKey-With-Dashes0123\n", 0600 },
                { "Sup3rS3cretKeyWithSpace 0123456\n", 0600 },
                { "Sup3rS3cretKeyShort\n", 0600 },
                { "Sup3rS3cretKeyGoodButReadable0123\n", 0644 },
                { "Sup3rS3cretKeyGoodButGroup012345\n", 0640 },
                { "Sup3rS3cretKey\x01" "Control0123456789\n", 0600 },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *dir = th_mkdtemp();
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;
                ConfOptions o = file_options();

                free(th_write_file(dir, "psk/a", rows[i].text, rows[i].mode));
                free(th_write_file(dir, "tunnels.d/a.conf", T1 T2 "PreSharedKeyFile=psk/a\n" T4 T5, 0644));
                assert_int_equal(conf_load(dir, &o, &d, &c), 0);
                assert_true(d.n_errors > 0);
                assert_diag(&d, DIAG_ERROR, "tunnels.d/a.conf", 3, "PreSharedKeyFile=");
                for (size_t j = 0; j < d.n; j++) {
                        _cleanup_free_ char *s = diag_format(&d.items[j]);

                        assert_null(strstr(s, "Sup3r"));
                        assert_null(strstr(s, "S3cret"));
                }
                th_rmtree(dir);
        }
}

/* The shipped examples are valid (secret files are checked by
 * tests/check-examples.sh, which makes them). */
static void test_examples(void **state) {
        _cleanup_free_ char *dir = NULL, *self = strdup(__FILE__);
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        const char *top = getenv("top_srcdir");
        char *want = NULL;

        if (top)
                assert_true(asprintf(&dir, "%s/conf/examples", top) > 0);
        else
                assert_true(asprintf(&dir, "%s/../../conf/examples", dirname(self)) > 0);
        assert_int_equal(conf_load(dir, &no_files, &d, &c), 0);
        assert_no_errors(&d);
        assert_int_equal(c->n_tunnels, 3);
        assert_string_equal(c->tunnels[0]->name, "azure-cert");
        assert_int_equal(c->tunnels[0]->auth, AUTH_CERTIFICATE);
        /* Relative paths are taken from the config dir. */
        assert_true(asprintf(&want, "%s/private/gateway.key", dir) > 0);
        assert_string_equal(c->tunnels[0]->private_key, want);
        free(want);
        assert_string_equal(c->tunnels[1]->name, "azure-forced");
        assert_true(prefix_is_default(&c->tunnels[1]->local_prefixes.items[0]));
        assert_string_equal(c->tunnels[2]->name, "azure-psk");
        assert_true(asprintf(&want, "%s/psk/azure-psk", dir) > 0);
        assert_string_equal(c->tunnels[2]->psk_file, want);
        free(want);
        assert_non_null(config_find_profile(c, "vnet-gcm128"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_error_rows),
                cmocka_unit_test(test_valid_rows),
                cmocka_unit_test(test_tunnel_values),
                cmocka_unit_test(test_relative_dir),
                cmocka_unit_test(test_gateway_values),
                cmocka_unit_test(test_profile_values),
                cmocka_unit_test(test_builtin_profiles),
                cmocka_unit_test(test_cross_tunnel),
                cmocka_unit_test(test_many_tunnels),
                cmocka_unit_test(test_caps),
                cmocka_unit_test(test_all_errors),
                cmocka_unit_test(test_exact_diagnostics),
                cmocka_unit_test(test_fail_closed),
                cmocka_unit_test(test_name_is_valid),
                cmocka_unit_test(test_memory_api_bad_name),
                cmocka_unit_test(test_load_tree),
                cmocka_unit_test(test_load_missing_pieces),
                cmocka_unit_test(test_load_errors),
                cmocka_unit_test(test_load_readdir_error),
                cmocka_unit_test(test_psk_never_in_diagnostics),
                cmocka_unit_test(test_examples),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
