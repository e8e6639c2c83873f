/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers shared by the unit tests. Include after <cmocka.h>'s prerequisites. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/types.h>

#include "diag.h"
#include "model.h"

/* Asserts that d holds a diagnostic at path:line of the given level whose
 * message contains needle; prints every diagnostic when it does not. */
#define assert_diag(d, level, path, line, needle) \
        _assert_diag((d), (level), (path), (line), (needle), __FILE__, __LINE__)
void _assert_diag(const DiagList *d, DiagLevel level, const char *path, unsigned line,
                  const char *needle, const char *file, int fline);

/* Asserts that d holds no error (warnings allowed); prints them otherwise. */
#define assert_no_errors(d) _assert_no_errors((d), __FILE__, __LINE__)
void _assert_no_errors(const DiagList *d, const char *file, int fline);

/* A fresh temporary directory (mkdtemp under $TMPDIR or /tmp); caller frees
 * and removes it with th_rmtree(). */
char *th_mkdtemp(void);
/* Writes text to dir/rel with mode, creating parent dirs (0755). Returns the
 * malloc'd full path; aborts the test on failure. */
char *th_write_file(const char *dir, const char *rel, const char *text, mode_t mode);
/* rm -rf dir (it must be under the temp dir); frees nothing. */
void th_rmtree(const char *dir);
/* Runs argv (argv[0] a path or a name in PATH), waits, returns its exit
 * status or -errno; stdout/stderr go to /dev/null unless verbose. */
int th_run(char *const argv[]);

/* A Tunnel on the stack for shield tests: name, FailClosed, Enabled, MSS 1350
 * and up to two RemotePrefixes (NULL = none); the prefixes live in the struct. */
typedef struct TestTunnel {
        Tunnel t;
        Prefix prefixes[4];
} TestTunnel;
void th_tunnel_init(TestTunnel *tt, const char *name, bool fail_closed, bool enabled, const char *p0,
                    const char *p1);
