/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>

#include "vici-wire.h"

static const char *const vici_packet_type_table[_VICI_PACKET_TYPE_MAX] = {
        [VICI_CMD_REQUEST] = "CMD_REQUEST",
        [VICI_CMD_RESPONSE] = "CMD_RESPONSE",
        [VICI_CMD_UNKNOWN] = "CMD_UNKNOWN",
        [VICI_EVENT_REGISTER] = "EVENT_REGISTER",
        [VICI_EVENT_UNREGISTER] = "EVENT_UNREGISTER",
        [VICI_EVENT_CONFIRM] = "EVENT_CONFIRM",
        [VICI_EVENT_UNKNOWN] = "EVENT_UNKNOWN",
        [VICI_EVENT] = "EVENT",
};
DEFINE_STRING_TABLE(vici_packet_type, VICIPacketType);

bool vici_packet_type_is_named(VICIPacketType t) {
        return t == VICI_CMD_REQUEST || t == VICI_EVENT_REGISTER || t == VICI_EVENT_UNREGISTER ||
               t == VICI_EVENT;
}

bool vici_packet_type_has_message(VICIPacketType t) {
        return t == VICI_CMD_REQUEST || t == VICI_CMD_RESPONSE || t == VICI_EVENT;
}

/* Section children share one namespace (VICI: "key names must be unique in
 * the current section"; SettingsNode lookups go by name whatever the kind).
 * Sorting copies of the pointers keeps this O(n log n) on 100000 children. */
static int cmp_name(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int check_unique_names(const SettingsNode *s) {
        _cleanup_free_ const char **names = NULL;

        if (s->n_children < 2)
                return 0;
        names = reallocarray(NULL, s->n_children, sizeof(char *));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_children; i++) {
                if (!s->children[i]->name)
                        return -EINVAL;
                names[i] = s->children[i]->name;
        }
        qsort(names, s->n_children, sizeof(char *), cmp_name);
        for (size_t i = 1; i < s->n_children; i++)
                if (streq(names[i - 1], names[i]))
                        return -ENOTUNIQ;
        return 0;
}

/* ---- buffer ---- */

static size_t buffer_max(const VICIBuffer *b) {
        return b->max_size > 0 ? b->max_size : VICI_BUFFER_DEFAULT_MAX;
}

void vici_buffer_done(VICIBuffer *b) {
        if (!b)
                return;
        if (b->data) {
                explicit_bzero(b->data, b->allocated);
                free(b->data);
        }
        b->data = NULL;
        b->size = b->allocated = 0;
}

void vici_buffer_consume(VICIBuffer *b, size_t n) {
        if (n > b->size)
                n = b->size;
        if (n == 0)
                return;
        memmove(b->data, b->data + n, b->size - n);
        explicit_bzero(b->data + b->size - n, n);
        b->size -= n;
}

/* Never realloc(): it may leave a copy of a secret in freed memory. The
 * invariant is that bytes past size are zero. */
static int buffer_grow(VICIBuffer *b, size_t need) {
        size_t n, max = buffer_max(b);
        uint8_t *d;

        if (need <= b->allocated)
                return 0;
        n = b->allocated < 128 ? 256 : b->allocated * 2;
        if (n < need)
                n = need;
        if (n > max)
                n = max;
        d = malloc(n);
        if (!d)
                return -ENOMEM;
        if (b->data) {
                memcpy(d, b->data, b->size);
                explicit_bzero(b->data, b->allocated);
                free(b->data);
        }
        memset(d + b->size, 0, n - b->size);
        b->data = d;
        b->allocated = n;
        return 0;
}

/* ---- encoder ---- */

typedef struct Encoder {
        VICIBuffer *b;
        size_t segment_end; /* the payload may not pass this offset */
        VICILoadFile load_file;
        void *userdata;
} Encoder;

static int put(Encoder *e, const void *p, size_t n) {
        VICIBuffer *b = e->b;
        int r;

        if (n > e->segment_end - b->size)
                return -EMSGSIZE;
        if (b->size > buffer_max(b) || n > buffer_max(b) - b->size)
                return -ENOBUFS;
        if (n == 0)
                return 0;
        r = buffer_grow(b, b->size + n);
        if (r < 0)
                return r;
        memcpy(b->data + b->size, p, n);
        b->size += n;
        return 0;
}

