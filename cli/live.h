/* SPDX-License-Identifier: MIT */
#pragma once

/* Explaining as lines arrive (watch, run): every line goes through a sieve analysis; the few that
 * match a rule or tell something of the host are kept (bounded) with the lines just before them, and on
 * each change they are judged anew (judge_analysis(), as explain judges), with the host probed again, so
 * that each root cause is printed once when found and again only when it changes. */

#include <stdint.h>

#include "cli.h"
#include "journal.h"
#include "strbuf.h"
#include "vm.h"

typedef struct Kept Kept;

typedef struct Printed {
        size_t cause;
        PciAddress device;
        Strength confidence;
        size_t evidence;
} Printed;

typedef struct Live {
        const Options *o;
        RuleSet *rs;
        HostFacts facts;
        HostFacts unprobed; /* rendered with when the input is judged another machine's */
        /* the input is this host's own: its kernel's ring buffer, journal entries with its _MACHINE_ID */
        bool own_input;
        bool said_other_host; /* the note that it is judged so was printed */
        uint64_t probed_usec;
        Analysis *sieve;
        Kept *kept; /* a ring of VX_WATCH_KEPT_MAX */
        size_t n_kept, first;
        size_t kept_bytes; /* their text together, at most VX_WATCH_KEPT_BYTES_MAX */
        Kept *recent; /* a ring of VX_WATCH_RECENT_MAX: the last lines not kept (live_sieved()) */
        size_t n_recent, first_recent;
        size_t recent_bytes; /* at most VX_WATCH_RECENT_BYTES_MAX */
        uint64_t dropped;
        Printed printed[VX_FINDINGS_MAX];
        size_t n_printed;
        bool dirty;
        Analysis *last; /* the latest judgement, for the summary */
        VmTarget vm; /* --domain, --pve-vm: the VM whose devices are checked with every judgement */
        uint64_t lines;
} Live;

/* Loads the rules and probes the host; on failure (reported) nothing is left to free. */
int live_init(Live *l, const Options *o);
void live_done(Live *l);
uint64_t now_usec(void);

int live_feed_line(Live *l, const char *input, unsigned long lineno, const char *text, size_t len);
int live_feed_entry(Live *l, Journal *j, const JournalEntry *e);
/* When something new was kept: judges again and renders the causes that are new or changed. */
int live_update(Live *l, StrBuf *out);
/* The latest judgement in full (the usual report), for the end of a watch or run. */
int live_summary(Live *l, StrBuf *out);
size_t live_causes(const Live *l);
