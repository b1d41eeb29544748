/* SPDX-License-Identifier: MIT */
#pragma once

/* The fields of one `journalctl -o json` line that classification needs. */

#include <stdbool.h>
#include <stddef.h>

#include "strparse.h"

#include "vfioexplain/line.h"

typedef struct JournalJsonFields {
        LineFields fields; /* message decoded into the caller's scratch buffer */
        struct json_object *root; /* owns the other spans */
} JournalJsonFields;

/* Parses one JSON object of buf[0..len). MESSAGE may be a string or journald's byte array (for
 * non-UTF-8 text); it is copied to scratch (at most scratch_max bytes, cut beyond). The other fields kept
 * are cut at VX_JOURNAL_FIELD_MAX bytes, on a UTF-8 character boundary. Returns 0, or
 * -EINVAL if the line is not a journal JSON entry with a MESSAGE. */
int journal_json_parse(const char *buf, size_t len, char *scratch, size_t scratch_max, JournalJsonFields *f);

/* _TRANSPORT=kernel or audit: the kernel wrote the entry. */
bool line_transport_is_kernel(Span transport);
/* PRIORITY=0..7 as journald stores it, -1 otherwise. */
int line_priority_of(Span priority);
