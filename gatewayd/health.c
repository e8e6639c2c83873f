/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <sys/types.h>

#include "charon-log.h"
#include "health.h"
#include "journal.h"
#include "vici-wire.h"

#define SWAP_TWO(a, b)                       \
        do {                                 \
                __typeof__(a) _t_ = (a);     \
                (a) = (b);                   \
                (b) = _t_;                   \
        } while (0)

/* What the tracker keeps beside each tunnel's status. */
typedef struct HealthTunnel {
        bool enabled, fail_closed;
        Address remote;            /* Tunnel.remote_address, as t->remote_address says */
        char *broken;              /* failure isolation: not loaded (a copy of Tunnel.broken) */
        bool ike_up;               /* an IKE_SA of the tunnel is established */
        bool engaged_logged;       /* shield-engaged went out: shield-released will */
        bool listed;               /* seen in the current list-sas round */
        bool listed_up;            /* ... established with an installed child */
        unsigned missed;           /* list-sas rounds in a row without it while up */
        bool deferred;             /* down without a reason yet: said at health_flush() */
        TunnelState deferred_from; /* ... coming from this state */
        char *ike_id;              /* uniqueid of the current IKE_SA */
        char *early_rekeyed_id;    /* the IKE_SA whose first up was announced */
        TunnelError pending;       /* why charon says the SA is ending */
        char *pending_detail;
} HealthTunnel;

struct Health {
        GatewayStatus *s;
        HealthTunnel *x;           /* parallel to s->tunnels */
        size_t *by_name;           /* indices of s->tunnels sorted by name */
        bool charon;
        bool listing;
};

static void tunnel_extra_done(HealthTunnel *x) {
        free(x->broken);
        free(x->ike_id);
        free(x->early_rekeyed_id);
        free(x->pending_detail);
        *x = (HealthTunnel) {};
}

Health *health_new(void) {
        Health *h = calloc(1, sizeof(Health));

        if (!h)
                return NULL;
        h->s = gateway_status_new();
        if (!h->s) {
                free(h);
                return NULL;
        }
        return h;
}

Health *health_free(Health *h) {
        if (!h)
                return NULL;
        for (size_t i = 0; h->s && i < h->s->n_tunnels; i++)
                tunnel_extra_done(&h->x[i]);
        free(h->x);
        free(h->by_name);
        gateway_status_free(h->s);
        free(h);
        return NULL;
}

static const GatewayStatus *sort_status;
static int by_name_cmp(const void *a, const void *b) {
        return strcmp(sort_status->tunnels[*(const size_t *) a]->name,
                      sort_status->tunnels[*(const size_t *) b]->name);
}

/* The index of the tunnel called name, or -1. */
static ssize_t find(const Health *h, const char *name) {
        size_t lo = 0, hi = h->s ? h->s->n_tunnels : 0;

        if (!name)
                return -1;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2, i = h->by_name[mid];
                int c = strcmp(name, h->s->tunnels[i]->name);

                if (c == 0)
                        return (ssize_t) i;
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return -1;
}

static ShieldState shield_of(const HealthTunnel *x, TunnelState st) {
        if (!x->fail_closed)
                return SHIELD_STATE_OFF;
        return st == TUNNEL_STATE_UP ? SHIELD_STATE_STANDBY : SHIELD_STATE_ENGAGED;
}

static const char *child_proposal(const TunnelStatus *t) {
        return t->n_children > 0 && t->children[0]->proposal ? t->children[0]->proposal : "?";
}

/* Moves tunnel i to st, logging the transition. For down, e is the reason
 * (TUNNEL_ERROR_NONE: keep the last one) with its detail. */
static void log_transition(Health *h, size_t i, TunnelState old);

/* Moves tunnel i to st; quiet leaves the journal entry to health_flush()
 * (a reason may still be on its way). */
