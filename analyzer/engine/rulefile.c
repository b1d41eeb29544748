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
#include "rules_internal.h"
#include "template.h"
#include "vocab.h"

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

bool loader_id_taken(const Loader *ld, const char *id) {
        return ld->n_ids > 0 && bsearch(&id, ld->ids, ld->n_ids, sizeof(char *), cmp_str) != NULL;
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
} SectionKind;

typedef enum Key {
        KEY_TITLE,
        KEY_MEANS,
        KEY_SCOPE,
        KEY_FIX,
        KEY_WHY,
        KEY_EXPLAINS,
        KEY_REFUTED_BY,
        KEY_SUGGESTS,
        KEY_GENERIC,
        KEY_CORROBORATES,
        KEY_SOURCE,
        KEY_CAUSE,
        KEY_SYMPTOM,
        KEY_FACT,
        KEY_STRENGTH,
        KEY_CONTENT,
        KEY_PATTERN,
        KEY_EXPLAIN,
        KEY_VERSIONS,
        KEY_ORIGIN,
        KEY_EXAMPLE,
        KEY_EXPECT,
        KEY_COUNTER,
        _KEY_MAX,
} Key;

#define IN(k) (1u << (k))
static const struct {
        const char *name;
        unsigned sections;
        unsigned min, max; /* per section; max 0 = unbounded */
} keys[_KEY_MAX] = {
        [KEY_TITLE] = {"title", IN(SECTION_CAUSE) | IN(SECTION_SYMPTOM), 1, 1},
        [KEY_MEANS] = {"means", IN(SECTION_CAUSE), 1, 1},
        [KEY_SCOPE] = {"scope", IN(SECTION_CAUSE), 1, 1},
        [KEY_FIX] = {"fix", IN(SECTION_CAUSE) | IN(SECTION_RULE), 0, VX_FIXES_MAX},
        [KEY_WHY] = {"why", IN(SECTION_CAUSE) | IN(SECTION_RULE), 0, VX_FIXES_MAX},
        [KEY_EXPLAINS] = {"explains", IN(SECTION_CAUSE), 0, 1},
        [KEY_REFUTED_BY] = {"refuted-by", IN(SECTION_CAUSE), 0, 1},
        [KEY_SUGGESTS] = {"suggests", IN(SECTION_SYMPTOM), 1, 1},
        [KEY_GENERIC] = {"generic", IN(SECTION_SYMPTOM), 0, 1},
        [KEY_CORROBORATES] = {"corroborates", IN(SECTION_SYMPTOM), 0, 1},
        [KEY_SOURCE] = {"source", IN(SECTION_RULE), 1, 1},
        [KEY_CAUSE] = {"cause", IN(SECTION_RULE), 0, 1},
        [KEY_SYMPTOM] = {"symptom", IN(SECTION_RULE), 0, 1},
        [KEY_FACT] = {"fact", IN(SECTION_RULE), 0, 1},
        [KEY_STRENGTH] = {"strength", IN(SECTION_RULE), 0, 1},
        [KEY_CONTENT] = {"content", IN(SECTION_RULE), 1, VX_CONTENTS_PER_RULE_MAX},
        [KEY_PATTERN] = {"pattern", IN(SECTION_RULE), 1, 1},
        [KEY_EXPLAIN] = {"explain", IN(SECTION_RULE), 0, 1},
        [KEY_VERSIONS] = {"versions", IN(SECTION_RULE), 0, 16},
        [KEY_ORIGIN] = {"origin", IN(SECTION_RULE), 1, 16},
        [KEY_EXAMPLE] = {"example", IN(SECTION_RULE), 1, 64},
        [KEY_EXPECT] = {"expect", IN(SECTION_RULE), 0, 0},
        [KEY_COUNTER] = {"counter", IN(SECTION_RULE), 1, 64},
};

typedef struct Parser {
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
        unsigned counts[_KEY_MAX];
        unsigned pending_fix_line; /* a fix still waiting for its why, 0 if none */
} Parser;

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
                size_t n = strcspn(v + col, "}");
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

