/* SPDX-License-Identifier: MIT */
#pragma once

/* Redaction of a report before it is shared: host names, user names, MAC addresses, serial numbers,
 * UUIDs and 32-hex-digit ids (machine and boot ids) become tokens such as "[redacted-host-1]". The same
 * value always gets the same token within one Redactor, so a redacted report still says "the same host"
 * where the original did. Does no I/O. */

#include <stddef.h>

#include "strbuf.h"
#include "vfioexplain/macro.h"

typedef enum RedactKind {
        REDACT_HOST,
        REDACT_USER,
        REDACT_MAC,
        REDACT_SERIAL,
        REDACT_UUID,
        REDACT_ID,
        _REDACT_KIND_MAX,
} RedactKind;

typedef struct Redactor Redactor;

int redactor_new(Redactor **ret);
Redactor *redactor_free(Redactor *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(Redactor *, redactor_free);

/* A value known to be secret (the host's name, a login user's name), replaced wherever it occurs as
 * a whole word. Values shorter than 2 bytes are ignored (they would eat ordinary text), and so are values
 * with a newline, which no word holds (and which would keep redactor_apply() from working by lines).
 * -E2BIG when VX_REDACT_VALUES_MAX distinct values are held already (redactor_learn() and redactor_apply()
 * too, for the values they find): a report with more is not written redacted. */
int redactor_add(Redactor *r, RedactKind kind, const char *value, size_t len);

/* Learns what text shows to be secret without being told (user names of /home/NAME paths, serial
 * numbers after their keywords), so that every later occurrence is replaced too. */
int redactor_learn(Redactor *r, const char *text, size_t len);

/* Appends text to out with every secret replaced: the values added or learned, and anything shaped
 * like a MAC address, a UUID or a 32-hex-digit id. Text cut just after a newline gives, piece after piece,
 * what it gives whole (no secret holds a newline, which ends a word as the end of the text does): a
 * document can be redacted and written out a piece at a time. */
int redactor_apply(Redactor *r, const char *text, size_t len, StrBuf *out);

/* How many distinct values of kind were replaced so far. */
size_t redactor_count(const Redactor *r, RedactKind kind);
const char *redact_kind_to_string(RedactKind k);