static void set_state_full(Health *h, size_t i, TunnelState st, TunnelError e, const char *detail, usec_t now,
                           bool quiet) {
        TunnelStatus *t = h->s->tunnels[i];
        HealthTunnel *x = &h->x[i];
        TunnelState old = t->state;

        /* A broken tunnel that goes down (its expired certificate unloaded
         * it) is down for that reason, whatever charon says. */
        if (st == TUNNEL_STATE_DOWN && x->broken) {
                e = TUNNEL_ERROR_CONFIG;
                detail = x->broken;
        }
        if (st == TUNNEL_STATE_DOWN && e != TUNNEL_ERROR_NONE && (old != st || t->last_error != e))
                (void) tunnel_status_set_error(t, e, detail);
        else if (old == st)
                return;
        if (old != st) {
                t->state = st;
                t->since = now;
        }
        t->shield = shield_of(x, st);
        x->deferred = quiet;
        if (quiet)
                x->deferred_from = old;
        else
                log_transition(h, i, old);
}

static void set_state(Health *h, size_t i, TunnelState st, TunnelError e, const char *detail, usec_t now) {
        set_state_full(h, i, st, e, detail, now, false);
}

static void log_transition(Health *h, size_t i, TunnelState old) {
        TunnelStatus *t = h->s->tunnels[i];
        HealthTunnel *x = &h->x[i];
        TunnelState st = t->state;
        const char *peer = t->remote_address;

        if (st == TUNNEL_STATE_UP) {
                _cleanup_free_ char *ike = NULL, *esp = NULL;
                const char *fields[3] = {};

                if (asprintf(&ike, "GATEWAYD_IKE_PROPOSAL=%s", t->has_ike && t->ike.proposal ? t->ike.proposal : "?") >= 0 &&
                    asprintf(&esp, "GATEWAYD_ESP_PROPOSAL=%s", child_proposal(t)) >= 0) {
                        fields[0] = ike;
                        fields[1] = esp;
                }
                (void) log_event_fields(EVENT_TUNNEL_UP, t->name, peer, NULL, fields,
                                        "tunnel '%s' is up (IKE %s, ESP %s)", t->name,
                                        t->has_ike && t->ike.proposal ? t->ike.proposal : "?", child_proposal(t));
                if (x->engaged_logged) {
                        (void) log_event(EVENT_SHIELD_RELEASED, t->name, peer, NULL,
                                         "tunnel '%s': VNet-bound traffic flows through the tunnel again", t->name);
                        x->engaged_logged = false;
                }
                return;
        }
        if (st == TUNNEL_STATE_DOWN) {
                const char *why = tunnel_error_to_string(t->last_error);

                (void) log_event(EVENT_TUNNEL_DOWN, t->name, peer, why, "tunnel '%s' is down: %s%s%s%s", t->name,
                                 why ? why : "unknown", t->last_error_detail ? " (" : "",
                                 t->last_error_detail ? t->last_error_detail : "", t->last_error_detail ? ")" : "");
                if (old == TUNNEL_STATE_UP && x->fail_closed && !x->engaged_logged) {
                        (void) log_event(EVENT_SHIELD_ENGAGED, t->name, peer, why,
                                         "tunnel '%s' is down: its VNet-bound traffic is dropped (FailClosed)",
                                         t->name);
                        x->engaged_logged = true;
                }
        }
}

/* What the status shows of ct's configuration: t and x take it. */
static int configure_tunnel(Health *h, TunnelStatus *t, HealthTunnel *x, const Tunnel *ct, usec_t now) {
        char addr[PREFIX_STRLEN];
        int r;

        /* Cheap when nothing changed (a reload calls it for every tunnel):
         * nothing is formatted or copied again. */
        x->enabled = ct->enabled;
        x->fail_closed = ct->fail_closed;
        if (!streq_ptr(x->broken, ct->broken)) {
                free(x->broken);
                x->broken = NULL;
                if (ct->broken && !(x->broken = strdup(ct->broken)))
                        return -ENOMEM;
        }
        if (!t->remote_address || !address_equal(&x->remote, &ct->remote_address)) {
                r = status_set_string(&t->remote_address, address_to_string(&ct->remote_address, addr));
                if (r < 0)
                        return r;
                x->remote = ct->remote_address;
        }
        r = status_set_string(&t->profile, ct->profile_name);
        if (r < 0)
                return r;
        if (!ct->enabled) {
                t->state = TUNNEL_STATE_DISABLED;
                t->has_ike = false;
        } else if (ct->broken && t->state != TUNNEL_STATE_UP) {
                /* Failure isolation: not loaded, down, and why. (A broken
                 * tunnel that charon still runs from before is shown as it
                 * is.) */
                if (t->state != TUNNEL_STATE_DOWN)
                        t->since = now;
                t->state = TUNNEL_STATE_DOWN;
                r = tunnel_status_set_error(t, TUNNEL_ERROR_CONFIG, ct->broken);
                if (r < 0)
                        return r;
        } else if (t->state == TUNNEL_STATE_DISABLED ||
                   (!ct->broken && t->state == TUNNEL_STATE_DOWN && t->last_error == TUNNEL_ERROR_CONFIG)) {
                /* Enabled again, or repaired. */
                t->state = h->charon ? TUNNEL_STATE_CONNECTING : TUNNEL_STATE_DOWN;
                t->since = now;
                if (h->charon)
                        (void) tunnel_status_set_error(t, TUNNEL_ERROR_NONE, NULL);
        }
        t->shield = shield_of(x, t->state);
        return 0;
}

