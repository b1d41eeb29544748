/* SPDX-License-Identifier: MIT */
/* Ranking (README "How vfioexplain decides"): symptoms attach to the causes found that explain them, or
 * else point at the causes they suggest; causes fold in the causes they explain; the rest is ordered by
 * confidence and weight. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"
#include "evaluate.h"
#include "vfioexplain/macro.h"

static bool devices_compatible(const Analysis *a, const Finding *f, const char *device) {
        return a->rs->causes[f->cause].host_scope || !f->device[0] || !device[0] ||
                strcmp(f->device, device) == 0;
}

/* A fact rules a cause out within its boot. A fact about one device (its line names it) rules out a
 * device's cause only for that device; it still rules out host-wide causes. With suggested, where symptoms
 * suggest it (refuted-by and ruled-out-by); else where a rule of the cause points at it (ruled-out-by only).
 * Returns the fact, or -1. */
static ssize_t refuted(const Analysis *a, size_t cause, unsigned epoch, const char *device, bool suggested) {
        const CauseDef *c = &a->rs->causes[cause];
        const char *scope = c->host_scope ? NULL : device;
        for (size_t i = 0; suggested && i < c->n_refuted_by; i++)
                if (fact_set_holds(a->facts, c->refuted_by[i], epoch, scope))
                        return (ssize_t) c->refuted_by[i];
        for (size_t i = 0; i < c->n_ruled_out_by; i++)
                if (fact_set_holds(a->facts, c->ruled_out_by[i], epoch, scope))
                        return (ssize_t) c->ruled_out_by[i];
        return -1;
}

/* Keeps, once, that fact ruled out cause (for device) where a symptom suggested it. */
static void note_ruled_out(Analysis *a, size_t cause, const char *device, size_t fact, unsigned epoch) {
        for (size_t i = 0; i < a->n_ruled_out; i++)
                if (a->ruled_out[i].cause == cause && strcmp(a->ruled_out[i].device, device) == 0)
                        return;
        if (a->n_ruled_out >= VX_RULED_OUT_MAX)
                return;
        RuledOut *o = &a->ruled_out[a->n_ruled_out++];
        *o = (RuledOut){.cause = cause, .fact = fact, .epoch = epoch};
        snprintf(o->device, sizeof(o->device), "%s", device);
        /* the fact as fact_set_holds() found it: about the host, or about the device */
        for (size_t i = 0; i < a->n_pasted_facts && !o->pasted_fact; i++) {
                const PastedFact *p = &a->pasted_facts[i];
                if (p->fact == fact && p->epoch == epoch &&
                    (!p->device[0] || strcmp(p->device, device) == 0))
                        o->pasted_fact = (uint16_t) (i + 1);
        }
}

static int attach_copy(FindingState *s, const Hit *h) {
        Evidence ev = h->ev;
        ev.text = strdup(h->ev.text);
        if (!ev.text)
                return -ENOMEM;
        ev.unit = h->ev.unit ? strdup(h->ev.unit) : NULL;
        ev.cursor = h->ev.cursor ? strdup(h->ev.cursor) : NULL;
        ev.context = h->ev.context ? strdup(h->ev.context) : NULL;
        ev.vars = vars_dup(h->vars);
        vars_merge(s->f.vars, h->vars);
        return finding_add_evidence(s, &ev);
}

/* Device-scoped findings that no line tied to a device join the one device the cause was found for. */
static int merge_deviceless(Analysis *a) {
        for (size_t i = 0; i < a->n_findings; i++) {
                FindingState *s = &a->findings[i];
                if (s->f.folded || s->f.device[0] || a->rs->causes[s->f.cause].host_scope)
                        continue;
                FindingState *only = NULL;
                size_t count = 0;
                for (size_t j = 0; j < a->n_findings; j++) {
                        FindingState *t = &a->findings[j];
                        if (j != i && !t->f.folded && t->f.cause == s->f.cause && t->f.device[0]) {
                                only = t;
                                count++;
                        }
                }
                if (count != 1)
                        continue;
                for (size_t k = 0; k < s->f.n_evidence; k++) {
                        int r = finding_add_evidence(only, &s->f.evidence[k]);
                        if (r < 0)
                                return r;
                }
                s->f.n_evidence = 0;
                only->f.more_evidence += s->f.more_evidence;
                if (s->f.confidence > only->f.confidence)
                        only->f.confidence = s->f.confidence;
                for (size_t k = 0; k < s->n_seen_rules; k++)
                        finding_add_weight(only, s->seen_rules[k], 0);
                only->f.score += s->f.score;
                only->strong_weight += s->strong_weight;
                if (s->last_input && (!only->last_input || s->last_seq > only->last_seq)) {
                        only->last_input = s->last_input;
                        only->last_line = s->last_line;
                        only->last_epoch = s->last_epoch;
                        only->last_seq = s->last_seq;
                }
                only->f.direct |= s->f.direct;
                vars_merge(only->f.vars, s->f.vars);
                if (s->f.first_seq < only->f.first_seq)
                        only->f.first_seq = s->f.first_seq;
                s->f.folded = true;
        }
        return 0;
}

