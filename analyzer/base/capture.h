/* SPDX-License-Identifier: MIT */
#pragma once

/* Values captured from log lines end up in fix commands that people paste into a root shell, and in
 * paths that probes open. Each capture name has a strict grammar; a value outside it is dropped. */

#include <stddef.h>

#include "vfioexplain/limits.h"
#include "vocab.h"

/* Validates and normalises (an address to 0000:01:00.0, hex ids to lower case) into out
 * (VX_CAPTURE_MAX + 1 bytes). Returns 0, or -EINVAL with out untouched. */
int capture_normalize(Var v, const char *s, size_t len, char out[static VX_CAPTURE_MAX + 1]);