static int set_gateway(Health *h, GatewayStatus *s, const Config *c) {
        s->gateway.fips_mode = c->gateway.fips_mode;
        s->gateway.data_plane = c->gateway.data_plane;
        s->gateway.health_interval_sec = c->gateway.health_interval_sec;
        s->gateway.charon_connected = h->charon;
        return status_set_string(&s->gateway.vici, c->gateway.vici);
}

/* A reload that kept every tunnel name (the common one: a few tunnels
 * changed): the model is updated in place, without building a new one;
 * configure_tunnel changes nothing of a tunnel whose configuration did not
 * change. Returns 1 when done, 0 when the names differ. */
static int update_in_place(Health *h, const Config *c, usec_t now) {
        int r;

        if (!h->s || h->s->n_tunnels != c->n_tunnels)
                return 0;
        for (size_t i = 0; i < c->n_tunnels; i++)
                if (!streq(h->s->tunnels[i]->name, c->tunnels[i]->name))
                        return 0;
        r = set_gateway(h, h->s, c);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c->n_tunnels; i++) {
                r = configure_tunnel(h, h->s->tunnels[i], &h->x[i], c->tunnels[i], now);
                if (r < 0)
                        return r;
        }
        return 1;
}

int health_set_config(Health *h, const Config *c, usec_t now) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = NULL;
        _cleanup_free_ HealthTunnel *x = NULL;
        _cleanup_free_ size_t *by_name = NULL;
        int r;

        r = update_in_place(h, c, now);
        if (r != 0)
                return r < 0 ? r : 0;
        s = gateway_status_new();
        if (!s)
                return -ENOMEM;
        x = calloc(c->n_tunnels ? c->n_tunnels : 1, sizeof(HealthTunnel));
        by_name = calloc(c->n_tunnels ? c->n_tunnels : 1, sizeof(size_t));
        if (!x || !by_name)
                return -ENOMEM;
        r = set_gateway(h, s, c);
        if (r < 0)
                return r;

        for (size_t i = 0; i < c->n_tunnels; i++) {
                const Tunnel *ct = c->tunnels[i];
                TunnelStatus *t = gateway_status_add_tunnel(s, ct->name);
                ssize_t j = find(h, ct->name);

                if (!t)
                        return -ENOMEM;
                by_name[i] = i;
                if (j >= 0) {
                        /* A tunnel that stays keeps all that is known of it:
                         * its status and tracking move over whole (the old
                         * model is freed with what t held, its name). */
                        SWAP_TWO(*t, *h->s->tunnels[j]);
                        x[i] = h->x[j];
                        h->x[j] = (HealthTunnel) {};
                } else {
                        t->state = h->charon ? TUNNEL_STATE_CONNECTING : TUNNEL_STATE_DOWN;
                        t->since = now;
                        if (!h->charon)
                                (void) tunnel_status_set_error(t, TUNNEL_ERROR_CHARON_GONE, NULL);
                }
                r = configure_tunnel(h, t, &x[i], ct, now);
                if (r < 0)
                        return r;
        }
        sort_status = s;
        qsort(by_name, s->n_tunnels, sizeof(size_t), by_name_cmp);
        sort_status = NULL;

        for (size_t i = 0; i < h->s->n_tunnels; i++)
                tunnel_extra_done(&h->x[i]);
        free(h->x);
        free(h->by_name);
        gateway_status_free(h->s);
        h->s = TAKE_PTR(s);
        h->x = TAKE_PTR(x);
        h->by_name = TAKE_PTR(by_name);
        return 0;
}

