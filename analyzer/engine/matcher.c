/* SPDX-License-Identifier: MIT */
/* Matching a classified line against the rule set: prefilter, contents, then PCRE2. */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "matcher.h"
#include "prefilter.h"

/* What matching one line needs per rule: which rules the prefilter reported (and in which generation), the
 * candidates, what matched. A line is matched to its end before another is (by this matcher or any other:
 * no match callback matches a line), so the matchers of one rule set share it: a journal of 64 hosts has 64
 * analyses, each with its matcher, and these arrays were most of what each cost once the bounds they share
 * were full (issue 24 #11). */
typedef struct MatchScratch {
        const RuleSet *rs;
        unsigned refs;
        uint32_t *seen; /* per rule: the generation in which the prefilter last reported it */
        uint32_t generation;
        size_t *candidates;
        bool *matched; /* per rule, this line: reported already */
        size_t *matched_list;
} MatchScratch;

static MatchScratch shared_scratch;

struct Matcher {
        const RuleSet *rs;
        pcre2_match_data *md;
        MatchScratch *x;
        MatchScratch own; /* when another rule set holds shared_scratch */
        uint32_t *seen; /* x's, for the loops below */
        const PatternRules *pattern_rules; /* the scanning prefilter's pattern numbers to rules */
        size_t *candidates;
        size_t n_candidates;
        bool *matched;
        size_t *matched_list;
        size_t n_matched;
        size_t limit_hits;
        bool line_refused; /* this line hit a limit: no other rule is tried on it */
};

static void scratch_done(MatchScratch *x) {
        free(x->seen);
        free(x->candidates);
        free(x->matched);
        free(x->matched_list);
        *x = (MatchScratch){0};
}

static int scratch_get(Matcher *m, const RuleSet *rs) {
        MatchScratch *x = shared_scratch.refs == 0 || shared_scratch.rs == rs ? &shared_scratch : &m->own;
        if (x->refs == 0) {
                *x = (MatchScratch){.rs = rs};
                x->seen = calloc(rs->n_rules + 1, sizeof(uint32_t));
                x->candidates = calloc(rs->n_rules + 1, sizeof(size_t));
                x->matched = calloc(rs->n_rules + 1, sizeof(bool));
                x->matched_list = calloc(rs->n_rules + 1, sizeof(size_t));
                if (!x->seen || !x->candidates || !x->matched || !x->matched_list) {
                        scratch_done(x);
                        return -ENOMEM;
                }
        }
        x->refs++;
        m->x = x;
        m->seen = x->seen;
        m->candidates = x->candidates;
        m->matched = x->matched;
        m->matched_list = x->matched_list;
        return 0;
}

int matcher_new(const RuleSet *rs, Matcher **ret) {
        Matcher *m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->rs = rs;
        m->md = pcre2_match_data_create(MAX(rs->max_groups, 1u), NULL);
        if (!m->md || scratch_get(m, rs) < 0) {
                matcher_free(m);
                return -ENOMEM;
        }
        *ret = m;
        return 0;
}

Matcher *matcher_free(Matcher *m) {
        if (!m)
                return NULL;
        pcre2_match_data_free(m->md);
        if (m->x && --m->x->refs == 0)
                scratch_done(m->x);
        free(m);
        return NULL;
}

size_t matcher_limit_hits(const Matcher *m) {
        return m->limit_hits;
}

static void on_prefilter_hit(size_t pattern, void *userdata) {
        Matcher *m = userdata;
        const PatternRules *pr = m->pattern_rules;
        for (size_t i = pr->start[pattern]; i < pr->start[pattern + 1]; i++) {
                size_t id = pr->rules[i];
                if (m->seen[id] == m->x->generation)
                        continue;
                m->seen[id] = m->x->generation;
                m->candidates[m->n_candidates++] = id;
        }
}

static int cmp_size(const void *a, const void *b) {
        size_t x = *(const size_t *) a, y = *(const size_t *) b;
        return x < y ? -1 : x > y;
}

/* The first byte at or after i of text[0..end) that is c, or c's other case where c is a letter (want: c,
 * small where a letter; case_bit: 0x20 where a letter), end if none: sixteen bytes at a time. */
static size_t next_first_byte(const char *text, size_t i, size_t end, unsigned char want,
                              unsigned char case_bit) {
#ifdef __SSE2__
        const __m128i w = _mm_set1_epi8((char) want), cb = _mm_set1_epi8((char) case_bit);
        for (; i + 16 <= end; i += 16) {
                __m128i v = _mm_or_si128(_mm_loadu_si128((const __m128i *) (text + i)), cb);
                unsigned m = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, w));
                if (m)
                        return i + (size_t) __builtin_ctz(m);
        }
