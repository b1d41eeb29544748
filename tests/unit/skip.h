/* SPDX-License-Identifier: MIT */
#pragma once

/* A test that cannot run here (not root, a library or a tool missing) says why on stderr and is skipped;
 * the program then exits 77, which CTest shows as skipped (SKIP_RETURN_CODE in tests/CMakeLists.txt),
 * never as passed. Include after <cmocka.h>. */

#include <stdio.h>

static unsigned skipped_tests;

#define skip_loudly(test, why)                                                  \
        do {                                                                    \
                fprintf(stderr, "\n*** %s SKIPPED: %s ***\n\n", (test), (why)); \
                skipped_tests++;                                                \
                skip();                                                         \
        } while (0)

/* What main() returns after cmocka_run_group_tests() returned failed: 77 if all that ran passed but some
 * could not run. */
static inline int tests_exit_status(int failed) {
        if (failed == 0 && skipped_tests > 0) {
                fprintf(stderr, "*** %u test(s) SKIPPED (see above): exit status 77 ***\n", skipped_tests);
                return 77;
        }
        return failed;
}
