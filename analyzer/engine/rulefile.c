/* SPDX-License-Identifier: MIT */
/* The rule-file parser (docs/rule-format.md): text in, definitions out, every error as
 * file:line:column. Cross-references and compilation are ruleset.c's job. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "condition.h"
#include "escape.h"
#include "pattern_lint.h"
#include "rules_internal.h"
#include "template.h"
#include "vocab.h"

int names_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

bool loader_id_taken(const Loader *ld, const char *id) {
        return ld->n_ids > 0 && bsearch(&id, ld->ids, ld->n_ids, sizeof(char *), names_compare) != NULL;
}

int loader_id_add(Loader *ld, const char *id) {
        if (ld->n_ids == ld->cap_ids) {
                size_t cap = ld->cap_ids ? ld->cap_ids * 2 : 64;
                char **a = realloc(ld->ids, cap * sizeof(char *));
                if (!a)
                        return -ENOMEM;
                ld->ids = a;
                ld->cap_ids = cap;
        }
        /* Kept sorted: the place by binary search, the tail moved up by one. */
        size_t lo = 0, hi = ld->n_ids;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(ld->ids[mid], id) > 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        size_t i = lo;
        memmove(ld->ids + i + 1, ld->ids + i, (ld->n_ids - i) * sizeof(char *));
        ld->ids[i] = (char *) id;
        ld->n_ids++;
        return 0;
}

typedef enum SectionKind {
        SECTION_NONE,
        SECTION_BROKEN, /* a header that failed: its keys are skipped, not reported again */
        SECTION_CAUSE,
        SECTION_SYMPTOM,
        SECTION_RULE,
        SECTION_REGRESSION,
} SectionKind;

typedef struct Parser Parser;

/* One key of rule files: where it may appear, how often, and its parser, which stores value v (at column
 * vcol) in the open section. Adding a key is one entry of rule_keys[] with its parser, the field its value
 * goes to (rules.h) and its row in docs/rule-format.md, which unit/rulefile checks against rule_keys[]. */
typedef struct RuleKey {
        const char *name;
        unsigned sections; /* IN(SECTION_...) */
        unsigned min, max; /* per section; max 0 = unbounded */
        bool target; /* what a rule's match is evidence of: a rule gives exactly one such key */
        bool cause_rules_only; /* only a rule whose target is a cause may give it */
        int (*parse)(Parser *p, const char *v, size_t vcol);
} RuleKey;

#define IN(k) (1u << (k))
/* not-a-limit: room for a count of each key the rule format has (asserted below). */
#define RULE_KEYS_MAX 40

struct Parser {
        RuleSet *rs;
        Loader *ld;
        Diag *diag;
        const char *file;
        unsigned line;
        size_t errors;
        /* the open section */
        SectionKind kind;
        size_t index;
        unsigned section_line;
        unsigned counts[RULE_KEYS_MAX]; /* of each key of rule_keys[] in the open section */
        unsigned targets; /* keys given that name the rule's target */
        const RuleKey *cause_rules_only; /* a key given that only a cause's rule may give */
        unsigned pending_fix_line; /* a fix still waiting for its why, 0 if none */
        const RuleKey *last_key; /* of the line before, in this section; NULL for none */
};

static void error_at(Parser *p, unsigned line, size_t col, const char *fmt, const char *arg) {
        p->errors++;
        if (arg)
                diag_addf(p->diag, "%s:%u:%zu: %s%s", p->file, line, col + 1, fmt, arg);
        else
                diag_addf(p->diag, "%s:%u:%zu: %s", p->file, line, col + 1, fmt);
}

static bool id_valid(const char *s, size_t len) {
        if (len == 0 || len > VX_ID_MAX)
                return false;
        if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
        return true;
}

/* Appends a zeroed element. The capacity is implied by the count (4, then the next power of two), so that
 * a rule set of thousands of sections is not copied once per section. */
static int grow(void **arr, size_t *n, size_t elem, size_t max) {
        if (*n >= max)
                return -E2BIG;
        if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
                size_t cap = *n == 0 ? 4 : *n * 2;
                void *a = realloc(*arr, cap * elem);
                if (!a)
                        return -ENOMEM;
                *arr = a;
        }
        memset((char *) *arr + *n * elem, 0, elem);
        (*n)++;
        return 0;
}

static int add_ref(Parser *p, RefKind kind, size_t owner, size_t item, const char *name, size_t len,
                   size_t col) {
        if (grow((void **) &p->ld->refs, &p->ld->n_refs, sizeof(Ref), VX_RULES_MAX * 64) < 0)
                return -ENOMEM;
        Ref *r = &p->ld->refs[p->ld->n_refs - 1];
        r->name = strndup(name, len);
        if (!r->name)
                return -ENOMEM;
        r->kind = kind;
        r->owner = owner;
        r->item = item;
        r->at = (Origin){.file = (char *) p->file, .line = p->line};
        r->col = (unsigned) col;
        return 0;
}

/* A reference resolved into *slot (a fact of a condition). */
static int add_slot_ref(Parser *p, const char *name, size_t col, size_t *slot) {
        int r = add_ref(p, REF_COND_FACT, p->index, 0, name, strlen(name), col);
        if (r >= 0)
                p->ld->refs[p->ld->n_refs - 1].slot = slot;
        return r;
}

/* Space-separated list of ids; each one becomes a reference of the given kind. */
static int parse_id_list(Parser *p, const char *v, size_t vcol, RefKind kind, size_t owner,
                         size_t *n_items) {
        size_t i = 0, n = 0;
        while (v[i]) {
                while (v[i] == ' ' || v[i] == '\t')
                        i++;
                if (!v[i])
                        break;
                size_t start = i;
                while (v[i] && v[i] != ' ' && v[i] != '\t')
                        i++;
                if (!id_valid(v + start, i - start)) {
                        error_at(p, p->line, vcol + start, "invalid id (lower-case letters, digits and '-')",
                                 NULL);
                        continue;
                }
                if (n >= VX_LIST_ITEMS_MAX) {
                        error_at(p, p->line, vcol + start, "too many items in the list", NULL);
                        break;
                }
                int r = add_ref(p, kind, owner, n, v + start, i - start, vcol + start);
                if (r < 0)
                        return r;
                n++;
        }
        if (n == 0)
                error_at(p, p->line, vcol, "empty list", NULL);
        *n_items = n;
        return 0;
}

