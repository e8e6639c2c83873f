/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prints gatewayd's journal event table, one event a line:
 * "NAME MESSAGE_ID PRIORITY". tests/check-catalog.sh compares it with
 * packaging/gatewayd.catalog, so the check reads the compiled table, not the
 * source text. */
#include "journal.h"

int main(void) {
        for (GatewaydEvent e = 0; e < _GATEWAYD_EVENT_MAX; e++)
                printf("%s %s %d\n", gatewayd_event_to_string(e), gatewayd_event_message_id(e),
                       gatewayd_event_priority(e));
        return fflush(stdout) == 0 ? 0 : 1;
}
