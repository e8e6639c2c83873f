/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "settings.h"

static void free_secret(char *s, unsigned flags) {
        if (s && (flags & SETTINGS_SECRET))
                explicit_bzero(s, strlen(s));
        free(s);
}

SettingsNode *settings_free(SettingsNode *n) {
        if (!n)
                return NULL;
        free(n->name);
        free_secret(n->value, n->flags);
        for (size_t i = 0; i < n->n_items; i++)
                free_secret(n->items[i], n->flags);
        free(n->items);
        for (size_t i = 0; i < n->n_children; i++)
                settings_free(n->children[i]);
        free(n->children);
        free(n);
        return NULL;
}

static SettingsNode *node_new(SettingsKind kind, const char *name, unsigned flags) {
        _cleanup_(settings_freep) SettingsNode *n = calloc(1, sizeof(SettingsNode));

        if (!n)
                return NULL;
        n->kind = kind;
        n->flags = flags;
        if (name) {
                n->name = strdup(name);
                if (!n->name)
                        return NULL;
        }
        return TAKE_PTR(n);
}

SettingsNode *settings_new(const char *name) {
        return node_new(SETTINGS_SECTION, name, 0);
}

/* Returns array (n elements of size used) with room for one more, grown by
 * doubling: a decoded VICI message may hold VICI_MAX_ELEMENTS items, and one
 * realloc per item would copy O(n^2) (every time, under ASan). NULL on ENOMEM,
 * array untouched. */
static void *grow(void *array, size_t n, size_t *allocated, size_t size) {
        size_t a;
        void *p;

        if (n < *allocated)
                return array;
        a = n < 4 ? 4 : n * 2;
        p = reallocarray(array, a, size);
        if (!p)
                return NULL;
        *allocated = a;
        return p;
}

/* Takes ownership of child, also on failure. */
int settings_attach(SettingsNode *s, SettingsNode *child) {
        SettingsNode **n;

        if (!child)
                return -ENOMEM;
        n = grow(s->children, s->n_children, &s->n_children_allocated, sizeof(SettingsNode *));
        if (!n) {
                settings_free(child);
                return -ENOMEM;
        }
        s->children = n;
        s->children[s->n_children++] = child;
        return 0;
}

SettingsNode *settings_add_section(SettingsNode *s, const char *name) {
        SettingsNode *c = node_new(SETTINGS_SECTION, name, 0);

        if (settings_attach(s, c) < 0)
                return NULL;
        return c;
}

int settings_set(SettingsNode *s, const char *key, const char *value, unsigned flags) {
        _cleanup_(settings_freep) SettingsNode *v = node_new(SETTINGS_VALUE, key, flags);

        if (!v)
                return -ENOMEM;
        v->value = strdup(value);
        if (!v->value)
                return -ENOMEM;
        return settings_attach(s, TAKE_PTR(v));
}

int settings_setf(SettingsNode *s, const char *key, const char *fmt, ...) {
        _cleanup_free_ char *v = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&v, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return settings_set(s, key, v, 0);
}

int settings_list_append(SettingsNode *list, const char *item) {
        char **n, *d;

        d = strdup(item);
        if (!d)
                return -ENOMEM;
        n = grow(list->items, list->n_items, &list->n_items_allocated, sizeof(char *));
        if (!n) {
                free_secret(d, list->flags);
                return -ENOMEM;
        }
        list->items = n;
        list->items[list->n_items++] = d;
        return 0;
}

int settings_set_list(SettingsNode *s, const char *key, char *const *items, size_t n, unsigned flags) {
        _cleanup_(settings_freep) SettingsNode *l = node_new(SETTINGS_LIST, key, flags);
        int r;

        if (!l)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                r = settings_list_append(l, items[i]);
                if (r < 0)
                        return r;
        }
        return settings_attach(s, TAKE_PTR(l));
}

SettingsNode *settings_copy(const SettingsNode *n) {
        _cleanup_(settings_freep) SettingsNode *c = node_new(n->kind, n->name, n->flags);
        int r;

        if (!c)
                return NULL;
        if (n->value) {
                c->value = strdup(n->value);
                if (!c->value)
                        return NULL;
        }
        for (size_t i = 0; i < n->n_items; i++)
                if (settings_list_append(c, n->items[i]) < 0)
                        return NULL;
        for (size_t i = 0; i < n->n_children; i++) {
                r = settings_attach(c, settings_copy(n->children[i]));
                if (r < 0)
                        return NULL;
        }
        return TAKE_PTR(c);
}

