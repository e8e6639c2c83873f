/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tunnels.d parse cache (conf/cache.h): a hit gives what a parse gives,
 * and the cache never serves a stale tunnel. Each staleness test states
 * the condition it needs (the same inode, size and second...) and retries
 * when the machine did not produce it (a second boundary fell between two
 * writes), so that what it proves is the key and the settle rule, not luck. */
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include "conf-internal.h"
#include "testhelp.h"

#define GOOD_PSK "AbCdEfGhIjKlMnOpQrStUvWxYz012345"
#define OTHER_PSK "ZyXwVuTsRqPoNmLkJiHgFeDcBa543210"

#define TA "[Tunnel]\nRemoteAddress=203.0.113.10\nPreSharedKeyFile=psk/a\nLocalPrefixes=198.51.100.0/26\n"
/* The same size as TA: a different digit in RemotePrefixes= does it. */
#define TA_R1 TA "RemotePrefixes=198.51.100.128/26\n"
#define TA_R2 TA "RemotePrefixes=198.51.100.192/26\n"

/* ---- seams ------------------------------------------------------------ */

/* A load that "begins" 10 s from now: files written by the test are old
 * enough for the settle rule without sleeping. */
static void clock_ahead(struct timespec *ret) {
        assert_int_equal(clock_gettime(CLOCK_REALTIME, ret), 0);
        ret->tv_sec += 10;
}

static int setup(void **state) {
        conf_cache_set_coarse_for_test(false);
        conf_cache_set_clock_for_test(NULL);
        return 0;
}

/* ---- helpers ---------------------------------------------------------- */

/* The secret-file cache the loads use (filecache.h); NULL: none. */
static FileCache *load_files;

static int load(const char *dir, ConfCache *cache, DiagList *d, Config **ret) {
        const ConfOptions o = { .secret_owner = getuid(), .check_files = true, .cache = cache, .files = load_files };

        return conf_load(dir, &o, d, ret);
}

/* Loads dir with cache into a fresh DiagList (freed) and config (returned);
 * asserts how many files were parsed and taken from the cache. */
static Config *load_counted(const char *dir, ConfCache *cache, size_t want_parsed, size_t want_hits) {
        _cleanup_(diag_list_clear) DiagList d = {};
        Config *c = NULL;
        size_t hits, parsed;

        assert_int_equal(load(dir, cache, &d, &c), 0);
        assert_non_null(c);
        conf_cache_counts(cache, &hits, &parsed);
        assert_int_equal(parsed, want_parsed);
        assert_int_equal(hits, want_hits);
        return c;
}

/* Rewrites dir/rel in place (same inode), as an editor that truncates
 * does. */
static void rewrite_in_place(const char *dir, const char *rel, const char *text) {
        _cleanup_free_ char *p = NULL;
        size_t n = strlen(text);
        int fd;

        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, n), (ssize_t) n);
        close(fd);
}

static struct stat stat_of(const char *dir, const char *rel) {
        _cleanup_free_ char *p = NULL;
        struct stat st;

        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        assert_int_equal(stat(p, &st), 0);
        return st;
}

