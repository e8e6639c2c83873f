/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The status as a Prometheus node_exporter textfile (text exposition format
 * 0.0.4): point node_exporter's --collector.textfile.directory at the
 * directory of MetricsFile and it exports these with every scrape.
 *
 *   gatewayd_tunnel_up{tunnel}                        gauge    1 when up
 *   gatewayd_tunnel_enabled{tunnel}                   gauge    0 for Enabled=no (alert on up == 0 and enabled == 1)
 *   gatewayd_tunnel_bytes_in_total{tunnel}            counter  sums of the tunnel's child SAs; a child SA
 *   gatewayd_tunnel_bytes_out_total{tunnel}           counter  that is rekeyed or re-established starts from 0,
 *   gatewayd_tunnel_packets_in_total{tunnel}          counter  which Prometheus reads as a counter reset
 *   gatewayd_tunnel_packets_out_total{tunnel}         counter
 *   gatewayd_tunnel_last_rekey_timestamp_seconds{tunnel} gauge only for tunnels that rekeyed
 *   gatewayd_certificate_days_left{tunnel}            gauge    only for certificate tunnels
 *   gatewayd_shield_drops_total                       counter  as given in MetricsCounters
 */

#include "status.h"

/* Numbers that are not in the status document. */
typedef struct MetricsCounters {
        /* Packets the shield dropped: XFRM policy blocks plus the drops of
         * gatewayd's nftables table, as the caller counts them. */
        uint64_t shield_drops;
} MetricsCounters;

/* The textfile for s (status_validate() must pass) and c (NULL: zeros).
 * Returns 0 with a new NUL-terminated buffer, -EINVAL or -ENOMEM. */
int metrics_to_text(const GatewayStatus *s, const MetricsCounters *c, char **ret_text, size_t *ret_size);

/* metrics_to_text(), then write_file_atomic(path, ..., 0644). 0 or -errno. */
int metrics_write_file(const char *path, const GatewayStatus *s, const MetricsCounters *c);
