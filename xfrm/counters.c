/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "counters.h"

static const struct {
        const char *name;
        size_t offset;
} counter_fields[] = {
        { "XfrmOutPolBlock", offsetof(ShieldCounters, out_pol_block) },
        { "XfrmOutPolError", offsetof(ShieldCounters, out_pol_error) },
        { "XfrmOutNoStates", offsetof(ShieldCounters, out_no_states) },
        { "XfrmInPolBlock", offsetof(ShieldCounters, in_pol_block) },
        { "XfrmInNoPols", offsetof(ShieldCounters, in_no_pols) },
        { "XfrmInTmplMismatch", offsetof(ShieldCounters, in_tmpl_mismatch) },
        { "XfrmFwdHdrError", offsetof(ShieldCounters, fwd_hdr_error) },
};

int shield_counters_parse(const char *text, ShieldCounters *ret) {
        ShieldCounters c = {};
        const char *line = text;

        while (line && *line) {
                const char *eol = strchr(line, '\n');
                size_t n = eol ? (size_t) (eol - line) : strlen(line);
                size_t name_len = strcspn(line, " \t\n");

                for (size_t i = 0; i < ELEMENTSOF(counter_fields); i++) {
                        const char *v, *end;
                        char buf[32];
                        char *e;
                        unsigned long long x;

                        if (name_len != strlen(counter_fields[i].name) ||
                            strncmp(line, counter_fields[i].name, name_len) != 0)
                                continue;
                        v = line + name_len;
                        end = line + n;
                        while (v < end && (*v == ' ' || *v == '\t'))
                                v++;
                        if (v >= end || (size_t) (end - v) >= sizeof(buf) || *v < '0' || *v > '9')
                                return -EBADMSG;
                        memcpy(buf, v, (size_t) (end - v));
                        buf[end - v] = 0;
                        errno = 0;
                        x = strtoull(buf, &e, 10);
                        while (*e == ' ' || *e == '\t')
                                e++;
                        if (errno != 0 || *e != 0)
                                return -EBADMSG;
                        *(uint64_t *) ((uint8_t *) &c + counter_fields[i].offset) = x;
                }
                line = eol ? eol + 1 : NULL;
        }
        *ret = c;
        return 0;
}

uint64_t shield_last_block_use(const ShieldPolicySet *want, const ShieldPolicySet *have,
                               const char *tunnel) {
        uint64_t last = 0;

        for (size_t i = 0; i < want->n; i++) {
                const ShieldPolicy *w = &want->items[i], *h;

                if (w->action != SHIELD_ACTION_BLOCK || !streq(w->tunnel, tunnel))
                        continue;
                h = shield_policy_set_find(have, w);
                if (h && h->use_time > last)
                        last = h->use_time;
        }
        return last;
}

uint64_t nft_drops_parse(const char *text) {
        uint64_t sum = 0;

        for (const char *l = text; l && *l;) {
                const char *end = strchrnul(l, '\n'), *c = strstr(l, "counter packets ");

                if (c && c < end) {
                        const char *d = strstr(c, " drop");

                        if (d && d < end)
                                sum += strtoull(c + strlen("counter packets "), NULL, 10);
                }
                l = *end ? end + 1 : end;
        }
        return sum;
}
