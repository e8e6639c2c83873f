/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <time.h>

#include "journal.h"
#include "ratelimit.h"

typedef struct EventInfo {
        const char *name;
        int priority;
        /* Made once with `systemd-id128 new`; never derived from text, never
         * changed (journalctl -x and operators' filters rely on them). Each is
         * documented in packaging/gatewayd.catalog (tests/check-catalog.sh)
         * and, with its priority, in gatewayd(8) (tests/check-man.sh). */
        const char *message_id;
        bool ratelimited;       /* peer traffic can repeat it */
} EventInfo;

static const EventInfo event_table[_GATEWAYD_EVENT_MAX] = {
        [EVENT_CONFIG_APPLIED] = { "config-applied", LOG_INFO, "e355bc70c45c443181bbee07491cf13a", false },
        [EVENT_CONFIG_REJECTED] = { "config-rejected", LOG_ERR, "1a5d78b91dda4c11ae5deafa90b2be45", false },
        [EVENT_TUNNEL_UP] = { "tunnel-up", LOG_NOTICE, "297f6272416b4e8c8e6eff1774dcf22b", true },
        [EVENT_TUNNEL_DOWN] = { "tunnel-down", LOG_WARNING, "e852c11762f548b2847c6a0f5122bdcb", true },
        [EVENT_TUNNEL_REKEYED] = { "tunnel-rekeyed", LOG_INFO, "16f85dde9c4f4fb1b2b9f81e36b4a126", true },
        [EVENT_SHIELD_ENGAGED] = { "shield-engaged", LOG_WARNING, "75197500848347e18ea7725a26434186", true },
        [EVENT_SHIELD_RELEASED] = { "shield-released", LOG_INFO, "cc0edc8f07654eddaa29f5e7c1418962", true },
        /* Another program on the box can flush the shield in a loop. */
        [EVENT_SHIELD_RESTORED] = { "shield-restored", LOG_WARNING, "41fa1fabfae946979e7584a6529eb1e5", true },
        /* Repeated on every health interval while the bypass lasts. */
        [EVENT_SHIELD_BYPASSED] = { "shield-bypassed", LOG_ERR, "93d9e158de824bc68b75e080f58c41a4", true },
        [EVENT_IKE_DAEMON_LOST] = { "ike-daemon-lost", LOG_ERR, "ce9816c0ac234ed184ad5fbf840ac15a", false },
        [EVENT_IKE_DAEMON_CONNECTED] = { "ike-daemon-connected", LOG_INFO, "05419820363f48a988fa9e3534ca5464", false },
        [EVENT_CERTIFICATE_EXPIRING] = { "certificate-expiring", LOG_WARNING, "2f128bf3533d4e9cbf612d1c08001abf", false },
        [EVENT_CERTIFICATE_EXPIRED] = { "certificate-expired", LOG_ERR, "e14cabca284744308bfa042934882bbd", false },
        [EVENT_WEAK_ALGORITHM] = { "weak-algorithm", LOG_WARNING, "0049fa99c83c44a89f8dd958e838207b", false },
        /* A flapping peer repeats them. */
        [EVENT_BGP_UP] = { "bgp-up", LOG_NOTICE, "f004ec23522d45598a046a0b090ecead", true },
        [EVENT_BGP_DOWN] = { "bgp-down", LOG_WARNING, "413fa1a13b32450fa01036bd7379a4be", true },
};

/* Fields an event sets itself; an extra field may not repeat them. */
static const char *const reserved_fields[] = {
        "MESSAGE", "MESSAGE_ID", "PRIORITY", "SYSLOG_IDENTIFIER", "ERRNO", "GATEWAYD_EVENT", "GATEWAYD_TUNNEL",
        "GATEWAYD_PEER", "GATEWAYD_REASON", "GATEWAYD_SUPPRESSED",
};

static RateLimitTable limits = {
        .interval_usec = EVENT_RATELIMIT_INTERVAL_USEC,
        .burst = EVENT_RATELIMIT_BURST,
};
static uint64_t (*clock_now)(void);

const char *gatewayd_event_to_string(GatewaydEvent e) {
        if (e < 0 || e >= _GATEWAYD_EVENT_MAX)
                return NULL;
        return event_table[e].name;
}

GatewaydEvent gatewayd_event_from_string(const char *s) {
        for (GatewaydEvent e = 0; s && e < _GATEWAYD_EVENT_MAX; e++)
                if (streq(event_table[e].name, s))
                        return e;
        return _GATEWAYD_EVENT_INVALID;
}

const char *gatewayd_event_message_id(GatewaydEvent e) {
        if (e < 0 || e >= _GATEWAYD_EVENT_MAX)
                return NULL;
        return event_table[e].message_id;
}

int gatewayd_event_priority(GatewaydEvent e) {
        if (e < 0 || e >= _GATEWAYD_EVENT_MAX)
                return -EINVAL;
        return event_table[e].priority;
}

bool gatewayd_event_ratelimited(GatewaydEvent e) {
        return e >= 0 && e < _GATEWAYD_EVENT_MAX && event_table[e].ratelimited;
}

