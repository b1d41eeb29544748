/* SPDX-License-Identifier: MIT */
/* Builds a rule set from rule files: reads them within limits, resolves every reference,
 * compiles every pattern once (PCRE2 with JIT) and builds the literal prefilter. */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "condition.h"
#include "fileio.h"
#include "pattern_cache.h"
#include "prefilter.h"
#include "rule_tables.h"
#include "rules_internal.h"
#include "string_table.h"
#include "vocab.h"

static const char *const strength_table[_STRENGTH_MAX] = {
        [STRENGTH_POSSIBLE] = "possible",
        [STRENGTH_LIKELY] = "likely",
        [STRENGTH_CONFIRMED] = "confirmed",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(strength, Strength)

static void loader_done(Loader *ld) {
        for (size_t i = 0; i < ld->n_refs; i++)
                free(ld->refs[i].name);
        free(ld->refs);
        free(ld->ids);
        *ld = (Loader){0};
}

static void fix_free(Fix *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].command);
                free(f[i].why);
                for (size_t k = 0; k < f[i].n_unless; k++)
                        condition_done(&f[i].unless[k]);
        }
}

static void when_logs_free(WhenExample *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                for (size_t k = 0; k < e[i].n_lines; k++)
                        free(e[i].lines[k]);
                free(e[i].lines);
        }
        free(e);
}

static void whens_free(SuggestWhen *w, size_t n) {
        for (size_t i = 0; i < n; i++) {
                condition_done(&w[i].cond);
                when_logs_free(w[i].given, w[i].n_given);
                when_logs_free(w[i].miss, w[i].n_miss);
        }
        free(w);
}

static void examples_free(RuleExample *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(e[i].line);
                for (size_t j = 0; j < e[i].n_expect; j++)
                        free(e[i].expect[j]);
        }
        free(e);
}

