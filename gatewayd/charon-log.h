/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What gatewayd reads out of charon's log text. charon names why an SA could
 * not be set up (an error notify from the peer) only in its "log" events,
 * whose "msg" is free text meant for people: its wording is charon's, not a
 * protocol, so every such parse lives here, apart from the VICI codec
 * (tests/unit/test-charon-log.c row by row; tests/integration/
 * proposal-mismatch.sh and auth-failure.sh against a real charon). */

#include "settings.h"

/* charon's "log" event (group, level, ikesa-name, msg ...): when the message
 * is charon reporting an IKEv2 notify error it received from the peer (the
 * reason an IKE or child SA could not be set up: "received NO_PROPOSAL_CHOSEN
 * notify error", "received TS_UNACCEPTABLE notify, no CHILD_SA built"),
 * returns the notify's name (a static string) and sets *ret_sa to the IKE_SA's
 * name (owned by msg; NULL when charon named none). Otherwise NULL. */
const char *charon_log_failure_reason(const SettingsNode *msg, const char **ret_sa);
