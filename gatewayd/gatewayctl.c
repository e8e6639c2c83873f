/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>

#include <systemd/sd-event.h>

#include <net/if.h>
#include <netlink/netlink.h>

#include "apply.h"
#include "bypass.h"
#include "check.h"
#include "creds.h"
#include "counters.h"
#include "ctl-status.h"
#include "nft.h"
#include "shield.h"
#include "xfrm-kernel.h"
#include "ikepolicy.h"
#include "log.h"
#include "secret.h"
#include "vici-client.h"

static const char *arg_config_dir = CONF_DEFAULT_DIR;
static bool arg_explain;
static const char *arg_resource_group;
static const char *arg_connection;
static bool arg_json;
static const char *arg_status_file;
/* How long a command that talks to charon may take, connecting included. */
#define DEFAULT_TIMEOUT_USEC (10 * 1000000ULL)
static uint64_t arg_timeout_usec = DEFAULT_TIMEOUT_USEC;

static void print_explain(void) {
        const AlgInfo *cat;
        size_t n;

        cat = ikepolicy_catalogue(&n);
        printf("%-16s %-12s %-14s %-10s %s\n", "KEY", "VALUE", "STRONGSWAN", "TIER", "RULE");
        for (size_t i = 0; i < n; i++)
                printf("%-16s %-12s %-14s %-10s %s\n", profile_alg_to_string(cat[i].field), cat[i].azure,
                       cat[i].keyword ? (*cat[i].keyword ? cat[i].keyword : "(none)") : "-",
                       alg_tier_to_string(cat[i].tier), cat[i].reason ? cat[i].reason : "");
        printf("\napproved: always accepted; legacy: only with FipsMode=no (logged as a warning);\n"
               "forbidden: never accepted.\n");
}

static int verb_check(char *const *args) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        const ConfOptions o = { .secret_owner = 0, .check_files = true };
        int r;

        if (arg_explain) {
                print_explain();
                printf("\n");
        }
        r = gw_check(arg_config_dir, &o, time(NULL), &d, &c);
        gw_print_diagnostics(&d, stderr);
        if (r == 0)
                printf("%s: %zu tunnel%s, %zu profile%s: OK\n", arg_config_dir, c->n_tunnels,
                       c->n_tunnels == 1 ? "" : "s", c->n_profiles, c->n_profiles == 1 ? "" : "s");
        return r;
}

static int verb_genpsk(char *const *args) {
        char key[PSK_GENERATED_LEN + 1];
        int r;

        r = psk_generate(key, PSK_GENERATED_LEN);
        if (r < 0)
                return log_error_errno(r, "Failed to generate a key: %m");
        /* "genpsk > file" with the usual umask makes a 0644 file that
         * gatewayd then refuses: say so before the key is in it. */
        if (file_is_exposed(STDOUT_FILENO))
                log_warning("writing the key to a file that group or others can read; consider umask 077, or "
                            "'gatewayctl genpsk FILE', which creates FILE 0600");
        /* Printed once, for the operator to store in a 0600 file and in Azure. */
        printf("%s\n", key);
        explicit_bzero(key, sizeof(key));
        return 0;
}

static int verb_genpsk_file(char *const *args) {
        char key[PSK_GENERATED_LEN + 1];
        int r;

        r = psk_generate(key, PSK_GENERATED_LEN);
        if (r < 0)
                return log_error_errno(r, "Failed to generate a key: %m");
        r = psk_file_create(args[0], key);
        explicit_bzero(key, sizeof(key));
        if (r == -EEXIST)
                return log_error_errno(r, "Refusing to overwrite %s: it exists; remove it first or choose another "
                                       "name", args[0]);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", args[0]);
        /* Nothing secret on the terminal: the key is in the file only. */
        fprintf(stderr, "Wrote a new key to %s (mode 0600); give the same key to the peer (Azure: the "
                "connection's shared key)\n", args[0]);
        return 0;
}

/* Reads the tree for commands that need its model, not its verdict (the
 * profile, a tunnel's name and prefixes, the Vici socket): errors are not
 * printed and secret files are not read. Returns 0 with *ret set, or -errno
 * (logged) when nothing could be read. */