static int put_u8(Encoder *e, uint8_t v) {
        return put(e, &v, 1);
}

static int put_name(Encoder *e, const char *name) {
        size_t n;
        int r;

        if (!name)
                return -EINVAL;
        n = strlen(name);
        if (n > VICI_MAX_NAME)
                return -ENAMETOOLONG;
        r = put_u8(e, (uint8_t) n);
        if (r < 0)
                return r;
        return put(e, name, n);
}

static int put_value(Encoder *e, const char *v, size_t n) {
        uint8_t hdr[2];
        int r;

        if (n > VICI_MAX_VALUE)
                return -E2BIG;
        hdr[0] = (uint8_t) (n >> 8);
        hdr[1] = (uint8_t) n;
        r = put(e, hdr, sizeof(hdr));
        if (r < 0)
                return r;
        return put(e, v, n);
}

/* A SETTINGS_FILE value names a file; charon gets its content (a PEM, or a
 * PSK). The loaded copy is wiped whatever happens. */
static int put_node_value(Encoder *e, const char *v, unsigned flags) {
        char *data = NULL;
        size_t n = 0;
        int r;

        if (!v)
                return -EINVAL;
        if (!(flags & SETTINGS_FILE))
                return put_value(e, v, strlen(v));
        if (!e->load_file)
                return -EINVAL;
        r = e->load_file(e->userdata, v, flags, &data, &n);
        if (r < 0)
                return r;
        if (!data)
                return n == 0 ? put_value(e, "", 0) : -EINVAL;
        r = put_value(e, data, n);
        explicit_bzero(data, n);
        free(data);
        return r;
}

/* Recursion is bounded: depth is checked before descending. */
static int encode_section(Encoder *e, const SettingsNode *s, unsigned depth) {
        int r;

        r = check_unique_names(s);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_children; i++) {
                const SettingsNode *c = s->children[i];

                if (!c->name)
                        return -EINVAL;
                switch (c->kind) {
                case SETTINGS_SECTION:
                        if (depth >= VICI_MAX_DEPTH)
                                return -ELOOP;
                        if ((r = put_u8(e, VICI_SECTION_START)) < 0 || (r = put_name(e, c->name)) < 0 ||
                            (r = encode_section(e, c, depth + 1)) < 0 || (r = put_u8(e, VICI_SECTION_END)) < 0)
                                return r;
                        break;
                case SETTINGS_VALUE:
                        if ((r = put_u8(e, VICI_KEY_VALUE)) < 0 || (r = put_name(e, c->name)) < 0 ||
                            (r = put_node_value(e, c->value, c->flags)) < 0)
                                return r;
                        break;
                case SETTINGS_LIST:
                        if ((r = put_u8(e, VICI_LIST_START)) < 0 || (r = put_name(e, c->name)) < 0)
                                return r;
                        for (size_t j = 0; j < c->n_items; j++)
                                if ((r = put_u8(e, VICI_LIST_ITEM)) < 0 ||
                                    (r = put_node_value(e, c->items[j], c->flags)) < 0)
                                        return r;
                        if ((r = put_u8(e, VICI_LIST_END)) < 0)
                                return r;
                        break;
                default:
                        return -EINVAL;
                }
        }
        return 0;
}

static int encode_packet(Encoder *e, size_t start, VICIPacketType type, const char *name,
                         const SettingsNode *msg) {
        static const uint8_t zero[VICI_HEADER_SIZE] = {};
        size_t payload;
        int r;

        r = put(e, zero, sizeof(zero));
        if (r < 0)
                return r;
        r = put_u8(e, (uint8_t) type);
        if (r < 0)
                return r;
        if (vici_packet_type_is_named(type)) {
                r = put_name(e, name);
                if (r < 0)
                        return r;
        }
        if (msg) {
                r = encode_section(e, msg, 0);
                if (r < 0)
                        return r;
        }
        payload = e->b->size - start - VICI_HEADER_SIZE;
        e->b->data[start] = (uint8_t) (payload >> 24);
        e->b->data[start + 1] = (uint8_t) (payload >> 16);
        e->b->data[start + 2] = (uint8_t) (payload >> 8);
        e->b->data[start + 3] = (uint8_t) payload;
        return 0;
}

