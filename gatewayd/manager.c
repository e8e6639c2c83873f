/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>

#include "apply.h"
#include "charon-log.h"
#include "certexpiry.h"
#include "check.h"
#include "config-events.h"
#include "credwatch.h"
#include "guard.h"
#include "health.h"
#include "journal.h"
#include "counters.h"
#include "manager.h"
#include "metrics.h"
#include "nft.h"
#include "owned.h"
#include "pacer.h"
#include "xfrm-kernel.h"
#include "retry.h"
#include "route.h"
#include "frr.h"
#include "vici-client.h"

#define RECONNECT_MIN_USEC (100 * 1000ULL)
#define RECONNECT_MAX_USEC (5 * 1000 * 1000ULL)

/* "log": charon names why an SA failed (a notify error from the peer) only
 * in its log; see on_vici_event. */
static const char *const vici_events[] = { "ike-updown", "child-updown", "ike-rekey", "child-rekey", "log",
                                            "list-sa" };

struct Manager {
        sd_event *event;
        char *dir;
        ConfOptions opts;
        Config *config;
        TunnelFingerprint *fp;        /* fp[i] belongs to config->tunnels[i] */
        int64_t config_time;          /* when config was checked (wall clock, s) */

        Guard *guard;
        Routes *routes;               /* route mode's interfaces and routes; NULL if rtnetlink failed */
        Frr *frr;                     /* BGP through FRR */
        VICIClient *vici;
        ApplyContext apply;
        bool vici_up, vici_was_up;
        uint64_t backoff_usec;
        sd_event_source *reconnect;
        unsigned apply_failures;      /* commands that failed since the last apply */
        uint64_t apply_start_usec;    /* when the current batch was queued */
        const char *apply_what;       /* "apply" or "reload", for the log */
        /* apply_all renders APPLY_CONN_BATCH tunnels per event-loop
         * iteration, from apply_next on, while applying. */
        sd_event_source *apply_more;
        size_t apply_next;
        bool applying;

        /* Tunnels whose load charon refused (or that could not be encoded):
         * loaded again after a doubling backoff; their fingerprints are
         * forgotten, so a reload sends them again too. */
        char **load_failed;
        size_t n_load_failed;
        sd_event_source *load_retry;
        uint64_t load_backoff_usec;

        Owned owned;                     /* charon's connections that gatewayd loaded */

        sd_event_source *sig[3];
        int lock_fd;                     /* MANAGER_LOCK_NAME, held while running */
        CredWatch *creds;
        RetryList *retries;
        Pacer *pacer;                    /* initiates tunnels, a few per peer at a time */

        Health *health;
        sd_event_source *health_timer;   /* list-sas every HealthIntervalSec */
        sd_event_source *status_timer;   /* a status write shortly after a change */
        sd_event_source *cert_timer;     /* certificates: daily, and at their boundaries */
        bool listing;                    /* a health list-sas is in flight */
        bool ready;                      /* READY=1 went out */
        bool reload_ready_pending;       /* READY=1 after the reload's batch */

        sd_event_source *reload_timer;   /* the next reload (reload_schedule) */
        sd_event_source *trim_timer;     /* gives freed heap back, off the hot path (schedule_trim) */
        bool trim_due;                   /* something large was freed since the last trim */
        Config *retired;                 /* the config a reload replaced, freed when idle (retire_config) */
        sd_event_source *retire_event;
        bool reload_wanted;              /* a SIGHUP or credential change waits for it */
        uint64_t reload_last_usec;       /* when the last reload began */
        int refusal_reported;            /* the error whose reason was logged last, or 0 */
};

/* Reloads are at least this far apart: a burst of SIGHUPs (a script that
 * reloads once per file it writes) is one reload, or two. */
#define RELOAD_MIN_INTERVAL_USEC (1000 * 1000ULL)

/* A changed state is written this soon (changes come in bursts: a restart
 * brings 1,000 tunnels up within a second). */
#define STATUS_DEBOUNCE_USEC (200 * 1000ULL)
/* After a tunnel first comes up with a new IKE SA, its child SA is rekeyed
 * this soon: with IKEv2 the first child takes its keys from the IKE SA, so a
 * PfsGroup mismatch would otherwise show only at the first rekey, hours
 * later. */
#define EARLY_REKEY_USEC (2 * 1000 * 1000ULL)

static usec_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

/* "; N tunnels not loaded: shield incomplete" for STATUS=, or "". */
static const char *held_status(Manager *m, char *buf, size_t size) {
        size_t n = guard_n_unshielded(m->guard);

        if (n == 0)
                return "";
        snprintf(buf, size, "; %zu tunnel%s not loaded: shield incomplete", n, n == 1 ? "" : "s");
        return buf;
}

/* STATUS= with the tunnel counts. */
static void notify_status(Manager *m) {
        size_t up, enabled;
        char held[96];

        health_counts(m->health, &up, &enabled);
        (void) sd_notifyf(false, "STATUS=%zu/%zu tunnels up%s", up, enabled, held_status(m, held, sizeof(held)));
}

static void reload_schedule(Manager *m);

/* READY=1 is true when it is sent: the shield is in and charon has answered
 * the whole apply (or reload), or charon was found absent. A reload asked
 * for meanwhile may go now. */
static void notify_ready(Manager *m, const char *why) {
        size_t up, enabled;
        char held[96];

        health_counts(m->health, &up, &enabled);
        (void) sd_notifyf(false, "READY=1\nSTATUS=%zu/%zu tunnels up%s%s%s", up, enabled,
                          held_status(m, held, sizeof(held)), why ? "; " : "", why ? why : "");
        m->ready = true;
        m->reload_ready_pending = false;
        reload_schedule(m);
}

/* What the shield dropped: the kernel's block counters and the drops of
 * gatewayd's nftables table (for the metrics). */
static uint64_t shield_drops(void) {
        _cleanup_free_ char *text = NULL, *err = NULL;
        ShieldCounters k = {};
        uint64_t n = 0;

        if (xfrm_shield_read_counters(&k) >= 0)
                n += k.out_pol_block + k.in_pol_block;
        if (nft_gatewayd_list(&text, &err) >= 0 && text)
                n += nft_drops_parse(text);
        return n;
}

static int write_status(Manager *m) {
        GatewayStatus *s = health_status(m->health, realtime_usec());
        int r;

        r = status_write_file(m->config->gateway.status_file, s);
        if (r < 0)
                log_warning("Failed to write the status file %s: %s", m->config->gateway.status_file, strerror(-r));
        if (m->config->gateway.metrics_file) {
                int q = metrics_write_file(m->config->gateway.metrics_file, s,
                                           &(MetricsCounters) { .shield_drops = shield_drops() });
                if (q < 0)
                        log_warning("Failed to write the metrics file %s: %s", m->config->gateway.metrics_file,
                                    strerror(-q));
        }
        notify_status(m);
        return r;
}

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->status_timer = sd_event_source_disable_unref(m->status_timer);
        health_flush(m->health);
        (void) write_status(m);
        return 0;
}

static void check_certificates(Manager *m);
static void status_changed(Manager *m);
static bool creds_window_crossed(Manager *m, int64_t now, usec_t *ret_next);

/* Credentials over time (failure isolation): whether a tunnel's
 * credentials crossed their validity window since the config was read — a
 * running tunnel's certificate expired (it goes down), or a broken tunnel's
 * became valid (a clock set right by NTP at boot; it is loaded). Also the
 * next such moment after now, or UINT64_MAX. */
