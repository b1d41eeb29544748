/* SPDX-License-Identifier: MIT */
/* `rules test` and `rules list`: the rule set against its own examples, and described for users; the
 * message inventory against the rules. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "classify.h"
#include "escape.h"
#include "matcher.h"
#include "paste.h"
#include "rules_cmd.h"
#include "template.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/macro.h"

typedef struct Probe {
        size_t want;
        bool hit;
        Match match;
        Span view;
} Probe;

static int on_example_match(const Match *m, void *userdata) {
        Probe *p = userdata;
        if (m->rule_index == p->want) {
                p->hit = true;
                p->match = *m;
        }
        return 0;
}

static void fail(StrBuf *report, RulesTestResult *res, const RuleDef *r, unsigned line, const char *what,
                 const char *detail) {
        res->failures++;
        strbuf_printf(report, "%s:%u: rule %s: %s", r->at.file, line, r->id, what);
        if (detail) {
                strbuf_puts(report, ": ");
                escape_append(report, detail, strlen(detail));
        }
        strbuf_putc(report, '\n');
}

static Span view_for(const Line *l, unsigned mask) {
        for (size_t v = 0; v < l->n_views; v++)
                if (l->views[v].source == SOURCE_UNKNOWN || (mask & (1u << l->views[v].source)))
                        return l->views[v].text;
        return (Span){0};
}

/* What an example is read as. Probe lines never come through the classifier (a log cannot forge them): a
 * probe rule's examples are probe lines as they are. A shell rule's example is a transcript, a command and
 * its reply joined by a literal "\n": the rule sees the event they make (into event, which must outlive
 * line). */
typedef struct ExampleReader {
        LineClassifier *lc;
        Paste *paste;
        Matcher *matcher;
        char event[512];
} ExampleReader;

