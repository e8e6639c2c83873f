/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "metrics.h"
#include "write-file.h"

typedef enum MetricKind {
        METRIC_GAUGE,
        METRIC_COUNTER,
} MetricKind;

#define VALUE_MAX sizeof("-9223372036854775808")

/* One per-tunnel family: a sample for each tunnel for which value() returns
 * true, having written the sample's value into buf. */
typedef struct TunnelMetric {
        const char *name;
        MetricKind kind;
        const char *help;
        bool (*value)(const TunnelStatus *t, char buf[static VALUE_MAX]);
} TunnelMetric;

/* The sum of one counter (at offset in ChildStatus) over the tunnel's child
 * SAs, saturating: a counter must never wrap to a small number. */
static uint64_t child_sum(const TunnelStatus *t, size_t offset) {
        uint64_t sum = 0;

        for (size_t i = 0; i < t->n_children; i++) {
                uint64_t v;

                memcpy(&v, (const char *) t->children[i] + offset, sizeof(v));
                sum = v > UINT64_MAX - sum ? UINT64_MAX : sum + v;
        }
        return sum;
}

static bool put_u64(char buf[static VALUE_MAX], uint64_t v) {
        snprintf(buf, VALUE_MAX, "%llu", (unsigned long long) v);
        return true;
}

#define CHILD_SUM(field)                                                            \
        static bool value_##field(const TunnelStatus *t, char buf[static VALUE_MAX]) { \
                return put_u64(buf, child_sum(t, offsetof(ChildStatus, field)));    \
        }
CHILD_SUM(bytes_in)
CHILD_SUM(bytes_out)
CHILD_SUM(packets_in)
CHILD_SUM(packets_out)

static bool value_up(const TunnelStatus *t, char buf[static VALUE_MAX]) {
        return put_u64(buf, t->state == TUNNEL_STATE_UP);
}

static bool value_enabled(const TunnelStatus *t, char buf[static VALUE_MAX]) {
        return put_u64(buf, t->state != TUNNEL_STATE_DISABLED);
}

static bool value_last_rekey(const TunnelStatus *t, char buf[static VALUE_MAX]) {
        return t->last_rekey > 0 && put_u64(buf, t->last_rekey / USEC_PER_SEC);
}

static bool value_days_left(const TunnelStatus *t, char buf[static VALUE_MAX]) {
        if (!t->has_certificate)
                return false;
        snprintf(buf, VALUE_MAX, "%lld", (long long) t->certificate.days_left);
        return true;
}

static const TunnelMetric tunnel_metrics[] = {
        { "gatewayd_tunnel_up", METRIC_GAUGE, "Whether the tunnel is up (IKE and child SAs established).", value_up },
        { "gatewayd_tunnel_enabled", METRIC_GAUGE, "Whether the tunnel is enabled (Enabled=yes).", value_enabled },
        { "gatewayd_tunnel_bytes_in_total", METRIC_COUNTER, "Bytes received through the tunnel's child SAs.",
          value_bytes_in },
        { "gatewayd_tunnel_bytes_out_total", METRIC_COUNTER, "Bytes sent through the tunnel's child SAs.",
          value_bytes_out },
        { "gatewayd_tunnel_packets_in_total", METRIC_COUNTER, "Packets received through the tunnel's child SAs.",
          value_packets_in },
        { "gatewayd_tunnel_packets_out_total", METRIC_COUNTER, "Packets sent through the tunnel's child SAs.",
          value_packets_out },
        { "gatewayd_tunnel_last_rekey_timestamp_seconds", METRIC_GAUGE,
          "When the tunnel last completed a rekey, in seconds since the epoch.", value_last_rekey },
        { "gatewayd_certificate_days_left", METRIC_GAUGE,
          "Whole days until the tunnel's certificate expires (negative once expired).", value_days_left },
};

static void write_header(FILE *f, const char *name, MetricKind kind, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind == METRIC_COUNTER ? "counter" : "gauge");
}

/* A label value: backslash, double quote and line feed are escaped (the
 * exposition format's three). */
static void write_label_value(FILE *f, const char *v) {
        for (; *v; v++)
                switch (*v) {
                case '\\': fputs("\\\\", f); break;
                case '"': fputs("\\\"", f); break;
                case '\n': fputs("\\n", f); break;
                default: fputc(*v, f);
                }
}

static void write_metrics(FILE *f, const GatewayStatus *s, const MetricsCounters *c) {
        for (size_t m = 0; m < ELEMENTSOF(tunnel_metrics); m++) {
                const TunnelMetric *tm = &tunnel_metrics[m];

                write_header(f, tm->name, tm->kind, tm->help);
                for (size_t i = 0; i < s->n_tunnels; i++) {
                        char value[VALUE_MAX];

                        if (!tm->value(s->tunnels[i], value))
                                continue;
                        fprintf(f, "%s{tunnel=\"", tm->name);
                        write_label_value(f, s->tunnels[i]->name);
                        fprintf(f, "\"} %s\n", value);
                }
        }
        write_header(f, "gatewayd_shield_drops_total", METRIC_COUNTER,
                     "Packets the shield dropped (XFRM policy blocks and nftables drops).");
        fprintf(f, "gatewayd_shield_drops_total %llu\n", (unsigned long long) (c ? c->shield_drops : 0));
}

typedef struct MetricsFile {
        const GatewayStatus *s;
        const MetricsCounters *c;
} MetricsFile;

static int stream_metrics(FILE *f, void *userdata) {
        const MetricsFile *m = userdata;

        write_metrics(f, m->s, m->c);
        return 0;
}

int metrics_to_text(const GatewayStatus *s, const MetricsCounters *c, char **ret_text, size_t *ret_size) {
        MetricsFile m = { .s = s, .c = c };
        int r;

        if (!ret_text)
                return -EINVAL;
        r = status_validate(s, NULL);
        if (r < 0)
                return r;
        return write_memory(stream_metrics, &m, ret_text, ret_size);
}

int metrics_write_file(const char *path, const GatewayStatus *s, const MetricsCounters *c) {
        MetricsFile m = { .s = s, .c = c };
        int r;

        r = status_validate(s, NULL);
        if (r < 0)
                return r;
        /* Into the file as it is formatted: 1,000 tunnels' text never sits
         * whole in memory (a memory stream that grew to it cost page faults
         * every health interval). */
        return write_file_atomic_stream(path, 0644, stream_metrics, &m);
}