/* Sets the atime and mtime of dir/rel to sec (ctime is the kernel's). */
static void set_mtime(const char *dir, const char *rel, time_t sec) {
        _cleanup_free_ char *p = NULL;
        const struct timespec ts[2] = { { .tv_sec = sec }, { .tv_sec = sec } };

        assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
        assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void assert_prefixes_equal(const PrefixList *a, const PrefixList *b) {
        assert_int_equal(a->n, b->n);
        if (a->n > 0)
                assert_memory_equal(a->items, b->items, a->n * sizeof(Prefix));
}

static void assert_str_equal_ptr(const char *a, const char *b) {
        if (!a || !b)
                assert_ptr_equal(a, b);
        else
                assert_string_equal(a, b);
}

/* Every field of Tunnel (model.h); a profile by its name. */
static void assert_tunnel_equal(const Tunnel *a, const Tunnel *b) {
        assert_string_equal(a->name, b->name);
        assert_string_equal(a->path, b->path);
        assert_int_equal(a->section_line, b->section_line);
        assert_memory_equal(a->line, b->line, sizeof(a->line));
        assert_memory_equal(&a->remote_address, &b->remote_address, sizeof(Address));
        assert_int_equal(a->has_local_address, b->has_local_address);
        assert_memory_equal(&a->local_address, &b->local_address, sizeof(Address));
        assert_str_equal_ptr(a->local_id, b->local_id);
        assert_str_equal_ptr(a->remote_id, b->remote_id);
        assert_str_equal_ptr(a->profile_name, b->profile_name);
        if (!a->profile || !b->profile)
                assert_ptr_equal(a->profile, b->profile);
        else
                assert_string_equal(a->profile->name, b->profile->name);
        assert_int_equal(a->auth, b->auth);
        assert_str_equal_ptr(a->psk_file, b->psk_file);
        assert_str_equal_ptr(a->certificate, b->certificate);
        assert_str_equal_ptr(a->private_key, b->private_key);
        assert_str_equal_ptr(a->ca_certificate, b->ca_certificate);
        assert_prefixes_equal(&a->local_prefixes, &b->local_prefixes);
        assert_prefixes_equal(&a->remote_prefixes, &b->remote_prefixes);
        assert_int_equal(a->fail_closed, b->fail_closed);
        assert_int_equal(a->tcp_mss_clamp, b->tcp_mss_clamp);
        assert_int_equal(a->dpd_timeout_sec, b->dpd_timeout_sec);
        assert_int_equal(a->connection_mode, b->connection_mode);
        assert_int_equal(a->enabled, b->enabled);
        assert_int_equal(a->mode, b->mode);
        assert_int_equal(a->has_bgp, b->has_bgp);
        assert_memory_equal(&a->bgp_peer_address, &b->bgp_peer_address, sizeof(Address));
        assert_int_equal(a->bgp_peer_asn, b->bgp_peer_asn);
        assert_memory_equal(&a->bgp_local_address, &b->bgp_local_address, sizeof(Address));
        assert_str_equal_ptr(a->broken, b->broken);
        assert_int_equal(a->stub, b->stub);
        assert_int_equal(a->keep, b->keep);
        assert_int_equal(a->cred_not_before, b->cred_not_before);
        assert_int_equal(a->cred_not_after, b->cred_not_after);
}

static void assert_diags_equal(const DiagList *a, const DiagList *b) {
        assert_int_equal(a->n, b->n);
        assert_int_equal(a->n_errors, b->n_errors);
        assert_int_equal(a->n_warnings, b->n_warnings);
        for (size_t i = 0; i < a->n; i++) {
                _cleanup_free_ char *x = diag_format(&a->items[i]), *y = diag_format(&b->items[i]);

                assert_non_null(x);
                assert_non_null(y);
                assert_string_equal(x, y);
        }
}

/* The remote prefix of tunnel name in c, as text. */
static const char *remote_prefix(const Config *c, const char *name, char buf[static PREFIX_STRLEN]) {
        const Tunnel *t = config_find_tunnel(c, name);

        assert_non_null(t);
        assert_int_equal(t->remote_prefixes.n, 1);
        return prefix_to_string(&t->remote_prefixes.items[0], buf);
}

/* Loads dir: a.conf is parsed again (no hit) and its new value is served. */
static void assert_parsed_anew(const char *dir, ConfCache *cache, Config **c) {
        _cleanup_(diag_list_clear) DiagList d = {};
        char buf[PREFIX_STRLEN];
        size_t hits, parsed;

        config_free(*c);
        *c = NULL;
        assert_int_equal(load(dir, cache, &d, c), 0);
        assert_string_equal(remote_prefix(*c, "a", buf), "198.51.100.192/26");
        conf_cache_counts(cache, &hits, &parsed);
        assert_int_equal(parsed, 1);
        assert_int_equal(hits, 0);
}


/* A tree of five tunnels: plain, every optional key, a profile of its own,
 * route mode with BGP, and one with an error. */
static void write_tree(const char *dir) {
        free(th_write_file(dir, "gatewayd.conf", "[Gateway]\nBgpAsn=65010\n", 0644));
        free(th_write_file(dir, "profiles.d/mine.conf",
                           "[Profile]\nIkeEncryption=GCMAES256\nIkeIntegrity=SHA384\nDhGroup=ECP384\n"
                           "IpsecEncryption=GCMAES256\nIpsecIntegrity=GCMAES256\nPfsGroup=ECP384\n",
                           0644));
        free(th_write_file(dir, "tunnels.d/a.conf", TA_R1, 0644));
        free(th_write_file(dir, "tunnels.d/b.conf",
                           "[Tunnel]\nRemoteAddress=2001:db8::10\nLocalAddress=2001:db8:1::1\nLocalId=gw.example\n"
                           "RemoteId=azure.example\nPreSharedKeyFile=psk/b\nLocalPrefixes=2001:db8:2::/64\n"
                           "RemotePrefixes=2001:db8:3::/64,2001:db8:4::/64\nFailClosed=no\nTcpMssClamp=1300\n"
                           "DpdTimeoutSeconds=30\nConnectionMode=ResponderOnly\nEnabled=no\n",
                           0644));
        free(th_write_file(dir, "tunnels.d/c.conf",
                           "[Tunnel]\nRemoteAddress=203.0.113.30\nPreSharedKeyFile=psk/a\nLocalPrefixes=198.51.100.64/27\n"
                           "RemotePrefixes=198.51.100.96/27\nProfile=mine\n",
                           0644));
        free(th_write_file(dir, "tunnels.d/r.conf",
                           "[Tunnel]\nRemoteAddress=203.0.113.40\nPreSharedKeyFile=psk/a\nLocalPrefixes=198.51.100.0/26\n"
                           "RemotePrefixes=203.0.113.160/28\nMode=route\n"
                           "BgpPeerAddress=169.254.21.1\nBgpPeerAsn=65515\nBgpLocalAddress=169.254.21.2\n",
                           0644));
        /* An error (host bits below the length) and a second one. */
        free(th_write_file(dir, "tunnels.d/e.conf",
                           "[Tunnel]\nRemoteAddress=203.0.113.50\nPreSharedKeyFile=psk/a\nLocalPrefixes=198.51.100.1/26\n"
                           "RemotePrefixes=203.0.113.128/28\nTcpMssClamp=9\n",
                           0644));
        free(th_write_file(dir, "psk/a", GOOD_PSK "\n", 0600));
        free(th_write_file(dir, "psk/b", GOOD_PSK "\n", 0600));
}

/* ---- tests ------------------------------------------------------------ */

static void test_tunnel_dup(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp();
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;

        write_tree(dir);
        assert_int_equal(load(dir, NULL, &d, &c), 0);
        assert_int_equal(c->n_tunnels, 5);
        for (size_t i = 0; i < c->n_tunnels; i++) {
                _cleanup_(tunnel_freep) Tunnel *t = NULL;

                c->tunnels[i]->broken = strdup("x");
                c->tunnels[i]->cred_not_after = 7;
                t = tunnel_dup(c->tunnels[i]);
                assert_non_null(t);
                /* Owned, not shared, and no profile of another config. */
                assert_ptr_not_equal(t->name, c->tunnels[i]->name);
                assert_null(t->profile);
                t->profile = c->tunnels[i]->profile;
                assert_tunnel_equal(t, c->tunnels[i]);
        }
        th_rmtree(dir);
}

/* A hit is what a parse is: the same model and the same diagnostics, and no
 * file of tunnels.d read again. */
static void test_hit_same_model(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp();
        _cleanup_(conf_cache_freep) ConfCache *cache = conf_cache_new();

        assert_non_null(cache);
        conf_cache_set_clock_for_test(clock_ahead);
        write_tree(dir);
        for (unsigned round = 0; round < 3; round++) {
                _cleanup_(diag_list_clear) DiagList d = {}, fd = {};
                _cleanup_(config_freep) Config *c = NULL, *fresh = NULL;
                bool fatal = false, ffatal = false;
                size_t hits, parsed;

                assert_int_equal(load(dir, cache, &d, &c), 0);
                conf_cache_counts(cache, &hits, &parsed);
                assert_int_equal(parsed, round == 0 ? 5 : 0);
                assert_int_equal(hits, round == 0 ? 0 : 5);
                assert_int_equal(load(dir, NULL, &fd, &fresh), 0);
                assert_int_equal(conf_isolate(c, &d, &fatal), 0);
                assert_int_equal(conf_isolate(fresh, &fd, &ffatal), 0);

                assert_int_equal(c->n_tunnels, fresh->n_tunnels);
                for (size_t i = 0; i < c->n_tunnels; i++)
                        assert_tunnel_equal(c->tunnels[i], fresh->tunnels[i]);
                assert_diags_equal(&d, &fd);
                assert_int_equal(fatal, ffatal);
                /* The error file's two errors, and it stays broken. */
                if (d.n_errors != 2)
                        diag_print(&d, stderr);
                assert_int_equal(d.n_errors, 2);
                assert_diag(&d, DIAG_ERROR, "tunnels.d/e.conf", 4, "198.51.100.1/26");
                assert_non_null(config_find_tunnel(c, "e")->broken);
                assert_null(config_find_tunnel(c, "a")->broken);
                assert_string_equal(config_find_tunnel(c, "c")->profile->name, "mine");
        }
        assert_int_equal(conf_cache_n_entries_for_test(cache), 5);
        th_rmtree(dir);
}

/* A file rewritten with the same size within the second it was written in,
 * on a file system that keeps whole seconds: every field of the key is the
 * same. Only the settle rule keeps the first parse out of the cache. */
static void test_same_size_same_second(void **state) {
        unsigned attempts = 0;

        conf_cache_set_coarse_for_test(true);
        for (; attempts < 20; attempts++) {
                _cleanup_free_ char *dir = th_mkdtemp();
                _cleanup_(conf_cache_freep) ConfCache *cache = conf_cache_new();
                _cleanup_(config_freep) Config *c1 = NULL, *c2 = NULL;
                struct stat s1, s2;
                char buf[PREFIX_STRLEN];

                assert_non_null(cache);
                free(th_write_file(dir, "psk/a", GOOD_PSK "\n", 0600));
                free(th_write_file(dir, "tunnels.d/a.conf", TA_R1, 0644));
                s1 = stat_of(dir, "tunnels.d/a.conf");
                c1 = load_counted(dir, cache, 1, 0);
                assert_string_equal(remote_prefix(c1, "a", buf), "198.51.100.128/26");
                rewrite_in_place(dir, "tunnels.d/a.conf", TA_R2);
                s2 = stat_of(dir, "tunnels.d/a.conf");
                if (s1.st_mtim.tv_sec != s2.st_mtim.tv_sec || s1.st_ctim.tv_sec != s2.st_ctim.tv_sec) {
                        th_rmtree(dir); /* a second boundary fell between: try again */
                        continue;
                }
                assert_int_equal(s1.st_ino, s2.st_ino);
                assert_int_equal(s1.st_size, s2.st_size);

                /* The new value first: a stale hit shows as the old one. */
                assert_parsed_anew(dir, cache, &c2);
                th_rmtree(dir);
                break;
        }
        assert_true(attempts < 20);
}

/* A timestamp in the future is doubt: never kept. And an entry kept under a
 * clock that was later set back is not used while the file's timestamps
 * are not old by the clock of the load that asks. */
static void test_clock_doubt(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp();
        _cleanup_(conf_cache_freep) ConfCache *cache = conf_cache_new();
        _cleanup_(config_freep) Config *c = NULL;

        assert_non_null(cache);
        free(th_write_file(dir, "psk/a", GOOD_PSK "\n", 0600));
        free(th_write_file(dir, "tunnels.d/a.conf", TA_R1, 0644));

        /* The clock said 10 s later when the parse was kept; now it is set
         * back: the file, changed just now by its ctime, is read. */
        conf_cache_set_clock_for_test(clock_ahead);
        config_free(load_counted(dir, cache, 1, 0));
        config_free(load_counted(dir, cache, 0, 1));
        conf_cache_set_clock_for_test(NULL);
        config_free(load_counted(dir, cache, 1, 0));

        /* An mtime in the future, by the real clock and by the clock 10 s
         * ahead. */
        set_mtime(dir, "tunnels.d/a.conf", time(NULL) + 3600);
        config_free(load_counted(dir, cache, 1, 0));
        config_free(load_counted(dir, cache, 1, 0));
        conf_cache_set_clock_for_test(clock_ahead);
        config_free(load_counted(dir, cache, 1, 0));
        c = load_counted(dir, cache, 1, 0);
        assert_int_equal(conf_cache_n_entries_for_test(cache), 0);
        th_rmtree(dir);
}

/* A file replaced by rename with one of the same size, mode, owner and
 * mtime, within the same second of ctime: only the inode tells them apart. */
static void test_replaced_by_rename(void **state) {
        unsigned attempts = 0;

        conf_cache_set_coarse_for_test(true);
        conf_cache_set_clock_for_test(clock_ahead);
        for (; attempts < 20; attempts++) {
                _cleanup_free_ char *dir = th_mkdtemp(), *from = NULL, *to = NULL;
                _cleanup_(conf_cache_freep) ConfCache *cache = conf_cache_new();
                _cleanup_(config_freep) Config *c1 = NULL, *c2 = NULL;
                time_t old = time(NULL) - 100;
                struct stat s1, s2;
                char buf[PREFIX_STRLEN];

                assert_non_null(cache);
                free(th_write_file(dir, "psk/a", GOOD_PSK "\n", 0600));
                free(th_write_file(dir, "tunnels.d/a.conf", TA_R1, 0644));
                free(th_write_file(dir, "tunnels.d/.a.conf.new", TA_R2, 0644)); /* hidden: not config */
                set_mtime(dir, "tunnels.d/a.conf", old);
                set_mtime(dir, "tunnels.d/.a.conf.new", old);
                c1 = load_counted(dir, cache, 1, 0);
                config_free(load_counted(dir, cache, 0, 1)); /* kept */
                assert_string_equal(remote_prefix(c1, "a", buf), "198.51.100.128/26");
                s1 = stat_of(dir, "tunnels.d/a.conf");

                assert_true(asprintf(&from, "%s/tunnels.d/.a.conf.new", dir) > 0);
                assert_true(asprintf(&to, "%s/tunnels.d/a.conf", dir) > 0);
                assert_int_equal(rename(from, to), 0);
                s2 = stat_of(dir, "tunnels.d/a.conf");
                if (s1.st_ctim.tv_sec != s2.st_ctim.tv_sec) {
                        th_rmtree(dir);
                        continue;
                }
                assert_int_not_equal(s1.st_ino, s2.st_ino);
                assert_int_equal(s1.st_dev, s2.st_dev);
                assert_int_equal(s1.st_size, s2.st_size);
                assert_int_equal(s1.st_mode, s2.st_mode);
                assert_int_equal(s1.st_uid, s2.st_uid);
                assert_int_equal(s1.st_gid, s2.st_gid);
                assert_int_equal(s1.st_mtim.tv_sec, s2.st_mtim.tv_sec);

                assert_parsed_anew(dir, cache, &c2);
                th_rmtree(dir);
                break;
        }
        assert_true(attempts < 20);
}

/* Loads dir: a.conf comes from the cache (one hit), and the credential it
 * names is refused at its PreSharedKeyFile line with what. */
static void assert_hit_refused(const char *dir, ConfCache *cache, const char *what) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        size_t hits;

        assert_int_equal(load(dir, cache, &d, &c), 0);
        conf_cache_counts(cache, &hits, NULL);
        assert_int_equal(hits, 1);
        assert_diag(&d, DIAG_ERROR, "tunnels.d/a.conf", 3, what);
}