#endif
        for (; i < end; i++)
                if (((unsigned char) text[i] | case_bit) == want)
                        return i;
        return end;
}

bool span_holds_literal(Span text, const char *line, const char *lit) {
        size_t n = strlen(lit);
        if (n == 0)
                return true;
        if (n > text.len)
                return false;
        /* Candidates by the first byte in either case (a byte that differs from it in bit 5 only is one too:
         * the comparison settles it). */
        unsigned char c = (unsigned char) lit[0];
        bool letter = (unsigned char) ((c | 0x20) - 'a') < 26;
        unsigned char case_bit = letter ? 0x20 : 0, want = c | case_bit;
        size_t end = text.len - n + 1;
        for (size_t at = next_first_byte(text.p, 0, end, want, case_bit); at < end;
             at = next_first_byte(text.p, at + 1, end, want, case_bit)) {
                const char *p = text.p + at;
                if (strncasecmp(p, lit, n) == 0 && literal_case_ok(line, p, lit, n))
                        return true;
        }
        return false;
}

bool span_holds_caseless(Span text, const char *lit) {
        return span_holds_literal(text, text.p, lit);
}

static bool contents_present(const RuleDef *r, Span text, const char *line) {
        for (size_t i = 0; i < r->n_contents; i++)
                if (i != r->fast_content && !span_holds_literal(text, line, r->contents[i]))
                        return false;
        return true;
}

/* A line cut off at its end matches a pattern it ends inside of, when every content of the rule is in it:
 * then the rest of the message is not in doubt. */
static bool cut_matches(const RuleDef *r, Span text, const char *line) {
        return span_holds_literal(text, line, r->contents[r->fast_content]);
}

bool matcher_hits_may_match(const RuleSet *rs, const char *raw, size_t len, const PrefilterHit *hits,
                            size_t n_hits) {
        const PatternRules *pr = &rs->prefilter_rules;
        Span text = span_make(raw, len);
        for (size_t i = 0; i < n_hits; i++) {
                size_t p = hits[i].pattern;
                if (pr->flags[p] & PATTERN_ALONE)
                        return true;
                for (size_t k = pr->start[p]; k < pr->start[p + 1]; k++)
                        if (contents_present(&rs->rules[pr->rules[k]], text, raw))
                                return true;
        }
        return false;
}

/* What the log prefilter found in the line, for views that are a part of it. */
typedef struct Marked {
        const char *raw;
        size_t len;
        const PrefilterHit *hits;
        size_t n_hits;
} Marked;

/* Whether the view is a part of the line as read. */
static bool view_in_line(const LineView *view, const Marked *mk) {
        return mk && mk->raw && view->text.p && view->text.p >= mk->raw &&
                (size_t) (view->text.p - mk->raw) <= mk->len &&
                view->text.len <= mk->len - (size_t) (view->text.p - mk->raw);
}

/* The rules whose literal lies inside the view, from the hits of its line: true, or false when the view
 * is not a part of the line as read (a decoded journal message) or the line's hits are not known, and it
 * must be scanned. */
static bool candidates_from_hits(Matcher *m, const LineView *view, const Marked *mk) {
        const Prefilter *p = m->rs->prefilter;
        if (!mk || !mk->hits || view->source == SOURCE_PROBE || !view_in_line(view, mk))
                return false;
        size_t from = (size_t) (view->text.p - mk->raw), to = from + view->text.len;
        for (size_t i = 0; i < mk->n_hits; i++) {
                size_t end = mk->hits[i].end, n = prefilter_pattern_len(p, mk->hits[i].pattern);
                if (end <= to && end >= from + n)
                        on_prefilter_hit(mk->hits[i].pattern, m);
        }
        return true;
}