/* Whether one of the cause's possible-unless conditions holds at p. */
static bool possible_unless_holds(const Analysis *a, const CauseDef *c, const CondPlace *p) {
        for (size_t i = 0; i < c->n_possible_unless; i++)
                if (condition_holds(a, &c->possible_unless[i], p))
                        return true;
        return false;
}

/* A cause whose possible-unless conditions hold for none of the lines that found it is possible at most: an
 * IOMMU fault of a device no line shows assigned (the iGPU at boot) is no passthrough failure of its own.
 * The lines are those kept as evidence and the last one that matched. */
static void doubt_findings(Analysis *a) {
        for (size_t i = 0; i < a->n_findings; i++) {
                FindingState *s = &a->findings[i];
                Finding *f = &s->f;
                const CauseDef *c = &a->rs->causes[f->cause];
                if (f->folded || c->n_possible_unless == 0 || f->confidence <= STRENGTH_POSSIBLE)
                        continue;
                bool holds = false;
                for (size_t e = 0; e < f->n_evidence && !holds; e++) {
                        const Evidence *ev = &f->evidence[e];
                        const RuleDef *rule = &a->rs->rules[ev->rule];
                        if (rule->kind != RULE_CAUSE || rule->target != f->cause)
                                continue;
                        CondPlace p = {.vars = ev->vars,
                                       .device = f->device,
                                       .epoch = ev->epoch,
                                       .input = ev->input,
                                       .line = ev->line};
                        holds = possible_unless_holds(a, c, &p);
                }
                if (!holds && s->last_input) {
                        CondPlace p = {.vars = f->vars,
                                       .device = f->device,
                                       .epoch = s->last_epoch,
                                       .input = s->last_input,
                                       .line = s->last_line};
                        holds = possible_unless_holds(a, c, &p);
                }
                if (holds)
                        continue;
                f->confidence = STRENGTH_POSSIBLE;
                f->doubted = true;
                f->score -= s->strong_weight;
                s->strong_weight = 0;
        }
}

/* A corroborating line names the device it is about; a host-wide cause found for a device (its lines name
 * it) takes it only for that device, and one whose lines name none takes it as the only device there is. */
static bool corroborates_finding(const Analysis *a, const Finding *f, const char *device) {
        if (!device[0])
                return false;
        if (!a->rs->causes[f->cause].host_scope)
                return strcmp(f->device, device) == 0;
        return !f->vars[VAR_ADDRESS] || strcmp(f->vars[VAR_ADDRESS], device) == 0;
}

static const SymptomDef *symptom_of(const Analysis *a, const Hit *h) {
        return &a->rs->symptoms[a->rs->rules[h->rule].target];
}

static int attach(FindingState *s, Hit *h, const SymptomDef *sy, long weight) {
        int r = attach_copy(s, h);
        if (r < 0)
                return r;
        finding_add_weight(s, h->rule, weight);
        finding_add_explains(&s->f, sy->id);
        if (!s->f.group[0] && h->group[0])
                snprintf(s->f.group, sizeof(s->f.group), "%s", h->group);
        h->attached = true;
        return 0;
}

/* How much a term that holds narrows what the line can be: a term of one value (errno=EBUSY, class=bridge,
 * a fact) or a version bound a whole WEIGHT_TERM; one of any of k values (errno=EACCES|EPERM,
 * arch=arm|ppc|...) a k-th of it; a negated one (via!=compose|...), which says only what the value is not,
 * the least. So errno=EACCES op=X outweighs errno=EACCES, and errno=EBUSY outweighs errno=EBUSY|ENODEV. */
