/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "conf.h"
#include "status.h"
#include "utf8.h"

static const char *const tunnel_state_table[_TUNNEL_STATE_MAX] = {
        [TUNNEL_STATE_DOWN] = "down",
        [TUNNEL_STATE_CONNECTING] = "connecting",
        [TUNNEL_STATE_UP] = "up",
        [TUNNEL_STATE_DISABLED] = "disabled",
};

static const char *const shield_state_table[_SHIELD_STATE_MAX] = {
        [SHIELD_STATE_OFF] = "off",
        [SHIELD_STATE_STANDBY] = "standby",
        [SHIELD_STATE_ENGAGED] = "engaged",
};

static const char *const tunnel_error_table[_TUNNEL_ERROR_MAX] = {
        [TUNNEL_ERROR_NONE] = NULL,
        [TUNNEL_ERROR_DPD_TIMEOUT] = "dpd-timeout",
        [TUNNEL_ERROR_PEER_DELETED] = "peer-deleted",
        [TUNNEL_ERROR_AUTH_FAILED] = "auth-failed",
        [TUNNEL_ERROR_NO_PROPOSAL_CHOSEN] = "no-proposal-chosen",
        [TUNNEL_ERROR_TS_UNACCEPTABLE] = "ts-unacceptable",
        [TUNNEL_ERROR_REKEY_FAILED] = "rekey-failed",
        [TUNNEL_ERROR_UNREACHABLE] = "unreachable",
        [TUNNEL_ERROR_CHARON_GONE] = "charon-gone",
        [TUNNEL_ERROR_CONFIG] = "config",
        [TUNNEL_ERROR_SHIELD_FAILED] = "shield-failed",
        [TUNNEL_ERROR_IKE_FAILED] = "ike-failed",
};

