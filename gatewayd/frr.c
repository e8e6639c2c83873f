/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "fileio.h"
#include "frr.h"
#include "journal.h"
#include "log.h"
#include "strutil.h"
#include "write-file.h"

/* vtysh answers in milliseconds; a hung FRR must not hold the loop long. */
#define VTYSH_DEADLINE_MS 5000
#define VTYSH_OUTPUT_MAX (4u * 1024u * 1024u)
#define FRR_MAX_PATHS 8

/* ---- rendering --------------------------------------------------------- */

static bool has_bgp(const Tunnel *t) {
        return t->mode == TUNNEL_MODE_ROUTE && t->has_bgp && t->enabled && !t->stub && (!t->broken || t->keep);
}

static uint32_t fnv(const char *s) {
        uint32_t h = 2166136261u;

        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 16777619u;
        }
        return h;
}

/* One prefix-list's entries (family's prefixes of l; "deny any" when there
 * are none: a missing or empty list would let everything through), named
 * gatewayd-TUNNEL-DIR-HASH. */
static int render_list(FILE *f, const Tunnel *t, const char *dir, const PrefixList *l, int family, char *name,
                       size_t name_size) {
        _cleanup_free_ char *body = NULL;
        const char *kw = family == AF_INET6 ? "ipv6" : "ip";
        size_t n = 0, seq = 0;
        FILE *b = open_memstream(&body, &n);

        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                char buf[PREFIX_STRLEN];
                Prefix p = prefix_masked(&l->items[i]);

                if (p.addr.family != family)
                        continue;
                seq += 10;
                /* Learned routes: the range and anything more specific;
                 * announced: exactly the LocalPrefix. */
                if (streq(dir, "in") && p.len < address_bits(family))
                        fprintf(b, "seq %zu permit %s le %u\n", seq, prefix_to_string(&p, buf), address_bits(family));
                else
                        fprintf(b, "seq %zu permit %s\n", seq, prefix_to_string(&p, buf));
        }
        if (seq == 0)
                fputs("seq 10 deny any\n", b);
        if (fclose(b) != 0 || !body)
                return -ENOMEM;
        snprintf(name, name_size, "gatewayd-%s-%s%s-%08x", t->name, dir, family == AF_INET6 ? "6" : "", fnv(body));
        for (char *line = body, *nl; *line; line = nl + 1) {
                nl = strchr(line, '\n');
                fprintf(f, "%s prefix-list %s %.*s\n", kw, name, (int) (nl - line), line);
        }
        return 0;
}