static bool creds_window_crossed(Manager *m, int64_t now, usec_t *ret_next) {
        usec_t next = UINT64_MAX;
        bool crossed = false;

        for (size_t i = 0; i < m->config->n_tunnels; i++) {
                const Tunnel *t = m->config->tunnels[i];
                int64_t when = 0;

                if (!t->enabled || (t->cred_not_before == 0 && t->cred_not_after == 0))
                        continue;
                if (t->broken && t->cred_not_before > m->config_time) {
                        /* Not valid yet when the config was read; valid
                         * from then on (if it is only that which broke it,
                         * the reload loads it). */
                        if (now >= t->cred_not_before)
                                crossed = true;
                        else
                                when = t->cred_not_before;
                } else if (!t->broken && t->cred_not_after > 0) {
                        if (now > t->cred_not_after)
                                crossed = true;
                        else
                                when = t->cred_not_after + 1;
                }
                if (when > 0 && (usec_t) when * USEC_PER_SEC < next)
                        next = (usec_t) when * USEC_PER_SEC;
        }
        *ret_next = next;
        return crossed;
}

static int on_cert_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        usec_t next;

        check_certificates(m);
        if (creds_window_crossed(m, (int64_t) time(NULL), &next)) {
                log_info("A credential's validity began or ended; reloading");
                (void) manager_reload(m);
        }
        return 0;
}

/* Days left, certificate-expiring/-expired now, and the timer for the next
 * check (wall-clock time: notAfter is). */
static void check_certificates(Manager *m) {
        usec_t now = realtime_usec(), due;
        int r;

        due = cert_expiry_check(m->config, health_status(m->health, now), now);
        {
                usec_t next;

                (void) creds_window_crossed(m, (int64_t) (now / USEC_PER_SEC), &next);
                if (next < due)
                        due = next;
        }
        if (m->cert_timer) {
                r = sd_event_source_set_time(m->cert_timer, due);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->cert_timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time(m->event, &m->cert_timer, CLOCK_REALTIME, due, USEC_PER_SEC, on_cert_timer,
                                      m);
        if (r < 0)
                log_warning("Failed to schedule the next certificate check: %s", strerror(-r));
        status_changed(m);
}

/* Route mode follows health at once (failover must not wait for the
 * status debounce). force: compare with the kernel even if nothing
 * changed. Logged there. */
static void sync_routes(Manager *m, const Config *c, bool force) {
        if (m->routes)
                (void) routes_sync(m->routes, c, health_status(m->health, realtime_usec()), force);
}

/* Health changed: the status file follows shortly. */
static void status_changed(Manager *m) {
        sync_routes(m, m->config, false);
        if (m->status_timer)
                return;
        if (sd_event_add_time_relative(m->event, &m->status_timer, CLOCK_MONOTONIC, STATUS_DEBOUNCE_USEC, 10 * 1000,
                                       on_status_timer, m) < 0)
                (void) write_status(m);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* An apply in progress stops here: the tunnels it has not rendered yet
 * are not loaded (charon is gone), or were just queued (apply_finish). */
static void apply_stop(Manager *m) {
        m->applying = false;
        if (m->apply_more)
                (void) sd_event_source_set_enabled(m->apply_more, SD_EVENT_OFF);
        apply_hold_groups(&m->apply, false);
}

static int apply_some(Manager *m, size_t n);

/* What a reload or a retry compares with is what charon was given: an
 * apply in progress queues the rest of its tunnels first. */
static void apply_finish(Manager *m) {
        if (m->applying)
                (void) apply_some(m, SIZE_MAX); /* logged there */
}

static void batch_begin(Manager *m, const char *what) {
        m->apply_failures = 0;
        m->apply_start_usec = now_usec();
        m->apply_what = what;
}

static int on_trim_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (m->trim_due)
                (void) malloc_trim(0);
        m->trim_due = false;
        return 0;
}

/* malloc_trim walks the heap and gives pages back: 12 ms at 5,000 tunnels.
 * It runs once gatewayd has been quiet for TRIM_IDLE_USEC after a reload
 * or a batch, not before charon gets the commands and its answers are
 * read, and not between reloads that follow each other (a deployment tool
 * pushing changes). It runs only after what left much heap behind: an
 * apply (start, charon reconnected) or a reload that rendered or removed
 * more than a batch of tunnels. A reload of a few tunnels frees one copy
 * of the config, which the next reload takes again: given back, it came
 * back as page faults (a reload of 1,000 tunnels after a quiet spell took
 * 15 ms in gatewayd instead of 8 ms on a 2-core virtual machine); kept, it
 * is about 2 MB at 1,000 tunnels. Each reload or batch pushes the trim
 * back; one pending at a time. */
#define TRIM_IDLE_USEC (10 * USEC_PER_SEC)

static void schedule_trim(Manager *m, bool due) {
        m->trim_due = m->trim_due || due;
        if (m->trim_timer) {
                (void) sd_event_source_set_time_relative(m->trim_timer, TRIM_IDLE_USEC);
                (void) sd_event_source_set_enabled(m->trim_timer, SD_EVENT_ONESHOT);
                return;
        }
        if (sd_event_add_time_relative(m->event, &m->trim_timer, CLOCK_MONOTONIC, TRIM_IDLE_USEC, 100 * 1000,
                                       on_trim_timer, m) < 0)
                (void) on_trim_timer(NULL, 0, m);
}

static int on_retire(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        m->retired = config_free(m->retired);
        return 0;
}

/* The config a reload replaced is freed once the event loop is idle: after
 * charon's answers to the reload are read, not before (5,000 tunnels take
 * ~2 ms to free). Nothing refers to it any more. */
static void retire_config(Manager *m, Config *old) {
        config_free(m->retired); /* the one before, if the loop never idled */
        m->retired = old;
        if (m->retire_event) {
                (void) sd_event_source_set_enabled(m->retire_event, SD_EVENT_ONESHOT);
                return;
        }
        if (sd_event_add_defer(m->event, &m->retire_event, on_retire, m) < 0 ||
            sd_event_source_set_priority(m->retire_event, SD_EVENT_PRIORITY_IDLE) < 0 ||
            sd_event_source_set_enabled(m->retire_event, SD_EVENT_ONESHOT) < 0) {
                m->retire_event = sd_event_source_disable_unref(m->retire_event);
                m->retired = config_free(m->retired);
        }
}

/* Logs once every command of a batch was answered: how long charon took. */
static void batch_check_done(Manager *m) {
        if (m->apply.pending == 0)
                (void) owned_save(&m->owned); /* logged */
        if (m->apply.pending > 0 || !m->apply_what || m->applying)
                return;
        log_info("charon %s complete in %.1f ms (%u failed commands)", m->apply_what,
                 (double) (now_usec() - m->apply_start_usec) / 1000.0, m->apply_failures);
        if (m->apply_failures == 0 && m->n_load_failed == 0)
                m->load_backoff_usec = 0;
        if (!m->ready || m->reload_ready_pending)
                notify_ready(m, m->apply_failures > 0 ? "charon refused some commands (see the journal)" : NULL);
        /* The encoded commands are gone: an apply's are worth giving back. */
        schedule_trim(m, streq(m->apply_what, "apply"));
        m->apply_what = NULL;
}

#define LOAD_RETRY_MIN_USEC (2 * USEC_PER_SEC)
#define LOAD_RETRY_MAX_USEC (60 * USEC_PER_SEC)

static int on_load_retry(sd_event_source *s, uint64_t usec, void *userdata);
static int load_tunnel(Manager *m, const Config *c, const Tunnel *t, bool with_creds, bool pace);

/* The fingerprints of tunnels charon does not hold as configured are
 * forgotten: the next reload compares them as changed and loads them. */
static void forget_failed_fingerprints(Manager *m) {
        for (size_t k = 0; k < m->n_load_failed; k++) {
                ssize_t i = config_tunnel_index(m->config, m->load_failed[k]);

                if (i >= 0)
                        memset(&m->fp[i], 0, sizeof(m->fp[i]));
        }
}

static void load_failed(Manager *m, const char *tunnel, const char *cmd, int error, const char *errmsg) {
        _cleanup_free_ char *detail = NULL;
        bool known = false;

        if ((errmsg ? asprintf(&detail, "charon refused %s: %s", cmd, errmsg)
                    : asprintf(&detail, "%s could not be sent: %s", cmd, strerror(-error))) < 0)
                detail = NULL;
        health_set_error(m->health, tunnel, TUNNEL_ERROR_CONFIG, detail ? detail : cmd, realtime_usec());
        status_changed(m);
        for (size_t k = 0; k < m->n_load_failed && !known; k++)
                known = streq(m->load_failed[k], tunnel);
        if (!known) {
                char **n = reallocarray(m->load_failed, m->n_load_failed + 1, sizeof(char *));
                char *copy = strdup(tunnel);

                if (!n || !copy) {
                        free(copy);
                        if (n)
                                m->load_failed = n;
                        (void) log_oom();
                        return;
                }
                m->load_failed = n;
                m->load_failed[m->n_load_failed++] = copy;
        }
        forget_failed_fingerprints(m);
        if (m->load_retry)
                return;
        m->load_backoff_usec = m->load_backoff_usec ? m->load_backoff_usec * 2 : LOAD_RETRY_MIN_USEC;
        if (m->load_backoff_usec > LOAD_RETRY_MAX_USEC)
                m->load_backoff_usec = LOAD_RETRY_MAX_USEC;
        log_info("tunnel '%s': loading it again in %.0f s", tunnel, (double) m->load_backoff_usec / USEC_PER_SEC);
        if (sd_event_add_time_relative(m->event, &m->load_retry, CLOCK_MONOTONIC, m->load_backoff_usec,
                                       100 * 1000, on_load_retry, m) < 0)
                log_error("Failed to schedule loading '%s' again", tunnel);
}

static int on_load_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        char **names;
        size_t n;

        apply_finish(m); /* before taking the list: it may add to it */
        names = TAKE_PTR(m->load_failed);
        n = m->n_load_failed;
        m->load_retry = sd_event_source_disable_unref(m->load_retry);
        m->n_load_failed = 0;
        if (m->vici_up)
                batch_begin(m, "retry");
        for (size_t k = 0; k < n; k++) {
                ssize_t i = config_tunnel_index(m->config, names[k]);

                if (i >= 0 && m->vici_up) {
                        const Tunnel *t = m->config->tunnels[i];

                        if (t->enabled && !t->broken) {
                                /* Taken as applied; a new refusal forgets
                                 * it again. */
                                if (tunnel_fingerprint(&m->config->gateway, t, &m->fp[i]) < 0 ||
                                    load_tunnel(m, m->config, t, true, true) < 0)
                                        log_error("Failed to queue tunnel '%s' again", t->name);
                        }
                }
                free(names[k]);
        }
        free(names);
        if (m->vici_up)
                batch_check_done(m);
        return 0;
}

