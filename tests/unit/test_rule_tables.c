/* SPDX-License-Identifier: MIT */
/* The shipped rule set's build-time tables: the same set, field by field, as parsing rules/ gives; taken
 * only for files that are byte for byte the ones they were built from, one rule set at a time. */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "prefilter.h"
#include "rule_tables.h"
#include "test_common.h"

extern const RuleTables vx_rule_tables;

static RuleSet *load_from(const char *dir, bool tables) {
        RuleSources s = {0};
        Diag d = {0};
        RuleSet *rs = NULL;
        assert_int_equal(rule_sources_collect(dir, NULL, 0, &d, &s), 0);
        if (tables)
                s.tables = &vx_rule_tables;
        int r = ruleset_load_sources(&s, &d, &rs);
        for (size_t i = 0; i < d.n; i++)
                print_error("%s\n", d.lines[i]);
        assert_int_equal(r, 0);
        diag_done(&d);
        rule_sources_done(&s);
        return rs;
}

static void same_str(const char *a, const char *b) {
        assert_int_equal(a == NULL, b == NULL);
        if (a)
                assert_string_equal(a, b);
}

static void same_strv(char *const *a, size_t na, char *const *b, size_t nb) {
        assert_int_equal(na, nb);
        for (size_t i = 0; i < na; i++)
                same_str(a[i], b[i]);
}

static void same_sizes(const size_t *a, size_t na, const size_t *b, size_t nb) {
        assert_int_equal(na, nb);
        if (na > 0)
                assert_memory_equal(a, b, na * sizeof(size_t));
}

static void same_condition(const Condition *a, const Condition *b) {
        assert_int_equal(a->n_terms, b->n_terms);
        for (size_t i = 0; i < a->n_terms; i++) {
                const CondTerm *x = &a->terms[i], *y = &b->terms[i];
                assert_int_equal(x->subject, y->subject);
                assert_int_equal(x->var, y->var);
                assert_int_equal(x->negated, y->negated);
                assert_int_equal(x->below, y->below);
                same_strv(x->values, x->n_values, y->values, y->n_values);
                if (x->subject == COND_FACT || x->subject == COND_CARD_FACT)
                        same_sizes(x->facts, x->n_values, y->facts, y->n_values);
                assert_memory_equal(x->version, y->version, sizeof(x->version));
        }
}

static void same_fixes(const Fix *a, size_t na, const Fix *b, size_t nb) {
        assert_int_equal(na, nb);
        for (size_t i = 0; i < na; i++) {
                same_str(a[i].command, b[i].command);
                same_str(a[i].why, b[i].why);
                assert_int_equal(a[i].n_unless, b[i].n_unless);
                for (size_t k = 0; k < a[i].n_unless; k++)
                        same_condition(&a[i].unless[k], &b[i].unless[k]);
        }
}

static void same_origin(const Origin *a, const Origin *b) {
        same_str(a->file, b->file);
        assert_int_equal(a->line, b->line);
}

static void same_release(const KernelRelease *a, const KernelRelease *b) {
        assert_int_equal(a->major, b->major);
        assert_int_equal(a->minor, b->minor);
        assert_int_equal(a->rc, b->rc);
        assert_int_equal(a->stable, b->stable);
        assert_int_equal(a->stable_known, b->stable_known);
        assert_int_equal(a->vendor, b->vendor);
}

/* Everything but what only `rules test` and `rules list` read (examples, given and miss logs), and codes:
 * those are compared by what they match. */
