/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status document's writer. A small emitter of our own rather than a JSON
 * library: the daemon stays free of one, the layout is fixed (tests compare it
 * byte for byte), and every string goes through one escaper. */
#include <time.h>

#include "status.h"
#include "utf8.h"
#include "write-file.h"

typedef struct JsonOut {
        FILE *f;
        unsigned depth;
        bool first;  /* nothing yet in the innermost object or array */
} JsonOut;

static void json_indent(JsonOut *o) {
        static const char spaces[] = "\n                                ";
        size_t n = 1 + 2 * (size_t) o->depth;

        /* One write for the line break and the indent (the document is
         * written whole on every change: 1,000 tunnels are 300 kB). */
        if (n < sizeof(spaces))
                fwrite(spaces, 1, n, o->f);
        else {
                fputc('\n', o->f);
                for (unsigned i = 0; i < o->depth; i++)
                        fputs("  ", o->f);
        }
}

/* Before a member or element: the comma, the line break, the indent. */
static void json_next(JsonOut *o) {
        if (o->depth == 0)
                return;
        if (!o->first)
                fputc(',', o->f);
        json_indent(o);
        o->first = false;
}

static void json_open(JsonOut *o, char c) {
        fputc(c, o->f);
        o->depth++;
        o->first = true;
}

static void json_close(JsonOut *o, char c) {
        o->depth--;
        if (!o->first)
                json_indent(o);
        fputc(c, o->f);
        o->first = false;
}

/* Writes the first n bytes of s as the inside of a JSON string, in pure
 * ASCII: RFC 8259 section 7 escapes, everything outside printable ASCII as
 * \uXXXX (a UTF-16 surrogate pair past U+FFFF), and each byte that is not
 * part of valid UTF-8 as U+FFFD. */
static void json_escape(FILE *f, const char *s, size_t n) {
        for (size_t i = 0; i < n;) {
                unsigned char ch = (unsigned char) s[i];
                uint32_t cp;
                size_t k;

                if (ch == '"' || ch == '\\') {
                        fputc('\\', f);
                        fputc(ch, f);
                        i++;
                        continue;
                }
                if (ch >= 0x20 && ch < 0x7f) {
                        /* A run of characters that need no escape: one write. */
                        size_t j = i + 1;

                        while (j < n && (unsigned char) s[j] >= 0x20 && (unsigned char) s[j] < 0x7f && s[j] != '"' &&
                               s[j] != '\\')
                                j++;
                        fwrite(s + i, 1, j - i, f);
                        i = j;
                        continue;
                }
                switch (ch) {
                case '\b': fputs("\\b", f); i++; continue;
                case '\f': fputs("\\f", f); i++; continue;
                case '\n': fputs("\\n", f); i++; continue;
                case '\r': fputs("\\r", f); i++; continue;
                case '\t': fputs("\\t", f); i++; continue;
                default: break;
                }
                k = utf8_decode(s + i, n - i, &cp);
                if (k == 0) {
                        cp = 0xfffd;
                        k = 1;
                }
                if (cp >= 0x10000) {
                        cp -= 0x10000;
                        fprintf(f, "\\u%04x\\u%04x", (unsigned) (0xd800 + (cp >> 10)),
                                (unsigned) (0xdc00 + (cp & 0x3ff)));
                } else
                        fprintf(f, "\\u%04x", (unsigned) cp);
                i += k;
        }
}

static void json_string(JsonOut *o, const char *s) {
        fputc('"', o->f);
        json_escape(o->f, s, strlen(s));
        fputc('"', o->f);
}

static void json_key(JsonOut *o, const char *key) {
        json_next(o);
        json_string(o, key);
        fputs(": ", o->f);
}

static void json_key_string(JsonOut *o, const char *key, const char *value) {
        json_key(o, key);
        if (value)
                json_string(o, value);
        else
                fputs("null", o->f);
}

static void json_key_u64(JsonOut *o, const char *key, uint64_t v) {
        json_key(o, key);
        fprintf(o->f, "%llu", (unsigned long long) v);
}

static void json_key_bool(JsonOut *o, const char *key, bool v) {
        json_key(o, key);
        fputs(v ? "true" : "false", o->f);
}

/* RFC 3339 in UTC, whole seconds ("2024-05-01T12:00:00Z"); 0 is null.
 * status_validate() keeps t within four-digit years. */
static void json_key_time(JsonOut *o, const char *key, usec_t t) {
        time_t sec = (time_t) (t / USEC_PER_SEC);
        char buf[sizeof("9999-12-31T23:59:59Z")];
        struct tm tm;

        json_key(o, key);
        if (t == 0 || !gmtime_r(&sec, &tm) || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
                fputs("null", o->f);
                return;
        }
        fprintf(o->f, "\"%s\"", buf);
}

static void json_key_strv(JsonOut *o, const char *key, char *const *l, size_t n) {
        json_key(o, key);
        json_open(o, '[');
        for (size_t i = 0; i < n; i++) {
                json_next(o);
                json_string(o, l[i]);
        }
        json_close(o, ']');
}

