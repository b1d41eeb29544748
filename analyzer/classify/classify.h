/* SPDX-License-Identifier: MIT */
#pragma once

/* The line classifier: which software printed a line, in which format (vfioexplain/line.h). */

#include <stddef.h>

#include "vfioexplain/line.h"

typedef struct LineClassifier LineClassifier;

int line_classifier_new(LineClassifier **ret);
LineClassifier *line_classifier_free(LineClassifier *c);

/* Classifies buf[0..len) (no newline). Never fails: an unrecognised line is FORMAT_BARE.
 * The result stays valid until the next call or until buf changes. */
void line_classify(LineClassifier *c, const char *buf, size_t len, Line *ret);

/* The length of the dmesg stamp ("[    1.234567]") that buf[0..len) starts with, 0 if none. Of a line that
 * starts with one, line_classify() reads the stamp for stamp and mono only: two such lines with the same
 * bytes after it classify alike in all else. */
size_t line_dmesg_stamp_len(const char *buf, size_t len);

/* Makes every view of l the guest's: a line of a file given with --guest is the VM's, not the host's,
 * whatever its format. */
void line_as_guest(Line *l);

/* Classifies a journal entry by its fields. The result points into f's spans. */
void line_classify_fields(const LineFields *f, Line *ret);

/* The fields of the journal JSON line l was classified from (valid as long as l), NULL for other lines. */
const LineFields *line_classifier_json_fields(const LineClassifier *c, const Line *l);

const char *source_to_string(Source s);
int source_from_string(const char *s, size_t len);
const char *line_format_to_string(LineFormat f);