static void apply_done(void *userdata, const char *tunnel, const char *cmd, int error, const char *errmsg) {
        Manager *m = userdata;

        if (error == -ECONNRESET)
                m->apply_what = NULL; /* the batch died with the connection */
        /* unload-* of something charon does not have, or a terminate of a
         * tunnel without SAs, is not a failure. */
        if (error != 0 && error != -ECONNRESET && (strncmp(cmd, "unload-", 7) == 0 || streq(cmd, "terminate")))
                error = 0;
        if (error != 0)
                m->apply_failures++;
        if (tunnel && streq(cmd, "load-conn")) {
                if (error == 0 && owned_add(&m->owned, tunnel) < 0)
                        (void) log_oom();
                pacer_loaded(m->pacer, tunnel, error == 0);
        } else if (tunnel && streq(cmd, "unload-conn") && error == 0)
                owned_remove(&m->owned, tunnel);
        batch_check_done(m);
        if (error == 0)
                return;
        if (error == -ECONNRESET)
                return; /* reported once as the lost connection */
        if (errmsg)
                log_error("tunnel '%s': %s failed: %s", tunnel ? tunnel : "*", cmd, errmsg);
        else
                log_error_errno(error, "tunnel '%s': %s failed: %m", tunnel ? tunnel : "*", cmd);
        if (tunnel && strncmp(cmd, "load-", 5) == 0)
                load_failed(m, tunnel, cmd, error, errmsg);
}

/* Queues the closing of tunnel name's child SAs (not waited for). */
static int terminate_child(Manager *m, const char *name) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);
        int r;

        if (!msg)
                return -ENOMEM;
        r = settings_set(msg, "child", name, 0);
        if (r >= 0)
                r = settings_set(msg, "timeout", "-1", 0);
        if (r >= 0)
                r = apply_call(&m->apply, "terminate", msg, NULL, NULL);
        return r;
}

/* Queues t's load; with pace, an initiating tunnel is loaded without
 * start_action and initiated by the pacer once charon took it. */
static int load_tunnel(Manager *m, const Config *c, const Tunnel *t, bool with_creds, bool pace) {
        char peer[PREFIX_STRLEN];
        int r;

        pace = pace && apply_tunnel_initiates(t);
        if (pace) {
                r = pacer_start(m->pacer, t->name, address_to_string(&t->remote_address, peer));
                if (r < 0)
                        return r;
        }
        return apply_tunnel_load(&m->apply, c, t, with_creds, pace);
}

/* Fail closed per tunnel (DESIGN.md): an enabled tunnel whose shield is
 * incomplete is not loaded into charon; its status says why. The guard
 * tells on_shield_complete when it is in. */
static void hold_unshielded(Manager *m) {
        if (guard_n_unshielded(m->guard) == 0)
                return;
        for (size_t i = 0; i < m->config->n_tunnels; i++) {
                const Tunnel *t = m->config->tunnels[i];

                if (t->enabled && !guard_tunnel_shielded(m->guard, t->name))
                        health_set_failed(m->health, t->name, TUNNEL_ERROR_SHIELD_FAILED,
                                          guard_shield_error(m->guard), realtime_usec());
        }
        status_changed(m);
}

static void on_shield_complete(void *userdata, const char *name) {
        Manager *m = userdata;
        const Tunnel *t = config_find_tunnel(m->config, name);
        int r;

        if (!t || !t->enabled || t->broken)
                return;
        health_clear_failed(m->health, name, TUNNEL_ERROR_SHIELD_FAILED, realtime_usec());
        status_changed(m);
        if (!m->vici_up)
                return; /* loaded with the rest when charon is back */
        log_info("tunnel '%s': its shield is in; loading it into charon", name);
        r = load_tunnel(m, m->config, t, true, true);
        if (r == -ENOMEM)
                (void) log_oom();
        else if (r < 0)
                load_failed(m, t->name, "load-conn", r, NULL);
}

/* DataPlane=kernel: another program removed charon's IPsec policies of an
 * up tunnel (`ip xfrm policy flush`). A child rekey makes charon install
 * them again: kernel-netlink re-sends a policy (XFRM_MSG_UPDPOLICY, which
 * creates it) when the old SA's mapping goes. */
