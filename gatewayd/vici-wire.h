/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The VICI wire layer: framing, packets and messages (strongSwan's
 * src/libcharon/plugins/vici/README.md). Pure: bytes and SettingsNode trees in,
 * bytes and trees out; no sockets, no event loop (vici-client.c does those).
 *
 * A segment is a 32-bit big-endian payload length followed by the payload.
 * The payload is a packet: an 8-bit type, for named types an 8-bit name length
 * and the name, then (for request, response and event) a message: a flat
 * sequence of elements that spells a tree of sections, key/values and lists.
 *
 * Everything the decoder reads is untrusted (it is fuzzed, tests/fuzz/fuzz-vici.c):
 * it never reads past its input, does not recurse, and caps depth, element
 * count and size. The encoder and decoder are exact inverses: a payload that
 * decodes re-encodes to the same bytes. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "settings.h"

/* Largest payload charon accepts (the length field excludes itself). */
#define VICI_MAX_SEGMENT 524288u /* 512 KiB */
/* Bytes of the length prefix. */
#define VICI_HEADER_SIZE 4u
/* Names (packet names and element names) have an 8-bit length. */
#define VICI_MAX_NAME 255u
/* Values have a 16-bit length. */
#define VICI_MAX_VALUE 65535u
/* Decoder caps: sections open at once, elements per message. */
#define VICI_MAX_DEPTH 32u
#define VICI_MAX_ELEMENTS 100000u
/* Hard cap of a VICIBuffer whose max_size is 0: a few whole segments. */
#define VICI_BUFFER_DEFAULT_MAX ((size_t) 4 * (VICI_HEADER_SIZE + VICI_MAX_SEGMENT))

typedef enum VICIPacketType {
        VICI_CMD_REQUEST = 0,
        VICI_CMD_RESPONSE = 1,
        VICI_CMD_UNKNOWN = 2,
        VICI_EVENT_REGISTER = 3,
        VICI_EVENT_UNREGISTER = 4,
        VICI_EVENT_CONFIRM = 5,
        VICI_EVENT_UNKNOWN = 6,
        VICI_EVENT = 7,
        _VICI_PACKET_TYPE_MAX,
        _VICI_PACKET_TYPE_INVALID = -EINVAL,
} VICIPacketType;

typedef enum VICIElementType {
        VICI_SECTION_START = 1,
        VICI_SECTION_END = 2,
        VICI_KEY_VALUE = 3,
        VICI_LIST_START = 4,
        VICI_LIST_ITEM = 5,
        VICI_LIST_END = 6,
        _VICI_ELEMENT_TYPE_MAX,
        _VICI_ELEMENT_TYPE_INVALID = -EINVAL,
} VICIElementType;

const char *vici_packet_type_to_string(VICIPacketType t);
VICIPacketType vici_packet_type_from_string(const char *s);
/* Whether packets of type t carry a name (request, (un)register, event). */
bool vici_packet_type_is_named(VICIPacketType t);
/* Whether packets of type t carry a message (request, response, event). */
bool vici_packet_type_has_message(VICIPacketType t);

/* An append-only byte buffer with a hard cap, for outgoing segments. Zero
 * initialise it ("VICIBuffer b = {};"), optionally set max_size (0 means
 * VICI_BUFFER_DEFAULT_MAX). Every region the buffer gives up — on growth, on
 * rollback after a failed encode, on consume and on free — is wiped first,
 * because segments carry PSKs and private keys. */
typedef struct VICIBuffer {
        uint8_t *data;
        size_t size;      /* bytes in use, from data[0] */
        size_t allocated; /* bytes allocated at data */
        size_t max_size;  /* hard cap for size; 0 = VICI_BUFFER_DEFAULT_MAX */
} VICIBuffer;

/* Wipes and frees the buffer's memory and resets it (max_size is kept).
 * NULL-safe; usable as a _cleanup_ handler. */
void vici_buffer_done(VICIBuffer *b);
/* Drops the first n bytes (n <= size), e.g. after a partial write; the bytes
 * freed at the end are wiped. */
void vici_buffer_consume(VICIBuffer *b, size_t n);

/* Reads the content of a file named by a value flagged SETTINGS_FILE (flags
 * are the node's flags, so the callback can tell a PSK file, whose secret is
 * the first line, from a PEM file). On success returns 0 and a malloc'd
 * buffer the encoder owns: it copies, wipes and frees it. Returns -errno on
 * failure, which the encoder passes on. */
typedef int (*VICILoadFile)(void *userdata, const char *path, unsigned flags,
                            char **ret_data, size_t *ret_len);

