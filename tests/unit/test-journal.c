/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "config-events.h"
#include "journal.h"
#include "testhelp.h"

#define SEC 1000000ULL

/* --- a sink that keeps what would have been sent --- */

#define MAX_ENTRIES 64
#define MAX_FIELDS 48

typedef struct Entry {
        int priority;
        char *fields[MAX_FIELDS];
        size_t n;
        char *line;
} Entry;

static Entry entries[MAX_ENTRIES];
static size_t n_entries;
static uint64_t fake_now;

static uint64_t fake_clock(void) {
        return fake_now;
}

static void capture(int priority, const struct iovec *iov, size_t n_iov, const char *line, void *userdata) {
        Entry *e;

        assert_true(n_entries < MAX_ENTRIES);
        assert_true(n_iov <= MAX_FIELDS);
        e = &entries[n_entries++];
        e->priority = priority;
        for (size_t i = 0; i < n_iov; i++) {
                e->fields[i] = strndup(iov[i].iov_base, iov[i].iov_len);
                assert_non_null(e->fields[i]);
        }
        e->n = n_iov;
        e->line = line ? strdup(line) : NULL;
}

static void entries_clear(void) {
        for (size_t i = 0; i < n_entries; i++) {
                for (size_t j = 0; j < entries[i].n; j++)
                        free(entries[i].fields[j]);
                free(entries[i].line);
        }
        n_entries = 0;
}

/* The value of field name in e, or NULL. A field must not appear twice. */
static const char *field(const Entry *e, const char *name) {
        size_t n = strlen(name);
        const char *v = NULL;

        for (size_t i = 0; i < e->n; i++)
                if (strncmp(e->fields[i], name, n) == 0 && e->fields[i][n] == '=') {
                        assert_null(v);
                        v = e->fields[i] + n + 1;
                }
        return v;
}

static size_t count_event(const char *event) {
        size_t k = 0;

        for (size_t i = 0; i < n_entries; i++)
                k += streq_ptr(field(&entries[i], "GATEWAYD_EVENT"), event);
        return k;
}

static int setup(void **state) {
        log_set_sink(capture, NULL);
        journal_set_clock(fake_clock);
        journal_reset();
        fake_now = 1000 * SEC;
        return 0;
}

static int teardown(void **state) {
        entries_clear();
        journal_reset();
        journal_set_clock(NULL);
        log_set_sink(NULL, NULL);
        return 0;
}

/* --- the table --- */

