/* SPDX-License-Identifier: MIT */
#pragma once

/* cmocka needs these before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vfioexplain/rules.h"

#ifndef VX_TEST_DATA
#error "VX_TEST_DATA must name tests/data"
#endif

static inline RuleSet *load_unit_rules(void) {
        char *paths[] = {(char *) VX_TEST_DATA "/unit.rules"};
        Diag d = {0};
        RuleSet *rs = NULL;
        int r = ruleset_load_files(paths, 1, &d, &rs);
        for (size_t i = 0; i < d.n; i++)
                print_error("%s\n", d.lines[i]);
        diag_done(&d);
        assert_int_equal(r, 0);
        return rs;
}