static void close_section(Parser *p) {
        if (p->kind == SECTION_NONE || p->kind == SECTION_BROKEN) {
                p->kind = SECTION_NONE;
                return;
        }
        for (Key k = 0; k < _KEY_MAX; k++) {
                if (!(keys[k].sections & IN(p->kind)))
                        continue;
                if (p->counts[k] < keys[k].min)
                        error_at(p, p->section_line, 0, "section lacks required key: ", keys[k].name);
        }
        if (p->pending_fix_line)
                error_at(p, p->pending_fix_line, 0, "fix without a following 'why'", NULL);
        if (p->kind == SECTION_RULE) {
                RuleDef *r = &p->rs->rules[p->index];
                unsigned targets = p->counts[KEY_CAUSE] + p->counts[KEY_SYMPTOM] + p->counts[KEY_FACT];
                if (targets != 1)
                        error_at(p, p->section_line, 0, "a rule needs exactly one of cause, symptom or fact",
                                 NULL);
                if (p->counts[KEY_STRENGTH] && r->kind != RULE_CAUSE)
                        error_at(p, p->section_line, 0, "strength applies to cause rules only", NULL);
                if (r->kind == RULE_FACT && (r->n_fixes || r->explain))
                        error_at(p, p->section_line, 0,
                                 "a fact rule has no explain or fix: it is not a failure", NULL);
                size_t best = 0;
                for (size_t i = 1; i < r->n_contents; i++)
                        if (strlen(r->contents[i]) > strlen(r->contents[best]))
                                best = i;
                r->fast_content = best;
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
        else {
                error_at(p, p->line, 1, "expected [cause ID], [symptom ID] or [rule ID]", NULL);
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
        return 0;
limit:
        if (r == -E2BIG) {
                error_at(p, p->line, 0, "too many sections of this kind (see limits.h)", NULL);
                return 0;
        }
        return r;
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

static bool version_valid(const char *v) {
        /* "linux >= 6.2" or "qemu < 8.2, qemu >= 7.0" */
        const char *s = v;
        for (;;) {
                size_t n = 0;
                if (strncmp(s, "linux ", 6) == 0)
                        n = 6;
                else if (strncmp(s, "qemu ", 5) == 0)
                        n = 5;
                else if (strncmp(s, "libvirt ", 8) == 0)
                        n = 8;
                else
                        return false;
                s += n;
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

static int set_key(Parser *p, Key k, const char *v, size_t vcol) {
        CauseDef *c = p->kind == SECTION_CAUSE ? &p->rs->causes[p->index] : NULL;
        SymptomDef *sy = p->kind == SECTION_SYMPTOM ? &p->rs->symptoms[p->index] : NULL;
        RuleDef *r = p->kind == SECTION_RULE ? &p->rs->rules[p->index] : NULL;
        int ret = 0;

        switch (k) {
        case KEY_TITLE:
                if (c)
                        c->title = strdup(v);
                else
                        sy->title = strdup(v);
                return (c ? c->title : sy->title) ? 0 : -ENOMEM;
        case KEY_MEANS:
                return (c->means = strdup(v)) ? 0 : -ENOMEM;
        case KEY_SCOPE:
                if (strcmp(v, "host") == 0)
                        c->host_scope = true;
                else if (strcmp(v, "device") != 0)
                        error_at(p, p->line, vcol, "scope is 'host' or 'device'", NULL);
                return 0;
        case KEY_FIX: {
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
        case KEY_WHY: {
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
        case KEY_EXPLAINS:
                return parse_id_list(p, v, vcol, REF_CAUSE_EXPLAINS, p->index, &c->n_explains);
        case KEY_REFUTED_BY:
                return parse_id_list(p, v, vcol, REF_CAUSE_REFUTED_BY, p->index, &c->n_refuted_by);
        case KEY_SUGGESTS:
                return parse_id_list(p, v, vcol, REF_SYMPTOM_SUGGESTS, p->index, &sy->n_suggests);
        case KEY_GENERIC:
                if (strcmp(v, "yes") == 0)
                        sy->generic = true;
                else if (strcmp(v, "no") != 0)
                        error_at(p, p->line, vcol, "generic is 'yes' or 'no'", NULL);
                return 0;
        case KEY_CORROBORATES:
                if (strcmp(v, "yes") == 0)
                        sy->corroborates = true;
                else if (strcmp(v, "no") != 0)
                        error_at(p, p->line, vcol, "corroborates is 'yes' or 'no'", NULL);
                return 0;
        case KEY_SOURCE: {
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
                                error_at(
                                        p, p->line, vcol + start,
                                        "unknown source (kernel, qemu, libvirt, trace, journal, guest or probe)",
                                        NULL);
                        else
                                r->source_mask |= 1u << s;
                }
                return 0;
        }
        case KEY_CAUSE:
        case KEY_SYMPTOM:
        case KEY_FACT:
                r->kind = k == KEY_CAUSE ? RULE_CAUSE : k == KEY_SYMPTOM ? RULE_SYMPTOM : RULE_FACT;
                if (!id_valid(v, strlen(v))) {
                        error_at(p, p->line, vcol, "invalid id", NULL);
                        return 0;
                }
                return add_ref(p,
                               k == KEY_CAUSE             ? REF_RULE_CAUSE
                                       : k == KEY_SYMPTOM ? REF_RULE_SYMPTOM
                                                          : REF_RULE_FACT,
                               p->index, 0, v, strlen(v), vcol);
        case KEY_STRENGTH:
                if (strcmp(v, "confirmed") == 0)
                        r->strength = STRENGTH_CONFIRMED;
                else if (strcmp(v, "likely") == 0)
                        r->strength = STRENGTH_LIKELY;
                else if (strcmp(v, "possible") == 0)
                        r->strength = STRENGTH_POSSIBLE;
                else
                        error_at(p, p->line, vcol, "strength is confirmed, likely or possible", NULL);
                return 0;
        case KEY_CONTENT:
                if (r->n_contents >= VX_CONTENTS_PER_RULE_MAX)
                        return 0;
                if (strlen(v) < 3)
                        error_at(p, p->line, vcol, "content too short to prefilter (3 bytes at least)",
                                 NULL);
                r->contents[r->n_contents] = strdup(v);
                if (!r->contents[r->n_contents])
                        return -ENOMEM;
                r->n_contents++;
                return 0;
        case KEY_PATTERN:
                if (strlen(v) > VX_PATTERN_MAX)
                        error_at(p, p->line, vcol, "pattern longer than the limit (see limits.h)", NULL);
                r->pattern = strdup(v);
                r->pattern_col = (unsigned) vcol;
                r->pattern_line = p->line;
                return r->pattern ? 0 : -ENOMEM;
        case KEY_EXPLAIN:
                check_template(p, v, vcol);
                return (r->explain = strdup(v)) ? 0 : -ENOMEM;
        case KEY_VERSIONS:
                if (!version_valid(v))
                        error_at(
                                p, p->line, vcol,
                                "versions: expected 'linux|qemu|libvirt >=|< N.N[, ...]', e.g. 'linux >= 6.2'",
                                NULL);
                return append_str(&r->versions, &r->n_versions, v, 16);
        case KEY_ORIGIN: {
                const char *sp = strchr(v, ' ');
                if (!sp || sp == v || !sp[1])
                        error_at(p, p->line, vcol, "origin: expected 'PROJECT FILE FUNCTION...'", NULL);
                return append_str(&r->origins, &r->n_origins, v, 16);
        }
        case KEY_EXAMPLE:
                return append_example(&r->examples, &r->n_examples, v, p->line);
        case KEY_COUNTER:
                return append_example(&r->counters, &r->n_counters, v, p->line);
        case KEY_EXPECT: {
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
        default:
                return ret;
        }
}

/* Checks the bytes of one line: UTF-8, no control characters but TAB. Returns the bad column or -1. */
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
        Key key = _KEY_MAX;
        for (Key i = 0; i < _KEY_MAX; i++)
                if (keys[i].name[0] == line[lead] && strcmp(keys[i].name, line + lead) == 0) {
                        key = i;
                        break;
                }
        if (key == _KEY_MAX) {
                error_at(p, p->line, lead, "unknown key: ", line + lead);
                return 0;
        }
        if (p->kind == SECTION_NONE) {
                error_at(p, p->line, lead, "key outside a section", NULL);
                return 0;
        }
        if (p->kind == SECTION_BROKEN)
                return 0;
        if (!(keys[key].sections & IN(p->kind))) {
                error_at(p, p->line, lead, "key not allowed in this kind of section: ", line + lead);
                return 0;
        }
        if (vcol >= len) {
                error_at(p, p->line, vcol, "empty value", NULL);
                return 0;
        }
        p->counts[key]++;
        if (keys[key].max && p->counts[key] > keys[key].max) {
                error_at(p, p->line, lead,
                         keys[key].max == 1 ? "key given twice: " : "key given too often: ", line + lead);
                return 0;
        }
        return set_key(p, key, line + vcol, vcol);
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
