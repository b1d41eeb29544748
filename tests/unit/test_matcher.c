/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "matcher.h"
#include "prefilter.h"
#include "skip.h"
#include "test_common.h"
#include "vfioexplain/macro.h"

typedef struct Hits {
        char ids[8][64];
        Match m[8];
        size_t n;
} Hits;

static int collect(const Match *m, void *userdata) {
        Hits *h = userdata;
        if (h->n < 8) {
                snprintf(h->ids[h->n], sizeof(h->ids[0]), "%s", m->rule->id);
                h->m[h->n++] = *m;
        }
        return 0;
}

static Hits run(RuleSet *rs, Matcher *m, LineClassifier *lc, const char *s) {
        Hits h = {0};
        Line l;
        line_classify(lc, s, strlen(s), &l);
        assert_int_equal(matcher_match_line(m, &l, collect, &h), 0);
        return h;
}

static void count_hit(size_t id, void *ud) {
        ((size_t *) ud)[id]++;
}

static void test_prefilter(void **state) {
        const char *pats[] = {"he", "she", "his", "hers", "he"};
        Prefilter *p;
        size_t seen[5] = {0};
        assert_int_equal(prefilter_new(pats, 5, &p), 0);
        prefilter_scan(p, "ushers", "ushers", 6, count_hit, seen);
        assert_int_equal(seen[0], 1); /* he */
        assert_int_equal(seen[1], 1); /* she */
        assert_int_equal(seen[2], 0); /* his */
        assert_int_equal(seen[3], 1); /* hers */
        assert_int_equal(seen[4], 1); /* the duplicate pattern is reported under its own id */
        prefilter_free(p);
        const char *empty[] = {""};
        assert_int_equal(prefilter_new(empty, 1, &p), -EINVAL);
}

/* A pattern set exact is found only as written, by the automaton and by Hyperscan alike; the others in the
 * cases people type. */
static void check_exact(const char *scan) {
        static const char line[] =
                "pci 0000:01:00.0: Adding to iommu group 1 / IOMMU Group 2 / IOMMU GROUP 3";
        const char *pats[] = {"IOMMU group ", "IOMMU Group ", "iommu group "};
        Prefilter *p;
        size_t seen[3] = {0};
        setenv("VFIOEXPLAIN_SCAN", scan, 1);
        assert_int_equal(prefilter_new(pats, 3, &p), 0);
        unsetenv("VFIOEXPLAIN_SCAN");
        prefilter_set_exact(p, 0);
        prefilter_set_exact(p, 1);
        PrefilterHits hits = {0};
        uint64_t ends[(sizeof(line) + 63) / 64] = {0};
        prefilter_mark(p, line, sizeof(line) - 1, ends, &hits);
        for (size_t i = 0; i < hits.n; i++)
                seen[hits.hits[i].pattern]++;
        prefilter_hits_done(&hits);
        assert_int_equal(seen[0], 0); /* neither "iommu group " nor "IOMMU GROUP " */
        assert_int_equal(seen[1], 1);
        assert_int_equal(seen[2], 2); /* as written, and in capitals throughout */
        memset(seen, 0, sizeof(seen));
        prefilter_scan(p, line, line, sizeof(line) - 1, count_hit, seen);
        assert_int_equal(seen[0], 0);
        assert_int_equal(seen[1], 1);
        assert_int_equal(seen[2], 2);
        prefilter_free(p);
}

static void test_prefilter_exact(void **state) {
        check_exact("portable");
#ifdef VX_HAVE_HYPERSCAN
        check_exact("hyperscan");
#endif
}

#ifdef VX_HAVE_HYPERSCAN
/* The occurrences prefilter_mark() lists in line with VFIOEXPLAIN_SCAN=hyperscan, the literal database
 * blob given (or none), as "pattern@end" text; *prebuilt: whether the blob's database was taken. */