static void same_set(const RuleSet *a, const RuleSet *b) {
        same_strv(a->files, a->n_files, b->files, b->n_files);
        assert_int_equal(a->n_causes, b->n_causes);
        for (size_t i = 0; i < a->n_causes; i++) {
                const CauseDef *x = &a->causes[i], *y = &b->causes[i];
                same_str(x->id, y->id);
                same_str(x->title, y->title);
                same_str(x->means, y->means);
                assert_int_equal(x->host_scope, y->host_scope);
                same_fixes(x->fixes, x->n_fixes, y->fixes, y->n_fixes);
                same_sizes(x->explains, x->n_explains, y->explains, y->n_explains);
                same_sizes(x->refuted_by, x->n_refuted_by, y->refuted_by, y->n_refuted_by);
                same_sizes(x->ruled_out_by, x->n_ruled_out_by, y->ruled_out_by, y->n_ruled_out_by);
                assert_int_equal(x->stage, y->stage);
                assert_int_equal(x->n_possible_unless, y->n_possible_unless);
                for (size_t k = 0; k < x->n_possible_unless; k++)
                        same_condition(&x->possible_unless[k], &y->possible_unless[k]);
                same_str(x->doubt, y->doubt);
                same_origin(&x->at, &y->at);
        }
        assert_int_equal(a->n_symptoms, b->n_symptoms);
        for (size_t i = 0; i < a->n_symptoms; i++) {
                const SymptomDef *x = &a->symptoms[i], *y = &b->symptoms[i];
                same_str(x->id, y->id);
                same_str(x->title, y->title);
                assert_int_equal(x->generic, y->generic);
                assert_int_equal(x->corroborates, y->corroborates);
                same_sizes(x->suggests, x->n_suggests, y->suggests, y->n_suggests);
                assert_int_equal(x->n_whens, y->n_whens);
                for (size_t k = 0; k < x->n_whens; k++) {
                        const SuggestWhen *v = &x->whens[k], *w = &y->whens[k];
                        same_condition(&v->cond, &w->cond);
                        same_sizes(v->causes, v->n_causes, w->causes, w->n_causes);
                        same_sizes(v->excludes, v->n_excludes, w->excludes, w->n_excludes);
                        assert_int_equal(v->at_line, w->at_line);
                }
                same_origin(&x->at, &y->at);
        }
        same_strv(a->facts, a->n_facts, b->facts, b->n_facts);
        assert_int_equal(a->n_rules, b->n_rules);
        for (size_t i = 0; i < a->n_rules; i++) {
                const RuleDef *x = &a->rules[i], *y = &b->rules[i];
                same_str(x->id, y->id);
                assert_int_equal(x->source_mask, y->source_mask);
                assert_int_equal(x->kind, y->kind);
                assert_int_equal(x->target, y->target);
                assert_int_equal(x->strength, y->strength);
                assert_int_equal(x->pasted, y->pasted);
                same_strv(x->contents, x->n_contents, y->contents, y->n_contents);
                assert_int_equal(x->fast_content, y->fast_content);
                same_str(x->pattern, y->pattern);
                assert_int_equal(x->pattern_line, y->pattern_line);
                assert_int_equal(x->pattern_col, y->pattern_col);
                assert_int_equal(x->n_captures, y->n_captures);
                assert_memory_equal(x->capture_group, y->capture_group, x->n_captures * sizeof(int));
                assert_memory_equal(x->capture_var, y->capture_var, x->n_captures * sizeof(int));
                same_str(x->explain, y->explain);
                same_fixes(x->fixes, x->n_fixes, y->fixes, y->n_fixes);
                same_strv(x->versions, x->n_versions, y->versions, y->n_versions);
                same_strv(x->origins, x->n_origins, y->origins, y->n_origins);
                same_origin(&x->at, &y->at);
        }
        assert_int_equal(a->n_regressions, b->n_regressions);
        for (size_t i = 0; i < a->n_regressions; i++) {
                const RegressionDef *x = &a->regressions[i], *y = &b->regressions[i];
                same_str(x->id, y->id);
                same_str(x->title, y->title);
                same_str(x->means, y->means);
                assert_int_equal(x->n_affected, y->n_affected);
                for (size_t k = 0; k < x->n_affected; k++) {
                        same_release(&x->affected[k].from, &y->affected[k].from);
                        same_release(&x->affected[k].to, &y->affected[k].to);
                }
                assert_int_equal(x->n_fixed_in, y->n_fixed_in);
                for (size_t k = 0; k < x->n_fixed_in; k++)
                        same_release(&x->fixed_in[k], &y->fixed_in[k]);
                same_sizes(x->evidence, x->n_evidence, y->evidence, y->n_evidence);
                same_strv(x->introduced, x->n_introduced, y->introduced, y->n_introduced);
                same_strv(x->fixed_by, x->n_fixed_by, y->fixed_by, y->n_fixed_by);
                same_strv(x->reports, x->n_reports, y->reports, y->n_reports);
                same_origin(&x->at, &y->at);
        }
        assert_int_equal(a->regression_cause, b->regression_cause);
        assert_int_equal(a->max_groups, b->max_groups);
}

typedef struct Hits {
        size_t ids[64];
        size_t n;
} Hits;

static void on_hit(size_t id, void *userdata) {
        Hits *h = userdata;
        if (h->n < ELEMENTSOF(h->ids))
                h->ids[h->n++] = id;
}

