/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vfioexplain/limits.h"
#include "vfioexplain/reader.h"

int line_reader_init(LineReader *r, int fd) {
        *r = (LineReader){.fd = fd, .cap = VX_LINE_MAX + VX_READ_CHUNK};
        r->buf = malloc(r->cap);
        return r->buf ? 0 : -ENOMEM;
}

void line_reader_done(LineReader *r) {
        free(r->buf);
        r->buf = NULL;
}

static int fill(LineReader *r) {
        if (r->start > 0) {
                memmove(r->buf, r->buf + r->start, r->end - r->start);
                r->offset += r->start;
                r->end -= r->start;
                r->start = 0;
        }
        for (;;) {
                ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        r->eof = true;
                r->end += (size_t) n;
                return 0;
        }
}

int line_reader_next(LineReader *r, ReadLine *ret) {
        for (;;) {
                const char *base = r->buf + r->start;
                size_t avail = r->end - r->start;
                const char *nl = memchr(base, '\n', avail);

                if (r->skipping) {
                        /* The tail of a line already returned cut. */
                        if (nl) {
                                r->start += (size_t) (nl - base) + 1;
                                r->skipping = false;
                                continue;
                        }
                        r->start = r->end;
                        if (r->eof)
                                return 0;
                        int e = fill(r);
                        if (e < 0)
                                return e;
                        continue;
                }
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
