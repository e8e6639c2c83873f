/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Status documents for the writer, reader and schema tests. Each builder
 * aborts when out of memory (they also run outside cmocka, in status-sample). */

#include "status.h"

/* 2024-05-01T12:00:00Z and times around it, in usec. */
#define FIXTURE_NOW (1714564800ULL * USEC_PER_SEC)
#define FIXTURE_AT(sec_since_epoch) ((usec_t) (sec_since_epoch) * USEC_PER_SEC)

/* Four tunnels: up with a child SA, down with a last_error and its detail,
 * disabled, and connecting with a certificate. tests/unit/status/full.json is
 * its exact text. */
GatewayStatus *fixture_full(void);
/* The up and the disabled tunnel of full only: every enabled tunnel is up. */
GatewayStatus *fixture_all_up(void);
/* One down tunnel per TunnelError (NONE included), each with a detail. */
GatewayStatus *fixture_reasons(void);
/* Strings that need escaping: quotes, backslashes, every control character,
 * DEL, non-ASCII (2, 3 and 4 bytes), and bytes that are not UTF-8. */
GatewayStatus *fixture_escaping(void);
/* No tunnels at all; charon not connected. */
GatewayStatus *fixture_empty(void);