static void strv_free(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* The build's tables a rule set holds now, if one does: a second set at once parses its files. */
static const RuleTables *tables_taken;

/* A set from the tables owns none of its definitions: it gives back what a run set in them. */
static void tables_give_back(RuleSet *rs) {
        for (size_t i = 0; i < rs->n_rules; i++) {
                RuleDef *r = &rs->rules[i];
                pcre2_code_free(r->code);
                r->code = NULL;
                r->jit_tried = r->jit = false;
        }
        tables_taken = NULL;
}

static void definitions_free(RuleSet *rs) {
        for (size_t i = 0; i < rs->n_causes; i++) {
                CauseDef *c = &rs->causes[i];
                free(c->id);
                free(c->title);
                free(c->means);
                free(c->doubt);
                fix_free(c->fixes, c->n_fixes);
                for (size_t k = 0; k < c->n_possible_unless; k++)
                        condition_done(&c->possible_unless[k]);
        }
        free(rs->causes);
        for (size_t i = 0; i < rs->n_symptoms; i++) {
                free(rs->symptoms[i].id);
                free(rs->symptoms[i].title);
                whens_free(rs->symptoms[i].whens, rs->symptoms[i].n_whens);
        }
        free(rs->symptoms);
        strv_free(rs->facts, rs->n_facts);
        for (size_t i = 0; i < rs->n_rules; i++) {
                RuleDef *r = &rs->rules[i];
                free(r->id);
                for (size_t j = 0; j < r->n_contents; j++)
                        free(r->contents[j]);
                free(r->pattern);
                pcre2_code_free(r->code);
                free(r->explain);
                fix_free(r->fixes, r->n_fixes);
                strv_free(r->versions, r->n_versions);
                strv_free(r->origins, r->n_origins);
                examples_free(r->examples, r->n_examples);
                examples_free(r->counters, r->n_counters);
        }
        free(rs->rules);
        for (size_t i = 0; i < rs->n_regressions; i++) {
                RegressionDef *g = &rs->regressions[i];
                free(g->id);
                free(g->title);
                free(g->means);
                strv_free(g->introduced, g->n_introduced);
                strv_free(g->fixed_by, g->n_fixed_by);
                strv_free(g->reports, g->n_reports);
        }
        free(rs->regressions);
        strv_free(rs->files, rs->n_files);
}

RuleSet *ruleset_free(RuleSet *rs) {
        if (!rs)
                return NULL;
        if (rs->tables)
                tables_give_back(rs);
        else
                definitions_free(rs);
        prefilter_free(rs->prefilter);
        prefilter_free(rs->probe_prefilter);
        if (!rs->tables) {
                free(rs->prefilter_rules.start);
                free(rs->prefilter_rules.rules);
                free(rs->prefilter_rules.flags);
                free(rs->probe_prefilter_rules.start);
                free(rs->probe_prefilter_rules.rules);
                free(rs->probe_prefilter_rules.flags);
        }
        pcre2_match_context_free(rs->match_context);
        pcre2_jit_stack_free(rs->jit_stack);
        free(rs);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(RuleSet *, ruleset_free);

int ruleset_find_cause(const RuleSet *rs, const char *id) {
        for (size_t i = 0; i < rs->n_causes; i++)
                if (strcmp(rs->causes[i].id, id) == 0)
                        return (int) i;
        return -ENOENT;
}

static int find_fact(const RuleSet *rs, const char *id) {
        for (size_t i = 0; i < rs->n_facts; i++)
                if (strcmp(rs->facts[i], id) == 0)
                        return (int) i;
        return -ENOENT;
}

/* Causes or symptoms by id, for resolving the references of a large rule set without a scan per name. */
typedef struct NameIndex {
        const char *name;
        size_t index;
} NameIndex;

static int cmp_name_index(const void *a, const void *b) {
        return strcmp(((const NameIndex *) a)->name, ((const NameIndex *) b)->name);
}

static NameIndex *name_index_new(size_t n, char *(*name_of)(const RuleSet *, size_t), const RuleSet *rs) {
        NameIndex *x = calloc(n ? n : 1, sizeof(NameIndex));
        if (!x)
                return NULL;
        for (size_t i = 0; i < n; i++)
                x[i] = (NameIndex){.name = name_of(rs, i), .index = i};
        qsort(x, n, sizeof(NameIndex), cmp_name_index);
        return x;
}

/* Ids are unique across causes and symptoms (the parser refuses a duplicate), so the first is the only. */
static int name_index_find(const NameIndex *x, size_t n, const char *name) {
        NameIndex key = {.name = name};
        const NameIndex *e = bsearch(&key, x, n, sizeof(NameIndex), cmp_name_index);
        return e ? (int) e->index : -ENOENT;
}

static char *cause_name(const RuleSet *rs, size_t i) {
        return rs->causes[i].id;
}

static char *symptom_name(const RuleSet *rs, size_t i) {
        return rs->symptoms[i].id;
}

static char *rule_name(const RuleSet *rs, size_t i) {
        return rs->rules[i].id;
}

static void ref_error(Diag *diag, const Ref *r, const char *what) {
        diag_addf(diag, "%s:%u:%u: %s: %s", r->at.file, r->at.line, r->col + 1, what, r->name);
}

static int resolve(RuleSet *rs, Loader *ld, Diag *diag, size_t *errors) {
        /* Facts exist because rules produce them: collect those first. */
        for (size_t i = 0; i < ld->n_refs; i++) {
                Ref *r = &ld->refs[i];
                if (r->kind != REF_RULE_FACT)
                        continue;
                int f = find_fact(rs, r->name);
                if (f < 0) {
                        if (ld->n_refs > 0 && loader_id_taken(ld, r->name)) {
                                ref_error(diag, r, "fact id is already the id of a cause, symptom or rule");
                                (*errors)++;
                                continue;
                        }
                        char **a = realloc(rs->facts, (rs->n_facts + 1) * sizeof(char *));
                        if (!a)
                                return -ENOMEM;
                        rs->facts = a;
                        if (!(rs->facts[rs->n_facts] = strdup(r->name)))
                                return -ENOMEM;
                        f = (int) rs->n_facts++;
                }
                rs->rules[r->owner].target = (size_t) f;
        }

        _cleanup_free_ NameIndex *causes = name_index_new(rs->n_causes, cause_name, rs);
        _cleanup_free_ NameIndex *symptoms = name_index_new(rs->n_symptoms, symptom_name, rs);
        _cleanup_free_ NameIndex *rules = NULL;
        if (rs->n_regressions > 0 && !(rules = name_index_new(rs->n_rules, rule_name, rs)))
                return -ENOMEM;
        if (!causes || !symptoms)
                return -ENOMEM;
        for (size_t i = 0; i < ld->n_refs; i++) {
                Ref *r = &ld->refs[i];
                int idx;
                switch (r->kind) {
                case REF_CAUSE_EXPLAINS:
                        if ((idx = name_index_find(causes, rs->n_causes, r->name)) < 0)
                                break;
                        if ((size_t) idx == r->owner) {
                                ref_error(diag, r, "a cause cannot explain itself");
                                (*errors)++;
                                continue;
                        }
                        rs->causes[r->owner].explains[r->item] = (size_t) idx;
                        continue;
                case REF_SYMPTOM_SUGGESTS:
                        if ((idx = name_index_find(causes, rs->n_causes, r->name)) < 0)
                                break;
                        rs->symptoms[r->owner].suggests[r->item] = (size_t) idx;
                        continue;
                case REF_RULE_CAUSE:
                        if ((idx = name_index_find(causes, rs->n_causes, r->name)) < 0)
                                break;
                        rs->rules[r->owner].target = (size_t) idx;
                        continue;
                case REF_RULE_SYMPTOM:
                        if ((idx = name_index_find(symptoms, rs->n_symptoms, r->name)) < 0) {
                                ref_error(diag, r, "unknown symptom");
                                (*errors)++;
                        } else
                                rs->rules[r->owner].target = (size_t) idx;
                        continue;
                case REF_CAUSE_REFUTED_BY:
                case REF_CAUSE_RULED_OUT_BY:
                        if ((idx = find_fact(rs, r->name)) < 0) {
                                ref_error(diag, r, "no rule produces this fact");
                                (*errors)++;
                        } else if (r->kind == REF_CAUSE_REFUTED_BY)
                                rs->causes[r->owner].refuted_by[r->item] = (size_t) idx;
                        else
                                rs->causes[r->owner].ruled_out_by[r->item] = (size_t) idx;
                        continue;
                case REF_RULE_FACT:
                        continue;
                case REF_REGRESSION_EVIDENCE:
                        if ((idx = name_index_find(rules, rs->n_rules, r->name)) < 0)
                                ref_error(diag, r, "unknown rule");
                        else if (rs->rules[idx].kind == RULE_FACT ||
                                 (rs->rules[idx].source_mask & (1u << SOURCE_PROBE)))
                                ref_error(
                                        diag, r,
                                        "the evidence of a regression is a failure a log shows: not a fact or probe rule");
                        else {
                                rs->regressions[r->owner].evidence[r->item] = (size_t) idx;
                                continue;
                        }
                        (*errors)++;
                case REF_WHEN_CAUSE:
                case REF_WHEN_EXCLUDES:
                        continue; /* below, once every symptom's suggests is known */
                case REF_COND_FACT:
                        if ((idx = find_fact(rs, r->name)) < 0) {
                                ref_error(diag, r, "no rule produces this fact");
                                (*errors)++;
                        } else
                                *r->slot = (size_t) idx;
                        continue;
                }
                ref_error(diag, r, "unknown cause");
                (*errors)++;
        }
        /* A when reorders what its symptom suggests: it may name no other cause. */
        for (size_t i = 0; i < ld->n_refs; i++) {
                Ref *r = &ld->refs[i];
                int idx;
                if (r->kind != REF_WHEN_CAUSE && r->kind != REF_WHEN_EXCLUDES)
                        continue;
                if ((idx = name_index_find(causes, rs->n_causes, r->name)) < 0) {
                        ref_error(diag, r, "unknown cause");
                        (*errors)++;
                        continue;
                }
                SymptomDef *sy = &rs->symptoms[r->owner];
                bool suggested = false;
                for (size_t k = 0; k < sy->n_suggests; k++)
                        suggested = suggested || sy->suggests[k] == (size_t) idx;
                if (!suggested) {
                        ref_error(diag, r, "a when names a cause the symptom does not suggest");
                        (*errors)++;
                        continue;
                }
                SuggestWhen *w = &sy->whens[r->sub];
                if (r->kind == REF_WHEN_CAUSE)
                        w->causes[r->item] = (size_t) idx;
                else
                        w->excludes[r->item] = (size_t) idx;
        }
        return 0;
}

/* What a rule's pattern is compiled as (docs/rule-format.md "Pasted text"): caseless, as people retype
 * messages, but for the captures whose values are case-significant; and a message may end in a full stop
 * and blanks the pattern does not name. NULL without memory. */
static char *pattern_as_compiled(const char *pattern) {
        static const char *const exact[] = {"(?<path>",   "(?<node>",  "(?<user>",
                                            "(?<domain>", "(?<label>", "(?<alias>"};
        size_t len = strlen(pattern);
        char *out = malloc(len * 2 + 32), *o = out;
        if (!out)
                return NULL;
        for (size_t i = 0; i < len;) {
                bool named = false;
                for (size_t k = 0; k < ELEMENTSOF(exact) && !named; k++) {
                        size_t n = strlen(exact[k]);
                        if (strncmp(pattern + i, exact[k], n) == 0 && (i == 0 || pattern[i - 1] != '\\')) {
                                memcpy(o, exact[k], n);
                                o += n;
                                memcpy(o, "(?-i)", 5);
                                o += 5;
                                i += n;
                                named = true;
                        }
                }
                if (!named)
                        *o++ = pattern[i++];
        }
        *o = '\0';
        /* The "$" that ends the pattern, alone or before the closing parentheses of its groups
         * ("(?:[\\s,]|$)"), and not escaped (an odd run of backslashes before it escapes it). */
        size_t olen = (size_t) (o - out), end = olen, slashes = 0;
        while (end > 0 && out[end - 1] == ')')
                end--;
        while (end >= 2 + slashes && out[end - 2 - slashes] == '\\')
                slashes++;
        char tail[64];
        if (end > 0 && out[end - 1] == '$' && slashes % 2 == 0 && olen - end < sizeof(tail)) {
                snprintf(tail, sizeof(tail), "%s", out + end);
                static const char any_end[] = "[.\\s]*$";
                memcpy(out + end - 1, any_end, sizeof(any_end) - 1);
                memcpy(out + end - 1 + sizeof(any_end) - 1, tail, strlen(tail) + 1);
        }
        return out;
}

static int compile_rule(RuleSet *rs, Loader *ld, RuleDef *r, Diag *diag, size_t *errors) {
        int err;
        PCRE2_SIZE off;
        uint32_t count, entry_size;
        PCRE2_SPTR table;

        r->code = pattern_cache_take(ld->precompiled, r->pattern);
        if (r->code)
                rs->n_precompiled++;
        else {
                _cleanup_free_ char *compiled = pattern_as_compiled(r->pattern);
                if (!compiled)
                        return -ENOMEM;
                r->code = pcre2_compile((PCRE2_SPTR) compiled, PCRE2_ZERO_TERMINATED,
                                        PCRE2_NEVER_BACKSLASH_C | PCRE2_CASELESS, &err, &off, NULL);
        }
        if (!r->code) {
                PCRE2_UCHAR msg[256];
                pcre2_get_error_message(err, msg, sizeof(msg));
                /* An offset past what was written is in what pattern_as_compiled() added: at its end. */
                off = MIN(off, (PCRE2_SIZE) strlen(r->pattern));
                diag_addf(diag, "%s:%u:%zu: pattern: %s", r->at.file, r->pattern_line,
                          (size_t) r->pattern_col + off + 1, (const char *) msg);
                (*errors)++;
                return 0;
        }

        pcre2_pattern_info(r->code, PCRE2_INFO_NAMECOUNT, &count);
        pcre2_pattern_info(r->code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
        pcre2_pattern_info(r->code, PCRE2_INFO_NAMETABLE, &table);
        for (uint32_t i = 0; i < count; i++) {
                const unsigned char *e = table + (size_t) i * entry_size;
                int group = (e[0] << 8) | e[1];
                const char *name = (const char *) e + 2;
                int v = var_from_string(name, strlen(name));
                if (v < 0 || v >= _VAR_CAPTURE_MAX) {
                        diag_addf(diag, "%s:%u:%u: pattern: capture name outside the vocabulary: %s",
                                  r->at.file, r->pattern_line, r->pattern_col + 1, name);
                        (*errors)++;
                        continue;
                }
                if (r->n_captures >= VX_CAPTURES_MAX) {
                        diag_addf(diag, "%s:%u:%u: pattern: too many named captures", r->at.file,
                                  r->pattern_line, r->pattern_col + 1);
                        (*errors)++;
                        break;
                }
                r->capture_group[r->n_captures] = group;
                r->capture_var[r->n_captures] = v;
                r->n_captures++;
        }
        return 0;
}

typedef struct Literal {
        const char *text;
        size_t rule; /* SIZE_MAX for an extra literal */
} Literal;

static int cmp_literal(const void *a, const void *b) {
        const Literal *x = a, *y = b;
        int c = strcmp(x->text, y->text);
        return c != 0 ? c : x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* The prefilter of log lines (probe = false) or of probe lines: the fast content of each rule that reads
 * such lines, and for logs the extra literals; each distinct literal once. */
static int build_prefilter(const RuleSet *rs, bool probe, Prefilter **ret, PatternRules *ret_rules) {
        static const char *const extra[] = PREFILTER_EXTRA_LITERALS;
        static const char *const shell[] = {PREFILTER_SHELL_LITERALS};
        static const char *const exact[] = {PREFILTER_EXACT_LITERALS};
        const unsigned probe_bit = 1u << SOURCE_PROBE;
        size_t max = rs->n_rules + ELEMENTSOF(extra), n = 0, n_patterns = 0, n_rules = 0;
        _cleanup_free_ Literal *lits = calloc(max, sizeof(Literal));
        _cleanup_free_ const char **patterns = calloc(max, sizeof(char *));
        _cleanup_free_ size_t *start = calloc(max + 1, sizeof(size_t));
        _cleanup_free_ size_t *rules = calloc(max, sizeof(size_t));
        _cleanup_free_ uint8_t *flags = calloc(max, sizeof(uint8_t));
        _cleanup_free_ bool *as_written = calloc(max, sizeof(bool));
        int r;

        if (!lits || !patterns || !start || !rules || !flags || !as_written)
                return -ENOMEM;
        for (size_t i = 0; i < rs->n_rules; i++) {
                unsigned mask = rs->rules[i].source_mask;
                if (probe ? !(mask & probe_bit) : !(mask & ~probe_bit))
                        continue;
                lits[n++] = (Literal){rs->rules[i].contents[rs->rules[i].fast_content], i};
        }
        for (size_t i = 0; !probe && i < ELEMENTSOF(extra); i++)
                lits[n++] = (Literal){extra[i], SIZE_MAX};
        qsort(lits, n, sizeof(Literal), cmp_literal);
        for (size_t i = 0; i < n; i++) {
                if (i == 0 || strcmp(lits[i].text, lits[i - 1].text) != 0) {
                        start[n_patterns] = n_rules;
                        patterns[n_patterns++] = lits[i].text;
                        for (size_t k = 0; k < ELEMENTSOF(exact); k++)
                                as_written[n_patterns - 1] |= strcmp(lits[i].text, exact[k]) == 0;
                }
                /* a rule's literal is found in every case people type, whoever else shares it */
                if (lits[i].rule != SIZE_MAX)
                        as_written[n_patterns - 1] = false;
                if (lits[i].rule != SIZE_MAX)
                        rules[n_rules++] = lits[i].rule;
                if (lits[i].rule == SIZE_MAX || rs->rules[lits[i].rule].n_contents == 1)
                        flags[n_patterns - 1] |= PATTERN_ALONE;
                for (size_t k = 0; k < ELEMENTSOF(shell) && lits[i].rule == SIZE_MAX; k++)
                        if (strcmp(lits[i].text, shell[k]) == 0)
                                flags[n_patterns - 1] |= PATTERN_SHELL;
        }
        start[n_patterns] = n_rules;
        if ((r = prefilter_new(patterns, n_patterns, ret)) < 0)
                return r;
        for (size_t i = 0; i < n_patterns; i++)
                if (as_written[i])
                        prefilter_set_exact(*ret, i);
        *ret_rules = (PatternRules){TAKE_PTR(start), TAKE_PTR(rules), TAKE_PTR(flags)};
        return 0;
}

/* The cause of the [regression] sections: it exists where they do, and no rule names it, since only a
 * release in an affected range with its failure in the evidence names it. */
static void check_regressions(RuleSet *rs, Diag *diag, size_t *errors) {
        int c = ruleset_find_cause(rs, REGRESSION_CAUSE_ID);
        rs->regression_cause = c < 0 ? SIZE_MAX : (size_t) c;
        if (c < 0 && rs->n_regressions > 0) {
                const RegressionDef *g = &rs->regressions[0];
                diag_addf(diag, "%s:%u:1: a [regression] needs the cause %s", g->at.file, g->at.line,
                          REGRESSION_CAUSE_ID);
                (*errors)++;
        }
        for (size_t i = 0; c >= 0 && i < rs->n_rules; i++)
                if (rs->rules[i].kind == RULE_CAUSE && rs->rules[i].target == (size_t) c) {
                        diag_addf(
                                diag,
                                "%s:%u:1: no rule names the cause %s: a [regression] section does, for the releases it names",
                                rs->rules[i].at.file, rs->rules[i].at.line, REGRESSION_CAUSE_ID);
                        (*errors)++;
                }
}

static int runtime_init(RuleSet *rs);
static int match_context_init(RuleSet *rs);

static int finalize(RuleSet *rs, Loader *ld, Diag *diag) {
        size_t errors = 0;
        int r;

        if ((r = resolve(rs, ld, diag, &errors)) < 0)
                return r;
        check_regressions(rs, diag, &errors);
        for (size_t i = 0; i < rs->n_rules; i++)
                if (rs->rules[i].pattern && (r = compile_rule(rs, ld, &rs->rules[i], diag, &errors)) < 0)
                        return r;
        if (errors > 0)
                return -EINVAL;
        rs->max_groups = 1;
        for (size_t i = 0; i < rs->n_rules; i++) {
                uint32_t c = 0;
                pcre2_pattern_info(rs->rules[i].code, PCRE2_INFO_CAPTURECOUNT, &c);
                rs->max_groups = MAX(rs->max_groups, c + 1);
        }
        return runtime_init(rs);
}

/* What a run needs beside the definitions: the prefilters, the match context and the JIT stack. The build's
 * tables come with their prefilters built (load_tables()). */
static int runtime_init(RuleSet *rs) {
        int r;

        if ((r = build_prefilter(rs, false, &rs->prefilter, &rs->prefilter_rules)) < 0 ||
            (r = build_prefilter(rs, true, &rs->probe_prefilter, &rs->probe_prefilter_rules)) < 0)
                return r;
        return match_context_init(rs);
}

static int match_context_init(RuleSet *rs) {
        rs->match_context = pcre2_match_context_create(NULL);
        rs->jit_stack = pcre2_jit_stack_create(32 * 1024, VX_PCRE2_JIT_STACK_MAX, NULL);
        if (!rs->match_context || !rs->jit_stack)
                return -ENOMEM;
        pcre2_set_match_limit(rs->match_context, VX_PCRE2_MATCH_LIMIT);
        pcre2_set_depth_limit(rs->match_context, VX_PCRE2_DEPTH_LIMIT);
        pcre2_set_heap_limit(rs->match_context, VX_PCRE2_HEAP_LIMIT_KIB);
        pcre2_jit_stack_assign(rs->match_context, NULL, rs->jit_stack);
        return 0;
}

static int parse_file(RuleSet *rs, Loader *ld, const char *path, Diag *diag) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        /* A rule file found in a directory is a regular file: a FIFO would block every command. */
        r = file_read(AT_FDCWD, path, 0, VX_RULE_FILE_MAX, &buf, &len);
        if (r == -EFBIG) {
                diag_addf(diag, "%s:1:1: rule file larger than %u bytes", path, VX_RULE_FILE_MAX);
                return -EINVAL;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                diag_addf(diag, "%s: cannot read: %s", path, file_strerror(r));
                return -EINVAL;
        }
        ld->bytes += len;
        if (ld->bytes > VX_RULE_SET_BYTES_MAX) {
                diag_addf(diag, "%s:1:1: the rule files together are larger than %u bytes", path,
                          VX_RULE_SET_BYTES_MAX);
                return -EINVAL;
        }
        char **a = realloc(rs->files, (rs->n_files + 1) * sizeof(char *));
        if (!a)
                return -ENOMEM;
        rs->files = a;
        if (!(rs->files[rs->n_files] = strdup(path)))
                return -ENOMEM;
        const char *name = rs->files[rs->n_files++];
        return rulefile_parse(rs, ld, name, buf, len, diag);
}

static int load_files(char **paths, size_t n, PatternCache *precompiled, Diag *diag, RuleSet **ret) {
        _cleanup_(ruleset_freep) RuleSet *rs = calloc(1, sizeof(*rs));
        Loader ld = {.precompiled = precompiled};
        bool failed = false;
        int r = 0;

        if (!rs)
                return -ENOMEM;
        if (n > VX_RULE_FILES_MAX) {
                diag_addf(diag, "too many rule files (%zu, at most %u)", n, VX_RULE_FILES_MAX);
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                r = parse_file(rs, &ld, paths[i], diag);
                if (r == -ENOMEM)
                        goto out;
                if (r < 0)
                        failed = true;
        }
        if (failed) {
                r = -EINVAL;
                goto out;
        }
        if (rs->n_rules == 0) {
                diag_addf(diag, "no rules found in %zu rule file(s)", n);
                r = -EINVAL;
                goto out;
        }
        r = finalize(rs, &ld, diag);
        if (r >= 0)
                *ret = TAKE_PTR(rs);
out:
        loader_done(&ld);
        return r;
}

int ruleset_load_files(char **paths, size_t n, Diag *diag, RuleSet **ret) {
        return load_files(paths, n, NULL, diag, ret);
}

int ruleset_parse_buffer(RuleSet *rs, const char *name, const char *buf, size_t len, Diag *diag) {
        Loader ld = {0};
        int r = rulefile_parse(rs, &ld, name, buf, len, diag);
        if (r >= 0)
                r = finalize(rs, &ld, diag);
        loader_done(&ld);
        return r;
}

int ruleset_rule_code(const RuleSet *rs, RuleDef *r) {
        if (r->code || !r->pattern)
                return 0;
        const RuleTables *t = rs->tables;
        size_t i = (size_t) (r - rs->rules);
        if (!t || i >= rs->n_rules || !t->codes[i])
                return -EINVAL;
        int32_t k = pcre2_serialize_decode(&r->code, 1, t->codes[i], NULL);
        if (k == PCRE2_ERROR_NOMEMORY)
                return -ENOMEM;
        if (k == 1)
                return 0;
        /* A libpcre2 that refuses the build's codes (another version): compiled, as the parser would. */
        _cleanup_free_ char *compiled = pattern_as_compiled(r->pattern);
        int err;
        PCRE2_SIZE off;
        if (!compiled)
                return -ENOMEM;
        r->code = pcre2_compile((PCRE2_SPTR) compiled, PCRE2_ZERO_TERMINATED,
                                PCRE2_NEVER_BACKSLASH_C | PCRE2_CASELESS, &err, &off, NULL);
        return r->code ? 0 : -ENOMEM;
}

#define RULE_COMPARE_CHUNK (64u * 1024u)

/* Whether the file at path holds exactly text[0..len), read a chunk at a time into buf (RULE_COMPARE_CHUNK
 * bytes); false when it cannot be read. */
static bool file_holds(const char *path, const char *text, size_t len, char *buf) {
        /* A rule file found in a directory is a regular file: a FIFO would block every command. */
        int fd = file_open(AT_FDCWD, path, 0);
        size_t at = 0;
        bool same;
        if (fd < 0)
                return false;
        for (;;) {
                ssize_t k = read(fd, buf, RULE_COMPARE_CHUNK);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 || (size_t) k > len - at || memcmp(buf, text + at, (size_t) k) != 0) {
                        same = false;
                        break;
                }
                if (k == 0) {
                        same = at == len;
                        break;
                }
                at += (size_t) k;
        }
        close(fd);
        return same;
}

/* The shipped set from the build's tables (1), when the files to load are exactly the files they were built
 * from, or 0: the files are to be parsed. -ENOMEM. */
static int load_tables(const RuleTables *t, char **paths, size_t n, RuleSet **ret) {
        if (tables_taken || n != t->n_files)
                return 0;
        for (size_t i = 0; i < n; i++) {
                const char *slash = strrchr(paths[i], '/');
                if (strcmp(slash ? slash + 1 : paths[i], t->names[i]) != 0 ||
                    strlen(paths[i]) >= VX_RULE_TABLES_PATH_MAX)
                        return 0;
        }
        /* Byte for byte: any edit, however small, is parsed and validated like any other rule file. */
        _cleanup_free_ char *buf = malloc(RULE_COMPARE_CHUNK);
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!file_holds(paths[i], t->texts[i], t->sizes[i], buf))
                        return 0; /* parsing it says what is wrong, if anything is */

        _cleanup_(ruleset_freep) RuleSet *rs = calloc(1, sizeof(*rs));
        if (!rs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                snprintf(t->paths[i], VX_RULE_TABLES_PATH_MAX, "%s", paths[i]);
        *rs = (RuleSet){
                .causes = t->causes,
                .n_causes = t->n_causes,
                .symptoms = t->symptoms,
                .n_symptoms = t->n_symptoms,
                .facts = t->facts,
                .n_facts = t->n_facts,
                .rules = t->rules,
                .n_rules = t->n_rules,
                .regressions = t->regressions,
                .n_regressions = t->n_regressions,
                .regression_cause = t->regression_cause,
                .files = t->files,
                .n_files = t->n_files,
                .tables = t,
        };
        tables_taken = t;
        rs->max_groups = t->max_groups;
        /* Their codes come with them, decoded as each is first needed (ruleset_rule_code()). */
        for (size_t i = 0; i < rs->n_rules; i++)
                rs->n_precompiled += !!t->codes[i];
        int r = prefilter_image_load(t->prefilter_image, t->prefilter_image_size, &rs->prefilter);
        if (r >= 0)
                r = prefilter_image_load(t->probe_prefilter_image, t->probe_prefilter_image_size,
                                         &rs->probe_prefilter);
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        rs->prefilter_rules = t->prefilter_rules;
        rs->probe_prefilter_rules = t->probe_prefilter_rules;
        if ((r = match_context_init(rs)) < 0)
                return r;
        *ret = TAKE_PTR(rs);
        return 1;
}

static bool is_rules_file(const char *name) {
        size_t n = strlen(name);
        return name[0] != '.' && n > 6 && strcmp(name + n - 6, ".rules") == 0;
}

/* systemd's convention for masking a file of lower precedence: an empty file, or a link to /dev/null. */
static bool is_mask(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0)
                return false;
        if (S_ISCHR(st.st_mode))
                return major(st.st_rdev) == 1 && minor(st.st_rdev) == 3;
        return S_ISREG(st.st_mode) && st.st_size == 0;
}

static void rule_source_done(RuleSource *src) {
        free(src->name);
        free(src->path);
        strv_free(src->shadowed, src->n_shadowed);
}

void rule_sources_done(RuleSources *s) {
        for (size_t i = 0; i < s->n; i++)
                rule_source_done(&s->items[i]);
        free(s->items);
        *s = (RuleSources){0};
}

static RuleSource *find_source(RuleSources *s, const char *name) {
        for (size_t i = 0; i < s->n; i++)
                if (strcmp(s->items[i].name, name) == 0)
                        return &s->items[i];
        return NULL;
}

/* Adds path under name: the first directory to name a file wins it, later ones are shadowed by it. */
static int add_source(RuleSources *s, const char *dir, const char *name, Diag *diag) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        RuleSource *src = find_source(s, name);
        if (src) {
                char **a = realloc(src->shadowed, (src->n_shadowed + 1) * sizeof(char *));
                if (!a)
                        return -ENOMEM;
                src->shadowed = a;
                src->shadowed[src->n_shadowed++] = TAKE_PTR(path);
                return 0;
        }
        if (s->n >= VX_RULE_FILES_MAX) {
                diag_addf(diag, "%s: too many rule files (at most %u)", dir, VX_RULE_FILES_MAX);
                return -EINVAL;
        }
        RuleSource *a = realloc(s->items, (s->n + 1) * sizeof(RuleSource));
        if (!a)
                return -ENOMEM;
        s->items = a;
        src = &s->items[s->n];
        *src = (RuleSource){.masked = is_mask(path)};
        if (!(src->name = strdup(name)))
                return -ENOMEM;
        src->path = TAKE_PTR(path);
        s->n++;
        return 0;
}

