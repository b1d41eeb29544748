/* SPDX-License-Identifier: MIT */
/* The message inventory: its rows parsed from a buffer, and checked against the rules they name. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "inventory.h"
#include "rules_internal.h"
#include "string_table.h"
#include "strparse.h"
#include "vfioexplain/limits.h"

static const char *const disposition_table[_DISPOSITION_MAX] = {
        [DISPOSITION_CAUSE] = "cause",
        [DISPOSITION_SYMPTOM] = "symptom",
        [DISPOSITION_FACT] = "fact",
        [DISPOSITION_BENIGN] = "benign",
};
DEFINE_STRING_TABLE_LOOKUP(disposition, Disposition);

static const char *const inventory_column_table[_INVENTORY_COLUMNS] = {
        [INVENTORY_PROGRAM] = "program",
        [INVENTORY_FILE] = "file",
        [INVENTORY_FUNCTION] = "function",
        [INVENTORY_RELEASES] = "releases",
        [INVENTORY_FORMAT] = "format",
        [INVENTORY_EXAMPLE] = "example",
        [INVENTORY_DISPOSITION] = "disposition",
        [INVENTORY_RULE] = "rule",
        [INVENTORY_NOTE] = "note",
};
DEFINE_PRIVATE_STRING_TABLE_LOOKUP_TO_STRING(inventory_column, InventoryColumn);

/* The rule kind each disposition but benign names. */
static const RuleKind kind_of_disposition[_DISPOSITION_MAX] = {
        [DISPOSITION_CAUSE] = RULE_CAUSE,
        [DISPOSITION_SYMPTOM] = RULE_SYMPTOM,
        [DISPOSITION_FACT] = RULE_FACT,
};
static const char *const rule_kind_table[] = {
        [RULE_CAUSE] = "cause",
        [RULE_SYMPTOM] = "symptom",
        [RULE_FACT] = "fact",
};
DEFINE_PRIVATE_STRING_TABLE_LOOKUP_TO_STRING(rule_kind, RuleKind);

static bool is_lower_alnum(char c) {
        return (c >= 'a' && c <= 'z') || span_is_digit(c);
}