static void test_table(void **state) {
        /* The journal contract (journal.h, packaging/gatewayd.catalog):
         * each event's name, priority and rate limit, row by row. */
        static const struct {
                GatewaydEvent e;
                const char *name;
                int priority;
                bool ratelimited;
        } rows[] = {
                { EVENT_CONFIG_APPLIED, "config-applied", LOG_INFO, false },
                { EVENT_CONFIG_REJECTED, "config-rejected", LOG_ERR, false },
                { EVENT_TUNNEL_UP, "tunnel-up", LOG_NOTICE, true },
                { EVENT_TUNNEL_DOWN, "tunnel-down", LOG_WARNING, true },
                { EVENT_TUNNEL_REKEYED, "tunnel-rekeyed", LOG_INFO, true },
                { EVENT_SHIELD_ENGAGED, "shield-engaged", LOG_WARNING, true },
                { EVENT_SHIELD_RELEASED, "shield-released", LOG_INFO, true },
                { EVENT_SHIELD_RESTORED, "shield-restored", LOG_WARNING, true },
                { EVENT_SHIELD_BYPASSED, "shield-bypassed", LOG_ERR, true },
                { EVENT_IKE_DAEMON_LOST, "ike-daemon-lost", LOG_ERR, false },
                { EVENT_IKE_DAEMON_CONNECTED, "ike-daemon-connected", LOG_INFO, false },
                { EVENT_CERTIFICATE_EXPIRING, "certificate-expiring", LOG_WARNING, false },
                { EVENT_CERTIFICATE_EXPIRED, "certificate-expired", LOG_ERR, false },
                { EVENT_WEAK_ALGORITHM, "weak-algorithm", LOG_WARNING, false },
                { EVENT_BGP_UP, "bgp-up", LOG_NOTICE, true },
                { EVENT_BGP_DOWN, "bgp-down", LOG_WARNING, true },
        };

        assert_int_equal(ELEMENTSOF(rows), _GATEWAYD_EVENT_MAX);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                const char *id = gatewayd_event_message_id(rows[i].e);

                assert_string_equal(gatewayd_event_to_string(rows[i].e), rows[i].name);
                assert_int_equal(gatewayd_event_from_string(rows[i].name), rows[i].e);
                assert_int_equal(gatewayd_event_priority(rows[i].e), rows[i].priority);
                assert_int_equal(gatewayd_event_ratelimited(rows[i].e), rows[i].ratelimited);
                /* A 128-bit id as journald wants it: 32 lower-case hex digits;
                 * made by systemd-id128 new, so version 4 (random). */
                assert_non_null(id);
                assert_int_equal(strlen(id), 32);
                assert_int_equal(strspn(id, "0123456789abcdef"), 32);
                assert_int_equal(id[12], '4');
                for (size_t j = 0; j < i; j++) {
                        assert_string_not_equal(id, gatewayd_event_message_id(rows[j].e));
                        assert_string_not_equal(rows[i].name, rows[j].name);
                }
        }
        assert_null(gatewayd_event_to_string(_GATEWAYD_EVENT_MAX));
        assert_null(gatewayd_event_to_string(_GATEWAYD_EVENT_INVALID));
        assert_null(gatewayd_event_message_id(_GATEWAYD_EVENT_MAX));
        assert_int_equal(gatewayd_event_priority(_GATEWAYD_EVENT_MAX), -EINVAL);
        assert_int_equal(gatewayd_event_from_string("tunnel_up"), _GATEWAYD_EVENT_INVALID);
        assert_int_equal(gatewayd_event_from_string(NULL), _GATEWAYD_EVENT_INVALID);
        assert_int_equal(log_event(_GATEWAYD_EVENT_MAX, NULL, NULL, NULL, "x"), -EINVAL);
        assert_int_equal(n_entries, 0);
}

/* --- one entry --- */

static void test_event_fields(void **state) {
        const Entry *e;

        assert_int_equal(log_event(EVENT_TUNNEL_UP, "azure", "192.0.2.2", NULL, "tunnel '%s' is up", "azure"), 1);
        assert_int_equal(n_entries, 1);
        e = &entries[0];
        assert_int_equal(e->priority, LOG_NOTICE);
        assert_string_equal(e->fields[0], "MESSAGE=tunnel 'azure' is up");
        assert_string_equal(field(e, "PRIORITY"), "5");
        assert_string_equal(field(e, "SYSLOG_IDENTIFIER"), "gatewayd");
        assert_string_equal(field(e, "MESSAGE_ID"), gatewayd_event_message_id(EVENT_TUNNEL_UP));
        assert_string_equal(field(e, "GATEWAYD_EVENT"), "tunnel-up");
        assert_string_equal(field(e, "GATEWAYD_TUNNEL"), "azure");
        assert_string_equal(field(e, "GATEWAYD_PEER"), "192.0.2.2");
        assert_null(field(e, "GATEWAYD_REASON"));
        assert_null(field(e, "GATEWAYD_SUPPRESSED"));
        assert_null(field(e, "ERRNO"));
        /* Without a journal: the event and the tunnel on the line. */
        assert_string_equal(e->line, "gatewayd: tunnel 'azure' is up [event=tunnel-up tunnel=azure]");

        assert_int_equal(log_event(EVENT_IKE_DAEMON_CONNECTED, NULL, NULL, NULL, "Connected"), 1);
        e = &entries[1];
        assert_null(field(e, "GATEWAYD_TUNNEL"));
        assert_null(field(e, "GATEWAYD_PEER"));
        assert_string_equal(e->line, "gatewayd: Connected [event=ike-daemon-connected]");
}