int vici_encode_packet(VICIBuffer *b, VICIPacketType type, const char *name, const SettingsNode *msg,
                       VICILoadFile load_file, void *userdata) {
        Encoder e = {
                .b = b,
                .load_file = load_file,
                .userdata = userdata,
        };
        size_t start;
        int r;

        if (!b || type < 0 || type >= _VICI_PACKET_TYPE_MAX)
                return -EINVAL;
        if (vici_packet_type_is_named(type) != !!name)
                return -EINVAL;
        if (msg && (!vici_packet_type_has_message(type) || msg->kind != SETTINGS_SECTION))
                return -EINVAL;

        start = b->size;
        e.segment_end = start + VICI_HEADER_SIZE + VICI_MAX_SEGMENT;
        r = encode_packet(&e, start, type, name, msg);
        if (r < 0) {
                /* Roll back, and wipe what a secret may have reached. */
                if (b->size > start)
                        explicit_bzero(b->data + start, b->size - start);
                b->size = start;
        }
        return r;
}

int vici_encode_request(VICIBuffer *b, const char *cmd, const SettingsNode *msg,
                        VICILoadFile load_file, void *userdata) {
        if (!cmd)
                return -EINVAL;
        return vici_encode_packet(b, VICI_CMD_REQUEST, cmd, msg, load_file, userdata);
}

int vici_encode_event_register(VICIBuffer *b, const char *event) {
        if (!event)
                return -EINVAL;
        return vici_encode_packet(b, VICI_EVENT_REGISTER, event, NULL, NULL, NULL);
}

int vici_encode_event_unregister(VICIBuffer *b, const char *event) {
        if (!event)
                return -EINVAL;
        return vici_encode_packet(b, VICI_EVENT_UNREGISTER, event, NULL, NULL, NULL);
}

/* ---- decoder ---- */

int vici_segment_length(const uint8_t hdr[static VICI_HEADER_SIZE]) {
        uint32_t n = (uint32_t) hdr[0] << 24 | (uint32_t) hdr[1] << 16 | (uint32_t) hdr[2] << 8 | hdr[3];

        if (n == 0)
                return -EBADMSG;
        if (n > VICI_MAX_SEGMENT)
                return -EMSGSIZE;
        return (int) n;
}

void vici_packet_done(VICIPacket *p) {
        if (!p)
                return;
        free(p->name);
        p->name = NULL;
        p->message = settings_free(p->message);
        p->type = _VICI_PACKET_TYPE_INVALID;
}

/* The untrusted input: every read checks what is left first. */
typedef struct Reader {
        const uint8_t *p;
        size_t left;
} Reader;

static int read_u8(Reader *r, uint8_t *ret) {
        if (r->left < 1)
                return -EBADMSG;
        *ret = *r->p++;
        r->left--;
        return 0;
}

static int read_blob(Reader *r, size_t n, const uint8_t **ret) {
        if (r->left < n)
                return -EBADMSG;
        *ret = r->p;
        r->p += n;
        r->left -= n;
        return 0;
}

/* A name into a caller's buffer of VICI_MAX_NAME + 1 bytes. */
static int read_name(Reader *r, char ret[static VICI_MAX_NAME + 1]) {
        const uint8_t *p;
        uint8_t n;
        int k;

        if ((k = read_u8(r, &n)) < 0 || (k = read_blob(r, n, &p)) < 0)
                return k;
        if (memchr(p, 0, n))
                return -EBADMSG;
        memcpy(ret, p, n);
        ret[n] = 0;
        return 0;
}

/* A value as a new NUL-terminated string; see the header on NUL bytes. */
static int read_value(Reader *r, char **ret) {
        const uint8_t *p, *h;
        size_t n;
        char *v;
        int k;

        k = read_blob(r, 2, &h);
        if (k < 0)
                return k;
        n = (size_t) h[0] << 8 | h[1];
        k = read_blob(r, n, &p);
        if (k < 0)
                return k;
        if (memchr(p, 0, n))
                return -EBADMSG;
        v = malloc(n + 1);
        if (!v)
                return -ENOMEM;
        memcpy(v, p, n);
        v[n] = 0;
        *ret = v;
        return 0;
}