static void on_policy_rekeyed(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        const char *errmsg = NULL;

        if (error == 0 && vici_response_success(response, &errmsg) <= 0)
                log_warning("rekey to reinstall charon's IPsec policies: charon: %s", errmsg ?: "refused");
}

static void on_ipsec_lost(void *userdata, const char *name) {
        Manager *m = userdata;
        _cleanup_(settings_freep) SettingsNode *msg = NULL;

        if (!m->vici_up || !health_tunnel_up(m->health, name))
                return;
        log_warning("tunnel '%s': charon's IPsec policies were removed by another program; rekeying its child SA so "
                    "that charon installs them again",
                    name);
        msg = settings_new(NULL);
        if (!msg || settings_set(msg, "child", name, 0) < 0 ||
            apply_call(&m->apply, "rekey", msg, on_policy_rekeyed, NULL) < 0)
                log_error("tunnel '%s': could not queue the rekey", name);
}

/* Queues up to n more of the tunnels of an apply (apply_all); after the
 * last, the batch is complete once charon answered. Returns whether some are
 * left, or -errno (logged) when the apply had to stop. */
static int apply_some(Manager *m, size_t n) {
        int r;

        for (; m->apply_next < m->config->n_tunnels && n > 0; m->apply_next++) {
                const Tunnel *t = m->config->tunnels[m->apply_next];

                if (t->broken)
                        continue; /* reported; shielded; not loaded */
                n--;
                if (!t->enabled) {
                        r = apply_tunnel_unload(&m->apply, m->config, t);
                        if (r < 0) {
                                apply_stop(m);
                                return log_error_errno(r, "Failed to queue unload of '%s': %m", t->name);
                        }
                        continue;
                }
                if (!guard_tunnel_shielded(m->guard, t->name))
                        continue; /* held: hold_unshielded() */
                r = load_tunnel(m, m->config, t, true, true);
                if (r == -ENOMEM) {
                        apply_stop(m);
                        return log_oom();
                }
                if (r < 0)
                        load_failed(m, t->name, "load-conn", r, NULL); /* the others go on */
        }
        if (m->apply_next < m->config->n_tunnels)
                return 1;
        apply_stop(m);
        apply_flush(&m->apply);
        batch_check_done(m);
        hold_unshielded(m);
        return 0;
}

static int on_apply_more(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        if (m->applying && apply_some(m, APPLY_CONN_BATCH) > 0)
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return 0;
}

/* Queues everything that puts the whole config into charon. Idempotent:
 * charon keeps a connection whose configuration did not change, SAs and
 * all. A batch of tunnels per event-loop iteration, the VICI socket first:
 * charon loads one batch while the next is rendered (1,000 tunnels took
 * about 45 ms to render, in which charon had nothing to do). */
static int apply_all(Manager *m) {
        int r;

        apply_stop(m);
        batch_begin(m, "apply");
        m->apply_next = 0;
        m->applying = true;
        apply_hold_groups(&m->apply, true); /* a group's key once per apply */
        r = apply_some(m, APPLY_CONN_BATCH);
        if (r <= 0)
                return r;
        if (!m->apply_more &&
            (sd_event_add_defer(m->event, &m->apply_more, on_apply_more, m) < 0 ||
             sd_event_source_set_priority(m->apply_more, SD_EVENT_PRIORITY_NORMAL + 1) < 0))
                m->apply_more = sd_event_source_disable_unref(m->apply_more);
        if (!m->apply_more || sd_event_source_set_enabled(m->apply_more, SD_EVENT_ONESHOT) < 0)
                apply_finish(m); /* all of it now */
        return 0;
}

/* get-conns answered: unload what charon has that the config does not (a
 * tunnel removed while gatewayd was not running), then load everything. */
static void on_get_conns(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        Manager *m = userdata;
        const SettingsNode *conns = response ? settings_get(response, "conns") : NULL;

        if (error < 0) {
                if (error != -ECONNRESET)
                        log_error_errno(error, "get-conns failed: %m");
                if (error != -ECONNRESET && !m->ready)
                        notify_ready(m, "charon did not answer get-conns");
                return;
        }
        for (size_t i = 0; conns && conns->kind == SETTINGS_LIST && i < conns->n_items; i++) {
                const Tunnel *t = config_find_tunnel(m->config, conns->items[i]);
                _cleanup_(settings_freep) SettingsNode *msg = NULL;

                if (t)
                        continue;
                if (!owned_has(&m->owned, conns->items[i])) {
                        /* Loaded by another tool (swanctl): not ours. */
                        log_info("leaving charon's connection '%s' alone: gatewayd did not load it",
                                 conns->items[i]);
                        continue;
                }
                log_info("unloading connection '%s': not in the configuration", conns->items[i]);
                msg = settings_new(NULL);
                if (!msg || settings_set(msg, "name", conns->items[i], 0) < 0 ||
                    apply_call(&m->apply, "unload-conn", msg, NULL, NULL) < 0)
                        log_error("Failed to queue unload of '%s'", conns->items[i]);
        }
        (void) apply_all(m); /* logged there */
}

static bool is_owned(void *userdata, const char *name) {
        Manager *m = userdata;

        return owned_has(&m->owned, name);
}

/* get-shared answered: the shared keys gatewayd loaded for tunnels or
 * groups it no longer runs go (a tunnel removed while gatewayd was not
 * running, or the per-tunnel keys of an older gatewayd, which would
 * compete with the group's key for the same identities). */
static void on_get_shared(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        Manager *m = userdata;
        int r;

        if (error < 0 || !response) {
                if (error != -ECONNRESET)
                        log_error_errno(error, "get-shared failed: %m");
                return;
        }
        r = apply_unload_stale_shared(&m->apply, m->config, settings_get(response, "keys"), is_owned, m);
        if (r < 0)
                log_error_errno(r, "Failed to queue the unload of stale shared keys: %m");
}

/* The retry list's view of the manager. */
static bool retry_connected(void *userdata) {
        Manager *m = userdata;

        return m->vici_up;
}

static bool retry_wanted(void *userdata, const char *name) {
        Manager *m = userdata;
        const Tunnel *t = config_find_tunnel(m->config, name);

        return t && t->enabled && !t->broken && guard_tunnel_shielded(m->guard, name);
}

typedef struct EarlyRekey {
        Manager *m;
        char *name;
} EarlyRekey;

static void early_rekey_free(void *userdata) {
        EarlyRekey *e = userdata;

        free(e->name);
        free(e);
}

static void on_early_rekeyed(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        const char *errmsg = NULL;

        /* A refusal shows as charon's log line and then in the health. */
        if (error == 0 && vici_response_success(response, &errmsg) <= 0 && errmsg)
                log_info("early rekey: charon: %s", errmsg);
}

static int on_early_rekey(sd_event_source *s, uint64_t usec, void *userdata) {
        EarlyRekey *e = userdata;
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);

        if (!e->m->vici_up || !msg || settings_set(msg, "child", e->name, 0) < 0)
                return 0;
        log_info("tunnel '%s': rekeying its child SA early to check the PFS group", e->name);
        if (apply_call(&e->m->apply, "rekey", msg, on_early_rekeyed, NULL) < 0)
                log_warning("tunnel '%s': could not queue the early rekey", e->name);
        return 0;
}