int frr_render(const Config *c, char **ret) {
        _cleanup_free_ char *text = NULL, *lists = NULL, *body = NULL;
        size_t n = 0, nl = 0, nb = 0;
        _cleanup_fclose_ FILE *f = NULL, *fl = NULL, *fb = NULL;
        bool any = false;
        int r;

        f = open_memstream(&text, &n);
        fl = open_memstream(&lists, &nl);
        fb = open_memstream(&body, &nb);
        if (!f || !fl || !fb)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++)
                any = any || has_bgp(c->tunnels[i]);
        if (!any)
                goto done;
        if (c->gateway.bgp_asn == 0)
                return -EINVAL;

        for (int af = 0; af < 2; af++) {
                int family = af == 0 ? AF_INET : AF_INET6;
                bool opened = false;

                /* Networks: every BGP tunnel's LocalPrefixes of the family
                 * (announced even when not in the RIB: "no bgp network
                 * import-check"). */
                for (size_t i = 0; i < c->n_tunnels; i++) {
                        const Tunnel *t = c->tunnels[i];

                        if (!has_bgp(t))
                                continue;
                        for (size_t j = 0; j < t->local_prefixes.n; j++) {
                                Prefix p = prefix_masked(&t->local_prefixes.items[j]);
                                char buf[PREFIX_STRLEN];
                                bool dup = false;

                                if (p.addr.family != family)
                                        continue;
                                /* The same LocalPrefix in two tunnels (an
                                 * active-active pair): once. */
                                for (size_t k = 0; k < i && !dup; k++)
                                        if (has_bgp(c->tunnels[k]))
                                                for (size_t m = 0; m < c->tunnels[k]->local_prefixes.n && !dup; m++) {
                                                        Prefix q = prefix_masked(&c->tunnels[k]->local_prefixes.items[m]);

                                                        dup = prefix_equal(&p, &q);
                                                }
                                if (dup)
                                        continue;
                                if (!opened) {
                                        fprintf(fb, " address-family %s unicast\n", af == 0 ? "ipv4" : "ipv6");
                                        opened = true;
                                }
                                fprintf(fb, "  network %s\n", prefix_to_string(&p, buf));
                        }
                }
                for (size_t i = 0; i < c->n_tunnels; i++) {
                        const Tunnel *t = c->tunnels[i];
                        char peer[PREFIX_STRLEN], in[128], out[128];

                        if (!has_bgp(t) || t->bgp_peer_address.family != family)
                                continue;
                        address_to_string(&t->bgp_peer_address, peer);
                        r = render_list(fl, t, "in", &t->remote_prefixes, family, in, sizeof(in));
                        if (r < 0)
                                return r;
                        r = render_list(fl, t, "out", &t->local_prefixes, family, out, sizeof(out));
                        if (r < 0)
                                return r;
                        if (!opened) {
                                fprintf(fb, " address-family %s unicast\n", af == 0 ? "ipv4" : "ipv6");
                                opened = true;
                        }
                        fprintf(fb, "  neighbor %s activate\n  neighbor %s prefix-list %s in\n"
                                    "  neighbor %s prefix-list %s out\n",
                                peer, peer, in, peer, out);
                }
                if (opened)
                        fprintf(fb, "  maximum-paths %d\n exit-address-family\n", FRR_MAX_PATHS);
        }
        if (fclose(TAKE_PTR(fl)) != 0 || fclose(TAKE_PTR(fb)) != 0 || !lists || !body)
                return -ENOMEM;

        fputs("! gatewayd: BGP of the route-based tunnels (generated; gatewayd re-applies it)\n", f);
        fputs(lists, f);
        fprintf(f, "router bgp %u\n no bgp network import-check\n", c->gateway.bgp_asn);
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                char peer[PREFIX_STRLEN], local[PREFIX_STRLEN];

                if (!has_bgp(t))
                        continue;
                address_to_string(&t->bgp_peer_address, peer);
                address_to_string(&t->bgp_local_address, local);
                fprintf(f, " neighbor %s remote-as %u\n neighbor %s description gatewayd tunnel %s\n"
                           " neighbor %s update-source %s\n",
                        peer, t->bgp_peer_asn, peer, t->name, peer, local);
        }
        fputs(body, f);
        fputs("exit\n", f);
done:
        return memstream_finish(&f, &text, ret);
}

/* ---- the difference ---------------------------------------------------- */

typedef struct Parsed {
        uint32_t asn;
        char **neighbors;    /* "ADDR ASN" */
        size_t n_neighbors;
        char **networks;     /* "ipv4 PREFIX" */
        size_t n_networks;
        char **lists;        /* "ip NAME" */
        size_t n_lists;
} Parsed;

static void parsed_clear(Parsed *p) {
        strv_free(p->neighbors);
        strv_free(p->networks);
        strv_free(p->lists);
        *p = (Parsed) {};
}

static int strv_push(char ***v, size_t *n, const char *s) {
        char **nv;

        for (size_t i = 0; i < *n; i++)
                if (streq((*v)[i], s))
                        return 0;
        nv = reallocarray(*v, *n + 2, sizeof(char *));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        nv[*n] = strdup(s);
        nv[*n + 1] = NULL;
        if (!nv[*n])
                return -ENOMEM;
        (*n)++;
        return 0;
}

static bool strv_has(char *const *v, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (streq(v[i], s))
                        return true;
        return false;
}

