/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <nftables/libnftables.h>
#include <stdio.h>
#include <sys/socket.h>

#include "nft.h"
#include "shield.h"
#include "strutil.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nft_ctx *, nft_ctx_free);

#define IFNAMSIZ_MAX 15

static bool tun_name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > IFNAMSIZ_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
                        return false;
        return true;
}

/* Whether a tunnel contributes its RemotePrefixes to a set. */
typedef bool (*tunnel_filter)(const Tunnel *t, unsigned mss);

static bool wants_mss(const Tunnel *t, unsigned mss) {
        return t->enabled && t->tcp_mss_clamp == mss;
}

static bool wants_shield(const Tunnel *t, unsigned mss) {
        return t->fail_closed;
}

static size_t count_prefixes(const Tunnel *const *tunnels, size_t n, tunnel_filter f, unsigned mss,
                             int family) {
        size_t c = 0;

        for (size_t i = 0; i < n; i++)
                if (f(tunnels[i], mss))
                        for (size_t j = 0; j < tunnels[i]->remote_prefixes.n; j++)
                                if (tunnels[i]->remote_prefixes.items[j].addr.family == family)
                                        c++;
        return c;
}

static int compare_prefix(const void *a, const void *b) {
        const Prefix *x = a, *y = b;
        int r = memcmp(x->addr.bytes, y->addr.bytes, sizeof(x->addr.bytes));

        if (r != 0)
                return r;
        return x->len < y->len ? -1 : x->len > y->len;
}

/* Writes "set NAME { ... }" with every matching RemotePrefix once (sorted, so
 * the text is stable). auto-merge lets overlapping prefixes of different
 * tunnels coexist in an interval set. */
static int write_set(FILE *f, const char *name, const Tunnel *const *tunnels, size_t n,
                     tunnel_filter filter, unsigned mss, int family) {
        size_t total = count_prefixes(tunnels, n, filter, mss, family), k = 0;
        _cleanup_free_ Prefix *v = NULL;

        v = calloc(total ?: 1, sizeof(Prefix));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (filter(tunnels[i], mss))
                        for (size_t j = 0; j < tunnels[i]->remote_prefixes.n; j++)
                                if (tunnels[i]->remote_prefixes.items[j].addr.family == family)
                                        v[k++] = prefix_masked(&tunnels[i]->remote_prefixes.items[j]);
        qsort(v, k, sizeof(Prefix), compare_prefix);

        fprintf(f, "\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\tauto-merge\n\t\telements = { ",
                name, family == AF_INET ? "ipv4_addr" : "ipv6_addr");
        for (size_t i = 0; i < k; i++) {
                char buf[PREFIX_STRLEN];

                if (i > 0 && prefix_equal(&v[i], &v[i - 1]))
                        continue;
                fprintf(f, "%s%s", i == 0 ? "" : ", ", prefix_to_string(&v[i], buf));
        }
        fputs(" }\n\t}\n", f);
        return 0;
}

static int compare_unsigned(const void *a, const void *b) {
        unsigned x = *(const unsigned *) a, y = *(const unsigned *) b;

        return x < y ? -1 : x > y;
}

/* The distinct TcpMssClamp values of enabled tunnels, sorted. */
static int mss_values(const Tunnel *const *tunnels, size_t n, unsigned **ret, size_t *ret_n) {
        _cleanup_free_ unsigned *v = NULL;
        size_t k = 0, w = 0;

        v = calloc(n ?: 1, sizeof(unsigned));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (tunnels[i]->enabled && tunnels[i]->tcp_mss_clamp > 0) {
                        if (tunnels[i]->tcp_mss_clamp > 65535)
                                return -EINVAL;
                        v[k++] = tunnels[i]->tcp_mss_clamp;
                }
        if (k > 0) {
                qsort(v, k, sizeof(unsigned), compare_unsigned);
                for (size_t i = 1; i < k; i++)
                        if (v[i] != v[w])
                                v[++w] = v[i];
                w++;
        }
        *ret = TAKE_PTR(v);
        *ret_n = w;
        return 0;
}

