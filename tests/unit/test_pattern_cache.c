/* SPDX-License-Identifier: MIT */
/* The build-time pattern cache: what comes out of it matches as the compiled pattern does, a rule whose
 * text differs is compiled instead, and a damaged blob is refused whole, never half read. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pattern_cache.h"
#include "rules_cmd.h"
#include "test_common.h"

static void blob_of(const RuleSet *rs, uint8_t **blob, size_t *size, size_t *n) {
        char **patterns = calloc(rs->n_rules, sizeof(char *));
        pcre2_code **codes = calloc(rs->n_rules, sizeof(pcre2_code *));
        assert_non_null(patterns);
        assert_non_null(codes);
        *n = 0;
        for (size_t i = 0; i < rs->n_rules; i++)
                if (rs->rules[i].pattern) {
                        patterns[*n] = rs->rules[i].pattern;
                        codes[(*n)++] = rs->rules[i].code;
                }
        assert_true(*n > 3);
        assert_int_equal(pattern_cache_encode(patterns, codes, *n, blob, size), 0);
        free(patterns);
        free(codes);
}

static bool matches(pcre2_code *code, const char *subject) {
        pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
        int rc = pcre2_match(code, (PCRE2_SPTR) subject, strlen(subject), 0, 0, md, NULL);
        pcre2_match_data_free(md);
        return rc >= 0;
}

static void taken_codes_match_as_compiled(void **state) {
        RuleSet *rs = load_unit_rules();
        uint8_t *blob;
        size_t size, n;
        blob_of(rs, &blob, &size, &n);

        PatternCache *c = NULL;
        assert_int_equal(pattern_cache_decode(blob, size, &c), 0);
        assert_int_equal(pattern_cache_size(c), n);
        for (size_t i = 0; i < rs->n_rules; i++) {
                const RuleDef *r = &rs->rules[i];
                if (!r->pattern)
                        continue;
                pcre2_code *code = pattern_cache_take(c, r->pattern);
                /* A pattern shared by two rules is in the cache twice, once for each. */
                assert_non_null(code);
                size_t a = 0, b = 0;
                assert_int_equal(pcre2_pattern_info(code, PCRE2_INFO_SIZE, &a), 0);
                assert_int_equal(pcre2_pattern_info(r->code, PCRE2_INFO_SIZE, &b), 0);
                assert_int_equal(a, b);
                /* The same compiled program: both match the example messages (after the prefix the
                 * classifier removes, which unit.rules' examples do not have) alike. */
                for (size_t e = 0; e < r->n_examples; e++)
                        assert_int_equal(matches(code, r->examples[e].line),
                                         matches(r->code, r->examples[e].line));
                pcre2_code_free(code);
        }
        /* All given away; a text never compiled was never there. */
        assert_null(pattern_cache_take(c, rs->rules[0].pattern));
        assert_null(pattern_cache_take(c, "^no such pattern$"));
        pattern_cache_free(c);
        free(blob);
        ruleset_free(rs);
}

static void damaged_blob_is_refused(void **state) {
        RuleSet *rs = load_unit_rules();
        uint8_t *blob;
        size_t size, n;
        PatternCache *c = (PatternCache *) 0x1;
        blob_of(rs, &blob, &size, &n);

        /* Cut anywhere: refused, and *ret untouched. */
        for (size_t cut = 0; cut < size; cut += cut < 64 ? 1 : 97)
                assert_int_equal(pattern_cache_decode(blob, cut, &c), -EBADMSG);
        assert_ptr_equal(c, (PatternCache *) 0x1);

        uint8_t *bad = malloc(size);
        assert_non_null(bad);
        memcpy(bad, blob, size);
        bad[0] ^= 1; /* magic */
        assert_int_equal(pattern_cache_decode(bad, size, &c), -EBADMSG);
        memcpy(bad, blob, size);
        bad[8]++; /* one more pattern said than the codes hold */
        assert_true(pattern_cache_decode(bad, size, &c) < 0);
        memcpy(bad, blob, size);
        /* PCRE2's own header (its magic number) right after the u64 length: another library's codes. */
        size_t ser = size;
        for (size_t at = 12, i = 0; i < n; i++)
                at += 4 +
                        (blob[at] | (size_t) blob[at + 1] << 8 | (size_t) blob[at + 2] << 16 |
                         (size_t) blob[at + 3] << 24),
                        ser = at;
        bad[ser + 8] ^= 0xff;
        assert_int_equal(pattern_cache_decode(bad, size, &c), -EPROTO);
        assert_ptr_equal(c, (PatternCache *) 0x1);
        free(bad);
        free(blob);
        ruleset_free(rs);
}

/* Loading through the cache: every pattern taken but the one whose text changed, which is compiled. */
static void loader_takes_unchanged_patterns_only(void **state) {
        RuleSet *rs = load_unit_rules();
        uint8_t *blob;
        size_t size, n;
        blob_of(rs, &blob, &size, &n);
        ruleset_free(rs);

        char *text = NULL;
        size_t len = 0;
        FILE *f = fopen(VX_TEST_DATA "/unit.rules", "re");
        assert_non_null(f);
        assert_true(getdelim(&text, &len, '\0', f) > 0);
        fclose(f);
        /* Change one pattern's text, keeping what it matches. */
        char *p = strstr(text, "\npattern = ");
        assert_non_null(p);
        p += strlen("\npattern = ");
        char edited[] = "/tmp/vx-pattern-cache-XXXXXX.rules";
        int fd = mkstemps(edited, 6);
        assert_true(fd >= 0);
        f = fdopen(fd, "w");
        fprintf(f, "%.*s(?:)%s", (int) (p - text), text, p);
        fclose(f);
        free(text);

        RuleSource item = {.name = (char *) "unit.rules", .path = edited};
        RuleSources s = {.items = &item, .n = 1, .precompiled = blob, .precompiled_size = size};
        Diag d = {0};
        assert_int_equal(ruleset_load_sources(&s, &d, &rs), 0);
        assert_int_equal(rs->n_precompiled, n - 1);
        /* Every example and counter still behaves as its rule says. */
        StrBuf report = {0};
        RulesTestResult res;
        assert_int_equal(rules_test(rs, &report, &res), 0);
        if (res.failures)
                print_error("%s\n", strbuf_str(&report));
        assert_int_equal(res.failures, 0);
        assert_true(res.examples > 0);
        strbuf_done(&report);
        ruleset_free(rs);

        /* A blob this libpcre2 cannot read: every pattern compiled, the load succeeds as without. */
        blob[0] ^= 1;
        assert_int_equal(ruleset_load_sources(&s, &d, &rs), 0);
        assert_int_equal(rs->n_precompiled, 0);
        ruleset_free(rs);
        diag_done(&d);
        unlink(edited);
        free(blob);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(taken_codes_match_as_compiled),
                cmocka_unit_test(damaged_blob_is_refused),
                cmocka_unit_test(loader_takes_unchanged_patterns_only),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
