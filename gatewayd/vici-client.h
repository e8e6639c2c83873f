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
 * the command or event (CMD_UNKNOWN / EVENT_UNKNOWN), -ETIMEDOUT when it was
 * the command charon did not answer within the deadline, -ECONNRESET when the
 * connection broke before the answer, or the encoder's (or loader's) error for
 * a command that carries files (encoded when it reaches the head). */
typedef void (*VICIResponseHandler)(VICIClient *c, int error, const SettingsNode *response, void *userdata);
/* An event arrived (registered with vici_client_register). */
typedef void (*VICIEventHandler)(VICIClient *c, const char *event, const SettingsNode *msg, void *userdata);
/* The connection came up (connected = true) or went down (error says why). */
typedef void (*VICIStateHandler)(VICIClient *c, bool connected, int error, void *userdata);

/* Bounds what a config or a peer can make the client hold. */
#define VICI_CLIENT_MAX_QUEUE 20000
/* How long charon may take to answer the command at the head of the queue
 * (each command on its own, not a batch: a load-conn takes a millisecond, a
 * list-sas of 1,000 SAs well under a second). A charon that accepts the
 * connection but stops answering is lost: the connection is closed, every
 * pending command fails, and the state handler is told (-ETIMEDOUT). */
#define VICI_CLIENT_TIMEOUT_USEC (10 * 1000000ULL)

/* uri: "unix:///path". load_file reads SETTINGS_FILE values when a command is
 * encoded (see vici-wire.h): when it reaches the head of the queue, so that
 * at most one secret (a PSK, a private key) is in memory at a time, and only
 * until it is written. Returns -EINVAL for an unsupported URI. */
int vici_client_new(sd_event *e, const char *uri, VICILoadFile load_file, void *load_userdata, VICIClient **ret);
VICIClient *vici_client_free(VICIClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(VICIClient *, vici_client_free);

void vici_client_set_handlers(VICIClient *c, VICIStateHandler on_state, VICIEventHandler on_event, void *userdata);
/* The deadline of one command (VICI_CLIENT_TIMEOUT_USEC unless set; 0 = none),
 * counted from when it starts to be written until its answer. */
void vici_client_set_timeout(VICIClient *c, uint64_t usec);
/* Why the last connection attempt or connection failed, in words, when the
 * error code alone does not say it ("charon did not answer list-sas within
 * 10 s", "the VICI socket ... is served by uid 1000, not root"), else NULL.
 * Valid until the next connect; for the state handler. */
const char *vici_client_error_reason(const VICIClient *c);

/* Starts connecting; the state handler reports the outcome (also an immediate
 * failure such as a missing socket, or -EAGAIN for a listener whose backlog is
 * full, asynchronously). The connection counts only once the socket's peer is
 * root (or this process's own user): SO_PEERCRED, checked before anything,
 * let alone a secret, is sent; another owner is -EPERM with a reason. */
int vici_client_connect(VICIClient *c);
/* Closes the connection; pending commands fail with -ECONNRESET. */
void vici_client_disconnect(VICIClient *c);
bool vici_client_is_connected(const VICIClient *c);

/* Queues command cmd with msg (NULL = empty). The caller keeps ownership of
 * msg: it is encoded now, or, when it holds SETTINGS_FILE values, checked now
 * and copied (paths only), and encoded with the files' contents when it
 * reaches the head of the queue; a file that cannot be read then fails this
 * command alone (cb gets the loader's error). -ENOBUFS when the queue is
 * full, -ENOTCONN when not connected, or the encoder's error. cb is called
 * exactly once if and only if this returns 0. */
int vici_client_call(VICIClient *c, const char *cmd, const SettingsNode *msg, VICIResponseHandler cb, void *userdata);
/* Queues an event registration; cb gets error 0 on EVENT_CONFIRM. Errors
 * and cb as for vici_client_call(). */
int vici_client_register(VICIClient *c, const char *event, VICIResponseHandler cb, void *userdata);
/* Number of queued and in-flight commands. */
size_t vici_client_pending(const VICIClient *c);
