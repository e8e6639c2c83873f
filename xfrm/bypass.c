/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "bypass.h"
#include "fileio.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir);

void shield_bypass_list_clear(ShieldBypassList *l) {
        if (!l)
                return;
        free(l->items);
        *l = (ShieldBypassList) {};
}

static ShieldBypass *bypass_add(ShieldBypassList *l, ShieldBypassKind kind, const char *tunnel) {
        ShieldBypass *b;

        if (l->n == l->n_allocated) {
                size_t m = l->n_allocated ? l->n_allocated * 2 : 8;
                ShieldBypass *v = reallocarray(l->items, m, sizeof(ShieldBypass));

                if (!v)
                        return NULL;
                l->items = v;
                l->n_allocated = m;
        }
        b = &l->items[l->n++];
        *b = (ShieldBypass) { .kind = kind };
        snprintf(b->tunnel, sizeof(b->tunnel), "%s", tunnel ?: "");
        return b;
}

/* Whether f lets through some of what our block w drops, ahead of it. */
static bool beats(const ShieldPolicy *f, const ShieldPolicy *w, int tun_ifindex) {
        if (f->action != SHIELD_ACTION_ALLOW || f->templated || shield_policy_is_ours(f))
                return false;
        if (f->dir != w->dir || f->family != w->family)
                return false;
        /* Equal priorities: whichever the kernel met first wins; count it. */
        if (f->priority > w->priority)
                return false;
        /* Our blocks match every device; a foreign allow bound to the TUN
         * device lets VNet traffic into the tunnel, as ours does. */
        if (tun_ifindex > 0 && f->ifindex == tun_ifindex)
                return false;
        return prefix_overlaps(&f->src, &w->src) && prefix_overlaps(&f->dst, &w->dst);
}

int shield_find_policy_bypasses(const ShieldPolicySet *want, const ShieldPolicySet *all, int tun_ifindex,
                                ShieldBypassList *l) {
        for (size_t i = 0; i < all->n; i++) {
                const ShieldPolicy *f = &all->items[i];
                size_t first = l->n;

                for (size_t j = 0; j < want->n; j++) {
                        const ShieldPolicy *w = &want->items[j];
                        char fs[SHIELD_POLICY_STRLEN], ws[PREFIX_STRLEN];
                        bool seen = false;
                        ShieldBypass *b;

                        if (w->action != SHIELD_ACTION_BLOCK || !beats(f, w, tun_ifindex))
                                continue;
                        /* Once per tunnel, however many of its prefixes. */
                        for (size_t k = first; k < l->n && !seen; k++)
                                seen = streq(l->items[k].tunnel, w->tunnel);
                        if (seen)
                                continue;
                        b = bypass_add(l, SHIELD_BYPASS_POLICY, w->tunnel);
                        if (!b)
                                return -ENOMEM;
                        snprintf(b->what, sizeof(b->what),
                                 "XFRM policy %s (no template) allows %s ahead of the shield's block (priority %u)",
                                 shield_policy_to_string(f, fs, sizeof(fs)),
                                 prefix_to_string(w->dir == SHIELD_DIR_OUT ? &w->dst : &w->src, ws), w->priority);
                }
        }
        return 0;
}

/* 1 if root/family/conf/dev/name holds "1", 0 if not or absent, -errno. */
static int read_flag(int conf_fd, const char *dev, const char *name) {
        const ReadFileOptions o = { .max_size = 64 };
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t n;
        int r;

        if (asprintf(&path, "%s/%s", dev, name) < 0)
                return -ENOMEM;
        r = read_full_file_at(conf_fd, path, &o, &buf, &n, NULL);
        if (r == -ENOENT)
                return 0; /* gone meanwhile, or no such knob for the family */
        if (r < 0)
                return r;
        return strtol(buf, NULL, 10) != 0;
}

static int scan_family(const char *root, const char *family, const char *const *names, const char *skip,
                       bool optional, ShieldBypassList *l) {
        _cleanup_free_ char *path = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        int r;

        if (asprintf(&path, "%s/%s/conf", root, family) < 0)
                return -ENOMEM;
        d = opendir(path);
        if (!d)
                return optional && errno == ENOENT ? 0 : -errno;
        errno = 0;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || streq(de->d_name, "lo") || streq(de->d_name, "default") ||
                    (skip && streq(de->d_name, skip)))
                        continue;
                for (size_t i = 0; names[i]; i++) {
                        ShieldBypass *b;

                        r = read_flag(dirfd(d), de->d_name, names[i]);
                        if (r < 0 && r != -ENOTDIR && r != -EACCES)
                                return r;
                        if (r <= 0)
                                continue;
                        b = bypass_add(l, SHIELD_BYPASS_SYSCTL, NULL);
                        if (!b)
                                return -ENOMEM;
                        snprintf(b->what, sizeof(b->what), "net.%s.conf.%s.%s=1", family, de->d_name, names[i]);
                }
                errno = 0;
        }
        /* A failed readdir is an error, never "nothing set". */
        return errno > 0 ? -errno : 0;
}

static int bypass_cmp(const void *a, const void *b) {
        return strcmp(((const ShieldBypass *) a)->what, ((const ShieldBypass *) b)->what);
}

int shield_find_sysctl_bypasses(const char *root, const char *skip_ifname, bool with_policy,
                                ShieldBypassList *l) {
        static const char *const v4[] = { "disable_xfrm", "disable_policy", NULL };
        static const char *const v4_xfrm[] = { "disable_xfrm", NULL };
        static const char *const v6[] = { "disable_policy", NULL };
        size_t first = l->n;
        int r;

        r = scan_family(root, "ipv4", with_policy ? v4 : v4_xfrm, skip_ifname, false, l);
        if (r < 0)
                return r;
        /* No IPv6 (ipv6.disable=1) means nothing to bypass there. */
        r = with_policy ? scan_family(root, "ipv6", v6, skip_ifname, true, l) : 0;
        if (r < 0)
                return r;
        /* In a stable order (readdir's is not). */
        if (l->n > first)
                qsort(l->items + first, l->n - first, sizeof(ShieldBypass), bypass_cmp);
        return 0;
}