bool journal_field_valid(const char *f) {
        const char *eq = f ? strchr(f, '=') : NULL;
        size_t n;

        if (!eq)
                return false;
        n = (size_t) (eq - f);
        /* journald's rule for names a client may send. */
        if (n == 0 || n > 64 || f[0] == '_' || (f[0] >= '0' && f[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((f[i] >= 'A' && f[i] <= 'Z') || (f[i] >= '0' && f[i] <= '9') || f[i] == '_'))
                        return false;
        for (size_t i = 0; i < ELEMENTSOF(reserved_fields); i++)
                if (strlen(reserved_fields[i]) == n && strncmp(reserved_fields[i], f, n) == 0)
                        return false;
        return true;
}

void journal_set_clock(uint64_t (*now_usec)(void)) {
        clock_now = now_usec;
}

void journal_reset(void) {
        ratelimit_table_clear(&limits);
}

static uint64_t now_usec(void) {
        struct timespec ts;

        if (clock_now)
                return clock_now();
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* The fields of one entry; the ones built here are owned. */
typedef struct FieldList {
        const char *items[8 + EVENT_FIELDS_MAX];
        char *owned[8];
        size_t n, n_owned;
} FieldList;

static void field_list_clear(FieldList *l) {
        for (size_t i = 0; i < l->n_owned; i++)
                free(l->owned[i]);
        *l = (FieldList) {};
}

/* Adds "name=value" unless value is NULL. value is data: it is copied, never
 * interpreted. */
static int field_add(FieldList *l, const char *name, const char *value) {
        char *f;

        if (!value)
                return 0;
        if (l->n_owned >= ELEMENTSOF(l->owned) || l->n >= ELEMENTSOF(l->items))
                return -E2BIG;
        if (asprintf(&f, "%s=%s", name, value) < 0)
                return -ENOMEM;
        l->owned[l->n_owned++] = f;
        l->items[l->n++] = f;
        return 0;
}

_printf_(7, 0) static int log_eventv(GatewaydEvent ev, int error, const char *tunnel, const char *peer,
                                    const char *reason, const char *const *extra, const char *fmt, va_list ap) {
        _cleanup_(field_list_clear) FieldList fields = {};
        _cleanup_free_ char *message = NULL, *text = NULL, *suffix = NULL;
        char number[24];
        const EventInfo *info;
        unsigned suppressed = 0;
        int saved = errno, ret = 1;

        if (ev < 0 || ev >= _GATEWAYD_EVENT_MAX)
                return -EINVAL;
        info = &event_table[ev];
        if (info->ratelimited && !ratelimit_table_below(&limits, (unsigned) ev, tunnel, now_usec(), &suppressed))
                return 0;

        /* %m refers to error, as in log_error_errno(). */
        if (error != 0)
                errno = error < 0 ? -error : error;
        if (vasprintf(&message, fmt, ap) < 0)
                message = NULL;
        if (suppressed > 0 &&
            asprintf(&text, "%s (%u earlier similar entries suppressed)", message ? message : info->name,
                     suppressed) < 0)
                text = NULL;

        /* Out of memory for a field leaves that field out; the entry still goes. */
        (void) field_add(&fields, "MESSAGE_ID", info->message_id);
        (void) field_add(&fields, "GATEWAYD_EVENT", info->name);
        (void) field_add(&fields, "GATEWAYD_TUNNEL", tunnel);
        (void) field_add(&fields, "GATEWAYD_PEER", peer);
        (void) field_add(&fields, "GATEWAYD_REASON", reason);
        if (suppressed > 0) {
                snprintf(number, sizeof(number), "%u", suppressed);
                (void) field_add(&fields, "GATEWAYD_SUPPRESSED", number);
        }
        if (error != 0) {
                snprintf(number, sizeof(number), "%d", error < 0 ? -error : error);
                (void) field_add(&fields, "ERRNO", number);
        }
        for (size_t i = 0, k = 0; extra && extra[i]; i++) {
                if (k >= EVENT_FIELDS_MAX || !journal_field_valid(extra[i])) {
                        ret = -EINVAL;
                        continue;
                }
                fields.items[fields.n++] = extra[i];
                k++;
        }

        /* Without a journal: tests and people grep the event and the tunnel. */
        if (asprintf(&suffix, "[event=%s%s%s]", info->name, tunnel ? " tunnel=" : "", tunnel ? tunnel : "") < 0)
                suffix = NULL;
        (void) log_send(info->priority, text ? text : message ? message : info->name, fields.items, fields.n, suffix);
        errno = saved;
        return ret;
}

int log_event(GatewaydEvent ev, const char *tunnel, const char *peer, const char *reason, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = log_eventv(ev, 0, tunnel, peer, reason, NULL, fmt, ap);
        va_end(ap);
        return r;
}

int log_event_fields(GatewaydEvent ev, const char *tunnel, const char *peer, const char *reason,
                     const char *const *fields, const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = log_eventv(ev, 0, tunnel, peer, reason, fields, fmt, ap);
        va_end(ap);
        return r;
}

int log_event_errno(GatewaydEvent ev, int error, const char *tunnel, const char *peer, const char *reason,
                    const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) log_eventv(ev, error, tunnel, peer, reason, NULL, fmt, ap);
        va_end(ap);
        return error < 0 ? error : -error;
}