static int add_dir(RuleSources *s, const char *dir, bool optional, Diag *diag) {
        DIR *d = file_opendir(AT_FDCWD, dir, 0);
        if (!d) {
                if (optional && (errno == ENOENT || errno == ENOTDIR))
                        return 0;
                if (errno == ENOMEM)
                        return -ENOMEM;
                diag_addf(diag, "%s: cannot read rule directory: %s", dir, strerror(errno));
                return -EINVAL;
        }
        /* The names, in order; no more than the rule files a set may hold, however many the directory has.
         */
        char *names[VX_RULE_FILES_MAX + 1];
        size_t n = 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d)) && r >= 0) {
                if (!is_rules_file(de->d_name))
                        continue;
                if (n > VX_RULE_FILES_MAX) {
                        diag_addf(diag, "%s: too many rule files (at most %u)", dir, VX_RULE_FILES_MAX);
                        r = -EINVAL;
                } else if (!(names[n++] = strdup(de->d_name)))
                        r = -ENOMEM;
        }
        closedir(d);
        if (r >= 0)
                qsort(names, n, sizeof(char *), names_compare);
        for (size_t i = 0; i < n; i++) {
                if (r >= 0 && names[i])
                        r = add_source(s, dir, names[i], diag);
                free(names[i]);
        }
        return r;
}