static int match_view(Matcher *m, const Line *line, const LineView *view, const Marked *mk, match_fn fn,
                      void *userdata) {
        const RuleSet *rs = m->rs;

        if (++m->x->generation == 0) {
                memset(m->seen, 0, rs->n_rules * sizeof(uint32_t));
                m->x->generation = 1;
        }
        m->n_candidates = 0;
        bool probe = view->source == SOURCE_PROBE;
        m->pattern_rules = probe ? &rs->probe_prefilter_rules : &rs->prefilter_rules;
        /* The case of a literal is judged from the start of the line as read (as prefilter_mark() does
         * for the whole buffer), for a view that is a part of it. */
        const char *line_start =
                view->source != SOURCE_PROBE && view_in_line(view, mk) ? mk->raw : view->text.p;
        if (!candidates_from_hits(m, view, mk))
                prefilter_scan(probe ? rs->probe_prefilter : rs->prefilter, line_start, view->text.p,
                               view->text.len, on_prefilter_hit, m);
        if (m->n_candidates == 0)
                return 0;
        /* In rule order; a line lets through one or two rules, seldom more. */
        if (m->n_candidates > 8)
                qsort(m->candidates, m->n_candidates, sizeof(size_t), cmp_size);
        else
                for (size_t i = 1; i < m->n_candidates; i++)
                        for (size_t j = i; j > 0 && m->candidates[j - 1] > m->candidates[j]; j--) {
                                size_t t = m->candidates[j];
                                m->candidates[j] = m->candidates[j - 1];
                                m->candidates[j - 1] = t;
                        }

        for (size_t c = 0; c < m->n_candidates; c++) {
                size_t ri = m->candidates[c];
                /* The rule set is shared read-only but for this: a rule's JIT code, made on its first use.
                 */
                RuleDef *r = &rs->rules[ri];
                int rc;

                if (m->matched[ri])
                        continue;
                if (m->line_refused)
                        break;
                /* A line of unknown format may be any host log's, but never the probes': those come only
                 * from analysis_feed_probe(), so a log cannot forge host state. Nor the guest's: a VM's
                 * lines are known by their format (logcat) or because the user said so (--guest). */
                unsigned mask = view->source == SOURCE_UNKNOWN ? SOURCE_MASK_ALL & ~(1u << SOURCE_PROBE) &
                                ~(1u << SOURCE_GUEST) & ~(1u << SOURCE_SHELL)
                                                               : 1u << view->source;
                if (!(r->source_mask & mask))
                        continue;
                if (!contents_present(r, view->text, line_start))
                        continue;
                if (!r->jit_tried) {
                        if ((rc = ruleset_rule_code(rs, r)) < 0)
                                return rc;
                        r->jit = pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE) == 0;
                        r->jit_tried = true;
                }
                /* A NULL subject is not allowed even with length 0. */
                PCRE2_SPTR subject = (PCRE2_SPTR) (view->text.p ? view->text.p : "");
                bool partial = false;
                if (r->jit)
                        rc = pcre2_jit_match(r->code, subject, view->text.len, 0, 0, m->md,
                                             rs->match_context);
                else
                        rc = pcre2_match(r->code, subject, view->text.len, 0, 0, m->md, rs->match_context);
                if (rc == PCRE2_ERROR_NOMATCH && line->cut && cut_matches(r, view->text, line_start)) {
                        rc = pcre2_match(r->code, subject, view->text.len, 0,
                                         PCRE2_PARTIAL_HARD | PCRE2_NO_JIT, m->md, rs->match_context);
                        partial = rc == PCRE2_ERROR_PARTIAL;
                }
                if (rc == PCRE2_ERROR_NOMATCH || (rc == PCRE2_ERROR_PARTIAL && !partial))
                        continue;
                if (rc < 0 && !partial) {
                        /* Match, depth, heap or JIT stack limit: the line is not evidence, and we say so.
                         * Nor is it tried with any other rule: a crafted line holding every rule's literal
                         * costs one limit, not one per rule. */
                        m->limit_hits++;
                        m->line_refused = true;
                        break;
                }

                Match match = {.rule = r, .rule_index = ri, .source = view->source, .partial = partial};
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
                /* A partial match sets no capture: a value it would have cut short is not a value. */
                uint32_t pairs = partial ? 0 : pcre2_get_ovector_count(m->md);
                for (size_t k = 0; k < r->n_captures; k++) {
                        uint32_t g = (uint32_t) r->capture_group[k];
                        if (g >= pairs || ov[2 * g] == PCRE2_UNSET)
                                continue;
                        match.captures[r->capture_var[k]] =
                                span_make(view->text.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
                }
                if (!match.captures[VAR_ADDRESS].p && line->location_address[0])
                        match.captures[VAR_ADDRESS] = span_from_str(line->location_address);
                m->matched[ri] = true;
                m->matched_list[m->n_matched++] = ri;
                int r2 = fn(&match, userdata);
                if (r2 < 0)
                        return r2;
        }
        return 0;
}

static int match_line(Matcher *m, const Line *line, const Marked *mk, match_fn fn, void *userdata) {
        int r = 0;
        m->line_refused = false;
        for (size_t v = 0; v < line->n_views && r >= 0; v++)
                r = match_view(m, line, &line->views[v], mk, fn, userdata);
        for (size_t i = 0; i < m->n_matched; i++)
                m->matched[m->matched_list[i]] = false;
        m->n_matched = 0;
        return r;
}

int matcher_match_line(Matcher *m, const Line *line, match_fn fn, void *userdata) {
        return match_line(m, line, NULL, fn, userdata);
}

int matcher_match_marked_line(Matcher *m, const Line *line, const char *raw, size_t len,
                              const PrefilterHit *hits, size_t n_hits, match_fn fn, void *userdata) {
        Marked mk = {raw, len, hits, n_hits};
        return match_line(m, line, &mk, fn, userdata);
}
