/* SPDX-License-Identifier: MIT */
/* /dev/kmsg, read and followed without blocking. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "kmsg.h"
#include "strparse.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

struct Kmsg {
        int fd;
        bool have_seq;
        uint64_t next_seq;
        uint64_t lost; /* EPIPE seen: lost records not yet accounted to a record */
        char buf[VX_KMSG_RECORD_MAX];
};

Kmsg *kmsg_free(Kmsg *k) {
        if (!k)
                return NULL;
        if (k->fd >= 0)
                close(k->fd);
        free(k);
        return NULL;
}

int kmsg_open(const char *path, bool at_end, Kmsg **ret) {
        Kmsg *k = calloc(1, sizeof(Kmsg));
        if (!k)
                return -ENOMEM;
        k->fd = file_open(AT_FDCWD, path, FILE_CHAR_DEVICE);
        if (k->fd < 0) {
                int r = k->fd;
                free(k);
                return r;
        }
        /* To the end by reading rather than by seeking: the last record's number is then known, so that
         * records overwritten before the first read are counted (EPIPE says only that some were). A
         * kernel that logs faster than this reads gets a seek after a bound, and an unknown count. */
        KmsgRecord rec;
        int r = 0;
        for (unsigned n = 0; at_end && (r = kmsg_next(k, &rec)) > 0; n++)
                if (n >= VX_KMSG_SKIP_MAX) {
                        r = lseek(k->fd, 0, SEEK_END) < 0 ? -errno : 0;
                        k->have_seq = false;
                        break;
                }
        if (r < 0) {
                kmsg_free(k);
                return r;
        }
        k->lost = 0;
        /* Like dmesg(1): start after the mark the last `dmesg -C` (SYSLOG_ACTION_CLEAR) left, which a
         * reader of /dev/kmsg sees only when it seeks to it; without one it is the oldest record. A
         * kernel without the mark refuses the seek, and reading then starts at the oldest record. */
        if (!at_end)
                (void) lseek(k->fd, 0, SEEK_DATA);
        *ret = k;
        return 0;
}

int kmsg_fd(const Kmsg *k) {
        return k->fd;
}

int kmsg_record_seq(const char *text, size_t len, uint64_t *ret) {
        Span s = span_make(text, len);
        uint64_t pri, seq;
        if (!span_eat_digits(&s, 1, 4, &pri) || !span_eat_char(&s, ',') ||
            !span_eat_digits(&s, 1, 20, &seq) || !span_eat_char(&s, ','))
                return -EINVAL;
        *ret = seq;
        return 0;
}

int kmsg_next(Kmsg *k, KmsgRecord *ret) {
        for (;;) {
                ssize_t n = read(k->fd, k->buf, sizeof(k->buf));
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                return 0;
                        if (errno == EPIPE) {
                                /* Overwritten before we read it; the next read returns the oldest left. How
                                 * many went is known from the next record's sequence number, if one was
                                 * read before. */
                                k->lost++;
                                continue;
                        }
                        return -errno;
                }
                if (n == 0)
                        return 0;
                size_t len = (size_t) n;
                const char *nl = memchr(k->buf, '\n', len);
                if (nl)
                        len = (size_t) (nl - k->buf);
                uint64_t seq;
                KmsgRecord r = {.text = k->buf, .len = len};
                if (kmsg_record_seq(k->buf, len, &seq) >= 0) {
                        r.seq = seq;
                        if (k->have_seq && seq > k->next_seq)
                                r.lost = seq - k->next_seq;
                        else if (k->lost)
                                r.lost = 1, r.lost_uncounted = true;
                        k->have_seq = true;
                        k->next_seq = seq + 1;
                } else if (k->lost)
                        r.lost = 1, r.lost_uncounted = true;
                k->lost = 0;
                *ret = r;
                return 1;
        }
}