/* What is cached is the tunnel file's parse only: its credential files are
 * judged on every load, and read whenever they are not known unchanged
 * (with the secret-file cache: test_credentials_file_cache). */
static void test_credentials_never_cached(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *from = NULL, *psk = NULL, *link = NULL;
        _cleanup_(conf_cache_freep) ConfCache *cache = conf_cache_new();

        assert_non_null(cache);
        conf_cache_set_clock_for_test(clock_ahead);
        free(th_write_file(dir, "tunnels.d/a.conf", TA_R1, 0644));
        psk = th_write_file(dir, "psk/a", GOOD_PSK "\n", 0600);
        {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;

                assert_int_equal(load(dir, cache, &d, &c), 0);
                assert_no_errors(&d);
        }
        /* chmod 644 of the PSK file: refused, with a.conf from the cache. */
        assert_int_equal(chmod(psk, 0644), 0);
        {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *msg = NULL;
                bool fatal = true;
                size_t hits;

                assert_int_equal(load(dir, cache, &d, &c), 0);
                conf_cache_counts(cache, &hits, NULL);
                assert_int_equal(hits, 1);
                assert_true(asprintf(&msg, "PreSharedKeyFile=%s: mode 0644 is readable by others", psk) > 0);
                assert_diag(&d, DIAG_ERROR, "tunnels.d/a.conf", 3, msg);
                assert_int_equal(conf_isolate(c, &d, &fatal), 0);
                assert_false(fatal);
                assert_non_null(c->tunnels[0]->broken);
        }
        /* The PSK file replaced by another, whose key is too short. */
        assert_int_equal(chmod(psk, 0600), 0);
        free(th_write_file(dir, "psk/.new", "short\n", 0600));
        assert_true(asprintf(&from, "%s/psk/.new", dir) > 0);
        assert_int_equal(rename(from, psk), 0);
        assert_hit_refused(dir, cache, "characters");
        /* Replaced by a symbolic link to a good key: refused too. */
        free(th_write_file(dir, "psk/real", OTHER_PSK "\n", 0600));
        assert_true(asprintf(&link, "%s/psk/real", dir) > 0);
        assert_int_equal(unlink(psk), 0);
        assert_int_equal(symlink(link, psk), 0);
        assert_hit_refused(dir, cache, "symbolic link");
        /* Back to a good file: no error, still from the cache. */
        assert_int_equal(unlink(psk), 0);
        free(th_write_file(dir, "psk/a", OTHER_PSK "\n", 0600));
        {
                _cleanup_(diag_list_clear) DiagList d = {};
                _cleanup_(config_freep) Config *c = NULL;
                size_t hits;

                assert_int_equal(load(dir, cache, &d, &c), 0);
                conf_cache_counts(cache, &hits, NULL);
                assert_int_equal(hits, 1);
                assert_no_errors(&d);
        }
        th_rmtree(dir);
}