static void check_template(Parser *p, const char *v, size_t vcol) {
        size_t col;
        const char *err;
        if (template_validate(v, &col, &err) < 0) {
                char name[VX_ID_MAX + 1];
                size_t n = strcspn(v + col, "}|");
                snprintf(name, sizeof(name), "%.*s", (int) MIN(n, (size_t) VX_ID_MAX), v + col);
                if (strcmp(err, "unknown variable") == 0)
                        error_at(p, p->line, vcol + col,
                                 "unknown variable (the vocabulary is in docs/rule-format.md): ", name);
                else
                        error_at(p, p->line, vcol + col, err, NULL);
        }
}

static Fix *section_fixes(Parser *p, size_t *n) {
        if (p->kind == SECTION_CAUSE) {
                *n = p->rs->causes[p->index].n_fixes;
                return p->rs->causes[p->index].fixes;
        }
        *n = p->rs->rules[p->index].n_fixes;
        return p->rs->rules[p->index].fixes;
}

static int append_str(char ***arr, size_t *n, const char *v, size_t max) {
        int r = grow((void **) arr, n, sizeof(char *), max);
        if (r < 0)
                return r;
        (*arr)[*n - 1] = strdup(v);
        return (*arr)[*n - 1] ? 0 : -ENOMEM;
}

static int append_example(RuleExample **arr, size_t *n, const char *v, unsigned line) {
        int r = grow((void **) arr, n, sizeof(RuleExample), 64);
        if (r < 0)
                return r;
        (*arr)[*n - 1].line = strdup(v);
        (*arr)[*n - 1].at_line = line;
        return (*arr)[*n - 1].line ? 0 : -ENOMEM;
}

/* The versions grammar: "linux >= 6.2" or "qemu < 8.2, qemu >= 7.0". A rule's versions name linux, qemu or
 * libvirt; with any_program (an inventory's releases) a program is any lower-case name. */
bool versions_grammar_valid(const char *v, bool any_program) {
        const char *s = v;
        for (;;) {
                size_t n = 0;
                if (any_program)
                        while ((s[n] >= 'a' && s[n] <= 'z') || span_is_digit(s[n]) || (n > 0 && s[n] == '-'))
                                n++;
                else if (strncmp(s, "linux", 5) == 0)
                        n = 5;
                else if (strncmp(s, "qemu", 4) == 0)
                        n = 4;
                else if (strncmp(s, "libvirt", 7) == 0)
                        n = 7;
                if (n == 0 || s[n] != ' ')
                        return false;
                s += n + 1;
                if (strncmp(s, ">= ", 3) == 0)
                        s += 3;
                else if (strncmp(s, "< ", 2) == 0)
                        s += 2;
                else
                        return false;
                if (!span_is_digit(*s))
                        return false;
                while (span_is_digit(*s) || (*s == '.' && span_is_digit(s[1])))
                        s++;
                if (*s == 0)
                        return true;
                if (strncmp(s, ", ", 2) != 0)
                        return false;
                s += 2;
        }
}

/* The definition of the open section, NULL if it is of another kind. */
static CauseDef *section_cause(Parser *p) {
        return p->kind == SECTION_CAUSE ? &p->rs->causes[p->index] : NULL;
}

static SymptomDef *section_symptom(Parser *p) {
        return p->kind == SECTION_SYMPTOM ? &p->rs->symptoms[p->index] : NULL;
}

static RuleDef *section_rule(Parser *p) {
        return p->kind == SECTION_RULE ? &p->rs->rules[p->index] : NULL;
}

static RegressionDef *section_regression(Parser *p) {
        return p->kind == SECTION_REGRESSION ? &p->rs->regressions[p->index] : NULL;
}

static int parse_title(Parser *p, const char *v, size_t vcol) {
        CauseDef *c = section_cause(p);
        SymptomDef *sy = section_symptom(p);
        RegressionDef *g = section_regression(p);
        char **title = c ? &c->title : sy ? &sy->title : &g->title;
        return (*title = strdup(v)) ? 0 : -ENOMEM;
}

static int parse_means(Parser *p, const char *v, size_t vcol) {
        CauseDef *c = section_cause(p);
        RegressionDef *g = section_regression(p);
        char **means = c ? &c->means : &g->means;
        return (*means = strdup(v)) ? 0 : -ENOMEM;
}

/* "6.12.23..6.12.25": the first release that has the regression and the first one after it that does not. */
static int parse_affected(Parser *p, const char *v, size_t vcol) {
        RegressionDef *g = section_regression(p);
        const char *dots = strstr(v, "..");
        ReleaseRange range;
        if (!dots || kernel_release_parse_plain(v, (size_t) (dots - v), &range.from) < 0 ||
            kernel_release_parse_plain(dots + 2, strlen(dots + 2), &range.to) < 0) {
                error_at(
                        p, p->line, vcol,
                        "affected: expected 'FROM..TO', two releases such as 6.12.23, 6.15 or 6.15-rc3: the first release with the regression and the first after it without",
                        NULL);
                return 0;
        }
        if (kernel_release_cmp(&range.from, &range.to) >= 0) {
                error_at(p, p->line, vcol, "affected: the range is empty (FROM must come before TO)", NULL);
                return 0;
        }
        for (size_t i = 0; i < g->n_affected; i++)
                if (kernel_release_cmp(&range.from, &g->affected[i].to) < 0 &&
                    kernel_release_cmp(&g->affected[i].from, &range.to) < 0) {
                        error_at(p, p->line, vcol, "affected: the range overlaps an earlier one", NULL);
                        return 0;
                }
        if (g->n_affected < VX_REGRESSION_RANGES_MAX)
                g->affected[g->n_affected++] = range;
        return 0;
}