static void mark_with(const char *const *pats, size_t n, size_t exact, const uint8_t *blob, size_t size,
                      const char *line, char *out, size_t out_size, bool *prebuilt) {
        Prefilter *p;
        setenv("VFIOEXPLAIN_SCAN", "hyperscan", 1);
        assert_int_equal(prefilter_new(pats, n, &p), 0);
        unsetenv("VFIOEXPLAIN_SCAN");
        prefilter_set_exact(p, exact);
        prefilter_set_literal_db(p, blob, size);
        PrefilterHits hits = {0};
        uint64_t ends[4] = {0};
        assert_true(strlen(line) < 4 * 64);
        prefilter_mark(p, line, strlen(line), ends, &hits);
        assert_string_equal(prefilter_engine(p), "hyperscan");
        *prebuilt = prefilter_prebuilt(p);
        size_t at = 0;
        out[0] = '\0';
        for (size_t i = 0; i < hits.n && at < out_size; i++)
                at += (size_t) snprintf(out + at, out_size - at, "%u@%u ", hits.hits[i].pattern,
                                        hits.hits[i].end);
        prefilter_hits_done(&hits);
        prefilter_free(p);
}

/* The database compiled at build time is taken for exactly the literals it was compiled from (and finds
 * what a compiled one does); other literals, another exact one, or a database the library refuses, are
 * compiled at run time, with the same occurrences. */
static void test_literal_db(void **state) {
        static const char line[] =
                "vfio: IOMMU group 7 Permission denied; Sr-Iov: no such file, IOMMU GROUP";
        const char *pats[] = {"IOMMU group", "Permission denied", "SR-IOV", "No such file"};
        const char *other[] = {"IOMMU group", "Permission denied", "SR-IOV", "No such filf"};
        char want[512], got[512];
        bool prebuilt;
        Prefilter *p;
        uint8_t *blob;
        size_t size;

        assert_int_equal(prefilter_new(pats, 4, &p), 0);
        prefilter_set_exact(p, 0);
        int r = prefilter_literal_db_encode(p, &blob, &size);
        if (r == -EOPNOTSUPP) {
                prefilter_free(p);
                skip_loudly("literal_db", "libhs cannot be loaded here");
        }
        assert_int_equal(r, 0);
        prefilter_set_literal_db(p, blob, size);
        assert_true(prefilter_literal_db_fits(p));
        prefilter_free(p);

        mark_with(pats, 4, 0, NULL, 0, line, want, sizeof(want), &prebuilt);
        assert_false(prebuilt);
        assert_string_equal(want, "0@17 1@37 2@45 3@59 "); /* "IOMMU group" only as written */
        mark_with(pats, 4, 0, blob, size, line, got, sizeof(got), &prebuilt);
        assert_true(prebuilt);
        assert_string_equal(got, want);
        /* another literal, or the same literals with another found as written: compiled */
        mark_with(other, 4, 0, blob, size, line, got, sizeof(got), &prebuilt);
        assert_false(prebuilt);
        assert_string_equal(got, "0@17 1@37 2@45 ");
        mark_with(pats, 4, 1, blob, size, line, got, sizeof(got), &prebuilt);
        assert_false(prebuilt);
        assert_string_equal(got, "0@17 1@37 2@45 3@59 0@72 ");
        /* A database of another version of the library, or for a platform it does not run on: refused by
         * it, compiled. Hyperscan's serialized header: magic, version at 4, length, platform (the features
         * it does without) at 12. */
        size_t db = 12;
        for (uint32_t i = 0, n = blob[8] | (uint32_t) blob[9] << 8; i < n; i++)
                db += 12 + (blob[db + 8] | (size_t) blob[db + 9] << 8);
        db = ((db + 7) & ~(size_t) 7) + 8;
        assert_true(db + 20 <= size);
        uint8_t *bad = malloc(size);
        assert_non_null(bad);
        memcpy(bad, blob, size);
        bad[db + 4] ^= 1;
        mark_with(pats, 4, 0, bad, size, line, got, sizeof(got), &prebuilt);
        assert_false(prebuilt);
        assert_string_equal(got, want);
        memcpy(bad, blob, size);
        memset(bad + db + 12, 0xff, 8);
        mark_with(pats, 4, 0, bad, size, line, got, sizeof(got), &prebuilt);
        assert_false(prebuilt);
        assert_string_equal(got, want);
        /* and the blob as built is taken again: the library refused the copies, nothing else */
        memcpy(bad, blob, size);
        mark_with(pats, 4, 0, bad, size, line, got, sizeof(got), &prebuilt);
        assert_true(prebuilt);
        free(bad);
        free(blob);
        (void) state;
}
#endif

