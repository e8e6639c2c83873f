/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "settings.h"
#include "testhelp.h"
#include "vici-wire.h"

/* The message of the README's "Encoding example" (strongSwan
 * src/libcharon/plugins/vici/README.md), byte for byte. */
static const uint8_t readme_msg[] = {
        3, 4, 'k', 'e', 'y', '1', 0, 6, 'v', 'a', 'l', 'u', 'e', '1',
        1, 8, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',
        1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',
        3, 4, 'k', 'e', 'y', '2', 0, 6, 'v', 'a', 'l', 'u', 'e', '2',
        2,
        4, 5, 'l', 'i', 's', 't', '1',
        5, 0, 5, 'i', 't', 'e', 'm', '1',
        5, 0, 5, 'i', 't', 'e', 'm', '2',
        6,
        2,
};

static SettingsNode *readme_tree(void) {
        SettingsNode *root = settings_new(NULL), *s1, *sub;
        char *items[] = { "item1", "item2" };

        assert_non_null(root);
        assert_int_equal(settings_set(root, "key1", "value1", 0), 0);
        assert_non_null(s1 = settings_add_section(root, "section1"));
        assert_non_null(sub = settings_add_section(s1, "sub-section"));
        assert_int_equal(settings_set(sub, "key2", "value2", 0), 0);
        assert_int_equal(settings_set_list(s1, "list1", items, 2, 0), 0);
        return root;
}

/* Checks b holds exactly one segment: header, type, optional name, then msg. */
static void assert_segment(const VICIBuffer *b, uint8_t type, const char *name,
                           const uint8_t *msg, size_t msg_len) {
        size_t nl = name ? strlen(name) : 0, off = VICI_HEADER_SIZE + 1;
        size_t payload = 1 + (name ? 1 + nl : 0) + msg_len;

        assert_int_equal(b->size, VICI_HEADER_SIZE + payload);
        assert_int_equal(vici_segment_length(b->data), (int) payload);
        assert_int_equal(b->data[VICI_HEADER_SIZE], type);
        if (name) {
                assert_int_equal(b->data[off], nl);
                assert_memory_equal(b->data + off + 1, name, nl);
                off += 1 + nl;
        }
        if (msg_len > 0)
                assert_memory_equal(b->data + off, msg, msg_len);
}

static void test_readme_encode(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = readme_tree();
        _cleanup_(vici_buffer_done) VICIBuffer b = {};

        assert_int_equal(vici_encode_request(&b, "cmd", root, NULL, NULL), 0);
        assert_segment(&b, VICI_CMD_REQUEST, "cmd", readme_msg, sizeof(readme_msg));
        /* A second segment appends; the first stays intact. */
        assert_int_equal(vici_encode_packet(&b, VICI_EVENT, "ev", root, NULL, NULL), 0);
        assert_int_equal(b.size, 2 * VICI_HEADER_SIZE + 1 + 4 + 1 + 3 + 2 * sizeof(readme_msg));
        assert_memory_equal(b.data + VICI_HEADER_SIZE + 5, readme_msg, sizeof(readme_msg));
        vici_buffer_consume(&b, VICI_HEADER_SIZE + 5 + sizeof(readme_msg));
        assert_segment(&b, VICI_EVENT, "ev", readme_msg, sizeof(readme_msg));
}

static void test_readme_decode(void **state) {
        _cleanup_(settings_freep) SettingsNode *expect = readme_tree();
        _cleanup_(vici_packet_done) VICIPacket p = {};
        uint8_t payload[1 + sizeof(readme_msg)] = { VICI_CMD_RESPONSE };
        const SettingsNode *l;

        memcpy(payload + 1, readme_msg, sizeof(readme_msg));
        assert_int_equal(vici_decode_packet(payload, sizeof(payload), &p), 0);
        assert_int_equal(p.type, VICI_CMD_RESPONSE);
        assert_null(p.name);
        assert_non_null(p.message);
        assert_null(p.message->name);
        assert_true(settings_equal(p.message, expect));
        assert_string_equal(settings_lookup(p.message, "section1.sub-section.key2")->value, "value2");
        l = settings_lookup(p.message, "section1.list1");
        assert_int_equal(l->kind, SETTINGS_LIST);
        assert_int_equal(l->n_items, 2);
        assert_string_equal(l->items[1], "item2");
}