/* The same changes to a key file, with the secret-file cache that keeps its
 * verdict between loads: each is seen. */
static void test_credentials_file_cache(void **state) {
        _cleanup_(file_cache_freep) FileCache *files = file_cache_new();

        assert_non_null(files);
        load_files = files;
        test_credentials_never_cached(state);
        load_files = NULL;
}

/* The secret-file cache itself: facts are kept while lstat says the same
 * file, dropped when it changes, and never kept in doubt. */
static void test_file_cache(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *a = NULL, *b = NULL, *l = NULL;
        _cleanup_(file_cache_freep) FileCache *files = file_cache_new();
        struct timespec ahead, now;
        FileFacts *f;

        assert_non_null(files);
        clock_ahead(&ahead);
        assert_int_equal(clock_gettime(CLOCK_REALTIME, &now), 0);
        a = th_write_file(dir, "psk/a", GOOD_PSK "\n", 0600);
        b = th_write_file(dir, "psk/b", GOOD_PSK "\n", 0600);
        assert_null(file_cache_get(files, a)); /* no check begun */

        file_cache_begin(files, &ahead);
        assert_non_null(f = file_cache_get(files, a));
        assert_false(f->has_psk);
        f->has_psk = true;
        assert_ptr_equal(file_cache_get(files, a), f); /* again: the same */
        file_cache_begin(files, &ahead);
        assert_non_null(f = file_cache_get(files, a));
        assert_true(f->has_psk);

        /* Rewritten in place (same size): another mtime and ctime. */
        rewrite_in_place(dir, "psk/a", OTHER_PSK "\n");
        file_cache_begin(files, &ahead);
        assert_non_null(f = file_cache_get(files, a));
        assert_false(f->has_psk);
        f->has_psk = true;
        /* chmod: another mode and ctime. */
        assert_int_equal(chmod(a, 0640), 0);
        file_cache_begin(files, &ahead);
        assert_non_null(f = file_cache_get(files, a));
        assert_false(f->has_psk);
        f->has_psk = true;
        /* Replaced by rename: another inode. */
        assert_int_equal(rename(b, a), 0);
        file_cache_begin(files, &ahead);
        assert_non_null(f = file_cache_get(files, a));
        assert_false(f->has_psk);
        f->has_psk = true;
        /* Written just now, for a check that began now: in doubt. */
        file_cache_begin(files, &now);
        assert_null(file_cache_get(files, a));
        /* ... and nothing kept of it for the next check either. */
        file_cache_begin(files, &ahead);
        assert_non_null(f = file_cache_get(files, a));
        assert_false(f->has_psk);
        /* A symbolic link (secret files are not followed) or a missing file:
         * in doubt. */
        assert_true(asprintf(&l, "%s/psk/l", dir) > 0);
        assert_int_equal(symlink(a, l), 0);
        assert_null(file_cache_get(files, l));
        assert_null(file_cache_get(files, "/nonexistent/key"));
        assert_int_equal(file_cache_size_for_test(files), 3);
        /* What a check did not ask about goes at the next. */
        file_cache_begin(files, &ahead);
        assert_non_null(file_cache_get(files, a));
        file_cache_begin(files, &ahead);
        assert_int_equal(file_cache_size_for_test(files), 1);
        th_rmtree(dir);
}