void health_set_charon(Health *h, bool connected, usec_t now) {
        if (h->charon == connected)
                return;
        h->charon = connected;
        h->s->gateway.charon_connected = connected;
        for (size_t i = 0; i < h->s->n_tunnels; i++) {
                TunnelStatus *t = h->s->tunnels[i];

                if (t->state == TUNNEL_STATE_DISABLED)
                        continue;
                /* Not loaded: charon's coming and going changes nothing. */
                if (h->x[i].broken && t->state == TUNNEL_STATE_DOWN)
                        continue;
                if (connected) {
                        /* Connecting until charon (events or list-sas) says. */
                        if (t->state == TUNNEL_STATE_DOWN && t->last_error == TUNNEL_ERROR_CHARON_GONE) {
                                t->state = TUNNEL_STATE_CONNECTING;
                                t->since = now;
                        }
                        continue;
                }
                h->x[i].ike_up = false;
                t->has_ike = false;
                tunnel_status_clear_children(t);
                set_state(h, i, TUNNEL_STATE_DOWN, TUNNEL_ERROR_CHARON_GONE, NULL, now);
        }
}

/* charon's names in list-sa (encr-alg with encr-keysize, integ-alg,
 * prf-alg, dh-group) as the keywords of swanctl.conf proposals, which are
 * what --print-swanctl shows and what an operator compares. */
static const struct {
        const char *vici;
        unsigned keysize;           /* encryption: 0 = any */
        const char *keyword;
} alg_keywords[] = {
        { "AES_GCM_16", 256, "aes256gcm16" },  { "AES_GCM_16", 192, "aes192gcm16" },
        { "AES_GCM_16", 128, "aes128gcm16" },  { "AES_CBC", 256, "aes256" },
        { "AES_CBC", 192, "aes192" },          { "AES_CBC", 128, "aes128" },
        { "3DES_CBC", 0, "3des" },             { "DES_CBC", 0, "des" },
        { "HMAC_SHA2_256_128", 0, "sha256" },  { "HMAC_SHA2_384_192", 0, "sha384" },
        { "HMAC_SHA2_512_256", 0, "sha512" },  { "HMAC_SHA1_96", 0, "sha1" },
        { "HMAC_MD5_96", 0, "md5" },           { "PRF_HMAC_SHA2_256", 0, "prfsha256" },
        { "PRF_HMAC_SHA2_384", 0, "prfsha384" }, { "PRF_HMAC_SHA2_512", 0, "prfsha512" },
        { "PRF_HMAC_SHA1", 0, "prfsha1" },     { "PRF_HMAC_MD5", 0, "prfmd5" },
        { "ECP_256", 0, "ecp256" },            { "ECP_384", 0, "ecp384" },
        { "ECP_521", 0, "ecp521" },            { "MODP_1024", 0, "modp1024" },
        { "MODP_2048", 0, "modp2048" },        { "MODP_2048_256", 0, "modp2048s256" },
        { "MODP_3072", 0, "modp3072" },        { "MODP_4096", 0, "modp4096" },
};

static const char *alg_keyword(const char *vici, const char *keysize) {
        unsigned k = keysize ? (unsigned) strtoul(keysize, NULL, 10) : 0;

        for (size_t i = 0; i < ELEMENTSOF(alg_keywords); i++)
                if (streq(vici, alg_keywords[i].vici) && (alg_keywords[i].keysize == 0 || alg_keywords[i].keysize == k))
                        return alg_keywords[i].keyword;
        return NULL;
}

/* "aes256gcm16-prfsha384-ecp384": the SA's algorithms as a swanctl.conf
 * proposal; charon's own name where there is no keyword. */