/* One early child rekey per new IKE_SA of a tunnel (health_on_event). */
static void schedule_early_rekey(Manager *m, const char *name) {
        _cleanup_(sd_event_source_unrefp) sd_event_source *s = NULL;
        EarlyRekey *e = calloc(1, sizeof(EarlyRekey));

        if (!e || !(e->name = strdup(name))) {
                free(e);
                return;
        }
        e->m = m;
        log_info("tunnel '%s': a child rekey in %llu s checks the PFS group", name,
                 (unsigned long long) (EARLY_REKEY_USEC / USEC_PER_SEC));
        if (sd_event_add_time_relative(m->event, &s, CLOCK_MONOTONIC, EARLY_REKEY_USEC, 100 * 1000, on_early_rekey,
                                       e) < 0) {
                early_rekey_free(e);
                return;
        }
        /* The source owns e from here; it frees itself once it has run (or
         * with the event loop). */
        (void) sd_event_source_set_destroy_callback(s, early_rekey_free);
        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        (void) sd_event_source_set_floating(s, true);
}

static void on_health_listed(VICIClient *c, int error, const SettingsNode *response, void *userdata) {
        Manager *m = userdata;

        m->listing = false;
        if (error < 0) {
                health_list_begin(m->health); /* forget a partial round */
                return;
        }
        health_list_end(m->health, realtime_usec());
        (void) write_status(m);
}

/* A list-sas round: counters, and charon's view of what is up (events may
 * have been missed: gatewayd restarted with the tunnels up). */
static void health_poll(Manager *m) {
        _cleanup_(settings_freep) SettingsNode *msg = settings_new(NULL);

        if (!m->vici_up || m->listing || !msg || settings_set(msg, "noblock", "yes", 0) < 0)
                return;
        health_list_begin(m->health);
        if (apply_call(&m->apply, "list-sas", msg, on_health_listed, m) >= 0)
                m->listing = true;
}

static int on_health_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        /* A change nobody announced (a notification lost, a watch that could
         * not start) is found here at the latest; cheap when all is there. */
        (void) guard_heal(m->guard, "periodic check");
        (void) guard_check_bypasses(m->guard, "periodic"); /* shield-bypassed while it lasts */
        sync_routes(m, m->config, true);
        if (m->frr)
                frr_poll(m->frr, m->config, health_status(m->health, realtime_usec()), realtime_usec());
        health_poll(m);
        if (!m->vici_up)
                (void) write_status(m);
        (void) sd_event_source_set_time_relative(s, (uint64_t) m->config->gateway.health_interval_sec * USEC_PER_SEC);
        return 0;
}

static void on_vici_event(VICIClient *c, const char *event, const SettingsNode *msg, void *userdata) {
        Manager *m = userdata;
        const SettingsNode *sa = vici_event_sa(msg);
        const char *name = sa ? sa->name : NULL;
        const char *up = msg ? vici_get_string(msg, "up") : NULL;
        const char *state = sa ? vici_get_string(sa, "state") : NULL;

        if (streq(event, "log")) {
                /* Reasons: the tracker reports them with the SA's fate. A
                 * line that changed nothing writes no status: charon logs
                 * one per connection loaded, 1,000 in a start. */
                if (health_on_log(m->health, msg, realtime_usec()))
                        status_changed(m);
                return;
        }
        if (!name)
                return;
        if (streq(event, "list-sa")) {
                if (m->listing)
                        health_on_list_sa(m->health, msg);
                else {
                        retry_list_sa_listed(m->retries, name);
                        pacer_sa_listed(m->pacer, name);
                }
                return;
        }
        {
                const char *first = health_on_event(m->health, event, msg, realtime_usec());

                if (first)
                        schedule_early_rekey(m, first);
                status_changed(m);
        }
        if (streq(event, "ike-updown") || streq(event, "child-updown"))
                log_info("tunnel '%s': %s %s%s%s", name, event, up && streq(up, "yes") ? "up" : "down",
                         state ? ", state " : "", state ? state : "");
        else
                log_info("tunnel '%s': %s", name, event);
        if (streq(event, "ike-updown")) {
                const Tunnel *t = config_find_tunnel(m->config, name);

                pacer_done(m->pacer, name, up && streq(up, "yes")); /* established or failed: no longer half-open */

                if (up && streq(up, "yes"))
                        retry_list_drop(m->retries, name);
                /* Only a failed establishment: an established SA that goes
                 * away (gatewayctl down, peer delete, DPD) is charon's to
                 * restart or the operator's choice. */
                else if (t && t->enabled && t->connection_mode != CONNECTION_MODE_RESPONDER_ONLY && state &&
                         streq(state, "CONNECTING"))
                        retry_list_schedule(m->retries, name);
        }
}

static int schedule_reconnect(Manager *m);

static void on_vici_state(VICIClient *c, bool connected, int error, void *userdata) {
        Manager *m = userdata;
        int r;

        if (!connected) {
                /* Why, in words, when the errno does not say it: a
                 * charon that stopped answering, a socket of another user. */
                const char *reason = vici_client_error_reason(c);

                if (m->vici_up && reason)
                        (void) log_event_errno(EVENT_IKE_DAEMON_LOST, error, NULL, NULL, reason,
                                               "Lost the connection to charon (%s): %s; reconnecting",
                                               m->config->gateway.vici, reason);
                else if (m->vici_up)
                        (void) log_event_errno(EVENT_IKE_DAEMON_LOST, error, NULL, NULL, NULL,
                                               "Lost the connection to charon (%s): %m; reconnecting",
                                               m->config->gateway.vici);
                else if (reason && error != m->refusal_reported) {
                        /* Once per kind: each retry would say the same. */
                        if (error == -EPERM)
                                (void) log_event_errno(EVENT_IKE_DAEMON_LOST, error, NULL, NULL, reason,
                                                       "Refusing charon's socket: %s; retrying", reason);
                        else
                                log_warning("charon is not reachable: %s; retrying", reason);
                        m->refusal_reported = error;
                } else if (!m->vici_was_up && m->backoff_usec == 0)
                        log_warning("charon is not reachable at %s yet; retrying", m->config->gateway.vici);
                m->vici_up = false;
                m->listing = false;
                pacer_reset(m->pacer);
                apply_stop(m); /* the reconnect applies everything */
                apply_drop(&m->apply);
                m->apply.pending = 0;
                m->apply_what = NULL;
                health_set_charon(m->health, false, realtime_usec());
                (void) write_status(m);
                /* charon absent at start: the shield is in, nothing else can
                 * be promised; the status says so. */
                if (!m->ready || m->reload_ready_pending)
                        notify_ready(m, "charon is not reachable; tunnels are shielded");
                (void) schedule_reconnect(m);
                return;
        }
        (void) log_event(EVENT_IKE_DAEMON_CONNECTED, NULL, NULL, NULL, "Connected to charon at %s",
                         m->config->gateway.vici);
        m->vici_up = m->vici_was_up = true;
        m->backoff_usec = 0;
        m->refusal_reported = 0;
        /* A restarted charon often comes with `ipsec restart`, which flushes
         * XFRM policies: check the shield before charon gets any tunnel. */
        (void) guard_heal(m->guard, "charon connected");
        health_set_charon(m->health, true, realtime_usec());
        for (size_t i = 0; i < ELEMENTSOF(vici_events); i++) {
                r = vici_client_register(m->vici, vici_events[i], NULL, NULL);
                if (r < 0)
                        log_error_errno(r, "Failed to register for %s: %m", vici_events[i]);
        }
        r = apply_call(&m->apply, "get-conns", NULL, on_get_conns, m);
        if (r < 0)
                log_error_errno(r, "Failed to query charon's connections: %m");
        r = apply_call(&m->apply, "get-shared", NULL, on_get_shared, m);
        if (r < 0)
                log_error_errno(r, "Failed to query charon's shared keys: %m");
        /* After the apply (one command at a time): what is up already. */
        health_poll(m);
}