/* Built from scratch, as the daemon does for small commands. */
static void test_small_commands(void **state) {
        static const uint8_t unload[] = { 3, 4, 'n', 'a', 'm', 'e', 0, 3, 'w', 'e', 'u' };
        static const uint8_t initiate[] = {
                3, 3, 'i', 'k', 'e', 0, 3, 'w', 'e', 'u',
                3, 5, 'c', 'h', 'i', 'l', 'd', 0, 4, 'w', 'e', 'u', '1',
                3, 7, 't', 'i', 'm', 'e', 'o', 'u', 't', 0, 2, '-', '1',
        };
        _cleanup_(settings_freep) SettingsNode *m1 = settings_new(NULL), *m2 = settings_new(NULL);
        _cleanup_(vici_buffer_done) VICIBuffer b = {};
        static const uint8_t reg[] = { 0, 0, 0, 12, 3, 10, 'i', 'k', 'e', '-', 'u', 'p', 'd', 'o', 'w', 'n' };
        static const uint8_t version[] = { 0, 0, 0, 9, 0, 7, 'v', 'e', 'r', 's', 'i', 'o', 'n' };

        assert_int_equal(settings_set(m1, "name", "weu", 0), 0);
        assert_int_equal(vici_encode_request(&b, "unload-conn", m1, NULL, NULL), 0);
        assert_segment(&b, VICI_CMD_REQUEST, "unload-conn", unload, sizeof(unload));
        vici_buffer_done(&b);

        assert_int_equal(settings_set(m2, "ike", "weu", 0), 0);
        assert_int_equal(settings_set(m2, "child", "weu1", 0), 0);
        assert_int_equal(settings_setf(m2, "timeout", "%d", -1), 0);
        assert_int_equal(vici_encode_request(&b, "initiate", m2, NULL, NULL), 0);
        assert_segment(&b, VICI_CMD_REQUEST, "initiate", initiate, sizeof(initiate));
        vici_buffer_done(&b);

        assert_int_equal(vici_encode_event_register(&b, "ike-updown"), 0);
        assert_int_equal(b.size, sizeof(reg));
        assert_memory_equal(b.data, reg, sizeof(reg));
        vici_buffer_done(&b);
        assert_int_equal(vici_encode_event_unregister(&b, "ike-updown"), 0);
        assert_int_equal(b.data[VICI_HEADER_SIZE], VICI_EVENT_UNREGISTER);
        vici_buffer_done(&b);

        assert_int_equal(vici_encode_request(&b, "version", NULL, NULL, NULL), 0);
        assert_int_equal(b.size, sizeof(version));
        assert_memory_equal(b.data, version, sizeof(version));
}

/* A fake file loader: records its calls, serves fixed contents. */
typedef struct FakeFiles {
        unsigned calls;
        char path[256];
        unsigned flags;
        const char *content;
        size_t len;
        int error;
} FakeFiles;

static int fake_load_file(void *userdata, const char *path, unsigned flags, char **ret_data, size_t *ret_len) {
        FakeFiles *f = userdata;
        char *d;

        f->calls++;
        snprintf(f->path, sizeof(f->path), "%s", path);
        f->flags = flags;
        if (f->error < 0)
                return f->error;
        d = malloc(f->len ?: 1);
        assert_non_null(d);
        memcpy(d, f->content, f->len);
        *ret_data = d;
        *ret_len = f->len;
        return 0;
}

static void roundtrip(const SettingsNode *msg, const char *cmd, VICILoadFile lf, void *ud, VICIPacket *ret) {
        _cleanup_(vici_buffer_done) VICIBuffer b = {};
        int n;

        assert_int_equal(vici_encode_request(&b, cmd, msg, lf, ud), 0);
        n = vici_segment_length(b.data);
        assert_int_equal((size_t) n, b.size - VICI_HEADER_SIZE);
        assert_int_equal(vici_decode_packet(b.data + VICI_HEADER_SIZE, (size_t) n, ret), 0);
        assert_int_equal(ret->type, VICI_CMD_REQUEST);
        assert_string_equal(ret->name, cmd);
}