/* Reads frr_render's own output back: only its shapes are understood. */
static int parse_rendered(const char *text, Parsed *ret) {
        _cleanup_free_ char *copy = strdup(text ?: "");
        char af[8] = "ipv4", *save = NULL;
        Parsed p = {};
        int r = 0;

        if (!copy)
                return -ENOMEM;
        for (char *line = strtok_r(copy, "\n", &save); line && r >= 0; line = strtok_r(NULL, "\n", &save)) {
                char a[64], b[128];
                unsigned u;

                if (sscanf(line, "router bgp %u", &u) == 1)
                        p.asn = u;
                else if (sscanf(line, " neighbor %63s remote-as %127s", a, b) == 2) {
                        char k[200];

                        snprintf(k, sizeof(k), "%s %s", a, b);
                        r = strv_push(&p.neighbors, &p.n_neighbors, k);
                } else if (sscanf(line, " address-family %7s unicast", a) == 1)
                        snprintf(af, sizeof(af), "%.4s", a);
                else if (sscanf(line, " network %127s", b) == 1) {
                        char k[200];

                        snprintf(k, sizeof(k), "%s %s", af, b);
                        r = strv_push(&p.networks, &p.n_networks, k);
                } else if (sscanf(line, "%7s prefix-list %127s", a, b) == 2) {
                        char k[200];

                        snprintf(k, sizeof(k), "%s %s", a, b);
                        r = strv_push(&p.lists, &p.n_lists, k);
                }
        }
        if (r < 0) {
                parsed_clear(&p);
                return r;
        }
        *ret = p;
        return 0;
}

int frr_script(const char *old, const char *new, char **ret) {
        _cleanup_(parsed_clear) Parsed o = {}, w = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t n = 0;
        int r;

        r = parse_rendered(old, &o);
        if (r < 0)
                return r;
        r = parse_rendered(new, &w);
        if (r < 0)
                return r;
        f = open_memstream(&text, &n);
        if (!f)
                return -ENOMEM;
        if (o.asn != 0 && o.asn != w.asn)
                /* Another ASN (or no BGP any more): the whole block goes. */
                fprintf(f, "no router bgp %u\n", o.asn);
        else if (o.asn != 0) {
                bool any = false;

                for (size_t i = 0; i < o.n_neighbors; i++)
                        if (!strv_has(w.neighbors, w.n_neighbors, o.neighbors[i])) {
                                char addr[64];

                                if (!any)
                                        fprintf(f, "router bgp %u\n", o.asn);
                                any = true;
                                if (sscanf(o.neighbors[i], "%63s", addr) == 1)
                                        fprintf(f, " no neighbor %s\n", addr);
                        }
                for (int af = 0; af < 2; af++) {
                        const char *afs = af == 0 ? "ipv4" : "ipv6";
                        bool opened = false;

                        for (size_t i = 0; i < o.n_networks; i++) {
                                if (strv_has(w.networks, w.n_networks, o.networks[i]) ||
                                    strncmp(o.networks[i], afs, 4) != 0)
                                        continue;
                                if (!any)
                                        fprintf(f, "router bgp %u\n", o.asn);
                                any = true;
                                if (!opened)
                                        fprintf(f, " address-family %s unicast\n", afs);
                                opened = true;
                                fprintf(f, "  no network %s\n", o.networks[i] + 5);
                        }
                        if (opened)
                                fputs(" exit-address-family\n", f);
                }
                if (any)
                        fputs("exit\n", f);
        }
        if (new)
                fputs(new, f);
        for (size_t i = 0; i < o.n_lists; i++)
                if (!strv_has(w.lists, w.n_lists, o.lists[i]))
                        fprintf(f, "no %s prefix-list %s\n", strncmp(o.lists[i], "ipv6", 4) == 0 ? "ipv6" : "ip",
                                strchr(o.lists[i], ' ') + 1);
        return memstream_finish(&f, &text, ret);
}

/* ---- FRR's answer ------------------------------------------------------ */

static const char *skip_ws(const char *s) {
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
                s++;
        return s;
}

/* The end of the JSON object starting at s ('{'), strings respected; NULL
 * if it does not end. */
static const char *object_end(const char *s) {
        unsigned depth = 0;
        bool in_str = false;

        for (; *s; s++) {
                if (in_str) {
                        if (*s == '\\' && s[1])
                                s++;
                        else if (*s == '"')
                                in_str = false;
                } else if (*s == '"')
                        in_str = true;
                else if (*s == '{')
                        depth++;
                else if (*s == '}' && --depth == 0)
                        return s;
        }
        return NULL;
}