static int parse_fixed_in(Parser *p, const char *v, size_t vcol) {
        RegressionDef *g = section_regression(p);
        for (size_t i = 0; v[i];) {
                while (v[i] == ' ' || v[i] == '\t')
                        i++;
                size_t start = i;
                while (v[i] && v[i] != ' ' && v[i] != '\t')
                        i++;
                if (i == start)
                        break;
                KernelRelease r;
                if (kernel_release_parse_plain(v + start, i - start, &r) < 0) {
                        error_at(p, p->line, vcol + start,
                                 "fixed-in: not a release such as 6.12.25 or 6.15-rc3", NULL);
                        continue;
                }
                if (g->n_fixed_in >= VX_REGRESSION_RANGES_MAX) {
                        error_at(p, p->line, vcol + start, "too many items in the list", NULL);
                        break;
                }
                g->fixed_in[g->n_fixed_in++] = r;
        }
        return 0;
}

static int parse_evidence(Parser *p, const char *v, size_t vcol) {
        RegressionDef *g = section_regression(p);
        return parse_id_list(p, v, vcol, REF_REGRESSION_EVIDENCE, p->index, &g->n_evidence);
}

/* "f458d039db7e ("kvm: ioapic: Lazy update IOAPIC EOI")": a commit of Linux, 12 to 40 hex digits first. */
static bool commit_valid(const char *v) {
        size_t n = strspn(v, "0123456789abcdef");
        return n >= 12 && n <= 40 &&
                (v[n] == 0 || (v[n] == ' ' && v[n + 1] == '(' && v[strlen(v) - 1] == ')'));
}

static int parse_commit(Parser *p, const char *v, size_t vcol, char ***list, size_t *n) {
        if (!commit_valid(v))
                error_at(p, p->line, vcol,
                         "expected a commit as 'SHA (\"subject\")', 12 to 40 lower-case hex digits first",
                         NULL);
        return append_str(list, n, v, VX_REGRESSION_RANGES_MAX);
}

static int parse_introduced(Parser *p, const char *v, size_t vcol) {
        RegressionDef *g = section_regression(p);
        return parse_commit(p, v, vcol, &g->introduced, &g->n_introduced);
}

static int parse_fixed_by(Parser *p, const char *v, size_t vcol) {
        RegressionDef *g = section_regression(p);
        return parse_commit(p, v, vcol, &g->fixed_by, &g->n_fixed_by);
}

static int parse_report(Parser *p, const char *v, size_t vcol) {
        RegressionDef *g = section_regression(p);
        if (strncmp(v, "https://", 8) != 0 || strchr(v, ' '))
                error_at(p, p->line, vcol, "report: expected an https:// URL", NULL);
        return append_str(&g->reports, &g->n_reports, v, VX_REGRESSION_RANGES_MAX);
}

static int parse_scope(Parser *p, const char *v, size_t vcol) {
        CauseDef *c = section_cause(p);
        if (strcmp(v, "host") == 0)
                c->host_scope = true;
        else if (strcmp(v, "device") != 0)
                error_at(p, p->line, vcol, "scope is 'host' or 'device'", NULL);
        return 0;
}

static int parse_fix(Parser *p, const char *v, size_t vcol) {
        CauseDef *c = section_cause(p);
        RuleDef *r = section_rule(p);
        size_t n;
        Fix *fixes = section_fixes(p, &n);
        if (p->pending_fix_line)
                error_at(p, p->pending_fix_line, 0, "fix without a following 'why'", NULL);
        if (n >= VX_FIXES_MAX)
                return 0; /* counted and reported by the key limits */
        check_template(p, v, vcol);
        fixes[n].command = strdup(v);
        if (!fixes[n].command)
                return -ENOMEM;
        if (c)
                c->n_fixes++;
        else
                r->n_fixes++;
        p->pending_fix_line = p->line;
        return 0;
}

static int parse_why(Parser *p, const char *v, size_t vcol) {
        size_t n;
        Fix *fixes = section_fixes(p, &n);
        if (!p->pending_fix_line) {
                error_at(p, p->line, 0, "'why' must follow a 'fix'", NULL);
                return 0;
        }
        check_template(p, v, vcol);
        fixes[n - 1].why = strdup(v);
        p->pending_fix_line = 0;
        return fixes[n - 1].why ? 0 : -ENOMEM;
}

static int parse_explains(Parser *p, const char *v, size_t vcol) {
        CauseDef *c = section_cause(p);
        return parse_id_list(p, v, vcol, REF_CAUSE_EXPLAINS, p->index, &c->n_explains);
}

static int parse_refuted_by(Parser *p, const char *v, size_t vcol) {
        CauseDef *c = section_cause(p);
        return parse_id_list(p, v, vcol, REF_CAUSE_REFUTED_BY, p->index, &c->n_refuted_by);
}

static int parse_ruled_out_by(Parser *p, const char *v, size_t vcol) {
        CauseDef *c = section_cause(p);
        return parse_id_list(p, v, vcol, REF_CAUSE_RULED_OUT_BY, p->index, &c->n_ruled_out_by);
}

static int parse_suggests(Parser *p, const char *v, size_t vcol) {
        SymptomDef *sy = section_symptom(p);
        return parse_id_list(p, v, vcol, REF_SYMPTOM_SUGGESTS, p->index, &sy->n_suggests);
}

static int parse_generic(Parser *p, const char *v, size_t vcol) {
        SymptomDef *sy = section_symptom(p);
        if (strcmp(v, "yes") == 0)
                sy->generic = true;
        else if (strcmp(v, "no") != 0)
                error_at(p, p->line, vcol, "generic is 'yes' or 'no'", NULL);
        return 0;
}