static int close_section(const SettingsNode *s) {
        int r = check_unique_names(s);

        return r == -ENOTUNIQ || r == -EINVAL ? -EBADMSG : r;
}

/* Iterative: an explicit stack of open sections, at most VICI_MAX_DEPTH deep,
 * and at most one open list (lists do not nest and hold only items). */
static int decode_message(Reader *r, SettingsNode **ret) {
        _cleanup_(settings_freep) SettingsNode *root = settings_new(NULL);
        SettingsNode *stack[VICI_MAX_DEPTH + 1], *list = NULL;
        char name[VICI_MAX_NAME + 1];
        size_t depth = 0, n_elements = 0;
        int k;

        if (!root)
                return -ENOMEM;
        stack[0] = root;
        while (r->left > 0) {
                SettingsNode *s = stack[depth];
                _cleanup_free_ char *value = NULL;
                uint8_t t;

                if ((k = read_u8(r, &t)) < 0)
                        return k;
                if (++n_elements > VICI_MAX_ELEMENTS)
                        return -EBADMSG;
                if (list && t != VICI_LIST_ITEM && t != VICI_LIST_END)
                        return -EBADMSG;

                switch (t) {
                case VICI_SECTION_START:
                        if (depth >= VICI_MAX_DEPTH)
                                return -EBADMSG;
                        if ((k = read_name(r, name)) < 0)
                                return k;
                        s = settings_add_section(s, name);
                        if (!s)
                                return -ENOMEM;
                        stack[++depth] = s;
                        break;
                case VICI_SECTION_END:
                        if (depth == 0)
                                return -EBADMSG;
                        if ((k = close_section(s)) < 0)
                                return k;
                        depth--;
                        break;
                case VICI_KEY_VALUE:
                        if ((k = read_name(r, name)) < 0 || (k = read_value(r, &value)) < 0 ||
                            (k = settings_set(s, name, value, 0)) < 0)
                                return k;
                        break;
                case VICI_LIST_START:
                        if ((k = read_name(r, name)) < 0 || (k = settings_set_list(s, name, NULL, 0, 0)) < 0)
                                return k;
                        list = s->children[s->n_children - 1];
                        break;
                case VICI_LIST_ITEM:
                        if (!list)
                                return -EBADMSG;
                        if ((k = read_value(r, &value)) < 0 || (k = settings_list_append(list, value)) < 0)
                                return k;
                        break;
                case VICI_LIST_END:
                        if (!list)
                                return -EBADMSG;
                        list = NULL;
                        break;
                default:
                        return -EBADMSG;
                }
        }
        if (depth > 0 || list)
                return -EBADMSG;
        if ((k = close_section(root)) < 0)
                return k;
        *ret = TAKE_PTR(root);
        return 0;
}

int vici_decode_packet(const uint8_t *payload, size_t len, VICIPacket *ret) {
        _cleanup_(vici_packet_done) VICIPacket p = { .type = _VICI_PACKET_TYPE_INVALID };
        Reader r = { .p = payload, .left = len };
        char name[VICI_MAX_NAME + 1];
        uint8_t t;
        int k;

        if (!ret || (!payload && len > 0))
                return -EINVAL;
        if (len > VICI_MAX_SEGMENT)
                return -EMSGSIZE;
        if ((k = read_u8(&r, &t)) < 0)
                return k;
        if (t >= _VICI_PACKET_TYPE_MAX)
                return -EBADMSG;
        p.type = (VICIPacketType) t;
        if (vici_packet_type_is_named(p.type)) {
                if ((k = read_name(&r, name)) < 0)
                        return k;
                p.name = strdup(name);
                if (!p.name)
                        return -ENOMEM;
        }
        if (vici_packet_type_has_message(p.type)) {
                if ((k = decode_message(&r, &p.message)) < 0)
                        return k;
        } else if (r.left > 0)
                /* No message in this type: "the rest of the packet" is empty. */
                return -EBADMSG;

        ret->type = p.type;
        ret->name = TAKE_PTR(p.name);
        ret->message = TAKE_PTR(p.message);
        return 0;
}

/* ---- reading answers ---- */

const char *vici_get_string(const SettingsNode *s, const char *key) {
        const SettingsNode *n = settings_get(s, key);

        return n && n->kind == SETTINGS_VALUE ? n->value : NULL;
}

