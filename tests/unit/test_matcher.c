/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"
#include "vfioexplain/matcher.h"
#include "vfioexplain/prefilter.h"

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
        prefilter_scan(p, "ushers", 6, count_hit, seen);
        assert_int_equal(seen[0], 1); /* he */
        assert_int_equal(seen[1], 1); /* she */
        assert_int_equal(seen[2], 0); /* his */
        assert_int_equal(seen[3], 1); /* hers */
        assert_int_equal(seen[4], 1); /* the duplicate pattern is reported under its own id */
        prefilter_free(p);
        const char *empty[] = {""};
        assert_int_equal(prefilter_new(empty, 1, &p), -EINVAL);
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

static void test_match_limit(void **state) {
        RuleSet *rs = load_unit_rules();
        Matcher *m;
        LineClassifier *lc;
        assert_int_equal(matcher_new(rs, &m), 0);
        assert_int_equal(line_classifier_new(&lc), 0);
        char line[200];
        strcpy(line, "[    1.000000] boom: ");
        size_t n = strlen(line);
        memset(line + n, 'a', 60);
        strcpy(line + n + 60, "!");
        Hits h = run(rs, m, lc, line);
        assert_int_equal(h.n, 0);
        assert_int_equal(matcher_limit_hits(m), 1);
        matcher_free(m);
        line_classifier_free(lc);
        ruleset_free(rs);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_prefilter),
                cmocka_unit_test(test_match_and_captures),
                cmocka_unit_test(test_match_limit),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