SettingsNode *settings_detach(SettingsNode *s, const char *name) {
        for (size_t i = 0; i < s->n_children; i++)
                if (streq_ptr(s->children[i]->name, name)) {
                        SettingsNode *c = s->children[i];

                        memmove(s->children + i, s->children + i + 1,
                                (s->n_children - i - 1) * sizeof(SettingsNode *));
                        s->n_children--;
                        return c;
                }
        return NULL;
}

int settings_remove(SettingsNode *s, const char *name) {
        SettingsNode *c = settings_detach(s, name);

        if (!c)
                return -ENOENT;
        settings_free(c);
        return 0;
}

bool settings_equal(const SettingsNode *a, const SettingsNode *b) {
        if (a->kind != b->kind || !streq_ptr(a->name, b->name) || !streq_ptr(a->value, b->value) ||
            a->n_items != b->n_items || a->n_children != b->n_children)
                return false;
        for (size_t i = 0; i < a->n_items; i++)
                if (!streq(a->items[i], b->items[i]))
                        return false;
        for (size_t i = 0; i < a->n_children; i++)
                if (!settings_equal(a->children[i], b->children[i]))
                        return false;
        return true;
}

SettingsNode *settings_get_mutable(SettingsNode *s, const char *name) {
        return (SettingsNode *) settings_get(s, name);
}

const SettingsNode *settings_get(const SettingsNode *s, const char *name) {
        if (!s || s->kind != SETTINGS_SECTION)
                return NULL;
        for (size_t i = 0; i < s->n_children; i++)
                if (streq_ptr(s->children[i]->name, name))
                        return s->children[i];
        return NULL;
}

const SettingsNode *settings_lookup(const SettingsNode *root, const char *path) {
        const SettingsNode *n = root;
        const char *p = path;

        while (n && *p) {
                const char *dot = strchr(p, '.');
                size_t len = dot ? (size_t) (dot - p) : strlen(p);
                char name[256];

                if (len >= sizeof(name))
                        return NULL;
                memcpy(name, p, len);
                name[len] = 0;
                n = settings_get(n, name);
                p += len + (dot ? 1 : 0);
        }
        return n;
}

/* swanctl.conf values run to the end of the line; quote anything that is not a
 * plain token so that identities such as "C=US, O=Example, CN=gw" survive, and
 * list items that contain a comma are not split. */
static bool needs_quotes(const char *v) {
        if (!*v)
                return true;
        for (const char *c = v; *c; c++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:/%@=-+", *c))
                        return true;
        return false;
}

static void print_value(FILE *f, const char *v) {
        if (!needs_quotes(v)) {
                fputs(v, f);
                return;
        }
        fputc('"', f);
        for (const char *c = v; *c; c++) {
                if (*c == '"' || *c == '\\')
                        fputc('\\', f);
                fputc(*c, f);
        }
        fputc('"', f);
}

static void print_node(const SettingsNode *n, FILE *f, unsigned depth) {
        for (unsigned i = 0; i < depth; i++)
                fputs("    ", f);
        switch (n->kind) {
        case SETTINGS_SECTION:
                fprintf(f, "%s {\n", n->name);
                for (size_t i = 0; i < n->n_children; i++)
                        print_node(n->children[i], f, depth + 1);
                for (unsigned i = 0; i < depth; i++)
                        fputs("    ", f);
                fputs("}\n", f);
                break;
        case SETTINGS_VALUE:
                fprintf(f, "%s = ", n->name);
                if (n->flags & SETTINGS_SECRET)
                        fputs(SETTINGS_MASK, f);
                else
                        print_value(f, n->value);
                fputc('\n', f);
                break;
        case SETTINGS_LIST:
                fprintf(f, "%s = ", n->name);
                for (size_t i = 0; i < n->n_items; i++) {
                        if (i > 0)
                                fputs(", ", f);
                        if (n->flags & SETTINGS_SECRET)
                                fputs(SETTINGS_MASK, f);
                        else
                                print_value(f, n->items[i]);
                }
                fputc('\n', f);
                break;
        default:
                break;
        }
}

int settings_print_swanctl(const SettingsNode *root, FILE *f) {
        /* The root is nameless: print its children at top level. */
        for (size_t i = 0; i < root->n_children; i++)
                print_node(root->children[i], f, 0);
        if (fflush(f) != 0 || ferror(f))
                return -errno ?: -EIO;
        return 0;
}
