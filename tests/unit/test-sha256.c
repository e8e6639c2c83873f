/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>

#include "sha256.h"
#include "testhelp.h"

static void hex(const uint8_t *d, size_t n, char *out) {
        for (size_t i = 0; i < n; i++)
                sprintf(out + 2 * i, "%02x", d[i]);
}

static void assert_digest(const void *data, size_t size, const char *want) {
        uint8_t d[SHA256_SIZE];
        char got[2 * SHA256_SIZE + 1];
        Sha256 s;

        sha256_init(&s);
        sha256_update(&s, data, size);
        sha256_final(&s, d);
        hex(d, sizeof(d), got);
        assert_string_equal(got, want);
}

/* FIPS 180-4's examples (NIST's "SHA256.pdf" and the long message). */
static void test_vectors(void **state) {
        static char million[1000000];

        assert_digest("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_digest("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        memset(million, 'a', sizeof(million));
        assert_digest(million, sizeof(million), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every length across the padding's edges (55, 56, 63, 64 bytes into a
 * block), fed whole and fed in two pieces split anywhere, against OpenSSL. */
static void test_against_openssl(void **state) {
        uint8_t data[300], want[SHA256_SIZE], got[SHA256_SIZE];

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 131 + 7);
        for (size_t n = 0; n <= sizeof(data); n++) {
                unsigned w = 0;

                assert_true(EVP_Digest(data, n, want, &w, EVP_sha256(), NULL));
                assert_int_equal(w, SHA256_SIZE);
                for (size_t split = 0; split <= n; split += n < 130 ? 1 : 37) {
                        Sha256 s;

                        sha256_init(&s);
                        sha256_update(&s, data, split);
                        sha256_update(&s, data + split, n - split);
                        sha256_final(&s, got);
                        if (memcmp(got, want, sizeof(got)) != 0)
                                fail_msg("length %zu split at %zu differs from OpenSSL", n, split);
                }
        }
}

/* A copy of the state finishes the prefix's digest and leaves the original
 * to go on (the reload's connection and charon fingerprints share one). */
static void test_copy(void **state) {
        uint8_t a[SHA256_SIZE], b[SHA256_SIZE], c[SHA256_SIZE];
        Sha256 s, copy, whole;

        sha256_init(&s);
        sha256_update(&s, "prefix", 6);
        copy = s;
        sha256_final(&copy, a);
        sha256_update(&s, "suffix", 6);
        sha256_final(&s, b);

        sha256_init(&whole);
        sha256_update(&whole, "prefixsuffix", 12);
        sha256_final(&whole, c);
        assert_memory_equal(b, c, sizeof(b));
        sha256_init(&whole);
        sha256_update(&whole, "prefix", 6);
        sha256_final(&whole, c);
        assert_memory_equal(a, c, sizeof(a));
        /* final erases: nothing of what was fed stays behind. */
        assert_int_equal(s.length, 0);
        assert_int_equal(s.h[0], 0);
}

static void assert_hmac(const char *key_hex, const char *data, size_t size, const char *want) {
        uint8_t key[256], d[SHA256_SIZE];
        char got[2 * SHA256_SIZE + 1];
        size_t n = strlen(key_hex) / 2;

        for (size_t i = 0; i < n; i++)
                assert_int_equal(sscanf(key_hex + 2 * i, "%2hhx", &key[i]), 1);
        hmac_sha256(key, n, data, size, d);
        hex(d, sizeof(d), got);
        assert_string_equal(got, want);
}

/* RFC 4231's test cases 1, 2 and 6 (a key longer than a block), then keys
 * of every length to 200 bytes against OpenSSL. */
static void test_hmac(void **state) {
        char long_key[2 * 131 + 1] = "";
        uint8_t key[200], data[100], want[SHA256_SIZE], got[SHA256_SIZE];

        assert_hmac("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", 8,
                    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        assert_hmac("4a656665", "what do ya want for nothing?", 28,
                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        for (size_t i = 0; i < 131; i++)
                strcat(long_key, "aa");
        assert_hmac(long_key, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
                    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");

        for (size_t i = 0; i < sizeof(key); i++)
                key[i] = (uint8_t) (i * 17 + 3);
        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 29 + 1);
        for (size_t k = 0; k <= sizeof(key); k++) {
                unsigned w = 0;

                assert_non_null(HMAC(EVP_sha256(), key, (int) k, data, sizeof(data), want, &w));
                hmac_sha256(key, k, data, sizeof(data), got);
                if (memcmp(got, want, sizeof(got)) != 0)
                        fail_msg("key of %zu bytes differs from OpenSSL", k);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vectors),
                cmocka_unit_test(test_against_openssl),
                cmocka_unit_test(test_copy),
                cmocka_unit_test(test_hmac),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
