/* SPDX-License-Identifier: MIT */
#pragma once

/* Nothing from a log reaches a terminal or a document unescaped: C0 and C1 controls, DEL, invisible and
 * bidirectional code points and bytes that are not valid UTF-8 are written as \xNN (as journalctl does);
 * the result is valid UTF-8. */

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

void escape_append(StrBuf *out, const char *s, size_t len);
/* Whether escape_append() would change s: a control, an invisible or bidirectional code point, bad UTF-8. */
bool escape_needed(const char *s, size_t len);
bool utf8_is_valid(const char *s, size_t len);
/* The longest run of backticks in s (a Markdown fence must be longer). */
size_t escape_longest_backtick_run(const char *s, size_t len);