static long term_weight(const CondTerm *t) {
        if (t->negated)
                return 1;
        if (t->n_values <= 1)
                return WEIGHT_TERM;
        return MAX((WEIGHT_TERM + (long) t->n_values / 2) / (long) t->n_values, 1L);
}

static long condition_weight(const Condition *c) {
        long w = 0;
        for (size_t i = 0; i < c->n_terms; i++)
                w += term_weight(&c->terms[i]);
        return w;
}

/* What a symptom's whens say of one of its lines: which hold (h->whens_held), the weight of each cause it
 * suggests (the same for each, more for those a holding when names, by how many terms it has and how
 * specific each is: condition_weight()) and which the line points away from. The order of suggests says
 * nothing. */
static void weigh(const Analysis *a, Hit *h, const SymptomDef *sy, long weight[static VX_LIST_ITEMS_MAX],
                  bool excluded[static VX_LIST_ITEMS_MAX]) {
        CondPlace p = {.vars = h->vars,
                       .device = h->device,
                       .epoch = h->ev.epoch,
                       .input = h->ev.input,
                       .line = h->ev.line,
                       .line_known = true,
                       .via = h->via};
        h->whens_held = 0;
        for (size_t k = 0; k < sy->n_suggests; k++) {
                weight[k] = WEIGHT_SUGGESTED;
                excluded[k] = false;
        }
        for (size_t i = 0; i < sy->n_whens; i++) {
                const SuggestWhen *w = &sy->whens[i];
                if (!condition_holds(a, &w->cond, &p))
                        continue;
                h->whens_held |= UINT32_C(1) << i;
                for (size_t k = 0; k < sy->n_suggests; k++) {
                        for (size_t j = 0; j < w->n_causes; j++)
                                if (w->causes[j] == sy->suggests[k])
                                        weight[k] += condition_weight(&w->cond);
                        for (size_t j = 0; j < w->n_excludes; j++)
                                if (w->excludes[j] == sy->suggests[k])
                                        excluded[k] = true;
                }
        }
}

/* Whether the line points away from cause (a when of its symptom that holds says so). */
static bool excluded_for(const Analysis *a, Hit *h, const SymptomDef *sy, size_t cause) {
        long weight[VX_LIST_ITEMS_MAX];
        bool excluded[VX_LIST_ITEMS_MAX];
        weigh(a, h, sy, weight, excluded);
        for (size_t k = 0; k < sy->n_suggests; k++)
                if (sy->suggests[k] == cause)
                        return excluded[k];
        return false;
}

/* A symptom no found cause explains points at every cause it suggests that the input does not refute, as
 * its whens weigh them. */
