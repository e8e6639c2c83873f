/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The status document's reader (gatewayctl). json-c does the syntax; this
 * file holds the document to exactly what packaging/status.schema.json
 * allows, and says where it does not. Only gatewayctl links json-c.
 * One laxity is left: json-c keeps the last of two equal keys in an object
 * and gives no way to notice; the writer never repeats a key. */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <time.h>

#include <json.h>

#include "conf.h"
#include "fileio.h"
#include "status.h"

/* root { tunnels [ tunnel { children [ child { local_ts [ : six containers,
 * the schema's deepest point; json-c needs one more level than there are
 * containers. Anything deeper is refused by the tokenizer. */
#define STATUS_JSON_DEPTH 7
/* Values quoted in error messages are cut to this many bytes. */
#define QUOTE_MAX 64
/* days_left beyond this is nonsense (about 2,700 years). */
#define DAYS_LEFT_MAX 1000000

DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_tokener *, json_tokener_free);

/* Where in the document a value is, as a list up to the root: only turned
 * into text ("tunnels[2].children[0].bytes_in") when there is an error. */
typedef struct Where {
        const struct Where *up;
        const char *key;   /* a member's name, or NULL for an array index */
        size_t index;
} Where;

typedef struct Parser {
        char *error;       /* the first error: "where: what" */
        bool oom;
} Parser;

static void where_print(FILE *f, const Where *w) {
        if (!w)
                return;
        where_print(f, w->up);
        if (w->key)
                fprintf(f, "%s%s", w->up ? "." : "", w->key);
        else
                fprintf(f, "[%zu]", w->index);
}

/* Records the error (the first one wins) and returns -EBADMSG, or -ENOMEM. */
_printf_(3, 4) static int fail(Parser *p, const Where *w, const char *fmt, ...) {
        char *text = NULL;
        size_t size = 0;
        va_list ap;
        FILE *f;

        if (p->error)
                return -EBADMSG;
        f = open_memstream(&text, &size);
        if (!f) {
                p->oom = true;
                return -ENOMEM;
        }
        where_print(f, w);
        if (w)
                fputs(": ", f);
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        if (fclose(f) != 0) {
                free(text);
                p->oom = true;
                return -ENOMEM;
        }
        p->error = text;
        return -EBADMSG;
}

/* A copy of s for an error message: at most QUOTE_MAX bytes, everything
 * outside printable ASCII as '?', so that a hostile file cannot put escape
 * sequences on the terminal. Static buffer: one quote per message. */
static const char *quote(const char *s) {
        static char buf[QUOTE_MAX + sizeof("...")];
        size_t i;

        for (i = 0; i < QUOTE_MAX && s[i]; i++)
                buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
        strcpy(buf + i, s[i] ? "..." : "");
        return buf;
}

static const char *type_name(json_object *v) {
        switch (json_object_get_type(v)) {
        case json_type_null: return "null";
        case json_type_boolean: return "a boolean";
        case json_type_double: return "a fraction";
        case json_type_int: return "an integer";
        case json_type_object: return "an object";
        case json_type_array: return "an array";
        case json_type_string: return "a string";
        }
        return "something else";
}

static int expect_type(Parser *p, const Where *w, json_object *v, json_type type, const char *what) {
        if (json_object_get_type(v) == type)
                return 0;
        return fail(p, w, "expected %s, found %s", what, type_name(v));
}

/* Checks that o is an object with no keys but those of keys[] (a NULL-ended
 * list) and all of them but the optional ones. */
static int expect_object(Parser *p, const Where *w, json_object *o, const char *const *keys,
                         const char *const *optional) {
        int r;

        r = expect_type(p, w, o, json_type_object, "an object");
        if (r < 0)
                return r;
        json_object_object_foreach(o, key, val) {
                bool known = false;

                (void) val;
                for (const char *const *k = keys; *k && !known; k++)
                        known = streq(*k, key);
                for (const char *const *k = optional; k && *k && !known; k++)
                        known = streq(*k, key);
                if (!known)
                        return fail(p, w, "unknown key '%s'", quote(key));
        }
        for (const char *const *k = keys; *k; k++)
                if (!json_object_object_get_ex(o, *k, NULL))
                        return fail(p, w, "'%s' is missing", *k);
        return 0;
}

