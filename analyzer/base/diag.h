/* SPDX-License-Identifier: MIT */
#pragma once

/* Diagnostics collected by library code for its caller to print: library code never prints. */

#include <stddef.h>

#include "vfioexplain/macro.h"

typedef struct Diag {
        char **lines;
        size_t n, cap;
        size_t dropped; /* messages beyond the cap, counted only */
} Diag;

void diag_addf(Diag *d, const char *fmt, ...) _printf_(2, 3);
void diag_done(Diag *d);