const SettingsNode *vici_event_sa(const SettingsNode *msg) {
        for (size_t i = 0; msg && i < msg->n_children; i++)
                if (msg->children[i]->kind == SETTINGS_SECTION)
                        return msg->children[i];
        return NULL;
}

int vici_get_bool(const SettingsNode *s, const char *key, bool *ret) {
        const SettingsNode *n = settings_get(s, key);

        if (!n)
                return -ENOENT;
        if (n->kind != SETTINGS_VALUE)
                return -EBADMSG;
        if (streq(n->value, "yes"))
                *ret = true;
        else if (streq(n->value, "no"))
                *ret = false;
        else
                return -EBADMSG;
        return 0;
}

int vici_get_u64(const SettingsNode *s, const char *key, uint64_t *ret) {
        const SettingsNode *n = settings_get(s, key);
        uint64_t v = 0;

        if (!n)
                return -ENOENT;
        if (n->kind != SETTINGS_VALUE || !n->value[0])
                return -EBADMSG;
        for (const char *c = n->value; *c; c++) {
                unsigned d = (unsigned) (*c - '0');

                if (*c < '0' || *c > '9')
                        return -EBADMSG;
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret = v;
        return 0;
}

int vici_response_success(const SettingsNode *msg, const char **ret_errmsg) {
        bool ok;
        int r;

        r = vici_get_bool(msg, "success", &ok);
        if (r < 0)
                return -EBADMSG;
        if (ret_errmsg)
                *ret_errmsg = ok ? NULL : vici_get_string(msg, "errmsg");
        return ok;
}

/* ---- debug rendering ---- */

static void format_bytes(FILE *f, const char *s) {
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c == '\\')
                        fputs("\\\\", f);
                else if (*c >= 0x20 && *c < 0x7f)
                        fputc(*c, f);
                else
                        fprintf(f, "\\x%02x", *c);
}

static bool is_secret(const SettingsNode *n, bool mask_data) {
        return (n->flags & SETTINGS_SECRET) ||
               streq_ptr(n->name, "secret") || streq_ptr(n->name, "pin") ||
               (mask_data && streq_ptr(n->name, "data"));
}

static void format_value(FILE *f, const char *v, bool secret, unsigned flags) {
        if (secret)
                fputs(SETTINGS_MASK, f);
        else if (flags & SETTINGS_FILE) {
                fputs("<file:", f);
                format_bytes(f, v ?: "");
                fputc('>', f);
        } else
                format_bytes(f, v ?: "");
}

static void format_section(FILE *f, const SettingsNode *s, bool mask_data, unsigned depth) {
        fputc('{', f);
        for (size_t i = 0; i < s->n_children; i++) {
                const SettingsNode *c = s->children[i];
                bool secret = is_secret(c, mask_data);

                fputc(' ', f);
                format_bytes(f, c->name ?: "");
                switch (c->kind) {
                case SETTINGS_SECTION:
                        fputc(' ', f);
                        if (depth >= VICI_MAX_DEPTH)
                                fputs("{ ... }", f);
                        else
                                format_section(f, c, mask_data, depth + 1);
                        break;
                case SETTINGS_VALUE:
                        fputc('=', f);
                        format_value(f, c->value, secret, c->flags);
                        break;
                case SETTINGS_LIST:
                        fputs("=[", f);
                        for (size_t j = 0; j < c->n_items; j++) {
                                if (j > 0)
                                        fputs(", ", f);
                                format_value(f, c->items[j], secret, c->flags);
                        }
                        fputc(']', f);
                        break;
                default:
                        break;
                }
        }
        fputs(s->n_children > 0 ? " }" : "}", f);
}

int vici_message_format(const char *name, const SettingsNode *msg, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        bool mask_data;
        FILE *f;

        mask_data = name && (streq(name, "load-shared") || streq(name, "load-key") || streq(name, "load-token"));
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        if (name) {
                format_bytes(f, name);
                fputc(' ', f);
        }
        if (msg && msg->kind == SETTINGS_SECTION)
                format_section(f, msg, mask_data, 0);
        else
                fputs("{}", f);
        if (fclose(f) != 0 || !buf)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}