static char *proposal_of(const SettingsNode *sa) {
        const char *names[] = { vici_get_string(sa, "encr-alg"), vici_get_string(sa, "integ-alg"),
                                vici_get_string(sa, "prf-alg"), vici_get_string(sa, "dh-group") };
        const char *keysize = vici_get_string(sa, "encr-keysize");
        char *p = NULL;

        if (!names[0])
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const char *kw;
                char *q;

                if (!names[i])
                        continue;
                kw = alg_keyword(names[i], i == 0 ? keysize : NULL);
                if (asprintf(&q, "%s%s%s", p ? p : "", p ? "-" : "", kw ? kw : names[i]) < 0) {
                        free(p);
                        return NULL;
                }
                free(p);
                p = q;
        }
        return p;
}

static void take_ike(TunnelStatus *t, const SettingsNode *sa, usec_t now) {
        _cleanup_free_ char *prop = proposal_of(sa);
        const char *established = vici_get_string(sa, "established");

        if (prop)
                (void) status_set_string(&t->ike.proposal, prop);
        (void) status_set_string(&t->local_address, vici_get_string(sa, "local-host"));
        t->ike.established_at = now;
        if (established) {
                unsigned long long ago = strtoull(established, NULL, 10);

                if (ago * USEC_PER_SEC < now)
                        t->ike.established_at = now - ago * USEC_PER_SEC;
        }
        t->has_ike = t->ike.proposal != NULL;
}

static uint64_t u64_of(const SettingsNode *s, const char *key) {
        const char *v = vici_get_string(s, key);

        return v ? strtoull(v, NULL, 10) : 0;
}

/* Takes the installed child SAs of sa (list-sa or child-updown) as t's
 * children. Returns how many are installed. */
static size_t take_children(TunnelStatus *t, const SettingsNode *sa) {
        const SettingsNode *cs = settings_get(sa, "child-sas");
        size_t installed = 0;

        tunnel_status_clear_children(t);
        for (size_t i = 0; cs && i < cs->n_children && t->n_children < STATUS_MAX_CHILDREN; i++) {
                const SettingsNode *n = cs->children[i], *lts, *rts;
                const char *state = vici_get_string(n, "state"), *name = vici_get_string(n, "name");
                _cleanup_free_ char *prop = NULL;
                ChildStatus *c;

                if (!state || !streq(state, "INSTALLED") || !name)
                        continue;
                prop = proposal_of(n);
                c = tunnel_status_add_child(t, name);
                if (!c)
                        break;
                c->proposal = TAKE_PTR(prop);
                if (!c->proposal)
                        c->proposal = strdup("?");
                c->bytes_in = u64_of(n, "bytes-in");
                c->bytes_out = u64_of(n, "bytes-out");
                c->packets_in = u64_of(n, "packets-in");
                c->packets_out = u64_of(n, "packets-out");
                lts = settings_get(n, "local-ts");
                rts = settings_get(n, "remote-ts");
                for (size_t k = 0; lts && k < lts->n_items && k < STATUS_MAX_TS; k++)
                        (void) child_status_add_ts(c, STATUS_TS_LOCAL, lts->items[k]);
                for (size_t k = 0; rts && k < rts->n_items && k < STATUS_MAX_TS; k++)
                        (void) child_status_add_ts(c, STATUS_TS_REMOTE, rts->items[k]);
                installed++;
        }
        return installed;
}

static void set_pending(HealthTunnel *x, TunnelError e, const char *detail) {
        /* The first cause wins: "deleting IKE_SA" follows a peer's delete. */
        if (x->pending != TUNNEL_ERROR_NONE)
                return;
        x->pending = e;
        free(x->pending_detail);
        x->pending_detail = detail ? strdup(detail) : NULL;
}

static void clear_pending(HealthTunnel *x) {
        x->pending = TUNNEL_ERROR_NONE;
        free(x->pending_detail);
        x->pending_detail = NULL;
}

static TunnelError notify_error(const char *notify) {
        if (streq(notify, "NO_PROPOSAL_CHOSEN"))
                return TUNNEL_ERROR_NO_PROPOSAL_CHOSEN;
        if (streq(notify, "AUTHENTICATION_FAILED"))
                return TUNNEL_ERROR_AUTH_FAILED;
        if (streq(notify, "TS_UNACCEPTABLE"))
                return TUNNEL_ERROR_TS_UNACCEPTABLE;
        return TUNNEL_ERROR_IKE_FAILED;
}