/* The diagnostics of a parse come back with every hit, warnings too. No
 * [Tunnel] key warns today (ikepolicy's and creds' warnings are made after
 * conf_load, on every load), so the warning is added by hand where a parse
 * would add it, through the cache's own steps. */
static void test_replay_warning(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp();
        _cleanup_(conf_cache_freep) ConfCache *cache = conf_cache_new();
        _cleanup_(diag_list_clear) DiagList d = {}, d2 = {};
        _cleanup_(config_freep) Config *c = config_new(dir), *c2 = config_new(dir);
        _cleanup_close_ int dfd = -EBADF;
        ConfCacheEntry *e;
        struct stat st;

        assert_non_null(cache);
        assert_non_null(c);
        assert_non_null(c2);
        conf_cache_set_clock_for_test(clock_ahead);
        free(th_write_file(dir, "a.conf", TA_R1, 0644));
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(fstatat(dfd, "a.conf", &st, 0), 0);

        assert_int_equal(conf_cache_begin(cache, dir), 0);
        assert_int_equal(conf_parse_tunnel(c, "a", "tunnels.d/a.conf", TA_R1, strlen(TA_R1), &d), 0);
        assert_int_equal(diag_warning(&d, "tunnels.d/a.conf", 5, "something to see on every load"), 0);
        assert_int_equal(conf_cache_parsed(cache, "a.conf", &st, c->tunnels[0], &d, 0, 0), 0);
        conf_cache_end(cache);

        assert_int_equal(conf_cache_begin(cache, dir), 0);
        e = conf_cache_find(cache, "a.conf", &st);
        assert_non_null(e);
        assert_int_equal(conf_cache_use(cache, e, c2, &d2), 0);
        conf_cache_end(cache);
        assert_int_equal(c2->n_tunnels, 1);
        assert_tunnel_equal(c2->tunnels[0], c->tunnels[0]);
        assert_int_equal(d2.n_warnings, 1);
        assert_diag(&d2, DIAG_WARNING, "tunnels.d/a.conf", 5, "something to see on every load");
        th_rmtree(dir);
}