static void write_child(JsonOut *o, const ChildStatus *c) {
        json_next(o);
        json_open(o, '{');
        json_key_string(o, "name", c->name);
        json_key_strv(o, "local_ts", c->local_ts, c->n_local_ts);
        json_key_strv(o, "remote_ts", c->remote_ts, c->n_remote_ts);
        json_key_string(o, "proposal", c->proposal);
        json_key_u64(o, "bytes_in", c->bytes_in);
        json_key_u64(o, "bytes_out", c->bytes_out);
        json_key_u64(o, "packets_in", c->packets_in);
        json_key_u64(o, "packets_out", c->packets_out);
        json_close(o, '}');
}

/* last_error: "KEYWORD" or "KEYWORD: detail" (the schema's pattern), the
 * detail cut to STATUS_MAX_DETAIL bytes. */
static void write_last_error(JsonOut *o, const TunnelStatus *t) {
        const char *kw = tunnel_error_to_string(t->last_error);

        json_key(o, "last_error");
        if (!kw) {
                fputs("null", o->f);
                return;
        }
        fputc('"', o->f);
        json_escape(o->f, kw, strlen(kw));
        if (!isempty(t->last_error_detail)) {
                fputs(": ", o->f);
                json_escape(o->f, t->last_error_detail, utf8_cut(t->last_error_detail, STATUS_MAX_DETAIL));
        }
        fputc('"', o->f);
}

static void write_tunnel(JsonOut *o, const TunnelStatus *t) {
        json_open(o, '{');
        json_key_string(o, "name", t->name);
        json_key_string(o, "state", tunnel_state_to_string(t->state));
        json_key_time(o, "since", t->since);
        json_key_string(o, "local_address", t->local_address);
        json_key_string(o, "remote_address", t->remote_address);
        json_key_string(o, "profile", t->profile);
        json_key(o, "ike");
        if (t->has_ike) {
                json_open(o, '{');
                json_key_string(o, "proposal", t->ike.proposal);
                json_key_time(o, "established_at", t->ike.established_at);
                json_close(o, '}');
        } else
                fputs("null", o->f);
        json_key(o, "children");
        json_open(o, '[');
        for (size_t i = 0; i < t->n_children; i++)
                write_child(o, t->children[i]);
        json_close(o, ']');
        json_key_string(o, "shield", shield_state_to_string(t->shield));
        write_last_error(o, t);
        if (t->has_certificate) {
                json_key(o, "certificate");
                json_open(o, '{');
                json_key_time(o, "not_after", t->certificate.not_after);
                json_key(o, "days_left");
                fprintf(o->f, "%lld", (long long) t->certificate.days_left);
                json_close(o, '}');
        }
        if (t->has_bgp) {
                json_key(o, "bgp");
                json_open(o, '{');
                json_key_string(o, "peer", t->bgp.peer);
                json_key_u64(o, "peer_asn", t->bgp.peer_asn);
                json_key_string(o, "state", bgp_state_to_string(t->bgp.state));
                json_key_time(o, "since", t->bgp.since);
                json_key_u64(o, "prefixes_received", t->bgp.prefixes_received);
                json_key_string(o, "reason", t->bgp.reason);
                json_close(o, '}');
        }
        json_close(o, '}');
}

static void write_document(JsonOut *o, const GatewayStatus *s) {
        json_open(o, '{');
        json_key_u64(o, "version", STATUS_VERSION);
        json_key_time(o, "generated_at", s->generated_at);
        json_key(o, "gateway");
        json_open(o, '{');
        json_key_bool(o, "fips_mode", s->gateway.fips_mode);
        json_key_string(o, "data_plane", data_plane_to_string(s->gateway.data_plane));
        json_key_string(o, "vici", s->gateway.vici);
        json_key_bool(o, "charon_connected", s->gateway.charon_connected);
        json_key_u64(o, "health_interval_sec", s->gateway.health_interval_sec);
        json_close(o, '}');
        json_key(o, "tunnels");
        json_open(o, '[');
        for (size_t i = 0; i < s->n_tunnels; i++) {
                json_next(o);
                write_tunnel(o, s->tunnels[i]);
        }
        json_close(o, ']');
        json_close(o, '}');
}

/* The writers: a document, or one tunnel's object, ending in a newline. */
static int stream_document(FILE *f, void *userdata) {
        JsonOut o = { .f = f };

        write_document(&o, userdata);
        fputc('\n', f);
        return 0;
}

static int stream_tunnel(FILE *f, void *userdata) {
        JsonOut o = { .f = f };

        write_tunnel(&o, userdata);
        fputc('\n', f);
        return 0;
}

int status_to_json(const GatewayStatus *s, char **ret_text, size_t *ret_size) {
        int r;

        if (!ret_text)
                return -EINVAL;
        r = status_validate(s, NULL);
        if (r < 0)
                return r;
        return write_memory(stream_document, (void *) s, ret_text, ret_size);
}

int status_tunnel_to_json(const TunnelStatus *t, char **ret_text, size_t *ret_size) {
        int r;

        if (!ret_text)
                return -EINVAL;
        r = tunnel_status_validate(t, NULL);
        if (r < 0)
                return r;
        return write_memory(stream_tunnel, (void *) t, ret_text, ret_size);
}

int status_write_file(const char *path, const GatewayStatus *s) {
        int r;

        r = status_validate(s, NULL);
        if (r < 0)
                return r;
        /* Into the file as it is formatted: the document of 1,000 tunnels
         * never sits whole in memory (a memory stream that grew to it cost
         * page faults at every write). */
        return write_file_atomic_stream(path, 0644, stream_document, (void *) s);
}