bool health_on_log(Health *h, const SettingsNode *msg, usec_t now) {
        const char *sa = NULL, *notify = NULL, *text = vici_get_string(msg, "msg");
        CharonLogKind k = charon_log_classify(msg, &sa, &notify);
        ssize_t i;
        TunnelStatus *t;
        HealthTunnel *x;

        if (k == CHARON_LOG_OTHER || (i = find(h, sa)) < 0)
                return false;
        t = h->s->tunnels[i];
        x = &h->x[i];
        /* The reason of an ike-updown that came first (see health_on_event). */
        if (x->deferred && t->state == TUNNEL_STATE_DOWN) {
                TunnelError e = k == CHARON_LOG_NOTIFY_ERROR ? notify_error(notify)
                                : k == CHARON_LOG_GAVE_UP    ? (x->deferred_from == TUNNEL_STATE_UP ? TUNNEL_ERROR_DPD_TIMEOUT
                                                                                                   : TUNNEL_ERROR_UNREACHABLE)
                                : k == CHARON_LOG_PEER_DELETED ? TUNNEL_ERROR_PEER_DELETED
                                                               : TUNNEL_ERROR_NONE;

                if (e != TUNNEL_ERROR_NONE) {
                        (void) tunnel_status_set_error(t, e, text);
                        x->deferred = false;
                        log_transition(h, (size_t) i, x->deferred_from);
                        return true;
                }
        }
        switch (k) {
        case CHARON_LOG_NOTIFY_ERROR:
                if (t->state == TUNNEL_STATE_UP && x->ike_up) {
                        /* Refused while the tunnel is up: a rekey, whose
                         * proposal carries the PFS group (the first child
                         * took its keys from the IKE SA). */
                        set_state(h, (size_t) i, TUNNEL_STATE_DOWN, TUNNEL_ERROR_REKEY_FAILED,
                                  "the peer refused the child SA rekey (" "NO_PROPOSAL_CHOSEN"
                                  "): check that PfsGroup matches the peer's",
                                  now);
                        return true;
                }
                /* An establishment that failed: said at once (charon may not
                 * raise ike-updown for an SA that never got far), and kept
                 * as the reason for the ike-updown that may follow. */
                set_state(h, (size_t) i, TUNNEL_STATE_DOWN, notify_error(notify), text, now);
                clear_pending(x);
                set_pending(x, notify_error(notify), text);
                return true;
        case CHARON_LOG_GAVE_UP:
                set_pending(x, x->ike_up ? TUNNEL_ERROR_DPD_TIMEOUT : TUNNEL_ERROR_UNREACHABLE, text);
                return false; /* a reason kept for the ike-updown to come */
        case CHARON_LOG_PEER_DELETED:
                set_pending(x, TUNNEL_ERROR_PEER_DELETED, text);
                return false;
        case CHARON_LOG_REKEY_FAILED:
                set_state(h, (size_t) i, TUNNEL_STATE_DOWN, TUNNEL_ERROR_REKEY_FAILED,
                          "the child SA rekey failed: check that PfsGroup matches the peer's", now);
                return true;
        default:
                return false;
        }
}