static int load_tree(Config **ret) {
        _cleanup_(diag_list_clear) DiagList d = {};
        const ConfOptions o = { .secret_owner = 0, .check_files = false };
        Config *c = NULL;
        int r;

        r = conf_load(arg_config_dir, &o, &d, &c);
        if (r < 0) { /* worse than errors in the files */
                config_free(c);
                return log_error_errno(r, "Failed to read %s: %m", arg_config_dir);
        }
        *ret = c;
        return 0;
}

/* For every certificate tunnel of profile p: what the Azure connection's
 * certificate authentication needs (REST certificateAuthentication, API
 * 2025-01-01): this device's certificate subject name, and the chain of CA
 * certificates that issued it (the certificates after the first in
 * Certificate=, as base64 DER). */
static int print_azure_cert_auth(const Config *c, const Profile *p) {
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                _cleanup_free_ char *cn = NULL;
                char **chain = NULL;
                size_t n = 0;
                int r;

                if (t->auth != AUTH_CERTIFICATE || !t->certificate || !streq_ptr(t->profile_name, p->name))
                        continue;
                printf("\n# Certificate authentication of tunnel '%s' (%s): the Azure connection's\n"
                       "# authenticationType Certificate, certificateAuthentication:\n", t->name, t->path);
                r = creds_cert_common_name(t->certificate, &cn);
                if (r < 0)
                        return log_error_errno(r, "%s: Certificate=%s: cannot read its subject: %m", t->path,
                                               t->certificate);
                printf("#   inboundAuthCertificateSubjectName: %s\n", cn);
                r = creds_cert_texts(t->certificate, false, &chain, &n);
                if (r < 0)
                        return log_error_errno(r, "%s: Certificate=%s: cannot read it: %m", t->path, t->certificate);
                printf("#   inboundAuthCertificateChain (base64 DER, the CAs that issued this device's certificate):\n");
                for (size_t j = 1; j < n; j++)
                        printf("#     %s\n", chain[j]);
                if (n < 2)
                        printf("#     (Certificate= holds no CA certificate: add the certificate of the CA that "
                               "issued it, and its root)\n");
                else
                        printf("#     (add the root CA's certificate when Certificate= does not end with it)\n");
                printf("#   outboundAuthCertificate: Azure's own certificate (Key Vault); CACertificate=%s must be "
                       "the CA that issued it\n", t->ca_certificate ? t->ca_certificate : "?");
                for (size_t j = 0; j < n; j++)
                        free(chain[j]);
                free(chain);
        }
        return 0;
}

/* For every Mode=route tunnel of profile p: the Azure side of a route-based
 * connection (BGP enabled, ASNs, the APIPA address when used). */
static int print_azure_route(const Config *c, const Profile *p) {
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                _cleanup_free_ char *text = NULL;
                int r;

                if (t->mode != TUNNEL_MODE_ROUTE || t->stub || !streq_ptr(t->profile_name, p->name))
                        continue;
                r = ikepolicy_azure_route_commands(&c->gateway, t, arg_resource_group, &text);
                if (r == -EINVAL)
                        continue; /* BGP without BgpAsn: --check says so */
                if (r < 0)
                        return log_error_errno(r, "Failed to build the Azure commands of tunnel '%s': %m", t->name);
                fputs(text, stdout);
        }
        return 0;
}

static int verb_azure_policy(char *const *args) {
        const char *name = args[0];
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_free_ char *text = NULL;
        const Profile *p = NULL;
        int r;

        /* The profile may be a built-in or one of profiles.d. Every refusal
         * is explained by a diagnostic; only a tree that cannot be read at
         * all is an errno. */
        r = gw_check_profile(arg_config_dir, name, &d, &c, &p);
        gw_print_diagnostics(&d, stderr);
        if (r == -ENOENT || r == -EINVAL)
                return r;
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", arg_config_dir);
        r = ikepolicy_azure_commands(p, arg_resource_group, arg_connection, &text);
        if (r < 0)
                return log_error_errno(r, "Failed to build the Azure commands for profile '%s' (%s): %m", name,
                                       p->path);
        fputs(text, stdout);
        r = print_azure_cert_auth(c, p);
        if (r < 0)
                return r;
        return print_azure_route(c, p);
}

