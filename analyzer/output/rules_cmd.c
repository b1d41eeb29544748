/* SPDX-License-Identifier: MIT */
/* `rules test` and `rules list`: the rule set against its own examples, and described for users. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "classify.h"
#include "escape.h"
#include "matcher.h"
#include "paste.h"
#include "rules_cmd.h"
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
        char event[512];
} ExampleReader;

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
        _cleanup_free_ ExampleReader *er = calloc(1, sizeof(ExampleReader));
        Matcher *m = NULL;
        int r;

        if (!er)
                return -ENOMEM;
        if ((r = line_classifier_new(&er->lc)) < 0)
                return r;
        if ((r = paste_new(&er->paste)) < 0 || (r = matcher_new(rs, &m)) < 0) {
                paste_free(er->paste);
                line_classifier_free(er->lc);
                return r;
        }
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
        for (size_t c = 0; c < rs->n_causes; c++)
                if (!cause_reachable(rs, c)) {
                        res.failures++;
                        strbuf_printf(report, "%s:%u: cause %s: no rule or symptom leads to it\n",
                                      rs->causes[c].at.file, rs->causes[c].at.line, rs->causes[c].id);
                }
        matcher_free(m);
        paste_free(er->paste);
        line_classifier_free(er->lc);
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
