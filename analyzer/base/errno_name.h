/* SPDX-License-Identifier: MIT */
#pragma once

/* Conditions of rule files name an errno symbolically (EBUSY); logs print it as -16, 16, EBUSY or
 * "Device or resource busy". */

#include <stdbool.h>
#include <stddef.h>

/* The symbolic name ("EBUSY") of s[0..len) in any of those forms, blanks around it ignored; NULL for a
 * value that is none of them. The name is a static string. */
const char *errno_name_of(const char *s, size_t len);
/* Whether name is a symbolic name errno_name_of() can return. */
bool errno_name_known(const char *name);