static void test_roundtrip_load_conn(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        _cleanup_(vici_packet_done) VICIPacket p = {};
        SettingsNode *conn, *local, *remote, *child;
        char *local_addrs[] = { "192.0.2.1" }, *remote_addrs[] = { "203.0.113.7", "2001:db8::7" };
        char *props[] = { "aes256gcm16-prfsha384-ecp384", "aes256-sha256-modp2048" };
        char *lts[] = { "10.1.0.0/16", "2001:db8:1::/48" }, *rts[] = { "10.2.0.0/16" };
        char *esp[] = { "aes256gcm16-ecp384" };

        assert_non_null(conn = settings_add_section(root, "azure-weu"));
        assert_int_equal(settings_set(conn, "version", "2", 0), 0);
        assert_int_equal(settings_set_list(conn, "local_addrs", local_addrs, 1, 0), 0);
        assert_int_equal(settings_set_list(conn, "remote_addrs", remote_addrs, 2, 0), 0);
        assert_int_equal(settings_set_list(conn, "proposals", props, 2, 0), 0);
        assert_int_equal(settings_set(conn, "rekey_time", "25920s", 0), 0);
        assert_int_equal(settings_set_list(conn, "vips", NULL, 0, 0), 0);
        assert_non_null(local = settings_add_section(conn, "local"));
        assert_int_equal(settings_set(local, "auth", "psk", 0), 0);
        assert_int_equal(settings_set(local, "id", "C=US, O=Example \"Corp\", CN=gw", 0), 0);
        assert_non_null(remote = settings_add_section(conn, "remote"));
        assert_int_equal(settings_set(remote, "auth", "psk", 0), 0);
        assert_int_equal(settings_set(remote, "id", "", 0), 0);
        assert_non_null(child = settings_add_section(settings_add_section(conn, "children"), "azure-weu"));
        assert_int_equal(settings_set_list(child, "local_ts", lts, 2, 0), 0);
        assert_int_equal(settings_set_list(child, "remote_ts", rts, 1, 0), 0);
        assert_int_equal(settings_set_list(child, "esp_proposals", esp, 1, 0), 0);
        assert_int_equal(settings_set(child, "start_action", "trap", 0), 0);
        assert_non_null(settings_add_section(child, "empty"));

        roundtrip(root, "load-conn", NULL, NULL, &p);
        assert_true(settings_equal(p.message, root));
        assert_int_equal(settings_lookup(p.message, "azure-weu.vips")->n_items, 0);
        assert_string_equal(settings_lookup(p.message, "azure-weu.children.azure-weu.start_action")->value, "trap");
}

static void test_load_shared_secret_file(void **state) {
        static const char psk[] = "s3cr3t\"PSK\x7f\xc3\xa9=\x01";
        static const uint8_t data_hdr[] = { 3, 4, 'd', 'a', 't', 'a', 0, sizeof(psk) - 1 };
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        _cleanup_(vici_buffer_done) VICIBuffer b = {};
        _cleanup_(vici_packet_done) VICIPacket p = {};
        _cleanup_free_ char *shown = NULL;
        FakeFiles ff = { .content = psk, .len = sizeof(psk) - 1 };
        char *owners[] = { "gw.example.org", "203.0.113.7" };
        const uint8_t *at;

        assert_int_equal(settings_set(root, "id", "psk-weu", 0), 0);
        assert_int_equal(settings_set(root, "type", "IKE", 0), 0);
        assert_int_equal(settings_set(root, "data", "/etc/gatewayd/psk/weu", SETTINGS_SECRET | SETTINGS_FILE), 0);
        assert_int_equal(settings_set_list(root, "owners", owners, 2, 0), 0);

        assert_int_equal(vici_encode_request(&b, "load-shared", root, fake_load_file, &ff), 0);
        assert_int_equal(ff.calls, 1);
        assert_string_equal(ff.path, "/etc/gatewayd/psk/weu");
        assert_int_equal(ff.flags, SETTINGS_SECRET | SETTINGS_FILE);
        /* The secret's bytes, exactly, after data's header; the path nowhere. */
        at = memmem(b.data, b.size, data_hdr, sizeof(data_hdr));
        assert_non_null(at);
        assert_memory_equal(at + sizeof(data_hdr), psk, sizeof(psk) - 1);
        assert_int_equal(at[sizeof(data_hdr) + sizeof(psk) - 1], VICI_LIST_START);
        assert_null(memmem(b.data, b.size, "/etc/gatewayd", 13));

        assert_int_equal(vici_decode_packet(b.data + VICI_HEADER_SIZE, b.size - VICI_HEADER_SIZE, &p), 0);
        assert_string_equal(vici_get_string(p.message, "data"), psk);
        assert_int_equal(settings_get(p.message, "owners")->n_items, 2);

        /* The debug rendering masks it, decoded (no flags) or not. */
        assert_int_equal(vici_message_format(p.name, p.message, &shown), 0);
        assert_null(strstr(shown, "s3cr3t"));
        assert_non_null(strstr(shown, "data=" SETTINGS_MASK));
        assert_non_null(strstr(shown, "owners=[gw.example.org, 203.0.113.7]"));
        free(shown);
        assert_int_equal(vici_message_format(NULL, root, &shown), 0);
        assert_string_equal(shown, "{ id=psk-weu type=IKE data=" SETTINGS_MASK
                                   " owners=[gw.example.org, 203.0.113.7] }");

        /* After consuming the segment, no byte of the buffer holds the secret. */
        vici_buffer_consume(&b, b.size);
        assert_int_equal(b.size, 0);
        assert_null(memmem(b.data, b.allocated, "s3cr3t", 6));
}