/* Sums "counter packets N" of the drop rules in gatewayd's nftables table. */
static uint64_t nft_drops(void) {
        _cleanup_free_ char *text = NULL, *err = NULL;

        if (nft_gatewayd_list(&text, &err) < 0 || !text)
                return 0;
        return nft_drops_parse(text);
}

/* The shield gatewayd keeps for c: the blocks, the TUN allows, and route
 * mode's allows bound to each route tunnel's interface (as guard.c). */
static int expected_shield(const Config *c, int tun, ShieldPolicySet *ret) {
        _cleanup_free_ int *ifx = calloc(c->n_tunnels ? c->n_tunnels : 1, sizeof(int));

        if (!ifx)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                char ifname[TUNNEL_IFNAME_MAX + 1];

                if (c->tunnels[i]->mode == TUNNEL_MODE_ROUTE && c->gateway.data_plane == DATA_PLANE_KERNEL)
                        ifx[i] = (int) if_nametoindex(tunnel_ifname(c->tunnels[i]->name, ifname));
        }
        return shield_build_routes((const Tunnel *const *) c->tunnels, c->n_tunnels, c->gateway.data_plane, tun, ifx,
                                   ret);
}

/* Exit 3 (DESIGN.md) when a policy is missing, table inet gatewayd is
 * missing, or something bypasses the shield. */
static int verb_shield(char *const *args) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(shield_policy_set_clear) ShieldPolicySet want = {}, have = {}, all = {};
        _cleanup_(shield_bypass_list_clear) ShieldBypassList bypasses = {};
        _cleanup_(nl_socket_freep) struct nl_sock *sk = NULL;
        _cleanup_free_ char *extack = NULL, *table = NULL, *nft_error = NULL;
        ShieldCounters k = {};
        size_t n_foreign = 0;
        time_t now = time(NULL);
        int tun = (int) if_nametoindex(SHIELD_DEFAULT_TUN_NAME);
        bool missing = false, fail_closed = false, kernel_in = false;
        int r;

        r = load_tree(&c);
        if (r < 0)
                return r;
        r = expected_shield(c, tun, &want);
        if (r < 0)
                return log_error_errno(r, "Failed to build the expected shield: %m");
        r = xfrm_socket_open(&sk);
        if (r < 0)
                return log_error_errno(r, "Failed to open the XFRM socket: %m");
        r = xfrm_shield_dump(sk, &have, &all, &n_foreign, &extack);
        if (r < 0)
                return log_error_errno(r, "Failed to dump XFRM policies%s%s: %m", extack ? ": " : "",
                                       extack ? extack : "");
        printf("%-24s %-11s %-10s %s\n", "TUNNEL", "FAILCLOSED", "POLICIES", "LAST DROP");
        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *t = c->tunnels[i];
                size_t n_want = 0, n_have = 0;
                uint64_t last;
                char ago[32] = "never";

                fail_closed = fail_closed || t->fail_closed;
                for (size_t j = 0; j < want.n; j++) {
                        const ShieldPolicy *h;

                        if (!streq(want.items[j].tunnel, t->name))
                                continue;
                        n_want++;
                        h = shield_policy_set_find(&have, &want.items[j]);
                        if (h && shield_policy_equivalent(h, &want.items[j]))
                                n_have++;
                }
                missing = missing || n_have < n_want;
                last = shield_last_block_use(&want, &have, t->name);
                if (last > 0)
                        snprintf(ago, sizeof(ago), "%llds ago", (long long) (now - (time_t) last));
                printf("%-24s %-11s %zu/%-8zu %s\n", t->name, t->fail_closed ? "yes" : "no", n_have, n_want,
                       n_want ? ago : "-");
        }
        r = xfrm_shield_read_counters(&k);
        printf("\nkernel: %zu shield policies, %zu other XFRM policies (charon's)\n", have.n, n_foreign);
        if (r >= 0)
                printf("dropped: XfrmOutPolBlock=%llu XfrmInPolBlock=%llu, nftables drops=%llu\n",
                       (unsigned long long) k.out_pol_block, (unsigned long long) k.in_pol_block,
                       (unsigned long long) nft_drops());
        /* With FailClosed tunnels the table holds part of the shield (the
         * inbound and IPv6 half with DataPlane=userspace). */
        if (fail_closed && nft_gatewayd_list(&table, &nft_error) == -ENOENT) {
                printf("MISSING: nftables table inet gatewayd\n");
                missing = true;
        }

        r = shield_find_policy_bypasses(&want, &all, tun, &bypasses);
        if (r < 0)
                return log_oom();
        for (size_t i = 0; i < want.n; i++)
                kernel_in = kernel_in || want.items[i].dir != SHIELD_DIR_OUT;
        if (fail_closed) {
                r = shield_find_sysctl_bypasses("/proc/sys/net",
                                                c->gateway.data_plane == DATA_PLANE_USERSPACE ? SHIELD_DEFAULT_TUN_NAME
                                                                                              : NULL,
                                                kernel_in, &bypasses);
                if (r < 0)
                        return log_error_errno(r, "Failed to read /proc/sys/net: %m");
        }
        for (size_t i = 0; i < bypasses.n; i++)
                printf("BYPASSED: %s: %s\n", bypasses.items[i].tunnel[0] ? bypasses.items[i].tunnel : "every tunnel",
                       bypasses.items[i].what);
        return missing || bypasses.n > 0 ? 3 : 0;
}

