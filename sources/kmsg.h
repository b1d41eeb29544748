/* SPDX-License-Identifier: MIT */
#pragma once

/* Reading the kernel log as /dev/kmsg hands it out: one record per read(2), "PRI,SEQ,USEC,FLAGS;MESSAGE"
 * then dictionary lines (Documentation/ABI/testing/dev-kmsg). A record the ring buffer overwrote before
 * it was read makes read(2) fail with EPIPE once; those are counted and reading goes on. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Kmsg Kmsg;

typedef struct KmsgRecord {
        const char
                *text; /* the record's first line, "6,1234,5678901,-;message"; valid until the next read */
        size_t len;
        uint64_t seq;
        uint64_t lost; /* records lost just before this one */
        bool lost_uncounted; /* some were lost, how many is not known (lost is 1) */
} KmsgRecord;

/* Opens path (normally /dev/kmsg) non-blocking; with at_end, only records logged from now on are read. */
int kmsg_open(const char *path, bool at_end, Kmsg **ret);
Kmsg *kmsg_free(Kmsg *k);
int kmsg_fd(const Kmsg *k);

/* 1 and a record, 0 when none is available now, or a negative errno. */
int kmsg_next(Kmsg *k, KmsgRecord *ret);

/* The sequence number of a record's text ("PRI,SEQ,..."); -EINVAL if it has none. Does no I/O. */
int kmsg_record_seq(const char *text, size_t len, uint64_t *ret);
