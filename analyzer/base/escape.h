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
/* The same for text of several lines of our own making (a fix that sets a variable first): each line
 * escaped, the newlines between them kept. */
void escape_append_lines(StrBuf *out, const char *s, size_t len);
bool utf8_is_valid(const char *s, size_t len);
/* A JSON string of text from a log or the host: valid UTF-8, controls escaped as in every format. NULL
 * (errno set) without memory. */
struct json_object *json_text(const char *s);
/* The same for text of several lines of our own (a fix that sets a variable first): newlines kept. */
struct json_object *json_text_lines(const char *s);
/* The longest run of backticks in s (a Markdown fence must be longer). */
size_t escape_longest_backtick_run(const char *s, size_t len);

/* The last step before output is written: whatever an earlier step did not escape is escaped here, as
 * escape_append() would (C0 controls but newline and tab, DEL, C1 controls, invisible and bidirectional code
 * points, bytes that are not valid UTF-8). Text (a terminal, Markdown) keeps the colour sequences of the
 * text renderer when color is set; JSON has them escaped inside its strings, where a control written as
 * JSON's "\u001b" (or "\b", "\f", "\r") becomes the text "\x1b". Each such byte is counted in escaped:
 * one is a bug of the step that made the output, which the tests make fatal. A piece may end anywhere: what
 * it cuts (a UTF-8 sequence, an escape) waits in pending for the next piece, or is escaped if final. */
typedef struct EscapeSink {
        bool json, color;
        bool in_string; /* JSON: inside a string */
        char pending[16];
        size_t n_pending;
        size_t escaped;
} EscapeSink;

void escape_sink_init(EscapeSink *s, bool json, bool color);
void escape_sink_append(EscapeSink *s, StrBuf *out, const char *piece, size_t len, bool final);
