/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A VICI client on an sd-event loop: one non-blocking stream connection to
 * charon, a bounded queue of commands sent one at a time (VICI has no request
 * ids: one command is active per connection), and events dispatched as they
 * arrive, also between a command and its response (streamed list results).
 * Framing and messages are vici-wire.c's. */

#include <systemd/sd-event.h>

#include "settings.h"
#include "vici-wire.h"

typedef struct VICIClient VICIClient;

/* A command finished. error is 0 when charon answered (response is the
 * message, which may say success = no), -EOPNOTSUPP when charon does not know
 * the command or event (CMD_UNKNOWN / EVENT_UNKNOWN), -ECONNRESET when the
 * connection broke before the answer, or the encoder's error. */
typedef void (*VICIResponseHandler)(VICIClient *c, int error, const SettingsNode *response, void *userdata);
/* An event arrived (registered with vici_client_register). */
typedef void (*VICIEventHandler)(VICIClient *c, const char *event, const SettingsNode *msg, void *userdata);
/* The connection came up (connected = true) or went down (error says why). */
typedef void (*VICIStateHandler)(VICIClient *c, bool connected, int error, void *userdata);

/* Bounds what a config or a peer can make the client hold. */
#define VICI_CLIENT_MAX_QUEUE 20000

/* uri: "unix:///path". load_file reads SETTINGS_FILE values when a command is
 * encoded (see vici-wire.h). Returns -EINVAL for an unsupported URI. */
int vici_client_new(sd_event *e, const char *uri, VICILoadFile load_file, void *load_userdata, VICIClient **ret);
VICIClient *vici_client_free(VICIClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(VICIClient *, vici_client_free);

void vici_client_set_handlers(VICIClient *c, VICIStateHandler on_state, VICIEventHandler on_event, void *userdata);

/* Starts connecting; the state handler reports the outcome (also an immediate
 * failure such as a missing socket, asynchronously). */
int vici_client_connect(VICIClient *c);
/* Closes the connection; pending commands fail with -ECONNRESET. */
void vici_client_disconnect(VICIClient *c);
bool vici_client_is_connected(const VICIClient *c);

/* Queues command cmd with msg (NULL = empty). The message is encoded now, so
 * the caller keeps ownership of msg. -ENOBUFS when the queue is full,
 * -ENOTCONN when not connected, or the encoder's error. cb is called exactly
 * once if and only if this returns 0. */
int vici_client_call(VICIClient *c, const char *cmd, const SettingsNode *msg, VICIResponseHandler cb, void *userdata);
/* Queues an event registration; cb gets error 0 on EVENT_CONFIRM. Errors
 * and cb as for vici_client_call(). */
int vici_client_register(VICIClient *c, const char *event, VICIResponseHandler cb, void *userdata);
/* Number of queued and in-flight commands. */
size_t vici_client_pending(const VICIClient *c);