/* Whether lit is at s's offset at, in a case literal_case_ok() takes. */
static bool case_taken(const char *s, size_t at, const char *lit) {
        return literal_case_ok(s, s + at, lit, strlen(lit));
}

static void test_literal_case(void **state) {
        assert_true(case_taken("No such file", 0, "No such file"));
        /* retyped capitals, a sentence's start, Go's lower-case errors */
        assert_true(case_taken("No Such File", 0, "No such file"));
        assert_true(case_taken("x: invalid argument", 3, "Invalid argument"));
        /* capitals throughout, the word it starts in too */
        assert_true(case_taken("PERMISSION DENIED", 0, "Permission denied"));
        assert_true(case_taken("NOT PERMITTED", 4, "PERMITTED"));
        assert_false(case_taken("NOT PErMITTED", 4, "PERMITTED"));
        /* an acronym with its words' capitals kept, not inside another word */
        assert_true(case_taken("bad Rom", 4, "ROM"));
        assert_true(case_taken("Sr-Iov", 0, "SR-IOV"));
        assert_false(case_taken("read from disk", 7, "ROM"));
        assert_false(case_taken("x rOm", 2, "ROM"));
        /* other letters inside a word are another word */
        assert_false(case_taken("No sUch file", 0, "No such file"));
        assert_false(case_taken("xno such file", 1, "No such file"));
        assert_true(case_taken("xNo such file", 1, "No such file")); /* as written is always taken */
        /* the byte before the line's start is not looked at */
        const char *two = "xno Such file";
        assert_false(literal_case_ok(two, two + 1, "No such file", 12));
        assert_true(literal_case_ok(two + 1, two + 1, "No such file", 12));
        (void) state;
}

static void test_match_and_captures(void **state) {
        RuleSet *rs = load_unit_rules();
        Matcher *m;
        LineClassifier *lc;
        assert_int_equal(matcher_new(rs, &m), 0);
        assert_int_equal(line_classifier_new(&lc), 0);

        Hits h = run(rs, m, lc, "[    0.000000] DMAR: IOMMU disabled");
        assert_int_equal(h.n, 1);
        assert_string_equal(h.ids[0], "dmar-disabled");

        /* The rule is for the kernel: the same text from QEMU does not match. */
        h = run(rs, m, lc, "qemu-system-x86_64: DMAR: IOMMU disabled");
        assert_int_equal(h.n, 0);

        h = run(rs, m, lc,
                "qemu-system-x86_64: -device vfio-pci,host=01:00.0: vfio 0000:01:00.0: group 1 is not "
                "viable");
        assert_int_equal(h.n, 1);
        assert_int_equal(h.m[0].captures[VAR_GROUP].len, 1);

        /* The location supplies the address a pattern did not capture. */
        h = run(rs, m, lc,
                "error: internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: -device "
                "vfio-pci,host=0000:07:00.0: vfio 0000:07:00.0: group 9 is not viable");
        assert_int_equal(h.n, 1);
        assert_int_equal(h.m[0].source, SOURCE_QEMU);

        /* A bare line may match any source's rule. */
        h = run(rs, m, lc, "DMAR: IOMMU disabled");
        assert_int_equal(h.n, 1);

        /* The prefilter lets nothing through a line without the literal. */
        h = run(rs, m, lc, "[    1.000000] DMAR: something else");
        assert_int_equal(h.n, 0);
        assert_int_equal(matcher_limit_hits(m), 0);

        matcher_free(m);
        line_classifier_free(lc);
        ruleset_free(rs);
}

static RuleDef *rule_named(RuleSet *rs, const char *id) {
        for (size_t i = 0; i < rs->n_rules; i++)
                if (strcmp(rs->rules[i].id, id) == 0)
                        return &rs->rules[i];
        fail_msg("no rule %s in unit.rules", id);
        return NULL;
}

/* The JIT compiler may be refused (SELinux deny_execmem, a CPU PCRE2 has no JIT for): the matcher then
 * runs the interpreter, which is what this makes it do for one rule. */
static void without_jit(RuleDef *r) {
        r->jit_tried = true;
        r->jit = false;
}