static int parse_corroborates(Parser *p, const char *v, size_t vcol) {
        SymptomDef *sy = section_symptom(p);
        if (strcmp(v, "yes") == 0)
                sy->corroborates = true;
        else if (strcmp(v, "no") != 0)
                error_at(p, p->line, vcol, "corroborates is 'yes' or 'no'", NULL);
        return 0;
}

static int parse_pasted(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        if (strcmp(v, "yes") == 0)
                r->pasted = true;
        else if (strcmp(v, "no") != 0)
                error_at(p, p->line, vcol, "pasted is 'yes' or 'no'", NULL);
        return 0;
}

static int parse_source(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        size_t i = 0;
        while (v[i]) {
                while (v[i] == ' ')
                        i++;
                size_t start = i;
                while (v[i] && v[i] != ' ')
                        i++;
                if (i == start)
                        break;
                int s = source_from_string(v + start, i - start);
                if (s < 0)
                        error_at(p, p->line, vcol + start,
                                 "unknown source (kernel, qemu, libvirt, trace, journal, guest or probe)",
                                 NULL);
                else
                        r->source_mask |= 1u << s;
        }
        return 0;
}

static int parse_target(Parser *p, const char *v, size_t vcol, RuleKind kind, RefKind ref) {
        RuleDef *r = section_rule(p);
        r->kind = kind;
        if (!id_valid(v, strlen(v))) {
                error_at(p, p->line, vcol, "invalid id", NULL);
                return 0;
        }
        return add_ref(p, ref, p->index, 0, v, strlen(v), vcol);
}

static int parse_cause(Parser *p, const char *v, size_t vcol) {
        return parse_target(p, v, vcol, RULE_CAUSE, REF_RULE_CAUSE);
}

static int parse_symptom(Parser *p, const char *v, size_t vcol) {
        return parse_target(p, v, vcol, RULE_SYMPTOM, REF_RULE_SYMPTOM);
}

static int parse_fact(Parser *p, const char *v, size_t vcol) {
        return parse_target(p, v, vcol, RULE_FACT, REF_RULE_FACT);
}

static int parse_strength(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        if (strcmp(v, "confirmed") == 0)
                r->strength = STRENGTH_CONFIRMED;
        else if (strcmp(v, "likely") == 0)
                r->strength = STRENGTH_LIKELY;
        else if (strcmp(v, "possible") == 0)
                r->strength = STRENGTH_POSSIBLE;
        else
                error_at(p, p->line, vcol, "strength is confirmed, likely or possible", NULL);
        return 0;
}

static int parse_content(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        if (r->n_contents >= VX_CONTENTS_PER_RULE_MAX)
                return 0;
        if (strlen(v) < 3)
                error_at(p, p->line, vcol, "content too short to prefilter (3 bytes at least)", NULL);
        r->contents[r->n_contents] = strdup(v);
        if (!r->contents[r->n_contents])
                return -ENOMEM;
        r->n_contents++;
        return 0;
}

static int parse_pattern(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        p->ld->pattern_bytes += strlen(v);
        if (strlen(v) > VX_PATTERN_MAX)
                error_at(p, p->line, vcol, "pattern longer than the limit (see limits.h)", NULL);
        else if (p->ld->pattern_bytes > VX_RULE_SET_PATTERN_BYTES_MAX)
                error_at(p, p->line, vcol,
                         "the rule set's patterns together are longer than the limit (see limits.h)", NULL);
        else {
                size_t col;
                const char *why;
                /* A pattern whose matching is quadratic on a crafted line is refused as it is read
                 * (docs/rule-format.md): the match limit cannot see the restarts. */
                if (pattern_lint(v, &col, &why) < 0)
                        error_at(p, p->line, vcol + col, why, NULL);
        }
        r->pattern = strdup(v);
        r->pattern_col = (unsigned) vcol;
        r->pattern_line = p->line;
        return r->pattern ? 0 : -ENOMEM;
}

static int parse_explain(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        check_template(p, v, vcol);
        return (r->explain = strdup(v)) ? 0 : -ENOMEM;
}

static int parse_versions(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        if (!versions_grammar_valid(v, false))
                error_at(p, p->line, vcol,
                         "versions: expected 'linux|qemu|libvirt >=|< N.N[, ...]', e.g. 'linux >= 6.2'",
                         NULL);
        return append_str(&r->versions, &r->n_versions, v, 16);
}

static int parse_origin(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        const char *sp = strchr(v, ' ');
        if (!sp || sp == v || !sp[1])
                error_at(p, p->line, vcol, "origin: expected 'PROJECT FILE FUNCTION...'", NULL);
        return append_str(&r->origins, &r->n_origins, v, 16);
}

static int parse_example(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        return append_example(&r->examples, &r->n_examples, v, p->line);
}

static int parse_counter(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        return append_example(&r->counters, &r->n_counters, v, p->line);
}

static int parse_expect(Parser *p, const char *v, size_t vcol) {
        RuleDef *r = section_rule(p);
        if (r->n_examples == 0) {
                error_at(p, p->line, 0, "'expect' must follow an 'example'", NULL);
                return 0;
        }
        RuleExample *ex = &r->examples[r->n_examples - 1];
        const char *eq = strchr(v, '=');
        if (!eq || var_from_string(v, (size_t) (eq - v)) < 0 ||
            var_from_string(v, (size_t) (eq - v)) >= _VAR_CAPTURE_MAX) {
                error_at(p, p->line, vcol, "expect: expected NAME=VALUE with a capture name", NULL);
                return 0;
        }
        if (ex->n_expect >= VX_CAPTURES_MAX) {
                error_at(p, p->line, vcol, "too many expect lines for one example", NULL);
                return 0;
        }
        ex->expect[ex->n_expect] = strdup(v);
        if (!ex->expect[ex->n_expect])
                return -ENOMEM;
        ex->n_expect++;
        return 0;
}

/* A condition's text v[0..len) at column vcol into *ret, its facts references to resolve later. Errors are
 * reported; returns 0 (also after an error) or -ENOMEM. */