/* Binary file content (DER) goes on the wire as is, NUL bytes included; the
 * decoder refuses NUL bytes (documented), so it does not round-trip. */
static void test_binary_file_list(void **state) {
        static const char der[] = { 0x30, (char) 0x82, 0x00, 0x02, 0x05, 0x00 };
        static const uint8_t wire[] = {
                4, 5, 'c', 'e', 'r', 't', 's',
                5, 0, 6, 0x30, 0x82, 0x00, 0x02, 0x05, 0x00,
                5, 0, 6, 0x30, 0x82, 0x00, 0x02, 0x05, 0x00,
                6,
        };
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        _cleanup_(vici_buffer_done) VICIBuffer b = {};
        _cleanup_(vici_packet_done) VICIPacket p = {};
        FakeFiles ff = { .content = der, .len = sizeof(der) };
        char *files[] = { "/a.der", "/b.der" };

        assert_int_equal(settings_set_list(root, "certs", files, 2, SETTINGS_FILE), 0);
        assert_int_equal(vici_encode_request(&b, "x", root, fake_load_file, &ff), 0);
        assert_int_equal(ff.calls, 2);
        assert_string_equal(ff.path, "/b.der");
        assert_segment(&b, VICI_CMD_REQUEST, "x", wire, sizeof(wire));
        assert_int_equal(vici_decode_packet(b.data + VICI_HEADER_SIZE, b.size - VICI_HEADER_SIZE, &p), -EBADMSG);
}

/* Failed encodes: the buffer keeps what it had and no secret lingers. */
static void test_encode_errors(void **state) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL), *deep = settings_new(NULL);
        _cleanup_(settings_freep) SettingsNode *big = settings_new(NULL), *dup = settings_new(NULL);
        _cleanup_(vici_buffer_done) VICIBuffer b = {};
        _cleanup_free_ char *v = malloc(VICI_MAX_VALUE + 2), *n = malloc(VICI_MAX_NAME + 2);
        FakeFiles ff = { .content = "topsecret", .len = 9 };
        SettingsNode *s = deep;

        assert_non_null(v);
        assert_non_null(n);
        memset(v, 'v', VICI_MAX_VALUE + 1);
        v[VICI_MAX_VALUE + 1] = 0;
        memset(n, 'n', VICI_MAX_NAME + 1);
        n[VICI_MAX_NAME + 1] = 0;

        assert_int_equal(vici_encode_event_register(&b, "ike-updown"), 0);
        assert_int_equal(b.size, 16);

        /* Secret first, then a value one byte too long. */
        assert_int_equal(settings_set(root, "secret", "/psk", SETTINGS_SECRET | SETTINGS_FILE), 0);
        assert_int_equal(settings_set(root, "long", v, 0), 0);
        assert_int_equal(vici_encode_request(&b, "load-shared", root, fake_load_file, &ff), -E2BIG);
        assert_int_equal(ff.calls, 1);
        assert_int_equal(b.size, 16);
        assert_null(memmem(b.data, b.allocated, "topsecret", 9));

        /* Exactly 65535 fits. */
        v[VICI_MAX_VALUE] = 0;
        assert_int_equal(settings_set(big, "max", v, 0), 0);
        assert_int_equal(vici_encode_request(&b, "x", big, NULL, NULL), 0);
        vici_buffer_done(&b);

        /* Names: command, event, key, section, list; 255 fits. */
        assert_int_equal(vici_encode_request(&b, n, NULL, NULL, NULL), -ENAMETOOLONG);
        assert_int_equal(vici_encode_event_register(&b, n), -ENAMETOOLONG);
        n[VICI_MAX_NAME] = 0;
        assert_int_equal(vici_encode_event_register(&b, n), 0);
        n[VICI_MAX_NAME] = 'n';
        {
                _cleanup_(settings_freep) SettingsNode *a = settings_new(NULL), *c = settings_new(NULL),
                        *d = settings_new(NULL);

                assert_int_equal(settings_set(a, n, "x", 0), 0);
                assert_non_null(settings_add_section(c, n));
                assert_int_equal(settings_set_list(d, n, NULL, 0, 0), 0);
                assert_int_equal(vici_encode_request(&b, "x", a, NULL, NULL), -ENAMETOOLONG);
                assert_int_equal(vici_encode_request(&b, "x", c, NULL, NULL), -ENAMETOOLONG);
                assert_int_equal(vici_encode_request(&b, "x", d, NULL, NULL), -ENAMETOOLONG);
        }
        vici_buffer_done(&b);

        /* The whole payload over 512 KiB: 9 values of 64 KiB. */
        {
                _cleanup_(settings_freep) SettingsNode *huge = settings_new(NULL);

                for (unsigned i = 0; i < 9; i++) {
                        char key[8];

                        snprintf(key, sizeof(key), "k%u", i);
                        assert_int_equal(settings_set(huge, key, v, 0), 0);
                }
                assert_int_equal(vici_encode_request(&b, "x", huge, NULL, NULL), -EMSGSIZE);
                assert_int_equal(b.size, 0);
                /* The buffer's own cap is a different, transient, error. */
                vici_buffer_done(&b);
                b.max_size = 1000;
                assert_int_equal(vici_encode_request(&b, "x", huge, NULL, NULL), -ENOBUFS);
                assert_int_equal(b.size, 0);
                assert_true(b.allocated <= 1000);
        }

        /* Depth: 32 nested sections encode, 33 do not. */
        for (unsigned i = 0; i < VICI_MAX_DEPTH; i++)
                assert_non_null(s = settings_add_section(s, "s"));
        b.max_size = 0;
        assert_int_equal(vici_encode_request(&b, "x", deep, NULL, NULL), 0);
        assert_non_null(settings_add_section(s, "s"));
        assert_int_equal(vici_encode_request(&b, "x", deep, NULL, NULL), -ELOOP);

        /* Duplicate names, SETTINGS_FILE without a loader, a failing loader,
         * bad argument combinations. */
        assert_int_equal(settings_set(dup, "a", "1", 0), 0);
        assert_non_null(settings_add_section(dup, "a"));
        assert_int_equal(vici_encode_request(&b, "x", dup, NULL, NULL), -ENOTUNIQ);
        assert_int_equal(vici_encode_request(&b, "x", root, NULL, NULL), -EINVAL);
        ff.error = -EACCES;
        assert_int_equal(vici_encode_request(&b, "x", root, fake_load_file, &ff), -EACCES);
        assert_int_equal(vici_encode_packet(&b, VICI_CMD_RESPONSE, "name", NULL, NULL, NULL), -EINVAL);
        assert_int_equal(vici_encode_packet(&b, VICI_EVENT, NULL, NULL, NULL, NULL), -EINVAL);
        assert_int_equal(vici_encode_packet(&b, VICI_EVENT_CONFIRM, NULL, big, NULL, NULL), -EINVAL);
        assert_int_equal(vici_encode_packet(&b, (VICIPacketType) 8, NULL, NULL, NULL, NULL), -EINVAL);
        assert_int_equal(vici_encode_packet(&b, VICI_EVENT_CONFIRM, NULL, NULL, NULL, NULL), 0);
        assert_int_equal(b.data[b.size - 1], VICI_EVENT_CONFIRM);
}

