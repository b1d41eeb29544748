/* SPDX-License-Identifier: MIT */
#pragma once

/* A pattern whose cost on a crafted line is quadratic, found from its text: a '.' repeated without bound
 * ('.*', '.+', '.{n,}', greedy, lazy or possessive, or '\N' so repeated) that the matcher can restart.
 * Such a run is final when nothing after it can fail (only ')', '|' ending an alternative, and '$'), and
 * then harmless. A run that is not final is refused in a pattern not anchored (a leading '^' and no '|'
 * outside groups: every start position runs it to the end of the line again), in a lookaround other than
 * one right after the leading '^', and when it is the second such run of an anchored pattern (it runs again
 * for every length the first gives back). Returns 0, or -1 with the 0-based column of the run and why. */

#include <stddef.h>

int pattern_lint(const char *pattern, size_t *ret_col, const char **ret_why);