/* Data is never a format, and never starts a line of its own on stderr. */
static void test_data_is_data(void **state) {
        const Entry *e;

        assert_int_equal(log_event(EVENT_TUNNEL_DOWN, "t%s%n", "%x", "bad\nline %s", "tunnel '%s': %s", "t%s%n",
                                   "x\ngatewayd: fake"),
                         1);
        e = &entries[0];
        assert_string_equal(field(e, "GATEWAYD_TUNNEL"), "t%s%n");
        assert_string_equal(field(e, "GATEWAYD_PEER"), "%x");
        assert_string_equal(field(e, "GATEWAYD_REASON"), "bad\nline %s");
        /* The journal takes any byte; the stderr line escapes control ones. */
        assert_string_equal(field(e, "MESSAGE"), "tunnel 't%s%n': x\ngatewayd: fake");
        assert_string_equal(e->line, "gatewayd: tunnel 't%s%n': x\\x0agatewayd: fake [event=tunnel-down tunnel=t%s%n]");
        assert_null(strchr(e->line, '\n'));
}

static void test_extra_fields(void **state) {
        const char *const good[] = { "GATEWAYD_IKE_PROPOSAL=aes256gcm16-prfsha384-ecp384",
                                     "GATEWAYD_ESP_PROPOSAL=aes256gcm16-ecp384", "IKE_SA_UNIQUE_ID=7", NULL };
        const char *const bad[] = { "GATEWAYD_OK=1", "lower=1", "_SYSTEMD_UNIT=x.service", "1X=1", "NOEQUALS",
                                    "=empty", "MESSAGE=forged", "GATEWAYD_EVENT=tunnel-up", "PRIORITY=0",
                                    "MESSAGE_ID=00000000000000000000000000000000",
                                    "A234567890123456789012345678901234567890123456789012345678901234X=long", NULL };
        const Entry *e;

        assert_int_equal(log_event_fields(EVENT_TUNNEL_UP, "azure", NULL, NULL, good, "up"), 1);
        e = &entries[0];
        assert_string_equal(field(e, "GATEWAYD_IKE_PROPOSAL"), "aes256gcm16-prfsha384-ecp384");
        assert_string_equal(field(e, "GATEWAYD_ESP_PROPOSAL"), "aes256gcm16-ecp384");
        assert_string_equal(field(e, "IKE_SA_UNIQUE_ID"), "7");

        /* Invalid ones are left out; the entry still goes out. */
        assert_int_equal(log_event_fields(EVENT_CONFIG_REJECTED, NULL, NULL, NULL, bad, "bad"), -EINVAL);
        assert_int_equal(n_entries, 2);
        e = &entries[1];
        assert_string_equal(field(e, "GATEWAYD_OK"), "1");
        assert_string_equal(field(e, "MESSAGE"), "bad");                   /* not forged */
        assert_string_equal(field(e, "GATEWAYD_EVENT"), "config-rejected"); /* not overridden */
        assert_string_equal(field(e, "PRIORITY"), "3");
        assert_string_equal(field(e, "MESSAGE_ID"), gatewayd_event_message_id(EVENT_CONFIG_REJECTED));
        assert_null(field(e, "lower"));
        assert_null(field(e, "_SYSTEMD_UNIT"));
        assert_int_equal(e->n, 3 + 2 + 1);

        assert_true(journal_field_valid("CONFIG_FILE=/etc/gatewayd/tunnels.d/a.conf"));
        assert_true(journal_field_valid("X="));
        assert_false(journal_field_valid(NULL));
        assert_false(journal_field_valid("GATEWAYD_REASON=x"));
}

static void test_errno(void **state) {
        const Entry *e;

        errno = EPERM;
        assert_int_equal(log_event_errno(EVENT_IKE_DAEMON_LOST, -ECONNRESET, NULL, NULL, NULL,
                                         "Lost the connection to charon (%s): %m; reconnecting", "unix:///x"),
                         -ECONNRESET);
        assert_int_equal(errno, EPERM);
        e = &entries[0];
        assert_int_equal(e->priority, LOG_ERR);
        assert_string_equal(field(e, "ERRNO"), "104");
        assert_string_equal(field(e, "MESSAGE"),
                            "Lost the connection to charon (unix:///x): Connection reset by peer; reconnecting");
        assert_int_equal(log_event_errno(EVENT_IKE_DAEMON_LOST, EPIPE, NULL, NULL, NULL, "%m"), -EPIPE);
        assert_string_equal(field(&entries[1], "ERRNO"), "32");
}

