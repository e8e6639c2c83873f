/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <time.h>

#include "conf.h"
#include "ctl-status.h"
#include "fileio.h"
#include "log.h"
#include "utf8.h"

usec_t status_age(const GatewayStatus *s, usec_t now) {
        return now > s->generated_at ? now - s->generated_at : 0;
}

bool status_is_stale(const GatewayStatus *s, usec_t now) {
        return status_age(s, now) > STATUS_STALE_INTERVALS * (usec_t) s->gateway.health_interval_sec * USEC_PER_SEC;
}

static bool tunnel_ok(const TunnelStatus *t) {
        return t->state == TUNNEL_STATE_UP || t->state == TUNNEL_STATE_DISABLED;
}

int status_exit_code(const GatewayStatus *s, const TunnelStatus *only, bool stale) {
        /* Stale data must not keep a monitoring check green while gatewayd
         * is dead. */
        if (stale)
                return STATUS_EXIT_NOT_UP;
        if (only)
                return tunnel_ok(only) ? STATUS_EXIT_OK : STATUS_EXIT_NOT_UP;
        for (size_t i = 0; i < s->n_tunnels; i++)
                if (!tunnel_ok(s->tunnels[i]))
                        return STATUS_EXIT_NOT_UP;
        return STATUS_EXIT_OK;
}

char *format_duration(char buf[static FORMAT_DURATION_MAX], usec_t d) {
        unsigned long long s = d / USEC_PER_SEC;

        if (s < 60)
                snprintf(buf, FORMAT_DURATION_MAX, "%llus", s);
        else if (s < 3600)
                snprintf(buf, FORMAT_DURATION_MAX, "%llum%llus", s / 60, s % 60);
        else if (s < 86400)
                snprintf(buf, FORMAT_DURATION_MAX, "%lluh%llum", s / 3600, s % 3600 / 60);
        else
                snprintf(buf, FORMAT_DURATION_MAX, "%llud%lluh", s / 86400, s % 86400 / 3600);
        return buf;
}

char *format_size(char buf[static FORMAT_SIZE_MAX], uint64_t bytes) {
        static const char *const units[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        uint64_t unit = 1024, tenths = 0;
        size_t i;

        if (bytes < 1024) {
                snprintf(buf, FORMAT_SIZE_MAX, "%llu B", (unsigned long long) bytes);
                return buf;
        }
        for (i = 0; i < ELEMENTSOF(units); i++, unit *= 1024) {
                /* In integers: q * 10 and r * 10 cannot overflow, as
                 * q <= 2^54 and r < unit <= 2^60. */
                uint64_t q = bytes / unit, r = bytes % unit;

                tenths = q * 10 + (r * 10 + unit / 2) / unit;
                /* 1023.95 KiB rounds to 1024.0: say 1.0 MiB instead. */
                if (tenths < 10240 || i == ELEMENTSOF(units) - 1)
                        break;
        }
        snprintf(buf, FORMAT_SIZE_MAX, "%llu.%llu %s", (unsigned long long) (tenths / 10),
                 (unsigned long long) (tenths % 10), units[i]);
        return buf;
}

/* A copy of s fit for a terminal: C0 and C1 controls, DEL and bytes that are
 * not UTF-8 become '?', and with ascii_only every non-ASCII character too
 * (table cells, whose widths are counted in bytes). NULL becomes "-". */
static char *sanitized(const char *s, bool ascii_only) {
        size_t n, o = 0;
        char *t;

        if (!s)
                return strdup("-");
        n = strlen(s);
        t = malloc(n + 1);
        if (!t)
                return NULL;
        for (size_t i = 0; i < n;) {
                uint32_t cp = 0;
                size_t k = utf8_decode(s + i, n - i, &cp);

                if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (ascii_only && cp >= 0x80)) {
                        t[o++] = '?';
                        i += k ? k : 1;
                        continue;
                }
                memcpy(t + o, s + i, k);
                o += k;
                i += k;
        }
        t[o] = '\0';
        return t;
}