static int cmp_source(const void *a, const void *b) {
        return strcmp(((const RuleSource *) a)->name, ((const RuleSource *) b)->name);
}

int rule_sources_collect(const char *vendor, const char *const *dropins, size_t n_dropins, Diag *diag,
                         RuleSources *ret) {
        _cleanup_(rule_sources_done) RuleSources s = {0};
        int r;

        for (size_t i = 0; i < n_dropins; i++)
                if ((r = add_dir(&s, dropins[i], true, diag)) < 0)
                        return r;
        if ((r = add_dir(&s, vendor, false, diag)) < 0)
                return r;
        if (s.n > 0)
                qsort(s.items, s.n, sizeof(RuleSource), cmp_source);
        *ret = s;
        s = (RuleSources){0};
        return 0;
}

int ruleset_load_sources(const RuleSources *s, Diag *diag, RuleSet **ret) {
        _cleanup_free_ char **paths = calloc(s->n + 1, sizeof(char *));
        size_t n = 0;

        if (!paths)
                return -ENOMEM;
        for (size_t i = 0; i < s->n; i++)
                if (!s->items[i].masked)
                        paths[n++] = s->items[i].path;
        if (n == 0) {
                diag_addf(diag, "no *.rules files to load (%zu masked)", s->n);
                return -EINVAL;
        }
        int r = 0;
        if (s->tables)
                r = load_tables(s->tables, paths, n, ret);
        if (r == 0) {
                /* A blob this build cannot use is no error: the patterns are compiled, as they would be
                 * without. */
                _cleanup_(pattern_cache_freep) PatternCache *precompiled = NULL;
                if (s->precompiled)
                        (void) pattern_cache_decode(s->precompiled, s->precompiled_size, &precompiled);
                r = load_files(paths, n, precompiled, diag, ret);
        }
        if (r >= 0 && s->literal_db)
                prefilter_set_literal_db((*ret)->prefilter, s->literal_db, s->literal_db_size);
        return r < 0 ? r : 0;
}

int ruleset_load_dir(const char *dir, Diag *diag, RuleSet **ret) {
        _cleanup_(rule_sources_done) RuleSources s = {0};
        int r = rule_sources_collect(dir, NULL, 0, diag, &s);
        if (r < 0)
                return r;
        if (s.n == 0) {
                diag_addf(diag, "%s: no *.rules files", dir);
                return -EINVAL;
        }
        return ruleset_load_sources(&s, diag, ret);
}
