/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <limits.h>
#include <sys/socket.h>

#include "prefix.h"

unsigned address_bits(int family) {
        return family == AF_INET6 ? 128 : 32;
}

int address_parse(const char *s, Address *ret) {
        Address a = {};

        if (!s || !*s)
                return -EINVAL;
        if (inet_pton(AF_INET, s, a.bytes) == 1)
                a.family = AF_INET;
        else if (inet_pton(AF_INET6, s, a.bytes) == 1)
                a.family = AF_INET6;
        else
                return -EINVAL;
        *ret = a;
        return 0;
}

const char *address_to_string(const Address *a, char *buf) {
        if (!inet_ntop(a->family, a->bytes, buf, PREFIX_STRLEN))
                strcpy(buf, "?");
        return buf;
}

/* Clears every bit of a past the first len bits. */
static void mask_bytes(uint8_t *bytes, unsigned total_bits, unsigned len) {
        for (unsigned i = 0; i < total_bits / 8; i++) {
                unsigned lo = i * 8;

                if (len <= lo)
                        bytes[i] = 0;
                else if (len < lo + 8)
                        bytes[i] &= (uint8_t) (0xffu << (lo + 8 - len));
        }
}

Prefix prefix_masked(const Prefix *p) {
        Prefix m = *p;

        mask_bytes(m.addr.bytes, address_bits(p->addr.family), p->len);
        return m;
}

int prefix_parse(const char *s, Prefix *ret) {
        char buf[PREFIX_STRLEN];
        const char *slash;
        Prefix p = {};
        unsigned long len = 0;
        char *end;
        size_t n;
        int r;

        if (!s)
                return -EINVAL;
        slash = strchr(s, '/');
        if (!slash)
                return address_parse(s, &p.addr) < 0 ? -EINVAL : -EDESTADDRREQ;
        n = (size_t) (slash - s);
        if (n == 0 || n >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, n);
        buf[n] = 0;
        r = address_parse(buf, &p.addr);
        if (r < 0)
                return r;
        /* Digits only: strtoul would accept " 24", "+24" and "-0". */
        if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
                return -EINVAL;
        errno = 0;
        len = strtoul(slash + 1, &end, 10);
        if (errno != 0 || *end != 0 || len > address_bits(p.addr.family))
                return -EINVAL;
        p.len = (unsigned) len;
        Prefix m = prefix_masked(&p);
        if (!prefix_equal(&p, &m))
                return -EADDRNOTAVAIL;
        *ret = p;
        return 0;
}

const char *prefix_to_string(const Prefix *p, char *buf) {
        char a[PREFIX_STRLEN];

        snprintf(buf, PREFIX_STRLEN, "%s/%u", address_to_string(&p->addr, a), p->len);
        return buf;
}

bool address_equal(const Address *a, const Address *b) {
        return a->family == b->family && memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

bool prefix_equal(const Prefix *a, const Prefix *b) {
        return a->addr.family == b->addr.family && a->len == b->len &&
               memcmp(a->addr.bytes, b->addr.bytes, address_bits(a->addr.family) / 8) == 0;
}

bool prefix_contains(const Prefix *a, const Prefix *b) {
        Prefix bm;

        if (a->addr.family != b->addr.family || a->len > b->len)
                return false;
        bm = *b;
        bm.len = a->len;
        bm = prefix_masked(&bm);
        return prefix_equal(a, &bm);
}

bool prefix_overlaps(const Prefix *a, const Prefix *b) {
        return prefix_contains(a, b) || prefix_contains(b, a);
}

bool prefix_is_default(const Prefix *p) {
        return p->len == 0;
}

int prefix_list_append(PrefixList *l, const Prefix *p) {
        Prefix *n;

        n = reallocarray(l->items, l->n + 1, sizeof(Prefix));
        if (!n)
                return -ENOMEM;
        l->items = n;
        l->items[l->n++] = *p;
        return 0;
}

bool prefix_list_has_family(const PrefixList *l, int family) {
        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].addr.family == family)
                        return true;
        return false;
}

void prefix_list_clear(PrefixList *l) {
        free(l->items);
        *l = (PrefixList) {};
}
