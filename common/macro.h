/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small ownership and utility macros shared by every module. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define _warn_unused_result_ __attribute__((warn_unused_result))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand over ownership: returns the value and clears the variable so that its
 * _cleanup_ handler does nothing. */
#define TAKE_PTR(p)                                  \
        ({                                           \
                __typeof__(p) _ptr_ = (p);           \
                (p) = NULL;                          \
                _ptr_;                               \
        })
#define TAKE_FD(fd)                                  \
        ({                                           \
                int _fd_ = (fd);                     \
                (fd) = -EBADF;                       \
                _fd_;                                \
        })

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}
static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}
static inline bool isempty(const char *s) {
        return !s || !*s;
}

/* Cleanup handlers reset what they released (NULL, -EBADF), so a second call,
 * or a later look at the variable, sees nothing to release. */
static inline void freep(void *p) {
        free(*(void **) p);
        *(void **) p = NULL;
}
static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
        *f = NULL;
}
static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
        *fd = -EBADF;
}

/* Declares FUNC##p(TYPE *p) that calls FUNC(*p) and resets *p to NULL, for
 * _cleanup_. TYPE is a pointer type. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)      \
        static inline void func##p(type *p) {        \
                if (*p)                              \
                        func(*p);                    \
                *p = NULL;                           \
        }

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

/* Defines NAME_to_string(TYPE) and NAME_from_string(const char *) over
 * `static const char *const NAME_table[_X_MAX]` (designated initialisers;
 * holes allowed). to_string returns NULL for a value outside the table or a
 * hole; from_string compares case-sensitively and returns -EINVAL (the enum's
 * _X_INVALID) for NULL or an unknown string. The header declares both. */
#define DEFINE_STRING_TABLE(name, type)                                         \
        const char *name##_to_string(type v) {                                  \
                if ((int) v < 0 || (size_t) v >= ELEMENTSOF(name##_table))      \
                        return NULL;                                            \
                return name##_table[v];                                         \
        }                                                                       \
        type name##_from_string(const char *s) {                                \
                if (!s)                                                         \
                        return (type) -EINVAL;                                  \
                for (size_t i = 0; i < ELEMENTSOF(name##_table); i++)           \
                        if (name##_table[i] && streq(name##_table[i], s))       \
                                return (type) i;                                \
                return (type) -EINVAL;                                          \
        }
