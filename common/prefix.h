/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* IP addresses and CIDR prefixes, IPv4 and IPv6 alike: one code path for both
 * families (no copied AF_INET/AF_INET6 branches). */

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

typedef struct Address {
        int family;        /* AF_INET or AF_INET6 */
        uint8_t bytes[16]; /* network order; IPv4 uses the first 4 */
} Address;

typedef struct Prefix {
        Address addr;
        unsigned len;      /* 0..32 or 0..128 */
} Prefix;

typedef struct PrefixList {
        Prefix *items;
        size_t n;
} PrefixList;

/* "INET6_ADDRSTRLEN + /128" */
#define PREFIX_STRLEN 50

unsigned address_bits(int family);

/* Parses a bare IPv4/IPv6 address. -EINVAL if not one. */
int address_parse(const char *s, Address *ret);
/* Writes the textual form into buf (at least PREFIX_STRLEN bytes); returns buf. */
const char *address_to_string(const Address *a, char *buf);
/* Same family and the same 16 bytes (an unset Address is all zero). */
bool address_equal(const Address *a, const Address *b);

/* Parses "addr/len". Errors: -EINVAL (syntax or length out of range),
 * -EADDRNOTAVAIL (host bits set below the length: 192.0.2.1/24). A bare address
 * is not a prefix (-EDESTADDRREQ) so that a missing "/len" is reported. */
int prefix_parse(const char *s, Prefix *ret);
const char *prefix_to_string(const Prefix *p, char *buf);
/* The same prefix with host bits cleared (for "did you mean" hints). */
Prefix prefix_masked(const Prefix *p);

bool prefix_equal(const Prefix *a, const Prefix *b);
/* True if the two prefixes share at least one address (same family only). */
bool prefix_overlaps(const Prefix *a, const Prefix *b);
/* True if a contains the whole of b. */
bool prefix_contains(const Prefix *a, const Prefix *b);
bool prefix_is_default(const Prefix *p);

int prefix_list_append(PrefixList *l, const Prefix *p);
bool prefix_list_has_family(const PrefixList *l, int family);
void prefix_list_clear(PrefixList *l);