static const struct {
        int family;
        const char *tag;  /* set name suffix */
        const char *addr; /* the nft payload keyword */
} families[] = {
        { AF_INET, "4", "ip" },
        { AF_INET6, "6", "ip6" },
};

static void write_mss_rules(FILE *f, const Tunnel *const *tunnels, size_t n, const unsigned *mss,
                            size_t n_mss) {
        for (size_t i = 0; i < n_mss; i++)
                for (size_t fa = 0; fa < ELEMENTSOF(families); fa++) {
                        if (count_prefixes(tunnels, n, wants_mss, mss[i], families[fa].family) == 0)
                                continue;
                        /* tcp flags syn first: every other packet stops at
                         * that cheap test, before any set lookup (it is
                         * what forwarded non-VNet traffic pays). */
                        for (int dir = 0; dir < 2; dir++)
                                fprintf(f,
                                        "\t\ttcp flags syn %s %s @mss%s_%u tcp option maxseg size > %u "
                                        "tcp option maxseg size set %u\n",
                                        families[fa].addr, dir == 0 ? "daddr" : "saddr", families[fa].tag,
                                        mss[i], mss[i], mss[i]);
                }
}

/* Route mode: the clamp also on the tunnel's XFRM interface, both ways, for
 * whatever is routed through it (BGP's own session included). */
static void write_route_mss_rules(FILE *f, const Tunnel *const *tunnels, size_t n, bool forward) {
        for (size_t i = 0; i < n; i++) {
                const Tunnel *t = tunnels[i];
                char ifname[TUNNEL_IFNAME_MAX + 1];

                if (t->mode != TUNNEL_MODE_ROUTE || !t->enabled || t->tcp_mss_clamp == 0)
                        continue;
                tunnel_ifname(t->name, ifname);
                for (int dir = 0; dir < (forward ? 2 : 1); dir++)
                        fprintf(f,
                                "\t\t%s \"%s\" tcp flags syn tcp option maxseg size > %u tcp option maxseg size "
                                "set %u\n",
                                dir == 0 ? "oifname" : "iifname", ifname, t->tcp_mss_clamp, t->tcp_mss_clamp);
        }
}

static void write_shield_rules(FILE *f, const Tunnel *const *tunnels, size_t n, const char *tun) {
        for (size_t fa = 0; fa < ELEMENTSOF(families); fa++)
                if (count_prefixes(tunnels, n, wants_shield, 0, families[fa].family) > 0)
                        fprintf(f, "\t\tiifname != \"%s\" %s saddr @shield%s counter drop\n", tun,
                                families[fa].addr, families[fa].tag);
}

/* The outbound half of the shield for IPv6 with DataPlane=userspace (shield.h
 * says why not XFRM): VNet-bound IPv6 leaving by any device but the TUN
 * device, forwarded or the gateway's own, is dropped. In postrouting, where
 * the output device is final: a rule in output or forward judges the route
 * of that moment, and a later reroute (a mark set by another table's output
 * chain, a policy route) could carry the packet past it. */
static void write_shield6_out_chain(FILE *f, const char *tun) {
        fputs("\tchain postrouting {\n\t\ttype filter hook postrouting priority mangle; policy accept;\n", f);
        fprintf(f, "\t\toifname != \"%s\" ip6 daddr @shield6 counter drop\n", tun);
        fputs("\t}\n", f);
}

