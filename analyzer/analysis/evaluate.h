/* SPDX-License-Identifier: MIT */
#pragma once

/* Evaluating the conditions of rule files (docs/rule-format.md "Conditions") within an analysis. */

#include <stdbool.h>

#include "vfioexplain/analysis.h"
#include "vfioexplain/rules.h"

/* Where a condition is asked: the captures of a line (or a cause), the device it is about ("" none), its
 * boot, and the line itself (input NULL: no one line, as for a cause). */
typedef struct CondPlace {
        char *const *vars; /* _VAR_CAPTURE_MAX slots, NULL for none */
        const char *device;
        unsigned epoch;
        const char *input;
        unsigned long line;
        bool line_known; /* via is the line's (for a cause: no one line, via= does not hold) */
        unsigned via; /* 1 << ViaKind */
} CondPlace;

/* Every term holds at p. A term about what is not known does not hold. */
bool condition_holds(const Analysis *a, const Condition *cond, const CondPlace *p);
