/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Initiating again a tunnel that failed to come up. charon gives up on an
 * IKE_SA_INIT answered with an error notify (NO_PROPOSAL_CHOSEN from a peer
 * that is still loading its config, AUTHENTICATION_FAILED while keys are being
 * changed) despite keyingtries=0, so each such tunnel gets a timer with a
 * doubling backoff. When it fires, list-sas asks charon whether the tunnel has
 * any IKE SA by now (its own restart logic may be at work); only if none was
 * listed is the tunnel initiated.
 *
 * Each Retry is reference counted: the RetryList holds one reference, a
 * list-sas in flight the other. Dropping a tunnel (it came up, or the list is
 * freed) detaches its Retry from the list; the answer to a query still in
 * flight then finds it detached, does nothing and releases the last
 * reference. */

#include <systemd/sd-event.h>

#include "apply.h"

typedef struct RetryList RetryList;

typedef struct RetryHooks {
        /* Whether charon is connected. A timer that fires while it is not
         * does nothing: a reconnect applies everything again. */
        bool (*connected)(void *userdata);
        /* Whether name is (still) an enabled tunnel of the running config:
         * only then is it initiated. */
        bool (*wanted)(void *userdata, const char *name);
} RetryHooks;

/* Commands go through apply (which must outlive the list); hooks are asked
 * with userdata. Returns 0 or -ENOMEM. */
int retry_list_new(sd_event *e, ApplyContext *apply, const RetryHooks *hooks, void *userdata, RetryList **ret);
/* Detaches every Retry (answers still in flight free theirs) and frees the
 * list. NULL-safe. */
RetryList *retry_list_free(RetryList *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(RetryList *, retry_list_free);

/* Tunnel name failed to come up: initiate it again after its next backoff
 * (2 s, doubling, at most 60 s). A timer already running is left alone.
 * Logs what it decided; a tunnel that cannot be tracked (out of memory, more
 * than the list's cap) is logged and not retried. */
void retry_list_schedule(RetryList *l, const char *name);
/* Tunnel name came up: forget its backoff. */
void retry_list_drop(RetryList *l, const char *name);
/* A list-sa event named name's IKE SA: if a list-sas of name is in flight,
 * the tunnel is not initiated again. */
void retry_list_sa_listed(RetryList *l, const char *name);
