/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf_load: the config tree from the file system. Directories and config
 * files are opened here and nowhere else, so that the fuzzer and the unit
 * tests parse from memory without it. (Secret files are secret.c's; conf_finish
 * reads them only when ConfOptions.check_files asks.) */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "conf-internal.h"
#include "fileio.h"
#include "strutil.h"
#include "trust.h"

/* Reports st (of display) when others could change it. Returns 0 or
 * -ENOMEM. */
static int report_untrusted(const struct stat *st, const char *display, uid_t owner, DiagList *d) {
        _cleanup_free_ char *reason = NULL;
        int r;

        r = trust_judge(st, display, owner, &reason);
        if (r == -EPERM)
                return diag_error(d, display, 0, "%s", reason);
        return r;
}

/* Reads a whole config file relative to dfd into a malloc'd buffer. Files
 * over the cap are refused. Returns 0 with *ret set (and *ret_st, if given,
 * the fstat of the fd that was read); 0 without after reporting why the file
 * cannot be read (d->n_errors grew); -ENOENT (not reported) or -ENOMEM. */
static int read_config_file(int dfd, const char *rel, const char *display, uid_t owner, DiagList *d, char **ret,
                            size_t *ret_len, struct stat *ret_st) {
        const ReadFileOptions o = { .max_size = CONF_MAX_FILE_SIZE };
        struct stat st = {};
        int r;

        r = read_full_file_at(dfd, rel, &o, ret, ret_len, &st);
        switch (r) {
        case 0:
                if (ret_st)
                        *ret_st = st;
                /* Judged on the fstat of the fd that was read. The file is
                 * still parsed (its errors are worth seeing, and the boot
                 * shield covers its prefixes), but the error rejects it. */
                return report_untrusted(&st, display, owner, d);
        case -ENOENT:
        case -ENOMEM:
                return r;
        case -EISDIR:
        case -EINVAL:
                return diag_error(d, display, 0, "not a regular file; remove it or rename it without .conf");
        case -EFBIG:
                return diag_error(d, display, 0,
                                  "file too large (%lld bytes, at most %d); split it or remove unused text",
                                  (long long) st.st_size, CONF_MAX_FILE_SIZE);
        case -EACCES:
        case -EPERM:
        case -ELOOP:
                return diag_error(d, display, 0, "cannot open: %s; fix its permissions", strerror(-r));
        default:
                return diag_error(d, display, 0, "cannot read: %s", strerror(-r));
        }
}

typedef struct FileStat {
        struct stat st;
        bool ok;
} FileStat;

static int name_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

/* readdir(), or a unit test's stand-in (conf-internal.h). */
static struct dirent *(*readdir_fn)(DIR *dir) = readdir;

void conf_set_readdir_for_test(struct dirent *(*fn)(DIR *dir)) {
        readdir_fn = fn ? fn : readdir;
}

/* tunnels.d/file from the cache, when the cache holds it for the file that
 * is there now. Returns 1 (a hit: its tunnel and diagnostics are in c and
 * d), 0 (read the file) or -ENOMEM. */
static int load_cached(ConfCache *cache, Config *c, const char *file, const struct stat *st, const char *display,
                       uid_t owner, DiagList *d) {
        ConfCacheEntry *e;
        int r;

        if (!cache || c->n_tunnels >= CONF_MAX_TUNNELS)
                return 0;
        e = conf_cache_find(cache, file, st);
        if (!e)
                return 0;
        /* The trust judgement is the file's, on every load, as a read
         * makes it (before the parse's diagnostics). */
        r = report_untrusted(st, display, owner, d);
        if (r < 0)
                return r;
        r = conf_cache_use(cache, e, c, d);
        return r < 0 ? r : 1;
}

/* Loads every NAME.conf of subdir in sorted order with parse. A missing
 * subdir is an empty one. With cache (tunnels.d only), a file whose parse
 * the cache holds is not read again. */