/* "PREFIX" followed by n times c, then tail. */
static char *crafted(const char *prefix, size_t n, char c, const char *tail) {
        size_t p = strlen(prefix), t = strlen(tail);
        char *s = malloc(p + n + t + 1);
        assert_non_null(s);
        memcpy(s, prefix, p);
        memset(s + p, c, n);
        memcpy(s + p + n, tail, t + 1);
        return s;
}

/* Limits hit by one crafted line, with the rule JIT compiled or interpreted. */
static size_t limit_hits_of(const char *rule, bool jit, const char *line, size_t *matched) {
        RuleSet *rs = load_unit_rules();
        Matcher *m;
        LineClassifier *lc;
        assert_int_equal(matcher_new(rs, &m), 0);
        assert_int_equal(line_classifier_new(&lc), 0);
        if (!jit)
                without_jit(rule_named(rs, rule));
        Hits h = run(rs, m, lc, line);
        size_t hits = matcher_limit_hits(m);
        *matched = h.n;
        matcher_free(m);
        line_classifier_free(lc);
        ruleset_free(rs);
        return hits;
}

/* ^boom: (a+)+$ against 20 a's and a '!' tries every split of the a's: about 2.1 million match steps
 * with JIT and 2.6 million interpreted (measured with PCRE2 10.42). That is far past our
 * VX_PCRE2_MATCH_LIMIT and well under PCRE2's own default of 10 million, so the line is refused only
 * while our limit is set: with 60 a's PCRE2's default would refuse it too and the test would not notice
 * our limit gone. */
static void test_match_limit(void **state) {
        _cleanup_free_ char *line = crafted("[    1.000000] boom: ", 20, 'a', "!");
        size_t matched;
        /* boom-seen, after catastrophic in rule order, would match the line too: a line that hits a limit
         * is tried with no other rule (issue 24, #4), so a crafted line costs one limit, not one per rule.
         */
        for (int jit = 1; jit >= 0; jit--) {
                assert_int_equal(limit_hits_of("catastrophic", jit, line, &matched), 1);
                assert_int_equal(matched, 0);
        }
        /* Short enough for any limit: no limit hit, and the rule still matches what it should. */
        _cleanup_free_ char *fine = crafted("[    1.000000] boom: ", 20, 'a', "");
        for (int jit = 1; jit >= 0; jit--) {
                assert_int_equal(limit_hits_of("catastrophic", jit, fine, &matched), 0);
                assert_int_equal(matched, 2); /* catastrophic and boom-seen */
        }
}

/* ^deep: (a|b)*$ leaves a backtracking point per a: 20000 a's nest 40004 deep interpreted (past
 * VX_PCRE2_DEPTH_LIMIT) in only about 40000 match steps (under VX_PCRE2_MATCH_LIMIT), and the line
 * matches when nothing stops it. JIT code ignores the depth limit (pcre2jit(3)); its backtracking
 * lives on the JIT stack instead, about 640 KB of it here, past VX_PCRE2_JIT_STACK_MAX. */
static void test_depth_and_jit_stack_limits(void **state) {
        _cleanup_free_ char *line = crafted("[    1.000000] deep: ", 20000, 'a', "");
        size_t matched;
        assert_int_equal(limit_hits_of("deep", false, line, &matched), 1); /* depth limit */
        assert_int_equal(matched, 0);
        assert_int_equal(limit_hits_of("deep", true, line, &matched), 1); /* JIT stack limit */
        assert_int_equal(matched, 0);
        /* 2000 a's are within both: the rule matches, interpreted and JIT compiled alike. */
        _cleanup_free_ char *fine = crafted("[    1.000000] deep: ", 2000, 'a', "");
        for (int jit = 1; jit >= 0; jit--) {
                assert_int_equal(limit_hits_of("deep", jit, fine, &matched), 0);
                assert_int_equal(matched, 1);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_prefilter),    cmocka_unit_test(test_prefilter_exact),
#ifdef VX_HAVE_HYPERSCAN
                cmocka_unit_test(test_literal_db),
#endif
                cmocka_unit_test(test_literal_case), cmocka_unit_test(test_match_and_captures),
                cmocka_unit_test(test_match_limit),  cmocka_unit_test(test_depth_and_jit_stack_limits),
        };
        return tests_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