static void test_segment_length(void **state) {
        static const struct {
                uint8_t hdr[4];
                int expect;
        } rows[] = {
                { { 0, 0, 0, 0 }, -EBADMSG },
                { { 0, 0, 0, 1 }, 1 },
                { { 0, 0, 1, 2 }, 258 },
                { { 0, 8, 0, 0 }, 512 * 1024 },
                { { 0, 8, 0, 1 }, -EMSGSIZE },
                { { 0x80, 0, 0, 0 }, -EMSGSIZE },
                { { 0xff, 0xff, 0xff, 0xff }, -EMSGSIZE },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++)
                assert_int_equal(vici_segment_length(rows[i].hdr), rows[i].expect);
}

#define ROW(n, e, ...) { n, (const uint8_t[]) { __VA_ARGS__ }, sizeof((const uint8_t[]) { __VA_ARGS__ }), e }

static void test_decode_table(void **state) {
        const struct {
                const char *name;
                const uint8_t *data;
                size_t len;
                int expect;
        } rows[] = {
                /* Valid shapes. */
                ROW("response, empty message", 0, 1),
                ROW("cmd unknown", 0, 2),
                ROW("event confirm", 0, 5),
                ROW("event unknown", 0, 6),
                ROW("register, empty name", 0, 3, 0),
                ROW("request, name, empty message", 0, 0, 1, 'x'),
                ROW("empty list and section", 0, 1, 4, 1, 'l', 6, 1, 1, 's', 2),
                ROW("empty key and value", 0, 1, 3, 0, 0, 0),
                ROW("high bytes in value", 0, 1, 3, 1, 'k', 0, 2, 0xc3, 0xa9),
                /* Packet layer. */
                ROW("unknown packet type 8", -EBADMSG, 8),
                ROW("unknown packet type 255", -EBADMSG, 255),
                ROW("truncated packet name", -EBADMSG, 0, 5, 'a', 'b'),
                ROW("missing packet name length", -EBADMSG, 7),
                ROW("NUL in packet name", -EBADMSG, 3, 2, 'a', 0),
                ROW("name on unnamed confirm", -EBADMSG, 5, 4, 'n', 'a', 'm', 'e'),
                ROW("trailing byte on cmd unknown", -EBADMSG, 2, 0),
                ROW("message after register", -EBADMSG, 3, 1, 'x', 3, 1, 'k', 0, 0),
                /* Taken as a message: element 4 (LIST_START) with a
                 * 110-byte name that is not there. */
                ROW("name on unnamed response", -EBADMSG, 1, 4, 'n', 'a', 'm', 'e'),
                /* Elements. */
                ROW("truncated element name", -EBADMSG, 1, 3, 4, 'k'),
                ROW("missing element name length", -EBADMSG, 1, 1),
                ROW("truncated value length", -EBADMSG, 1, 3, 1, 'k', 0),
                ROW("missing value length", -EBADMSG, 1, 3, 1, 'k'),
                ROW("value length past end", -EBADMSG, 1, 3, 1, 'k', 0, 5, 'a'),
                ROW("item length past end", -EBADMSG, 1, 4, 1, 'l', 5, 0xff, 0xff, 'a', 6),
                ROW("unbalanced SECTION_END", -EBADMSG, 1, 2),
                ROW("extra SECTION_END", -EBADMSG, 1, 1, 1, 's', 2, 2),
                ROW("unclosed section", -EBADMSG, 1, 1, 1, 's'),
                ROW("LIST_ITEM outside list", -EBADMSG, 1, 5, 0, 1, 'x'),
                ROW("LIST_END outside list", -EBADMSG, 1, 6),
                ROW("nested LIST_START", -EBADMSG, 1, 4, 1, 'l', 4, 1, 'm', 6, 6),
                ROW("KEY_VALUE in list", -EBADMSG, 1, 4, 1, 'l', 3, 1, 'k', 0, 0, 6),
                ROW("SECTION_START in list", -EBADMSG, 1, 4, 1, 'l', 1, 1, 's', 2, 6),
                ROW("SECTION_END in list", -EBADMSG, 1, 1, 1, 's', 4, 1, 'l', 2, 6),
                ROW("unclosed list", -EBADMSG, 1, 4, 1, 'l', 5, 0, 1, 'x'),
                ROW("unknown element 0", -EBADMSG, 1, 0),
                ROW("unknown element 7", -EBADMSG, 1, 7),
                ROW("unknown element 255", -EBADMSG, 1, 255),
                ROW("garbage after message", -EBADMSG, 1, 3, 1, 'k', 0, 0, 0x42),
                ROW("NUL in value", -EBADMSG, 1, 3, 1, 'k', 0, 3, 'a', 0, 'b'),
                ROW("NUL in item", -EBADMSG, 1, 4, 1, 'l', 5, 0, 1, 0, 6),
                ROW("NUL in key", -EBADMSG, 1, 3, 2, 'k', 0, 0, 0),
                ROW("duplicate key", -EBADMSG, 1, 3, 1, 'k', 0, 0, 3, 1, 'k', 0, 0),
                ROW("key and section share a name", -EBADMSG, 1, 3, 1, 'k', 0, 0, 1, 1, 'k', 2),
                ROW("duplicate in subsection", -EBADMSG, 1, 1, 1, 's', 4, 1, 'l', 6, 4, 1, 'l', 6, 2),
                ROW("same name in different sections", 0, 1, 1, 1, 'a', 3, 1, 'k', 0, 0, 2,
                    1, 1, 'b', 3, 1, 'k', 0, 0, 2),
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(vici_packet_done) VICIPacket p = {};
                int r = vici_decode_packet(rows[i].data, rows[i].len, &p);

                if (r != rows[i].expect)
                        fail_msg("row '%s': got %d, expected %d", rows[i].name, r, rows[i].expect);
                if (r == 0) {
                        /* Canonical: re-encoding gives the same bytes. */
                        _cleanup_(vici_buffer_done) VICIBuffer b = {};

                        assert_int_equal(vici_encode_packet(&b, p.type, p.name, p.message, NULL, NULL), 0);
                        assert_int_equal(b.size, VICI_HEADER_SIZE + rows[i].len);
                        assert_memory_equal(b.data + VICI_HEADER_SIZE, rows[i].data, rows[i].len);
                        assert_int_equal(!!p.message, vici_packet_type_has_message(p.type));
                        assert_int_equal(!!p.name, vici_packet_type_is_named(p.type));
                } else {
                        /* Untouched on failure. */
                        assert_null(p.name);
                        assert_null(p.message);
                }
        }
        assert_int_equal(vici_decode_packet((const uint8_t *) "", 0, &(VICIPacket) {}), -EBADMSG);
}