/* --- rate limiting --- */

static void test_ratelimit(void **state) {
        const Entry *e;
        unsigned sent = 0;

        /* A peer fails 25 times within the window: 10 entries. */
        for (unsigned i = 0; i < 25; i++) {
                int r = log_event(EVENT_TUNNEL_DOWN, "a", NULL, "AUTHENTICATION_FAILED", "tunnel 'a': failed");

                assert_true(r == 0 || r == 1);
                sent += r;
                fake_now += SEC / 2;
        }
        assert_int_equal(sent, EVENT_RATELIMIT_BURST);
        assert_int_equal(count_event("tunnel-down"), EVENT_RATELIMIT_BURST);
        /* Another tunnel, and another event of the same tunnel, have their own budgets. */
        assert_int_equal(log_event(EVENT_TUNNEL_DOWN, "b", NULL, NULL, "b down"), 1);
        assert_int_equal(log_event(EVENT_TUNNEL_UP, "a", NULL, NULL, "a up"), 1);
        /* Events a peer cannot repeat are never held back. */
        for (unsigned i = 0; i < 30; i++)
                assert_int_equal(log_event(EVENT_CONFIG_REJECTED, "a", NULL, NULL, "rejected %u", i), 1);
        assert_int_equal(count_event("config-rejected"), 30);

        /* The window (30 s from the first entry) ends: the next entry says
         * how many were held back, in a field and in the message. */
        fake_now = 1000 * SEC + EVENT_RATELIMIT_INTERVAL_USEC;
        assert_int_equal(log_event(EVENT_TUNNEL_DOWN, "a", NULL, "AUTHENTICATION_FAILED", "tunnel 'a': failed"), 1);
        e = &entries[n_entries - 1];
        assert_string_equal(field(e, "GATEWAYD_SUPPRESSED"), "15");
        assert_string_equal(field(e, "MESSAGE"), "tunnel 'a': failed (15 earlier similar entries suppressed)");
        assert_string_equal(field(e, "GATEWAYD_REASON"), "AUTHENTICATION_FAILED");
        assert_non_null(strstr(e->line, "(15 earlier similar entries suppressed) [event=tunnel-down tunnel=a]"));
        /* Said once. */
        assert_int_equal(log_event(EVENT_TUNNEL_DOWN, "a", NULL, NULL, "again"), 1);
        assert_null(field(&entries[n_entries - 1], "GATEWAYD_SUPPRESSED"));
}

/* --- config diagnostics --- */

static void test_config_file_path(void **state) {
        static const struct {
                const char *dir, *display, *expected; /* "@" = the working directory */
        } rows[] = {
                { "/etc/gatewayd", "tunnels.d/a.conf", "/etc/gatewayd/tunnels.d/a.conf" },
                { "/etc/gatewayd/", "gatewayd.conf", "/etc/gatewayd/gatewayd.conf" },
                { "/etc/gatewayd//", "profiles.d/p.conf", "/etc/gatewayd/profiles.d/p.conf" },
                { "/", "gatewayd.conf", "/gatewayd.conf" },
                { "/etc/gatewayd", "/srv/psk/a", "/srv/psk/a" },
                { "etc", "tunnels.d/a.conf", "@/etc/tunnels.d/a.conf" },
                { "./etc/", "tunnels.d/a.conf", "@/etc/tunnels.d/a.conf" },
                { ".", "gatewayd.conf", "@/gatewayd.conf" },
                { NULL, "gatewayd.conf", "@/gatewayd.conf" },
                { "/etc/gatewayd", "<built-in>/fips-cbc.conf", NULL },
                { "/etc/gatewayd", NULL, NULL },
        };
        _cleanup_free_ char *cwd = getcwd(NULL, 0);

        assert_non_null(cwd);
        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *p = config_file_path(rows[i].dir, rows[i].display), *want = NULL;

                if (rows[i].expected && rows[i].expected[0] == '@')
                        assert_true(asprintf(&want, "%s%s", cwd, rows[i].expected + 1) > 0);
                if (!rows[i].expected) {
                        assert_null(p);
                        continue;
                }
                assert_non_null(p);
                assert_string_equal(p, want ? want : rows[i].expected);
        }
}