/* One VICI command, synchronously: for up/down. */
typedef struct CallState {
        sd_event *event;
        int error;
        char *errmsg;
        bool done;
} CallState;

static void on_call_done(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        CallState *s = userdata;
        const char *errmsg = NULL;

        s->done = true;
        s->error = error;
        if (error == 0 && vici_response_success(response, &errmsg) != 1) {
                s->error = -EREMOTEIO;
                s->errmsg = errmsg ? strdup(errmsg) : NULL;
        }
        (void) sd_event_exit(s->event, 0);
}

static void on_call_state(VICIClient *c, bool connected, int error, void *userdata) {
        CallState *s = userdata;

        if (!connected && !s->done) {
                s->done = true;
                s->error = error ? error : -ECONNRESET;
                (void) sd_event_exit(s->event, 0);
        }
}

/* The whole command's deadline (the client's covers the answer only). */
static int on_call_deadline(sd_event_source *src, uint64_t usec, void *userdata) {
        CallState *s = userdata;

        if (!s->done) {
                s->done = true;
                s->error = -ETIMEDOUT;
        }
        return sd_event_exit(s->event, 0);
}

/* "10 s", "2.5 s" */
static const char *format_timeout(char buf[static 32]) {
        snprintf(buf, 32, "%g s", (double) arg_timeout_usec / 1e6);
        return buf;
}

/* Why charon could not be asked, naming its socket. */
static int report_unreachable(const char *name, const char *uri, int error, const char *reason) {
        char t[32];

        if (reason)
                return log_error_errno(error, "tunnel '%s': %s (%s); is strongswan.service running?", name, reason,
                                       uri);
        if (error == -ETIMEDOUT)
                return log_error_errno(error, "tunnel '%s': charon at %s did not answer within %s; is "
                                       "strongswan.service running?", name, uri, format_timeout(t));
        if (error == -ECONNRESET)
                return log_error_errno(error, "tunnel '%s': charon at %s closed the connection; is "
                                       "strongswan.service running?", name, uri);
        return log_error_errno(error, "tunnel '%s': cannot reach charon at %s: %m; is strongswan.service running?",
                               name, uri);
}