/* Builds a response payload; returns its length. */
static size_t build_nested(uint8_t *buf, unsigned depth) {
        size_t n = 0;

        buf[n++] = VICI_CMD_RESPONSE;
        for (unsigned i = 0; i < depth; i++) {
                buf[n++] = VICI_SECTION_START;
                buf[n++] = 1;
                buf[n++] = 's';
        }
        for (unsigned i = 0; i < depth; i++)
                buf[n++] = VICI_SECTION_END;
        return n;
}

static void test_decode_caps(void **state) {
        size_t items_max = VICI_MAX_ELEMENTS - 2, size = 1 + 3 + 3 * (items_max + 1) + 1, n;
        _cleanup_free_ uint8_t *buf = calloc(1, VICI_MAX_SEGMENT + 1);
        VICIPacket p = {};

        assert_non_null(buf);
        /* Depth: 32 open sections decode, 33 do not. */
        n = build_nested(buf, VICI_MAX_DEPTH);
        assert_int_equal(vici_decode_packet(buf, n, &p), 0);
        assert_non_null(settings_lookup(p.message, "s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s.s"));
        vici_packet_done(&p);
        n = build_nested(buf, VICI_MAX_DEPTH + 1);
        assert_int_equal(vici_decode_packet(buf, n, &p), -EBADMSG);

        /* Elements: LIST_START + items + LIST_END; the cap counts all three. */
        assert_true(size <= VICI_MAX_SEGMENT);
        n = 0;
        buf[n++] = VICI_CMD_RESPONSE;
        buf[n++] = VICI_LIST_START;
        buf[n++] = 1;
        buf[n++] = 'l';
        for (size_t i = 0; i < items_max + 1; i++) {
                buf[n++] = VICI_LIST_ITEM;
                buf[n++] = 0;
                buf[n++] = 0;
        }
        buf[n++] = VICI_LIST_END;
        assert_int_equal(n, size);
        assert_int_equal(vici_decode_packet(buf, n, &p), -EBADMSG);
        /* One item less: exactly VICI_MAX_ELEMENTS. */
        memmove(buf + n - 4, buf + n - 1, 1);
        assert_int_equal(vici_decode_packet(buf, n - 3, &p), 0);
        assert_int_equal(settings_get(p.message, "l")->n_items, items_max);
        vici_packet_done(&p);

        /* Size: the decoder refuses a payload no segment can carry. */
        memset(buf, 0, VICI_MAX_SEGMENT + 1);
        buf[0] = VICI_CMD_RESPONSE;
        assert_int_equal(vici_decode_packet(buf, VICI_MAX_SEGMENT + 1, &p), -EMSGSIZE);
}