static int suggest(Analysis *a, Hit *h, const SymptomDef *sy) {
        long weight[VX_LIST_ITEMS_MAX];
        bool excluded[VX_LIST_ITEMS_MAX];
        weigh(a, h, sy, weight, excluded);
        for (size_t k = 0; k < sy->n_suggests; k++) {
                size_t cause = sy->suggests[k];
                /* named only by a regression's releases and evidence (regressions.c), never by a guess */
                if (excluded[k] || cause == a->rs->regression_cause)
                        continue;
                const char *device = a->rs->causes[cause].host_scope ? "" : h->device;
                ssize_t fact = refuted(a, cause, h->ev.epoch, h->device, true);
                if (fact >= 0) {
                        note_ruled_out(a, cause, device, (size_t) fact, h->ev.epoch);
                        continue;
                }
                FindingState *s = finding_get(a, cause, device);
                if (!s)
                        continue;
                int r = attach(s, h, sy, weight[k]);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One line read two ways (two symptom rules) is one piece of evidence: once a found cause explains it,
 * its other reading suggests nothing more. */
static bool line_explained(const Analysis *a, const Hit *h) {
        for (size_t i = 0; i < a->n_symptoms; i++) {
                const Hit *o = &a->symptoms[i];
                if (o != h && o->attached && o->ev.input == h->ev.input && o->ev.line == h->ev.line)
                        return true;
        }
        return false;
}

static int attach_symptoms(Analysis *a) {
        int r;
        /* Which whens hold for each line, whatever it is attached to. */
        for (size_t i = 0; i < a->n_symptoms; i++) {
                long weight[VX_LIST_ITEMS_MAX];
                bool excluded[VX_LIST_ITEMS_MAX];
                weigh(a, &a->symptoms[i], symptom_of(a, &a->symptoms[i]), weight, excluded);
        }
        /* First: specific symptoms attach to the causes found directly that explain them. */
        for (size_t i = 0; i < a->n_symptoms; i++) {
                Hit *h = &a->symptoms[i];
                const SymptomDef *sy = symptom_of(a, h);
                size_t n_direct = a->n_findings;
                if (sy->generic)
                        continue;
                for (size_t k = 0; k < sy->n_suggests; k++)
                        for (size_t j = 0; j < n_direct; j++) {
                                FindingState *s = &a->findings[j];
                                if (s->f.folded || !s->f.direct || s->f.cause != sy->suggests[k] ||
                                    !(sy->corroborates ? corroborates_finding(a, &s->f, h->device)
                                                       : devices_compatible(a, &s->f, h->device)) ||
                                    excluded_for(a, h, sy, s->f.cause))
                                        continue;
                                if ((r = attach(s, h, sy, WEIGHT_SYMPTOM_ATTACHED)) < 0)
                                        return r;
                        }
        }
        for (size_t i = 0; i < a->n_symptoms; i++) {
                Hit *h = &a->symptoms[i];
                const SymptomDef *sy = symptom_of(a, h);
                /* A corroborating line is normal on its own: it suggests nothing. */
                if (!sy->generic && !sy->corroborates && !h->attached && !line_explained(a, h) &&
                    (r = suggest(a, h, sy)) < 0)
                        return r;
        }
        /* Last: generic symptoms ("Failed to start domain") are the consequence of whatever was found, and
         * attach to the most confident causes; only on their own do they suggest anything. */
        for (size_t i = 0; i < a->n_symptoms; i++) {
                Hit *h = &a->symptoms[i];
                const SymptomDef *sy = symptom_of(a, h);
                int best = -1;
                if (!sy->generic)
                        continue;
                for (size_t j = 0; j < a->n_findings; j++) {
                        const Finding *f = &a->findings[j].f;
                        if (!f->folded && f->n_evidence > 0 && devices_compatible(a, f, h->device))
                                best = MAX(best, (int) f->confidence);
                }
                if (best < 0) {
                        if ((r = suggest(a, h, sy)) < 0)
                                return r;
                        continue;
                }
                size_t n = a->n_findings;
                for (size_t j = 0; j < n; j++) {
                        FindingState *s = &a->findings[j];
                        if (s->f.folded || s->f.n_evidence == 0 || (int) s->f.confidence != best ||
                            !devices_compatible(a, &s->f, h->device))
                                continue;
                        if ((r = attach(s, h, sy, WEIGHT_SYMPTOM_ATTACHED)) < 0)
                                return r;
                }
        }
        return 0;
}

/* The stage a finding's cause names, for the causal order of confirmed causes. */
static CauseStage stage_of(const RuleSet *rs, const Finding *f) {
        return rs->causes[f->cause].stage;
}

/* Confidence first; among confirmed causes the step of the passthrough flow that fails first (the device's
 * own state before the other functions of its card before other members of its group ...); a doubted cause
 * after the others of its confidence; then the weight of agreeing evidence. What is equal so far is a tie
 * (mark_ties()), said in the output; tie_order() orders it. */
static int cmp_weight(const RuleSet *rs, const Finding *a, const Finding *b) {
        if (a->confidence != b->confidence)
                return a->confidence > b->confidence ? -1 : 1;
        if (a->confidence == STRENGTH_CONFIRMED && stage_of(rs, a) != stage_of(rs, b))
                return stage_of(rs, a) < stage_of(rs, b) ? -1 : 1;
        if (a->doubted != b->doubted)
                return a->doubted ? 1 : -1;
        if (a->score != b->score)
                return a->score > b->score ? -1 : 1;
        return 0;
}

/* The order within a tie (README "How vfioexplain decides"), the same for every rule file and never a
 * list's: the earlier evidence first (a later failure of a log often follows from the first); then the
 * earlier step of the passthrough flow, as for confirmed causes: a failed step leaves the later ones
 * unreached, and it is the cheaper to check and to fix (the device's own binding, one look at the device,
 * before its card's other functions before its group's other members, whose fix is the most invasive; a
 * refused sriov_numvfs of a device without SR-IOV before an LSM's refusal); only then the ids, which make
 * the order the same on every run and say nothing, as the output says (tied). */
static int tie_order(const RuleSet *rs, const Finding *a, const Finding *b) {
        if (a->first_seq != b->first_seq)
                return a->first_seq < b->first_seq ? -1 : 1;
        if (stage_of(rs, a) != stage_of(rs, b))
                return stage_of(rs, a) < stage_of(rs, b) ? -1 : 1;
        return strcmp(rs->causes[a->cause].id, rs->causes[b->cause].id);
}

static int cmp_findings(const void *x, const void *y, void *userdata) {
        const RuleSet *rs = userdata;
        const Finding *a = *(const Finding *const *) x, *b = *(const Finding *const *) y;
        int c = cmp_weight(rs, a, b);
        if (c != 0)
                return c;
        if ((c = tie_order(rs, a, b)) != 0)
                return c;
        return strcmp(a->device, b->device);
}

static void sort_findings(Analysis *a, size_t n) {
        qsort_r(a->sorted, n, sizeof(Finding *), cmp_findings, (void *) a->rs);
}

/* Findings the evidence weighs alike: each says so. */
static void mark_ties(Analysis *a) {
        for (size_t i = 0; i < a->n_sorted; i++) {
                Finding *f = (Finding *) a->sorted[i];
                f->tied = (i > 0 && cmp_weight(a->rs, a->sorted[i - 1], f) == 0) ||
                        (i + 1 < a->n_sorted && cmp_weight(a->rs, f, a->sorted[i + 1]) == 0);
        }
}

/* A cause the host shows (a probe's line, or a listing pasted with the logs, is its evidence) and that a log
 * line points at (a symptom's, or a rule of the cause short of confirmed) is confirmed: the line says it
 * failed, the host says why. A generic line ("Failed to start domain") counts only where it names the
 * device. */
static void confirm_by_host(Analysis *a) {
        for (size_t i = 0; i < a->n_findings; i++) {
                Finding *f = &a->findings[i].f;
                bool host = false, pasted = false, log = false;
                if (f->folded || f->confidence == STRENGTH_CONFIRMED)
                        continue;
                for (size_t e = 0; e < f->n_evidence; e++) {
                        const Evidence *ev = &f->evidence[e];
                        const RuleDef *rule = &a->rs->rules[ev->rule];
                        bool from_host = ev->source == SOURCE_PROBE || ev->pasted;
                        if (from_host && rule->kind == RULE_CAUSE && rule->target == f->cause) {
                                host = host || !ev->pasted;
                                pasted = pasted || ev->pasted;
                        } else if (!from_host && rule->kind == RULE_SYMPTOM) {
                                const SymptomDef *sy = &a->rs->symptoms[rule->target];
                                const char *named = ev->vars ? ev->vars[VAR_ADDRESS] : NULL;
                                log = log || !sy->generic || (named && strcmp(named, f->device) == 0);
                        } else if (!from_host && rule->kind == RULE_CAUSE)
                                /* a log line that names the cause itself, short of stating it (QEMU's ENOMEM
                                 * of a DMA mapping: likely the memlock limit), points at it all the more */
                                log = true;
                }
                if ((host || pasted) && log) {
                        f->confidence = STRENGTH_CONFIRMED;
                        f->doubted = false;
                        f->host_confirmed = host;
                        f->pasted_confirmed = !host;
                }
        }
}

static int fold_explained(Analysis *a) {
        size_t n = 0;
        for (size_t i = 0; i < a->n_findings; i++)
                if (!a->findings[i].f.folded &&
                    (a->findings[i].f.n_evidence > 0 || a->findings[i].f.more_evidence))
                        a->sorted[n++] = &a->findings[i].f;
        sort_findings(a, n);

        for (size_t i = 0; i < n; i++) {
                Finding *f = (Finding *) a->sorted[i];
                /* Only a cause the input names itself accounts for others; suggestions do not. */
                if (f->folded || !f->direct)
                        continue;
                const CauseDef *c = &a->rs->causes[f->cause];
                FindingState *fs = (FindingState *) f;
                for (size_t k = 0; k < c->n_explains; k++)
                        for (size_t j = 0; j < n; j++) {
                                Finding *g = (Finding *) a->sorted[j];
                                if (g == f || g->folded || g->cause != c->explains[k] ||
                                    g->confidence > f->confidence || !devices_compatible(a, f, g->device))
                                        continue;
                                for (size_t e = 0; e < g->n_evidence; e++) {
                                        int r = finding_add_evidence(fs, &g->evidence[e]);
                                        if (r < 0)
                                                return r;
                                }
                                g->n_evidence = 0;
                                f->more_evidence += g->more_evidence;
                                f->score += WEIGHT_FOLDED;
                                vars_merge(f->vars, g->vars);
                                finding_add_explains(f, a->rs->causes[g->cause].id);
                                for (size_t e = 0; e < g->n_explains; e++)
                                        finding_add_explains(f, g->explains[e]);
                                g->folded = true;
                        }
        }

        a->n_sorted = 0;
        for (size_t i = 0; i < n; i++)
                if (!a->sorted[i]->folded)
                        a->sorted[a->n_sorted++] = a->sorted[i];
        sort_findings(a, a->n_sorted);
        for (size_t i = 0; i < a->n_sorted; i++)
                ((Finding *) a->sorted[i])->rank = (unsigned) i + 1;
        mark_ties(a);
        return 0;
}

/* A cause that lines point at without stating it (likely, possible: QEMU's ENOMEM of a DMA mapping points at
 * the locked-memory limit) and that a fact of the same boot rules out whatever the lines say (its
 * ruled-out-by: a pasted `ulimit -l` of unlimited) is no cause: it is shown as ruled out, with that fact, as
 * a suggestion is (suggest()). A line that states the cause, or the host confirming it, outweighs the fact.
 */
static void rule_out_findings(Analysis *a) {
        for (size_t i = 0; i < a->n_findings; i++) {
                Finding *f = &a->findings[i].f;
                if (f->folded || f->confidence == STRENGTH_CONFIRMED || f->n_evidence == 0)
                        continue;
                for (size_t e = 0; e < f->n_evidence; e++) {
                        unsigned epoch = f->evidence[e].epoch;
                        ssize_t fact = refuted(a, f->cause, epoch, f->device, false);
                        if (fact < 0)
                                continue;
                        note_ruled_out(a, f->cause, f->device, (size_t) fact, epoch);
                        f->folded = true;
                        break;
                }
        }
}

/* A cause ruled out where one line suggested it and kept where another did is not shown as ruled out. */
static void drop_stale_ruled_out(Analysis *a) {
        size_t n = 0;
        for (size_t i = 0; i < a->n_ruled_out; i++) {
                const RuledOut *o = &a->ruled_out[i];
                bool kept = false;
                for (size_t j = 0; j < a->n_findings && !kept; j++) {
                        const Finding *f = &a->findings[j].f;
                        kept = f->cause == o->cause && !f->folded && f->n_evidence > 0 &&
                                strcmp(f->device, o->device) == 0;
                }
                if (!kept)
                        a->ruled_out[n++] = *o;
        }
        a->n_ruled_out = n;
}

/* Devices named only by their group, and groups of named devices, from "Adding to iommu group" and kin. */
static void resolve_groups(Analysis *a) {
        for (size_t i = 0; i < a->n_symptoms; i++) {
                Hit *h = &a->symptoms[i];
                const char *addr;
                if (!h->device[0] && h->group[0] && (addr = address_of_group(a, h->group)))
                        snprintf(h->device, sizeof(h->device), "%s", addr);
        }
        for (size_t i = 0; i < a->n_findings; i++) {
                Finding *f = &a->findings[i].f;
                const char *addr, *g;
                if (!f->device[0] && f->group[0] && !a->rs->causes[f->cause].host_scope &&
                    (addr = address_of_group(a, f->group))) {
                        FindingState *t = NULL;
                        for (size_t j = 0; j < a->n_findings; j++)
                                if (j != i && a->findings[j].f.cause == f->cause &&
                                    strcmp(a->findings[j].f.device, addr) == 0)
                                        t = &a->findings[j];
                        if (!t)
                                snprintf(f->device, sizeof(f->device), "%s", addr);
                }
                if (f->device[0] && !f->group[0] && (g = group_of_address(a, f->device)))
                        snprintf(f->group, sizeof(f->group), "%s", g);
        }
}

/* What pasted IOMMU group listings show of each endpoint's group, as the facts the probes give of the host's
 * own groups: only the functions of its card and bridges (group-card-only), or another device too
 * (group-spans-devices). */
static int note_listed_groups(Analysis *a) {
        for (size_t i = 0; i < a->ctx.n_listed; i++) {
                const ListedMember *m = &a->ctx.listed[i];
                if (m->bridge)
                        continue;
                ListedGroup g = context_listed_group(&a->ctx, i);
                size_t fact = g == LISTED_CARD_ONLY ? a->card_only_fact
                        : g == LISTED_OTHERS        ? a->spans_fact
                                                    : SIZE_MAX;
                if (fact == SIZE_MAX)
                        continue;
                int r = fact_set_add(a->facts, fact, m->address, m->epoch, a->budget->facts < VX_FACTS_MAX);
                if (r == -ENOMEM)
                        return r;
                a->budget->facts += r == 1;
        }
        return 0;
}

int analysis_finish(Analysis *a) {
        int r;
        /* Hits get the devices of their groups now: what was entered under the old ones is stale, and so is
         * what the memo says a line's hit is. */
        hit_index_reset(&a->symptom_index);
        if (a->memo)
                line_memo_clear(a->memo);
        if ((r = pasted_judge(a)) < 0)
                return r;
        resolve_groups(a);
        if ((r = merge_deviceless(a)) < 0)
                return r;
        doubt_findings(a);
        if ((r = regressions_judge(a)) < 0)
                return r;
        if ((r = note_listed_groups(a)) < 0)
                return r;
        if ((r = attach_symptoms(a)) < 0)
                return r;
        confirm_by_host(a);
        rule_out_findings(a);
        drop_stale_ruled_out(a);
        for (size_t i = 0; i < a->n_findings; i++) {
                Finding *f = &a->findings[i].f;
                const char *g;
                if (f->device[0] && !f->group[0] && (g = group_of_address(a, f->device)))
                        snprintf(f->group, sizeof(f->group), "%s", g);
                if (!f->vars[VAR_ADDRESS] && f->device[0] && !(f->vars[VAR_ADDRESS] = strdup(f->device)))
                        return -ENOMEM;
                if (!f->vars[VAR_GROUP] && f->group[0] && !(f->vars[VAR_GROUP] = strdup(f->group)))
                        return -ENOMEM;
        }
        if ((r = fold_explained(a)) < 0)
                return r;
        a->stats.limit_hits = matcher_limit_hits(a->m);
        a->stats.inputs = a->n_inputs;
        return 0;
}

const Finding *const *analysis_findings(const Analysis *a, size_t *n) {
        *n = a->n_sorted;
        return a->sorted;
}

size_t analysis_ruled_out(const Analysis *a, RuledOutCause *out, size_t max) {
        for (size_t i = 0; i < a->n_ruled_out && i < max; i++)
                out[i] = (RuledOutCause){
                        .cause = a->ruled_out[i].cause,
                        .device = a->ruled_out[i].device,
                        .fact = a->ruled_out[i].fact,
                        .pasted_input = a->ruled_out[i].pasted_fact
                                ? a->pasted_facts[a->ruled_out[i].pasted_fact - 1].input
                                : NULL,
                        .pasted_line = a->ruled_out[i].pasted_fact
                                ? a->pasted_facts[a->ruled_out[i].pasted_fact - 1].line
                                : 0,
                };
        return a->n_ruled_out;
}

bool analysis_fix_applies(const Analysis *a, const Finding *f, const Fix *fix) {
        if (fix->n_unless == 0)
                return true;
        unsigned epoch = 0;
        for (size_t e = 0; e < f->n_evidence; e++)
                epoch = MAX(epoch, f->evidence[e].epoch);
        CondPlace p = {.vars = f->vars, .device = f->device, .epoch = epoch};
        for (size_t i = 0; i < fix->n_unless; i++)
                if (condition_holds(a, &fix->unless[i], &p))
                        return false;
        return true;
}

bool analysis_when_held(const Analysis *a, size_t symptom, size_t when) {
        for (size_t i = 0; i < a->n_symptoms; i++) {
                const Hit *h = &a->symptoms[i];
                if (a->rs->rules[h->rule].target == symptom && (h->whens_held & (UINT32_C(1) << when)))
                        return true;
        }
        return false;
}

bool analysis_fact_seen(const Analysis *a, const char *id) {
        for (size_t i = 0; i < a->rs->n_facts; i++)
                if (strcmp(a->rs->facts[i], id) == 0)
                        return fact_set_holds_anywhere(a->facts, i);
        return false;
}

bool analysis_symptom_seen(const Analysis *a, size_t symptom) {
        for (size_t i = 0; i < a->n_symptoms; i++)
                if (a->rs->rules[a->symptoms[i].rule].target == symptom)
                        return true;
        return false;
}
