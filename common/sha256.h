/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for what gatewayd
 * compares with itself: the reload's fingerprints of tunnels and of
 * credential files. Not for anything that protects traffic: that is
 * charon's, through OpenSSL.
 *
 * Why not OpenSSL's EVP: its first digest initialises the provider machinery
 * (the method store, the default provider's algorithm tables), about 2 MB of
 * resident pages for the life of the process, a fifth of gatewayd's memory
 * target, for a few kilobytes hashed per reload (systemd keeps its own
 * SHA-256 for the same reason). OpenSSL's low-level SHA256_*() avoid that but
 * are deprecated. Checked against the FIPS 180-4 and RFC 4231 vectors and
 * against OpenSSL in test-sha256. */

#define SHA256_SIZE 32
#define SHA256_BLOCK 64

typedef struct Sha256 {
        uint32_t h[8];
        uint64_t length;                /* bytes fed so far */
        uint8_t block[SHA256_BLOCK];    /* the part of a block fed so far */
        size_t n_block;
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t size);
/* Writes the digest and erases *s (it may have seen a key). A copy of *s
 * (plain assignment) finishes a digest of a prefix and goes on with both. */
void sha256_final(Sha256 *s, uint8_t ret[SHA256_SIZE]);

/* HMAC-SHA-256 of data under key; erases its copies of the key. */
void hmac_sha256(const void *key, size_t key_size, const void *data, size_t size, uint8_t ret[SHA256_SIZE]);