static void test_config_file_tunnel(void **state) {
        static const struct {
                const char *display, *tunnel;
        } rows[] = {
                { "tunnels.d/azure-weu.conf", "azure-weu" },
                { "tunnels.d/a.conf", "a" },
                { "tunnels.d/.conf", NULL },
                { "tunnels.d/a/b.conf", NULL },
                { "tunnels.d/a.conf.bak", NULL },
                { "profiles.d/a.conf", NULL },
                { "gatewayd.conf", NULL },
                { NULL, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_free_ char *t = config_file_tunnel(rows[i].display);

                if (rows[i].tunnel)
                        assert_string_equal(t, rows[i].tunnel);
                else
                        assert_null(t);
        }
}

static void test_config_diagnostics(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        const Entry *e;

        assert_int_equal(diag_error(&d, "tunnels.d/azure.conf", 3, "unknown key 'Bogus'; remove it"), 0);
        assert_int_equal(diag_error(&d, "tunnels.d/azure.conf", 5, "RemoteAddress=x is not an address"), 0);
        assert_int_equal(diag_error(&d, "gatewayd.conf", 0, "cannot be read"), 0);
        assert_int_equal(diag_error(&d, NULL, 0, "no tunnels.d"), 0);
        assert_int_equal(diag_error(&d, "<built-in>/azure-default-legacy.conf", 4, "DhGroup=DHGroup2 is legacy"), 0);
        assert_int_equal(diag_warning(&d, "profiles.d/weu.conf", 7, "IkeEncryption=DES3 is legacy"), 0);
        assert_int_equal(diag_note(&d, "tunnels.d/azure.conf", 4, "tunnel 'azure' uses profile 'x'"), 0);
        log_config_diagnostics("/etc/gatewayd", &d);

        assert_int_equal(n_entries, d.n);
        assert_int_equal(count_event("config-rejected"), d.n_errors);

        e = &entries[0];
        assert_int_equal(e->priority, LOG_ERR);
        assert_string_equal(field(e, "MESSAGE"), "tunnels.d/azure.conf:3: error: unknown key 'Bogus'; remove it");
        assert_string_equal(field(e, "MESSAGE_ID"), gatewayd_event_message_id(EVENT_CONFIG_REJECTED));
        assert_string_equal(field(e, "CONFIG_FILE"), "/etc/gatewayd/tunnels.d/azure.conf");
        assert_string_equal(field(e, "CONFIG_LINE"), "3");
        assert_string_equal(field(e, "GATEWAYD_TUNNEL"), "azure");
        assert_string_equal(field(e, "GATEWAYD_REASON"), "unknown key 'Bogus'; remove it");
        assert_string_equal(e->line, "gatewayd: tunnels.d/azure.conf:3: error: unknown key 'Bogus'; remove it "
                                     "[event=config-rejected tunnel=azure]");
        assert_string_equal(field(&entries[1], "CONFIG_LINE"), "5");

        e = &entries[2]; /* the file as a whole: no line */
        assert_string_equal(field(e, "CONFIG_FILE"), "/etc/gatewayd/gatewayd.conf");
        assert_null(field(e, "CONFIG_LINE"));
        assert_null(field(e, "GATEWAYD_TUNNEL"));

        e = &entries[3]; /* no file */
        assert_string_equal(field(e, "GATEWAYD_EVENT"), "config-rejected");
        assert_null(field(e, "CONFIG_FILE"));
        assert_null(field(e, "CONFIG_LINE"));

        e = &entries[4]; /* a built-in profile has no file */
        assert_string_equal(field(e, "GATEWAYD_EVENT"), "config-rejected");
        assert_null(field(e, "CONFIG_FILE"));
        assert_null(field(e, "CONFIG_LINE"));

        e = &entries[5]; /* a warning: not an event */
        assert_int_equal(e->priority, LOG_WARNING);
        assert_null(field(e, "MESSAGE_ID"));
        assert_null(field(e, "GATEWAYD_EVENT"));
        assert_string_equal(field(e, "CONFIG_FILE"), "/etc/gatewayd/profiles.d/weu.conf");
        assert_string_equal(field(e, "CONFIG_LINE"), "7");

        e = &entries[6];
        assert_int_equal(e->priority, LOG_NOTICE);
        assert_null(field(e, "MESSAGE_ID"));
        assert_string_equal(field(e, "GATEWAYD_TUNNEL"), "azure");
        assert_string_equal(field(e, "CONFIG_LINE"), "4");
}

/* Runs log_config_diagnostics(dir, d) with no sink and stderr in a file (no
 * journal: JOURNAL_STREAM is not ours). Returns the number of lines; *ret_last
 * gets the last one. */
static size_t diagnostics_to_stderr(const char *dir, const DiagList *d, char **ret_last) {
        _cleanup_free_ char *tmp = th_mkdtemp(), *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int saved = dup(STDERR_FILENO), fd;
        char line[512];
        size_t n = 0;

        assert_true(asprintf(&path, "%s/stderr", tmp) > 0);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0 && saved >= 0);
        assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
        close(fd);
        log_set_sink(NULL, NULL);
        log_config_diagnostics(dir, d);
        log_set_sink(capture, NULL);
        fflush(stderr);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        f = fopen(path, "re");
        assert_non_null(f);
        *ret_last = NULL;
        while (fgets(line, sizeof(line), f)) {
                n++;
                free(*ret_last);
                *ret_last = strdup(line);
        }
        th_rmtree(tmp);
        return n;
}

