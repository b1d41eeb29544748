/* SPDX-License-Identifier: MIT */
#pragma once

/* The message inventory (the .tsv files of rules/inventory, docs/inventory.md): one row per message a
 * program of the stack prints on a passthrough path, with its example line and what vfioexplain makes of
 * it. Parsed from a buffer, checked against a rule set; what one line alone yields is the caller's. */

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "vfioexplain/rules.h"

typedef enum Disposition {
        DISPOSITION_CAUSE,
        DISPOSITION_SYMPTOM,
        DISPOSITION_FACT,
        DISPOSITION_BENIGN,
        _DISPOSITION_MAX,
} Disposition;

const char *disposition_to_string(Disposition d);
int disposition_from_string(const char *s, size_t len);

/* The columns, in order. */
typedef enum InventoryColumn {
        INVENTORY_PROGRAM,
        INVENTORY_FILE,
        INVENTORY_FUNCTION,
        INVENTORY_RELEASES,
        INVENTORY_FORMAT,
        INVENTORY_EXAMPLE,
        INVENTORY_DISPOSITION,
        INVENTORY_RULE,
        INVENTORY_NOTE,
        _INVENTORY_COLUMNS,
} InventoryColumn;

typedef struct InventoryRow {
        char *column[_INVENTORY_COLUMNS];
        Disposition disposition;
        unsigned line;
        /* Set by inventory_check_rules(): the rule the row names (SIZE_MAX for none or an unknown one), and
         * whether the row passed the checks that need no analysis. */
        size_t rule;
        bool sound;
} InventoryRow;

typedef struct Inventory {
        char *name; /* the file's name, as given */
        InventoryRow *rows; /* the well-formed rows */
        size_t n_rows;
        size_t malformed; /* rows refused by the parser (each reported) */
        /* The header's "# Rows: ..." line without its "# ", and where it is; NULL when there is none. */
        char *counts;
        unsigned counts_line;
} Inventory;

/* The header line that states a file's figures starts with this. */
#define INVENTORY_COUNTS_PREFIX "# Rows: "

/* Parses one inventory file's text. A malformed row (docs/inventory.md: nine TAB-separated columns, none
 * empty, a known disposition, a rule id where one is due and only there, a reason for a benign row,
 * releases in the rules' versions grammar or "all", UTF-8 without control characters) is reported to diag
 * as "NAME:LINE: what" and left out. Returns 0, or -ENOMEM (ret untouched). */
int inventory_parse(const char *name, const char *buf, size_t len, Diag *diag, Inventory *ret);
void inventory_done(Inventory *inv);

/* Checks rows against the rules: the rule named exists and is of the row's kind (a cause rule for a
 * cause row ...), the row's example is one of that rule's examples, and no message is listed twice (same
 * program, format and example) across all of inv. Each failure is reported to diag; every row's rule and
 * sound are set. Returns the number of failures. */
size_t inventory_check_rules(Inventory *inv, size_t n, const RuleSet *rs, Diag *diag);

/* "cause 39, symptom 6, fact 0, benign 5" style counts of rows by disposition. */
void inventory_count(const Inventory *inv, size_t counts[_DISPOSITION_MAX]);