static int up_down(bool up, const char *name) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(vici_client_freep) VICIClient *v = NULL;
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);
        _cleanup_(sd_event_source_unrefp) sd_event_source *deadline = NULL;
        CallState s = {};
        const Tunnel *t;
        char charon_ms[32];
        int r;

        r = load_tree(&c);
        if (r < 0)
                return r;
        t = config_find_tunnel(c, name);
        if (!t) {
                log_error("no tunnel '%s' in %s/tunnels.d", name, arg_config_dir);
                return -ENOENT;
        }
        if (up && !t->enabled) {
                log_error("tunnel '%s' is disabled (Enabled=no); enable it and reload gatewayd", name);
                return -EPERM;
        }
        if (!msg)
                return log_oom();
        /* initiate waits for the child SA (charon's timeout, in ms);
         * terminate deletes the IKE SA and with it every child. charon is
         * to give up a little before our deadline, so that its answer (and
         * its reason) still arrives. */
        snprintf(charon_ms, sizeof(charon_ms), "%llu",
                 (unsigned long long) (arg_timeout_usec > 4000000 ? arg_timeout_usec - 2000000 : arg_timeout_usec / 2) /
                         1000);
        if (up)
                r = settings_set(msg, "child", name, 0) < 0 || settings_set(msg, "ike", name, 0) < 0 ||
                    settings_set(msg, "timeout", charon_ms, 0) < 0 ? -ENOMEM : 0;
        else
                r = settings_set(msg, "ike", name, 0) < 0 || settings_set(msg, "timeout", charon_ms, 0) < 0
                            ? -ENOMEM : 0;
        if (r < 0)
                return log_oom();
        r = sd_event_new(&e);
        if (r < 0)
                return log_error_errno(r, "Failed to create an event loop: %m");
        s.event = e;
        r = vici_client_new(e, c->gateway.vici, NULL, NULL, &v);
        if (r < 0)
                return log_error_errno(r, "Vici=%s: %m", c->gateway.vici);
        vici_client_set_handlers(v, on_call_state, NULL, &s);
        vici_client_set_timeout(v, arg_timeout_usec);
        r = sd_event_add_time_relative(e, &deadline, CLOCK_MONOTONIC, arg_timeout_usec + 500 * 1000, 10 * 1000,
                                       on_call_deadline, &s);
        if (r < 0)
                return log_error_errno(r, "Failed to set the deadline: %m");
        r = vici_client_connect(v);
        if (r < 0)
                return report_unreachable(name, c->gateway.vici, r, NULL);
        r = vici_client_call(v, up ? "initiate" : "terminate", msg, on_call_done, &s);
        /* -ENOTCONN: the connect failed at once; the state handler says why. */
        if (r < 0 && r != -ENOTCONN)
                return log_error_errno(r, "Failed to send the command: %m");
        r = sd_event_loop(e);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        if (s.error < 0) {
                if (s.errmsg)
                        log_error("tunnel '%s': %s", name, s.errmsg);
                else if (s.error == -EREMOTEIO)
                        log_error("tunnel '%s': charon at %s refused the command", name, c->gateway.vici);
                else
                        (void) report_unreachable(name, c->gateway.vici, s.error, vici_client_error_reason(v));
                free(s.errmsg);
                return s.error;
        }
        printf("tunnel '%s' is %s\n", name, up ? "up" : "down");
        return 0;
}

static int verb_up(char *const *args) {
        return up_down(true, args[0]);
}

static int verb_down(char *const *args) {
        return up_down(false, args[0]);
}

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* The commands, as wireguard-tools' wg.c lists its subcommands: one row per
 * verb, its exact number of arguments (args[] holds them), and its help:
 * usage and text in two columns, '\n' starting a new line in each. */
typedef struct Verb {
        const char *name;
        size_t n_args;
        int (*run)(char *const *args);
        const char *usage;
        const char *help;
} Verb;

static const Verb verbs[] = {
        /* Help only: main() runs status itself. */
        { "status", 0, NULL, "status [--json] [NAME]\n    [--status-file PATH]",
          "tunnels from the status file: state, since, peer,\nalgorithms, traffic, shield, certificate; exit 3\nwhen an enabled tunnel is not up" },
        { "check", 0, verb_check, "check [--explain]",
          "validate the config; --explain prints the\nalgorithm table with tiers and reasons" },
        { "genpsk", 0, verb_genpsk, "genpsk",
          "print a new random pre-shared key (" STRINGIFY(PSK_GENERATED_LEN) " characters)" },
        { "genpsk", 1, verb_genpsk_file, "genpsk FILE",
          "write a new key to FILE, created with mode 0600;\nan existing FILE is never overwritten" },
        { "shield", 0, verb_shield, "shield",
          "the fail-closed shield: policies in the kernel per\ntunnel, when each last dropped, drop counters,\nwhat bypasses it; exit 3 when a part is missing\nor bypassed" },
        { "up", 1, verb_up, "up NAME", "bring tunnel NAME up (charon initiates it)" },
        { "down", 1, verb_down, "down NAME", "take tunnel NAME down (its SAs are deleted)" },
        { "azure-policy", 1, verb_azure_policy,
          "azure-policy PROFILE\n    [--resource-group RG]\n    [--connection NAME]",
          "print the Azure CLI and PowerShell commands that\ngive the Azure connection the same policy" },
};