static void format_time(char buf[static sizeof("9999-12-31 23:59:59 UTC")], usec_t t) {
        time_t sec = (time_t) (t / USEC_PER_SEC);
        struct tm tm;

        if (!gmtime_r(&sec, &tm) ||
            strftime(buf, sizeof("9999-12-31 23:59:59 UTC"), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
                strcpy(buf, "?");
}

enum {
        COL_NAME,
        COL_STATE,
        COL_SINCE,
        COL_PEER,
        COL_ALGORITHMS,
        COL_IN,
        COL_OUT,
        COL_PACKETS,
        COL_SHIELD,
        COL_CERT,
        _COL_MAX,
};

static const char *const col_header[_COL_MAX] = {
        "NAME", "STATE", "SINCE", "PEER", "ALGORITHMS", "IN", "OUT", "PACKETS", "SHIELD", "CERT",
};

typedef struct Row {
        char *cell[_COL_MAX];
        char *note;            /* lines under the row: the last error, the BGP session */
} Row;

static void rows_free(Row *rows, size_t n) {
        if (!rows)
                return;
        for (size_t i = 0; i < n; i++) {
                for (size_t c = 0; c < _COL_MAX; c++)
                        free(rows[i].cell[c]);
                free(rows[i].note);
        }
        free(rows);
}

static uint64_t add_saturating(uint64_t a, uint64_t b) {
        return b > UINT64_MAX - a ? UINT64_MAX : a + b;
}

/* Fills one row for t; the durations are as of the data (generated_at). */
static int row_fill(Row *row, const TunnelStatus *t, usec_t generated_at) {
        char buf[FORMAT_DURATION_MAX], in[FORMAT_SIZE_MAX], out[FORMAT_SIZE_MAX];
        _cleanup_free_ char *alg = NULL, *detail = NULL;
        uint64_t bytes_in = 0, bytes_out = 0, packets_in = 0, packets_out = 0;
        const char *esp = t->n_children > 0 ? t->children[0]->proposal : NULL;

        for (size_t i = 0; i < t->n_children; i++) {
                bytes_in = add_saturating(bytes_in, t->children[i]->bytes_in);
                bytes_out = add_saturating(bytes_out, t->children[i]->bytes_out);
                packets_in = add_saturating(packets_in, t->children[i]->packets_in);
                packets_out = add_saturating(packets_out, t->children[i]->packets_out);
        }
        if (t->has_ike || esp) {
                if (asprintf(&alg, "%s/%s", t->has_ike ? t->ike.proposal : "-", esp ? esp : "-") < 0) {
                        alg = NULL;
                        return -ENOMEM;
                }
        }
        row->cell[COL_NAME] = sanitized(t->name, true);
        row->cell[COL_STATE] = strdup(tunnel_state_to_string(t->state));
        row->cell[COL_SINCE] = t->since == 0 ? strdup("-")
                                             : strdup(format_duration(buf, generated_at > t->since
                                                                                   ? generated_at - t->since
                                                                                   : 0));
        row->cell[COL_PEER] = sanitized(t->remote_address, true);
        row->cell[COL_ALGORITHMS] = sanitized(alg, true);
        row->cell[COL_IN] = strdup(format_size(in, bytes_in));
        row->cell[COL_OUT] = strdup(format_size(out, bytes_out));
        if (asprintf(&row->cell[COL_PACKETS], "%llu/%llu", (unsigned long long) packets_in,
                     (unsigned long long) packets_out) < 0)
                row->cell[COL_PACKETS] = NULL;
        row->cell[COL_SHIELD] = strdup(shield_state_to_string(t->shield));
        if (!t->has_certificate)
                row->cell[COL_CERT] = strdup("-");
        else if (t->certificate.days_left < 0)
                row->cell[COL_CERT] = strdup("expired");
        else if (asprintf(&row->cell[COL_CERT], "%lldd", (long long) t->certificate.days_left) < 0)
                row->cell[COL_CERT] = NULL;
        for (size_t c = 0; c < _COL_MAX; c++)
                if (!row->cell[c])
                        return -ENOMEM;

        if (t->state != TUNNEL_STATE_UP && t->last_error != TUNNEL_ERROR_NONE) {
                if (t->last_error_detail) {
                        detail = sanitized(t->last_error_detail, false);
                        if (!detail)
                                return -ENOMEM;
                }
                if (asprintf(&row->note, "  last error: %s%s%s", tunnel_error_to_string(t->last_error),
                             detail ? ": " : "", detail ? detail : "") < 0) {
                        row->note = NULL;
                        return -ENOMEM;
                }
        }
        if (t->has_bgp) {
                _cleanup_free_ char *peer = sanitized(t->bgp.peer, true),
                                    *reason = t->bgp.reason ? sanitized(t->bgp.reason, false) : NULL;
                char *n = NULL;

                if (!peer || (t->bgp.reason && !reason))
                        return -ENOMEM;
                if (asprintf(&n, "%s%s  bgp: %s with %s (AS %u), %llu prefixes received%s%s", row->note ?: "",
                             row->note ? "\n" : "", bgp_state_to_string(t->bgp.state), peer, t->bgp.peer_asn,
                             (unsigned long long) t->bgp.prefixes_received, reason ? ": " : "", reason ?: "") < 0)
                        return -ENOMEM;
                free(row->note);
                row->note = n;
        }
        return 0;
}

static void print_header(FILE *f, const GatewayStatus *s, usec_t now) {
        char when[sizeof("9999-12-31 23:59:59 UTC")], age[FORMAT_DURATION_MAX];
        size_t up = 0, enabled = 0;
        _cleanup_free_ char *vici = NULL;

        for (size_t i = 0; i < s->n_tunnels; i++) {
                enabled += s->tunnels[i]->state != TUNNEL_STATE_DISABLED;
                up += s->tunnels[i]->state == TUNNEL_STATE_UP;
        }
        format_time(when, s->generated_at);
        fprintf(f, "Status of %s (%s ago): %zu/%zu tunnels up", when, format_duration(age, status_age(s, now)), up,
                enabled);
        if (s->gateway.charon_connected)
                fputs(", charon connected\n", f);
        else {
                vici = sanitized(s->gateway.vici, true);
                fprintf(f, ", charon NOT connected (%s)\n", vici ? vici : "?");
        }
        if (status_is_stale(s, now))
                fprintf(f, "Warning: data is %llu s old; is gatewayd running?\n",
                        (unsigned long long) (status_age(s, now) / USEC_PER_SEC));
}

/* The cells padded to their column's width, two spaces apart; the last one
 * is not padded. */
static void print_row(FILE *f, const char *const *cell, const size_t *width) {
        for (size_t c = 0; c + 1 < _COL_MAX; c++)
                fprintf(f, "%-*s  ", (int) width[c], cell[c]);
        fprintf(f, "%s\n", cell[_COL_MAX - 1]);
}

int status_print(FILE *f, const GatewayStatus *s, const TunnelStatus *only, usec_t now) {
        size_t n = only ? 1 : s->n_tunnels, width[_COL_MAX];
        Row *rows;
        int r = 0;

        print_header(f, s, now);
        if (n == 0) {
                fputs("No tunnels are configured.\n", f);
                return 0;
        }
        rows = calloc(n, sizeof(Row));
        if (!rows)
                return -ENOMEM;
        for (size_t c = 0; c < _COL_MAX; c++)
                width[c] = strlen(col_header[c]);
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = row_fill(&rows[i], only ? only : s->tunnels[i], s->generated_at);
                for (size_t c = 0; r >= 0 && c < _COL_MAX; c++)
                        if (strlen(rows[i].cell[c]) > width[c])
                                width[c] = strlen(rows[i].cell[c]);
        }
        if (r >= 0) {
                fputc('\n', f);
                print_row(f, col_header, width);
                for (size_t i = 0; i < n; i++) {
                        print_row(f, (const char *const *) rows[i].cell, width);
                        if (rows[i].note)
                                fprintf(f, "%s\n", rows[i].note);
                }
        }
        rows_free(rows, n);
        return r;
}

/* StatusFile: --status-file, else gatewayd.conf's, else the default. A
 * gatewayd.conf that cannot be read or has errors does not stop status (it
 * answers when other things are broken): it says so and goes on. */
static int status_path(const StatusOptions *o, char **ret) {
        const ReadFileOptions ro = { .max_size = CONF_MAX_FILE_SIZE };
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        _cleanup_free_ char *conf = NULL, *text = NULL;
        size_t size;
        int r;

        if (o->status_file) {
                *ret = strdup(o->status_file);
                return *ret ? 0 : -ENOMEM;
        }
        c = config_new(o->config_dir);
        if (!c || asprintf(&conf, "%s/gatewayd.conf", c->dir) < 0)
                return -ENOMEM;
        r = read_full_file_at(AT_FDCWD, conf, &ro, &text, &size, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -ENOENT)
                log_warning("Cannot read %s (%s); looking for the status file at %s", conf, strerror(-r),
                            c->gateway.status_file);
        if (r >= 0) {
                /* Errors are counted in d, not returned. */
                r = conf_parse_gateway(c, conf, text, size, &d);
                if (r < 0)
                        return r;
                if (d.n_errors > 0)
                        log_warning("%s has errors (see gatewayctl check); looking for the status file at %s", conf,
                                    c->gateway.status_file);
        }
        *ret = strdup(c->gateway.status_file);
        return *ret ? 0 : -ENOMEM;
}

static usec_t now_realtime(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (usec_t) ts.tv_sec * USEC_PER_SEC + (usec_t) ts.tv_nsec / 1000;
}

int verb_status(int argc, char *argv[], const StatusOptions *o) {
        _cleanup_(gateway_status_freep) GatewayStatus *s = NULL;
        _cleanup_free_ char *path = NULL, *error = NULL, *json = NULL;
        const char *name = argc > 1 ? argv[1] : NULL;
        const TunnelStatus *t = NULL;
        usec_t now;
        bool stale;
        int r;

        if (argc > 2) {
                log_error("status takes at most one tunnel name; see --help");
                return STATUS_EXIT_USAGE;
        }
        r = status_path(o, &path);
        if (r < 0) {
                log_oom();
                return STATUS_EXIT_FAILURE;
        }
        r = status_read_file(path, &s, &error);
        if (r == -ENOENT) {
                log_error("%s: no status file; is gatewayd running? (it writes one when it starts)", path);
                return STATUS_EXIT_FAILURE;
        }
        if (r == -EBADMSG) {
                log_error("%s: malformed status file: %s", path, error);
                return STATUS_EXIT_FAILURE;
        }
        if (r == -EFBIG) {
                log_error("%s: larger than %u MiB; not a status file", path, STATUS_MAX_FILE_SIZE >> 20);
                return STATUS_EXIT_FAILURE;
        }
        if (r < 0) {
                log_error_errno(r, "%s: cannot read the status file: %m", path);
                return STATUS_EXIT_FAILURE;
        }
        if (name) {
                t = gateway_status_find_tunnel(s, name);
                if (!t) {
                        _cleanup_free_ char *safe = sanitized(name, true);

                        log_error("no tunnel '%s' in %s", safe ? safe : "?", path);
                        return STATUS_EXIT_FAILURE;
                }
        }

        now = now_realtime();
        stale = status_is_stale(s, now);
        if (o->json) {
                r = t ? status_tunnel_to_json(t, &json, NULL) : status_to_json(s, &json, NULL);
                if (r >= 0) {
                        fputs(json, stdout);
                        if (stale)
                                log_warning("data is %llu s old; is gatewayd running?",
                                            (unsigned long long) (status_age(s, now) / USEC_PER_SEC));
                }
        } else
                r = status_print(stdout, s, t, now);
        if (r < 0) {
                log_error_errno(r, "Failed to format the status: %m");
                return STATUS_EXIT_FAILURE;
        }
        if (fflush(stdout) != 0 || ferror(stdout)) {
                log_error("Failed to write the status: %s", strerror(errno));
                return STATUS_EXIT_FAILURE;
        }
        return status_exit_code(s, t, stale);
}
