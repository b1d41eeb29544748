/* SPDX-License-Identifier: MIT */
/* Streaming lines from a file descriptor in bounded memory, a line too long cut at VX_LINE_MAX. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

int line_reader_init(LineReader *r, int fd) {
        *r = (LineReader){.fd = fd, .cap = VX_LINE_MAX + VX_READ_CHUNK};
        r->buf = malloc(r->cap);
        return r->buf ? 0 : -ENOMEM;
}

void line_reader_done(LineReader *r) {
        free(r->buf);
        r->buf = NULL;
        decompressor_free(r->decompressor);
        r->decompressor = NULL;
}

const char *line_reader_decompress_error(const LineReader *r) {
        return r->decompressor ? decompressor_error(r->decompressor) : NULL;
}

/* Line ends of what was read since the last look: the first one decides the input's (LineEnds); with
 * lone '\r's, each becomes '\n'. A '\r' last in the buffer waits for the next byte (is it "\r\n"?) unless
 * the input has ended. Once the input is known to end lines with '\n', nothing more is looked at. */
static void line_ends(LineReader *r) {
        size_t i = MAX(r->ends_checked, r->start);
        while (r->ends != LINE_ENDS_LF && i < r->end) {
                char *p = r->buf + i;
                size_t avail = r->end - i;
                char *cr = memchr(p, '\r', avail);
                if (r->ends == LINE_ENDS_UNKNOWN) {
                        char *nl = memchr(p, '\n', cr ? (size_t) (cr - p) : avail);
                        if (nl || !cr) {
                                /* A '\n' came first, or neither yet. */
                                if (nl)
                                        r->ends = LINE_ENDS_LF;
                                i = r->end;
                                break;
                        }
                }
                if (!cr) {
                        i = r->end;
                        break;
                }
                size_t at = (size_t) (cr - r->buf);
                if (at + 1 == r->end && !r->eof) {
                        i = at; /* its next byte is still to come */
                        break;
                }
                bool crlf = at + 1 < r->end && r->buf[at + 1] == '\n';
                if (r->ends == LINE_ENDS_UNKNOWN)
                        r->ends = crlf ? LINE_ENDS_LF : LINE_ENDS_CR;
                if (r->ends == LINE_ENDS_CR && !crlf)
                        *cr = '\n';
                i = at + 1;
        }
        r->ends_checked = r->ends == LINE_ENDS_LF ? r->end : i;
}

/* The input's bytes, or its text when it is compressed. */
static ssize_t read_some(LineReader *r) {
        if (r->decompressor)
                return decompressor_read(r->decompressor, r->buf + r->end, r->cap - r->end);
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        return n < 0 ? -errno : n;
}

/* The input's first bytes, as many as it takes to tell a compressed format's magic number from text (a
 * pipe may bring them a few at a time; text is not waited on past its first byte that no magic has). A
 * compressed input's bytes go to its decoder, and the buffer is refilled with the text. */
static int sniff(LineReader *r) {
        r->sniffed = true;
        while (r->end < COMPRESSION_MAGIC_MAX && !r->eof) {
                if (r->end > 0 && !compression_prefix(r->buf, r->end))
                        break;
                ssize_t n = read_some(r);
                if (n < 0) {
                        if (n == -EINTR)
                                continue;
                        return (int) n;
                }
                if (n == 0)
                        r->eof = true;
                r->end += (size_t) n;
        }
        r->compression = compression_detect(r->buf, r->end);
        if (r->compression == COMPRESSION_NONE)
                return 0;
        int k = decompressor_new(r->compression, r->fd, r->buf, r->end, &r->decompressor);
        r->end = 0;
        r->eof = false;
        return k;
}

static int fill(LineReader *r) {
        if (!r->sniffed) {
                int k = sniff(r);
                if (k < 0)
                        return k;
                if (r->end > 0 || r->eof) {
                        if (r->ends != LINE_ENDS_LF)
                                line_ends(r);
                        return 0;
                }
        }
        if (r->start > 0) {
                memmove(r->buf, r->buf + r->start, r->end - r->start);
                r->offset += r->start;
                r->end -= r->start;
                r->ends_checked = r->ends_checked > r->start ? r->ends_checked - r->start : 0;
                r->start = 0;
        }
        for (;;) {
                ssize_t n = read_some(r);
                if (n < 0) {
                        if (n == -EINTR)
                                continue;
                        return (int) n;
                }
                if (n == 0)
                        r->eof = true;
                r->end += (size_t) n;
                if (r->ends != LINE_ENDS_LF)
                        line_ends(r);
                return 0;
        }
}

