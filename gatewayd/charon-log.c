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

CharonLogKind charon_log_classify(const SettingsNode *msg, const char **ret_sa, const char **ret_notify) {
        /* charon's wording (libcharon's DBG1 lines), stable across 5.9. */
        static const struct {
                const char *prefix;
                CharonLogKind kind;
        } lines[] = {
                { "giving up after ", CHARON_LOG_GAVE_UP },
                { "establishing IKE_SA failed, peer not responding", CHARON_LOG_GAVE_UP },
                { "received DELETE for IKE_SA ", CHARON_LOG_PEER_DELETED },
                { "CHILD_SA rekeying failed", CHARON_LOG_REKEY_FAILED },
        };
        const char *text = msg ? vici_get_string(msg, "msg") : NULL, *sa = NULL, *notify;

        if (!text)
                return CHARON_LOG_OTHER;
        notify = charon_log_failure_reason(msg, &sa);
        if (notify) {
                if (ret_sa)
                        *ret_sa = sa;
                if (ret_notify)
                        *ret_notify = notify;
                return CHARON_LOG_NOTIFY_ERROR;
        }
        for (size_t i = 0; i < ELEMENTSOF(lines); i++)
                if (strncmp(text, lines[i].prefix, strlen(lines[i].prefix)) == 0) {
                        if (ret_sa)
                                *ret_sa = vici_get_string(msg, "ikesa-name");
                        return lines[i].kind;
                }
        return CHARON_LOG_OTHER;
}