int nft_gatewayd_build(const Tunnel *const *tunnels, size_t n_tunnels, DataPlane data_plane,
                       const char *tun_name, char **ret) {
        _cleanup_free_ unsigned *mss = NULL;
        _cleanup_free_ char *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t n_mss = 0, size = 0, n_shield = 0, n_shield6 = 0;
        bool userspace;
        int r;

        if (data_plane < 0 || data_plane >= _DATA_PLANE_MAX)
                return -EINVAL;
        userspace = data_plane == DATA_PLANE_USERSPACE;
        tun_name = tun_name ?: SHIELD_DEFAULT_TUN_NAME;
        if (!tun_name_valid(tun_name))
                return -EINVAL;
        r = mss_values(tunnels, n_tunnels, &mss, &n_mss);
        if (r < 0)
                return r;
        for (size_t fa = 0; fa < ELEMENTSOF(families); fa++)
                n_shield += count_prefixes(tunnels, n_tunnels, wants_shield, 0, families[fa].family);
        if (userspace)
                n_shield6 = count_prefixes(tunnels, n_tunnels, wants_shield, 0, AF_INET6);

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;

        fputs("table " NFT_TABLE_FAMILY " " NFT_TABLE_NAME " {\n", f);
        for (size_t i = 0; i < n_mss; i++)
                for (size_t fa = 0; fa < ELEMENTSOF(families); fa++) {
                        char name[32];

                        if (count_prefixes(tunnels, n_tunnels, wants_mss, mss[i], families[fa].family) == 0)
                                continue;
                        snprintf(name, sizeof(name), "mss%s_%u", families[fa].tag, mss[i]);
                        r = write_set(f, name, tunnels, n_tunnels, wants_mss, mss[i], families[fa].family);
                        if (r < 0)
                                return r;
                }
        for (size_t fa = 0; fa < ELEMENTSOF(families); fa++) {
                        char name[32];

                        if (count_prefixes(tunnels, n_tunnels, wants_shield, 0, families[fa].family) == 0)
                                continue;
                        snprintf(name, sizeof(name), "shield%s", families[fa].tag);
                        r = write_set(f, name, tunnels, n_tunnels, wants_shield, 0, families[fa].family);
                        if (r < 0)
                                return r;
                }

        /* The drops come first: no point clamping what is dropped. mangle
         * priority (-150) runs before the usual filter chains. */
        if (n_mss > 0 || (userspace && n_shield > 0)) {
                fputs("\tchain forward {\n\t\ttype filter hook forward priority mangle; policy accept;\n", f);
                if (userspace)
                        write_shield_rules(f, tunnels, n_tunnels, tun_name);
                write_mss_rules(f, tunnels, n_tunnels, mss, n_mss);
                write_route_mss_rules(f, tunnels, n_tunnels, true);
                fputs("\t}\n", f);
        }
        if (n_mss > 0) {
                fputs("\tchain output {\n\t\ttype filter hook output priority mangle; policy accept;\n", f);
                write_mss_rules(f, tunnels, n_tunnels, mss, n_mss);
                write_route_mss_rules(f, tunnels, n_tunnels, false);
                fputs("\t}\n", f);
        }
        if (n_shield6 > 0)
                write_shield6_out_chain(f, tun_name);
        if (userspace && n_shield > 0) {
                fputs("\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n", f);
                write_shield_rules(f, tunnels, n_tunnels, tun_name);
                fputs("\t}\n", f);
        }
        /* Kernel data plane: plaintext with a VNet source that did not come
         * out of an ESP SA is dropped before routing. The XFRM in/fwd blocks
         * (and charon's policies) would drop it too, but later: on the way it
         * refreshes the use time of charon's fwd policy, which is how charon
         * decides that the tunnel is alive, so spoofed packets could keep a
         * dead peer from being detected (seen in the VM tier). */
        if (!userspace && n_shield > 0) {
                fputs("\tchain prerouting {\n\t\ttype filter hook prerouting priority filter; policy accept;\n", f);
                for (size_t fa = 0; fa < ELEMENTSOF(families); fa++)
                        if (count_prefixes(tunnels, n_tunnels, wants_shield, 0, families[fa].family) > 0)
                                /* The secpath test first: what came out of
                                 * an ESP SA skips the set lookup. */
                                fprintf(f, "\t\tmeta ipsec missing %s saddr @shield%s counter drop\n",
                                        families[fa].addr, families[fa].tag);
                fputs("\t}\n", f);
        }
        fputs("}\n", f);

        return memstream_finish(&f, &text, ret);
}

