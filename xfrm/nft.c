/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* The last address of p (every host bit set). */
static Address prefix_last(const Prefix *p) {
        Address a = prefix_masked(p).addr;
        unsigned bits = address_bits(a.family);

        for (unsigned i = p->len; i < bits; i++)
                a.bytes[i / 8] |= (uint8_t) (0x80u >> (i % 8));
        return a;
}

/* Whether b starts at most one address after a ends (overlapping or
 * adjacent: one interval). */
static bool address_reaches(const Address *a_last, const Address *b_first) {
        size_t n = address_bits(a_last->family) / 8;
        Address next = *a_last;
        size_t i = n;

        if (memcmp(b_first->bytes, a_last->bytes, n) <= 0)
                return true;
        /* a_last + 1, unless a_last is the family's last address. */
        while (i > 0 && next.bytes[i - 1] == 0xff)
                next.bytes[--i] = 0;
        if (i == 0)
                return false;
        next.bytes[i - 1]++;
        return memcmp(b_first->bytes, next.bytes, n) == 0;
}

/* Writes [first, last] as nft lists it: a prefix when it is one, else a
 * range. */
static void write_interval(FILE *f, const Address *first, const Address *last) {
        char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
        unsigned bits = address_bits(first->family);

        for (unsigned len = 0; len <= bits; len++) {
                Prefix p = { .addr = *first, .len = len };
                Address l;

                if (memcmp(prefix_masked(&p).addr.bytes, first->bytes, bits / 8) != 0)
                        continue;
                l = prefix_last(&p);
                if (memcmp(l.bytes, last->bytes, bits / 8) == 0) {
                        fputs(prefix_to_string(&p, a), f);
                        return;
                }
        }
        fprintf(f, "%s-%s", address_to_string(first, a), address_to_string(last, b));
}

/* Writes "set NAME { ... }" with the matching RemotePrefixes merged into
 * disjoint, non-adjacent intervals, sorted: what the kernel holds after
 * auto-merge, element for element, so that a reload can add and delete
 * single elements (nft_gatewayd_delta). auto-merge stays: it is what lets
 * the set take whatever is added by hand without refusing it. */
static int write_set(FILE *f, const char *name, const Tunnel *const *tunnels, size_t n,
                     tunnel_filter filter, unsigned mss, int family) {
        size_t total = count_prefixes(tunnels, n, filter, mss, family), k = 0;
        _cleanup_free_ Prefix *v = NULL;
        Address first = {}, last = {};
        bool any = false;

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
                Address l = prefix_last(&v[i]);

                if (any && address_reaches(&last, &v[i].addr)) {
                        if (memcmp(l.bytes, last.bytes, sizeof(l.bytes)) > 0)
                                last = l;
                        continue;
                }
                if (any) {
                        write_interval(f, &first, &last);
                        fputs(", ", f);
                }
                first = v[i].addr;
                last = l;
                any = true;
        }
        if (any)
                write_interval(f, &first, &last);
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

#define ELEMENTS_OPEN "\t\telements = { "
#define ELEMENTS_CLOSE " }"

/* The next line of *p (without its newline) into [*ret, *ret + *ret_len);
 * false at the end. */
static bool next_line(const char **p, const char **ret, size_t *ret_len) {
        const char *e;

        if (!**p)
                return false;
        e = strchrnul(*p, '\n');
        *ret = *p;
        *ret_len = (size_t) (e - *p);
        *p = *e ? e + 1 : e;
        return true;
}

/* The elements of an "elements = { a, b }" line, NUL-terminated in a copy
 * (*ret_buf) and pointed at from *ret (*ret_n of them). -ESRCH when the
 * line is not one, -ENOMEM. */