/* A program or rule id: lower-case letters, digits and '-', starting with a letter or digit. */
static bool name_valid(const char *s, size_t max) {
        size_t n = strlen(s);
        if (n == 0 || n > max || !is_lower_alnum(s[0]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_lower_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

/* "all", or the rules' versions grammar for any program: "qemu >= 2.12, qemu < 8.2". */
static bool releases_valid(const char *s) {
        return strcmp(s, "all") == 0 || versions_grammar_valid(s, true);
}

static bool has_control(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] < 0x20 || s[i] == 0x7f)
                        return true;
        return false;
}

static void row_free(InventoryRow *row) {
        for (size_t c = 0; c < _INVENTORY_COLUMNS; c++)
                free(row->column[c]);
}

/* One row's line (without its newline). Returns 1 for a row kept, 0 for one refused (reported), -ENOMEM. */
static int parse_row(const char *name, unsigned lineno, const char *p, size_t len, Diag *diag,
                     InventoryRow *ret) {
        InventoryRow row = {.line = lineno, .rule = SIZE_MAX};
        const char *why = NULL, *what = NULL;
        size_t n = 0;

        if (len > VX_INVENTORY_ROW_MAX)
                why = "row longer than the limit";
        else if (!utf8_is_valid(p, len))
                why = "not UTF-8";
        for (size_t start = 0; !why; n++) {
                const char *tab = memchr(p + start, '\t', len - start);
                size_t end = tab ? (size_t) (tab - p) : len;
                if (n >= _INVENTORY_COLUMNS) {
                        why = "more than nine columns";
                        break;
                }
                if (end == start) {
                        why = "empty column (write - for none): ";
                        what = inventory_column_to_string((InventoryColumn) n);
                        break;
                }
                if (has_control(p + start, end - start)) {
                        why = "control character in column ";
                        what = inventory_column_to_string((InventoryColumn) n);
                        break;
                }
                row.column[n] = strndup(p + start, end - start);
                if (!row.column[n]) {
                        row_free(&row);
                        return -ENOMEM;
                }
                if (!tab) {
                        n++;
                        break;
                }
                start = end + 1;
        }
        if (!why && n < _INVENTORY_COLUMNS)
                why = "fewer than nine columns";
        if (!why) {
                char **c = row.column;
                int d = disposition_from_string(c[INVENTORY_DISPOSITION], strlen(c[INVENTORY_DISPOSITION]));
                row.disposition = d < 0 ? DISPOSITION_BENIGN : (Disposition) d;
                if (!name_valid(c[INVENTORY_PROGRAM], VX_ID_MAX))
                        why = "program: lower-case letters, digits and '-': ", what = c[INVENTORY_PROGRAM];
                else if (!releases_valid(c[INVENTORY_RELEASES]))
                        why = "releases: expected 'all' or 'PROGRAM >=|< N.N[, ...]': ",
                        what = c[INVENTORY_RELEASES];
                else if (d < 0)
                        why = "disposition: expected cause, symptom, fact or benign: ",
                        what = c[INVENTORY_DISPOSITION];
                else if (d == DISPOSITION_BENIGN && strcmp(c[INVENTORY_RULE], "-") != 0)
                        why = "a benign row names no rule: ", what = c[INVENTORY_RULE];
                else if (d == DISPOSITION_BENIGN && strcmp(c[INVENTORY_NOTE], "-") == 0)
                        why = "a benign row says in its note why it is not a failure";
                else if (d != DISPOSITION_BENIGN && !name_valid(c[INVENTORY_RULE], VX_ID_MAX))
                        why = "rule: expected the id of the rule that recognises it: ",
                        what = c[INVENTORY_RULE];
                else if (strcmp(c[INVENTORY_EXAMPLE], "-") == 0)
                        why = "example: one whole line as the program prints it";
        }
        if (why) {
                diag_addf(diag, "%s:%u: %s%s", name, lineno, why, what ? what : "");
                row_free(&row);
                return 0;
        }
        *ret = row;
        return 1;
}

int inventory_parse(const char *name, const char *buf, size_t len, Diag *diag, Inventory *ret) {
        Inventory inv = {0};
        size_t cap = 0;
        unsigned lineno = 0;

        inv.name = strdup(name);
        if (!inv.name)
                return -ENOMEM;
        for (size_t pos = 0; pos < len;) {
                const char *nl = memchr(buf + pos, '\n', len - pos);
                size_t end = nl ? (size_t) (nl - buf) : len;
                const char *p = buf + pos;
                size_t n = end - pos;
                lineno++;
                pos = end + 1;
                if (n == 0)
                        continue;
                if (p[0] == '#') {
                        size_t plen = strlen(INVENTORY_COUNTS_PREFIX);
                        if (n >= plen && memcmp(p, INVENTORY_COUNTS_PREFIX, plen) == 0) {
                                if (inv.counts) {
                                        diag_addf(diag, "%s:%u: a second '%s' line (the first is line %u)",
                                                  name, lineno, INVENTORY_COUNTS_PREFIX, inv.counts_line);
                                        continue;
                                }
                                if (!(inv.counts =
                                              strndup(p + 2, MIN(n - 2, (size_t) VX_INVENTORY_ROW_MAX)))) {
                                        inventory_done(&inv);
                                        return -ENOMEM;
                                }
                                inv.counts_line = lineno;
                        }
                        continue;
                }
                if (inv.n_rows + inv.malformed >= VX_INVENTORY_ROWS_MAX) {
                        diag_addf(diag, "%s:%u: more than %u rows in one file", name, lineno,
                                  VX_INVENTORY_ROWS_MAX);
                        inv.malformed++;
                        break;
                }
                if (inv.n_rows == cap) {
                        size_t ncap = cap ? cap * 2 : 64;
                        InventoryRow *rows = realloc(inv.rows, ncap * sizeof(*rows));
                        if (!rows) {
                                inventory_done(&inv);
                                return -ENOMEM;
                        }
                        inv.rows = rows;
                        cap = ncap;
                }
                int r = parse_row(name, lineno, p, n, diag, &inv.rows[inv.n_rows]);
                if (r < 0) {
                        inventory_done(&inv);
                        return r;
                }
                if (r > 0)
                        inv.n_rows++;
                else
                        inv.malformed++;
        }
        *ret = inv;
        return 0;
}

void inventory_done(Inventory *inv) {
        for (size_t i = 0; i < inv->n_rows; i++)
                row_free(&inv->rows[i]);
        free(inv->rows);
        free(inv->name);
        free(inv->counts);
        *inv = (Inventory){0};
}

void inventory_count(const Inventory *inv, size_t counts[_DISPOSITION_MAX]) {
        for (size_t d = 0; d < _DISPOSITION_MAX; d++)
                counts[d] = 0;
        for (size_t i = 0; i < inv->n_rows; i++)
                counts[inv->rows[i].disposition]++;
}

static int cmp_rule_ids(const void *a, const void *b, void *userdata) {
        const RuleSet *rs = userdata;
        return strcmp(rs->rules[*(const size_t *) a].id, rs->rules[*(const size_t *) b].id);
}

static size_t find_rule(const RuleSet *rs, const size_t *by_id, const char *id) {
        size_t lo = 0, hi = rs->n_rules;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(rs->rules[by_id[mid]].id, id);
                if (c == 0)
                        return by_id[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return SIZE_MAX;
}

typedef struct RowRef {
        Inventory *inv;
        InventoryRow *row;
} RowRef;

/* The columns that say which message a row is, and where it is printed: two rows alike in these and in
 * releases that overlap list the same message twice. */
static const InventoryColumn message_key[] = {INVENTORY_PROGRAM, INVENTORY_FILE, INVENTORY_FUNCTION,
                                              INVENTORY_FORMAT, INVENTORY_EXAMPLE};

static int cmp_message(const RowRef *x, const RowRef *y) {
        for (size_t k = 0; k < ELEMENTSOF(message_key); k++) {
                int c = strcmp(x->row->column[message_key[k]], y->row->column[message_key[k]]);
                if (c != 0)
                        return c;
        }
        return 0;
}

/* Rows in the order of the message they list, then of where they are. */
static int cmp_rows(const void *a, const void *b) {
        const RowRef *x = a, *y = b;
        int c = cmp_message(x, y);
        if (c == 0)
                c = strcmp(x->inv->name, y->inv->name);
        return c != 0 ? c : (x->row->line > y->row->line) - (x->row->line < y->row->line);
}

/* Dotted release numbers compared number by number ("2.12" after "2.3"). */
static int cmp_release(const char *a, const char *b) {
        for (;;) {
                uint64_t x = 0, y = 0;
                Span sa = span_from_str(a), sb = span_from_str(b);
                (void) span_eat_digits(&sa, 0, 20, &x);
                (void) span_eat_digits(&sb, 0, 20, &y);
                if (x != y)
                        return x < y ? -1 : 1;
                a = sa.p, b = sb.p;
                bool more_a = *a == '.', more_b = *b == '.';
                if (!more_a || !more_b)
                        return more_a - more_b;
                a++, b++;
        }
}

/* The releases a row's column names, as the span [from, until) (NULL: unbounded on that side). The
 * column passed releases_valid(). */
static void release_span(const char *s, const char **from, const char **until) {
        *from = *until = NULL;
        if (strcmp(s, "all") == 0)
                return;
        for (const char *p = s; p;) {
                const char *op = strchr(p, ' ') + 1;
                bool lower = op[0] == '>';
                const char *v = op + (lower ? 3 : 2);
                if (lower && (!*from || cmp_release(v, *from) > 0))
                        *from = v;
                if (!lower && (!*until || cmp_release(v, *until) < 0))
                        *until = v;
                p = strstr(v, ", ");
                if (p)
                        p += 2;
        }
}

static bool releases_overlap(const char *a, const char *b) {
        const char *from_a, *until_a, *from_b, *until_b;
        release_span(a, &from_a, &until_a);
        release_span(b, &from_b, &until_b);
        bool a_before_b = until_a && from_b && cmp_release(until_a, from_b) <= 0;
        bool b_before_a = until_b && from_a && cmp_release(until_b, from_a) <= 0;
        return !a_before_b && !b_before_a;
}

_printf_(4, 5) static size_t
        fail(Diag *diag, const Inventory *inv, InventoryRow *row, const char *fmt, ...) {
        va_list ap;
        char *s = NULL;
        row->sound = false;
        va_start(ap, fmt);
        int r = vasprintf(&s, fmt, ap);
        va_end(ap);
        diag_addf(diag, "%s:%u: %s", inv->name, row->line, r >= 0 ? s : "out of memory");
        if (r >= 0)
                free(s);
        return 1;
}

size_t inventory_check_rules(Inventory *inv, size_t n, const RuleSet *rs, Diag *diag) {
        size_t failures = 0, total = 0;

        for (size_t f = 0; f < n; f++)
                total += inv[f].n_rows;
        _cleanup_free_ size_t *by_id = calloc(rs->n_rules ? rs->n_rules : 1, sizeof(size_t));
        _cleanup_free_ RowRef *refs = calloc(total ? total : 1, sizeof(RowRef));
        if (!by_id || !refs) {
                diag_addf(diag, "out of memory checking the inventory");
                return 1;
        }
        for (size_t i = 0; i < rs->n_rules; i++)
                by_id[i] = i;
        qsort_r(by_id, rs->n_rules, sizeof(size_t), cmp_rule_ids, (void *) rs);

        size_t k = 0;
        for (size_t f = 0; f < n; f++)
                for (size_t i = 0; i < inv[f].n_rows; i++) {
                        InventoryRow *row = &inv[f].rows[i];
                        const char *id = row->column[INVENTORY_RULE];
                        refs[k++] = (RowRef){.inv = &inv[f], .row = row};
                        row->sound = true;
                        row->rule = SIZE_MAX;
                        if (row->disposition == DISPOSITION_BENIGN)
                                continue;
                        row->rule = find_rule(rs, by_id, id);
                        if (row->rule == SIZE_MAX) {
                                failures += fail(diag, &inv[f], row, "no such rule: %s", id);
                                continue;
                        }
                        const RuleDef *r = &rs->rules[row->rule];
                        if (r->kind != kind_of_disposition[row->disposition])
                                failures += fail(diag, &inv[f], row, "a %s row names %s, a %s rule",
                                                 disposition_to_string(row->disposition), id,
                                                 rule_kind_to_string(r->kind));
                        /* As a rule file holds it: its values are trimmed of blanks at both ends. */
                        const char *ex = row->column[INVENTORY_EXAMPLE];
                        size_t len = strlen(ex);
                        while (*ex == ' ')
                                ex++, len--;
                        while (len > 0 && ex[len - 1] == ' ')
                                len--;
                        bool listed = false;
                        for (size_t e = 0; e < r->n_examples && !listed; e++)
                                listed = strlen(r->examples[e].line) == len &&
                                        memcmp(r->examples[e].line, ex, len) == 0;
                        if (!listed)
                                failures += fail(diag, &inv[f], row,
                                                 "the example is not among the examples of rule %s", id);
                }
        qsort(refs, total, sizeof(RowRef), cmp_rows);
        for (size_t i = 0; i < total; i++)
                for (size_t j = i + 1; j < total && cmp_message(&refs[i], &refs[j]) == 0; j++)
                        if (releases_overlap(refs[i].row->column[INVENTORY_RELEASES],
                                             refs[j].row->column[INVENTORY_RELEASES]))
                                failures += fail(
                                        diag, refs[j].inv, refs[j].row,
                                        "the same message as %s:%u (program, file, function, format and example, in releases both rows name)",
                                        refs[i].inv->name, refs[i].row->line);
        return failures;
}
