/* SPDX-License-Identifier: MIT */
#pragma once

/* Streams lines from a file descriptor with bounded memory: a line longer than VX_LINE_MAX is cut
 * there and the rest of it skipped; the caller is told. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct LineReader {
        int fd;
        char *buf;
        size_t cap, start, end;
        bool eof, skipping;
        unsigned long lineno;
        uint64_t offset; /* bytes consumed before buf[start] */
} LineReader;

int line_reader_init(LineReader *r, int fd);
void line_reader_done(LineReader *r);

typedef struct ReadLine {
        const char *text; /* not NUL terminated; may contain NUL bytes */
        size_t len;
        unsigned long lineno;
        uint64_t offset; /* of the line's first byte in the input */
        bool cut; /* the line was longer than VX_LINE_MAX */
} ReadLine;

/* Returns 1 and a line, 0 at end of input, or a negative errno from read(2).
 * The line stays valid until the next call. */
int line_reader_next(LineReader *r, ReadLine *ret);
