/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A neutral settings tree: sections, key/values and lists — the shape that
 * swanctl.conf and VICI messages share. ikepolicy renders a tunnel into it; the
 * swanctl.conf printer (here) and the VICI encoder (gatewayd) consume it, so the
 * policy code never depends on a wire format. */

#include <stdio.h>

#include "macro.h"

typedef enum SettingsKind {
        SETTINGS_SECTION,
        SETTINGS_VALUE,
        SETTINGS_LIST,
        _SETTINGS_KIND_MAX,
        _SETTINGS_KIND_INVALID = -EINVAL,
} SettingsKind;

typedef enum SettingsFlags {
        /* The value is secret: printed masked, wiped on free. With
         * SETTINGS_FILE, the secret is the first line of the named file. */
        SETTINGS_SECRET = 1 << 0,
        /* The value (or each list item) names a file; swanctl.conf takes the
         * path, a VICI message carries the file's contents. */
        SETTINGS_FILE = 1 << 1,
        /* With SETTINGS_FILE: the file is a private key, read as a secret
         * file (no symlink, owned by the secret owner, no group or other
         * access) and wiped after use. */
        SETTINGS_PRIVATE_KEY = 1 << 2,
} SettingsFlags;

typedef struct SettingsNode SettingsNode;
struct SettingsNode {
        SettingsKind kind;
        char *name;
        unsigned flags;
        char *value;             /* SETTINGS_VALUE */
        char **items;            /* SETTINGS_LIST */
        size_t n_items, n_items_allocated;
        SettingsNode **children; /* SETTINGS_SECTION, in insertion order */
        size_t n_children, n_children_allocated;
};

/* Returns a new empty section (the root has name NULL), or NULL on ENOMEM. */
SettingsNode *settings_new(const char *name);
/* Frees the tree (NULL-safe); secret values are wiped first. Returns NULL. */
SettingsNode *settings_free(SettingsNode *n);
DEFINE_TRIVIAL_CLEANUP_FUNC(SettingsNode *, settings_free);

/* Adds a subsection to s and returns it (owned by s), or NULL on ENOMEM.
 * Names are unique per section (VICI requires it); the renderer guarantees it. */
SettingsNode *settings_add_section(SettingsNode *s, const char *name);
int settings_set(SettingsNode *s, const char *key, const char *value, unsigned flags);
int settings_setf(SettingsNode *s, const char *key, const char *fmt, ...) _printf_(3, 4);
/* Adds a list key with n items (n may be 0 for an empty list). */
int settings_set_list(SettingsNode *s, const char *key, char *const *items, size_t n, unsigned flags);
int settings_list_append(SettingsNode *list, const char *item);

/* A deep copy of n (with its name), or NULL on ENOMEM. */
SettingsNode *settings_copy(const SettingsNode *n);
/* Removes the direct child called name from s and returns it (the caller
 * owns it), or NULL if there is none. */
SettingsNode *settings_detach(SettingsNode *s, const char *name);
/* Removes and frees the direct child called name; -ENOENT if there is none. */
int settings_remove(SettingsNode *s, const char *name);
/* Adds an existing node (taking ownership, also on failure) as a child of s. */
int settings_attach(SettingsNode *s, SettingsNode *child);

/* Whether two trees have the same shape, names, values and items (flags are
 * not compared: a decoded VICI message has none). */
bool settings_equal(const SettingsNode *a, const SettingsNode *b);

const SettingsNode *settings_get(const SettingsNode *s, const char *name);
/* Like settings_get, for a mutable tree. */
SettingsNode *settings_get_mutable(SettingsNode *s, const char *name);
/* Looks up a dotted path such as "connections.weu.children.weu.esp_proposals". */
const SettingsNode *settings_lookup(const SettingsNode *root, const char *path);

/* Prints the tree in swanctl.conf syntax. Secrets print as SETTINGS_MASK (the
 * tree never holds a secret itself: a SETTINGS_SECRET|SETTINGS_FILE value is
 * the path of the file it is read from when sent to charon).
 * Returns 0 or -errno from the stream. */
int settings_print_swanctl(const SettingsNode *root, FILE *f);

#define SETTINGS_MASK "<masked>"
