/* SPDX-License-Identifier: MIT */
#pragma once

/* Streams lines from a file descriptor with bounded memory: a line longer than VX_LINE_MAX is cut
 * there and the rest of it skipped; the caller is told. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decompress.h"

/* How an input ends its lines, told by the first line end in it: '\n' (and "\r\n", whose '\r' the classifier
 * drops), or a lone '\r' (classic Mac OS, some web pastes), which the reader turns into '\n' as it reads so
 * that every reader of the buffer sees the same lines. */
typedef enum LineEnds {
        LINE_ENDS_UNKNOWN,
        LINE_ENDS_LF,
        LINE_ENDS_CR,
} LineEnds;

typedef struct LineReader {
        int fd;
        char *buf;
        size_t cap, start, end;
        size_t ends_checked; /* buf[start..ends_checked) has had its line ends looked at */
        LineEnds ends;
        bool eof, skipping;
        unsigned long lineno;
        uint64_t offset; /* bytes consumed before buf[start] */
        /* An input that starts with a compressed format's magic number is read through its decoder: the
         * lines, offsets and bytes are those of the text it holds. */
        bool sniffed;
        Compression compression;
        Decompressor *decompressor;
} LineReader;

int line_reader_init(LineReader *r, int fd);
void line_reader_done(LineReader *r);

/* After an error of a compressed input: what was wrong with it in a few words (static text), else NULL. */
const char *line_reader_decompress_error(const LineReader *r);

typedef struct ReadLine {
        const char *text; /* not NUL terminated; may contain NUL bytes */
        size_t len;
        unsigned long lineno;
        uint64_t offset; /* of the line's first byte in the input */
        bool cut; /* the line was longer than VX_LINE_MAX */
} ReadLine;

/* Returns 1 and a line, 0 at end of input, or a negative errno from read(2) or from decompressor_read().
 * The line stays valid until the next call. */
int line_reader_next(LineReader *r, ReadLine *ret);

/* Lines in bulk, for the literal prefilter to scan a whole buffer at once: either many complete lines
 * (each ending in '\n', none longer than VX_LINE_MAX), or one line (single: cut at VX_LINE_MAX, or the
 * last line of the input without a newline, len without its newline). The reader does not number them:
 * the caller counts the newlines of a block (block_scan()) and one for a single line. A reader is read
 * either by lines or by blocks, not both. */
typedef struct ReadBlock {
        const char *text;
        size_t len;
        uint64_t offset; /* of text[0] in the input */
        bool single;
        bool cut;
} ReadBlock;

/* Returns 1 and a block, 0 at end of input, or a negative errno as line_reader_next(). Valid until the next
 * call. */
int line_reader_next_block(LineReader *r, ReadBlock *ret);