static int parse_condition(Parser *p, const char *v, size_t len, size_t vcol, Condition *ret) {
        size_t col;
        const char *err;
        int r = condition_parse(v, len, ret, &col, &err);
        if (r == -EINVAL) {
                error_at(p, p->line, vcol + col, err, NULL);
                return 0;
        }
        if (r < 0)
                return r;
        for (size_t i = 0; i < ret->n_terms; i++) {
                CondTerm *t = &ret->terms[i];
                if (t->subject != COND_FACT && t->subject != COND_CARD_FACT)
                        continue;
                for (size_t k = 0; k < t->n_values; k++)
                        if ((r = add_slot_ref(p, t->values[k], vcol, &t->facts[k])) < 0)
                                return r;
        }
        return 0;
}

/* The when before the one opened now, or the section's last at its end: it needs its logs. */
static void check_when_logs(Parser *p) {
        if (p->kind != SECTION_SYMPTOM)
                return;
        SymptomDef *sy = &p->rs->symptoms[p->index];
        if (sy->n_whens == 0)
                return;
        const SuggestWhen *w = &sy->whens[sy->n_whens - 1];
        if (w->n_given == 0 || w->n_miss == 0)
                error_at(
                        p, w->at_line, 0,
                        "a when needs a 'given' log where it holds and a 'miss' log of the symptom where it does not",
                        NULL);
}

static int parse_when(Parser *p, const char *v, size_t vcol) {
        SymptomDef *sy = section_symptom(p);
        const char *arrow = strstr(v, "=>");
        int r;
        if (!arrow) {
                error_at(p, p->line, vcol, "when: expected 'CONDITION => CAUSE... !CAUSE...'", NULL);
                return 0;
        }
        check_when_logs(p);
        if ((r = grow((void **) &sy->whens, &sy->n_whens, sizeof(SuggestWhen), VX_WHENS_MAX)) < 0)
                return r == -E2BIG ? 0 : r;
        size_t index = sy->n_whens - 1;
        sy->whens[index].at_line = p->line;
        if ((r = parse_condition(p, v, (size_t) (arrow - v), vcol, &sy->whens[index].cond)) < 0)
                return r;
        size_t i = (size_t) (arrow - v) + 2, named = 0;
        while (v[i]) {
                while (v[i] == ' ' || v[i] == '\t')
                        i++;
                if (!v[i])
                        break;
                bool excluded = v[i] == '!';
                size_t start = i + excluded;
                i = start;
                while (v[i] && v[i] != ' ' && v[i] != '\t')
                        i++;
                SuggestWhen *w = &sy->whens[index];
                size_t *n = excluded ? &w->n_excludes : &w->n_causes;
                if (!id_valid(v + start, i - start)) {
                        error_at(p, p->line, vcol + start, "invalid cause id", NULL);
                        continue;
                }
                if (*n >= VX_LIST_ITEMS_MAX) {
                        error_at(p, p->line, vcol + start, "too many items in the list", NULL);
                        break;
                }
                r = add_ref(p, excluded ? REF_WHEN_EXCLUDES : REF_WHEN_CAUSE, p->index, *n, v + start,
                            i - start, vcol + start);
                if (r < 0)
                        return r;
                p->ld->refs[p->ld->n_refs - 1].sub = index;
                (*n)++;
                named++;
        }
        if (named == 0)
                error_at(p, p->line, vcol + (size_t) (arrow - v), "when: no cause after '=>'", NULL);
        return 0;
}

/* A given or miss line: the next line of the log the key before began, or the first of a new one. */
static int parse_when_log(Parser *p, const char *v, bool given) {
        SymptomDef *sy = section_symptom(p);
        if (sy->n_whens == 0) {
                error_at(p, p->line, 0, "'given' and 'miss' must follow a 'when'", NULL);
                return 0;
        }
        SuggestWhen *w = &sy->whens[sy->n_whens - 1];
        WhenExample **logs = given ? &w->given : &w->miss;
        size_t *n = given ? &w->n_given : &w->n_miss;
        int r;
        if (!p->last_key || strcmp(p->last_key->name, given ? "given" : "miss") != 0 || *n == 0) {
                if ((r = grow((void **) logs, n, sizeof(WhenExample), VX_WHEN_LOGS_MAX)) < 0) {
                        if (r == -E2BIG)
                                error_at(p, p->line, 0,
                                         "too many given or miss logs for one when (see limits.h)", NULL);
                        return r == -E2BIG ? 0 : r;
                }
                (*logs)[*n - 1].at_line = p->line;
        }
        WhenExample *e = &(*logs)[*n - 1];
        if (e->n_lines >= VX_WHEN_LOG_LINES_MAX) {
                error_at(p, p->line, 0, "too many lines in one given or miss log (see limits.h)", NULL);
                return 0;
        }
        return append_str(&e->lines, &e->n_lines, v, VX_WHEN_LOG_LINES_MAX);
}

static int parse_given(Parser *p, const char *v, size_t vcol) {
        return parse_when_log(p, v, true);
}

static int parse_miss(Parser *p, const char *v, size_t vcol) {
        return parse_when_log(p, v, false);
}

static int parse_unless(Parser *p, const char *v, size_t vcol) {
        size_t n;
        Fix *fixes = section_fixes(p, &n);
        if (!p->last_key ||
            (strcmp(p->last_key->name, "why") != 0 && strcmp(p->last_key->name, "unless") != 0) || n == 0) {
                error_at(p, p->line, 0, "'unless' must follow a fix's 'why' (or another 'unless')", NULL);
                return 0;
        }
        Fix *f = &fixes[n - 1];
        if (f->n_unless >= VX_FIX_UNLESS_MAX) {
                error_at(p, p->line, 0, "too many unless lines for one fix (see limits.h)", NULL);
                return 0;
        }
        return parse_condition(p, v, strlen(v), vcol, &f->unless[f->n_unless++]);
}

