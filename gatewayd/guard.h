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
 * and tells"). */

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