/* The value of "key" directly inside [obj, end): its first character. */
static const char *find_key(const char *obj, const char *end, const char *key) {
        size_t kl = strlen(key);

        for (const char *s = obj + 1; s && s < end; s++) {
                const char *v;

                if (*s == '{') {
                        /* A nested object: not ours to look into. */
                        s = object_end(s);
                        continue;
                }
                if (*s != '"' || (size_t) (end - s) < kl + 2 || strncmp(s + 1, key, kl) != 0 || s[kl + 1] != '"')
                        continue;
                v = skip_ws(s + kl + 2);
                if (*v != ':')
                        continue;
                return skip_ws(v + 1);
        }
        return NULL;
}

int frr_summary_peer(const char *json, const char *peer, FrrPeer *ret) {
        char key[80];
        const char *s, *obj, *end, *v;
        FrrPeer p = {};

        s = skip_ws(json ?: "");
        if (*s != '{')
                return -EBADMSG;
        snprintf(key, sizeof(key), "\"%s\"", peer);
        for (s = strstr(s, key); s; s = strstr(s + 1, key)) {
                obj = skip_ws(s + strlen(key));
                if (*obj != ':')
                        continue;
                obj = skip_ws(obj + 1);
                if (*obj != '{')
                        continue;
                end = object_end(obj);
                if (!end)
                        return -EBADMSG;
                p.found = true;
                v = find_key(obj, end, "state");
                if (v && *v == '"') {
                        size_t l = strcspn(v + 1, "\"");

                        if (l >= sizeof(p.state))
                                l = sizeof(p.state) - 1;
                        memcpy(p.state, v + 1, l);
                        p.state[l] = 0;
                }
                p.established = streq(p.state, "Established");
                v = find_key(obj, end, "pfxRcd");
                if (v && *v >= '0' && *v <= '9')
                        p.prefixes_received = strtoull(v, NULL, 10);
                break;
        }
        *ret = p;
        return 0;
}

/* ---- vtysh ------------------------------------------------------------- */

typedef struct PeerMemo {
        char *tunnel;
        BgpState state;
        usec_t since;
} PeerMemo;

struct Frr {
        char *state_path;
        char *applied;              /* last frr_render applied; NULL: unknown */
        PeerMemo *memo;
        size_t n_memo;
};

/* Runs vtysh with args, its output (stdout, then stderr) into *ret_out.
 * Returns its exit status, or -errno (-ETIME past the deadline, after
 * killing it; -ENOENT when there is no vtysh). */
static int run_vtysh(char *const argv[], char **ret_out) {
        _cleanup_free_ char *out = NULL;
        posix_spawn_file_actions_t fa;
        int pfd[2], status = 0, r;
        size_t n = 0;
        pid_t pid;
        struct timespec t0, t1;

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
        posix_spawn_file_actions_adddup2(&fa, pfd[1], STDERR_FILENO);
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        close(pfd[1]);
        if (r != 0) {
                close(pfd[0]);
                return -r;
        }
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
                struct pollfd p = { .fd = pfd[0], .events = POLLIN };
                char buf[4096];
                long ms;
                ssize_t k;

                clock_gettime(CLOCK_MONOTONIC, &t1);
                ms = VTYSH_DEADLINE_MS - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
                if (ms <= 0 || poll(&p, 1, (int) ms) == 0) {
                        (void) kill(pid, SIGKILL);
                        (void) waitpid(pid, NULL, 0);
                        close(pfd[0]);
                        return -ETIME;
                }
                k = read(pfd[0], buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                if (n + (size_t) k > VTYSH_OUTPUT_MAX)
                        continue; /* read on to the end, keep the start */
                {
                        char *nb = realloc(out, n + (size_t) k + 1);

                        if (!nb) {
                                (void) kill(pid, SIGKILL);
                                (void) waitpid(pid, NULL, 0);
                                close(pfd[0]);
                                return -ENOMEM;
                        }
                        out = nb;
                        memcpy(out + n, buf, (size_t) k);
                        n += (size_t) k;
                        out[n] = 0;
                }
        }
        close(pfd[0]);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (ret_out)
                *ret_out = out ? TAKE_PTR(out) : strdup("");
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return -ECHILD;
}