static int parse_stage(Parser *p, const char *v, size_t vcol) {
        int st = cause_stage_from_string(v);
        if (st < 0 || st == STAGE_NONE)
                error_at(p, p->line, vcol,
                         "stage is iommu, device, binding, card, group, access, container, setup or guest",
                         NULL);
        else
                section_cause(p)->stage = (CauseStage) st;
        return 0;
}

static int parse_possible_unless(Parser *p, const char *v, size_t vcol) {
        CauseDef *c = section_cause(p);
        return parse_condition(p, v, strlen(v), vcol, &c->possible_unless[c->n_possible_unless++]);
}

static int parse_doubt(Parser *p, const char *v, size_t vcol) {
        return (section_cause(p)->doubt = strdup(v)) ? 0 : -ENOMEM;
}

static const RuleKey rule_keys[] = {
        {"title", IN(SECTION_CAUSE) | IN(SECTION_SYMPTOM) | IN(SECTION_REGRESSION), 1, 1,
         .parse = parse_title},
        {"means", IN(SECTION_CAUSE) | IN(SECTION_REGRESSION), 1, 1, .parse = parse_means},
        {"scope", IN(SECTION_CAUSE), 1, 1, .parse = parse_scope},
        {"fix", IN(SECTION_CAUSE) | IN(SECTION_RULE), 0, VX_FIXES_MAX, .parse = parse_fix},
        {"why", IN(SECTION_CAUSE) | IN(SECTION_RULE), 0, VX_FIXES_MAX, .parse = parse_why},
        {"explains", IN(SECTION_CAUSE), 0, 1, .parse = parse_explains},
        {"refuted-by", IN(SECTION_CAUSE), 0, 1, .parse = parse_refuted_by},
        {"ruled-out-by", IN(SECTION_CAUSE), 0, 1, .parse = parse_ruled_out_by},
        {"suggests", IN(SECTION_SYMPTOM), 1, 1, .parse = parse_suggests},
        {"generic", IN(SECTION_SYMPTOM), 0, 1, .parse = parse_generic},
        {"corroborates", IN(SECTION_SYMPTOM), 0, 1, .parse = parse_corroborates},
        {"source", IN(SECTION_RULE), 1, 1, .parse = parse_source},
        {"cause", IN(SECTION_RULE), 0, 1, .target = true, .parse = parse_cause},
        {"symptom", IN(SECTION_RULE), 0, 1, .target = true, .parse = parse_symptom},
        {"fact", IN(SECTION_RULE), 0, 1, .target = true, .parse = parse_fact},
        {"strength", IN(SECTION_RULE), 0, 1, .cause_rules_only = true, .parse = parse_strength},
        {"pasted", IN(SECTION_RULE), 0, 1, .parse = parse_pasted},
        {"content", IN(SECTION_RULE), 1, VX_CONTENTS_PER_RULE_MAX, .parse = parse_content},
        {"pattern", IN(SECTION_RULE), 1, 1, .parse = parse_pattern},
        {"explain", IN(SECTION_RULE), 0, 1, .parse = parse_explain},
        {"versions", IN(SECTION_RULE), 0, 16, .parse = parse_versions},
        {"origin", IN(SECTION_RULE), 1, 16, .parse = parse_origin},
        {"example", IN(SECTION_RULE), 1, 64, .parse = parse_example},
        {"expect", IN(SECTION_RULE), 0, 0, .parse = parse_expect},
        {"counter", IN(SECTION_RULE), 1, 64, .parse = parse_counter},
        {"affected", IN(SECTION_REGRESSION), 1, VX_REGRESSION_RANGES_MAX, .parse = parse_affected},
        {"fixed-in", IN(SECTION_REGRESSION), 1, 1, .parse = parse_fixed_in},
        {"evidence", IN(SECTION_REGRESSION), 1, 1, .parse = parse_evidence},
        {"introduced", IN(SECTION_REGRESSION), 1, 16, .parse = parse_introduced},
        {"fixed-by", IN(SECTION_REGRESSION), 1, 16, .parse = parse_fixed_by},
        {"report", IN(SECTION_REGRESSION), 1, 16, .parse = parse_report},
        {"when", IN(SECTION_SYMPTOM), 0, VX_WHENS_MAX, .parse = parse_when},
        {"given", IN(SECTION_SYMPTOM), 0, 0, .parse = parse_given},
        {"miss", IN(SECTION_SYMPTOM), 0, 0, .parse = parse_miss},
        {"unless", IN(SECTION_CAUSE) | IN(SECTION_RULE), 0, 0, .parse = parse_unless},
        {"stage", IN(SECTION_CAUSE), 0, 1, .parse = parse_stage},
        {"possible-unless", IN(SECTION_CAUSE), 0, VX_FIX_UNLESS_MAX, .parse = parse_possible_unless},
        {"doubt", IN(SECTION_CAUSE), 0, 1, .parse = parse_doubt},
};

_Static_assert(ELEMENTSOF(rule_keys) <= RULE_KEYS_MAX, "Parser.counts holds a count for each key");

const char *rulefile_key_name(size_t i) {
        return i < ELEMENTSOF(rule_keys) ? rule_keys[i].name : NULL;
}

bool rulefile_key_allowed(size_t i, const char *section) {
        SectionKind kind = strcmp(section, "cause") == 0 ? SECTION_CAUSE
                : strcmp(section, "symptom") == 0        ? SECTION_SYMPTOM
                : strcmp(section, "rule") == 0           ? SECTION_RULE
                : strcmp(section, "regression") == 0     ? SECTION_REGRESSION
                                                         : SECTION_NONE;
        return i < ELEMENTSOF(rule_keys) && kind != SECTION_NONE && (rule_keys[i].sections & IN(kind));
}

