/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>

#include "conf.h"
#include "fileio.h"
#include "log.h"
#include "owned.h"
#include "write-file.h"

#define OWNED_FILE "owned-connections"
#define OWNED_MAX_SIZE (CONF_MAX_TUNNELS * (NAME_MAX_LEN + 1))

void owned_clear(Owned *o) {
        for (size_t i = 0; i < o->n; i++)
                free(o->names[i]);
        free(o->names);
        free(o->path);
        *o = (Owned) {};
}

/* The names are kept sorted: the position of name, or where it would go. */
static size_t position(const Owned *o, const char *name, bool *ret_found) {
        size_t lo = 0, hi = o->n;

        /* Loads come in the config's (name) order: the end first. */
        if (o->n > 0 && strcmp(o->names[o->n - 1], name) < 0) {
                *ret_found = false;
                return o->n;
        }
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int k = strcmp(o->names[mid], name);

                if (k == 0) {
                        *ret_found = true;
                        return mid;
                }
                if (k < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *ret_found = false;
        return lo;
}

bool owned_has(const Owned *o, const char *name) {
        bool found;

        (void) position(o, name, &found);
        return found;
}

int owned_add(Owned *o, const char *name) {
        bool found;
        size_t i = position(o, name, &found);
        char **n, *copy;

        if (found)
                return 0;
        if (o->n == o->n_allocated) {
                size_t m = o->n_allocated ? o->n_allocated * 2 : 16;

                n = reallocarray(o->names, m, sizeof(char *));
                if (!n)
                        return -ENOMEM;
                o->names = n;
                o->n_allocated = m;
        }
        copy = strdup(name);
        if (!copy)
                return -ENOMEM;
        memmove(o->names + i + 1, o->names + i, (o->n - i) * sizeof(char *));
        o->names[i] = copy;
        o->n++;
        o->dirty = true;
        return 0;
}

void owned_remove(Owned *o, const char *name) {
        bool found;
        size_t i = position(o, name, &found);

        if (!found)
                return;
        free(o->names[i]);
        memmove(o->names + i, o->names + i + 1, (o->n - i - 1) * sizeof(char *));
        o->n--;
        o->dirty = true;
}

int owned_load(Owned *o, const char *status_file) {
        const ReadFileOptions ro = { .flags = READ_FILE_NOFOLLOW, .max_size = OWNED_MAX_SIZE };
        _cleanup_free_ char *copy = strdup(status_file), *data = NULL;
        size_t size = 0;
        int r;

        *o = (Owned) {};
        if (!copy || asprintf(&o->path, "%s/" OWNED_FILE, dirname(copy)) < 0) {
                o->path = NULL;
                return -ENOMEM;
        }
        r = read_full_file_at(AT_FDCWD, o->path, &ro, &data, &size, NULL);
        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_warning("%s: %s; taking no connection of charon as gatewayd's", o->path, strerror(-r));
                return 0;
        }
        for (char *line = data, *end; line < data + size; line = end + 1) {
                end = memchr(line, '\n', (size_t) (data + size - line));
                if (!end)
                        break; /* a torn last line is not a name */
                *end = 0;
                if (!conf_name_is_valid(line)) {
                        log_warning("%s: ignoring a line that is not a tunnel name", o->path);
                        continue;
                }
                r = owned_add(o, line);
                if (r < 0)
                        return r;
        }
        o->dirty = false;
        return 0;
}

int owned_save(Owned *o) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f;
        int r;

        if (!o->dirty || !o->path)
                return 0;
        f = open_memstream(&text, &len);
        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < o->n; i++)
                fprintf(f, "%s\n", o->names[i]);
        if (fclose(f) != 0)
                return -ENOMEM;
        r = write_file_atomic(o->path, text ? text : "", len, 0644);
        if (r < 0)
                return log_internal(LOG_WARNING, r, "Failed to write %s: %m", o->path);
        o->dirty = false;
        return 0;
}