const char *health_on_event(Health *h, const char *event, const SettingsNode *msg, usec_t now) {
        const SettingsNode *sa;
        const char *up;
        TunnelStatus *t;
        HealthTunnel *x;
        ssize_t i;

        sa = vici_event_sa(msg);
        if (!sa || (i = find(h, sa->name)) < 0)
                return NULL;
        t = h->s->tunnels[i];
        x = &h->x[i];
        if (t->state == TUNNEL_STATE_DISABLED)
                return NULL;
        up = vici_get_string(msg, "up");

        if (streq(event, "ike-updown")) {
                const char *id = vici_get_string(sa, "uniqueid");

                if (up && streq(up, "yes")) {
                        x->ike_up = true;
                        (void) status_set_string(&x->ike_id, id);
                        take_ike(t, sa, now);
                        return NULL;
                }
                /* The old IKE_SA of a rekey going away is not the tunnel's. */
                if (id && x->ike_id && !streq(id, x->ike_id))
                        return NULL;
                x->ike_up = false;
                t->has_ike = false;
                tunnel_status_clear_children(t);
                /* charon's log lines come on their own (queued) path and may
                 * trail the event: without a reason yet, the entry waits for
                 * health_flush(), and a reason that arrives first replaces
                 * the vague one. */
                set_state_full(h, (size_t) i, TUNNEL_STATE_DOWN,
                               x->pending != TUNNEL_ERROR_NONE ? x->pending : TUNNEL_ERROR_IKE_FAILED,
                               x->pending != TUNNEL_ERROR_NONE ? x->pending_detail : "charon closed the IKE SA", now,
                               x->pending == TUNNEL_ERROR_NONE);
                clear_pending(x);
                return NULL;
        }
        if (streq(event, "child-updown")) {
                if (up && streq(up, "yes")) {
                        if (take_children(t, sa) == 0)
                                return NULL;
                        if (!t->has_ike)
                                take_ike(t, sa, now);
                        x->ike_up = true;
                        clear_pending(x);
                        set_state(h, (size_t) i, TUNNEL_STATE_UP, TUNNEL_ERROR_NONE, NULL, now);
                        /* A new IKE_SA's first child: test its rekey early. */
                        if (x->ike_id && !streq_ptr(x->ike_id, x->early_rekeyed_id)) {
                                (void) status_set_string(&x->early_rekeyed_id, x->ike_id);
                                return t->name;
                        }
                        return NULL;
                }
                if (x->ike_up && t->state == TUNNEL_STATE_UP) {
                        tunnel_status_clear_children(t);
                        set_state(h, (size_t) i, TUNNEL_STATE_DOWN,
                                  x->pending != TUNNEL_ERROR_NONE ? x->pending : TUNNEL_ERROR_PEER_DELETED,
                                  x->pending != TUNNEL_ERROR_NONE ? x->pending_detail : "the child SA was deleted",
                                  now);
                        clear_pending(x);
                }
                return NULL;
        }
        if (streq(event, "ike-rekey") || streq(event, "child-rekey")) {
                const SettingsNode *nw = settings_get(sa, "new");

                if (streq(event, "ike-rekey") && nw)
                        (void) status_set_string(&x->ike_id, vici_get_string(nw, "uniqueid"));
                t->last_rekey = now;
                (void) log_event(EVENT_TUNNEL_REKEYED, t->name, t->remote_address, NULL, "tunnel '%s': %s SA rekeyed",
                                 t->name, streq(event, "ike-rekey") ? "IKE" : "child");
                /* A rekey that went through after one that failed. */
                if (t->state == TUNNEL_STATE_DOWN && t->last_error == TUNNEL_ERROR_REKEY_FAILED && x->ike_up)
                        set_state(h, (size_t) i, TUNNEL_STATE_UP, TUNNEL_ERROR_NONE, NULL, now);
        }
        return NULL;
}

void health_list_begin(Health *h) {
        h->listing = true;
        for (size_t i = 0; i < h->s->n_tunnels; i++)
                h->x[i].listed = h->x[i].listed_up = false;
}

void health_on_list_sa(Health *h, const SettingsNode *msg) {
        const SettingsNode *sa = vici_event_sa(msg);
        const char *state;
        TunnelStatus *t;
        ssize_t i;

        if (!h->listing || !sa || (i = find(h, sa->name)) < 0)
                return;
        t = h->s->tunnels[i];
        state = vici_get_string(sa, "state");
        h->x[i].listed = true;
        if (!state || !streq(state, "ESTABLISHED"))
                return;
        /* The IKE_SA of the tunnel is the one the events named; an older one
         * (rekeyed, not yet gone) only if nothing else is known. */
        if (h->x[i].ike_id && !streq_ptr(vici_get_string(sa, "uniqueid"), h->x[i].ike_id) && h->x[i].listed_up)
                return;
        if (take_children(t, sa) > 0)
                h->x[i].listed_up = true;
        if (!t->has_ike || !h->x[i].ike_id) {
                take_ike(t, sa, 0);
                (void) status_set_string(&h->x[i].ike_id, vici_get_string(sa, "uniqueid"));
        }
}

