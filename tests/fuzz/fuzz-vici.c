/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the VICI decoder (gatewayd/vici-wire.c): the input is
 * one segment payload, as charon would send it after the 4-byte length (the
 * first 4 bytes also go through vici_segment_length()). Beyond "no crash",
 * it checks a property: whatever decodes re-encodes to exactly the input
 * bytes (the wire format has one spelling per tree) and decodes again to an
 * equal tree; it also renders the tree for logs. abort() on a violation.
 *
 * Seeds are in corpus-vici/, written by gen-corpus-vici.sh. */

#include <stdint.h>

#include "settings.h"
#include "vici-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool packet_equal(const VICIPacket *a, const VICIPacket *b) {
        if (a->type != b->type || !streq_ptr(a->name, b->name))
                return false;
        if (!a->message || !b->message)
                return a->message == b->message;
        return settings_equal(a->message, b->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(vici_packet_done) VICIPacket p = {}, q = {};
        _cleanup_(vici_buffer_done) VICIBuffer b = {};
        _cleanup_free_ char *text = NULL;
        int r;

        if (size >= VICI_HEADER_SIZE)
                (void) vici_segment_length(data);
        if (size > VICI_MAX_SEGMENT)
                return 0;

        r = vici_decode_packet(data, size, &p);
        if (r == -ENOMEM)
                return 0;
        if (r < 0) {
                if (r != -EBADMSG)
                        abort();
                return 0;
        }

        r = vici_encode_packet(&b, p.type, p.name, p.message, NULL, NULL);
        if (r == -ENOMEM)
                return 0;
        if (r < 0 || b.size != VICI_HEADER_SIZE + size ||
            vici_segment_length(b.data) != (int) size ||
            memcmp(b.data + VICI_HEADER_SIZE, data, size) != 0)
                abort();

        r = vici_decode_packet(b.data + VICI_HEADER_SIZE, b.size - VICI_HEADER_SIZE, &q);
        if (r == -ENOMEM)
                return 0;
        if (r < 0 || !packet_equal(&p, &q))
                abort();

        if (p.message) {
                const char *errmsg;

                (void) vici_response_success(p.message, &errmsg);
        }
        (void) vici_message_format(p.name, p.message, &text);
        return 0;
}