static int load_subdir(Config *c, int dfd, SectionKind kind, const char *subdir, size_t max, uid_t owner,
                       ConfCache *cache, DiagList *d) {
        _cleanup_strv_free_ char **names = NULL; /* NULL-terminated */
        _cleanup_free_ FileStat *sts = NULL;     /* of names, for the cache */
        _cleanup_(closedirp) DIR *dir = NULL;
        _cleanup_close_ int sfd = -EBADF;
        struct dirent *de;
        size_t n = 0, allocated = 0;
        bool capped = false;
        int r = 0;

        sfd = openat(dfd, subdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (sfd < 0) {
                if (errno == ENOENT)
                        return 0;
                return diag_error(d, subdir, 0, "cannot open directory: %s; fix its permissions", strerror(errno));
        }
        {
                struct stat st;

                if (fstat(sfd, &st) < 0)
                        return -errno;
                r = report_untrusted(&st, subdir, owner, d);
                if (r < 0)
                        return r;
        }
        dir = fdopendir(sfd);
        if (!dir)
                return -errno;
        (void) TAKE_FD(sfd); /* the DIR owns it now */
        /* A second fd for openat(). */
        sfd = fcntl(dirfd(dir), F_DUPFD_CLOEXEC, 3);
        if (sfd < 0)
                return -errno;
        while ((errno = 0, de = readdir_fn(dir))) {
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
                if (n + 2 > allocated) {
                        allocated = allocated < 32 ? 64 : allocated * 2;
                        nn = reallocarray(names, allocated, sizeof(char *));
                        if (!nn)
                                return -ENOMEM;
                        names = nn;
                }
                names[n] = strdup(de->d_name);
                names[n + 1] = NULL;
                if (!names[n])
                        return -ENOMEM;
                n++;
        }
        /* NULL is the end or an error, and only errno tells them apart. A
         * directory read in part must not pass for a shorter one: on reload
         * the tunnels not seen would be unloaded and their shields removed.
         * What was read is still parsed, so that --shield-only at boot
         * shields it. */
        if (errno != 0) {
                r = diag_error(d, subdir, 0, "cannot read directory: %s; check the file system", strerror(errno));
                if (r < 0)
                        return r;
        }
        if (capped) {
                r = diag_error(d, subdir, 0, "more than %zu files; at most %zu are read, remove unused ones", max, max);
                if (r < 0)
                        return r;
        }
        if (n > 1)
                qsort(names, n, sizeof(char *), name_cmp);
        /* Every file's stat, for the cache (which touches no file itself). */
        if (conf_cache_may_hit(cache)) {
                sts = calloc(n ?: 1, sizeof(FileStat));
                if (!sts)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++)
                        sts[i].ok = fstatat(sfd, names[i], &sts[i].st, 0) >= 0; /* else a miss */
        }

        for (size_t i = 0; i < n && r >= 0; i++) {
                _cleanup_free_ char *name = NULL, *display = NULL, *text = NULL, *safe = NULL;
                struct stat st = {};
                size_t len = 0, first_diag, n_dropped, n_tunnels;

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
                r = load_cached(cache, c, names[i], sts && sts[i].ok ? &sts[i].st : NULL, display, owner, d);
                if (r != 0)
                        continue; /* a hit, or r < 0: the loop ends */
                r = read_config_file(sfd, names[i], display, owner, d, &text, &len, &st);
                if (r == -ENOENT) {
                        /* Gone since readdir (or a dangling symlink). */
                        r = diag_error(d, display, 0, "cannot open: %s; remove the file or fix its target",
                                       strerror(ENOENT));
                        continue;
                }
                if (r < 0)
                        break;
                if (!text)
                        continue; /* unreadable: said so */
                if (kind == SECTION_PROFILE) {
                        r = conf_parse_profile(c, name, display, text, len, d);
                        continue;
                }
                first_diag = d->n;
                n_dropped = d->n_dropped;
                n_tunnels = c->n_tunnels;
                r = conf_parse_tunnel(c, name, display, text, len, d);
                if (r >= 0 && cache)
                        r = conf_cache_parsed(cache, names[i], &st,
                                              c->n_tunnels > n_tunnels ? c->tunnels[n_tunnels] : NULL, d,
                                              first_diag, n_dropped);
        }
        return r < 0 ? r : 0;
}

static void conf_cache_endp(ConfCache **cache) {
        conf_cache_end(*cache);
}

int conf_load(const char *dir, const ConfOptions *o, DiagList *d, Config **ret) {
        _cleanup_(conf_cache_endp) ConfCache *cache = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_close_ int dfd = -EBADF;
        _cleanup_free_ char *text = NULL, *reason = NULL;
        uid_t owner = o ? o->secret_owner : 0;
        size_t len = 0;
        int r;

        c = config_new(dir);
        if (!c)
                return -ENOMEM;
        if (o && o->files) {
                struct timespec start;

                /* No clock: no check of this load may use what was kept. */
                if (conf_clock(&start) < 0)
                        start = (struct timespec) {};
                file_cache_begin(o->files, &start);
        }
        if (o && o->cache) {
                r = conf_cache_begin(o->cache, c->dir);
                if (r < 0)
                        return r;
                cache = o->cache;
        }

        dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0) {
                r = -errno;
                if (diag_error(d, NULL, 0, "cannot open config directory '%s': %s; check --config-dir", c->dir,
                               strerror(-r)) < 0)
                        return -ENOMEM;
                *ret = TAKE_PTR(c);
                return r;
        }

        /* The config dir and every directory above it (StrictModes). */
        r = trust_path(c->dir, owner, true, &reason);
        if (r == -ENOMEM)
                return r;
        if (r == -EPERM && diag_error(d, NULL, 0, "config directory %s is not safe: %s", c->dir, reason) < 0)
                return -ENOMEM;

        /* gatewayd.conf is optional: every key has a default. */
        r = read_config_file(dfd, "gatewayd.conf", "gatewayd.conf", owner, d, &text, &len, NULL);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == 0 && text) {
                r = conf_parse_gateway(c, "gatewayd.conf", text, len, d);
                if (r < 0)
                        return r;
        }

        r = load_subdir(c, dfd, SECTION_PROFILE, "profiles.d", CONF_MAX_TUNNELS, owner, NULL, d);
        if (r < 0)
                return r;
        r = load_subdir(c, dfd, SECTION_TUNNEL, "tunnels.d", CONF_MAX_TUNNELS, owner, cache, d);
        if (r < 0)
                return r;
        r = conf_finish(c, o, d);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(c);
        return 0;
}
