/* SPDX-License-Identifier: MIT */
#pragma once

/* Runs the rule set over classified lines: prefilter first, then the rules' contents, then PCRE2. */

#include <stdbool.h>
#include <stddef.h>

#include "prefilter.h"
#include "vfioexplain/line.h"
#include "vfioexplain/rules.h"
#include "vocab.h"

typedef struct Match {
        const RuleDef *rule;
        size_t rule_index;
        Source source; /* the view it matched */
        bool partial; /* a line cut off at its end, matched as far as it goes: no captures */
        Span captures[_VAR_CAPTURE_MAX]; /* .p == NULL where not captured */
} Match;

typedef struct Matcher Matcher;

int matcher_new(const RuleSet *rs, Matcher **ret);
Matcher *matcher_free(Matcher *m);

typedef int (*match_fn)(const Match *m, void *userdata);

/* Calls fn once for every rule that matches a view of line, in rule order. A negative return of fn
 * stops and is returned. The location's host address stands in for an uncaptured address. */
int matcher_match_line(Matcher *m, const Line *line, match_fn fn, void *userdata);
/* The same for a line the log prefilter marked: hits are the occurrences prefilter_mark() found in it,
 * their ends relative to raw (the line as read, len bytes), so a view that is a part of raw needs no scan
 * of its own. hits may be NULL (not known: each view is scanned); the case of a literal in a view that is a
 * part of raw is judged from raw's start, as prefilter_mark() judges it. */
int matcher_match_marked_line(Matcher *m, const Line *line, const char *raw, size_t len,
                              const PrefilterHit *hits, size_t n_hits, match_fn fn, void *userdata);

/* Whether a line the log prefilter marked may match a rule: a rule whose literal it holds (hits, their ends
 * relative to raw) has all its contents in the line, or it holds one of PREFILTER_EXTRA_LITERALS. A line
 * that may not is read as one that holds no literal: no piece of it can hold a content the line as read
 * does not (the pasted-text stage only takes away, but where it rewrites characters, and such lines are
 * read whole). */
bool matcher_hits_may_match(const RuleSet *rs, const char *raw, size_t len, const PrefilterHit *hits,
                            size_t n_hits);

/* Whether text holds lit in a case literal_case_ok() takes, as the prefilter and a rule's contents see it;
 * line: the first byte of the line text is a part of. */
bool span_holds_literal(Span text, const char *line, const char *lit);
bool span_holds_caseless(Span text, const char *lit);

/* Lines where a pattern hit the PCRE2 match or depth limit (counted, never fatal). */
size_t matcher_limit_hits(const Matcher *m);
