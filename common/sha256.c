/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "sha256.h"

/* FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
        0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
        0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
        0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
        0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
        0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n) {
        return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p) {
        return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
        p[0] = (uint8_t) (v >> 24);
        p[1] = (uint8_t) (v >> 16);
        p[2] = (uint8_t) (v >> 8);
        p[3] = (uint8_t) v;
}

/* FIPS 180-4, 6.2.2: one 64-byte block into the state. */
static void compress(uint32_t h[8], const uint8_t *p) {
        uint32_t w[64], a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];

        for (unsigned t = 0; t < 16; t++)
                w[t] = load_be32(p + 4 * t);
        for (unsigned t = 16; t < 64; t++) {
                uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
                uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
                w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        for (unsigned t = 0; t < 64; t++) {
                uint32_t t1 = k + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
                uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
                k = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = b;
                b = a;
                a = t1 + t2;
        }
        h[0] += a;
        h[1] += b;
        h[2] += c;
        h[3] += d;
        h[4] += e;
        h[5] += f;
        h[6] += g;
        h[7] += k;
}

void sha256_init(Sha256 *s) {
        /* 5.3.3: the first 32 bits of the fractional parts of the square
         * roots of the first 8 primes. */
        *s = (Sha256) { .h = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 } };
}

void sha256_update(Sha256 *s, const void *data, size_t size) {
        const uint8_t *p = data;

        if (size == 0)
                return; /* data may be NULL */
        s->length += size;
        if (s->n_block > 0) {
                size_t k = SHA256_BLOCK - s->n_block < size ? SHA256_BLOCK - s->n_block : size;

                memcpy(s->block + s->n_block, p, k);
                s->n_block += k;
                p += k;
                size -= k;
                if (s->n_block < SHA256_BLOCK)
                        return;
                compress(s->h, s->block);
                s->n_block = 0;
        }
        for (; size >= SHA256_BLOCK; p += SHA256_BLOCK, size -= SHA256_BLOCK)
                compress(s->h, p);
        if (size > 0)
                memcpy(s->block, p, size);
        s->n_block = size;
}

void sha256_final(Sha256 *s, uint8_t ret[SHA256_SIZE]) {
        uint64_t bits = s->length * 8;

        /* 5.1.1: a 1 bit, zeros up to 56 bytes into a block, the length in
         * bits as a big-endian 64-bit number. */
        s->block[s->n_block++] = 0x80;
        if (s->n_block > SHA256_BLOCK - 8) {
                memset(s->block + s->n_block, 0, SHA256_BLOCK - s->n_block);
                compress(s->h, s->block);
                s->n_block = 0;
        }
        memset(s->block + s->n_block, 0, SHA256_BLOCK - 8 - s->n_block);
        store_be32(s->block + SHA256_BLOCK - 8, (uint32_t) (bits >> 32));
        store_be32(s->block + SHA256_BLOCK - 4, (uint32_t) bits);
        compress(s->h, s->block);
        for (unsigned i = 0; i < 8; i++)
                store_be32(ret + 4 * i, s->h[i]);
        explicit_bzero(s, sizeof(*s));
}

void hmac_sha256(const void *key, size_t key_size, const void *data, size_t size, uint8_t ret[SHA256_SIZE]) {
        uint8_t k0[SHA256_BLOCK] = {}, pad[SHA256_BLOCK], inner[SHA256_SIZE];
        Sha256 s;

        /* RFC 2104, 2: a key longer than a block is hashed first. */
        if (key_size > SHA256_BLOCK) {
                sha256_init(&s);
                sha256_update(&s, key, key_size);
                sha256_final(&s, k0);
        } else if (key_size > 0)
                memcpy(k0, key, key_size);

        for (size_t i = 0; i < SHA256_BLOCK; i++)
                pad[i] = k0[i] ^ 0x36;
        sha256_init(&s);
        sha256_update(&s, pad, sizeof(pad));
        sha256_update(&s, data, size);
        sha256_final(&s, inner);

        for (size_t i = 0; i < SHA256_BLOCK; i++)
                pad[i] = k0[i] ^ 0x5c;
        sha256_init(&s);
        sha256_update(&s, pad, sizeof(pad));
        sha256_update(&s, inner, sizeof(inner));
        sha256_final(&s, ret);

        explicit_bzero(k0, sizeof(k0));
        explicit_bzero(pad, sizeof(pad));
        explicit_bzero(inner, sizeof(inner));
}
