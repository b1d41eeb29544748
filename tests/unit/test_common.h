/* SPDX-License-Identifier: MIT */
#pragma once

/* cmocka needs these before it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "vfioexplain/analysis.h"
#include "vfioexplain/rules.h"

#ifndef VX_TEST_DATA
#error "VX_TEST_DATA must name tests/data"
#endif

/* n QEMU "group N is not viable" lines, each for another device and group: as many distinct symptoms. */
static inline void feed_distinct_symptoms(Analysis *a, unsigned n) {
        for (unsigned i = 0; i < n; i++) {
                char line[200];
                int len = snprintf(line, sizeof(line),
                                   "qemu-system-x86_64: vfio 0000:%02x:%02x.%u: group %u is not viable",
                                   i & 0xff, (i >> 8) & 0x1f, i % 8, i);
                assert_int_equal(analysis_feed(a, "t.log", i + 1, line, (size_t) len), 0);
        }
}

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

/* s in rows of width bytes, each but the last followed by blanks up to pitch: a terminal's wrap as a console
 * that pads its rows copies it. Rows that would not fit in cap bytes are left out. */
static inline const char *pad_rows(const char *s, size_t width, size_t pitch, char *out, size_t cap) {
        size_t o = 0, len = strlen(s);
        for (size_t at = 0; at < len && o + pitch + 1 < cap; at += width) {
                size_t n = len - at < width ? len - at : width;
                memcpy(out + o, s + at, n);
                o += n;
                for (size_t k = n; at + n < len && k < pitch; k++)
                        out[o++] = ' ';
        }
        out[o] = '\0';
        return out;
}
