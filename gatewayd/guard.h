/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The daemon's side of the shield (xfrm/): keeps gatewayd's XFRM policies and
 * its nftables table equal to the config. Applied before tunnels are loaded
 * and on every reload; never removed when gatewayd stops (the kernel keeps
 * them; the next start adopts them without a gap). With DataPlane=userspace
 * the allow policies follow charon's TUN device, which comes and goes with
 * charon: a link monitor re-applies when it appears, disappears or changes.
 * Other programs flush XFRM policies and nftables rulesets: with an event
 * loop the guard watches both (kernel notifications) and puts back what went
 * missing, debounced, logging shield-restored (DESIGN.md, "The shield heals
 * and tells").
 *
 * Fail closed per tunnel: a policy the kernel refuses does not keep the
 * others out (xfrm_shield_apply tries them all, and removes nothing stale
 * then); the guard knows which tunnels lack part of their shield, tries
 * again with backoff until the shield is complete, and then tells the
 * handler, so that the manager loads into charon only tunnels whose shield
 * is in. */

#include <systemd/sd-event.h>

#include "model.h"

typedef struct Guard Guard;

/* e may be NULL (one-shot use, e.g. --shield-only: no link monitor). */
int guard_new(sd_event *e, Guard **ret) _warn_unused_result_;
Guard *guard_free(Guard *g);
DEFINE_TRIVIAL_CLEANUP_FUNC(Guard *, guard_free);

/* Makes the kernel match c (c must outlive the next guard_apply or
 * guard_free: the link monitor re-applies it). Logs what it did and the
 * kernel's own message on failure. Returns 0 or -errno. */
int guard_apply(Guard *g, const Config *c) _warn_unused_result_;

/* Reconciles the kernel with the last config given to guard_apply (nothing
 * before it): re-adds missing or altered shield policies and reinstalls
 * table inet gatewayd when it is gone or changed. Cheap when nothing is
 * missing (one policy dump, one table listing). Logs shield-restored, with
 * why as GATEWAYD_REASON and the counts, only when something was put back.
 * Returns 0 or -errno (logged). */
int guard_heal(Guard *g, const char *why);

/* Looks for what lets VNet-bound plaintext past the shield (xfrm/bypass.h:
 * a foreign pass policy ahead of a block, disable_xfrm/disable_policy) and
 * logs each as shield-bypassed (rate-limited per tunnel), with
 * GATEWAYD_CHECK=when ("start", "periodic"; the guard itself runs it with
 * "change" when an XFRM notification announces a pass policy). Returns how
 * many were found, or -errno (logged). */
int guard_check_bypasses(Guard *g, const char *when);

/* Whether every part of tunnel name's shield is in the kernel (after the
 * last guard_apply or heal): true for a tunnel with FailClosed=no or one the
 * guard does not know. */
bool guard_tunnel_shielded(Guard *g, const char *name);
/* How many tunnels lack part of their shield, and why (the kernel's or nft's
 * message of the last failure; NULL when none does). */
size_t guard_n_unshielded(Guard *g);
const char *guard_shield_error(Guard *g);

/* handler(userdata, tunnel) is called from the event loop for each tunnel
 * whose shield was incomplete and now is complete (and that is still in the
 * config): the manager loads it then. Never called from inside
 * guard_apply(). ipsec_lost(userdata, tunnel) is called by guard_heal()
 * with DataPlane=kernel for each enabled tunnel that has no outbound IPsec
 * policy of charon's toward one of its RemotePrefixes (another program
 * flushed them; charon does not notice): the manager, for a tunnel that is
 * up, has charon install them again. */
typedef void (*GuardShieldedHandler)(void *userdata, const char *tunnel);
typedef void (*GuardIpsecLostHandler)(void *userdata, const char *tunnel);
void guard_set_handler(Guard *g, GuardShieldedHandler handler, GuardIpsecLostHandler ipsec_lost, void *userdata);
