/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* gatewayctl status: the status file for people and for monitoring checks.
 * It reads only the file (and gatewayd.conf for StatusFile), so it answers
 * when gatewayd or charon is down, and says how old the data is. */

#include <stdbool.h>
#include <stdio.h>

#include "status.h"

/* Exit codes of `gatewayctl status`, for scripts and monitoring: 0 all up,
 * 1 no usable status or no such tunnel, 2 usage, 3 not up or stale. */
#define STATUS_EXIT_OK 0         /* every enabled tunnel is up, per fresh data */
#define STATUS_EXIT_FAILURE 1    /* no status file, unreadable or malformed; no such tunnel */
#define STATUS_EXIT_USAGE 2
#define STATUS_EXIT_NOT_UP 3     /* a tunnel is not up, or the data is stale */

/* The data is stale when older than this many health intervals: gatewayd
 * writes the file every HealthIntervalSec, so it is then probably not
 * running. (The only test: a pid in the file could be reused, and gatewayctl
 * may not be allowed to signal gatewayd.) */
#define STATUS_STALE_INTERVALS 3

typedef struct StatusOptions {
        const char *config_dir;   /* for [Gateway] StatusFile when status_file is NULL */
        const char *status_file;  /* --status-file */
        bool json;                /* --json */
} StatusOptions;

/* `gatewayctl status [NAME]`: argv[0] is "status", argv[1] an optional tunnel
 * name; the options come parsed in o. Prints to stdout (and problems to
 * stderr) and returns one of the exit codes above. */
int verb_status(int argc, char *argv[], const StatusOptions *o);

/* The pieces, for tests. */

/* How long ago generated_at is at now (0 if it is in the future). */
usec_t status_age(const GatewayStatus *s, usec_t now);
/* Whether the data is older than STATUS_STALE_INTERVALS health intervals. */
bool status_is_stale(const GatewayStatus *s, usec_t now);
/* The exit code for s (only tunnel only, if not NULL): 3 when the data is
 * stale, or when an enabled tunnel (state other than disabled) is not up;
 * else 0. */
int status_exit_code(const GatewayStatus *s, const TunnelStatus *only, bool stale);

#define FORMAT_DURATION_MAX 32
#define FORMAT_SIZE_MAX 32
/* "0s", "59s", "5m12s", "3h12m", "2d4h" (rounded down). Returns buf. */
char *format_duration(char buf[static FORMAT_DURATION_MAX], usec_t d);
/* "0 B", "1023 B", "1.0 KiB", "1.2 MiB" ... "16.0 EiB" (to the nearest
 * tenth, binary units). Returns buf. */
char *format_size(char buf[static FORMAT_SIZE_MAX], uint64_t bytes);

/* The human output: the header (when, how old, charon), the stale warning,
 * then a table of the tunnels (only, if not NULL) with the last error under
 * each tunnel that is not up. Text from the file is shown with control
 * characters and invalid UTF-8 replaced. 0 or -ENOMEM. */
int status_print(FILE *f, const GatewayStatus *s, const TunnelStatus *only, usec_t now);
