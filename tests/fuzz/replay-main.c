/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays fuzzer inputs (files named on the command line) through the target
 * without libFuzzer, so every `make check` re-runs the corpus as regression
 * tests, with gcc and without clang. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char *argv[]) {
        for (int i = 1; i < argc; i++) {
                FILE *f = fopen(argv[i], "re");
                unsigned char *buf;
                long n;

                if (!f) {
                        perror(argv[i]);
                        return 1;
                }
                if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
                        perror(argv[i]);
                        fclose(f);
                        return 1;
                }
                buf = malloc((size_t) n + 1);
                if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n) {
                        fprintf(stderr, "%s: read failed\n", argv[i]);
                        free(buf);
                        fclose(f);
                        return 1;
                }
                fclose(f);
                LLVMFuzzerTestOneInput(buf, (size_t) n);
                free(buf);
        }
        printf("replayed %d inputs\n", argc - 1);
        return 0;
}