static int on_reconnect(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        int r;

        m->reconnect = sd_event_source_disable_unref(m->reconnect);
        r = vici_client_connect(m->vici);
        if (r < 0) {
                log_error_errno(r, "Failed to connect to charon: %m");
                (void) schedule_reconnect(m);
        }
        return 0;
}

static int schedule_reconnect(Manager *m) {
        if (m->reconnect)
                return 0;
        m->backoff_usec = m->backoff_usec ? m->backoff_usec * 2 : RECONNECT_MIN_USEC;
        if (m->backoff_usec > RECONNECT_MAX_USEC)
                m->backoff_usec = RECONNECT_MAX_USEC;
        return sd_event_add_time_relative(m->event, &m->reconnect, CLOCK_MONOTONIC, m->backoff_usec, 10 * 1000,
                                          on_reconnect, m);
}

/* --- reload --- */

static int on_reload_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        m->reload_wanted = false;
        m->reload_last_usec = now_usec();
        (void) manager_reload(m);
        return 0;
}

/* Runs a wanted reload once the start or the previous reload is answered
 * (READY=1, notify_ready calls this) and RELOAD_MIN_INTERVAL_USEC after the
 * previous one began: SIGHUPs that arrive meanwhile are one more reload, not
 * one each. */
static void reload_schedule(Manager *m) {
        uint64_t due = m->reload_last_usec + RELOAD_MIN_INTERVAL_USEC;
        int enabled = SD_EVENT_OFF, r;

        if (!m->reload_wanted || !m->ready || m->reload_ready_pending)
                return;
        if (m->reload_timer && sd_event_source_get_enabled(m->reload_timer, &enabled) >= 0 &&
            enabled != SD_EVENT_OFF)
                return;
        if (m->reload_timer) {
                r = sd_event_source_set_time(m->reload_timer, due);
                if (r >= 0)
                        r = sd_event_source_set_enabled(m->reload_timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time(m->event, &m->reload_timer, CLOCK_MONOTONIC, due, 10 * 1000, on_reload_timer,
                                      m);
        if (r < 0) {
                log_warning("Failed to schedule the reload (%s); reloading now", strerror(-r));
                (void) on_reload_timer(NULL, 0, m);
        }
}

static void request_reload(Manager *m) {
        m->reload_wanted = true;
        reload_schedule(m);
}

static void on_cred_change(void *userdata) {
        Manager *m = userdata;

        log_info("A credential file changed; reloading");
        request_reload(m);
}

/* Reads and judges the tree, and applies failure isolation (DESIGN.md):
 * errors that hit single tunnels mark them broken, and the rest of the
 * config stands; an error that hits the whole config (gatewayd.conf, a
 * directory that could not be read) rejects it: -EINVAL. */
static int check_tree(Manager *m, Config **ret, int64_t *ret_time) {
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_(config_freep) Config *c = NULL;
        bool fatal = false;
        time_t now = time(NULL);
        int r;

        *ret_time = (int64_t) now;
        r = gw_check(m->dir, &m->opts, now, &d, &c);
        if (r < 0 && r != -EINVAL) {
                log_config_diagnostics(m->dir, &d);
                return r;
        }
        if (!c)
                fatal = true;
        else {
                r = conf_isolate(c, &d, &fatal);
                if (r < 0)
                        return log_oom();
        }
        log_config_diagnostics(m->dir, &d);
        if (fatal)
                return -EINVAL;
        *ret = TAKE_PTR(c);
        return 0;
}

/* Whether t's credentials are outside their validity window at now. */
static bool creds_out_of_window(const Tunnel *t, int64_t now) {
        return (t->cred_not_before > 0 && now < t->cred_not_before) ||
               (t->cred_not_after > 0 && now > t->cred_not_after);
}

/* Failure isolation on reload: a tunnel whose new file (or profile, or
 * credential) is broken keeps running its previous configuration, unless
 * that configuration's own credentials are out of their validity window (a
 * certificate that expired takes its tunnel down). Such tunnels get their
 * old fingerprint, so the diff leaves them alone; swap_kept_tunnels then
 * moves the old Tunnel into c. */
static int keep_running_tunnels(Manager *m, Config *c, TunnelFingerprint *fp) {
        int64_t now = (int64_t) time(NULL);

        for (size_t i = 0; i < c->n_tunnels; i++) {
                Tunnel *t = c->tunnels[i];
                ssize_t j;

                if (!t->broken)
                        continue;
                j = config_tunnel_index(m->config, t->name);
                if (j < 0 || m->config->tunnels[j]->broken || !m->config->tunnels[j]->enabled)
                        continue;
                if (creds_out_of_window(m->config->tunnels[j], now) || creds_out_of_window(t, now)) {
                        log_warning("tunnel '%s': its credentials are not valid now; taking it down", t->name);
                        continue;
                }
                fp[i] = m->fp[j];
                t->keep = true;
        }
        return 0;
}

static int swap_kept_tunnels(Manager *m, Config *c) {
        for (size_t i = 0; i < c->n_tunnels; i++) {
                Tunnel *t = c->tunnels[i];
                ssize_t j;
                int r;

                if (!t->keep)
                        continue;
                j = config_tunnel_index(m->config, t->name);
                if (j < 0)
                        continue;
                log_warning("tunnel '%s': %s; it keeps running its previous configuration", t->name, t->broken);
                r = config_keep_tunnel(c, i, m->config, (size_t) j);
                if (r < 0)
                        return r;
        }
        return 0;
}

int manager_reload(Manager *m) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ TunnelFingerprint *fp = NULL;
        TunnelDiff diff = {};
        FingerprintStats fps = {};
        int64_t checked_at;
        bool creds_changed = false;
        uint64_t t0 = now_usec(), t_check, t_diff;
        size_t n_cached, n_parsed, diff_removed;
        int r, q;

        (void) sd_notify(false, "RELOADING=1\nSTATUS=Reloading the configuration");
        apply_finish(m);
        r = check_tree(m, &c, &checked_at);
        t_check = now_usec();
        if (r < 0) {
                log_error("Configuration in %s rejected; the running configuration is unchanged", m->dir);
                notify_ready(m, "configuration rejected; running the previous one");
                return r;
        }
        /* READY=1 once charon has answered the reload's commands
         * (batch_check_done), or below when there is nothing to wait for. */
        m->reload_ready_pending = true;
        if (!streq(c->gateway.vici, m->config->gateway.vici))
                log_warning("Vici= changed; the new socket is used after a restart");
        r = config_fingerprints(m->config, m->fp, c, m->opts.files, &fp, &fps);
        if (r >= 0)
                r = keep_running_tunnels(m, c, fp);
        if (r >= 0)
                r = tunnel_diff(m->config, m->fp, c, fp, &diff);
        if (r < 0) {
                /* Every reload ends with READY=1, this one too. */
                log_error_errno(r, "Failed to compare the configuration with the running one; it is unchanged: %m");
                notify_ready(m, "reload failed; running the previous configuration");
                return r;
        }
        r = swap_kept_tunnels(m, c);
        if (r < 0) {
                tunnel_diff_clear(&diff);
                notify_ready(m, "reload failed; running the previous configuration");
                return log_oom();
        }
        t_diff = now_usec();
        /* Shields of new tunnels go in before the tunnels are loaded; those of
         * removed tunnels (or FailClosed=no) go. A tunnel whose shield is
         * incomplete is not loaded (hold_unshielded). Route mode's
         * interfaces first: the shield's allows are bound to them. */
        sync_routes(m, c, true);
        q = guard_apply(m->guard, c);
        if (q < 0)
                log_warning("Applying the configuration without a complete shield");
        if (m->frr)
                (void) frr_apply(m->frr, c, false); /* logged there */

        if (m->vici_up) {
                batch_begin(m, "reload");
                for (size_t i = 0; i < diff.n; i++) {
                        const TunnelDiffEntry *e = &diff.entries[i];
                        const Tunnel *t = e->new ? e->new : e->old;

                        if ((e->change == TUNNEL_CHANGED || e->change == TUNNEL_ADDED || e->change == TUNNEL_REMOVED) &&
                            t->auth == AUTH_CERTIFICATE)
                                creds_changed = true;
                }
                /* charon cannot unload one certificate: reload them all, which
                 * leaves connections and SAs alone. */
                if (creds_changed) {
                        q = apply_reload_all_creds(&m->apply, c);
                        if (q < 0)
                                log_error_errno(q, "Failed to queue the credentials; charon may lack some "
                                                "until the next reload: %m");
                }
                for (size_t i = 0; i < diff.n && r != -ENOMEM; i++) {
                        const TunnelDiffEntry *e = &diff.entries[i];

                        r = 0;
                        /* A PSK tunnel that changed leaves its group's key
                         * (another PreSharedKeyFile or LocalId, or now a
                         * certificate): that key goes again without it.
                         * When the group did not change, this is the key
                         * its new self loads anyway (once: apply.c). */
                        if (e->change == TUNNEL_CHANGED && e->old->auth == AUTH_PSK && e->old->psk_file &&
                            (e->new->auth != AUTH_PSK || !streq_ptr(e->old->psk_file, e->new->psk_file) ||
                             !streq_ptr(e->old->local_id, e->new->local_id))) {
                                r = apply_tunnel_creds(&m->apply, c, e->old);
                                if (r < 0 && r != -ENOMEM) {
                                        log_error_errno(r, "tunnel '%s': failed to queue its former PSK group's key: %m",
                                                        e->name);
                                        r = 0;
                                }
                        }
                        switch (e->change) {
                        case TUNNEL_REMOVED:
                                r = apply_tunnel_unload(&m->apply, c, e->old);
                                break;
                        case TUNNEL_ADDED:
                        case TUNNEL_CHANGED:
                                if (e->new->broken) {
                                        /* Not kept (its credentials are
                                         * out of their validity): down. */
                                        if (e->change == TUNNEL_CHANGED)
                                                r = apply_tunnel_unload(&m->apply, c, e->old);
                                } else if (!e->new->enabled)
                                        r = apply_tunnel_unload(&m->apply, c, e->new);
                                else if (!guard_tunnel_shielded(m->guard, e->new->name))
                                        r = 0; /* held; a changed one runs its previous config */
                                else if (e->change == TUNNEL_CHANGED && !e->conn_changed) {
                                        /* Only credentials changed: charon's
                                         * connection is what it would get
                                         * again, so it is left alone (its
                                         * SAs too). Certificates went with
                                         * apply_reload_all_creds above. */
                                        if (e->new->auth == AUTH_PSK)
                                                r = apply_tunnel_creds(&m->apply, c, e->new);
                                        if (r < 0 && r != -ENOMEM) {
                                                load_failed(m, e->name, "load-shared", r, NULL);
                                                r = 0;
                                        }
                                } else {
                                        /* An added tunnel is paced; a
                                         * changed one is loaded with
                                         * start_action=start after its
                                         * child SAs are closed (it may have
                                         * been loaded without: pacer.h), so
                                         * that charon brings it up anew. */
                                        if (e->change == TUNNEL_CHANGED && apply_tunnel_initiates(e->new))
                                                r = terminate_child(m, e->name);
                                        if (r >= 0)
                                                r = load_tunnel(m, c, e->new,
                                                                e->new->auth == AUTH_PSK &&
                                                                        (e->change == TUNNEL_ADDED || e->creds_changed),
                                                                e->change == TUNNEL_ADDED);
                                        /* One tunnel that cannot be queued
                                         * never holds back the others. */
                                        if (r < 0 && r != -ENOMEM) {
                                                load_failed(m, e->name, "load-conn", r, NULL);
                                                r = 0;
                                        }
                                }
                                break;
                        default:
                                break;
                        }
                }
                if (r < 0)
                        log_error_errno(r, "Failed to queue changes: %m");
                apply_flush(&m->apply); /* now, not after this iteration's other work */
                batch_check_done(m);
        }
        conf_cache_counts(m->opts.cache, &n_cached, &n_parsed);
        (void) log_config_applied(m->dir, diff.n_added, diff.n_changed, diff.n_removed, diff.n_unchanged,
                                  "Configuration applied: %zu tunnels added, %zu changed, %zu removed, %zu unchanged "
                                  "(check %.1f ms, diff %.1f ms, shield and queueing %.1f ms; %zu of %zu tunnel "
                                  "files parsed, %zu rendered, %zu credential files read)",
                                  diff.n_added, diff.n_changed, diff.n_removed, diff.n_unchanged,
                                  (double) (t_check - t0) / 1000.0, (double) (t_diff - t_check) / 1000.0,
                                  (double) (now_usec() - t_diff) / 1000.0, n_parsed, n_cached + n_parsed,
                                  fps.n_rendered, fps.n_files_read);
        log_weak_algorithms(c, &diff);
        diff_removed = diff.n_removed;
        tunnel_diff_clear(&diff);

        apply_forget_config(&m->apply, m->config);
        retire_config(m, m->config);
        m->config = TAKE_PTR(c);
        m->config_time = checked_at;
        pacer_set_limit(m->pacer, m->config->gateway.max_half_open_per_peer);
        free(m->fp);
        m->fp = TAKE_PTR(fp);
        forget_failed_fingerprints(m);
        cred_watch_update(m->creds, m->config);
        if (health_set_config(m->health, m->config, realtime_usec()) < 0)
                log_oom();
        hold_unshielded(m);
        check_certificates(m);
        /* Two configs and their fingerprints were alive at once: the
         * freed heap goes back after a large reload (schedule_trim). */
        schedule_trim(m, fps.n_rendered + diff_removed > APPLY_CONN_BATCH);
        if (m->reload_ready_pending && (!m->vici_up || !m->apply_what))
                notify_ready(m, "configuration applied");
        return 0;
}

/* --- lifecycle --- */

static int on_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        if (si->ssi_signo == SIGHUP) {
                request_reload(m);
                return 0;
        }
        log_info("Received %s; exiting (tunnels and shields stay in place)", strsignal((int) si->ssi_signo));
        (void) sd_notify(false, "STOPPING=1");
        return sd_event_exit(m->event, 0);
}