int nft_gatewayd_build_config(const Config *c, const char *tun_name, char **ret) {
        return nft_gatewayd_build((const Tunnel *const *) c->tunnels, c->n_tunnels, c->gateway.data_plane,
                                  tun_name, ret);
}

#define TABLE NFT_TABLE_FAMILY " " NFT_TABLE_NAME

int nft_gatewayd_transaction(const char *table_text, char **ret) {
        char *s = NULL;

        /* One buffer = one netlink batch = one transaction: the table is
         * never missing in between, and a failure anywhere changes nothing. */
        if (asprintf(&s, "table " TABLE " {}\ndelete table " TABLE "\n%s", table_text ?: "") < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Runs cmd; output (optional) gets nft's output, *ret_error its errors. */
static int run(const char *cmd, char **ret_output, char **ret_error) {
        _cleanup_(nft_ctx_freep) struct nft_ctx *ctx = NULL;
        const char *e;

        if (ret_error)
                *ret_error = NULL;
        ctx = nft_ctx_new(NFT_CTX_DEFAULT);
        if (!ctx)
                return -ENOMEM;
        if (nft_ctx_buffer_output(ctx) < 0 || nft_ctx_buffer_error(ctx) < 0)
                return -ENOMEM;
        if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
                e = nft_ctx_get_error_buffer(ctx);
                if (ret_error && e && *e)
                        *ret_error = strdup(e);
                return -EIO;
        }
        if (ret_output) {
                const char *o = nft_ctx_get_output_buffer(ctx);

                *ret_output = strdup(o ?: "");
                if (!*ret_output)
                        return -ENOMEM;
        }
        return 0;
}

int nft_gatewayd_apply(const char *table_text, char **ret_error) {
        _cleanup_free_ char *cmd = NULL;
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = nft_gatewayd_transaction(table_text, &cmd);
        if (r < 0)
                return r;
        return run(cmd, NULL, ret_error);
}

int nft_gatewayd_remove(char **ret_error) {
        return nft_gatewayd_apply(NULL, ret_error);
}

int nft_gatewayd_list(char **ret_text, char **ret_error) {
        _cleanup_free_ char *err = NULL;
        int r;

        r = run("list table " TABLE, ret_text, &err);
        if (r == -EIO && err && strstr(err, "No such file or directory"))
                r = -ENOENT;
        if (ret_error)
                *ret_error = TAKE_PTR(err);
        return r;
}

int nft_listing_normalize(const char *text, char **ret) {
        static const char counter[] = "counter packets ";
        char *out, *w;
        const char *p = text;

        out = malloc(strlen(text) + 1);
        if (!out)
                return -ENOMEM;
        w = out;
        for (;;) {
                const char *c = strstr(p, counter), *q;
                size_t n;

                if (!c) {
                        strcpy(w, p);
                        break;
                }
                /* "counter packets <digits> bytes <digits>" or left as it is. */
                q = c + sizeof(counter) - 1;
                n = strspn(q, "0123456789");
                if (n > 0 && strncmp(q + n, " bytes ", 7) == 0 && strspn(q + n + 7, "0123456789") > 0) {
                        q += n + 7;
                        q += strspn(q, "0123456789");
                        memcpy(w, p, (size_t) (c - p));
                        w += c - p;
                        memcpy(w, "counter", 7);
                        w += 7;
                } else {
                        q = c + sizeof(counter) - 1;
                        memcpy(w, p, (size_t) (q - p));
                        w += q - p;
                }
                p = q;
        }
        *ret = out;
        return 0;
}