static void same_prefilter(const Prefilter *a, const PatternRules *ra, const Prefilter *b,
                           const PatternRules *rb, const RuleSet *rs) {
        size_t n = prefilter_n_patterns(a);
        assert_int_equal(n, prefilter_n_patterns(b));
        same_sizes(ra->start, n + 1, rb->start, n + 1);
        same_sizes(ra->rules, ra->start[n], rb->rules, rb->start[n]);
        if (n > 0)
                assert_memory_equal(ra->flags, rb->flags, n);
        /* Each rule's literals, as written and in capitals, are found alike by both automatons. */
        for (size_t i = 0; i < rs->n_rules; i++)
                for (size_t k = 0; k < rs->rules[i].n_contents; k++) {
                        char text[512];
                        int len = snprintf(text, sizeof(text), "x %s y", rs->rules[i].contents[k]);
                        for (int upper = 0; upper < 2; upper++) {
                                Hits x = {0}, y = {0};
                                for (int c = 0; upper && c < len; c++)
                                        text[c] = (char) ((text[c] >= 'a' && text[c] <= 'z') ? text[c] - 32
                                                                                             : text[c]);
                                prefilter_scan(a, text, text, (size_t) len, on_hit, &x);
                                prefilter_scan(b, text, text, (size_t) len, on_hit, &y);
                                assert_int_equal(x.n, y.n);
                                assert_memory_equal(x.ids, y.ids, x.n * sizeof(size_t));
                        }
                }
}

static void tables_are_the_parsed_set(void **state) {
        RuleSet *parsed = load_from(VX_SHIPPED_RULES, false);
        RuleSet *tables = load_from(VX_SHIPPED_RULES, true);

        assert_null(parsed->tables);
        assert_ptr_equal(tables->tables, &vx_rule_tables);
        same_set(parsed, tables);
        same_prefilter(parsed->prefilter, &parsed->prefilter_rules, tables->prefilter,
                       &tables->prefilter_rules, parsed);
        same_prefilter(parsed->probe_prefilter, &parsed->probe_prefilter_rules, tables->probe_prefilter,
                       &tables->probe_prefilter_rules, parsed);

        /* Nothing only `rules test` reads, and no code until a rule is a candidate; then the code compiled.
         */
        for (size_t i = 0; i < tables->n_rules; i++) {
                RuleDef *t = &tables->rules[i];
                const RuleDef *p = &parsed->rules[i];
                assert_int_equal(t->n_examples + t->n_counters, 0);
                assert_null(t->code);
                assert_int_equal(ruleset_rule_code(tables, t), 0);
                assert_int_equal(t->code == NULL, p->code == NULL);
                if (!p->code)
                        continue;
                size_t x = 0, y = 0;
                assert_int_equal(pcre2_pattern_info(p->code, PCRE2_INFO_SIZE, &x), 0);
                assert_int_equal(pcre2_pattern_info(t->code, PCRE2_INFO_SIZE, &y), 0);
                assert_int_equal(x, y);
                for (size_t e = 0; e < p->n_examples; e++) {
                        const char *line = p->examples[e].line;
                        pcre2_match_data *md = pcre2_match_data_create(parsed->max_groups, NULL);
                        int a = pcre2_match(p->code, (PCRE2_SPTR) line, strlen(line), 0, 0, md, NULL);
                        int b = pcre2_match(t->code, (PCRE2_SPTR) line, strlen(line), 0, 0, md, NULL);
                        assert_int_equal(a, b);
                        pcre2_match_data_free(md);
                }
        }
        for (size_t i = 0; i < tables->n_symptoms; i++)
                for (size_t k = 0; k < tables->symptoms[i].n_whens; k++)
                        assert_int_equal(tables->symptoms[i].whens[k].n_given +
                                                 tables->symptoms[i].whens[k].n_miss,
                                         0);
        ruleset_free(tables);
        ruleset_free(parsed);
}

static void one_set_at_a_time(void **state) {
        RuleSet *first = load_from(VX_SHIPPED_RULES, true);
        RuleSet *second = load_from(VX_SHIPPED_RULES, true);

        /* The tables' codes and JIT state belong to one set: another is parsed meanwhile. */
        assert_non_null(first->tables);
        assert_null(second->tables);
        assert_int_equal(ruleset_rule_code(first, &first->rules[0]), 0);
        first->rules[0].jit_tried = true;
        ruleset_free(first);
        /* and given back whole */
        for (size_t i = 0; i < vx_rule_tables.n_rules; i++) {
                assert_null(vx_rule_tables.rules[i].code);
                assert_false(vx_rule_tables.rules[i].jit_tried);
        }
        RuleSet *third = load_from(VX_SHIPPED_RULES, true);
        assert_non_null(third->tables);
        same_set(second, third);
        ruleset_free(third);
        ruleset_free(second);
}

