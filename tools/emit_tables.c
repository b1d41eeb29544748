/* SPDX-License-Identifier: MIT */
/* Build step: writes a parsed rule set as C tables (analyzer/engine/rule_tables.h), with the bytes of the
 * files it was parsed from, for tools/precompile_rules.c. */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit_tables.h"
#include "fileio.h"
#include "prefilter.h"
#include "vfioexplain/macro.h"

/* Definitions a table's entries point at, written before the table: their names count up from 0. */
typedef struct Emitter {
        FILE *aux;
        unsigned next;
} Emitter;

/* A C string literal of s (NULL for none): octal escapes for every byte that is not plain printable ASCII,
 * and for '?' (no trigraph can form), so that no escape runs into the next character. */
static void put_str(FILE *f, const char *s) {
        if (!s) {
                fputs("NULL", f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *c = (const unsigned char *) s; *c; c++)
                if (*c < 0x20 || *c >= 0x7f || *c == '"' || *c == '\\' || *c == '?')
                        fprintf(f, "\\%03o", *c);
                else
                        fputc(*c, f);
        fputc('"', f);
}

static void put_bytes(FILE *f, const char *s, size_t len) {
        fputc('"', f);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '?')
                        fprintf(f, "\\%03o", c);
                else
                        fputc(c, f);
                if (c == '\n')
                        fputs("\"\n\"", f);
        }
        fputc('"', f);
}