void health_list_end(Health *h, usec_t now) {
        if (!h->listing)
                return;
        h->listing = false;
        for (size_t i = 0; i < h->s->n_tunnels; i++) {
                TunnelStatus *t = h->s->tunnels[i];

                if (t->state == TUNNEL_STATE_DISABLED)
                        continue;
                /* charon is the truth: events may have been missed (gatewayd
                 * started while the tunnels were up). */
                if (h->x[i].listed || h->x[i].listed_up || t->state != TUNNEL_STATE_UP)
                        h->x[i].missed = 0;
                if (h->x[i].listed_up && t->state != TUNNEL_STATE_UP) {
                        h->x[i].ike_up = true;
                        set_state(h, i, TUNNEL_STATE_UP, TUNNEL_ERROR_NONE, NULL, now);
                } else if (!h->x[i].listed && t->state == TUNNEL_STATE_UP && ++h->x[i].missed >= 2) {
                        /* list-sas runs with noblock (it must never stall
                         * charon), which leaves out an IKE_SA that is busy
                         * at that moment (answering a DPD, rekeying): only a
                         * second round without it, events having said
                         * nothing, means charon has none. */
                        h->x[i].ike_up = false;
                        t->has_ike = false;
                        tunnel_status_clear_children(t);
                        set_state(h, i, TUNNEL_STATE_DOWN, TUNNEL_ERROR_IKE_FAILED, "charon has no SA for it",
                                  now);
                }
        }
}

void health_flush(Health *h) {
        for (size_t i = 0; i < h->s->n_tunnels; i++)
                if (h->x[i].deferred) {
                        h->x[i].deferred = false;
                        log_transition(h, i, h->x[i].deferred_from);
                }
}

bool health_tunnel_up(const Health *h, const char *tunnel) {
        ssize_t i = find(h, tunnel);

        return i >= 0 && h->s->tunnels[i]->state == TUNNEL_STATE_UP;
}

void health_set_failed(Health *h, const char *tunnel, TunnelError e, const char *detail, usec_t now) {
        ssize_t i = find(h, tunnel);

        if (i >= 0 && h->s->tunnels[i]->state != TUNNEL_STATE_DISABLED)
                set_state(h, (size_t) i, TUNNEL_STATE_DOWN, e, detail, now);
}

void health_clear_failed(Health *h, const char *tunnel, TunnelError e, usec_t now) {
        ssize_t i = find(h, tunnel);
        TunnelStatus *t;

        if (i < 0)
                return;
        t = h->s->tunnels[i];
        if (t->state != TUNNEL_STATE_DOWN || t->last_error != e)
                return;
        /* Loaded now: charon says what becomes of it. */
        if (h->charon) {
                t->state = TUNNEL_STATE_CONNECTING;
                t->since = now;
        } else
                (void) tunnel_status_set_error(t, TUNNEL_ERROR_CHARON_GONE, NULL);
}

GatewayStatus *health_status(Health *h, usec_t now) {
        h->s->generated_at = now;
        return h->s;
}

void health_counts(const Health *h, size_t *ret_up, size_t *ret_enabled) {
        size_t up = 0, enabled = 0;

        for (size_t i = 0; i < h->s->n_tunnels; i++) {
                if (h->s->tunnels[i]->state == TUNNEL_STATE_DISABLED)
                        continue;
                enabled++;
                if (h->s->tunnels[i]->state == TUNNEL_STATE_UP)
                        up++;
        }
        *ret_up = up;
        *ret_enabled = enabled;
}

void health_set_error(Health *h, const char *name, TunnelError e, const char *detail, usec_t now) {
        ssize_t i = find(h, name);

        /* Up stays up (a refused credential reload leaves charon's copy); the
         * reason is kept for when it goes down. Otherwise as held. */
        if (i >= 0 && h->s->tunnels[i]->state == TUNNEL_STATE_UP)
                (void) tunnel_status_set_error(h->s->tunnels[i], e, detail);
        else
                health_set_failed(h, name, e, detail, now);
}
