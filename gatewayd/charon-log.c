/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "charon-log.h"
#include "vici-wire.h"

const char *charon_log_failure_reason(const SettingsNode *msg, const char **ret_sa) {
        /* The IKEv2 error notifies that end an IKE_SA_INIT, IKE_AUTH or
         * CREATE_CHILD_SA exchange (RFC 7296 3.10.1). */
        static const char *const reasons[] = {
                "NO_PROPOSAL_CHOSEN", "AUTHENTICATION_FAILED", "TS_UNACCEPTABLE", "INVALID_SYNTAX",
                "SINGLE_PAIR_REQUIRED", "NO_ADDITIONAL_SAS", "INTERNAL_ADDRESS_FAILURE", "FAILED_CP_REQUIRED",
                "INVALID_SELECTORS", "UNSUPPORTED_CRITICAL_PAYLOAD", "INVALID_MAJOR_VERSION",
        };
        const char *text = msg ? vici_get_string(msg, "msg") : NULL;
        size_t n;

        if (!text || strncmp(text, "received ", 9) != 0)
                return NULL;
        text += 9;
        for (size_t i = 0; i < ELEMENTSOF(reasons); i++) {
                n = strlen(reasons[i]);
                if (strncmp(text, reasons[i], n) == 0 && strncmp(text + n, " notify", 7) == 0) {
                        if (ret_sa)
                                *ret_sa = vici_get_string(msg, "ikesa-name");
                        return reasons[i];
                }
        }
        return NULL;
}
