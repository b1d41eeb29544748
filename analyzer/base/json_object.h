/* SPDX-License-Identifier: MIT */
#pragma once

/* One JSON object read from a line of a log: the journal's export lines, a QMP reply, an application's JSON
 * log record. Each line is exactly one object; a text that only starts with one is not one. */

#include <stddef.h>

struct json_object;

/* Parses buf[0, len) as exactly one JSON object nested at most depth deep. On success returns 0 and stores
 * the object (the caller puts it) in *ret; -EINVAL when the text is not one whole object (bytes after it, an
 * unfinished text, another JSON type, too deep), -ENOMEM. *ret is untouched on failure. */
int json_object_parse_whole(const char *buf, size_t len, int depth, struct json_object **ret);