static void test_config_diagnostics_dropped(void **state) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_free_ char *last = NULL;

        for (unsigned i = 0; i < DIAG_MAX + 3; i++)
                assert_int_equal(diag_error(&d, "tunnels.d/a.conf", i + 1, "e"), 0);
        /* One entry per diagnostic kept, and one for those the list dropped. */
        assert_int_equal(diagnostics_to_stderr("/etc/gatewayd", &d, &last), DIAG_MAX + 1);
        assert_string_equal(last, "gatewayd: error: 3 further diagnostics suppressed [event=config-rejected]\n");
}

static void test_config_applied(void **state) {
        const Entry *e;

        assert_int_equal(log_config_applied("/etc/gatewayd", 1, 2, 3, 4, "Configuration applied: %d", 42), 1);
        e = &entries[0];
        assert_int_equal(e->priority, LOG_INFO);
        assert_string_equal(field(e, "MESSAGE"), "Configuration applied: 42");
        assert_string_equal(field(e, "GATEWAYD_EVENT"), "config-applied");
        assert_string_equal(field(e, "GATEWAYD_ADDED"), "1");
        assert_string_equal(field(e, "GATEWAYD_CHANGED"), "2");
        assert_string_equal(field(e, "GATEWAYD_REMOVED"), "3");
        assert_string_equal(field(e, "GATEWAYD_UNCHANGED"), "4");
        assert_string_equal(field(e, "GATEWAYD_CONFIG_DIR"), "/etc/gatewayd");
}

static Config *legacy_config(void) {
        static const char gw[] = "[Gateway]\nFipsMode=no\n";
        static const char legacy[] = "[Tunnel]\nRemoteAddress=203.0.113.1\nProfile=azure-default-legacy\n"
                                     "PreSharedKeyFile=/nonexistent/psk\nLocalPrefixes=198.51.100.0/25\n"
                                     "RemotePrefixes=198.51.100.128/26\n";
        static const char modern[] = "[Tunnel]\nRemoteAddress=203.0.113.2\nPreSharedKeyFile=/nonexistent/psk\n"
                                     "LocalPrefixes=198.51.100.0/25\nRemotePrefixes=198.51.100.192/26\n";
        static const char off[] = "[Tunnel]\nRemoteAddress=203.0.113.3\nProfile=azure-default-legacy\n"
                                  "PreSharedKeyFile=/nonexistent/psk\nLocalPrefixes=198.51.100.0/25\n"
                                  "RemotePrefixes=203.0.113.64/26\nEnabled=no\n";
        const ConfOptions o = { .secret_owner = getuid(), .check_files = false };
        _cleanup_(diag_list_clear) DiagList d = {};
        Config *c = config_new("/etc/gatewayd");

        assert_non_null(c);
        assert_int_equal(conf_parse_gateway(c, "gatewayd.conf", gw, strlen(gw), &d), 0);
        assert_int_equal(conf_parse_tunnel(c, "legacy", "tunnels.d/legacy.conf", legacy, strlen(legacy), &d), 0);
        assert_int_equal(conf_parse_tunnel(c, "modern", "tunnels.d/modern.conf", modern, strlen(modern), &d), 0);
        assert_int_equal(conf_parse_tunnel(c, "off", "tunnels.d/off.conf", off, strlen(off), &d), 0);
        assert_int_equal(conf_finish(c, &o, &d), 0);
        assert_no_errors(&d);
        return c;
}