/* A string of at most max bytes without NUL; NULL for null if nullable. */
static int get_string(Parser *p, const Where *w, json_object *v, bool nullable, size_t max, char **ret) {
        const char *s;
        size_t n;
        char *copy;
        int r;

        if (nullable && json_object_is_type(v, json_type_null)) {
                *ret = NULL;
                return 0;
        }
        r = expect_type(p, w, v, json_type_string, nullable ? "a string or null" : "a string");
        if (r < 0)
                return r;
        s = json_object_get_string(v);
        n = (size_t) json_object_get_string_len(v);
        if (strlen(s) != n)
                return fail(p, w, "contains a NUL character");
        if (n > max)
                return fail(p, w, "longer than %zu bytes", max);
        copy = strdup(s);
        if (!copy) {
                p->oom = true;
                return -ENOMEM;
        }
        *ret = copy;
        return 0;
}

/* json-c clamps integers past 2^64 - 1 to it, so that value is refused: it
 * cannot be told from an overflow. */
static int get_u64(Parser *p, const Where *w, json_object *v, uint64_t max, uint64_t *ret) {
        uint64_t u;
        int r;

        r = expect_type(p, w, v, json_type_int, "a non-negative integer");
        if (r < 0)
                return r;
        if (json_object_get_int64(v) < 0)
                return fail(p, w, "expected a non-negative integer, found %lld",
                            (long long) json_object_get_int64(v));
        u = json_object_get_uint64(v);
        if (u > max || u == UINT64_MAX)
                return fail(p, w, "%llu is out of range (at most %llu)", (unsigned long long) u,
                            (unsigned long long) (max == UINT64_MAX ? UINT64_MAX - 1 : max));
        *ret = u;
        return 0;
}

static int get_bool(Parser *p, const Where *w, json_object *v, bool *ret) {
        int r;

        r = expect_type(p, w, v, json_type_boolean, "true or false");
        if (r < 0)
                return r;
        *ret = json_object_get_boolean(v);
        return 0;
}

static bool digits(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '9')
                        return false;
        return true;
}

/* "YYYY-MM-DDTHH:MM:SSZ" exactly (what the writer makes: RFC 3339, UTC,
 * whole seconds). A date that does not exist (02-30, 24:00) is refused by
 * converting it back. */
static int parse_time(const char *s, usec_t *ret) {
        struct tm tm = {}, back;
        time_t t;

        if (strlen(s) != 20 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
            !digits(s + 8, 2) || s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) ||
            s[16] != ':' || !digits(s + 17, 2) || s[19] != 'Z')
                return -EINVAL;
        tm.tm_year = atoi(s) - 1900;
        tm.tm_mon = atoi(s + 5) - 1;
        tm.tm_mday = atoi(s + 8);
        tm.tm_hour = atoi(s + 11);
        tm.tm_min = atoi(s + 14);
        tm.tm_sec = atoi(s + 17);
        back = tm;
        t = timegm(&tm);
        if (t < 0 || tm.tm_year != back.tm_year || tm.tm_mon != back.tm_mon || tm.tm_mday != back.tm_mday ||
            tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
                return -EINVAL;
        *ret = (usec_t) t * USEC_PER_SEC;
        return 0;
}

/* A timestamp; 0 for null if nullable (and the epoch itself is refused
 * there: 0 means unknown in the model). */
static int get_time(Parser *p, const Where *w, json_object *v, bool nullable, usec_t *ret) {
        _cleanup_free_ char *s = NULL;
        int r;

        r = get_string(p, w, v, nullable, QUOTE_MAX, &s);
        if (r < 0)
                return r;
        if (!s) {
                *ret = 0;
                return 0;
        }
        if (parse_time(s, ret) < 0 || *ret == 0)
                return fail(p, w, "'%s' is not a time as YYYY-MM-DDTHH:MM:SSZ (RFC 3339, UTC)", quote(s));
        return 0;
}

static json_object *member(json_object *o, const char *key) {
        json_object *v = NULL;

        (void) json_object_object_get_ex(o, key, &v);
        return v;
}

#define AT(name, parent, k) const Where name = { .up = (parent), .key = (k) }

static int parse_strv(Parser *p, const Where *w, json_object *v, char ***ret, size_t *ret_n) {
        size_t n;
        int r;

        r = expect_type(p, w, v, json_type_array, "an array of strings");
        if (r < 0)
                return r;
        n = json_object_array_length(v);
        if (n > STATUS_MAX_TS)
                return fail(p, w, "more than %u traffic selectors", STATUS_MAX_TS);
        if (n == 0)
                return 0;
        *ret = calloc(n, sizeof(char *));
        if (!*ret) {
                p->oom = true;
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                const Where at = { .up = w, .index = i };

                r = get_string(p, &at, json_object_array_get_idx(v, i), false, STATUS_MAX_STRING, &(*ret)[i]);
                if (r < 0)
                        return r;
                (*ret_n)++;
        }
        return 0;
}