/* Files come and go: a new one is parsed, a removed one is neither served
 * nor kept. */
static void test_files_come_and_go(void **state) {
        _cleanup_free_ char *dir = th_mkdtemp(), *b = NULL;
        _cleanup_(conf_cache_freep) ConfCache *cache = conf_cache_new();
        _cleanup_(config_freep) Config *c = NULL;

        assert_non_null(cache);
        conf_cache_set_clock_for_test(clock_ahead);
        write_tree(dir);
        config_free(load_counted(dir, cache, 5, 0));
        free(th_write_file(dir, "tunnels.d/n.conf",
                           "[Tunnel]\nRemoteAddress=203.0.113.60\nPreSharedKeyFile=psk/a\n"
                           "LocalPrefixes=198.51.100.0/26\nRemotePrefixes=198.51.100.224/28\n",
                           0644));
        c = load_counted(dir, cache, 1, 5);
        assert_int_equal(c->n_tunnels, 6);
        assert_non_null(config_find_tunnel(c, "n"));
        assert_int_equal(conf_cache_n_entries_for_test(cache), 6);
        config_free(TAKE_PTR(c));

        assert_true(asprintf(&b, "%s/tunnels.d/b.conf", dir) > 0);
        assert_int_equal(unlink(b), 0);
        c = load_counted(dir, cache, 0, 5);
        assert_int_equal(c->n_tunnels, 5);
        assert_null(config_find_tunnel(c, "b"));
        assert_int_equal(conf_cache_n_entries_for_test(cache), 5);
        config_free(TAKE_PTR(c));

        /* tunnels.d gone: nothing served, nothing kept. */
        th_rmtree(dir);
        assert_int_equal(mkdir(dir, 0755), 0);
        c = load_counted(dir, cache, 0, 0);
        assert_int_equal(c->n_tunnels, 0);
        assert_int_equal(conf_cache_n_entries_for_test(cache), 0);
        th_rmtree(dir);
}