/* Drops the tail of a line already returned cut: 1 to read on, 0 at the end of the input, or an error. */
static int skip_cut_tail(LineReader *r) {
        const char *base = r->buf + r->start;
        const char *nl = memchr(base, '\n', r->end - r->start);
        if (nl) {
                r->start += (size_t) (nl - base) + 1;
                r->skipping = false;
                return 1;
        }
        r->start = r->end;
        if (r->eof)
                return 0;
        int e = fill(r);
        return e < 0 ? e : 1;
}

int line_reader_next(LineReader *r, ReadLine *ret) {
        for (;;) {
                const char *base = r->buf + r->start;
                size_t avail = r->end - r->start;
                if (r->skipping) {
                        int k = skip_cut_tail(r);
                        if (k <= 0)
                                return k;
                        continue;
                }
                const char *nl = memchr(base, '\n', avail);
                if (nl && (size_t) (nl - base) <= VX_LINE_MAX) {
                        *ret = (ReadLine){.text = base,
                                          .len = (size_t) (nl - base),
                                          .lineno = ++r->lineno,
                                          .offset = r->offset + r->start};
                        r->start += (size_t) (nl - base) + 1;
                        return 1;
                }
                if (avail > VX_LINE_MAX) {
                        *ret = (ReadLine){.text = base,
                                          .len = VX_LINE_MAX,
                                          .lineno = ++r->lineno,
                                          .offset = r->offset + r->start,
                                          .cut = true};
                        r->start += VX_LINE_MAX;
                        r->skipping = true;
                        return 1;
                }
                if (r->eof) {
                        if (avail == 0)
                                return 0;
                        *ret = (ReadLine){.text = base,
                                          .len = avail,
                                          .lineno = ++r->lineno,
                                          .offset = r->offset + r->start};
                        r->start = r->end;
                        return 1;
                }
                int e = fill(r);
                if (e < 0)
                        return e;
        }
}

/* The longest prefix of base[0..avail) made of complete lines of at most VX_LINE_MAX bytes. Looking back
 * from the end of a window of VX_LINE_MAX + 1 bytes finds its last newline within a line's length, and every
 * line inside such a window is short enough. */
static size_t complete_lines(const char *base, size_t avail) {
        size_t done = 0;
        while (done < avail) {
                size_t win = MIN(avail - done, (size_t) VX_LINE_MAX + 1);
                const char *nl = memrchr(base + done, '\n', win);
                if (!nl)
                        break;
                done = (size_t) (nl - base) + 1;
        }
        return done;
}

int line_reader_next_block(LineReader *r, ReadBlock *ret) {
        for (;;) {
                const char *base = r->buf + r->start;
                size_t avail = r->end - r->start;

                if (r->skipping) {
                        int k = skip_cut_tail(r);
                        if (k <= 0)
                                return k;
                        continue;
                }
                size_t done = complete_lines(base, avail);
                if (done > 0) {
                        *ret = (ReadBlock){.text = base, .len = done, .offset = r->offset + r->start};
                        r->start += done;
                        return 1;
                }
                if (avail > VX_LINE_MAX) {
                        *ret = (ReadBlock){.text = base,
                                           .len = VX_LINE_MAX,
                                           .offset = r->offset + r->start,
                                           .single = true,
                                           .cut = true};
                        r->start += VX_LINE_MAX;
                        r->skipping = true;
                        return 1;
                }
                if (r->eof) {
                        if (avail == 0)
                                return 0;
                        *ret = (ReadBlock){
                                .text = base, .len = avail, .offset = r->offset + r->start, .single = true};
                        r->start = r->end;
                        return 1;
                }
                int e = fill(r);
                if (e < 0)
                        return e;
        }
}