static const RetryHooks retry_hooks = {
        .connected = retry_connected,
        .wanted = retry_wanted,
};

/* Binds the daemon's name in this network namespace's abstract socket
 * namespace: the kernel releases it when the process ends, however it
 * ends. Returns the fd, -EADDRINUSE when another process holds it, or
 * -errno. */
static int lock_bind(void) {
        static const char name[] = MANAGER_LOCK_NAME;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return -errno;
        memcpy(sa.sun_path + 1, name, sizeof(name) - 1);
        if (bind(fd, (struct sockaddr *) &sa, offsetof(struct sockaddr_un, sun_path) + sizeof(name)) < 0)
                return -errno;
        return TAKE_FD(fd);
}

int manager_lock_probe(void) {
        int fd = lock_bind();

        if (fd == -EADDRINUSE)
                return 1;
        if (fd < 0)
                return fd;
        close(fd);
        return 0;
}

int manager_new(sd_event *e, const char *dir, const ConfOptions *o, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = calloc(1, sizeof(Manager));
        int r;

        if (!m)
                return -ENOMEM;
        m->event = sd_event_ref(e);
        m->opts = *o;
        /* One tunnels.d parse cache for the daemon's life: a reload reads
         * only the files that changed (conf/cache.h). */
        m->opts.cache = conf_cache_new();
        m->opts.files = file_cache_new();
        if (!m->opts.cache || !m->opts.files)
                return -ENOMEM;
        m->lock_fd = lock_bind();
        if (m->lock_fd == -EADDRINUSE)
                return log_error_errno(-EBUSY, "Another gatewayd runs in this network namespace; not starting");
        if (m->lock_fd < 0)
                return log_error_errno(m->lock_fd, "Failed to bind the daemon's lock socket: %m");
        m->dir = strdup(dir);
        if (!m->dir)
                return -ENOMEM;
        r = check_tree(m, &m->config, &m->config_time);
        if (r < 0) {
                log_error("Configuration in %s has errors that affect every tunnel (gatewayd.conf or a directory); not starting", dir);
                return r;
        }
        r = config_fingerprints(NULL, NULL, m->config, m->opts.files, &m->fp, NULL);
        if (r < 0)
                return r;
        r = owned_load(&m->owned, m->config->gateway.status_file);
        if (r < 0)
                return r;
        r = cred_watch_new(e, on_cred_change, m, &m->creds);
        if (r < 0)
                return r;
        r = guard_new(e, &m->guard);
        if (r < 0)
                return r;
        guard_set_handler(m->guard, on_shield_complete, on_ipsec_lost, m);
        {
                _cleanup_free_ char *sdir = strdup(m->config->gateway.status_file), *path = NULL;

                if (!sdir || asprintf(&path, "%s/bgp-frr.conf", dirname(sdir)) < 0)
                        return -ENOMEM;
                r = frr_new(path, &m->frr);
                if (r < 0)
                        return r;
        }
        r = routes_new(&m->routes);
        if (r < 0)
                log_error_errno(r, "Failed to open the rtnetlink socket; route-mode tunnels get no interface: %m");
        r = vici_client_new(e, m->config->gateway.vici, apply_load_file, &m->opts, &m->vici);
        if (r < 0)
                return log_error_errno(r, "Vici=%s: unsupported address: %m", m->config->gateway.vici);
        vici_client_set_handlers(m->vici, on_vici_state, on_vici_event, m);
        m->apply = (ApplyContext) { .vici = m->vici, .opts = &m->opts, .done = apply_done, .userdata = m, .event = e };
        r = retry_list_new(e, &m->apply, &retry_hooks, m, &m->retries);
        if (r < 0)
                return r;
        r = pacer_new(e, &m->apply, m->config->gateway.max_half_open_per_peer, &m->pacer);
        if (r < 0)
                return r;
        m->health = health_new();
        if (!m->health || health_set_config(m->health, m->config, realtime_usec()) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(m);
        return 0;
}

static const int manager_signals[] = { SIGHUP, SIGTERM, SIGINT };

int manager_block_signals(void) {
        sigset_t ss;

        sigemptyset(&ss);
        for (size_t i = 0; i < ELEMENTSOF(manager_signals); i++)
                sigaddset(&ss, manager_signals[i]);
        return sigprocmask(SIG_BLOCK, &ss, NULL) < 0 ? -errno : 0;
}

int manager_start(Manager *m) {
        size_t n_broken;
        int r;

        r = manager_block_signals();
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(manager_signals); i++) {
                r = sd_event_add_signal(m->event, &m->sig[i], manager_signals[i], on_signal, m);
                if (r < 0)
                        return log_error_errno(r, "Failed to watch signal %d: %m", manager_signals[i]);
        }
        /* The shield before any tunnel: nothing VNet-bound leaves in
         * plaintext while charon is being configured (or is not there). A
         * tunnel whose shield failed is held back (hold_unshielded). Route
         * mode's interfaces first: the shield's allows are bound to them. */
        sync_routes(m, m->config, true);
        r = guard_apply(m->guard, m->config);
        if (r < 0)
                log_warning("Starting without a complete shield: the tunnels it lacks are not loaded");
        hold_unshielded(m);
        (void) guard_check_bypasses(m->guard, "start");
        if (m->frr)
                (void) frr_apply(m->frr, m->config, true); /* logged there */
        cred_watch_update(m->creds, m->config);
        r = vici_client_connect(m->vici);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to charon: %m");
        n_broken = config_count_broken(m->config);
        if (n_broken > 0)
                (void) log_config_applied(m->dir, m->config->n_tunnels - n_broken, 0, 0, 0,
                                          "Started with %zu of %zu tunnels from %s; %zu have errors (see "
                                          "config-rejected): shielded, not loaded",
                                          m->config->n_tunnels - n_broken, m->config->n_tunnels, m->dir, n_broken);
        else
                (void) log_config_applied(m->dir, m->config->n_tunnels, 0, 0, 0, "Started with %zu tunnels from %s",
                                          m->config->n_tunnels, m->dir);
        log_weak_algorithms(m->config, NULL);
        check_certificates(m);
        (void) write_status(m);
        r = sd_event_add_time_relative(m->event, &m->health_timer, CLOCK_MONOTONIC,
                                       (uint64_t) m->config->gateway.health_interval_sec * USEC_PER_SEC,
                                       100 * 1000, on_health_timer, m);
        if (r < 0)
                return log_error_errno(r, "Failed to start the health timer: %m");
        (void) sd_event_source_set_enabled(m->health_timer, SD_EVENT_ON);
        /* WATCHDOG=1 from the loop itself when WatchdogSec= is set. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning("Failed to enable the watchdog: %s", strerror(-r));
        (void) malloc_trim(0); /* the parse's temporaries */
        /* READY=1 waits for charon's answer to the apply (notify_ready). */
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        /* The VICI client first: freeing it fails the commands still
         * pending, and their callbacks (health, pacer, retries, status)
         * run against a manager that is still whole. With the health
         * freed first, SIGTERM while charon owed answers was a
         * use-after-free (a segfault at exit). */
        m->vici_up = false;
        apply_drop(&m->apply);
        m->vici = vici_client_free(m->vici);
        for (size_t i = 0; i < ELEMENTSOF(m->sig); i++)
                sd_event_source_disable_unref(m->sig[i]);
        cred_watch_free(m->creds);
        sd_event_source_disable_unref(m->reconnect);
        sd_event_source_disable_unref(m->health_timer);
        sd_event_source_disable_unref(m->status_timer);
        sd_event_source_disable_unref(m->cert_timer);
        sd_event_source_disable_unref(m->reload_timer);
        sd_event_source_disable_unref(m->trim_timer);
        sd_event_source_disable_unref(m->retire_event);
        sd_event_source_disable_unref(m->apply_more);
        config_free(m->retired);
        retry_list_free(m->retries);
        pacer_free(m->pacer);
        sd_event_source_disable_unref(m->load_retry);
        for (size_t k = 0; k < m->n_load_failed; k++)
                free(m->load_failed[k]);
        free(m->load_failed);
        health_free(m->health);
        guard_free(m->guard);
        routes_free(m->routes);
        frr_free(m->frr);
        config_free(m->config);
        free(m->fp);
        owned_clear(&m->owned);
        free(m->dir);
        conf_cache_free(m->opts.cache);
        file_cache_free(m->opts.files);
        if (m->lock_fd >= 0)
                close(m->lock_fd);
        sd_event_unref(m->event);
        free(m);
        return NULL;
}
