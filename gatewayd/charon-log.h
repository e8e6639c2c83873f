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

/* What a charon log line says about an IKE_SA's fate, for the health
 * tracker's reasons. */
typedef enum CharonLogKind {
        CHARON_LOG_OTHER,
        CHARON_LOG_NOTIFY_ERROR,   /* the peer refused: *ret_notify names the notify */
        CHARON_LOG_GAVE_UP,        /* a request went unanswered through every retransmission */
        CHARON_LOG_PEER_DELETED,   /* the peer deleted the IKE_SA */
        CHARON_LOG_REKEY_FAILED,   /* a CHILD_SA rekey failed (charon retries it) */
        _CHARON_LOG_KIND_MAX,
        _CHARON_LOG_KIND_INVALID = -EINVAL,
} CharonLogKind;

/* Classifies charon's "log" event msg. *ret_sa is the IKE_SA's name (owned
 * by msg; NULL when charon named none) and *ret_notify the notify of a
 * CHARON_LOG_NOTIFY_ERROR (static); both are set only for a kind other than
 * CHARON_LOG_OTHER. */
CharonLogKind charon_log_classify(const SettingsNode *msg, const char **ret_sa, const char **ret_notify);