static int lookup(const char *const *table, int n, const char *s) {
        if (!s)
                return -EINVAL;
        for (int i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return i;
        return -EINVAL;
}

const char *tunnel_state_to_string(TunnelState s) {
        return s >= 0 && s < _TUNNEL_STATE_MAX ? tunnel_state_table[s] : NULL;
}

TunnelState tunnel_state_from_string(const char *s) {
        return lookup(tunnel_state_table, _TUNNEL_STATE_MAX, s);
}

const char *shield_state_to_string(ShieldState s) {
        return s >= 0 && s < _SHIELD_STATE_MAX ? shield_state_table[s] : NULL;
}

ShieldState shield_state_from_string(const char *s) {
        return lookup(shield_state_table, _SHIELD_STATE_MAX, s);
}

const char *tunnel_error_to_string(TunnelError e) {
        return e >= 0 && e < _TUNNEL_ERROR_MAX ? tunnel_error_table[e] : NULL;
}

TunnelError tunnel_error_from_string(const char *s) {
        return lookup(tunnel_error_table, _TUNNEL_ERROR_MAX, s);
}

static void strv_free(char **l, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(l[i]);
        free(l);
}

static ChildStatus *child_status_free(ChildStatus *c) {
        if (!c)
                return NULL;
        free(c->name);
        strv_free(c->local_ts, c->n_local_ts);
        strv_free(c->remote_ts, c->n_remote_ts);
        free(c->proposal);
        free(c);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(ChildStatus *, child_status_free);

void tunnel_status_clear_children(TunnelStatus *t) {
        for (size_t i = 0; i < t->n_children; i++)
                child_status_free(t->children[i]);
        free(t->children);
        t->children = NULL;
        t->n_children = 0;
}

static const char *const bgp_state_table[_BGP_STATE_MAX] = {
        [BGP_STATE_DOWN] = "down",
        [BGP_STATE_CONNECTING] = "connecting",
        [BGP_STATE_ESTABLISHED] = "established",
};
DEFINE_STRING_TABLE(bgp_state, BgpState);

static TunnelStatus *tunnel_status_free(TunnelStatus *t) {
        if (!t)
                return NULL;
        free(t->name);
        free(t->local_address);
        free(t->remote_address);
        free(t->profile);
        free(t->ike.proposal);
        tunnel_status_clear_children(t);
        free(t->last_error_detail);
        free(t->bgp.peer);
        free(t->bgp.reason);
        free(t);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(TunnelStatus *, tunnel_status_free);

GatewayStatus *gateway_status_new(void) {
        GatewayStatus *s = calloc(1, sizeof(GatewayStatus));

        if (!s)
                return NULL;
        s->gateway.health_interval_sec = 10;
        return s;
}

GatewayStatus *gateway_status_free(GatewayStatus *s) {
        if (!s)
                return NULL;
        free(s->gateway.vici);
        for (size_t i = 0; i < s->n_tunnels; i++)
                tunnel_status_free(s->tunnels[i]);
        free(s->tunnels);
        free(s);
        return NULL;
}

/* Appends p to the pointer array *array of *n entries. 0 or -ENOMEM; on
 * failure p still belongs to the caller. */
static int array_push(void *array, size_t *n, void *p) {
        void ***a = array;
        void **grown;

        grown = reallocarray(*a, *n + 1, sizeof(void *));
        if (!grown)
                return -ENOMEM;
        grown[(*n)++] = p;
        *a = grown;
        return 0;
}

TunnelStatus *gateway_status_add_tunnel(GatewayStatus *s, const char *name) {
        _cleanup_(tunnel_status_freep) TunnelStatus *t = NULL;

        if (!s || !name)
                return NULL;
        t = calloc(1, sizeof(TunnelStatus));
        if (!t)
                return NULL;
        t->name = strdup(name);
        if (!t->name || array_push(&s->tunnels, &s->n_tunnels, t) < 0)
                return NULL;
        return TAKE_PTR(t);
}

TunnelStatus *gateway_status_find_tunnel(const GatewayStatus *s, const char *name) {
        if (!s || !name)
                return NULL;
        for (size_t i = 0; i < s->n_tunnels; i++)
                if (streq(s->tunnels[i]->name, name))
                        return s->tunnels[i];
        return NULL;
}

ChildStatus *tunnel_status_add_child(TunnelStatus *t, const char *name) {
        _cleanup_(child_status_freep) ChildStatus *c = NULL;

        if (!t || !name)
                return NULL;
        c = calloc(1, sizeof(ChildStatus));
        if (!c)
                return NULL;
        c->name = strdup(name);
        if (!c->name || array_push(&t->children, &t->n_children, c) < 0)
                return NULL;
        return TAKE_PTR(c);
}

int child_status_add_ts(ChildStatus *c, StatusTsSide side, const char *ts) {
        _cleanup_free_ char *copy = NULL;
        int r;

        if (!c || !ts)
                return -EINVAL;
        copy = strdup(ts);
        if (!copy)
                return -ENOMEM;
        if (side == STATUS_TS_LOCAL)
                r = array_push(&c->local_ts, &c->n_local_ts, copy);
        else
                r = array_push(&c->remote_ts, &c->n_remote_ts, copy);
        if (r < 0)
                return r;
        TAKE_PTR(copy);
        return 0;
}

int status_set_string(char **field, const char *value) {
        char *copy = NULL;

        if (streq_ptr(*field, value))
                return 0; /* a reload of 5,000 unchanged tunnels allocates nothing */
        if (value) {
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

int tunnel_status_set_error(TunnelStatus *t, TunnelError e, const char *detail) {
        char *copy = NULL;

        if (!t || e < 0 || e >= _TUNNEL_ERROR_MAX)
                return -EINVAL;
        if (e != TUNNEL_ERROR_NONE && !isempty(detail)) {
                size_t n = utf8_cut(detail, STATUS_MAX_DETAIL);

                /* The same detail again: kept as it is. */
                if (t->last_error_detail && strlen(t->last_error_detail) == n &&
                    strncmp(t->last_error_detail, detail, n) == 0) {
                        t->last_error = e;
                        return 0;
                }
                copy = strndup(detail, n);
                if (!copy)
                        return -ENOMEM;
        }
        free(t->last_error_detail);
        t->last_error_detail = copy;
        t->last_error = e;
        return 0;
}

int64_t status_days_left(usec_t not_after, usec_t now) {
        if (not_after >= now)
                return (int64_t) ((not_after - now) / USEC_PER_DAY);
        return -(int64_t) ((now - not_after + USEC_PER_DAY - 1) / USEC_PER_DAY);
}

/* ---- validation ---------------------------------------------------------- */

static bool string_ok(const char *s, bool required) {
        return s ? strlen(s) <= STATUS_MAX_STRING : !required;
}

static bool time_ok(usec_t t) {
        return t / USEC_PER_SEC <= STATUS_MAX_TIME_SEC;
}

static int cmp_tunnel_names(const void *a, const void *b) {
        const TunnelStatus *const *x = a, *const *y = b;

        return strcmp((*x)->name, (*y)->name);
}

static const char *child_invalid(const ChildStatus *c) {
        if (!string_ok(c->name, true) || isempty(c->name))
                return "a child SA has no name";
        if (!string_ok(c->proposal, true))
                return "a child SA has no proposal";
        if (c->n_local_ts > STATUS_MAX_TS || c->n_remote_ts > STATUS_MAX_TS)
                return "a child SA has too many traffic selectors";
        for (size_t i = 0; i < c->n_local_ts; i++)
                if (!string_ok(c->local_ts[i], true))
                        return "a local traffic selector is missing or too long";
        for (size_t i = 0; i < c->n_remote_ts; i++)
                if (!string_ok(c->remote_ts[i], true))
                        return "a remote traffic selector is missing or too long";
        return NULL;
}

static const char *tunnel_invalid(const TunnelStatus *t) {
        if (!t)
                return "a tunnel is missing";
        const char *w;

        if (!t->name || !conf_name_is_valid(t->name))
                return "a tunnel name is not [A-Za-z0-9_-]{1,64}";
        if (!tunnel_state_to_string(t->state))
                return "a tunnel state is out of range";
        if (!shield_state_to_string(t->shield))
                return "a shield state is out of range";
        if (t->last_error < 0 || t->last_error >= _TUNNEL_ERROR_MAX)
                return "a last_error is out of range";
        if (t->last_error == TUNNEL_ERROR_NONE && t->last_error_detail)
                return "an error detail without an error";
        if (!time_ok(t->since))
                return "a since is after 9999";
        if (!string_ok(t->local_address, false) || !string_ok(t->remote_address, false) ||
            !string_ok(t->profile, false))
                return "an address or profile is too long";
        if (t->has_ike && (!string_ok(t->ike.proposal, true) || !time_ok(t->ike.established_at)))
                return "an IKE SA without a proposal, or established after 9999";
        if (t->has_certificate && (t->certificate.not_after == 0 || !time_ok(t->certificate.not_after)))
                return "a certificate without a not_after, or one after 9999";
        if (t->n_children > STATUS_MAX_CHILDREN)
                return "a tunnel has too many child SAs";
        for (size_t i = 0; i < t->n_children; i++) {
                if (!t->children[i])
                        return "a child SA is missing";
                w = child_invalid(t->children[i]);
                if (w)
                        return w;
        }
        return NULL;
}

int tunnel_status_validate(const TunnelStatus *t, const char **ret_what) {
        const char *w = tunnel_invalid(t);

        if (ret_what)
                *ret_what = w;
        return w ? -EINVAL : 0;
}

int status_validate(const GatewayStatus *s, const char **ret_what) {
        _cleanup_free_ TunnelStatus **sorted = NULL;
        const char *w = NULL;

        if (!s)
                return -EINVAL;
        if (s->generated_at == 0 || !time_ok(s->generated_at))
                w = "generated_at is not set, or after 9999";
        else if (s->gateway.data_plane < 0 || s->gateway.data_plane >= _DATA_PLANE_MAX)
                w = "data_plane is out of range";
        else if (!string_ok(s->gateway.vici, false))
                w = "vici is too long";
        else if (s->gateway.health_interval_sec < 1 || s->gateway.health_interval_sec > 3600)
                w = "health_interval_sec is not 1-3600";
        else if (s->n_tunnels > STATUS_MAX_TUNNELS)
                w = "too many tunnels";
        for (size_t i = 0; !w && i < s->n_tunnels; i++)
                w = tunnel_invalid(s->tunnels[i]);
        if (!w && s->n_tunnels > 1) {
                /* Unique names, in O(n log n): the health interval writes
                 * this for up to STATUS_MAX_TUNNELS tunnels. */
                sorted = reallocarray(NULL, s->n_tunnels, sizeof(TunnelStatus *));
                if (!sorted)
                        return -ENOMEM;
                memcpy(sorted, s->tunnels, s->n_tunnels * sizeof(TunnelStatus *));
                qsort(sorted, s->n_tunnels, sizeof(TunnelStatus *), cmp_tunnel_names);
                for (size_t i = 1; !w && i < s->n_tunnels; i++)
                        if (streq(sorted[i - 1]->name, sorted[i]->name))
                                w = "two tunnels have the same name";
        }
        if (ret_what)
                *ret_what = w;
        return w ? -EINVAL : 0;
}
