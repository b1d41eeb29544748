/* SPDX-License-Identifier: MIT */
#pragma once

/* Shared between the rule-file parser and the rule-set builder. */

#include "vfioexplain/line.h"
#include "vfioexplain/rules.h"

typedef enum RefKind {
        REF_CAUSE_EXPLAINS,
        REF_CAUSE_REFUTED_BY,
        REF_CAUSE_RULED_OUT_BY,
        REF_SYMPTOM_SUGGESTS,
        REF_RULE_CAUSE,
        REF_RULE_SYMPTOM,
        REF_RULE_FACT,
        REF_REGRESSION_EVIDENCE,
        REF_WHEN_CAUSE, /* a cause a symptom's when points at: owner symptom, sub when, item */
        REF_WHEN_EXCLUDES, /* a cause it points away from */
        REF_COND_FACT, /* a fact of a condition: resolved into *slot */
} RefKind;

/* A name used before every file is read; resolved to an index once they are. */
typedef struct Ref {
        char *name;
        RefKind kind;
        size_t owner, item;
        size_t sub;
        size_t *slot; /* REF_COND_FACT: where the index goes (in a term, which never moves once parsed) */
        Origin at;
        unsigned col;
} Ref;

typedef struct Loader {
        Ref *refs;
        size_t n_refs;
        char **ids; /* every id defined so far, sorted for lookup */
        size_t n_ids, cap_ids;
        struct PatternCache *precompiled; /* codes to take instead of compiling, or NULL */
        size_t bytes, pattern_bytes; /* of the files read so far, and of their patterns */
} Loader;

/* qsort()/bsearch() of an array of strings, by strcmp(). */
int names_compare(const void *a, const void *b);
bool loader_id_taken(const Loader *ld, const char *id);
int loader_id_add(Loader *ld, const char *id);

/* The keys of rule files in their order (NULL past the last), and whether the key i may appear in a
 * section ("cause", "symptom", "rule" or "regression"): for the check of docs/rule-format.md against them.
 */
const char *rulefile_key_name(size_t i);
bool rulefile_key_allowed(size_t i, const char *section);

int rulefile_parse(RuleSet *rs, Loader *ld, const char *file, const char *buf, size_t len, Diag *diag);

/* The grammar of a rule's `versions` (linux, qemu, libvirt) and, with any_program, of an inventory row's
 * releases (any program's name): "PROGRAM >=|< N.N[, ...]". */
bool versions_grammar_valid(const char *v, bool any_program);
