/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Tunnel health: charon's events (ike-updown, child-updown, ike-rekey,
 * child-rekey, and the log lines that say why an SA ended) and the periodic
 * list-sas, held against the configured tunnels. Every configured tunnel has
 * a state (up, connecting, down, disabled) since a time, and the reason of
 * its last failure; a configured tunnel that is down is down, never absent.
 * Transitions go to the journal (tunnel-up with the negotiated algorithms,
 * tunnel-down with a reason, tunnel-rekeyed, shield-engaged/-released); the
 * model is the status document's (status.h), which the manager writes. */

#include "conf.h"
#include "settings.h"
#include "status.h"

typedef struct Health Health;

Health *health_new(void);
Health *health_free(Health *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(Health *, health_free);

/* Follows c: one tunnel per configured tunnel, in config order; a tunnel that
 * stays keeps its state. New enabled tunnels are connecting (down with
 * charon-gone while charon is not connected); Enabled=no is disabled. 0 or
 * -ENOMEM (what was known of the tunnels may be lost; every tunnel is still
 * listed). */
int health_set_config(Health *h, const Config *c, usec_t now);

/* Something outside charon's events keeps tunnel name down (charon refused
 * its load, its shield is missing): down with e and detail, logged as a
 * transition; an up tunnel only gets the reason. */
void health_set_error(Health *h, const char *name, TunnelError e, const char *detail, usec_t now);

/* charon's VICI connection came or went. Lost: every tunnel that is not
 * disabled is down (charon-gone); came back: they are connecting again. */
void health_set_charon(Health *h, bool connected, usec_t now);

/* An SA's VICI event (ike-updown, child-updown, ike-rekey, child-rekey).
 * Returns the name of a tunnel that just came up for the first time with
 * this IKE_SA (a new establishment, not a rekey), or NULL: the caller may
 * want to test the tunnel's rekey early (PfsGroup). */
const char *health_on_event(Health *h, const char *event, const SettingsNode *msg, usec_t now);

/* charon's "log" event: a reason for an SA's fate. Returns whether the status changed (most lines say nothing that
 * matters here: every loaded connection is one). */
bool health_on_log(Health *h, const SettingsNode *msg, usec_t now);

/* A list-sas round: begin, each list-sa event, end. Updates the negotiated
 * algorithms and the counters of every tunnel listed. */
void health_list_begin(Health *h);
void health_on_list_sa(Health *h, const SettingsNode *msg);
void health_list_end(Health *h, usec_t now);

/* Logs the down transitions that waited for their reason (an ike-updown
 * that came before charon's log line): call it a moment after the events. */
void health_flush(Health *h);

/* Whether the tunnel is up (IKE and child SA established, as far as charon
 * said). */
bool health_tunnel_up(const Health *h, const char *tunnel);

/* A tunnel the manager holds back from charon (its shield could not be
 * installed): down with reason e and detail, logged as tunnel-down. Nothing
 * for an unknown or disabled tunnel. */
void health_set_failed(Health *h, const char *tunnel, TunnelError e, const char *detail, usec_t now);
/* The hold is over (the tunnel is being loaded): a tunnel down for reason e
 * is connecting again (down with charon-gone while charon is away). */
void health_clear_failed(Health *h, const char *tunnel, TunnelError e, usec_t now);

/* The document as of now (generated_at set). Owned by h, valid until the
 * next call into h. */
GatewayStatus *health_status(Health *h, usec_t now);

/* How many tunnels are enabled (not disabled) and how many of them are up. */
void health_counts(const Health *h, size_t *ret_up, size_t *ret_enabled);
