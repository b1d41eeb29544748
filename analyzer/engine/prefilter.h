/* SPDX-License-Identifier: MIT */
#pragma once

/* The literal prefilter: an Aho-Corasick automaton over the rules' fast contents, so that one pass
 * over a message finds the few rules that could match it before any regex runs. Literals are found in the
 * cases people give a message (literal_case_ok()): a retyped "No Such File" holds "No such file". */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Prefilter Prefilter;

/* Pattern i gets id i. Returns 0 or -ENOMEM/-EINVAL (an empty pattern). */
int prefilter_new(const char *const *patterns, size_t n, Prefilter **ret);
Prefilter *prefilter_free(Prefilter *p);

/* An image of p as built (its automaton, patterns and exact flags) that prefilter_image_load() takes without
 * building anything, for the build's rule tables (analyzer/engine/rule_tables.h); *ret malloc()ed. -ENOMEM.
 */
int prefilter_image_encode(const Prefilter *p, uint8_t **ret, size_t *ret_size);
/* A prefilter of an image of this same build, which must outlive it and is never written (it may be in
 * read-only memory): -EBADMSG for an image of another build or layout, -ENOMEM. */
int prefilter_image_load(const uint8_t *image, size_t size, Prefilter **ret);

size_t prefilter_n_patterns(const Prefilter *p);

/* Pattern id is found only as written, not in the other cases literal_case_ok() takes: a program's output
 * that is not typed, each spelling of it a pattern. Called before the first scan. */
void prefilter_set_exact(Prefilter *p, size_t id);

/* Whether an occurrence of lit (n bytes) at at, found regardless of case, is one in a case people give a
 * message: as written; with the first letter of words changed (retyped capitals, a sentence's start, Go's
 * lower-case errors: "No Such file", "invalid argument"); or in capitals throughout ("PERMISSION DENIED",
 * the word it starts in too); or in small letters from a word's start ("rom size 3"). Not a literal in
 * other letters inside a word: "ROM" is not in "from". line: where at's line starts (the byte before at is
 * looked at only from there on). */
bool literal_case_ok(const char *line, const char *at, const char *lit, size_t n);

typedef void (*prefilter_hit_fn)(size_t id, void *userdata);
/* Calls hit for every occurrence of every pattern in text, in a case literal_case_ok() takes (an id may be
 * reported more than once). line: the first byte of the line text is a part of (text itself, or before it),
 * for the byte before an occurrence at text's start. */
void prefilter_scan(const Prefilter *p, const char *line, const char *text, size_t len, prefilter_hit_fn hit,
                    void *userdata);

/* An occurrence prefilter_mark() found: the pattern, and the offset in the buffer just past its last byte.
 */
typedef struct PrefilterHit {
        uint32_t pattern;
        uint32_t end;
} PrefilterHit;

/* The occurrences of one buffer, in increasing order of end, for the lines that hold them. Past
 * VX_PREFILTER_HITS_MAX (a buffer of little but literals), overflow is set, none are listed, and the bitmap
 * ends marks the last byte of each instead: the lines are then scanned again one by one. */
typedef struct PrefilterHits {
        PrefilterHit *hits;
        size_t n, cap;
        bool overflow;
        uint64_t *ends; /* prefilter_mark()'s, one bit per byte of the buffer: valid with overflow only */
        size_t ends_words;
} PrefilterHits;

void prefilter_hits_done(PrefilterHits *h);

/* The length of pattern id, to place an occurrence by its end. */
size_t prefilter_pattern_len(const Prefilter *p, size_t id);

/* For a whole buffer of lines: lists in hits every occurrence of every pattern in a case literal_case_ok()
 * takes (a line starts after a newline; the list's memory is reused from call to call), or past
 * VX_PREFILTER_HITS_MAX marks them in ends (room for one bit per byte of text, written only then), so that
 * a marked line needs no scan of its own. With Hyperscan built in, its
 * database is compiled once VX_SCAN_ACCEL_AFTER bytes have been scanned here (small inputs never pay for
 * it); the automaton stands in for it before and where it is missing. VFIOEXPLAIN_SCAN=portable (automaton
 * only) or =hyperscan (from the first byte), read when p is made, choose one for the tests. */
void prefilter_mark(Prefilter *p, const char *text, size_t len, uint64_t *ends, PrefilterHits *hits);

/* len bytes of input the caller reads a line at a time (prefilter_scan()), not through prefilter_mark(): a
 * block that holds a journal JSON line, a file's first line. They count towards VX_SCAN_ACCEL_AFTER as
 * marked ones do (with VFIOEXPLAIN_SCAN=hyperscan the database is built at the first), and once built, the
 * database serves those scans too. */
void prefilter_count(Prefilter *p, size_t len);

/* "hyperscan" or "aho-corasick": what prefilter_mark() used last (for tests and the benchmark). */
const char *prefilter_engine(const Prefilter *p);

/* The shipped rules' Hyperscan database, compiled when vfioexplain is built (tools/precompile_rules.c) for
 * any processor and kept in the binary: compiling it at run time cost 6.3 MB of the compiler's heap and
 * code, more than the rest of a run (docs/hardening.md). The blob (which must outlive p) is taken only if
 * the literals it was compiled from are exactly p's, in order, with the same flags; else, or if the
 * installed libhs refuses it (another version, a processor without the features), p's literals are compiled
 * as without it. Called before the first scan; size 0: none. */
void prefilter_set_literal_db(Prefilter *p, const uint8_t *blob, size_t size);
/* Whether the blob given to p was compiled from p's literals (false without Hyperscan). */
bool prefilter_literal_db_fits(const Prefilter *p);
/* Whether prefilter_mark() scans with the database of the blob (not one compiled at run time). */
bool prefilter_prebuilt(const Prefilter *p);
/* The blob of p's literals and their database (*ret malloc()ed). -EOPNOTSUPP: no Hyperscan; -ENOMEM,
 * -EINVAL. */
int prefilter_literal_db_encode(const Prefilter *p, uint8_t **ret, size_t *ret_size);