/* A copy of rules/ in a new directory; returns its path (malloc()ed). */
static char *copy_rules(void) {
        char *dir = strdup("/tmp/vx-rule-tables-XXXXXX");
        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        for (size_t i = 0; i < vx_rule_tables.n_files; i++) {
                char from[4096], to[4096];
                char *text = NULL;
                size_t len;
                snprintf(from, sizeof(from), "%s/%s", VX_SHIPPED_RULES, vx_rule_tables.names[i]);
                snprintf(to, sizeof(to), "%s/%s", dir, vx_rule_tables.names[i]);
                assert_int_equal(file_read(AT_FDCWD, from, 0, VX_RULE_FILE_MAX, &text, &len), 0);
                FILE *f = fopen(to, "we");
                assert_non_null(f);
                assert_int_equal(fwrite(text, 1, len, f), len);
                assert_int_equal(fclose(f), 0);
                free(text);
        }
        return dir;
}

static void remove_rules(char *dir) {
        for (size_t i = 0; i < vx_rule_tables.n_files; i++) {
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, vx_rule_tables.names[i]);
                (void) unlink(path);
        }
        assert_int_equal(rmdir(dir), 0);
        free(dir);
}

static void other_files_are_parsed(void **state) {
        char *dir = copy_rules();
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, vx_rule_tables.names[0]);

        /* The copy, unchanged: the tables, their definitions saying where the copy is. */
        RuleSet *rs = load_from(dir, true);
        assert_non_null(rs->tables);
        assert_string_equal(rs->rules[0].at.file, path);
        RuleSet *parsed = load_from(dir, false);
        same_set(parsed, rs);
        ruleset_free(rs);

        /* One byte more at the end of one file (a comment's blank line): parsed, the same set. */
        FILE *f = fopen(path, "ae");
        assert_non_null(f);
        fputs("\n", f);
        assert_int_equal(fclose(f), 0);
        rs = load_from(dir, true);
        assert_null(rs->tables);
        same_set(parsed, rs);
        ruleset_free(rs);

        /* The file's own size again (the blank line taken off), one letter of a title changed. */
        char *text = NULL;
        size_t len;
        assert_int_equal(file_read(AT_FDCWD, path, 0, VX_RULE_FILE_MAX, &text, &len), 0);
        char *title = strstr(text, "\ntitle = ");
        assert_non_null(title);
        char *letter = title + strlen("\ntitle = ");
        while (!(*letter >= 'a' && *letter <= 'y'))
                letter++;
        (*letter)++;
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(text, 1, len - 1, f), len - 1);
        assert_int_equal(fclose(f), 0);
        free(text);
        rs = load_from(dir, true);
        assert_null(rs->tables);
        assert_int_equal(rs->n_rules, parsed->n_rules);
        bool differs = false;
        for (size_t i = 0; i < rs->n_causes; i++)
                differs = differs || strcmp(rs->causes[i].title, parsed->causes[i].title) != 0;
        for (size_t i = 0; i < rs->n_symptoms; i++)
                differs = differs || strcmp(rs->symptoms[i].title, parsed->symptoms[i].title) != 0;
        assert_true(differs);
        ruleset_free(rs);

        /* A file more, however empty of rules: parsed. */
        char extra[4096];
        snprintf(extra, sizeof(extra), "%s/zz-local.rules", dir);
        f = fopen(extra, "we");
        assert_non_null(f);
        fputs("# nothing yet\n", f);
        assert_int_equal(fclose(f), 0);
        rs = load_from(dir, true);
        assert_null(rs->tables);
        assert_int_equal(rs->n_files, parsed->n_files + 1);
        assert_int_equal(rs->n_rules, parsed->n_rules);
        ruleset_free(rs);
        assert_int_equal(unlink(extra), 0);

        ruleset_free(parsed);
        remove_rules(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(tables_are_the_parsed_set),
                cmocka_unit_test(one_set_at_a_time),
                cmocka_unit_test(other_files_are_parsed),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