static void close_section(Parser *p) {
        if (p->kind == SECTION_NONE || p->kind == SECTION_BROKEN) {
                p->kind = SECTION_NONE;
                return;
        }
        for (size_t k = 0; k < ELEMENTSOF(rule_keys); k++) {
                if (!(rule_keys[k].sections & IN(p->kind)))
                        continue;
                if (p->counts[k] < rule_keys[k].min)
                        error_at(p, p->section_line, 0, "section lacks required key: ", rule_keys[k].name);
        }
        if (p->pending_fix_line)
                error_at(p, p->pending_fix_line, 0, "fix without a following 'why'", NULL);
        check_when_logs(p);
        if (p->kind == SECTION_CAUSE) {
                const CauseDef *c = &p->rs->causes[p->index];
                /* A user shown a cause in doubt is told why in the rule file's words. */
                if (c->n_possible_unless > 0 && !c->doubt)
                        error_at(
                                p, p->section_line, 0,
                                "possible-unless needs a 'doubt' saying why a finding is in doubt without it",
                                NULL);
                if (c->doubt && c->n_possible_unless == 0)
                        error_at(p, p->section_line, 0, "doubt without a possible-unless", NULL);
        }
        if (p->kind == SECTION_RULE) {
                RuleDef *r = &p->rs->rules[p->index];
                if (p->targets != 1)
                        error_at(p, p->section_line, 0, "a rule needs exactly one of cause, symptom or fact",
                                 NULL);
                if (p->cause_rules_only && r->kind != RULE_CAUSE)
                        error_at(p, p->section_line, 0, p->cause_rules_only->name,
                                 " applies to cause rules only");
                if (r->kind == RULE_FACT && (r->n_fixes || r->explain))
                        error_at(p, p->section_line, 0,
                                 "a fact rule has no explain or fix: it is not a failure", NULL);
                size_t best = 0;
                for (size_t i = 1; i < r->n_contents; i++)
                        if (strlen(r->contents[i]) > strlen(r->contents[best]))
                                best = i;
                r->fast_content = best;
        }
        if (p->kind == SECTION_REGRESSION) {
                const RegressionDef *g = &p->rs->regressions[p->index];
                for (size_t i = 0; i < g->n_fixed_in; i++)
                        for (size_t k = 0; k < g->n_affected; k++)
                                if (kernel_release_in_range(&g->fixed_in[i], &g->affected[k].from,
                                                            &g->affected[k].to) == KERNEL_IN_RANGE_YES) {
                                        char rel[32];
                                        kernel_release_format(&g->fixed_in[i], rel, sizeof(rel));
                                        error_at(p, p->section_line, 0,
                                                 "fixed-in names a release an affected range holds: ", rel);
                                }
        }
        p->kind = SECTION_NONE;
}

static int open_section(Parser *p, const char *line, size_t len) {
        size_t i = 1;
        SectionKind kind;
        const char *word;

        close_section(p);
        p->kind = SECTION_BROKEN;
        if (len > 0 && line[len - 1] != ']') {
                error_at(p, p->line, len, "expected ']' at the end of a section header", NULL);
                return 0;
        }
        if (strncmp(line + 1, "cause ", 6) == 0)
                kind = SECTION_CAUSE, word = "cause";
        else if (strncmp(line + 1, "symptom ", 8) == 0)
                kind = SECTION_SYMPTOM, word = "symptom";
        else if (strncmp(line + 1, "rule ", 5) == 0)
                kind = SECTION_RULE, word = "rule";
        else if (strncmp(line + 1, "regression ", 11) == 0)
                kind = SECTION_REGRESSION, word = "regression";
        else {
                error_at(p, p->line, 1, "expected [cause ID], [symptom ID], [rule ID] or [regression ID]",
                         NULL);
                return 0;
        }
        i += strlen(word) + 1;
        const char *id = line + i;
        size_t idlen = len - 1 - i;
        if (!id_valid(id, idlen)) {
                error_at(p, p->line, i, "invalid id (lower-case letters, digits and '-', at most 64)", NULL);
                return 0;
        }
        _cleanup_free_ char *dup = strndup(id, idlen);
        if (!dup)
                return -ENOMEM;
        if (loader_id_taken(p->ld, dup)) {
                error_at(p, p->line, i, "duplicate id: ", dup);
                return 0;
        }
        int r;
        Origin at = {.file = (char *) p->file, .line = p->line};
        switch (kind) {
        case SECTION_CAUSE:
                if ((r = grow((void **) &p->rs->causes, &p->rs->n_causes, sizeof(CauseDef), VX_CAUSES_MAX)) <
                    0)
                        goto limit;
                p->index = p->rs->n_causes - 1;
                p->rs->causes[p->index].at = at;
                p->rs->causes[p->index].stage = STAGE_NONE;
                p->rs->causes[p->index].id = TAKE_PTR(dup);
                r = loader_id_add(p->ld, p->rs->causes[p->index].id);
                break;
        case SECTION_SYMPTOM:
                if ((r = grow((void **) &p->rs->symptoms, &p->rs->n_symptoms, sizeof(SymptomDef),
                              VX_CAUSES_MAX)) < 0)
                        goto limit;
                p->index = p->rs->n_symptoms - 1;
                p->rs->symptoms[p->index].at = at;
                p->rs->symptoms[p->index].id = TAKE_PTR(dup);
                r = loader_id_add(p->ld, p->rs->symptoms[p->index].id);
                break;
        case SECTION_REGRESSION:
                if ((r = grow((void **) &p->rs->regressions, &p->rs->n_regressions, sizeof(RegressionDef),
                              VX_REGRESSIONS_MAX)) < 0)
                        goto limit;
                p->index = p->rs->n_regressions - 1;
                p->rs->regressions[p->index].at = at;
                p->rs->regressions[p->index].id = TAKE_PTR(dup);
                r = loader_id_add(p->ld, p->rs->regressions[p->index].id);
                break;
        default:
                if ((r = grow((void **) &p->rs->rules, &p->rs->n_rules, sizeof(RuleDef), VX_RULES_MAX)) < 0)
                        goto limit;
                p->index = p->rs->n_rules - 1;
                p->rs->rules[p->index].at = at;
                p->rs->rules[p->index].strength = STRENGTH_LIKELY;
                p->rs->rules[p->index].id = TAKE_PTR(dup);
                r = loader_id_add(p->ld, p->rs->rules[p->index].id);
                break;
        }
        if (r < 0)
                return r;
        p->kind = kind;
        p->section_line = p->line;
        p->pending_fix_line = 0;
        memset(p->counts, 0, sizeof(p->counts));
        p->targets = 0;
        p->cause_rules_only = NULL;
        p->last_key = NULL;
        return 0;
limit:
        if (r == -E2BIG) {
                error_at(p, p->line, 0, "too many sections of this kind (see limits.h)", NULL);
                return 0;
        }
        return r;
}