static void put_sizes(FILE *f, const size_t *v, size_t n) {
        fputc('{', f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%zu,", v[i]);
        fputc('}', f);
}

static void put_ints(FILE *f, const int *v, size_t n) {
        fputc('{', f);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%d,", v[i]);
        fputc('}', f);
}

/* An array of n strings (NULL for none), defined in e->aux; writes its name to f. */
static void put_strv(Emitter *e, FILE *f, char *const *v, size_t n) {
        if (n == 0) {
                fputs("NULL", f);
                return;
        }
        unsigned id = e->next++;
        fprintf(e->aux, "static char *vx_t%u[] = {", id);
        for (size_t i = 0; i < n; i++) {
                put_str(e->aux, v[i]);
                fputc(',', e->aux);
        }
        fputs("};\n", e->aux);
        fprintf(f, "vx_t%u", id);
}

static void put_condition(Emitter *e, FILE *f, const Condition *c) {
        if (c->n_terms == 0) {
                fputs("{NULL,0}", f);
                return;
        }
        /* The terms go to aux too: written to a string first, since aux is where they are defined. */
        char *buf = NULL;
        size_t size = 0;
        FILE *t = open_memstream(&buf, &size);
        if (!t)
                abort();
        for (size_t i = 0; i < c->n_terms; i++) {
                const CondTerm *x = &c->terms[i];
                fprintf(t, "{.subject=%d,.var=%d,.negated=%d,.below=%d,.values={", (int) x->subject, x->var,
                        x->negated, x->below);
                for (size_t k = 0; k < x->n_values; k++) {
                        put_str(t, x->values[k]);
                        fputc(',', t);
                }
                fprintf(t, "},.n_values=%zu,.facts=", x->n_values);
                put_sizes(t, x->facts, ELEMENTSOF(x->facts));
                fprintf(t, ",.version={%u,%u,%u}},", x->version[0], x->version[1], x->version[2]);
        }
        if (fclose(t) != 0)
                abort();
        unsigned id = e->next++;
        fprintf(e->aux, "static CondTerm vx_t%u[] = {%s};\n", id, buf);
        free(buf);
        fprintf(f, "{vx_t%u,%zu}", id, c->n_terms);
}

static void put_conditions(Emitter *e, FILE *f, const Condition *c, size_t n) {
        fputc('{', f);
        for (size_t i = 0; i < n; i++) {
                put_condition(e, f, &c[i]);
                fputc(',', f);
        }
        fputc('}', f);
}

static void put_fixes(Emitter *e, FILE *f, const Fix *fx, size_t n) {
        fputc('{', f);
        for (size_t i = 0; i < n; i++) {
                fputs("{.command=", f);
                put_str(f, fx[i].command);
                fputs(",.why=", f);
                put_str(f, fx[i].why);
                fputs(",.unless=", f);
                put_conditions(e, f, fx[i].unless, fx[i].n_unless);
                fprintf(f, ",.n_unless=%zu},", fx[i].n_unless);
        }
        fputc('}', f);
}

/* An Origin: the file's path in the tables' paths, filled at run time. */
static void put_origin(FILE *f, const RuleSet *rs, const Origin *o) {
        size_t i = 0;
        while (i < rs->n_files && rs->files[i] != o->file && strcmp(rs->files[i], o->file) != 0)
                i++;
        if (i == rs->n_files)
                abort();
        fprintf(f, "{vx_paths[%zu],%u}", i, o->line);
}

static void put_release(FILE *f, const KernelRelease *k) {
        fprintf(f, "{%u,%u,%u,%u,%d,%d}", k->major, k->minor, k->rc, k->stable, k->stable_known,
                (int) k->vendor);
}

static void put_cause(Emitter *e, FILE *f, const RuleSet *rs, const CauseDef *c) {
        fputs("{.id=", f);
        put_str(f, c->id);
        fputs(",.title=", f);
        put_str(f, c->title);
        fputs(",.means=", f);
        put_str(f, c->means);
        fprintf(f, ",.host_scope=%d,.fixes=", c->host_scope);
        put_fixes(e, f, c->fixes, c->n_fixes);
        fprintf(f, ",.n_fixes=%zu,.explains=", c->n_fixes);
        put_sizes(f, c->explains, c->n_explains);
        fprintf(f, ",.n_explains=%zu,.refuted_by=", c->n_explains);
        put_sizes(f, c->refuted_by, c->n_refuted_by);
        fprintf(f, ",.n_refuted_by=%zu,.ruled_out_by=", c->n_refuted_by);
        put_sizes(f, c->ruled_out_by, c->n_ruled_out_by);
        fprintf(f, ",.n_ruled_out_by=%zu,.stage=%d,.possible_unless=", c->n_ruled_out_by, (int) c->stage);
        put_conditions(e, f, c->possible_unless, c->n_possible_unless);
        fprintf(f, ",.n_possible_unless=%zu,.doubt=", c->n_possible_unless);
        put_str(f, c->doubt);
        fputs(",.at=", f);
        put_origin(f, rs, &c->at);
        fputs("},\n", f);
}

static void put_symptom(Emitter *e, FILE *f, const RuleSet *rs, const SymptomDef *s) {
        unsigned whens = 0;
        if (s->n_whens > 0) {
                char *buf = NULL;
                size_t size = 0;
                FILE *t = open_memstream(&buf, &size);
                if (!t)
                        abort();
                for (size_t i = 0; i < s->n_whens; i++) {
                        const SuggestWhen *w = &s->whens[i];
                        fputs("{.cond=", t);
                        put_condition(e, t, &w->cond);
                        fputs(",.causes=", t);
                        put_sizes(t, w->causes, w->n_causes);
                        fprintf(t, ",.n_causes=%zu,.excludes=", w->n_causes);
                        put_sizes(t, w->excludes, w->n_excludes);
                        /* given and miss: only `rules test` reads them */
                        fprintf(t, ",.n_excludes=%zu,.at_line=%u},", w->n_excludes, w->at_line);
                }
                if (fclose(t) != 0)
                        abort();
                whens = e->next++;
                fprintf(e->aux, "static SuggestWhen vx_t%u[] = {%s};\n", whens, buf);
                free(buf);
        }
        fputs("{.id=", f);
        put_str(f, s->id);
        fputs(",.title=", f);
        put_str(f, s->title);
        fprintf(f, ",.generic=%d,.corroborates=%d,.suggests=", s->generic, s->corroborates);
        put_sizes(f, s->suggests, s->n_suggests);
        fprintf(f, ",.n_suggests=%zu,.whens=", s->n_suggests);
        if (s->n_whens > 0)
                fprintf(f, "vx_t%u", whens);
        else
                fputs("NULL", f);
        fprintf(f, ",.n_whens=%zu,.at=", s->n_whens);
        put_origin(f, rs, &s->at);
        fputs("},\n", f);
}

static void put_rule(Emitter *e, FILE *f, const RuleSet *rs, const RuleDef *r) {
        fprintf(f, "{.id=");
        put_str(f, r->id);
        fprintf(f, ",.source_mask=%uu,.kind=%d,.target=%zu,.strength=%d,.pasted=%d,.contents={",
                r->source_mask, (int) r->kind, r->target, (int) r->strength, r->pasted);
        for (size_t i = 0; i < r->n_contents; i++) {
                put_str(f, r->contents[i]);
                fputc(',', f);
        }
        fprintf(f, "},.n_contents=%zu,.fast_content=%zu,.pattern=", r->n_contents, r->fast_content);
        put_str(f, r->pattern);
        fprintf(f, ",.pattern_line=%u,.pattern_col=%u,.capture_group=", r->pattern_line, r->pattern_col);
        put_ints(f, r->capture_group, r->n_captures);
        fputs(",.capture_var=", f);
        put_ints(f, r->capture_var, r->n_captures);
        fprintf(f, ",.n_captures=%zu,.explain=", r->n_captures);
        put_str(f, r->explain);
        fputs(",.fixes=", f);
        put_fixes(e, f, r->fixes, r->n_fixes);
        fprintf(f, ",.n_fixes=%zu,.versions=", r->n_fixes);
        put_strv(e, f, r->versions, r->n_versions);
        fprintf(f, ",.n_versions=%zu,.origins=", r->n_versions);
        put_strv(e, f, r->origins, r->n_origins);
        /* examples and counters: only `rules test` and `rules list` read them */
        fprintf(f, ",.n_origins=%zu,.at=", r->n_origins);
        put_origin(f, rs, &r->at);
        fputs("},\n", f);
}

static void put_regression(Emitter *e, FILE *f, const RuleSet *rs, const RegressionDef *g) {
        fputs("{.id=", f);
        put_str(f, g->id);
        fputs(",.title=", f);
        put_str(f, g->title);
        fputs(",.means=", f);
        put_str(f, g->means);
        fputs(",.affected={", f);
        for (size_t i = 0; i < g->n_affected; i++) {
                fputc('{', f);
                put_release(f, &g->affected[i].from);
                fputc(',', f);
                put_release(f, &g->affected[i].to);
                fputs("},", f);
        }
        fprintf(f, "},.n_affected=%zu,.fixed_in={", g->n_affected);
        for (size_t i = 0; i < g->n_fixed_in; i++) {
                put_release(f, &g->fixed_in[i]);
                fputc(',', f);
        }
        fprintf(f, "},.n_fixed_in=%zu,.evidence=", g->n_fixed_in);
        put_sizes(f, g->evidence, g->n_evidence);
        fprintf(f, ",.n_evidence=%zu,.introduced=", g->n_evidence);
        put_strv(e, f, g->introduced, g->n_introduced);
        fputs(",.fixed_by=", f);
        put_strv(e, f, g->fixed_by, g->n_fixed_by);
        fputs(",.reports=", f);
        put_strv(e, f, g->reports, g->n_reports);
        fprintf(f, ",.n_introduced=%zu,.n_fixed_by=%zu,.n_reports=%zu,.at=", g->n_introduced, g->n_fixed_by,
                g->n_reports);
        put_origin(f, rs, &g->at);
        fputs("},\n", f);
}

/* A prefilter's image and its patterns' rules, as static arrays named vx_NAME_image and vx_NAME_start,
 * _rules and _flags. */
static int put_prefilter(FILE *f, const Prefilter *p, const PatternRules *pr, const char *name) {
        uint8_t *image = NULL;
        size_t size = 0, n = prefilter_n_patterns(p);
        int r = prefilter_image_encode(p, &image, &size);
        if (r < 0)
                return r;
        /* a string, which compilers read faster than as many numbers (the tables' NUL after it is not
         * counted) */
        fprintf(f, "_Alignas(16) static const uint8_t vx_%s_image[] = ", name);
        put_bytes(f, (const char *) image, size);
        fprintf(f, ";\nstatic size_t vx_%s_start[] = ", name);
        free(image);
        put_sizes(f, pr->start, n + 1);
        fprintf(f, ";\nstatic size_t vx_%s_rules[] = ", name);
        if (pr->start[n] > 0)
                put_sizes(f, pr->rules, pr->start[n]);
        else
                fputs("{0}", f);
        fprintf(f, ";\nstatic uint8_t vx_%s_flags[] = {", name);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%u,", pr->flags[i]);
        fprintf(f, "%s};\n", n == 0 ? "0" : "");
        return 0;
}

/* Each rule's compiled pattern alone, as PCRE2 serializes it (vx_code_I, NULL for a rule without), so that
 * a run decodes only those of the rules a line reaches. */
static int put_codes(FILE *f, const RuleSet *rs) {
        for (size_t i = 0; i < rs->n_rules; i++) {
                uint8_t *ser = NULL;
                PCRE2_SIZE size = 0;
                if (!rs->rules[i].code)
                        continue;
                const pcre2_code *c = rs->rules[i].code;
                if (pcre2_serialize_encode(&c, 1, &ser, &size, NULL) < 0)
                        return -ENOMEM;
                fprintf(f, "_Alignas(16) static const uint8_t vx_code_%zu[] = ", i);
                put_bytes(f, (const char *) ser, size);
                fputs(";\n", f);
                pcre2_serialize_free(ser);
        }
        fputs("static const uint8_t *const vx_codes[] = {", f);
        for (size_t i = 0; i < rs->n_rules; i++)
                if (rs->rules[i].code)
                        fprintf(f, "vx_code_%zu,", i);
                else
                        fputs("NULL,", f);
        fputs("};\nstatic const size_t vx_code_sizes[] = {", f);
        for (size_t i = 0; i < rs->n_rules; i++)
                if (rs->rules[i].code)
                        fprintf(f, "sizeof(vx_code_%zu) - 1,", i);
                else
                        fputs("0,", f);
        fputs("};\n", f);
        return 0;
}

int rule_tables_emit(FILE *out, const RuleSet *rs, const char *symbol) {
        Emitter e = {0};
        char *body = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&body, &size);
        int r = 0;

        if (!f)
                return -ENOMEM;
        /* what the tables point at goes to aux, the tables to f: aux is written out first */
        char *aux_buf = NULL;
        size_t aux_size = 0;
        if (!(e.aux = open_memstream(&aux_buf, &aux_size))) {
                fclose(f);
                free(body);
                return -ENOMEM;
        }

        fprintf(out, "#include \"rule_tables.h\"\n\n");
        fprintf(out, "static char vx_paths[%zu][VX_RULE_TABLES_PATH_MAX];\n", rs->n_files);
        fprintf(out, "static char *vx_files[] = {");
        for (size_t i = 0; i < rs->n_files; i++)
                fprintf(out, "vx_paths[%zu],", i);
        fprintf(out, "};\nstatic const char *const vx_names[] = {");
        for (size_t i = 0; i < rs->n_files; i++) {
                const char *slash = strrchr(rs->files[i], '/');
                put_str(out, slash ? slash + 1 : rs->files[i]);
                fputc(',', out);
        }
        fputs("};\n", out);
        size_t *sizes = calloc(rs->n_files ? rs->n_files : 1, sizeof(size_t));
        if (!sizes)
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < rs->n_files; i++) {
                _cleanup_free_ char *text = NULL;
                if ((r = file_read(AT_FDCWD, rs->files[i], 0, VX_RULE_FILE_MAX, &text, &sizes[i])) < 0)
                        break;
                fprintf(out, "static const char vx_text%zu[] = ", i);
                put_bytes(out, text, sizes[i]);
                fputs(";\n", out);
        }
        if (r >= 0) {
                fputs("static const char *const vx_texts[] = {", out);
                for (size_t i = 0; i < rs->n_files; i++)
                        fprintf(out, "vx_text%zu,", i);
                fputs("};\nstatic const size_t vx_sizes[] = ", out);
                put_sizes(out, sizes, rs->n_files);
                fputs(";\n", out);
        }
        free(sizes);

        fputs("static CauseDef vx_causes[] = {\n", f);
        for (size_t i = 0; i < rs->n_causes; i++)
                put_cause(&e, f, rs, &rs->causes[i]);
        fputs("};\nstatic SymptomDef vx_symptoms[] = {\n", f);
        for (size_t i = 0; i < rs->n_symptoms; i++)
                put_symptom(&e, f, rs, &rs->symptoms[i]);
        fputs("};\nstatic char *vx_facts[] = {", f);
        for (size_t i = 0; i < rs->n_facts; i++) {
                put_str(f, rs->facts[i]);
                fputc(',', f);
        }
        fputs("};\nstatic RuleDef vx_rules[] = {\n", f);
        for (size_t i = 0; i < rs->n_rules; i++)
                put_rule(&e, f, rs, &rs->rules[i]);
        fputs("};\n", f);
        if (rs->n_regressions > 0) {
                fputs("static RegressionDef vx_regressions[] = {\n", f);
                for (size_t i = 0; i < rs->n_regressions; i++)
                        put_regression(&e, f, rs, &rs->regressions[i]);
                fputs("};\n", f);
        }
        if (r >= 0)
                r = put_codes(f, rs);
        if (r >= 0)
                r = put_prefilter(f, rs->prefilter, &rs->prefilter_rules, "log");
        if (r >= 0)
                r = put_prefilter(f, rs->probe_prefilter, &rs->probe_prefilter_rules, "probe");
        fprintf(f,
                "extern const RuleTables %s;\n"
                "const RuleTables %s = {\n"
                "        .names = vx_names, .texts = vx_texts, .sizes = vx_sizes, .n_files = %zu,\n"
                "        .paths = vx_paths, .files = vx_files,\n"
                "        .causes = vx_causes, .n_causes = %zu, .symptoms = vx_symptoms, .n_symptoms = %zu,\n"
                "        .facts = vx_facts, .n_facts = %zu, .rules = vx_rules, .n_rules = %zu,\n"
                "        .regressions = %s, .n_regressions = %zu, .regression_cause = %zuu,\n"
                "        .prefilter_image = vx_log_image, .prefilter_image_size = sizeof(vx_log_image) - 1,\n"
                "        .probe_prefilter_image = vx_probe_image,\n"
                "        .probe_prefilter_image_size = sizeof(vx_probe_image) - 1,\n"
                "        .prefilter_rules = {vx_log_start, vx_log_rules, vx_log_flags},\n"
                "        .probe_prefilter_rules = {vx_probe_start, vx_probe_rules, vx_probe_flags},\n"
                "        .codes = vx_codes, .code_sizes = vx_code_sizes, .max_groups = %uu,\n"
                "};\n",
                symbol, symbol, rs->n_files, rs->n_causes, rs->n_symptoms, rs->n_facts, rs->n_rules,
                rs->n_regressions > 0 ? "vx_regressions" : "NULL", rs->n_regressions, rs->regression_cause,
                rs->max_groups);
        if (fclose(f) != 0 && r >= 0)
                r = -ENOMEM;
        if (fclose(e.aux) != 0 && r >= 0)
                r = -ENOMEM;
        if (r >= 0) {
                fwrite(aux_buf, 1, aux_size, out);
                fwrite(body, 1, size, out);
        }
        free(aux_buf);
        free(body);
        return r;
}