static void test_weak_algorithms(void **state) {
        _cleanup_(config_freep) Config *c = legacy_config();
        const Tunnel *legacy = config_find_tunnel(c, "legacy");
        TunnelDiffEntry de[] = {
                { .name = "modern", .change = TUNNEL_ADDED, .new = config_find_tunnel(c, "modern") },
                { .name = "legacy", .change = TUNNEL_UNCHANGED, .old = legacy, .new = legacy },
        };
        TunnelDiff diff = { .entries = de, .n = ELEMENTSOF(de) };
        size_t n;

        /* Start: every enabled tunnel with a legacy value. Azure's default
         * offer uses DH group 2 for IKE; its PfsGroup follows. */
        log_weak_algorithms(c, NULL);
        n = n_entries;
        assert_true(n >= 1);
        for (size_t i = 0; i < n; i++) {
                const Entry *e = &entries[i];

                assert_int_equal(e->priority, LOG_WARNING);
                assert_string_equal(field(e, "GATEWAYD_EVENT"), "weak-algorithm");
                assert_string_equal(field(e, "MESSAGE_ID"), gatewayd_event_message_id(EVENT_WEAK_ALGORITHM));
                assert_string_equal(field(e, "GATEWAYD_TUNNEL"), "legacy");
                assert_string_equal(field(e, "GATEWAYD_PEER"), "203.0.113.1");
                assert_string_equal(field(e, "GATEWAYD_PROFILE"), "azure-default-legacy");
                assert_non_null(field(e, "GATEWAYD_REASON"));
                assert_non_null(field(e, "GATEWAYD_ALGORITHM"));
        }
        {
                bool dh = false;

                for (size_t i = 0; i < n; i++)
                        dh = dh || streq(field(&entries[i], "GATEWAYD_ALGORITHM"), "DhGroup=DHGroup2");
                assert_true(dh);
        }
        /* Reload: only what the diff adds or changes (modern: nothing). */
        entries_clear();
        log_weak_algorithms(c, &diff);
        assert_int_equal(n_entries, 0);
        de[1].change = TUNNEL_CHANGED;
        log_weak_algorithms(c, &diff);
        assert_int_equal(n_entries, n);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_table, setup, teardown),
                cmocka_unit_test_setup_teardown(test_event_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_data_is_data, setup, teardown),
                cmocka_unit_test_setup_teardown(test_extra_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_errno, setup, teardown),
                cmocka_unit_test_setup_teardown(test_ratelimit, setup, teardown),
                cmocka_unit_test_setup_teardown(test_config_file_path, setup, teardown),
                cmocka_unit_test_setup_teardown(test_config_file_tunnel, setup, teardown),
                cmocka_unit_test_setup_teardown(test_config_diagnostics, setup, teardown),
                cmocka_unit_test_setup_teardown(test_config_diagnostics_dropped, setup, teardown),
                cmocka_unit_test_setup_teardown(test_config_applied, setup, teardown),
                cmocka_unit_test_setup_teardown(test_weak_algorithms, setup, teardown),
        };
        /* Entries go to the sink or to stderr, never to a journal of the
         * environment's. */
        unsetenv("JOURNAL_STREAM");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
