/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Pacing toward one peer (gatewayd.conf(5), MaxHalfOpenPerPeer=). A
 * responder's flood protection counts half-open IKE SAs per peer address
 * (strongSwan's defaults: a cookie from the 4th on, dropped from the 5th on;
 * Azure's limits are not published): 100 tunnels initiated at once toward one peer make it drop
 * most IKE_SA_INITs, and they come up only after retransmits, in seconds.
 * So at start, after a reconnect and for added tunnels gatewayd loads the
 * connections of initiating tunnels without start_action and initiates them
 * here, at most limit at a time per peer (a changed tunnel keeps
 * start_action=start: charon then replaces its child SAs as it should):
 * a slot is taken by an initiate and freed when the tunnel's IKE SA is
 * established or fails (ike-updown), or after PACER_SLOT_USEC.
 *
 * Once charon took the connections, one list-sas asks which of them have an
 * IKE SA already (a restarted gatewayd finds its tunnels up; a changed
 * connection keeps its SAs): those are not initiated. The others wait,
 * asked about, for a slot, so that a freed slot is taken by an initiate
 * at once, without a question to charon first; one that comes up while it
 * waits (the peer initiated) is dropped. */

#include <systemd/sd-event.h>

#include "apply.h"

#define PACER_DEFAULT_LIMIT PACER_DEFAULT_HALF_OPEN
#define PACER_SLOT_USEC (10 * 1000 * 1000ULL)

typedef struct Pacer Pacer;

int pacer_new(sd_event *e, ApplyContext *apply, unsigned limit, Pacer **ret);
Pacer *pacer_free(Pacer *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Pacer *, pacer_free);

void pacer_set_limit(Pacer *p, unsigned limit);
/* Tunnel name (toward peer, the RemoteAddress as text) is being loaded
 * without start_action: once pacer_loaded() says charon took it, it is
 * initiated when its peer has a free slot. Already known: nothing changes.
 * 0 or -ENOMEM. */
int pacer_start(Pacer *p, const char *name, const char *peer);
/* charon answered name's load-conn: ok queues it, else it is forgotten. */
void pacer_loaded(Pacer *p, const char *name, bool ok);
/* name's IKE SA went up or down (ike-updown): its slot is free; up, it is
 * not initiated either when it was waiting. */
void pacer_done(Pacer *p, const char *name, bool up);
/* A list-sa event for name while the pacer's list-sas is in flight. */
void pacer_sa_listed(Pacer *p, const char *name);
/* charon is gone: every slot and queue is forgotten (a reconnect applies,
 * and starts, everything again). */
void pacer_reset(Pacer *p);
/* How many tunnels wait or are in flight (for STATUS=). */
size_t pacer_pending(const Pacer *p);
