/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prints what the status writer makes of a fixture, for the script tests
 * (tests/status-schema.sh validates it against packaging/status.schema.json;
 * tests/ctl-status.sh feeds it to gatewayctl status):
 *   status-sample full|all-up|reasons|escaping|empty   the document
 *   status-sample tunnel NAME                     one tunnel of full
 *   status-sample metrics                         the textfile of full */
#include <stdlib.h>

#include "metrics.h"
#include "status-fixture.h"

int main(int argc, char *argv[]) {
        static const struct {
                const char *name;
                GatewayStatus *(*make)(void);
        } kinds[] = {
                { "full", fixture_full },
                { "all-up", fixture_all_up },
                { "reasons", fixture_reasons },
                { "escaping", fixture_escaping },
                { "empty", fixture_empty },
        };
        _cleanup_(gateway_status_freep) GatewayStatus *s = NULL;
        _cleanup_free_ char *text = NULL;
        int r = -EINVAL;

        if (argc < 2)
                return 2;
        if (streq(argv[1], "tunnel") && argc == 3) {
                s = fixture_full();
                r = status_tunnel_to_json(gateway_status_find_tunnel(s, argv[2]), &text, NULL);
        } else if (streq(argv[1], "metrics") && argc == 2) {
                s = fixture_full();
                r = metrics_to_text(s, &(MetricsCounters) { .shield_drops = 42 }, &text, NULL);
        } else
                for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                        if (streq(argv[1], kinds[i].name) && argc == 2) {
                                s = kinds[i].make();
                                r = status_to_json(s, &text, NULL);
                        }
        if (r < 0) {
                fprintf(stderr, "status-sample: %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        fputs(text, stdout);
        return fflush(stdout) == 0 ? 0 : 1;
}