int frr_new(const char *state_path, Frr **ret) {
        _cleanup_(frr_freep) Frr *f = calloc(1, sizeof(Frr));
        const ReadFileOptions o = { .max_size = 1024 * 1024 };
        size_t n = 0;
        int r;

        if (!f)
                return -ENOMEM;
        f->state_path = strdup(state_path);
        if (!f->state_path)
                return -ENOMEM;
        /* What a previous gatewayd applied: removed if the config no
         * longer has it. */
        r = read_full_file_at(AT_FDCWD, state_path, &o, &f->applied, &n, NULL);
        if (r < 0 && r != -ENOENT)
                log_warning("Failed to read %s (%s); BGP neighbors a previous gatewayd configured in FRR are not "
                            "removed",
                            state_path, strerror(-r));
        *ret = TAKE_PTR(f);
        return 0;
}

Frr *frr_free(Frr *f) {
        if (!f)
                return NULL;
        for (size_t i = 0; i < f->n_memo; i++)
                free(f->memo[i].tunnel);
        free(f->memo);
        free(f->applied);
        free(f->state_path);
        free(f);
        return NULL;
}

int frr_apply(Frr *f, const Config *c, bool force) {
        _cleanup_free_ char *want = NULL, *script = NULL, *out = NULL, *path = NULL;
        char *argv[] = { (char *) "vtysh", (char *) "-f", NULL, NULL };
        int r;

        r = frr_render(c, &want);
        if (r < 0)
                return log_error_errno(r, "BGP: failed to render FRR's configuration: %m");
        if (!force && f->applied && streq(f->applied, want))
                return 0;
        if (isempty(want) && isempty(f->applied))
                return 0; /* no BGP, and nothing of ours in FRR */
        r = frr_script(f->applied, want, &script);
        if (r < 0)
                return log_oom();
        if (asprintf(&path, "%s.vtysh", f->state_path) < 0)
                return log_oom();
        r = write_file_atomic(path, script, strlen(script), 0600);
        if (r < 0)
                return log_error_errno(r, "BGP: failed to write %s: %m", path);
        argv[2] = path;
        r = run_vtysh(argv, &out);
        (void) unlink(path);
        if (r != 0) {
                /* Nothing is known of FRR's state now: apply all again. */
                free(f->applied);
                f->applied = NULL;
                if (r == -ENOENT)
                        return log_error_errno(r, "BGP: vtysh not found; install FRR (Debian: apt-get install frr) "
                                               "and enable bgpd in /etc/frr/daemons");
                if (r < 0)
                        return log_error_errno(r, "BGP: vtysh failed: %m");
                return log_error_errno(-EIO, "BGP: FRR refused gatewayd's configuration (vtysh exit %d): %s", r,
                                       isempty(out) ? "no message" : out);
        }
        free(f->applied);
        f->applied = TAKE_PTR(want);
        r = write_file_atomic(f->state_path, f->applied, strlen(f->applied), 0644);
        if (r < 0)
                log_warning("BGP: failed to write %s (%s); a restarted gatewayd may leave stale neighbors in FRR",
                            f->state_path, strerror(-r));
        log_info("BGP: FRR configuration applied");
        return 0;
}

static PeerMemo *memo_get(Frr *f, const char *tunnel) {
        PeerMemo *n;

        for (size_t i = 0; i < f->n_memo; i++)
                if (streq(f->memo[i].tunnel, tunnel))
                        return &f->memo[i];
        n = reallocarray(f->memo, f->n_memo + 1, sizeof(PeerMemo));
        if (!n)
                return NULL;
        f->memo = n;
        n = &f->memo[f->n_memo];
        *n = (PeerMemo) { .tunnel = strdup(tunnel), .state = _BGP_STATE_INVALID };
        if (!n->tunnel)
                return NULL;
        f->n_memo++;
        return n;
}

