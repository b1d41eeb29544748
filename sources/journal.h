/* SPDX-License-Identifier: MIT */
#pragma once

/* The systemd journal through sd-journal: the local journal, journal files, or a directory of them
 * (also the per-host files systemd-journal-remote writes), filtered by boot, time and unit. Each entry
 * comes with the fields that say who logged it and where it can be found again. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "vfioexplain/line.h"

typedef struct JournalQuery {
        const char *const *files; /* --file: these journal files */
        size_t n_files;
        const char *directory; /* --directory: the journal files of this directory */
        const char *sysroot; /* otherwise the journal of this root ("/" is the running system's) */
        bool boot_set; /* --boot: one boot; else every boot the journal holds */
        char boot_id[33]; /* that boot, or "" for an offset from the last boot */
        int boot_offset; /* 0 the last (current) boot, -1 the one before ... */
        uint64_t since_usec, until_usec; /* realtime bounds, 0 for none */
        const char *const *units; /* --unit: only entries of these units */
        size_t n_units;
        bool tail; /* start after the last entry (watch) */
} JournalQuery;

typedef struct JournalEntry {
        LineFields fields;
        uint64_t realtime_usec;
        char boot_id[33];
        char machine_id[33]; /* "" if the entry does not say */
        Span unit; /* _SYSTEMD_UNIT, empty if none */
        Span comm;
        Span pid;
} JournalEntry;

typedef struct Journal Journal;

/* Opens the journal as q says and seeks to the first entry it selects. Problems (a file that is not
 * a journal, an unknown boot) are reported in d; -ENODATA when a boot was asked of an empty journal. */
int journal_open(const JournalQuery *q, Journal **ret, Diag *d);
Journal *journal_free(Journal *j);

/* The next entry: 1 and the entry (valid until the next call), 0 when there is none yet. */
int journal_next(Journal *j, JournalEntry *ret);
/* The cursor of the entry journal_next() returned last, malloc()ed, or NULL. */
char *journal_cursor(Journal *j);

/* For following: an fd to poll (with journal_events()), then journal_process() before reading again.
 * journal_process() returns > 0 when entries were added or files rotated or vacuumed. */
int journal_fd(Journal *j);
int journal_events(Journal *j);
int journal_process(Journal *j);

/* The entry as journalctl -o short-iso-precise prints it, in UTC: the evidence text. */
int journal_entry_format(const JournalEntry *e, char *buf, size_t size);

/* Parses --since/--until as journalctl does (systemd's parse_timestamp()): "2024-11-23 10:00[:05[.5]]",
 * "2024-11-23T10:00:05Z", "10:00", "Sat 2024-11-23", "now", "today", "yesterday", "tomorrow", "-2h",
 * "+5min", "2 hours ago", "1h 30min left", "@EPOCH[.USEC]", in local time or with a zone after it ("UTC",
 * "+05:30", "Europe/Berlin"). Relative forms count from now_usec. Returns 0 and microseconds since the
 * epoch, or -EINVAL. */
int journal_parse_time(const char *s, uint64_t now_usec, uint64_t *ret);
/* Parses --boot's argument: "" or a 32-hex-digit boot id, or 0, -1, -2 ... Returns 0 or -EINVAL. */
int journal_parse_boot(const char *s, JournalQuery *q);