/* Checks the bytes of one line: UTF-8, no control characters but TAB, nothing invisible. Returns the bad
 * column or -1. */
static ssize_t bad_byte(const char *s, size_t len, const char **why) {
        for (size_t i = 0; i < len;) {
                /* Most of a rule file is printable ASCII: eight such bytes at a time. */
                uint64_t w;
                if (i + 8 <= len) {
                        memcpy(&w, s + i, 8);
                        uint64_t low = (w - UINT64_C(0x2020202020202020)) & ~w,
                                 high = w + UINT64_C(0x0101010101010101);
                        if (((low | w | high) & UINT64_C(0x8080808080808080)) == 0) {
                                i += 8;
                                continue;
                        }
                }
                unsigned char c = (unsigned char) s[i];
                if (c < 0x20 && c != '\t') {
                        *why = c == 0 ? "NUL byte" : "control character";
                        return (ssize_t) i;
                }
                if (c == 0x7f) {
                        *why = "control character";
                        return (ssize_t) i;
                }
                if (c < 0x80) {
                        i++;
                        continue;
                }
                size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
                if (n == 0 || (c >= 0xe0 && c < 0xf0 && n != 3) || i + n > len) {
                        *why = "invalid UTF-8";
                        return (ssize_t) i;
                }
                for (size_t j = 1; j < n; j++)
                        if (((unsigned char) s[i + j] & 0xc0) != 0x80) {
                                *why = "invalid UTF-8";
                                return (ssize_t) i;
                        }
                /* What output would escape has no place in a rule: a C1 control, an invisible or
                 * bidirectional code point (rule text reaches reports as it is written). */
                if (escape_needed(s + i, n)) {
                        *why = utf8_is_valid(s + i, n) ? "control or invisible character" : "invalid UTF-8";
                        return (ssize_t) i;
                }
                i += n;
        }
        return -1;
}

static int parse_line(Parser *p, const char *raw, size_t len) {
        const char *why;
        ssize_t bad = bad_byte(raw, len, &why);
        if (bad >= 0) {
                error_at(p, p->line, (size_t) bad, why, NULL);
                return 0;
        }
        size_t lead = 0;
        while (lead < len && (raw[lead] == ' ' || raw[lead] == '\t'))
                lead++;
        while (len > lead && (raw[len - 1] == ' ' || raw[len - 1] == '\t'))
                len--;
        if (lead == len || raw[lead] == '#')
                return 0;
        _cleanup_free_ char *line = strndup(raw, len);
        if (!line)
                return -ENOMEM;
        if (line[lead] == '[')
                return open_section(p, line + lead, len - lead);

        size_t k = lead;
        while (k < len && ((line[k] >= 'a' && line[k] <= 'z') || line[k] == '-'))
                k++;
        size_t key_end = k;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
                k++;
        if (key_end == lead || k >= len || line[k] != '=') {
                error_at(p, p->line, k, "expected 'key = value'", NULL);
                return 0;
        }
        size_t vcol = k + 1;
        while (vcol < len && (line[vcol] == ' ' || line[vcol] == '\t'))
                vcol++;
        line[key_end] = 0;
        const RuleKey *key = NULL;
        for (size_t i = 0; i < ELEMENTSOF(rule_keys); i++)
                if (rule_keys[i].name[0] == line[lead] && strcmp(rule_keys[i].name, line + lead) == 0) {
                        key = &rule_keys[i];
                        break;
                }
        if (!key) {
                error_at(p, p->line, lead, "unknown key: ", line + lead);
                return 0;
        }
        if (p->kind == SECTION_NONE) {
                error_at(p, p->line, lead, "key outside a section", NULL);
                return 0;
        }
        if (p->kind == SECTION_BROKEN)
                return 0;
        if (!(key->sections & IN(p->kind))) {
                error_at(p, p->line, lead, "key not allowed in this kind of section: ", line + lead);
                return 0;
        }
        if (vcol >= len) {
                error_at(p, p->line, vcol, "empty value", NULL);
                return 0;
        }
        unsigned *count = &p->counts[key - rule_keys];
        (*count)++;
        p->targets += key->target;
        if (key->cause_rules_only)
                p->cause_rules_only = key;
        if (key->max && *count > key->max) {
                error_at(p, p->line, lead,
                         key->max == 1 ? "key given twice: " : "key given too often: ", line + lead);
                return 0;
        }
        int r = key->parse(p, line + vcol, vcol);
        p->last_key = key;
        return r;
}

int rulefile_parse(RuleSet *rs, Loader *ld, const char *file, const char *buf, size_t len, Diag *diag) {
        Parser p = {.rs = rs, .ld = ld, .diag = diag, .file = file};
        size_t pos = 0;

        while (pos < len) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                size_t end = nl ? (size_t) (nl - buf) : len;
                p.line++;
                if (end - pos > VX_RULE_LINE_MAX)
                        error_at(&p, p.line, VX_RULE_LINE_MAX, "line too long (see limits.h)", NULL);
                else {
                        int r = parse_line(&p, buf + pos, end - pos);
                        if (r < 0)
                                return r;
                }
                pos = end + 1;
        }
        close_section(&p);
        return p.errors > 0 ? -EINVAL : 0;
}
