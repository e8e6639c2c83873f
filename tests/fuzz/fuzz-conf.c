/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libFuzzer target for the config reader and everything downstream of it that
 * sees config text: INI tokenizer, model builder, cross-tunnel checks, policy
 * judgement and rendering. The input is split into files at lines "%%": the
 * first part is gatewayd.conf, the second a profile "p", the rest tunnels
 * "t0", "t1", ... No file system access (check_files = false). */

#include <stdint.h>

#include "conf.h"
#include "ikepolicy.h"
#include "settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const ConfOptions o = { .secret_owner = 0, .check_files = false };
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(settings_freep) SettingsNode *root = NULL;
        _cleanup_(diag_list_clear) DiagList d = {};
        const char *text = (const char *) data, *end = text + size, *p = text;
        unsigned part = 0;

        if (size > CONF_MAX_FILE_SIZE)
                return 0;
        c = config_new("/fuzz");
        if (!c)
                return 0;
        while (p <= end && part < MAX_PARTS) {
                const char *sep = memmem(p, (size_t) (end - p), "\n%%\n", 4);
                size_t len = sep ? (size_t) (sep - p) + 1 : (size_t) (end - p);
                char name[16], path[48];

                if (part == 0)
                        (void) conf_parse_gateway(c, "gatewayd.conf", p, len, &d);
                else if (part == 1)
                        (void) conf_parse_profile(c, "p", "profiles.d/p.conf", p, len, &d);
                else {
                        snprintf(name, sizeof(name), "t%u", part - 2);
                        snprintf(path, sizeof(path), "tunnels.d/%s.conf", name);
                        (void) conf_parse_tunnel(c, name, path, p, len, &d);
                }
                part++;
                if (!sep)
                        break;
                p = sep + 4;
        }
        (void) conf_finish(c, &o, &d);
        (void) ikepolicy_check_config(c, &d);
        if (d.n_errors == 0 && ikepolicy_render_config(c, &root) == 0) {
                char *buf = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&buf, &n);

                if (f) {
                        (void) settings_print_swanctl(root, f);
                        fclose(f);
                }
                free(buf);
        }
        diag_sort(&d);
        for (size_t i = 0; i < d.n; i++)
                free(diag_format(&d.items[i]));
        return 0;
}