static ExampleReader *example_reader_free(ExampleReader *er) {
        if (er) {
                matcher_free(er->matcher);
                paste_free(er->paste);
                line_classifier_free(er->lc);
                free(er);
        }
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(ExampleReader *, example_reader_free);

/* What reads a rule's example lines as vfioexplain reads a log's, and matches them against rs. */
static int example_reader_new(const RuleSet *rs, ExampleReader **ret) {
        _cleanup_(example_reader_freep) ExampleReader *er = calloc(1, sizeof(ExampleReader));
        int r;

        if (!er)
                return -ENOMEM;
        if ((r = line_classifier_new(&er->lc)) < 0 || (r = paste_new(&er->paste)) < 0 ||
            (r = matcher_new(rs, &er->matcher)) < 0)
                return r;
        *ret = TAKE_PTR(er);
        return 0;
}

static void example_line(ExampleReader *er, const RuleDef *r, const char *text, Line *line) {
        LineClassifier *lc = er->lc;
        if (r->source_mask == 1u << SOURCE_SHELL) {
                size_t n = shell_event_of_transcript(er->paste, text, strlen(text), er->event,
                                                     sizeof(er->event));
                *line = (Line){.format = FORMAT_BARE, .priority = -1, .mono = -1, .n_views = 1};
                line->views[0] = (LineView){.source = n > 0 ? SOURCE_SHELL : SOURCE_UNKNOWN,
                                            .text = span_make(er->event, n)};
        } else if (r->source_mask == 1u << SOURCE_PROBE) {
                *line = (Line){.format = FORMAT_BARE, .priority = -1, .mono = -1, .n_views = 1};
                line->views[0] = (LineView){.source = SOURCE_PROBE, .text = span_from_str(text)};
        } else
                line_classify(lc, text, strlen(text), line);
        /* A guest rule's example may be a kernel line: it is the guest's when read with --guest. */
        if (r->source_mask & (1u << SOURCE_GUEST)) {
                bool ours = false;
                for (size_t v = 0; v < line->n_views; v++)
                        ours = ours || (r->source_mask & (1u << line->views[v].source));
                if (!ours)
                        line_as_guest(line);
        }
}

/* An explanation names no capture that its pattern may leave out and this example's match did: it would
 * print
 * "<address>" in the middle of a sentence about a line that named something else ("{address}{value}" for a
 * pattern whose branches capture one or the other: write "{address|value}"). */
static void check_explain_filled(const RuleDef *r, const Match *match, const RuleExample *ex, StrBuf *report,
                                 RulesTestResult *res) {
        uint64_t known = 0, captured = 0;
        if (!r->explain)
                return;
        for (size_t v = 0; v < _VAR_CAPTURE_MAX; v++)
                if (match->captures[v].p)
                        known |= UINT64_C(1) << v;
        for (size_t i = 0; i < r->n_captures; i++)
                captured |= UINT64_C(1) << r->capture_var[i];
        int v = template_unfilled(r->explain, known, captured);
        if (v >= 0) {
                char buf[96];
                snprintf(buf, sizeof(buf), "explain prints <%s>: the example's match has no %s capture",
                         var_to_string((Var) v), var_to_string((Var) v));
                fail(report, res, r, ex->at_line, buf, NULL);
        }
}

static void check_example(ExampleReader *er, Matcher *m, const RuleDef *r, size_t ri, const RuleExample *ex,
                          StrBuf *report, RulesTestResult *res) {
        Line line;
        Probe p = {.want = ri};

        example_line(er, r, ex->line, &line);
        Span view = view_for(&line, r->source_mask);
        if (!view.p) {
                char buf[96];
                snprintf(buf, sizeof(buf), "example is classified as %s (%s), not as a source of the rule",
                         source_to_string(line.views[0].source), line_format_to_string(line.format));
                fail(report, res, r, ex->at_line, buf, NULL);
                return;
        }
        for (size_t i = 0; i < r->n_contents; i++)
                if (!span_holds_caseless(view, r->contents[i]))
                        fail(report, res, r, ex->at_line, "content is not in the example's message",
                             r->contents[i]);
        (void) matcher_match_line(m, &line, on_example_match, &p);
        if (!p.hit) {
                fail(report, res, r, ex->at_line, "example does not match", ex->line);
                return;
        }
        check_explain_filled(r, &p.match, ex, report, res);
        for (size_t i = 0; i < ex->n_expect; i++) {
                const char *eq = strchr(ex->expect[i], '=');
                int v = var_from_string(ex->expect[i], (size_t) (eq - ex->expect[i]));
                Span got = p.match.captures[v];
                char norm[VX_CAPTURE_MAX + 1];
                if (!got.p) {
                        fail(report, res, r, ex->at_line, "capture missing", ex->expect[i]);
                        continue;
                }
                if (capture_normalize((Var) v, got.p, got.len, norm) < 0) {
                        fail(report, res, r, ex->at_line, "captured value fails its grammar", ex->expect[i]);
                        continue;
                }
                if (strcmp(norm, eq + 1) != 0) {
                        char buf[VX_CAPTURE_MAX + 64];
                        snprintf(buf, sizeof(buf), "%s (got %s)", ex->expect[i], norm);
                        fail(report, res, r, ex->at_line, "capture differs", buf);
                }
        }
}

static void fail_when(StrBuf *report, RulesTestResult *res, const SymptomDef *sy, unsigned line,
                      const char *what) {
        res->failures++;
        strbuf_printf(report, "%s:%u: symptom %s: %s\n", sy->at.file, line, sy->id, what);
}

/* The lines of a given or miss log read as one input, and judged as one would be: an analysis of them,
 * finished. NULL when out of memory. */
static Analysis *judge_when_log(const RuleSet *rs, const WhenExample *log) {
        Analysis *a = NULL;
        if (analysis_new(rs, &a) < 0)
                return NULL;
        for (size_t i = 0; i < log->n_lines; i++)
                if (analysis_feed(a, "given", i + 1, log->lines[i], strlen(log->lines[i])) < 0)
                        return analysis_free(a);
        if (analysis_finish(a) < 0)
                return analysis_free(a);
        return a;
}

/* Each when of each symptom holds on its given logs and not on its misses, which show the symptom itself. */
static int check_whens(const RuleSet *rs, StrBuf *report, RulesTestResult *res) {
        for (size_t s = 0; s < rs->n_symptoms; s++) {
                const SymptomDef *sy = &rs->symptoms[s];
                for (size_t w = 0; w < sy->n_whens; w++) {
                        const SuggestWhen *when = &sy->whens[w];
                        for (size_t k = 0; k < when->n_given + when->n_miss; k++) {
                                bool given = k < when->n_given;
                                const WhenExample *log =
                                        given ? &when->given[k] : &when->miss[k - when->n_given];
                                Analysis *a = judge_when_log(rs, log);
                                if (!a)
                                        return -ENOMEM;
                                if (given) {
                                        res->examples++;
                                        if (!analysis_when_held(a, s, w))
                                                fail_when(report, res, sy, log->at_line,
                                                          "the when does not hold on its given log");
                                } else {
                                        res->counters++;
                                        if (!analysis_symptom_seen(a, s))
                                                fail_when(
                                                        report, res, sy, log->at_line,
                                                        "a miss log must show the symptom (it is a near miss of the when)");
                                        else if (analysis_when_held(a, s, w))
                                                fail_when(report, res, sy, log->at_line,
                                                          "the when holds on a miss log");
                                }
                                analysis_free(a);
                        }
                }
        }
        return 0;
}

static bool cause_reachable(const RuleSet *rs, size_t cause) {
        for (size_t i = 0; i < rs->n_rules; i++) {
                const RuleDef *r = &rs->rules[i];
                if (r->kind == RULE_CAUSE && r->target == cause)
                        return true;
                if (r->kind == RULE_SYMPTOM) {
                        const SymptomDef *s = &rs->symptoms[r->target];
                        for (size_t k = 0; k < s->n_suggests; k++)
                                if (s->suggests[k] == cause)
                                        return true;
                }
        }
        return false;
}

int rules_test(const RuleSet *rs, StrBuf *report, RulesTestResult *ret) {
        RulesTestResult res = {0};
        _cleanup_(example_reader_freep) ExampleReader *er = NULL;
        Matcher *m = NULL;
        int r;

        if ((r = example_reader_new(rs, &er)) < 0)
                return r;
        m = er->matcher;
        for (size_t i = 0; i < rs->n_rules; i++) {
                const RuleDef *rule = &rs->rules[i];
                for (size_t k = 0; k < rule->n_examples; k++) {
                        res.examples++;
                        check_example(er, m, rule, i, &rule->examples[k], report, &res);
                }
                for (size_t k = 0; k < rule->n_counters; k++) {
                        Line line;
                        Probe p = {.want = i};
                        res.counters++;
                        example_line(er, rule, rule->counters[k].line, &line);
                        (void) matcher_match_line(m, &line, on_example_match, &p);
                        if (p.hit)
                                fail(report, &res, rule, rule->counters[k].at_line,
                                     "counter-example matches", rule->counters[k].line);
                }
        }
        if ((r = check_whens(rs, report, &res)) < 0)
                return r;
        for (size_t c = 0; c < rs->n_causes; c++)
                if (!cause_reachable(rs, c)) {
                        res.failures++;
                        strbuf_printf(report, "%s:%u: cause %s: no rule or symptom leads to it\n",
                                      rs->causes[c].at.file, rs->causes[c].at.line, rs->causes[c].id);
                }
        *ret = res;
        return strbuf_failed(report) ? -ENOMEM : 0;
}

static size_t count_rules(const RuleSet *rs, RuleKind kind, size_t target) {
        size_t n = 0;
        for (size_t i = 0; i < rs->n_rules; i++)
                if (rs->rules[i].kind == kind && rs->rules[i].target == target)
                        n++;
        return n;
}

static struct json_object *sources_to_json(const RuleSources *s) {
        struct json_object *a = json_object_new_array();
        for (size_t i = 0; i < s->n; i++) {
                const RuleSource *src = &s->items[i];
                struct json_object *o = json_object_new_object();
                json_object_object_add(o, "name", json_object_new_string(src->name));
                json_object_object_add(o, "path", json_object_new_string(src->path));
                json_object_object_add(o, "masked", json_object_new_boolean(src->masked));
                struct json_object *sh = json_object_new_array();
                for (size_t k = 0; k < src->n_shadowed; k++)
                        json_object_array_add(sh, json_object_new_string(src->shadowed[k]));
                json_object_object_add(o, "shadows", sh);
                json_object_array_add(a, o);
        }
        return a;
}

static void escaped(StrBuf *out, const char *s) {
        escape_append(out, s, strlen(s));
}

/* One line per file name: what is loaded, what it replaces, what masks what. */
static void sources_to_text(const RuleSources *s, StrBuf *out) {
        strbuf_puts(out, "\nrule files, in the order they load:\n");
        for (size_t i = 0; i < s->n; i++) {
                const RuleSource *src = &s->items[i];
                StrBuf name = {0};
                escaped(&name, src->name);
                strbuf_printf(out, "  %-18s %s", strbuf_str(&name), src->masked ? "masked by " : "");
                strbuf_done(&name);
                escaped(out, src->path);
                for (size_t k = 0; k < src->n_shadowed; k++) {
                        strbuf_puts(out, k == 0 ? (src->masked ? " (masks " : " (replaces ") : ", ");
                        escaped(out, src->shadowed[k]);
                }
                strbuf_puts(out, src->n_shadowed ? ")\n" : "\n");
        }
}

int rules_list(const RuleSet *rs, const RuleSources *sources, OutputFormat format, StrBuf *out) {
        if (format == OUTPUT_JSON) {
                struct json_object *root = json_object_new_object();
                struct json_object *causes = json_object_new_array();
                struct json_object *rules = json_object_new_array();
                for (size_t i = 0; i < rs->n_causes; i++) {
                        const CauseDef *c = &rs->causes[i];
                        struct json_object *o = json_object_new_object();
                        json_object_object_add(o, "id", json_object_new_string(c->id));
                        json_object_object_add(o, "title", json_object_new_string(c->title));
                        json_object_object_add(o, "scope",
                                               json_object_new_string(c->host_scope ? "host" : "device"));
                        json_object_object_add(o, "means", json_object_new_string(c->means));
                        /* Why a finding of this cause is shown in doubt, when its possible-unless holds for
                         * none of its lines: null for a cause never in doubt. */
                        json_object_object_add(o, "doubt",
                                               c->doubt ? json_object_new_string(c->doubt) : NULL);
                        json_object_object_add(
                                o, "rules", json_object_new_int64((int64_t) count_rules(rs, RULE_CAUSE, i)));
                        json_object_array_add(causes, o);
                }
                for (size_t i = 0; i < rs->n_rules; i++) {
                        const RuleDef *r = &rs->rules[i];
                        struct json_object *o = json_object_new_object();
                        json_object_object_add(o, "id", json_object_new_string(r->id));
                        json_object_object_add(o, "kind",
                                               json_object_new_string(r->kind == RULE_CAUSE ? "cause"
                                                                              : r->kind == RULE_SYMPTOM
                                                                              ? "symptom"
                                                                              : "fact"));
                        json_object_object_add(o, "target",
                                               json_object_new_string(r->kind == RULE_CAUSE
                                                                              ? rs->causes[r->target].id
                                                                              : r->kind == RULE_SYMPTOM
                                                                              ? rs->symptoms[r->target].id
                                                                              : rs->facts[r->target]));
                        struct json_object *v = json_object_new_array();
                        for (size_t k = 0; k < r->n_versions; k++)
                                json_object_array_add(v, json_object_new_string(r->versions[k]));
                        json_object_object_add(o, "versions", v);
                        json_object_array_add(rules, o);
                }
                json_object_object_add(root, "causes", causes);
                json_object_object_add(root, "rules", rules);
                if (sources)
                        json_object_object_add(root, "files", sources_to_json(sources));
                strbuf_puts(out,
                            json_object_to_json_string_ext(
                                    root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                strbuf_putc(out, '\n');
                json_object_put(root);
                return strbuf_failed(out) ? -ENOMEM : 0;
        }
        strbuf_printf(out, "%zu causes, %zu symptoms, %zu facts, %zu rules from %zu files\n\n", rs->n_causes,
                      rs->n_symptoms, rs->n_facts, rs->n_rules, rs->n_files);
        for (size_t i = 0; i < rs->n_causes; i++) {
                const CauseDef *c = &rs->causes[i];
                strbuf_printf(out, "%-28s %-6s %3zu rule(s)  %s\n", c->id, c->host_scope ? "host" : "device",
                              count_rules(rs, RULE_CAUSE, i), c->title);
        }
        if (sources)
                sources_to_text(sources, out);
        return strbuf_failed(out) ? -ENOMEM : 0;
}

/* What one inventory row's example, alone, gives; why not in why (when given). Returns 1 when the row holds,
 * 0 when not, -ENOMEM. */
static int row_holds(const RuleSet *rs, ExampleReader *er, Matcher *m, const Inventory *inv,
                     const InventoryRow *row, StrBuf *why) {
        const char *example = row->column[INVENTORY_EXAMPLE];
        const RuleDef *r = row->rule != SIZE_MAX ? &rs->rules[row->rule] : NULL;
        bool holds = row->sound;
        Analysis *a = NULL;
        int ret;

        if (row->disposition != DISPOSITION_BENIGN && !r)
                return 0; /* an unknown rule: reported already */
        if (r) {
                Line line;
                Probe p = {.want = row->rule};
                example_line(er, r, example, &line);
                (void) matcher_match_line(m, &line, on_example_match, &p);
                if (!p.hit) {
                        strbuf_printf(why, "the example does not match rule %s\n", r->id);
                        holds = false;
                }
        }
        if ((ret = analysis_new(rs, &a)) < 0)
                return ret;
        if (r && r->source_mask == 1u << SOURCE_PROBE)
                ret = analysis_feed_probe(a, example, strlen(example));
        else if (r && r->source_mask == 1u << SOURCE_SHELL) {
                /* A shell rule's example is a transcript, its lines joined by a literal "\n". */
                for (const char *p = example; ret >= 0;) {
                        const char *nl = strstr(p, "\\n");
                        size_t len = nl ? (size_t) (nl - p) : strlen(p);
                        ret = analysis_feed(a, inv->name, row->line, p, len);
                        if (!nl)
                                break;
                        p = nl + 2;
                }
        } else {
                /* A guest rule's message is read as `--guest FILE` reads it. */
                analysis_set_guest(a, r && r->source_mask == 1u << SOURCE_GUEST);
                ret = analysis_feed(a, inv->name, row->line, example, strlen(example));
        }
        if (ret >= 0)
                ret = analysis_finish(a);
        if (ret < 0) {
                analysis_free(a);
                return ret;
        }
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        bool want_found = false;
        for (size_t i = 0; i < n && r; i++) {
                if (row->disposition == DISPOSITION_CAUSE && r->kind == RULE_CAUSE)
                        want_found = want_found || fs[i]->cause == r->target;
                else if (row->disposition == DISPOSITION_SYMPTOM && r->kind == RULE_SYMPTOM) {
                        const SymptomDef *sd = &rs->symptoms[r->target];
                        for (size_t k = 0; k < sd->n_suggests; k++)
                                want_found = want_found || fs[i]->cause == sd->suggests[k];
                }
        }
        bool want_none = row->disposition == DISPOSITION_FACT || row->disposition == DISPOSITION_BENIGN;
        if (want_none ? n > 0 : !want_found) {
                holds = false;
                if (row->disposition == DISPOSITION_CAUSE)
                        strbuf_printf(why, "alone, the example does not yield cause %s: it yields ",
                                      r->kind == RULE_CAUSE ? rs->causes[r->target].id
                                                            : "(none: not a cause rule)");
                else if (row->disposition == DISPOSITION_SYMPTOM)
                        strbuf_printf(
                                why,
                                "alone, the example yields none of the causes symptom %s suggests: it yields ",
                                r->kind == RULE_SYMPTOM ? rs->symptoms[r->target].id
                                                        : "(none: not a symptom rule)");
                else
                        strbuf_printf(why, "a %s row's example, alone, yields ",
                                      disposition_to_string(row->disposition));
                if (n == 0)
                        strbuf_puts(why, "no cause");
                for (size_t i = 0; i < n; i++) {
                        const Finding *f = fs[i];
                        strbuf_printf(why, "%s%s", i ? ", " : "", rs->causes[f->cause].id);
                        if (f->n_evidence > 0)
                                strbuf_printf(why, " (rule %s)", rs->rules[f->evidence[0].rule].id);
                }
                strbuf_putc(why, '\n');
        }
        analysis_free(a);
        return holds;
}

/* Every row's verdict, in the order of the files and rows; each reason for a row that does not hold is one
 * "NAME:LINE: reason" line of report (NULL: not wanted). */
static int inventory_verdicts(const RuleSet *rs, Inventory *inv, size_t n, bool *holds, StrBuf *report) {
        _cleanup_(example_reader_freep) ExampleReader *er = NULL;
        Matcher *m = NULL;
        StrBuf why = {0};
        int r;

        if ((r = example_reader_new(rs, &er)) < 0)
                return r;
        m = er->matcher;
        size_t k = 0;
        for (size_t f = 0; f < n && r >= 0; f++)
                for (size_t i = 0; i < inv[f].n_rows && r >= 0; i++, k++) {
                        strbuf_reset(&why);
                        r = row_holds(rs, er, m, &inv[f], &inv[f].rows[i], &why);
                        holds[k] = r > 0;
                        if (!report || strbuf_failed(&why))
                                continue;
                        /* One line per reason, each with where the row is. */
                        for (const char *p = strbuf_str(&why); *p;) {
                                const char *nl = strchr(p, '\n');
                                strbuf_printf(report, "%s:%u: ", inv[f].name, inv[f].rows[i].line);
                                escape_append(report, p, (size_t) (nl - p));
                                strbuf_putc(report, '\n');
                                p = nl + 1;
                        }
                }
        if (r >= 0 && strbuf_failed(&why))
                r = -ENOMEM;
        strbuf_done(&why);
        return r < 0 ? r : 0;
}

static size_t inventory_rows(const Inventory *inv, size_t n) {
        size_t total = 0;
        for (size_t f = 0; f < n; f++)
                total += inv[f].n_rows;
        return total;
}

/* The "# Rows: " line a file's figures make, without its "# ". */
static void counts_line(const Inventory *inv, const bool *holds, StrBuf *out) {
        size_t c[_DISPOSITION_MAX], hold = 0;
        inventory_count(inv, c);
        for (size_t i = 0; i < inv->n_rows; i++)
                hold += holds[i];
        strbuf_printf(
                out,
                "Rows: %zu (cause %zu, symptom %zu, fact %zu, benign %zu); %zu of %zu examples give their disposition alone.",
                inv->n_rows, c[DISPOSITION_CAUSE], c[DISPOSITION_SYMPTOM], c[DISPOSITION_FACT],
                c[DISPOSITION_BENIGN], hold, inv->n_rows);
}

int rules_test_inventory(const RuleSet *rs, Inventory *inv, size_t n, const Diag *parsed, StrBuf *report,
                         InventoryTestResult *ret) {
        InventoryTestResult res = {.rows = inventory_rows(inv, n)};
        Diag d = {0};
        int r;

        for (size_t i = 0; parsed && i < parsed->n; i++) {
                escape_append(report, parsed->lines[i], strlen(parsed->lines[i]));
                strbuf_putc(report, '\n');
        }
        for (size_t f = 0; f < n; f++)
                res.failures += inv[f].malformed;
        if (parsed && parsed->dropped)
                strbuf_printf(report, "... and %zu more\n", parsed->dropped);
        res.failures += inventory_check_rules(inv, n, rs, &d);
        for (size_t i = 0; i < d.n; i++) {
                escape_append(report, d.lines[i], strlen(d.lines[i]));
                strbuf_putc(report, '\n');
        }
        if (d.dropped)
                strbuf_printf(report, "... and %zu more\n", d.dropped);
        diag_done(&d);

        _cleanup_free_ bool *holds = calloc(res.rows ? res.rows : 1, sizeof(bool));
        if (!holds)
                return -ENOMEM;
        if ((r = inventory_verdicts(rs, inv, n, holds, report)) < 0)
                return r;
        size_t k = 0;
        for (size_t f = 0; f < n; f++) {
                for (size_t i = 0; i < inv[f].n_rows; i++)
                        if (holds[k + i])
                                res.hold++;
                        else if (inv[f].rows[i].sound)
                                res.failures++; /* a row already unsound was counted as it was reported */
                StrBuf want = {0};
                counts_line(&inv[f], holds + k, &want);
                if (!inv[f].counts) {
                        res.failures++;
                        strbuf_printf(report, "%s: the header has no figures; it should say: # ",
                                      inv[f].name);
                        strbuf_puts(report, strbuf_str(&want));
                        strbuf_putc(report, '\n');
                } else if (strcmp(inv[f].counts, strbuf_str(&want)) != 0) {
                        res.failures++;
                        strbuf_printf(report,
                                      "%s:%u: the header's figures are not the rows'; it should say: # ",
                                      inv[f].name, inv[f].counts_line);
                        strbuf_puts(report, strbuf_str(&want));
                        strbuf_putc(report, '\n');
                }
                if (strbuf_failed(&want))
                        report->oom = true;
                strbuf_done(&want);
                k += inv[f].n_rows;
        }
        *ret = res;
        return strbuf_failed(report) ? -ENOMEM : 0;
}

typedef struct Tally {
        const char *name;
        size_t rows[_DISPOSITION_MAX];
        size_t total, hold;
} Tally;

static void tally_add(Tally *t, const InventoryRow *row, bool holds) {
        t->rows[row->disposition]++;
        t->total++;
        t->hold += holds;
}

static int cmp_tally(const void *a, const void *b) {
        return strcmp(((const Tally *) a)->name, ((const Tally *) b)->name);
}

typedef struct CauseTally {
        size_t cause_rows, symptom_rows, hold;
} CauseTally;

static struct json_object *tally_to_json(const Tally *t) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(t->name));
        json_object_object_add(o, "rows", json_object_new_int64((int64_t) t->total));
        for (size_t d = 0; d < _DISPOSITION_MAX; d++)
                json_object_object_add(o, disposition_to_string(d),
                                       json_object_new_int64((int64_t) t->rows[d]));
        json_object_object_add(o, "hold", json_object_new_int64((int64_t) t->hold));
        return o;
}

static void tally_to_text(const Tally *t, bool markdown, StrBuf *out) {
        StrBuf name = {0};
        escaped(&name, t->name);
        if (markdown)
                strbuf_printf(out, "| %s | %zu | %zu | %zu | %zu | %zu | %zu |\n", strbuf_str(&name),
                              t->total, t->rows[DISPOSITION_CAUSE], t->rows[DISPOSITION_SYMPTOM],
                              t->rows[DISPOSITION_FACT], t->rows[DISPOSITION_BENIGN], t->hold);
        else
                strbuf_printf(out, "%-24s %6zu %6zu %8zu %5zu %7zu %6zu\n", strbuf_str(&name), t->total,
                              t->rows[DISPOSITION_CAUSE], t->rows[DISPOSITION_SYMPTOM],
                              t->rows[DISPOSITION_FACT], t->rows[DISPOSITION_BENIGN], t->hold);
        strbuf_done(&name);
}

int rules_list_inventory(const RuleSet *rs, Inventory *inv, size_t n, OutputFormat format, StrBuf *out) {
        size_t total = inventory_rows(inv, n), n_programs = 0;
        Tally all = {.name = "all"};
        int r;

        (void) inventory_check_rules(inv, n, rs, NULL);
        _cleanup_free_ bool *holds = calloc(total ? total : 1, sizeof(bool));
        _cleanup_free_ Tally *programs = calloc(total ? total : 1, sizeof(Tally));
        _cleanup_free_ Tally *files = calloc(n ? n : 1, sizeof(Tally));
        _cleanup_free_ CauseTally *causes = calloc(rs->n_causes ? rs->n_causes : 1, sizeof(CauseTally));
        if (!holds || !programs || !files || !causes)
                return -ENOMEM;
        if ((r = inventory_verdicts(rs, inv, n, holds, NULL)) < 0)
                return r;
        size_t k = 0;
        for (size_t f = 0; f < n; f++) {
                files[f].name = inv[f].name;
                for (size_t i = 0; i < inv[f].n_rows; i++, k++) {
                        const InventoryRow *row = &inv[f].rows[i];
                        const char *program = row->column[INVENTORY_PROGRAM];
                        size_t p = 0;
                        while (p < n_programs && strcmp(programs[p].name, program) != 0)
                                p++;
                        if (p == n_programs)
                                programs[n_programs++].name = program;
                        tally_add(&programs[p], row, holds[k]);
                        tally_add(&files[f], row, holds[k]);
                        tally_add(&all, row, holds[k]);
                        if (row->rule == SIZE_MAX)
                                continue;
                        const RuleDef *rd = &rs->rules[row->rule];
                        if (row->disposition == DISPOSITION_CAUSE && rd->kind == RULE_CAUSE) {
                                causes[rd->target].cause_rows++;
                                causes[rd->target].hold += holds[k];
                        } else if (row->disposition == DISPOSITION_SYMPTOM && rd->kind == RULE_SYMPTOM) {
                                const SymptomDef *sd = &rs->symptoms[rd->target];
                                for (size_t s = 0; s < sd->n_suggests; s++) {
                                        causes[sd->suggests[s]].symptom_rows++;
                                        causes[sd->suggests[s]].hold += holds[k];
                                }
                        }
                }
        }
        qsort(programs, n_programs, sizeof(Tally), cmp_tally);

        if (format == OUTPUT_JSON) {
                struct json_object *root = json_object_new_object();
                struct json_object *a = json_object_new_array();
                for (size_t p = 0; p < n_programs; p++)
                        json_object_array_add(a, tally_to_json(&programs[p]));
                json_object_object_add(root, "programs", a);
                json_object_object_add(root, "all", tally_to_json(&all));
                a = json_object_new_array();
                for (size_t c = 0; c < rs->n_causes; c++) {
                        struct json_object *o = json_object_new_object();
                        json_object_object_add(o, "id", json_object_new_string(rs->causes[c].id));
                        json_object_object_add(o, "cause_rows",
                                               json_object_new_int64((int64_t) causes[c].cause_rows));
                        json_object_object_add(o, "symptom_rows",
                                               json_object_new_int64((int64_t) causes[c].symptom_rows));
                        json_object_object_add(o, "hold", json_object_new_int64((int64_t) causes[c].hold));
                        json_object_array_add(a, o);
                }
                json_object_object_add(root, "causes", a);
                a = json_object_new_array();
                for (size_t f = 0; f < n; f++)
                        json_object_array_add(a, tally_to_json(&files[f]));
                json_object_object_add(root, "files", a);
                strbuf_puts(out,
                            json_object_to_json_string_ext(
                                    root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                strbuf_putc(out, '\n');
                json_object_put(root);
                return strbuf_failed(out) ? -ENOMEM : 0;
        }
        if (format == OUTPUT_MARKDOWN) {
                strbuf_puts(
                        out,
                        "| program | messages | cause | symptom | fact | benign | example gives it alone |\n|---|---:|---:|---:|---:|---:|---:|\n");
                for (size_t p = 0; p < n_programs; p++)
                        tally_to_text(&programs[p], true, out);
                tally_to_text(&all, true, out);
                return strbuf_failed(out) ? -ENOMEM : 0;
        }
        strbuf_printf(
                out, "inventory: %zu messages in %zu files; alone, %zu of them give what their row says\n\n",
                all.total, n, all.hold);
        strbuf_printf(out, "%-24s %6s %6s %8s %5s %7s %6s\n", "program", "rows", "cause", "symptom", "fact",
                      "benign", "hold");
        for (size_t p = 0; p < n_programs; p++)
                tally_to_text(&programs[p], false, out);
        tally_to_text(&all, false, out);
        strbuf_printf(out, "\n%-28s %10s %12s %6s\n", "cause", "cause rows", "symptom rows", "hold");
        for (size_t c = 0; c < rs->n_causes; c++)
                strbuf_printf(out, "%-28s %10zu %12zu %6zu\n", rs->causes[c].id, causes[c].cause_rows,
                              causes[c].symptom_rows, causes[c].hold);
        strbuf_printf(out, "\n%-24s %6s %6s %8s %5s %7s %6s\n", "file", "rows", "cause", "symptom", "fact",
                      "benign", "hold");
        for (size_t f = 0; f < n; f++)
                tally_to_text(&files[f], false, out);
        return strbuf_failed(out) ? -ENOMEM : 0;
}
