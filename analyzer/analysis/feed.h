/* SPDX-License-Identifier: MIT */
#pragma once

/* Reading a text input into an analysis, the way Suricata's detect engine reads traffic: one multi-literal
 * pass over each large buffer finds the few lines that hold a rule's literal (or the kernel's boot banner);
 * only those are classified and matched, the others are counted. The result is the one feeding every line
 * to analysis_feed() would give. */

#include <stdbool.h>
#include <stdint.h>

#include "vfioexplain/analysis.h"

typedef struct FeedReport {
        uint64_t cut; /* lines longer than VX_LINE_MAX, cut there */
        uint64_t nul_lines; /* lines with NUL bytes past the first 4096 bytes: skipped */
        uint64_t bad_utf8; /* lines that are not valid UTF-8 */
        unsigned long binary_line; /* the line with a NUL byte in the first 4096 bytes, 0 if none */
        bool journal_file; /* the input is a binary systemd journal file */
        const char *compression; /* "gzip", "xz", "zstd": the input was read decompressed; NULL for text */
        const char *decompress_error; /* after an error of a compressed input: what was wrong, in words */
} FeedReport;

/* Reads fd to its end (decompressed, when it is gzip, xz or zstd data) and feeds its lines to a under the
 * name input. Returns 0; -EINVAL for binary input (ret says why; nothing more is read); -ENOMEM; a negative
 * errno from read(2); or decompressor_read()'s -EBADMSG, -EFBIG, -E2BIG, and -EOPNOTSUPP when the
 * library of its format cannot be loaded (ret->decompress_error says why). ret is filled in either case. */
int analysis_feed_fd(Analysis *a, const char *input, int fd, FeedReport *ret);

/* The same, calling progress (if not NULL) after each block with the bytes read so far. */
typedef void (*feed_progress_fn)(uint64_t bytes, void *userdata);
int analysis_feed_fd_progress(Analysis *a, const char *input, int fd, feed_progress_fn progress,
                              void *userdata, FeedReport *ret);