static void test_response_success(void **state) {
        static const struct {
                const char *success;
                const char *errmsg;
                bool success_is_section;
                int expect;
                const char *expect_errmsg;
        } rows[] = {
                { "yes", NULL, false, 1, NULL },
                { "yes", "ignored", false, 1, NULL },
                { "no", "unable to find IKE_SA", false, 0, "unable to find IKE_SA" },
                { "no", NULL, false, 0, NULL },
                { NULL, "no success key", false, -EBADMSG, NULL },
                { "maybe", NULL, false, -EBADMSG, NULL },
                { "YES", NULL, false, -EBADMSG, NULL },
                { NULL, NULL, true, -EBADMSG, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(settings_freep) SettingsNode *m = settings_new(NULL);
                const char *e = "untouched";

                if (rows[i].success)
                        assert_int_equal(settings_set(m, "success", rows[i].success, 0), 0);
                if (rows[i].success_is_section)
                        assert_non_null(settings_add_section(m, "success"));
                if (rows[i].errmsg)
                        assert_int_equal(settings_set(m, "errmsg", rows[i].errmsg, 0), 0);
                assert_int_equal(vici_response_success(m, &e), rows[i].expect);
                if (rows[i].expect >= 0)
                        assert_true(streq_ptr(e, rows[i].expect_errmsg));
                else
                        assert_string_equal(e, "untouched");
                assert_int_equal(vici_response_success(m, NULL), rows[i].expect);
        }
        assert_int_equal(vici_response_success(NULL, NULL), -EBADMSG);
}

static void test_getters(void **state) {
        static const struct {
                const char *value;
                int expect;
                uint64_t v;
        } rows[] = {
                { "0", 0, 0 },
                { "42", 0, 42 },
                { "18446744073709551615", 0, UINT64_MAX },
                { "18446744073709551616", -ERANGE, 0 },
                { "99999999999999999999", -ERANGE, 0 },
                { "", -EBADMSG, 0 },
                { "-1", -EBADMSG, 0 },
                { "+1", -EBADMSG, 0 },
                { " 1", -EBADMSG, 0 },
                { "1k", -EBADMSG, 0 },
        };
        _cleanup_(settings_freep) SettingsNode *m = settings_new(NULL);
        uint64_t u = 7;
        bool b = false;

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(settings_freep) SettingsNode *s = settings_new(NULL);

                assert_int_equal(settings_set(s, "n", rows[i].value, 0), 0);
                u = 7;
                assert_int_equal(vici_get_u64(s, "n", &u), rows[i].expect);
                assert_true(u == (rows[i].expect == 0 ? rows[i].v : 7));
        }
        assert_int_equal(settings_set(m, "up", "yes", 0), 0);
        assert_int_equal(settings_set(m, "nat", "no", 0), 0);
        assert_int_equal(settings_set(m, "odd", "1", 0), 0);
        assert_non_null(settings_add_section(m, "sec"));
        assert_int_equal(vici_get_bool(m, "up", &b), 0);
        assert_true(b);
        assert_int_equal(vici_get_bool(m, "nat", &b), 0);
        assert_false(b);
        assert_int_equal(vici_get_bool(m, "odd", &b), -EBADMSG);
        assert_int_equal(vici_get_bool(m, "sec", &b), -EBADMSG);
        assert_int_equal(vici_get_bool(m, "missing", &b), -ENOENT);
        assert_int_equal(vici_get_u64(m, "missing", &u), -ENOENT);
        assert_int_equal(vici_get_u64(m, "sec", &u), -EBADMSG);
        assert_string_equal(vici_get_string(m, "nat"), "no");
        assert_null(vici_get_string(m, "sec"));
        assert_null(vici_get_string(m, "missing"));
}