/* Parses depend on the config dir (relative credential paths are stored
 * absolute from it, and from the working directory when it is relative):
 * the same files under another dir are parsed again. */
static void test_dir_change(void **state) {
        _cleanup_free_ char *top = th_mkdtemp(), *x = NULL, *y = NULL, *want = NULL, *cwd = getcwd(NULL, 0);
        _cleanup_free_ char *link = NULL;
        _cleanup_(conf_cache_freep) ConfCache *cache = conf_cache_new();
        _cleanup_(config_freep) Config *c = NULL;

        assert_non_null(cache);
        assert_non_null(cwd);
        conf_cache_set_clock_for_test(clock_ahead);
        assert_true(asprintf(&x, "%s/x", top) > 0);
        assert_true(asprintf(&y, "%s/y", top) > 0);
        write_tree(x);
        assert_int_equal(mkdir(y, 0755), 0);
        /* y/conf is x itself: the same inodes. */
        assert_true(asprintf(&link, "%s/conf", y) > 0);
        assert_int_equal(symlink(x, link), 0);

        config_free(load_counted(x, cache, 5, 0));
        config_free(load_counted(x, cache, 0, 5));
        config_free(load_counted(link, cache, 5, 0));
        config_free(load_counted(link, cache, 0, 5));
        config_free(load_counted(x, cache, 5, 0));

        /* Relative: "conf" from y, then "x" from top, then "conf" from y. */
        assert_int_equal(chdir(y), 0);
        config_free(load_counted("conf", cache, 5, 0));
        config_free(load_counted("conf", cache, 0, 5));
        assert_int_equal(chdir(top), 0);
        assert_int_equal(symlink(x, "conf"), 0);
        c = load_counted("conf", cache, 5, 0);
        assert_true(asprintf(&want, "%s/conf/psk/a", top) > 0);
        assert_string_equal(config_find_tunnel(c, "a")->psk_file, want);
        assert_int_equal(chdir(cwd), 0);
        th_rmtree(top);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup(test_tunnel_dup, setup),
                cmocka_unit_test_setup(test_hit_same_model, setup),
                cmocka_unit_test_setup(test_same_size_same_second, setup),
                cmocka_unit_test_setup(test_clock_doubt, setup),
                cmocka_unit_test_setup(test_replaced_by_rename, setup),
                cmocka_unit_test_setup(test_credentials_never_cached, setup),
                cmocka_unit_test_setup(test_credentials_file_cache, setup),
                cmocka_unit_test_setup(test_file_cache, setup),
                cmocka_unit_test_setup(test_replay_warning, setup),
                cmocka_unit_test_setup(test_files_come_and_go, setup),
                cmocka_unit_test_setup(test_dir_change, setup),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