/* Checks that v is an array of at most max elements (what names them in the
 * error) and parses each with parse(p, where, element, userdata). */
static int parse_array(Parser *p, const Where *w, json_object *v, size_t max, const char *what,
                       int (*parse)(Parser *p, const Where *w, json_object *o, void *userdata), void *userdata) {
        size_t n;
        int r;

        r = expect_type(p, w, v, json_type_array, "an array");
        if (r < 0)
                return r;
        n = json_object_array_length(v);
        if (n > max)
                return fail(p, w, "more than %zu %s", max, what);
        for (size_t i = 0; i < n; i++) {
                const Where at = { .up = w, .index = i };

                r = parse(p, &at, json_object_array_get_idx(v, i), userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_child(Parser *p, const Where *w, json_object *o, void *userdata) {
        TunnelStatus *t = userdata;
        static const char *const keys[] = { "name", "local_ts", "remote_ts", "proposal", "bytes_in", "bytes_out",
                                            "packets_in", "packets_out", NULL };
        _cleanup_free_ char *name = NULL;
        ChildStatus *c;
        int r;
        AT(w_name, w, "name");
        AT(w_lts, w, "local_ts");
        AT(w_rts, w, "remote_ts");
        AT(w_prop, w, "proposal");
        AT(w_bi, w, "bytes_in");
        AT(w_bo, w, "bytes_out");
        AT(w_pi, w, "packets_in");
        AT(w_po, w, "packets_out");

        r = expect_object(p, w, o, keys, NULL);
        if (r < 0)
                return r;
        r = get_string(p, &w_name, member(o, "name"), false, STATUS_MAX_STRING, &name);
        if (r < 0)
                return r;
        if (!*name)
                return fail(p, &w_name, "is empty");
        c = tunnel_status_add_child(t, name);
        if (!c) {
                p->oom = true;
                return -ENOMEM;
        }
        if ((r = parse_strv(p, &w_lts, member(o, "local_ts"), &c->local_ts, &c->n_local_ts)) < 0 ||
            (r = parse_strv(p, &w_rts, member(o, "remote_ts"), &c->remote_ts, &c->n_remote_ts)) < 0 ||
            (r = get_string(p, &w_prop, member(o, "proposal"), false, STATUS_MAX_STRING, &c->proposal)) < 0 ||
            (r = get_u64(p, &w_bi, member(o, "bytes_in"), UINT64_MAX, &c->bytes_in)) < 0 ||
            (r = get_u64(p, &w_bo, member(o, "bytes_out"), UINT64_MAX, &c->bytes_out)) < 0 ||
            (r = get_u64(p, &w_pi, member(o, "packets_in"), UINT64_MAX, &c->packets_in)) < 0 ||
            (r = get_u64(p, &w_po, member(o, "packets_out"), UINT64_MAX, &c->packets_out)) < 0)
                return r;
        return 0;
}

static int parse_ike(Parser *p, const Where *w, json_object *o, TunnelStatus *t) {
        static const char *const keys[] = { "proposal", "established_at", NULL };
        AT(w_prop, w, "proposal");
        AT(w_at, w, "established_at");
        int r;

        if (json_object_is_type(o, json_type_null))
                return 0;
        r = expect_object(p, w, o, keys, NULL);
        if (r < 0)
                return r;
        t->has_ike = true;
        r = get_string(p, &w_prop, member(o, "proposal"), false, STATUS_MAX_STRING, &t->ike.proposal);
        if (r < 0)
                return r;
        return get_time(p, &w_at, member(o, "established_at"), true, &t->ike.established_at);
}

static int parse_certificate(Parser *p, const Where *w, json_object *o, TunnelStatus *t) {
        static const char *const keys[] = { "not_after", "days_left", NULL };
        AT(w_na, w, "not_after");
        AT(w_dl, w, "days_left");
        json_object *v;
        int64_t d;
        int r;

        r = expect_object(p, w, o, keys, NULL);
        if (r < 0)
                return r;
        t->has_certificate = true;
        r = get_time(p, &w_na, member(o, "not_after"), false, &t->certificate.not_after);
        if (r < 0)
                return r;
        v = member(o, "days_left");
        r = expect_type(p, &w_dl, v, json_type_int, "an integer");
        if (r < 0)
                return r;
        d = json_object_get_int64(v);
        if (d < -DAYS_LEFT_MAX || d > DAYS_LEFT_MAX)
                return fail(p, &w_dl, "%lld is out of range", (long long) d);
        t->certificate.days_left = d;
        return 0;
}

static int parse_bgp(Parser *p, const Where *w, json_object *o, TunnelStatus *t) {
        static const char *const keys[] = { "peer", "peer_asn", "state", "since", "prefixes_received", "reason", NULL };
        _cleanup_free_ char *state = NULL;
        uint64_t asn;
        AT(w_peer, w, "peer");
        AT(w_asn, w, "peer_asn");
        AT(w_state, w, "state");
        AT(w_since, w, "since");
        AT(w_pfx, w, "prefixes_received");
        AT(w_reason, w, "reason");
        int r;

        r = expect_object(p, w, o, keys, NULL);
        if (r < 0)
                return r;
        t->has_bgp = true;
        if ((r = get_string(p, &w_peer, member(o, "peer"), false, STATUS_MAX_STRING, &t->bgp.peer)) < 0 ||
            (r = get_u64(p, &w_asn, member(o, "peer_asn"), UINT32_MAX, &asn)) < 0 ||
            (r = get_string(p, &w_state, member(o, "state"), false, QUOTE_MAX, &state)) < 0 ||
            (r = get_time(p, &w_since, member(o, "since"), true, &t->bgp.since)) < 0 ||
            (r = get_u64(p, &w_pfx, member(o, "prefixes_received"), UINT64_MAX, &t->bgp.prefixes_received)) < 0 ||
            (r = get_string(p, &w_reason, member(o, "reason"), true, STATUS_MAX_STRING, &t->bgp.reason)) < 0)
                return r;
        t->bgp.peer_asn = (uint32_t) asn;
        t->bgp.state = bgp_state_from_string(state);
        if (t->bgp.state < 0)
                return fail(p, &w_state, "'%s' is not one of established, connecting, down", quote(state));
        return 0;
}

/* "KEYWORD" or "KEYWORD: detail". */
static int parse_last_error(Parser *p, const Where *w, json_object *v, TunnelStatus *t) {
        _cleanup_free_ char *s = NULL;
        const char *detail = NULL;
        TunnelError e;
        char *colon;
        int r;

        r = get_string(p, w, v, true, STATUS_MAX_STRING, &s);
        if (r < 0 || !s)
                return r;
        colon = strchr(s, ':');
        if (colon) {
                if (colon[1] != ' ' || colon[2] == '\0')
                        return fail(p, w, "'%s' is not KEYWORD or \"KEYWORD: detail\"", quote(s));
                *colon = '\0';
                detail = colon + 2;
        }
        e = tunnel_error_from_string(s);
        if (e < 0)
                return fail(p, w, "'%s' is not a known reason (dpd-timeout, peer-deleted, auth-failed, ...)",
                            quote(s));
        t->last_error = e;
        if (detail) {
                t->last_error_detail = strdup(detail);
                if (!t->last_error_detail) {
                        p->oom = true;
                        return -ENOMEM;
                }
        }
        return 0;
}

static int parse_tunnel(Parser *p, const Where *w, json_object *o, void *userdata) {
        GatewayStatus *s = userdata;
        static const char *const keys[] = { "name", "state", "since", "local_address", "remote_address", "profile",
                                            "ike", "children", "shield", "last_error", NULL };
        static const char *const optional[] = { "certificate", "bgp", NULL };
        _cleanup_free_ char *name = NULL, *state = NULL, *shield = NULL;
        json_object *cert, *bgp;
        TunnelStatus *t;
        int r;
        AT(w_name, w, "name");
        AT(w_state, w, "state");
        AT(w_since, w, "since");
        AT(w_la, w, "local_address");
        AT(w_ra, w, "remote_address");
        AT(w_prof, w, "profile");
        AT(w_ike, w, "ike");
        AT(w_children, w, "children");
        AT(w_shield, w, "shield");
        AT(w_err, w, "last_error");
        AT(w_cert, w, "certificate");
        AT(w_bgp, w, "bgp");

        r = expect_object(p, w, o, keys, optional);
        if (r < 0)
                return r;
        r = get_string(p, &w_name, member(o, "name"), false, QUOTE_MAX, &name);
        if (r < 0)
                return r;
        if (!conf_name_is_valid(name))
                return fail(p, &w_name, "'%s' is not a tunnel name ([A-Za-z0-9_-]{1,64})", quote(name));
        t = gateway_status_add_tunnel(s, name);
        if (!t) {
                p->oom = true;
                return -ENOMEM;
        }

        r = get_string(p, &w_state, member(o, "state"), false, QUOTE_MAX, &state);
        if (r < 0)
                return r;
        t->state = tunnel_state_from_string(state);
        if (t->state < 0)
                return fail(p, &w_state, "'%s' is not one of up, connecting, down, disabled", quote(state));
        r = get_string(p, &w_shield, member(o, "shield"), false, QUOTE_MAX, &shield);
        if (r < 0)
                return r;
        t->shield = shield_state_from_string(shield);
        if (t->shield < 0)
                return fail(p, &w_shield, "'%s' is not one of engaged, standby, off", quote(shield));

        if ((r = get_time(p, &w_since, member(o, "since"), true, &t->since)) < 0 ||
            (r = get_string(p, &w_la, member(o, "local_address"), true, STATUS_MAX_STRING, &t->local_address)) < 0 ||
            (r = get_string(p, &w_ra, member(o, "remote_address"), true, STATUS_MAX_STRING, &t->remote_address)) < 0 ||
            (r = get_string(p, &w_prof, member(o, "profile"), true, STATUS_MAX_STRING, &t->profile)) < 0 ||
            (r = parse_ike(p, &w_ike, member(o, "ike"), t)) < 0 ||
            (r = parse_last_error(p, &w_err, member(o, "last_error"), t)) < 0)
                return r;

        r = parse_array(p, &w_children, member(o, "children"), STATUS_MAX_CHILDREN, "child SAs", parse_child, t);
        if (r < 0)
                return r;

        if (json_object_object_get_ex(o, "certificate", &cert)) {
                r = parse_certificate(p, &w_cert, cert, t);
                if (r < 0)
                        return r;
        }
        if (json_object_object_get_ex(o, "bgp", &bgp))
                return parse_bgp(p, &w_bgp, bgp, t);
        return 0;
}

static int parse_gateway(Parser *p, const Where *w, json_object *o, GatewayInfo *g) {
        static const char *const keys[] = { "fips_mode", "data_plane", "vici", "charon_connected",
                                            "health_interval_sec", NULL };
        _cleanup_free_ char *dp = NULL;
        uint64_t interval;
        int r;
        AT(w_fips, w, "fips_mode");
        AT(w_dp, w, "data_plane");
        AT(w_vici, w, "vici");
        AT(w_cc, w, "charon_connected");
        AT(w_hi, w, "health_interval_sec");

        r = expect_object(p, w, o, keys, NULL);
        if (r < 0)
                return r;
        if ((r = get_bool(p, &w_fips, member(o, "fips_mode"), &g->fips_mode)) < 0 ||
            (r = get_string(p, &w_dp, member(o, "data_plane"), false, QUOTE_MAX, &dp)) < 0 ||
            (r = get_string(p, &w_vici, member(o, "vici"), true, STATUS_MAX_STRING, &g->vici)) < 0 ||
            (r = get_bool(p, &w_cc, member(o, "charon_connected"), &g->charon_connected)) < 0 ||
            (r = get_u64(p, &w_hi, member(o, "health_interval_sec"), 3600, &interval)) < 0)
                return r;
        g->data_plane = data_plane_from_string(dp);
        if (g->data_plane < 0)
                return fail(p, &w_dp, "'%s' is not one of kernel, userspace", quote(dp));
        if (interval < 1)
                return fail(p, &w_hi, "must be 1-3600");
        g->health_interval_sec = (unsigned) interval;
        return 0;
}

static int parse_document(Parser *p, json_object *root, GatewayStatus *s) {
        static const char *const keys[] = { "version", "generated_at", "gateway", "tunnels", NULL };
        const char *what = NULL;
        uint64_t version;
        int r;
        AT(w_version, NULL, "version");
        AT(w_gen, NULL, "generated_at");
        AT(w_gateway, NULL, "gateway");
        AT(w_tunnels, NULL, "tunnels");

        r = expect_type(p, NULL, root, json_type_object, "a JSON object");
        if (r < 0)
                return r;
        /* The version first: a newer document is refused as such, not for
         * the first key this reader does not know. */
        if (!member(root, "version"))
                return fail(p, NULL, "'version' is missing");
        r = get_u64(p, &w_version, member(root, "version"), UINT64_MAX, &version);
        if (r < 0)
                return r;
        if (version != STATUS_VERSION)
                return fail(p, &w_version, "version %llu is not supported (this gatewayctl reads %d)",
                            (unsigned long long) version, STATUS_VERSION);
        r = expect_object(p, NULL, root, keys, NULL);
        if (r < 0)
                return r;
        if ((r = get_time(p, &w_gen, member(root, "generated_at"), false, &s->generated_at)) < 0 ||
            (r = parse_gateway(p, &w_gateway, member(root, "gateway"), &s->gateway)) < 0)
                return r;
        r = parse_array(p, &w_tunnels, member(root, "tunnels"), STATUS_MAX_TUNNELS, "tunnels", parse_tunnel, s);
        if (r < 0)
                return r;
        /* What the writer would refuse, the reader refuses too (names that
         * repeat, mainly). */
        r = status_validate(s, &what);
        if (r == -EINVAL)
                return fail(p, NULL, "%s", what);
        if (r < 0)
                p->oom = true;
        return r;
}

/* What json-c accepts even in strict mode and RFC 8259 does not: strings in
 * single quotes (as object keys) and raw control characters inside strings
 * (section 7: they must be escaped). One pass over the bytes, tracking
 * whether it is inside a string. */
static int check_lexical(Parser *p, const char *text, size_t size) {
        bool in_string = false;

        for (size_t i = 0; i < size; i++) {
                unsigned char c = (unsigned char) text[i];

                if (!in_string) {
                        if (c == '"')
                                in_string = true;
                        else if (c == '\'')
                                return fail(p, NULL, "not JSON: a single quote at byte %zu", i);
                } else if (c == '\\')
                        i++; /* the escaped character, whatever it is */
                else if (c == '"')
                        in_string = false;
                else if (c < 0x20)
                        return fail(p, NULL, "not JSON: control character 0x%02x in a string at byte %zu", c, i);
        }
        return 0;
}

int status_parse(const char *text, size_t size, GatewayStatus **ret, char **ret_error) {
        _cleanup_(json_tokener_freep) struct json_tokener *tok = NULL;
        _cleanup_(json_object_putp) json_object *root = NULL;
        _cleanup_(gateway_status_freep) GatewayStatus *s = NULL;
        Parser p = {};
        enum json_tokener_error e;
        size_t end;
        int r;

        if (!text || !ret)
                return -EINVAL;
        if (ret_error)
                *ret_error = NULL;
        if (size > STATUS_MAX_FILE_SIZE)
                return -EFBIG;
        tok = json_tokener_new_ex(STATUS_JSON_DEPTH);
        s = gateway_status_new();
        if (!tok || !s)
                return -ENOMEM;
        /* Strict: no single quotes, trailing commas or comments; and the
         * strings must be UTF-8. */
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        root = json_tokener_parse_ex(tok, text, (int) size);
        e = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        if (e == json_tokener_continue) {
                /* The end of the input, said as json-c understands it: a
                 * literal at the very end ("null") is complete only then. */
                root = json_tokener_parse_ex(tok, "", 1);
                e = json_tokener_get_error(tok);
                end = size;
        }
        /* A root of NULL with success is the JSON literal null: parse_document()
         * refuses it as not an object. */
        if (e == json_tokener_error_parse_eof || e == json_tokener_continue)
                r = fail(&p, NULL, "the document ends early (truncated?)");
        else if (e == json_tokener_success && check_lexical(&p, text, size) < 0)
                r = -EBADMSG;
        else if (e != json_tokener_success)
                r = fail(&p, NULL, "not JSON: %s at byte %zu", json_tokener_error_desc(e), end);
        else if (end != size)
                r = fail(&p, NULL, "not JSON: data after the document at byte %zu", end);
        else
                r = parse_document(&p, root, s);
        if (p.oom)
                r = -ENOMEM;
        if (r < 0) {
                if (ret_error && r == -EBADMSG)
                        *ret_error = TAKE_PTR(p.error);
                free(p.error);
                return r;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

int status_read_file(const char *path, GatewayStatus **ret, char **ret_error) {
        const ReadFileOptions o = { .max_size = STATUS_MAX_FILE_SIZE };
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = read_full_file_at(AT_FDCWD, path, &o, &text, &size, NULL);
        if (r < 0)
                return r;
        return status_parse(text, size, ret, ret_error);
}