void frr_poll(Frr *f, const Config *c, GatewayStatus *s, usec_t now) {
        char *argv[] = { (char *) "vtysh", (char *) "-c", (char *) "show bgp summary json", NULL };
        _cleanup_free_ char *json = NULL;
        bool any = false, reachable, lost = false;
        int r;

        for (size_t i = 0; i < c->n_tunnels; i++)
                any = any || has_bgp(c->tunnels[i]);
        for (size_t i = 0; s && i < s->n_tunnels; i++) {
                TunnelStatus *ts = s->tunnels[i];
                const Tunnel *t = config_find_tunnel(c, ts->name);

                if (ts->has_bgp && !(t && has_bgp(t))) {
                        free(ts->bgp.peer);
                        free(ts->bgp.reason);
                        ts->bgp = (BgpStatus) {};
                        ts->has_bgp = false;
                }
        }
        if (!any)
                return;
        r = run_vtysh(argv, &json);
        reachable = r == 0 && json && *skip_ws(json) == '{';

        for (size_t i = 0; s && i < s->n_tunnels; i++) {
                TunnelStatus *ts = s->tunnels[i];
                const Tunnel *t = config_find_tunnel(c, ts->name);
                char peer[PREFIX_STRLEN], reason[80] = "";
                PeerMemo *m;
                FrrPeer p = {};
                BgpState st;

                if (!t || !has_bgp(t))
                        continue;
                address_to_string(&t->bgp_peer_address, peer);
                if (reachable && frr_summary_peer(json, peer, &p) < 0)
                        p = (FrrPeer) {};
                if (!reachable) {
                        st = BGP_STATE_DOWN;
                        snprintf(reason, sizeof(reason), "frr-unreachable");
                } else if (!p.found) {
                        st = BGP_STATE_DOWN;
                        snprintf(reason, sizeof(reason), "not-configured");
                        lost = true;
                } else if (p.established)
                        st = BGP_STATE_ESTABLISHED;
                else {
                        st = BGP_STATE_CONNECTING;
                        if (ts->state != TUNNEL_STATE_UP)
                                snprintf(reason, sizeof(reason), "tunnel-down");
                        else
                                snprintf(reason, sizeof(reason), "session-lost: %s", p.state[0] ? p.state : "?");
                }
                if (st != BGP_STATE_ESTABLISHED && ts->state != TUNNEL_STATE_UP && reachable && p.found)
                        st = BGP_STATE_DOWN;

                m = memo_get(f, t->name);
                if (!m) {
                        (void) log_oom();
                        return;
                }
                if (m->state != st) {
                        if (st == BGP_STATE_ESTABLISHED)
                                (void) log_event(EVENT_BGP_UP, t->name, peer, NULL,
                                                 "tunnel '%s': BGP session with %s (AS %u) established, %" PRIu64
                                                 " prefixes received",
                                                 t->name, peer, t->bgp_peer_asn, p.prefixes_received);
                        else if (m->state == BGP_STATE_ESTABLISHED)
                                (void) log_event(EVENT_BGP_DOWN, t->name, peer, reason,
                                                 "tunnel '%s': BGP session with %s (AS %u) is down: %s", t->name,
                                                 peer, t->bgp_peer_asn, reason);
                        m->state = st;
                        m->since = now;
                }
                ts->has_bgp = true;
                if (status_set_string(&ts->bgp.peer, peer) < 0 ||
                    status_set_string(&ts->bgp.reason, reason[0] ? reason : NULL) < 0) {
                        (void) log_oom();
                        return;
                }
                ts->bgp.peer_asn = t->bgp_peer_asn;
                ts->bgp.state = st;
                ts->bgp.since = m->since;
                ts->bgp.prefixes_received = p.prefixes_received;
        }
        /* FRR was restarted (or someone removed gatewayd's part): put it
         * back whole. */
        if (lost) {
                log_warning("BGP: FRR lacks neighbors gatewayd configured; applying the configuration again");
                free(f->applied);
                f->applied = NULL;
                (void) frr_apply(f, c, true);
        }
}
