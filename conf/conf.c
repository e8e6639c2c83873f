/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The memory API: one file's text into one object of the Config (parse.c
 * applies the key tables, verify.c the [Tunnel] rules). */
#include "conf-internal.h"
#include "strutil.h"

bool conf_name_is_valid(const char *s) {
        size_t n = 0;

        if (!s)
                return false;
        for (; s[n]; n++) {
                char ch = s[n];

                if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                      ch == '_' || ch == '-'))
                        return false;
                if (n >= NAME_MAX_LEN)
                        return false;
        }
        return n > 0;
}

static int check_object_name(ConfParser *p, const char *kind, const char *name) {
        _cleanup_free_ char *s = NULL;

        if (conf_name_is_valid(name))
                return 0;
        s = strdup_printable(name, 128);
        if (!s)
                return -ENOMEM;
        return conf_error(p, 0, "invalid %s name '%s' (the file name without .conf); rename the file to 1-%d "
                          "characters of A-Z a-z 0-9 _ - and .conf",
                          kind, s, NAME_MAX_LEN);
}

/* ---- [Gateway] --------------------------------------------------------- */

Config *config_new(const char *dir) {
        _cleanup_(config_freep) Config *c = calloc(1, sizeof(Config));

        if (!c)
                return NULL;
        c->dir = strdup(dir ? dir : CONF_DEFAULT_DIR);
        c->gateway = (Gateway) {
                .path = strdup("gatewayd.conf"),
                .fips_mode = true,
                .vici = strdup("unix:///run/charon.vici"),
                .data_plane = DATA_PLANE_KERNEL,
                .status_file = strdup("/run/gatewayd/status.json"),
                .health_interval_sec = 10,
                .cert_expiry_warning_days = 30,
                .max_half_open_per_peer = PACER_DEFAULT_HALF_OPEN,
        };
        if (!c->dir || !c->gateway.path || !c->gateway.vici || !c->gateway.status_file)
                return NULL;
        return TAKE_PTR(c);
}

int conf_parse_gateway(Config *c, const char *path, const char *text, size_t len, DiagList *d) {
        ConfParser p = { .c = c, .d = d, .path = path, .object = &c->gateway, .section_optional = true };

        return conf_parse_object(&p, &conf_sections[SECTION_GATEWAY], text, len);
}

/* ---- [Profile] --------------------------------------------------------- */

int conf_add_profile(Config *c, const char *name, const char *path, const char *text, size_t len, bool builtin,
                     DiagList *d) {
        _cleanup_(profile_freep) Profile *pr = NULL;
        ConfParser p = { .c = c, .d = d, .path = path };
        Profile **n;
        int r;

        if (c->n_profiles >= CONF_MAX_TUNNELS)
                return conf_error(&p, 0, "too many profiles (at most %d); remove unused ones", CONF_MAX_TUNNELS);
        r = check_object_name(&p, "profile", name);
        if (r < 0)
                return r;

        pr = calloc(1, sizeof(Profile));
        if (!pr)
                return -ENOMEM;
        pr->name = strdup(name);
        pr->path = strdup(path);
        if (!pr->name || !pr->path)
                return -ENOMEM;
        pr->builtin = builtin;
        pr->sa_lifetime_sec = PROFILE_DEFAULT_SA_LIFETIME_SEC;
        pr->sa_datasize_kb = PROFILE_DEFAULT_SA_DATASIZE_KB;
        pr->ike_lifetime_sec = PROFILE_DEFAULT_IKE_LIFETIME_SEC;
        p.object = pr;

        r = conf_parse_object(&p, &conf_sections[SECTION_PROFILE], text, len);
        if (r < 0)
                return r;
        pr->section_line = p.section_line;

        /* Kept even when it has errors (with NULL algorithms), so that
         * tunnels naming it do not report a second, misleading error. */
        n = reallocarray(c->profiles, c->n_profiles + 1, sizeof(Profile *));
        if (!n)
                return -ENOMEM;
        c->profiles = n;
        c->profiles[c->n_profiles++] = TAKE_PTR(pr);
        return 0;
}

int conf_parse_profile(Config *c, const char *name, const char *path, const char *text, size_t len, DiagList *d) {
        return conf_add_profile(c, name, path, text, len, false, d);
}

/* ---- [Tunnel] ---------------------------------------------------------- */

int conf_parse_tunnel(Config *c, const char *name, const char *path, const char *text, size_t len, DiagList *d) {
        _cleanup_(tunnel_freep) Tunnel *t = NULL;
        ConfParser p = { .c = c, .d = d, .path = path };
        int r;

        if (c->n_tunnels >= CONF_MAX_TUNNELS)
                return conf_error(&p, 0, "too many tunnels (at most %d); remove unused ones", CONF_MAX_TUNNELS);
        r = check_object_name(&p, "tunnel", name);
        if (r < 0)
                return r;

        t = calloc(1, sizeof(Tunnel));
        if (!t)
                return -ENOMEM;
        t->name = strdup(name);
        t->path = strdup(path);
        t->profile_name = strdup(TUNNEL_DEFAULT_PROFILE);
        if (!t->name || !t->path || !t->profile_name)
                return -ENOMEM;
        t->auth = AUTH_PSK;
        t->fail_closed = true;
        t->tcp_mss_clamp = TUNNEL_DEFAULT_MSS;
        t->dpd_timeout_sec = TUNNEL_DEFAULT_DPD_TIMEOUT_SEC;
        t->connection_mode = CONNECTION_MODE_DEFAULT;
        t->enabled = true;
        p.object = t;

        r = conf_parse_object(&p, &conf_sections[SECTION_TUNNEL], text, len);
        if (r < 0)
                return r;
        t->section_line = p.section_line;
        if (p.section_line > 0) {
                r = conf_verify_tunnel(&p, t);
                if (r < 0)
                        return r;
                r = conf_verify_route(&p, t);
                if (r < 0)
                        return r;
        }

        return conf_append_tunnel(c, &t);
}

int conf_append_tunnel(Config *c, Tunnel **t) {
        /* Doubling: a tree of 5,000 is not copied 5,000 times. */
        if (c->n_tunnels >= c->allocated_tunnels) {
                size_t na = c->n_tunnels < 8 ? 16 : c->n_tunnels * 2;
                Tunnel **n = reallocarray(c->tunnels, na, sizeof(Tunnel *));

                if (!n)
                        return -ENOMEM;
                c->tunnels = n;
                c->allocated_tunnels = na;
        }
        c->tunnels[c->n_tunnels++] = TAKE_PTR(*t);
        return 0;
}