/* Prints usage and text side by side, line by line. */
static void print_columns(const char *usage, const char *text) {
        while (*usage || *text) {
                int nu = (int) strcspn(usage, "\n"), nt = (int) strcspn(text, "\n");

                if (nt > 0)
                        printf("  %-25.*s %.*s\n", nu, usage, nt, text);
                else
                        printf("  %.*s\n", nu, usage);
                usage += nu + (usage[nu] == '\n');
                text += nt + (text[nt] == '\n');
        }
}

static void help(void) {
        printf("Usage: gatewayctl [--config-dir DIR] COMMAND [ARGS]\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                print_columns(verbs[i].usage, verbs[i].help);
        printf("\nOptions:\n");
        print_columns("--config-dir DIR", "the config tree (default " CONF_DEFAULT_DIR ")");
        print_columns("--timeout SEC", "how long up and down wait for charon\n(default 10)");
        print_columns("--help", "show this help");
        print_columns("--version", "show the version");
}

/* Runs the verb named argv[0] with the rest as its arguments. Returns its
 * result, or -EINVAL (logged) for an unknown verb or a wrong number of
 * arguments: a usage error. */
static int dispatch(int argc, char *const *argv, bool *ret_usage_error) {
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (verbs[i].run && streq(verbs[i].name, argv[0]) && (size_t) argc - 1 == verbs[i].n_args)
                        return verbs[i].run(argv + 1);
        log_error("unknown command or wrong arguments: '%s'; see --help", argv[0]);
        *ret_usage_error = true;
        return -EINVAL;
}

int main(int argc, char *argv[]) {
        enum {
                ARG_CONFIG_DIR = 0x100,
                ARG_EXPLAIN,
                ARG_RESOURCE_GROUP,
                ARG_CONNECTION,
                ARG_JSON,
                ARG_STATUS_FILE,
                ARG_TIMEOUT,
                ARG_VERSION,
        };
        static const struct option options[] = {
                { "config-dir", required_argument, NULL, ARG_CONFIG_DIR },
                { "explain", no_argument, NULL, ARG_EXPLAIN },
                { "resource-group", required_argument, NULL, ARG_RESOURCE_GROUP },
                { "connection", required_argument, NULL, ARG_CONNECTION },
                { "json", no_argument, NULL, ARG_JSON },
                { "status-file", required_argument, NULL, ARG_STATUS_FILE },
                { "timeout", required_argument, NULL, ARG_TIMEOUT },
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                {}
        };
        bool usage_error = false;
        int c, r;

        log_set_program("gatewayctl");
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case ARG_CONFIG_DIR:
                        arg_config_dir = optarg;
                        break;
                case ARG_EXPLAIN:
                        arg_explain = true;
                        break;
                case ARG_RESOURCE_GROUP:
                        arg_resource_group = optarg;
                        break;
                case ARG_CONNECTION:
                        arg_connection = optarg;
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_STATUS_FILE:
                        arg_status_file = optarg;
                        break;
                case ARG_TIMEOUT: {
                        char *end = NULL;
                        double sec;

                        errno = 0;
                        sec = strtod(optarg, &end);
                        if (errno != 0 || end == optarg || *end || !(sec > 0 && sec <= 3600)) {
                                log_error("--timeout=%s: not a number of seconds between 0 and 3600; e.g. "
                                          "--timeout 30", optarg);
                                return 2;
                        }
                        arg_timeout_usec = (uint64_t) (sec * 1e6);
                        break;
                }
                case ARG_VERSION:
                        printf("gatewayctl %s\n", PACKAGE_VERSION);
                        return 0;
                case 'h':
                        help();
                        return 0;
                default:
                        return 2;
                }
        if (optind >= argc) {
                help();
                return 2;
        }
        /* status takes an optional NAME and has its own exit codes (0, 1,
         * 2, 3): it is not one of the table's verbs. */
        if (streq(argv[optind], "status"))
                return verb_status(argc - optind, argv + optind,
                                   &(StatusOptions) { arg_config_dir, arg_status_file, arg_json });
        r = dispatch(argc - optind, argv + optind, &usage_error);
        if (usage_error)
                return 2;
        /* A verb's own exit code (shield: 3) is positive. */
        return r < 0 ? 1 : r;
}
