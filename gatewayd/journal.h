/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Structured journal events, the contract operators rely on. Every event is
 * one entry with a fixed MESSAGE_ID (documented in packaging/gatewayd.catalog
 * for `journalctl -x`), PRIORITY, SYSLOG_IDENTIFIER=gatewayd,
 * GATEWAYD_EVENT=<name> and, where given, GATEWAYD_TUNNEL, GATEWAYD_PEER,
 * GATEWAYD_REASON. Without a journal it is one stderr line ending in
 * "[event=<name> tunnel=<tunnel>]". Events that a peer can trigger over and
 * over are rate-limited per (event, tunnel): EVENT_RATELIMIT_BURST entries per
 * EVENT_RATELIMIT_INTERVAL_USEC; the first entry after a window in which
 * entries were held back says how many (GATEWAYD_SUPPRESSED=N and in
 * MESSAGE). */

#include <stdint.h>

#include "log.h"

typedef enum GatewaydEvent {
        EVENT_CONFIG_APPLIED,
        EVENT_CONFIG_REJECTED,
        EVENT_TUNNEL_UP,
        EVENT_TUNNEL_DOWN,
        EVENT_TUNNEL_REKEYED,
        EVENT_SHIELD_ENGAGED,
        EVENT_SHIELD_RELEASED,
        EVENT_SHIELD_RESTORED,
        EVENT_SHIELD_BYPASSED,
        EVENT_IKE_DAEMON_LOST,
        EVENT_IKE_DAEMON_CONNECTED,
        EVENT_CERTIFICATE_EXPIRING,
        EVENT_CERTIFICATE_EXPIRED,
        EVENT_WEAK_ALGORITHM,
        EVENT_BGP_UP,
        EVENT_BGP_DOWN,
        _GATEWAYD_EVENT_MAX,
        _GATEWAYD_EVENT_INVALID = -EINVAL,
} GatewaydEvent;

#define EVENT_RATELIMIT_BURST 10u
#define EVENT_RATELIMIT_INTERVAL_USEC (30 * 1000 * 1000ULL)

/* At most this many extra fields per event. */
#define EVENT_FIELDS_MAX 16

/* "config-applied", ... (GATEWAYD_EVENT=); NULL if out of range. */
const char *gatewayd_event_to_string(GatewaydEvent e);
GatewaydEvent gatewayd_event_from_string(const char *s);
/* The MESSAGE_ID: 32 lower-case hex digits; NULL if out of range. */
const char *gatewayd_event_message_id(GatewaydEvent e);
/* LOG_INFO ...; -EINVAL if out of range. */
int gatewayd_event_priority(GatewaydEvent e);
/* Whether peer traffic can repeat the event (it is then rate-limited). */
bool gatewayd_event_ratelimited(GatewaydEvent e);

/* Logs event ev. tunnel, peer and reason may be NULL (field left out); they
 * are data: never part of a format. The message is fmt's. Returns 1 when the
 * entry went out, 0 when the rate limit held it back, -EINVAL for an event
 * out of range (nothing logged). */
int log_event(GatewaydEvent ev, const char *tunnel, const char *peer, const char *reason, const char *fmt, ...)
        _printf_(5, 6);

/* log_event() with extra fields: a NULL-terminated array of "NAME=value"
 * strings (e.g. "GATEWAYD_IKE_PROPOSAL=aes256gcm16-prfsha384-ecp384"; a name
 * is [A-Z0-9_], at most 64, not starting with a digit or '_', and not one the
 * event sets itself). An invalid or surplus field is left out and the entry
 * still goes out; the return is then -EINVAL. */
int log_event_fields(GatewaydEvent ev, const char *tunnel, const char *peer, const char *reason,
                     const char *const *fields, const char *fmt, ...) _printf_(6, 7);

/* log_event() where %m in fmt refers to error (-errno or errno), which also
 * goes out as ERRNO=. Returns -abs(error), as log_error_errno() does. */
int log_event_errno(GatewaydEvent ev, int error, const char *tunnel, const char *peer, const char *reason,
                    const char *fmt, ...) _printf_(6, 7);

/* True if f is a valid extra field ("NAME=value") for log_event_fields(). */
bool journal_field_valid(const char *f);

/* Tests: the clock of the rate limit (CLOCK_MONOTONIC in usec when NULL), and
 * forgetting its state. */
void journal_set_clock(uint64_t (*now_usec)(void));
void journal_reset(void);