static int split_elements(const char *line, size_t len, char **ret_buf, char ***ret, size_t *ret_n) {
        const size_t lo = strlen(ELEMENTS_OPEN), lc = strlen(ELEMENTS_CLOSE);
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ char **v = NULL;
        size_t n = 1;

        if (len < lo + lc || strncmp(line, ELEMENTS_OPEN, lo) != 0 || strncmp(line + len - lc, ELEMENTS_CLOSE, lc) != 0)
                return -ESRCH;
        buf = strndup(line + lo, len - lo - lc);
        if (!buf)
                return -ENOMEM;
        for (const char *c = buf; (c = strstr(c, ", ")); c += 2)
                n++;
        v = calloc(n, sizeof(char *));
        if (!v)
                return -ENOMEM;
        n = 0;
        for (char *c = buf, *e;; c = e + 2) {
                v[n++] = c;
                e = strstr(c, ", ");
                if (!e)
                        break;
                *e = 0;
        }
        *ret_buf = TAKE_PTR(buf);
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

static int str_cmp(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Appends one element to a "VERB element TABLE SET { ... }" command of f,
 * starting it on the first (*n counts them). */
static void put_element(FILE *f, const char *verb, const char *set, const char *element, size_t *n) {
        if ((*n)++ == 0)
                fprintf(f, "%s element " TABLE " %s { %s", verb, set, element);
        else
                fprintf(f, ", %s", element);
}

/* Appends to dels the elements only in a, to adds those only in b. */
static void element_delta(FILE *dels, FILE *adds, const char *set, char **a, size_t na, char **b, size_t nb) {
        size_t i = 0, j = 0, n_dels = 0, n_adds = 0;

        qsort(a, na, sizeof(char *), str_cmp);
        qsort(b, nb, sizeof(char *), str_cmp);
        while (i < na || j < nb) {
                int c = i == na ? 1 : j == nb ? -1 : strcmp(a[i], b[j]);

                if (c < 0)
                        put_element(dels, "delete", set, a[i++], &n_dels);
                else if (c > 0)
                        put_element(adds, "add", set, b[j++], &n_adds);
                else
                        i++, j++;
        }
        if (n_dels > 0)
                fputs(" }\n", dels);
        if (n_adds > 0)
                fputs(" }\n", adds);
}

int nft_gatewayd_delta(const char *old_text, const char *new_text, char **ret) {
        _cleanup_free_ char *dels_text = NULL, *adds_text = NULL, *set = NULL;
        _cleanup_fclose_ FILE *dels = NULL, *adds = NULL;
        size_t dels_size = 0, adds_size = 0;
        const char *p = old_text, *q = new_text;
        int r;

        dels = open_memstream(&dels_text, &dels_size);
        adds = open_memstream(&adds_text, &adds_size);
        if (!dels || !adds)
                return -ENOMEM;
        for (;;) {
                const char *a, *b;
                size_t la, lb;
                bool more_a = next_line(&p, &a, &la), more_b = next_line(&q, &b, &lb);

                if (!more_a || !more_b) {
                        if (more_a || more_b)
                                return -ESRCH; /* one is longer */
                        break;
                }
                if (la > 6 && strncmp(a, "\tset ", 5) == 0) {
                        const char *e = memchr(a + 5, ' ', la - 5);

                        free(set);
                        set = strndup(a + 5, e ? (size_t) (e - a - 5) : la - 5);
                        if (!set)
                                return -ENOMEM;
                }
                if (la == lb && memcmp(a, b, la) == 0)
                        continue;
                {
                        _cleanup_free_ char *ba = NULL, *bb = NULL;
                        _cleanup_free_ char **va = NULL, **vb = NULL;
                        size_t na = 0, nb = 0;

                        /* Only a set's elements may differ. */
                        if (!set)
                                return -ESRCH;
                        r = split_elements(a, la, &ba, &va, &na);
                        if (r < 0)
                                return r;
                        r = split_elements(b, lb, &bb, &vb, &nb);
                        if (r < 0)
                                return r;
                        element_delta(dels, adds, set, va, na, vb, nb);
                }
        }
        /* Deletes first: a range that is split or joined goes before its
         * parts come in. */
        if (fflush(dels) != 0 || fflush(adds) != 0 || fputs(adds_text ?: "", dels) < 0)
                return -ENOMEM;
        return memstream_finish(&dels, &dels_text, ret);
}

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

int nft_gatewayd_run(const char *cmd, char **ret_error) {
        return run(cmd, NULL, ret_error);
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

int nft_genid(uint32_t *ret) {
        struct {
                struct nlmsghdr nh;
                struct nfgenmsg nf;
        } req = {
                .nh = {
                        .nlmsg_len = sizeof(req),
                        .nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
                        .nlmsg_flags = NLM_F_REQUEST,
                        .nlmsg_seq = 1,
                },
                .nf = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
        };
        union {
                char buf[512];
                struct nlmsghdr align;
        } reply;
        _cleanup_close_ int fd = -EBADF;
        const struct nlmsghdr *nh = &reply.align;
        ssize_t n;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0)
                return -errno;
        if (send(fd, &req, sizeof(req), 0) < 0)
                return -errno;
        n = recv(fd, reply.buf, sizeof(reply.buf), 0);
        if (n < 0)
                return -errno;
        if (!NLMSG_OK(nh, (size_t) n))
                return -EBADMSG;
        if (nh->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(nh);

                return nh->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ? e->error : -EBADMSG;
        }
        if (nh->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN))
                return -EBADMSG;
        /* The attributes after the nfgenmsg. */
        for (size_t off = NLMSG_LENGTH(sizeof(struct nfgenmsg)); off + NLA_HDRLEN <= nh->nlmsg_len;) {
                const struct nlattr *a = (const struct nlattr *) ((const char *) nh + off);

                if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nh->nlmsg_len)
                        return -EBADMSG;
                if ((a->nla_type & NLA_TYPE_MASK) == NFTA_GEN_ID && a->nla_len >= NLA_HDRLEN + sizeof(uint32_t)) {
                        uint32_t v;

                        memcpy(&v, (const char *) a + NLA_HDRLEN, sizeof(v));
                        *ret = ntohl(v);
                        return 0;
                }
                off += NLA_ALIGN(a->nla_len);
        }
        return -EBADMSG;
}
