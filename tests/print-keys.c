/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Prints what the config reader knows, for tests/check-man.sh, which holds
 * gatewayd.conf(5) to it (the compiled tables, not the source text):
 *   print-keys            one key a line: "SECTION KEY required|optional"
 *   print-keys --builtins each built-in profile: "== NAME", then its text */
#include "conf-internal.h"

int main(int argc, char *argv[]) {
        if (argc > 1 && streq(argv[1], "--builtins")) {
                const BuiltinProfile *b;
                size_t n;

                b = conf_builtin_profiles(&n);
                for (size_t i = 0; i < n; i++)
                        printf("== %s\n%s", b[i].name, b[i].text);
        } else
                for (size_t s = 0; s < _SECTION_KIND_MAX; s++)
                        for (size_t k = 0; k < conf_sections[s].n_keys; k++)
                                printf("%s %s %s\n", conf_sections[s].name, conf_sections[s].keys[k].name,
                                       conf_sections[s].keys[k].required ? "required" : "optional");
        return fflush(stdout) == 0 ? 0 : 1;
}