static void test_format_masks(void **state) {
        static const struct {
                const char *cmd;
                const char *key;
                unsigned flags;
                const char *expect;
        } rows[] = {
                { "load-shared", "data", 0, "load-shared { data=" SETTINGS_MASK " }" },
                { "load-key", "data", 0, "load-key { data=" SETTINGS_MASK " }" },
                { "load-token", "pin", 0, "load-token { pin=" SETTINGS_MASK " }" },
                { "load-conn", "secret", 0, "load-conn { secret=" SETTINGS_MASK " }" },
                { "x", "psk", SETTINGS_SECRET, "x { psk=" SETTINGS_MASK " }" },
                { "x", "psk", SETTINGS_SECRET | SETTINGS_FILE, "x { psk=" SETTINGS_MASK " }" },
                { "load-cert", "data", 0, "load-cert { data=hunter2\\x01\\\\ }" },
                { "load-cert", "data", SETTINGS_FILE, "load-cert { data=<file:hunter2\\x01\\\\> }" },
                { NULL, "data", 0, "{ data=hunter2\\x01\\\\ }" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(settings_freep) SettingsNode *m = settings_new(NULL);
                _cleanup_free_ char *s = NULL;

                assert_int_equal(settings_set(m, rows[i].key, "hunter2\x01\\", rows[i].flags), 0);
                assert_int_equal(vici_message_format(rows[i].cmd, m, &s), 0);
                assert_string_equal(s, rows[i].expect);
        }
}

static void test_packet_type_strings(void **state) {
        for (int t = 0; t < _VICI_PACKET_TYPE_MAX; t++)
                assert_int_equal(vici_packet_type_from_string(vici_packet_type_to_string(t)), t);
        assert_string_equal(vici_packet_type_to_string(VICI_EVENT_CONFIRM), "EVENT_CONFIRM");
        assert_null(vici_packet_type_to_string(_VICI_PACKET_TYPE_MAX));
        assert_int_equal(vici_packet_type_from_string("nope"), -EINVAL);
        assert_int_equal(vici_packet_type_from_string(NULL), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_readme_encode),
                cmocka_unit_test(test_readme_decode),
                cmocka_unit_test(test_small_commands),
                cmocka_unit_test(test_roundtrip_load_conn),
                cmocka_unit_test(test_load_shared_secret_file),
                cmocka_unit_test(test_binary_file_list),
                cmocka_unit_test(test_encode_errors),
                cmocka_unit_test(test_segment_length),
                cmocka_unit_test(test_decode_table),
                cmocka_unit_test(test_decode_caps),
                cmocka_unit_test(test_response_success),
                cmocka_unit_test(test_getters),
                cmocka_unit_test(test_format_masks),
                cmocka_unit_test(test_packet_type_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