/* Appends one whole segment (length prefix included) of the given type to b.
 * name is required for named types and must be NULL otherwise; msg must be a
 * root section (its own name is ignored) for types with a message and NULL
 * otherwise. Values flagged SETTINGS_FILE (and each item of such a list) are
 * replaced by what load_file returns for them.
 *
 * On failure b is left as it was (what was appended is wiped). Returns 0 or:
 * -EINVAL (bad arguments, a child without a name, SETTINGS_FILE with no
 * loader), -ENAMETOOLONG (a name > 255 bytes), -E2BIG (a value > 65535 bytes),
 * -EMSGSIZE (the payload would exceed VICI_MAX_SEGMENT: never fits), -ENOBUFS
 * (b would exceed its max_size: retry once it has drained), -ELOOP (sections nested deeper than VICI_MAX_DEPTH), -ENOTUNIQ (two children
 * of a section share a name), -ENOMEM, or the loader's error. */
int vici_encode_packet(VICIBuffer *b, VICIPacketType type, const char *name, const SettingsNode *msg,
                       VICILoadFile load_file, void *userdata);

/* CMD_REQUEST cmd with msg (NULL = empty message, as for "version"). */
int vici_encode_request(VICIBuffer *b, const char *cmd, const SettingsNode *msg,
                        VICILoadFile load_file, void *userdata);
/* EVENT_REGISTER / EVENT_UNREGISTER for the named event. */
int vici_encode_event_register(VICIBuffer *b, const char *event);
int vici_encode_event_unregister(VICIBuffer *b, const char *event);

/* Returns the payload length announced by a segment header, or -EMSGSIZE if
 * it exceeds VICI_MAX_SEGMENT, or -EBADMSG if it is 0 (a packet has at least
 * its type byte). The caller then reads exactly that many bytes. */
int vici_segment_length(const uint8_t hdr[static VICI_HEADER_SIZE]);

typedef struct VICIPacket {
        VICIPacketType type;
        char *name;            /* named types only, otherwise NULL */
        SettingsNode *message; /* root section for types with a message, otherwise NULL */
} VICIPacket;

/* Frees what the packet owns and resets it. NULL-safe; a _cleanup_ handler. */
void vici_packet_done(VICIPacket *p);

/* Decodes one segment payload (without the length prefix) into *ret, which
 * the caller releases with vici_packet_done(); *ret is written only on
 * success. Decoded nodes have flags 0 and NUL-terminated values.
 *
 * Returns 0, -ENOMEM, -EMSGSIZE (len > VICI_MAX_SEGMENT) or -EBADMSG for any
 * malformed payload: empty, unknown packet or element type, truncated name or
 * value, trailing bytes after a packet without a message, unbalanced sections,
 * an unclosed or nested list, a key/value or section inside a list, a list
 * item outside a list, nesting deeper than VICI_MAX_DEPTH, more than
 * VICI_MAX_ELEMENTS elements, two children of a section with the same name,
 * or a NUL byte in a name or value. The last one is a deliberate limit:
 * SettingsNode values are C strings, and silently truncating one would make
 * two different messages decode alike. charon only sends binary values in
 * list-cert/list-authority streams (DER), which gatewayd does not use. */
int vici_decode_packet(const uint8_t *payload, size_t len, VICIPacket *ret);

/* Reads the common answer shape { success = yes|no, errmsg = ... }.
 * Returns 1 for success = yes (*ret_errmsg = NULL), 0 for success = no
 * (*ret_errmsg = charon's errmsg, or NULL if it sent none); ret_errmsg may be
 * NULL. The string is owned by msg. Returns -EBADMSG if success is missing,
 * not a plain value, or neither yes nor no. */
int vici_response_success(const SettingsNode *msg, const char **ret_errmsg);

/* Typed getters for a key directly inside section s (not a dotted path:
 * charon's names, e.g. IKE_SA names, may contain dots). */
/* The value of key, or NULL if it is missing or not a plain value. */
const char *vici_get_string(const SettingsNode *s, const char *key);
/* The IKE_SA section of an event message (ike-updown, child-updown,
 * ike-rekey, child-rekey, list-sa): its one section, named by the
 * connection. NULL if there is none. */
const SettingsNode *vici_event_sa(const SettingsNode *msg);
/* yes/no (charon's booleans). -ENOENT if missing, -EBADMSG if not yes/no. */
int vici_get_bool(const SettingsNode *s, const char *key, bool *ret);
/* An unsigned decimal (counters, ids, times). -ENOENT if missing, -EBADMSG if
 * not a plain decimal number, -ERANGE if it does not fit. */
int vici_get_u64(const SettingsNode *s, const char *key, uint64_t *ret);

/* Renders a message on one line for debug logs, e.g.
 *     load-shared { id=psk-weu type=IKE data=<masked> owners=[gw, 192.0.2.2] }
 * name is the packet's name (NULL for unnamed types). Never shows a secret:
 * nodes flagged SETTINGS_SECRET, keys named secret or pin anywhere, and
 * "data" in load-shared/load-key/load-token print as SETTINGS_MASK. Other
 * bytes outside printable ASCII are escaped as \xNN; SETTINGS_FILE values
 * print as <file:PATH>. Returns 0 and a malloc'd string, or -ENOMEM. */
int vici_message_format(const char *name, const SettingsNode *msg, char **ret);
