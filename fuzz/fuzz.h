/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared by the fuzz harnesses (fuzz/README.md). Each harness defines LLVMFuzzerTestOneInput; it is linked
 * either with libFuzzer (-DVX_FUZZ=ON) or with replay_main.c, which runs every corpus file once. A
 * harness checks the properties the issue asks for itself and aborts when one fails: a sanitizer report
 * or an abort is a finding either way. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* A harness's setup, once before the first input (optional: libFuzzer and replay_main.c call it if it is
 * defined): what it does is not timed as an input's run. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define FUZZ_CHECK(cond)                                                                         \
        do {                                                                                     \
                if (!(cond)) {                                                                   \
                        fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                        abort();                                                                 \
                }                                                                                \
        } while (0)

/* Whether s[0..len) is fit for a terminal: no C0 control but newline and tab, no DEL, no C1 control
 * (U+0080..U+009F) and no bidirectional override (U+202A..U+202E, U+2066..U+2069). */
static inline int fuzz_terminal_safe(const char *s, size_t len) {
        const unsigned char *p = (const unsigned char *) s;
        for (size_t i = 0; i < len; i++) {
                if ((p[i] < 0x20 && p[i] != '\n' && p[i] != '\t') || p[i] == 0x7f)
                        return 0;
                if (p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
                        return 0;
                if (p[i] == 0xe2 && i + 2 < len &&
                    ((p[i + 1] == 0x80 && p[i + 2] >= 0xaa && p[i + 2] <= 0xae) ||
                     (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
                        return 0;
        }
        return 1;
}
