/* SPDX-License-Identifier: MIT */
/* The per-line path and the evidence store (see README "How vfioexplain decides"): each line is matched
 * (or replayed from the line memo) and its evidence grouped by cause and device; ranking.c ranks it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"
#include "capture.h"
#include "hash.h"
#include "paste.h"
#include "vfioexplain/macro.h"

static int hit_index_init(HitIndex *x, size_t max) {
        size_t n = 1;
        while (n < 2 * max)
                n *= 2;
        x->slots = calloc(n, sizeof(uint32_t));
        x->mask = n - 1;
        return x->slots ? 0 : -ENOMEM;
}

void hit_index_reset(HitIndex *x) {
        memset(x->slots, 0, (x->mask + 1) * sizeof(uint32_t));
        x->n_indexed = 0;
}

static size_t hit_hash(size_t rule, const char *device, const char *group, unsigned epoch) {
        /* The strings, seeded with the numbers; a byte no string holds between them. */
        uint64_t h = (FNV1A_INIT ^ rule) * UINT64_C(0x9e3779b97f4a7c15) + epoch;
        h = fnv1a(fnv1a_str(h, device), "\xff", 1);
        return hash_slot(fnv1a_str(h, group));
}

static bool hit_is(const Hit *h, size_t rule, const char *device, const char *group, unsigned epoch) {
        return h->rule == rule && strcmp(h->device, device) == 0 && strcmp(h->group, group) == 0 &&
                h->ev.epoch == epoch;
}

/* The first hit of list[0..n) that is (rule, device, group, epoch), NULL if none. */
static Hit *hit_find(HitIndex *x, Hit *list, size_t n, size_t rule, const char *device, const char *group,
                     unsigned epoch) {
        /* Enter what the list holds beyond the index, keeping the first of equal hits as a scan would. */
        for (; x->n_indexed < n; x->n_indexed++) {
                const Hit *h = &list[x->n_indexed];
                size_t i = hit_hash(h->rule, h->device, h->group, h->ev.epoch) & x->mask;
                bool dup = false;
                for (; x->slots[i] != 0; i = (i + 1) & x->mask) {
                        const Hit *o = &list[x->slots[i] - 1];
                        if (hit_is(h, o->rule, o->device, o->group, o->ev.epoch)) {
                                dup = true;
                                break;
                        }
                }
                if (!dup)
                        x->slots[i] = (uint32_t) x->n_indexed + 1;
        }
        for (size_t i = hit_hash(rule, device, group, epoch) & x->mask; x->slots[i] != 0;
             i = (i + 1) & x->mask)
                if (hit_is(&list[x->slots[i] - 1], rule, device, group, epoch))
                        return &list[x->slots[i] - 1];
        return NULL;
}

int analysis_new(const RuleSet *rs, Analysis **ret) {
        Analysis *a = calloc(1, sizeof(*a));
        int r;
        if (!a)
                return -ENOMEM;
        a->rs = rs;
        a->budget = &a->own_budget;
        a->findings = calloc(VX_FINDINGS_MAX, sizeof(FindingState));
        a->sorted = calloc(VX_FINDINGS_MAX, sizeof(Finding *));
        a->symptoms = calloc(VX_SYMPTOMS_MAX, sizeof(Hit));
        if (!a->findings || !a->sorted || !a->symptoms || fact_set_new(&a->facts) < 0 ||
            hit_index_init(&a->symptom_index, VX_SYMPTOMS_MAX) < 0) {
                analysis_free(a);
                return -ENOMEM;
        }
        if ((r = line_classifier_new(&a->lc)) < 0 || (r = matcher_new(rs, &a->m)) < 0 ||
            (r = line_memo_new(&a->memo)) < 0 || (r = paste_new(&a->paste)) < 0 ||
            (r = paste_new(&a->paste_inner)) < 0) {
                analysis_free(a);
                return r;
        }
        a->guest_fact = a->banner_fact = a->host_kernel_fact = a->card_only_fact = a->spans_fact = SIZE_MAX;
        for (size_t i = 0; i < rs->n_facts; i++)
                if (strcmp(rs->facts[i], "qemu-guest-kernel") == 0)
                        a->guest_fact = i;
                else if (strcmp(rs->facts[i], "kernel-release-named") == 0)
                        a->banner_fact = i;
                else if (strcmp(rs->facts[i], "host-kernel-release") == 0)
                        a->host_kernel_fact = i;
                else if (strcmp(rs->facts[i], "group-card-only") == 0)
                        a->card_only_fact = i;
                else if (strcmp(rs->facts[i], "group-spans-devices") == 0)
                        a->spans_fact = i;
        *ret = a;
        return 0;
}

static void vars_free(char **vars) {
        for (size_t i = 0; i < _VAR_CAPTURE_MAX; i++)
                free(vars[i]);
}

void evidence_release(Evidence *e) {
        free(e->text);
        e->text = NULL;
        free(e->unit);
        e->unit = NULL;
        free(e->cursor);
        e->cursor = NULL;
        free(e->context);
        e->context = NULL;
        if (e->vars) {
                vars_free(e->vars);
                free(e->vars);
                e->vars = NULL;
        }
}

/* A copy of a capture array for one piece of evidence; NULL when it holds nothing (or on OOM: the
 * explanation then falls back to the cause's values). */
char **vars_dup(char *const *vars) {
        bool any = false;
        for (size_t i = 0; i < _VAR_CAPTURE_MAX; i++)
                any = any || vars[i];
        if (!any)
                return NULL;
        char **v = calloc(_VAR_CAPTURE_MAX, sizeof(char *));
        if (!v)
                return NULL;
        for (size_t i = 0; i < _VAR_CAPTURE_MAX; i++)
                if (vars[i])
                        v[i] = strdup(vars[i]);
        return v;
}

Analysis *analysis_free(Analysis *a) {
        if (!a)
                return NULL;
        for (size_t i = 0; i < a->n_findings; i++) {
                Finding *f = &a->findings[i].f;
                for (size_t j = 0; j < f->n_evidence; j++)
                        evidence_release(&f->evidence[j]);
                free(f->evidence);
                vars_free(f->vars);
        }
        free(a->findings);
        free(a->sorted);
        for (size_t i = 0; i < a->n_symptoms; i++) {
                evidence_release(&a->symptoms[i].ev);
                vars_free(a->symptoms[i].vars);
        }
        free(a->symptoms);
        regressions_free(a);
        fact_set_free(a->facts);
        free(a->symptom_index.slots);
        for (size_t i = 0; i < a->n_inputs; i++) {
                free(a->inputs[i]);
                free(a->input_domain[i]);
        }
        line_classifier_free(a->lc);
        paste_free(a->paste);
        paste_free(a->paste_inner);
        line_memo_free(a->memo);
        context_done(&a->ctx);
        free(a->pasted_facts);
        matcher_free(a->m);
        free(a);
        return NULL;
}

/* libvirt names each domain's log after the domain: /var/log/libvirt/qemu/NAME.log. */
static char *domain_of_log(const char *path) {
        const char *dir = strstr(path, "libvirt/qemu/");
        char out[VX_CAPTURE_MAX + 1];
        if (!dir)
                return NULL;
        const char *name = dir + strlen("libvirt/qemu/");
        size_t len = strlen(name);
        if (len <= 4 || strcmp(name + len - 4, ".log") != 0 || memchr(name, '/', len))
                return NULL;
        if (capture_normalize(VAR_DOMAIN, name, len - 4, out) < 0)
                return NULL;
        return strdup(out);
}

static const char *domain_of_input(const Analysis *a, const char *input) {
        for (size_t i = 0; i < a->n_inputs; i++)
                if (a->inputs[i] == input || strcmp(a->inputs[i], input) == 0)
                        return a->input_domain[i];
        return NULL;
}

/* The place of name in inputs[], interned if new; -ENOMEM. */
static int find_or_add_input(Analysis *a, const char *name) {
        for (size_t i = 0; i < a->n_inputs; i++)
                if (a->inputs[i] == name)
                        return (int) i;
        for (size_t i = 0; i < a->n_inputs; i++)
                if (strcmp(a->inputs[i], name) == 0)
                        return (int) i;
        if (a->n_inputs >= VX_INPUTS_MAX)
                return (int) a->n_inputs - 1;
        char *s = strdup(name);
        if (!s)
                return -ENOMEM;
        a->input_domain[a->n_inputs] = domain_of_log(name);
        a->inputs[a->n_inputs++] = s;
        return (int) a->n_inputs - 1;
}

/* A reader that feeds many lines passes the name it got from analysis_intern_input(): found at once, for
 * every line and every run of lines skipped. */
static inline int input_index(Analysis *a, const char *name) {
        if (a->n_inputs > 0 && a->inputs[a->n_inputs - 1] == name)
                return (int) a->n_inputs - 1;
        return find_or_add_input(a, name);
}

static const char *intern_input(Analysis *a, const char *name) {
        int i = input_index(a, name);
        return i < 0 ? NULL : a->inputs[i];
}

/* Makes input, interned, the current line's. */
static int set_current_input(Analysis *a, const char *input) {
        int i = input_index(a, input);
        if (i < 0)
                return i;
        a->cur_input = a->inputs[i];
        a->cur_input_index = (uint8_t) i;
        return 0;
}

int evidence_make(Analysis *a, const Match *m, Evidence *ret) {
        size_t n = MIN(a->cur_len, (size_t) VX_EVIDENCE_TEXT_MAX);
        char *t = strndup(a->cur_raw, n);
        if (!t)
                return -ENOMEM;
        /* strndup stops at a NUL byte: the text is what precedes it, which is what a terminal showed. */
        *ret = (Evidence){
                .source = m->source == SOURCE_UNKNOWN ? SOURCE_KERNEL : m->source,
                .input = intern_input(a, a->cur_input),
                .line = a->cur_line,
                .text = t,
                .cut = a->cur_len > n,
                .rule = m->rule_index,
                .seq = a->seq,
                .epoch = a->epoch,
                .pasted = m->rule->pasted || a->cur_pasted,
        };
        /* Only shown: on OOM the evidence goes without it. */
        if (a->cur_command) {
                char buf[256];
                snprintf(buf, sizeof(buf), "reply to %s", a->cur_command);
                ret->context = strdup(buf);
        } else if (a->cur_joined) {
                char buf[96];
                snprintf(buf, sizeof(buf), "joined with the %u line%s after it that continue%s it",
                         a->cur_joined, a->cur_joined == 1 ? "" : "s", a->cur_joined == 1 ? "s" : "");
                ret->context = strdup(buf);
        } else if (a->cur_piece &&
                   (a->cur_piece->n_layers > 0 || a->cur_piece->redacted || a->cur_piece->cut)) {
                char buf[512];
                paste_context(a->cur_piece, buf, sizeof(buf));
                ret->context = strdup(buf);
        }
        const EntryMeta *meta = a->cur_meta;
        if (meta) {
                ret->realtime_usec = meta->realtime_usec;
                /* Both are only shown: on OOM the evidence goes without them. */
                ret->unit = meta->unit ? strdup(meta->unit) : NULL;
                ret->cursor = meta->cursor ? meta->cursor(meta->userdata) : NULL;
        }
        /* A bare line is reported as the source its rule expects. */
        if (m->source == SOURCE_UNKNOWN)
                for (Source s = 0; s < SOURCE_UNKNOWN; s++)
                        if (m->rule->source_mask & (1u << s)) {
                                ret->source = s;
                                break;
                        }
        return 0;
}

_Static_assert((VX_GROUP_MAP_MAX & (VX_GROUP_MAP_MAX - 1)) == 0 && VX_GROUP_MAP_MAX < UINT16_MAX,
               "link_slots is a power of two that uint16_t indexes");

/* The slot of address in link_slots: the one that holds it, or the empty one where it would go. */
static size_t link_slot(const Analysis *a, const char *address) {
        const size_t mask = ELEMENTSOF(a->link_slots) - 1;
        size_t i = hash_slot(fnv1a_str(FNV1A_INIT, address)) & mask;
        while (a->link_slots[i] != 0 && strcmp(a->links[a->link_slots[i] - 1].address, address) != 0)
                i = (i + 1) & mask;
        return i;
}

/* Returns 1 + the link's place, 0 when none was made (the map is full). */
static size_t link_group(Analysis *a, const char *group, const char *address) {
        if (!group[0] || !address[0])
                return 0;
        size_t slot = link_slot(a, address);
        if (a->link_slots[slot] != 0) {
                strcpy(a->links[a->link_slots[slot] - 1].group, group); /* the latest binding wins */
                return a->link_slots[slot];
        }
        if (a->n_links >= VX_GROUP_MAP_MAX || a->budget->links >= VX_GROUP_MAP_MAX)
                return 0;
        a->budget->links++;
        strcpy(a->links[a->n_links].group, group);
        strcpy(a->links[a->n_links].address, address);
        a->link_slots[slot] = (uint16_t) ++a->n_links;
        return a->n_links;
}

const char *address_of_group(const Analysis *a, const char *group) {
        const char *found = NULL;
        for (size_t i = 0; i < a->n_links; i++)
                if (strcmp(a->links[i].group, group) == 0) {
                        if (found && strcmp(found, a->links[i].address) != 0)
                                return NULL; /* several devices share it: the group names none of them */
                        found = a->links[i].address;
                }
        return found;
}

const char *group_of_address(const Analysis *a, const char *address) {
        size_t slot = link_slot(a, address);
        return a->link_slots[slot] != 0 ? a->links[a->link_slots[slot] - 1].group : NULL;
}

/* A match's captures, normalised into the caller's store: most matches repeat evidence already kept, and
 * what is kept is copied then. */
typedef char VarStore[_VAR_CAPTURE_MAX][VX_CAPTURE_MAX + 1];

static void vars_from_match(const Match *m, char **vars, VarStore store) {
        for (Var v = 0; v < _VAR_CAPTURE_MAX; v++)
                if (m->captures[v].p &&
                    capture_normalize(v, m->captures[v].p, m->captures[v].len, store[v]) >= 0)
                        vars[v] = store[v];
}

void vars_merge(char **into, char *const *from) {
        for (Var v = 0; v < _VAR_CAPTURE_MAX; v++)
                if (!into[v] && from[v])
                        into[v] = strdup(from[v]);
}

FindingState *finding_get(Analysis *a, size_t cause, const char *device) {
        for (size_t i = 0; i < a->n_findings; i++)
                if (a->findings[i].f.cause == cause && strcmp(a->findings[i].f.device, device) == 0)
                        return &a->findings[i];
        if (a->n_findings >= VX_FINDINGS_MAX || a->budget->findings >= VX_FINDINGS_MAX) {
                a->dropped++;
                return NULL;
        }
        a->budget->findings++;
        FindingState *s = &a->findings[a->n_findings++];
        *s = (FindingState){0};
        s->f.cause = cause;
        strcpy(s->f.device, device);
        s->f.first_seq = UINT64_MAX;
        return s;
}

/* Takes ownership of ev->text. */
int finding_add_evidence(FindingState *s, Evidence *ev) {
        Finding *f = &s->f;
        if (ev->seq < f->first_seq)
                f->first_seq = ev->seq;
        for (size_t i = 0; i < f->n_evidence; i++)
                if (f->evidence[i].input == ev->input && f->evidence[i].line == ev->line) {
                        evidence_release(ev);
                        return 0;
                }
        if (f->n_evidence >= VX_EVIDENCE_PER_FINDING_MAX) {
                f->more_evidence++;
                evidence_release(ev);
                return 0;
        }
        if (!f->evidence) {
                f->evidence = calloc(VX_EVIDENCE_PER_FINDING_MAX, sizeof(Evidence));
                if (!f->evidence) {
                        evidence_release(ev);
                        return -ENOMEM;
                }
        }
        /* Kept in input order. */
        size_t i = f->n_evidence;
        while (i > 0 && f->evidence[i - 1].seq > ev->seq) {
                f->evidence[i] = f->evidence[i - 1];
                i--;
        }
        f->evidence[i] = *ev;
        f->n_evidence++;
        ev->text = NULL;
        ev->vars = NULL;
        return 0;
}

bool finding_add_weight(FindingState *s, size_t rule, long weight) {
        for (size_t i = 0; i < s->n_seen_rules; i++)
                if (s->seen_rules[i] == rule) {
                        if (s->seen_hits[i]++ < WEIGHT_REPEAT_MAX)
                                s->f.score++;
                        return false;
                }
        if (s->n_seen_rules < VX_LIST_ITEMS_MAX) {
                s->seen_rules[s->n_seen_rules] = rule;
                s->seen_hits[s->n_seen_rules++] = 1;
        }
        s->f.score += weight;
        return true;
}

void finding_add_explains(Finding *f, const char *id) {
        for (size_t i = 0; i < f->n_explains; i++)
                if (strcmp(f->explains[i], id) == 0)
                        return;
        if (f->n_explains < VX_LIST_ITEMS_MAX)
                f->explains[f->n_explains++] = id;
}

static long strength_weight(Strength s) {
        return s == STRENGTH_CONFIRMED ? WEIGHT_CONFIRMED
                : s == STRENGTH_LIKELY ? WEIGHT_LIKELY
                                       : WEIGHT_POSSIBLE;
}

/* The strength a match of m gives its cause: one lower for a line whose address was redacted or that was cut
 * off (the rest of the message is plain, but not all of it is there). */
static Strength match_strength(const Analysis *a, const Match *m) {
        bool uncertain = m->partial || (a->cur_piece && a->cur_piece->redacted);
        return uncertain && m->rule->strength > STRENGTH_POSSIBLE ? m->rule->strength - 1
                                                                  : m->rule->strength;
}

static int on_cause(Analysis *a, const Match *m, char **vars) {
        const CauseDef *c = &a->rs->causes[m->rule->target];
        const char *device = !c->host_scope && vars[VAR_ADDRESS] ? vars[VAR_ADDRESS] : "";
        FindingState *s = finding_get(a, m->rule->target, device);
        Strength strength = match_strength(a, m);
        Evidence ev;
        int r;

        if (!s)
                return 0;
        if ((r = evidence_make(a, m, &ev)) < 0)
                return r;
        ev.vars = vars_dup(vars);
        s->f.direct = true;
        if (strength > s->f.confidence)
                s->f.confidence = strength;
        if (finding_add_weight(s, m->rule_index, strength_weight(strength)))
                s->strong_weight += strength_weight(strength) - WEIGHT_POSSIBLE;
        s->last_input = ev.input;
        s->last_line = ev.line;
        s->last_epoch = ev.epoch;
        s->last_seq = ev.seq;
        vars_merge(s->f.vars, vars);
        if (!s->f.group[0] && vars[VAR_GROUP])
                snprintf(s->f.group, sizeof(s->f.group), "%s", vars[VAR_GROUP]);
        return finding_add_evidence(s, &ev);
}

/* What the line being matched came through, as via= names it (1 << ViaKind). */
static uint16_t piece_via(const PastePiece *pc) {
        static const int8_t via_of[_PASTE_LAYER_MAX] = {
                [PASTE_COMPOSE] = VIA_COMPOSE + 1, [PASTE_KUBECTL] = VIA_KUBECTL + 1,
                [PASTE_EVENTS] = VIA_EVENTS + 1,   [PASTE_CRI] = VIA_CRI + 1,
                [PASTE_JSON] = VIA_JSON + 1,       [PASTE_LOGFMT] = VIA_LOGFMT + 1,
                [PASTE_PROMPT] = VIA_PROMPT + 1,   [PASTE_MANAGER] = VIA_MANAGER + 1,
        };
        uint16_t via = 0;
        for (size_t i = 0; pc && i < pc->n_layers; i++)
                if (pc->layers[i].kind < _PASTE_LAYER_MAX && via_of[pc->layers[i].kind])
                        via |= (uint16_t) (1u << (via_of[pc->layers[i].kind] - 1));
        return via;
}

/* *ret_dropped: the symptom was new and the list had no room for it. */
static int on_symptom(Analysis *a, const Match *m, char **vars, bool *ret_dropped) {
        const char *device = vars[VAR_ADDRESS] ? vars[VAR_ADDRESS] : "";
        const char *group = vars[VAR_GROUP] ? vars[VAR_GROUP] : "";

        *ret_dropped = false;
        if (hit_find(&a->symptom_index, a->symptoms, a->n_symptoms, m->rule_index, device, group, a->epoch))
                return 0;
        if (a->n_symptoms >= VX_SYMPTOMS_MAX || a->budget->symptoms >= VX_SYMPTOMS_MAX) {
                a->dropped++;
                *ret_dropped = true;
                return 0;
        }
        a->budget->symptoms++;
        Hit *h = &a->symptoms[a->n_symptoms++];
        *h = (Hit){.rule = m->rule_index, .via = piece_via(a->cur_piece)};
        snprintf(h->device, sizeof(h->device), "%s", device);
        snprintf(h->group, sizeof(h->group), "%s", group);
        int r = evidence_make(a, m, &h->ev);
        if (r < 0) {
                a->n_symptoms--;
                a->budget->symptoms--;
                return r;
        }
        for (Var v = 0; v < _VAR_CAPTURE_MAX; v++)
                if (vars[v] && !(h->vars[v] = strdup(vars[v])))
                        return -ENOMEM;
        return 0;
}

/* A group as the kernel names them, in decimal without a leading zero: the only name a remembered link
 * holds, so that writing it back gives the very same string. */
static bool group_number(const char *group, uint32_t *ret) {
        uint32_t v = 0;
        size_t n = 0;

        for (; group[n]; n++) {
                if (!span_is_digit(group[n]) || n == 9)
                        return false;
                v = v * 10 + (uint32_t) (group[n] - '0');
        }
        if (n == 0 || (group[0] == '0' && n > 1))
                return false;
        *ret = v;
        return true;
}

static void record(Analysis *a, bool dropped, size_t link, const char *group) {
        RepeatAction act = {.link = (uint16_t) link, .dropped = dropped};

        if (!a->recording)
                return;
        if (link && !group_number(group, &act.group)) {
                a->recording = false;
                return;
        }
        /* Two rules that set the same link (a fact and a symptom of one line) did one thing to replay; a
         * count dropped is a thing each time. */
        for (size_t i = 0; i < a->n_recorded && !dropped; i++)
                if (a->recorded[i].link == act.link && a->recorded[i].group == act.group &&
                    !a->recorded[i].dropped)
                        return;
        if (a->n_recorded >= REPEAT_ACTIONS_MAX) {
                a->recording = false;
                return;
        }
        a->recorded[a->n_recorded++] = act;
}

static bool judged_guest(const Analysis *a) {
        return a->judged && a->judged_input == a->cur_input_index && a->judged_epoch == a->epoch;
}

/* The input of the current line shows it was taken inside a VM (a fact qemu-guest-kernel: "DMI: QEMU
 * Standard PC", "Hypervisor detected: KVM"): its kernel lines are the guest's from here on, in this boot. */
static void judge_guest(Analysis *a) {
        if (judged_guest(a))
                return;
        if (!a->stats.guest_input) {
                a->stats.guest_input = a->cur_input;
                a->stats.guest_line = a->cur_line;
        }
        a->judged = true;
        a->judged_input = a->cur_input_index;
        a->judged_epoch = a->epoch;
}

/* Keeps where a pasted listing first stated a fact, to say so of a cause the fact rules out. */
static void note_pasted_fact(Analysis *a, size_t fact, const char *device) {
        for (size_t i = 0; i < a->n_pasted_facts; i++) {
                const PastedFact *p = &a->pasted_facts[i];
                if (p->fact == fact && p->epoch == a->epoch && strcmp(p->device, device) == 0)
                        return;
        }
        /* Only shown: without room or memory the ruled-out cause is shown without its line. */
        if (a->n_pasted_facts >= VX_PASTED_FACTS_MAX)
                return;
        if (a->n_pasted_facts % 8 == 0) {
                PastedFact *n = realloc(a->pasted_facts, (a->n_pasted_facts + 8) * sizeof(PastedFact));
                if (!n)
                        return;
                a->pasted_facts = n;
        }
        PastedFact *p = &a->pasted_facts[a->n_pasted_facts++];
        *p = (PastedFact){.fact = fact, .epoch = a->epoch, .input = a->cur_input, .line = a->cur_line};
        snprintf(p->device, sizeof(p->device), "%s", device);
}

static int on_match(const Match *m, void *userdata) {
        Analysis *a = userdata;
        char *vars[_VAR_CAPTURE_MAX] = {0};
        VarStore store;
        size_t link = 0;
        bool dropped;
        int r = 0;

        a->cur_matched = true;
        vars_from_match(m, vars, store);
        /* A redacted address is no device: the stand-in the stage wrote for it goes. */
        if (a->cur_piece && a->cur_piece->redacted && vars[VAR_ADDRESS] &&
            strcmp(vars[VAR_ADDRESS], PASTE_REDACTED_ADDRESS) == 0)
                vars[VAR_ADDRESS] = NULL;
        const char *domain = domain_of_input(a, a->cur_input);
        if (!vars[VAR_DOMAIN] && domain) {
                snprintf(store[VAR_DOMAIN], sizeof(store[VAR_DOMAIN]), "%s", domain);
                vars[VAR_DOMAIN] = store[VAR_DOMAIN];
        }
        if (vars[VAR_GROUP] && vars[VAR_ADDRESS])
                link = link_group(a, vars[VAR_GROUP], vars[VAR_ADDRESS]);
        switch (m->rule->kind) {
        case RULE_CAUSE:
                /* Evidence: each line is kept or counted as itself. */
                a->recording = false;
                r = on_cause(a, m, vars);
                break;
        case RULE_SYMPTOM:
                r = on_symptom(a, m, vars, &dropped);
                if (r >= 0)
                        record(a, dropped, link, vars[VAR_GROUP]);
                break;
        case RULE_FACT:
                /* Kept once, however often it is said; without room, counted as dropped each time. */
                r = fact_set_add(a->facts, m->rule->target, vars[VAR_ADDRESS] ? vars[VAR_ADDRESS] : "",
                                 a->epoch, a->budget->facts < VX_FACTS_MAX);
                if (r == -ENOMEM)
                        return r;
                a->budget->facts += r == 1;
                dropped = r < 0;
                r = 0;
                if (m->rule->target == a->guest_fact && m->source == SOURCE_KERNEL && !a->guest_input)
                        judge_guest(a);
                if ((m->rule->target == a->banner_fact && m->source == SOURCE_KERNEL) ||
                    m->rule->target == a->host_kernel_fact)
                        r = regressions_note_kernel(a, m, vars[VAR_VALUE],
                                                    m->rule->target == a->host_kernel_fact);
                if (dropped)
                        a->dropped++;
                else if (m->rule->pasted || a->cur_pasted)
                        note_pasted_fact(a, m->rule->target, vars[VAR_ADDRESS] ? vars[VAR_ADDRESS] : "");
                record(a, dropped, link, vars[VAR_GROUP]);
                break;
        }
        return r;
}

int analysis_feed_probe(Analysis *a, const char *text, size_t len) {
        Line line = {.format = FORMAT_BARE, .priority = -1, .mono = -1, .n_views = 1};
        int r;

        line.views[0] = (LineView){.source = SOURCE_PROBE, .text = span_make(text, len)};
        a->stats.probe_lines++;
        a->seq++;
        if (!intern_input(a, "probe"))
                return -ENOMEM;
        a->cur_input = "probe";
        a->cur_line = (unsigned long) a->stats.probe_lines;
        a->cur_raw = text;
        a->cur_len = len;
        a->cur_matched = false;
        context_note_probe(&a->ctx, line.views[0].text);
        r = matcher_match_line(a->m, &line, on_match, a);
        return r;
}

int analysis_feed_statement(Analysis *a, const char *input, unsigned long lineno, const char *raw,
                            unsigned epoch, const char *text) {
        Line line = {.format = FORMAT_BARE, .priority = -1, .mono = -1, .n_views = 1};
        unsigned saved_epoch = a->epoch;
        int r;

        line.views[0] = (LineView){.source = SOURCE_PROBE, .text = span_make(text, strlen(text))};
        if (set_current_input(a, input) < 0)
                return 0;
        a->seq++;
        a->epoch = epoch;
        a->cur_line = lineno;
        a->cur_raw = raw;
        a->cur_len = strlen(raw);
        a->cur_meta = NULL;
        a->cur_piece = NULL;
        a->cur_command = NULL;
        a->cur_joined = 0;
        a->cur_matched = false;
        a->cur_pasted = true;
        r = matcher_match_line(a->m, &line, on_match, a);
        a->cur_pasted = false;
        a->epoch = saved_epoch;
        return r;
}

static void add_device(PciAddress *out, size_t *n, size_t max, const char *d) {
        if (!d[0] || *n >= max)
                return;
        for (size_t i = 0; i < *n; i++)
                if (strcmp(out[i], d) == 0)
                        return;
        snprintf(out[(*n)++], 16, "%s", d);
}

size_t analysis_devices(const Analysis *a, PciAddress *out, size_t max) {
        size_t n = 0;
        for (size_t i = 0; i < a->n_findings; i++)
                add_device(out, &n, max, a->findings[i].f.device);
        for (size_t i = 0; i < a->n_symptoms; i++) {
                const char *d = a->symptoms[i].device;
                if (!d[0] && a->symptoms[i].group[0])
                        d = address_of_group(a, a->symptoms[i].group);
                add_device(out, &n, max, d ? d : "");
        }
        return n;
}

const RomfileRefs *analysis_romfiles(const Analysis *a) {
        return &a->romfiles;
}

/* A line's key in the memo, and its hash. */
typedef struct MemoKey {
        unsigned char bytes[VX_LINE_MEMO_ENTRY_MAX];
        size_t len; /* 0: none (too long to fit, or the line is not to be remembered) */
        uint64_t hash;
        unsigned epoch; /* the boot it was made in: one made ahead of its line may be stale */
} MemoKey;

/* Where a dmesg line's key has the number of views of a classified line's, which is at most 2. */
#define MEMO_KEY_DMESG 0xffu
_Static_assert(ELEMENTSOF(((Line *) 0)->views) < MEMO_KEY_DMESG, "the two kinds of key differ");

#define PUT(k, src, size)                                     \
        do {                                                  \
                memcpy((k)->bytes + (k)->len, (src), (size)); \
                (k)->len += (size);                           \
        } while (0)

/* The memo's key of a classified line: all that its matching reads (each view's source and text, the address
 * its location names) and what its hits are counted within (the boot, the input). */
static void memo_key_of_line(const Analysis *a, const Line *line, MemoKey *k) {
        size_t loc = strlen(line->location_address);
        size_t need = sizeof(a->epoch) + sizeof(a->cur_input_index) + 2 + loc;

        k->len = 0;
        k->epoch = a->epoch;
        for (size_t v = 0; v < line->n_views; v++)
                need += 2 + line->views[v].text.len;
        if (need > VX_LINE_MEMO_ENTRY_MAX)
                return;
        PUT(k, &a->epoch, sizeof(a->epoch));
        k->bytes[k->len++] = a->cur_input_index;
        k->bytes[k->len++] = (unsigned char) line->n_views;
        k->bytes[k->len++] = (unsigned char) loc;
        PUT(k, line->location_address, loc);
        for (size_t v = 0; v < line->n_views; v++) {
                k->bytes[k->len++] = (unsigned char) line->views[v].source;
                k->bytes[k->len++] =
                        (unsigned char) line->views[v].text.len; /* below VX_LINE_MEMO_ENTRY_MAX */
                if (line->views[v].text.len > 0)
                        PUT(k, line->views[v].text.p, line->views[v].text.len);
        }
        k->hash = hash_bytes(k->bytes, k->len);
}

/* The memo's key of a dmesg line before it is classified: the bytes after its stamp, which decide all of
 * its classification that matching reads (line_dmesg_stamp_len()). Most lines a literal marks in a kernel
 * log are these, and a hit then skips the classifier too. */
static void memo_key_of_dmesg(const Analysis *a, const char *message, size_t len, MemoKey *k) {
        k->len = 0;
        k->epoch = a->epoch;
        if (sizeof(a->epoch) + sizeof(a->cur_input_index) + 1 + len > VX_LINE_MEMO_ENTRY_MAX)
                return;
        PUT(k, &a->epoch, sizeof(a->epoch));
        k->bytes[k->len++] = a->cur_input_index;
        k->bytes[k->len++] = MEMO_KEY_DMESG;
        PUT(k, message, len);
        /* Hashed where the message was read, not from the copy just written: reading back those stores
         * stalled on their forwarding. The bytes before it are the seed. */
        uint64_t head = (uint64_t) a->epoch << 16 | (uint64_t) a->cur_input_index << 8 | MEMO_KEY_DMESG;
        k->hash = hash_bytes_seeded(FNV1A_INIT ^ head * UINT64_C(0x9e3779b97f4a7c15), message, len);
}
#undef PUT

/* A line as read counts once as matched, however many of its pieces match. */
static void count_matched(Analysis *a) {
        if (!a->cur_counted)
                a->stats.matched_lines++;
        a->cur_counted = true;
}

/* What matching the line did, done again. */
static void replay(Analysis *a, const RepeatAction *act, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (act[i].link) {
                        /* The number's digits, written backwards from the end of a buffer. */
                        char digits[10], *p = digits + sizeof(digits);
                        uint32_t v = act[i].group;
                        do
                                *--p = (char) ('0' + v % 10);
                        while ((v /= 10) > 0);
                        char *to = a->links[act[i].link - 1].group;
                        size_t n_digits = (size_t) (digits + sizeof(digits) - p);
                        memcpy(to, p, n_digits);
                        to[n_digits] = '\0';
                }
                if (act[i].dropped)
                        a->dropped++;
        }
        if (n > 0)
                count_matched(a);
}

/* Replays what the message of key did before, if the memo remembers it. */
static bool replayed(Analysis *a, const MemoKey *k) {
        const unsigned char *payload;
        size_t payload_len;

        if (k->len == 0 || !(payload = line_memo_get(a->memo, k->hash, k->bytes, k->len, &payload_len)))
                return false;
        RepeatAction act[REPEAT_ACTIONS_MAX];
        size_t n = MIN((size_t) payload[0], REPEAT_ACTIONS_MAX);
        memcpy(act, payload + 1, n * sizeof(RepeatAction)); /* the payload is not aligned */
        replay(a, act, n);
        a->stats.remembered_lines++;
        return true;
}

/* Matches the line, or replays what its message did before. k is the line's dmesg key, already looked up,
 * or of length 0 for the key of the classified line. */
static int match_remembered(Analysis *a, const Line *line, bool memo, const char *raw, size_t len,
                            const PrefilterHit *hits, size_t n_hits, MemoKey *k) {
        int r;

        if (!memo)
                k->len = 0;
        else if (k->len == 0) {
                memo_key_of_line(a, line, k);
                if (replayed(a, k))
                        return 0;
        }
        size_t limit_hits = matcher_limit_hits(a->m);
        a->recording = k->len > 0;
        a->n_recorded = 0;
        r = matcher_match_marked_line(a->m, line, raw, len, hits, n_hits, on_match, a);
        if (a->cur_matched)
                count_matched(a);
        /* A line that met a PCRE2 limit is counted as such each time. */
        if (r >= 0 && a->recording && matcher_limit_hits(a->m) == limit_hits) {
                unsigned char out[1 + REPEAT_ACTIONS_MAX * sizeof(RepeatAction)];
                out[0] = a->n_recorded;
                memcpy(out + 1, a->recorded, a->n_recorded * sizeof(RepeatAction));
                (void) line_memo_put(a->memo, k->hash, k->bytes, k->len, out,
                                     1 + a->n_recorded * sizeof(RepeatAction));
        }
        a->recording = false;
        return r;
}

/* k: as match_remembered() takes it. extra: a further piece of a line as read, or the event its reply made:
 * counted as a line already. */
static int feed_line(Analysis *a, const char *input, unsigned long lineno, const Line *line, const char *raw,
                     size_t len, const EntryMeta *meta, const PrefilterHit *hits, size_t n_hits, MemoKey *k,
                     bool extra) {
        bool memo = a->memo != NULL;
        Line guest;
        int r;

        if (a->guest_input) {
                guest = *line;
                line_as_guest(&guest);
                line = &guest;
        }
        if (!extra) {
                a->stats.lines++;
                a->cur_counted = false;
        }
        a->seq++;
        for (size_t v = 0; v < line->n_views; v++)
                if (line->views[v].source == SOURCE_KERNEL && line->views[v].text.len > 0 &&
                    line->views[v].text.p[0] == KERNEL_BOOT_BANNER[0] &&
                    span_starts_with(line->views[v].text, KERNEL_BOOT_BANNER)) {
                        a->epoch++;
                        memo = false;
                }
        /* The interned name: the look-ups of this line's matches then find it by its pointer. */
        if ((r = set_current_input(a, input)) < 0)
                return r;
        /* A kernel log its own lines showed to be a VM's: its kernel lines (and bare ones) are the guest's.
         */
        if (!a->guest_input && judged_guest(a) && line != &guest) {
                bool any = false;
                guest = *line;
                for (size_t v = 0; v < guest.n_views; v++)
                        if (guest.views[v].source == SOURCE_KERNEL ||
                            guest.views[v].source == SOURCE_UNKNOWN) {
                                guest.views[v].source = SOURCE_GUEST;
                                any = true;
                        }
                if (any)
                        line = &guest;
        }
        a->cur_line = lineno;
        a->cur_raw = raw;
        a->cur_len = len;
        a->cur_meta = meta;
        a->cur_matched = false;
        /* Beside the rules: it reads the line itself, whether the memo knows the message or not. A replay by
         * the dmesg key comes before the line is classified, so such a line is remembered by the other. */
        if (!a->guest_input) {
                Span command = a->cur_piece && a->cur_piece->command ? a->cur_piece->text : (Span){0};
                context_note_line(&a->ctx, a->epoch, line, a->cur_joined,
                                  &(ContextWhere){a->cur_input, lineno, raw, len, command});
                for (size_t i = 0; a->cur_piece && i < a->cur_piece->n_layers; i++)
                        if (a->cur_piece->layers[i].kind == PASTE_PROMPT)
                                context_note_prompt(&a->ctx, a->cur_piece->layers[i].what);
        }
        if (romfile_refs_wanted(line)) {
                romfile_refs_scan(&a->romfiles, raw, len);
                k->len = 0;
        }
        r = match_remembered(a, line, memo, raw, len, hits, n_hits, k);
        a->cur_meta = NULL;
        return r;
}

/* A journal message can hold several lines (libvirt quotes QEMU's two-line errors whole); the rules see
 * each line, as journalctl's text output shows them, all with the entry's fields. */
static int feed_fields(Analysis *a, const char *input, unsigned long lineno, const LineFields *f,
                       const char *raw, size_t len, const EntryMeta *meta) {
        Span rest = f->message, one;
        MemoKey k;
        Line line;
        int r = 0;

        if (!memchr(rest.p, '\n', rest.len)) {
                line_classify_fields(f, &line);
                k.len = 0;
                return feed_line(a, input, lineno, &line, raw, len, meta, NULL, 0, &k, false);
        }
        while (r >= 0 && span_next_line(&rest, &one)) {
                LineFields sub = *f;
                sub.message = one;
                line_classify_fields(&sub, &line);
                k.len = 0;
                r = feed_line(a, input, lineno, &line, raw, len, meta, NULL, 0, &k, false);
        }
        return r;
}

int analysis_skip_lines(Analysis *a, const char *input, uint64_t n) {
        if (n == 0)
                return 0;
        /* As feed_line() would have: the input is known, and each line takes its place in the order. */
        if (!intern_input(a, input))
                return -ENOMEM;
        a->stats.lines += n;
        a->seq += n;
        return 0;
}

const char *analysis_intern_input(Analysis *a, const char *input) {
        return intern_input(a, input);
}

void analysis_set_guest(Analysis *a, bool guest) {
        a->guest_input = guest;
}

void analysis_share_budget(Analysis *a, AnalysisBudget *budget) {
        if (a->budget == budget)
                return;
        *budget = (AnalysisBudget){
                .findings = budget->findings + a->budget->findings,
                .symptoms = budget->symptoms + a->budget->symptoms,
                .facts = budget->facts + a->budget->facts,
                .links = budget->links + a->budget->links,
        };
        a->budget = budget;
}

void analysis_set_line_memo(Analysis *a, bool on) {
        if (!on)
                a->memo = line_memo_free(a->memo);
}

/* The memo key of a raw dmesg line (a replay needs nothing else), else a key of length 0. */
static int dmesg_key(Analysis *a, const char *input, const char *raw, size_t len, MemoKey *k) {
        k->len = 0;
        if (!a->memo || a->guest_input || len == 0 || raw[0] != '[')
                return 0;
        size_t stamp = line_dmesg_stamp_len(raw, len);
        if (stamp == 0)
                return 0;
        /* The key names the input. */
        int r = set_current_input(a, input);
        if (r < 0)
                return r;
        /* A line judged the guest's is not the line the key says (its views are another source's). */
        if (judged_guest(a))
                return 0;
        memo_key_of_dmesg(a, raw + stamp, len - stamp, k);
        return 0;
}

/* Replays the line by its dmesg key k from dmesg_key() if the memo remembers it: 1 if it did, 0 if the line
 * is to be matched. A key made ahead of its line is made again if a line fed since began a new boot or
 * judged the input a guest's: either changes what the line's matching reads. */
static int replayed_raw(Analysis *a, const char *input, const char *raw, size_t len, MemoKey *k) {
        int r;

        if (k->len > 0 && (k->epoch != a->epoch || judged_guest(a)) &&
            (r = dmesg_key(a, input, raw, len, k)) < 0)
                return r;
        a->cur_counted = false;
        if (!replayed(a, k))
                return 0;
        a->stats.lines++;
        a->seq++;
        return 1;
}

/* The directory a piece's prompt showed ("root@pve:/sys/bus/pci/devices/0000:01:00.0# ", busybox's
 * "/sys/bus/pci # "), empty if none. */
static Span prompt_cwd(const PastePiece *pc) {
        for (size_t i = 0; i < pc->n_layers; i++) {
                Span w = pc->layers[i].what, cwd;
                const char *at;
                if (pc->layers[i].kind != PASTE_PROMPT || w.len == 0)
                        continue;
                if (w.p[0] == '/')
                        cwd = w;
                else if ((at = memchr(w.p, '@', w.len)) &&
                         (at = memchr(at, ':', w.len - (size_t) (at - w.p))))
                        cwd = span_make(at + 1, w.len - (size_t) (at + 1 - w.p));
                else
                        continue;
                while (cwd.len > 0 &&
                       (cwd.p[cwd.len - 1] == ' ' || cwd.p[cwd.len - 1] == '#' || cwd.p[cwd.len - 1] == '$'))
                        cwd.len--;
                return cwd;
        }
        return (Span){0};
}

/* A shell transcript's piece: a command that writes a PCI sysfs file is kept until its reply; a reply (a
 * shell's or tool's error) makes the event rules of source shell see (docs/rule-format.md), fed as a further
 * line with the reply as its evidence and the command as its context. Only lines that hold a prefilter
 * literal ("/sys/", "write error", "driverctl") change this state, so that reading by blocks, which reads
 * only those, and reading every line agree. */
static int shell_step(Analysis *a, const char *input, unsigned long lineno, const char *raw, size_t len,
                      const PastePiece *pc) {
        ShellReply reply;
        SysfsWrite w;

        if (pc->command) {
                if (!sysfs_write_parse(pc, prompt_cwd(pc), &w))
                        return 0;
                a->shell.pending = true;
                a->shell.input = a->cur_input_index;
                a->shell.lineno = lineno;
                a->shell.w = w;
                snprintf(a->shell.text, sizeof(a->shell.text), "line %lu: %.*s", lineno,
                         (int) MIN(pc->text.len, (size_t) 120), pc->text.p);
                return 0;
        }
        if (!paste_reply_parse(pc, &reply))
                return 0;
        const SysfsWrite *cmd = NULL;
        if (a->shell.pending && a->shell.input == a->cur_input_index && lineno > a->shell.lineno &&
            lineno - a->shell.lineno <= VX_SHELL_REPLY_LINES) {
                /* a reply that names another file answers another write */
                if (reply.path.len == 0 ||
                    (strlen(a->shell.w.path) == reply.path.len &&
                     memcmp(a->shell.w.path, reply.path.p, reply.path.len) == 0))
                        cmd = &a->shell.w;
        }
        size_t n = shell_event_format(cmd, &reply, a->event, sizeof(a->event));
        if (cmd)
                a->shell.pending = false;
        if (n == 0)
                return 0;
        Line ev = {.format = FORMAT_BARE, .priority = -1, .mono = -1, .n_views = 1};
        ev.views[0] = (LineView){.source = SOURCE_SHELL, .text = span_make(a->event, n)};
        MemoKey k = {.len = 0};
        a->cur_command = cmd ? a->shell.text : NULL;
        int r = feed_line(a, input, lineno, &ev, raw, len, NULL, NULL, 0, &k, true);
        a->cur_command = NULL;
        return r;
}

/* The message a view quotes behind a management layer's or libvirt's own prefix ("Failed to reset PCI
 * device: internal error: ...", "Hook script execution failed: ... unexpected exit status 1: OUTPUT"),
 * offered as a further view: the quoted program may be any. */
static void add_unquoted_views(Line *line) {
        size_t n = line->n_views;
        for (size_t v = 0; v < n && line->n_views < ELEMENTSOF(line->views); v++) {
                Span inner;
                if (line->views[v].source == SOURCE_GUEST || line->views[v].source == SOURCE_PROBE ||
                    paste_unquote(line->views[v].text, &inner) == 0)
                        continue;
                line->views[line->n_views++] = (LineView){.source = SOURCE_UNKNOWN, .text = inner};
        }
}

/* A journal line whose message is a logfmt or JSON record (kata, incus, containerd log so): its message
 * fields, each a further line of the line as read. */
static int feed_record(Analysis *a, const char *input, unsigned long lineno, const Line *outer,
                       const char *raw, size_t len) {
        const PastePiece *pc;
        Span msg = outer->views[0].text;
        size_t n = paste_unwrap(a->paste_inner, msg.p, msg.len, &pc);
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                Line line;
                MemoKey k = {.len = 0};
                if (pc[i].n_layers == 0)
                        continue;
                line_classify(a->lc, pc[i].text.p, pc[i].text.len, &line);
                add_unquoted_views(&line);
                a->cur_piece = &pc[i];
                r = feed_line(a, input, lineno, &line, raw, len, NULL, NULL, 0, &k, true);
                a->cur_piece = NULL;
        }
        return r;
}

/* A shell prompt whose host is named as a VM ("root@test-vm:~# ", "user@vm:~$ "): what the transcript shows
 * after it is the guest's. Only a host name that is "vm" or ends in "-vm" (the extra prefilter literals
 * "@vm:" and "-vm:", so that reading by blocks sees every such line): a host such as "vmhost" or "pve" is
 * not one. */
static bool prompt_names_vm(const PastePiece *pc) {
        for (size_t i = 0; i < pc->n_layers; i++) {
                Span w = pc->layers[i].what;
                const char *at, *colon;
                if (pc->layers[i].kind != PASTE_PROMPT || !(at = memchr(w.p, '@', w.len)) ||
                    !(colon = memchr(at, ':', w.len - (size_t) (at - w.p))))
                        continue;
                size_t n = (size_t) (colon - at - 1);
                if ((n == 2 && strncasecmp(at + 1, "vm", 2) == 0) ||
                    (n > 3 && strncasecmp(colon - 3, "-vm", 3) == 0))
                        return true;
        }
        return false;
}

/* Whether a line may make or answer a shell transcript's sysfs write: it holds one of
 * PREFILTER_SHELL_LITERALS (hits: as the prefilter found them, in any case; NULL: looked for as written), or
 * the pasted-text stage rewrites its characters. shell_step() finds nothing in a line that holds none. */
static bool may_be_shell(const Analysis *a, const char *raw, size_t len, const PrefilterHit *hits,
                         size_t n_hits) {
        static const char *const shell[] = {PREFILTER_SHELL_LITERALS};
        if (hits) {
                for (size_t i = 0; i < n_hits; i++)
                        if (a->rs->prefilter_rules.flags[hits[i].pattern] & PATTERN_SHELL)
                                return true;
                return false;
        }
        if (paste_needs_normalising(raw, len) || paste_has_escape(raw, len))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(shell); i++)
                if (memmem(raw, len, shell[i], strlen(shell[i])))
                        return true;
        return false;
}

/* A line the memo did not replay. k: its dmesg key, as replayed_raw() left it. The pasted-text stage turns
 * it into its pieces first: most lines are one piece, the line itself. */
static int feed_unreplayed(Analysis *a, const char *input, unsigned long lineno, const char *raw, size_t len,
                           const PrefilterHit *hits, size_t n_hits, MemoKey *k) {
        const PastePiece *pc;
        size_t n = paste_unwrap(a->paste, raw, len, &pc);
        int r = 0;

        bool plain = n == 1 && pc[0].n_layers == 0 && !pc[0].redacted && !pc[0].cut;
        bool shell = may_be_shell(a, raw, len, hits, n_hits);
        Line as_read;
        /* A line the stage changed keeps its reading as read too (every reading of an ambiguous prefix is
         * tried): a rule may know the wrapper itself (KubeVirt's LibvirtError(Code=67, ...)). */
        if (!plain)
                line_classify(a->lc, raw, len, &as_read);
        for (size_t i = 0; i < n && r >= 0; i++) {
                Line line;
                MemoKey own = {.len = 0};

                line_classify(a->lc, pc[i].text.p, pc[i].text.len, &line);
                line.cut = pc[i].cut;
                /* the reading as read first: a rule that knows the wrapper (its symptom) is the more
                 * specific reading of the line, and a line's first reading is the one that counts */
                if (i == 0 && !plain) {
                        Line both = line;
                        both.n_views = 0;
                        for (size_t v = 0; v < as_read.n_views; v++)
                                both.views[both.n_views++] = as_read.views[v];
                        for (size_t v = 0; v < line.n_views && both.n_views < ELEMENTSOF(both.views); v++)
                                both.views[both.n_views++] = line.views[v];
                        line = both;
                }
                const LineFields *f = line_classifier_json_fields(a->lc, &line);
                if (plain && f && memchr(f->message.p, '\n', f->message.len)) {
                        LineFields copy = *f;
                        return feed_fields(a, input, lineno, &copy, raw, len, NULL);
                }
                add_unquoted_views(&line);
                a->cur_piece = plain ? NULL : &pc[i];
                r = feed_line(a, input, lineno, &line, raw, len, NULL, hits, n_hits, plain ? k : &own,
                              i > 0);
                a->cur_piece = NULL;
                if (r >= 0 && !plain && !a->guest_input && pc[i].command && prompt_names_vm(&pc[i]))
                        judge_guest(a);
                if (r >= 0 && line.format == FORMAT_JOURNAL_SHORT &&
                    line.views[0].source == SOURCE_JOURNAL && paste_is_structured(line.views[0].text))
                        r = feed_record(a, input, lineno, &line, raw, len);
                if (r >= 0 && shell)
                        r = shell_step(a, input, lineno, raw, len, &pc[i]);
        }
        return r;
}

/* An indented line, not blank: the continuation of the line before it (dmesg's and journalctl's second
 * lines, a message a forum or a mail hard-wrapped with an indent). Without an indent:
 * paste_wrap_continues(). */
static bool is_continuation(const char *raw, size_t len) {
        if (len < 2 || (raw[0] != ' ' && raw[0] != '\t'))
                return false;
        for (size_t i = 1; i < len; i++)
                if (raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\r')
                        return true;
        return false;
}

static bool is_blank_line(const char *raw, size_t len) {
        for (size_t i = 0; i < len; i++)
                if (raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\r')
                        return false;
        return true;
}

/* The last line of the lines being joined that is not blank, as read. */
static Span join_last_line(const Analysis *a) {
        if (a->join.n == 0)
                return span_make(a->join.head, a->join.head_len);
        return span_make(a->join.raw + a->join.last_from, a->join.last_end - a->join.last_from);
}

/* Whether the lines joined so far open a double quote they do not close: a quoted message (a subprocess's
 * stderr: "...", a JSON string) is not over before its closing quote, so a blank line inside it is the
 * paste's (a forum that needs one between lines to keep them apart), not the message's end. */
static bool join_quote_open(const Analysis *a) {
        Span t = a->join.n == 0 ? span_make(a->join.head, a->join.head_len)
                                : span_make(a->join.text, a->join.len);
        bool open = false;
        for (size_t i = 0; i < t.len; i++)
                if (t.p[i] == '\\')
                        i++;
                else if (t.p[i] == '"')
                        open = !open;
        return open;
}

/* Whether the lines joined so far are a JSON record left open between two of its tokens: the head starts
 * one ('{' and a key), and its braces and brackets are not all closed, outside a string. */
static bool join_json_open(const Analysis *a) {
        if (a->join.head_len < 2 || a->join.head[0] != '{' || a->join.head[1] != '"')
                return false;
        Span t = a->join.n == 0 ? span_make(a->join.head, a->join.head_len)
                                : span_make(a->join.text, a->join.len);
        bool string = false;
        size_t depth = 0;
        for (size_t i = 0; i < t.len; i++)
                if (string) {
                        if (t.p[i] == '\\')
                                i++;
                        else if (t.p[i] == '"')
                                string = false;
                } else if (t.p[i] == '"')
                        string = true;
                else if (t.p[i] == '{' || t.p[i] == '[')
                        depth++;
                else if ((t.p[i] == '}' || t.p[i] == ']') && depth-- == 0)
                        return false; /* more closed than opened: no record */
        return depth > 0 && !string;
}

/* The head copied into the joined text and evidence, before the first line joined to it. */
static void join_begin(Analysis *a) {
        if (a->join.n > 0)
                return;
        Span h = span_make(a->join.head, a->join.head_len);
        /* one blank between the lines, as the message had; a CRI record's part keeps its own */
        if (!a->join.cri_open)
                span_trim(&h);
        memcpy(a->join.text, h.p, h.len);
        memcpy(a->join.raw, a->join.head, a->join.head_len);
        a->join.len = h.len;
        a->join.raw_len = a->join.head_len;
        a->join.last_from = 0;
        a->join.last_end = a->join.head_len;
}

/* The line read added to the joined evidence, a line of its own. readable: it is the last line a wrap's
 * continuation is judged against (join_last_line()), which a blank line crossed inside a quote is not. */
static void join_add_raw(Analysis *a, unsigned long lineno, const char *raw, size_t len, bool readable) {
        a->join.raw[a->join.raw_len++] = '\n';
        if (readable)
                a->join.last_from = a->join.raw_len;
        memcpy(a->join.raw + a->join.raw_len, raw, len);
        a->join.raw_len += len;
        if (readable)
                a->join.last_end = a->join.raw_len;
        a->join.last_lineno = lineno;
        a->join.n++;
}

static void join_head(Analysis *a, int input, unsigned long lineno, const char *raw, size_t len) {
        a->join.have = true;
        a->join.input = (uint8_t) input;
        a->join.head_lineno = a->join.last_lineno = lineno;
        a->join.head = raw;
        a->join.head_len = MIN(len, sizeof(a->join.copy) - 1);
        a->join.n = 0;
        a->join.after_blank = false;
        a->join.cri_open = false;
}

/* A line of a JSON record broken by hand between its tokens (paste_json_continues()), after the lines of it
 * before: joined without a blank, as the record was one line. Returns true once the record is closed, to be
 * read whole; a record never closed within the join's bounds is read only as its lines. */
static bool join_json(Analysis *a, unsigned long lineno, const char *raw, size_t len) {
        Span c = span_make(raw, len);
        span_trim(&c);
        if (a->join.n >= VX_JOIN_LINES_MAX) {
                a->join.have = false;
                return false;
        }
        join_begin(a); /* the sizes below are the head's before the first line joined */
        if (a->join.len + c.len >= VX_JOIN_BYTES_MAX || a->join.raw_len + 1 + len >= VX_JOIN_BYTES_MAX) {
                a->join.have = false;
                return false;
        }
        memcpy(a->join.text + a->join.len, c.p, c.len);
        a->join.len += c.len;
        join_add_raw(a, lineno, raw, len, true);
        return !join_json_open(a);
}

/* Whether a CRI record is a part as long as a part may be (VX_CRI_PART_MAX), which the join takes whole. */
static bool cri_part_fits(const CriRecord *cri, size_t len) {
        return cri->partial && cri->content.len <= VX_CRI_PART_MAX &&
                len - cri->content.len <= VX_CRI_PREFIX_MAX;
}

/* Lets the oldest record the join holds but the first go, to make room for more (join_cri()): the first
 * holds where the line starts (a logfmt or JSON record's keys, the program's name), the last ones its end;
 * what goes is from the middle of the line, its text and its line of the evidence. */
static bool join_cri_drop_second(Analysis *a) {
        const char *nl1 = memchr(a->join.raw, '\n', a->join.raw_len), *nl2 = NULL;
        if (nl1)
                nl2 = memchr(nl1 + 1, '\n', a->join.raw_len - (size_t) (nl1 + 1 - a->join.raw));
        if (a->join.n < 2 || !nl2)
                return false;
        size_t at = a->join.cri_prefix + a->join.cri_len[0], drop = a->join.cri_len[1];
        memmove(a->join.text + at, a->join.text + at + drop, a->join.len - at - drop);
        a->join.len -= drop;
        memmove(a->join.cri_len + 1, a->join.cri_len + 2, (a->join.n - 1) * sizeof(a->join.cri_len[0]));
        size_t from = (size_t) (nl1 - a->join.raw), cut = (size_t) (nl2 - nl1);
        memmove(a->join.raw + from, nl2, a->join.raw_len - from - cut);
        a->join.raw_len -= cut;
        a->join.last_from -= cut;
        a->join.last_end -= cut;
        a->join.n--;
        return true;
}

/* A record of containerd's or CRI-O's log: after a part ("P") of the same stream, what the container wrote
 * goes on in it without a blank, up to the record that ends the line ("F"), when the whole is read. A line
 * of more parts than the join holds (VX_JOIN_CRI_TEXT_MAX of text, VX_JOIN_LINES_MAX records) is read as its
 * first record and its last ones, those between let go as more come: where it starts and its end, where a
 * program's error is, are read whole. A part longer than a part may be is read alone, as it comes. */
static bool join_cri(Analysis *a, int input, bool follows, unsigned long lineno, const char *raw, size_t len,
                     const CriRecord *cri) {
        if (!follows || !a->join.cri_open || a->join.cri_stderr != cri->from_stderr) {
                join_head(a, input, lineno, raw, len);
                a->join.cri_open = cri_part_fits(cri, len); /* whole in the join */
                a->join.cri_stderr = cri->from_stderr;
                a->join.cri_prefix = (size_t) (cri->content.p - raw);
                a->join.cri_len[0] = cri->content.len;
                return false;
        }
        join_begin(a);
        if ((cri->partial && !cri_part_fits(cri, len)) || cri->content.len > VX_CRI_PART_MAX) {
                a->join.have = a->join.cri_open = false;
                return false;
        }
        while (a->join.n + 1 >= VX_JOIN_LINES_MAX ||
               a->join.len - a->join.cri_prefix + cri->content.len > VX_JOIN_CRI_TEXT_MAX ||
               a->join.raw_len + 1 + len >= VX_JOIN_CRI_BYTES_MAX)
                if (!join_cri_drop_second(a)) {
                        a->join.have = a->join.cri_open = false;
                        return false;
                }
        memcpy(a->join.text + a->join.len, cri->content.p, cri->content.len);
        a->join.len += cri->content.len;
        join_add_raw(a, lineno, raw, len, true);
        a->join.cri_len[a->join.n] = cri->content.len;
        a->join.cri_open = cri->partial;
        return !cri->partial;
}

/* Notes the line read: a new head, or a continuation of the head before it, joined to it. Returns true when
 * the joined lines are to be read as one more line. Only the lines that reach the analysis change this, and
 * reading by blocks lets through every indented line, every line paste_wrap_continues() takes, every blank
 * line with the lines around it, and the line before each run of them (feed.c), so both ways of reading join
 * the same lines. */
static bool join_step(Analysis *a, const char *input, unsigned long lineno, const char *raw, size_t len) {
        int i = input_index(a, input);
        if (i < 0)
                return false;
        bool follows = a->join.have && a->join.input == (uint8_t) i && lineno == a->join.last_lineno + 1;
        CriRecord cri;
        if (len >= 32 && span_is_digit(raw[0]) && paste_cri_record(span_make(raw, len), &cri))
                return join_cri(a, i, follows, lineno, raw, len, &cri);
        a->join.cri_open = false;
        if (follows && !a->join.after_blank &&
            paste_json_continues(join_last_line(a), span_make(raw, len)) && join_json_open(a))
                return join_json(a, lineno, raw, len);
        if (is_blank_line(raw, len)) {
                /* one blank line at a time inside an open quote; any other ends the message */
                if (follows && !a->join.after_blank && a->join.n + 1 < VX_JOIN_LINES_MAX &&
                    (a->join.n > 0 ? a->join.raw_len : a->join.head_len) + 1 + len < VX_JOIN_BYTES_MAX &&
                    join_quote_open(a)) {
                        join_begin(a);
                        join_add_raw(a, lineno, raw, len, false);
                        a->join.after_blank = true;
                } else
                        a->join.have = false;
                return false;
        }
        bool indented = is_continuation(raw, len);
        /* a message hard-wrapped without an indent: the line before is as long as the wrap leaves them */
        bool wrapped = !indented && follows && paste_wrap_continues(join_last_line(a), span_make(raw, len));
        bool in_word = wrapped && paste_wrap_in_word(join_last_line(a), span_make(raw, len));
        /* a line that continues nothing is a head, also an indented one (a message a forum or a mail quoted
         * with an indent, hard-wrapped there: the lines after it indented alike) */
        if ((!wrapped && !indented) || (indented && !follows)) {
                join_head(a, i, lineno, raw, len);
                return false;
        }
        if (a->join.n >= VX_JOIN_LINES_MAX) {
                /* the rest of a run longer than a join takes (a call trace) joins nothing */
                a->join.last_lineno = lineno;
                return false;
        }
        join_begin(a);
        Span c = span_make(raw, len);
        span_trim(&c);
        /* NVIDIA's messages of several lines repeat "NVRM: " on each: the sentence goes on after it */
        if (span_starts_with(c, "NVRM: ") && memmem(a->join.text, a->join.len, "NVRM: ", 6))
                span_advance(&c, 6);
        if (a->join.len + 1 + c.len >= VX_JOIN_BYTES_MAX || a->join.raw_len + 1 + len >= VX_JOIN_BYTES_MAX) {
                a->join.have = false;
                return false;
        }
        if (!in_word)
                a->join.text[a->join.len++] = ' ';
        memcpy(a->join.text + a->join.len, c.p, c.len);
        a->join.len += c.len;
        join_add_raw(a, lineno, raw, len, true);
        a->join.after_blank = false;
        return true;
}

/* The head and its continuations so far, read as one line of the head's number: the evidence is the lines as
 * read. */
static int feed_joined(Analysis *a, const char *input) {
        const PastePiece *pc;
        size_t n = paste_unwrap(a->paste_inner, a->join.text, a->join.len, &pc);
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                Line line;
                MemoKey k = {.len = 0};
                line_classify(a->lc, pc[i].text.p, pc[i].text.len, &line);
                add_unquoted_views(&line);
                a->cur_piece = &pc[i];
                a->cur_joined = a->join.n;
                r = feed_line(a, input, a->join.head_lineno, &line, a->join.raw, a->join.raw_len, NULL, NULL,
                              0, &k, true);
                a->cur_joined = 0;
                a->cur_piece = NULL;
        }
        return r;
}

void analysis_feed_block_end(Analysis *a) {
        if (a->join.have && a->join.n == 0 && a->join.head != a->join.copy) {
                memcpy(a->join.copy, a->join.head, a->join.head_len);
                a->join.head = a->join.copy;
        }
}

int analysis_feed(Analysis *a, const char *input, unsigned long lineno, const char *raw, size_t len) {
        MemoKey k;
        int r;

        bool joined = join_step(a, input, lineno, raw, len);
        /* the line's buffer is the caller's for this call only */
        analysis_feed_block_end(a);
        if ((r = dmesg_key(a, input, raw, len, &k)) < 0 || (r = replayed_raw(a, input, raw, len, &k)) < 0)
                return r;
        if (r == 0 && (r = feed_unreplayed(a, input, lineno, raw, len, NULL, 0, &k)) < 0)
                return r;
        return joined ? feed_joined(a, input) : 0;
}

int analysis_feed_marked_lines(Analysis *a, const char *input, const MarkedLine *lines, size_t n) {
        MemoKey keys[VX_FEED_BATCH];
        int r;

        for (size_t at = 0; at < n; at += VX_FEED_BATCH) {
                size_t m = MIN(n - at, (size_t) VX_FEED_BATCH);
                const MarkedLine *l = lines + at;
                for (size_t i = 0; i < m; i++) {
                        if ((r = dmesg_key(a, input, l[i].raw, l[i].len, &keys[i])) < 0)
                                return r;
                        if (keys[i].len > 0)
                                line_memo_prefetch_set(a->memo, keys[i].hash);
                }
                for (size_t i = 0; i < m; i++)
                        if (keys[i].len > 0)
                                line_memo_prefetch_slots(a->memo, keys[i].hash);
                for (size_t i = 0; i < m; i++) {
                        if ((r = analysis_skip_lines(a, input, l[i].skipped)) < 0)
                                return r;
                        bool joined = join_step(a, input, l[i].lineno, l[i].raw, l[i].len);
                        if ((r = replayed_raw(a, input, l[i].raw, l[i].len, &keys[i])) < 0)
                                return r;
                        if (r == 0 &&
                            (r = feed_unreplayed(a, input, l[i].lineno, l[i].raw, l[i].len, l[i].hits,
                                                 l[i].n_hits, &keys[i])) < 0)
                                return r;
                        if (joined && (r = feed_joined(a, input)) < 0)
                                return r;
                }
        }
        return 0;
}

int analysis_feed_entry(Analysis *a, const char *input, unsigned long lineno, const LineFields *f,
                        const char *raw, size_t len, const EntryMeta *meta) {
        if (meta && meta->boot_id && strncmp(a->last_boot, meta->boot_id, sizeof(a->last_boot) - 1) != 0) {
                if (a->last_boot[0])
                        a->epoch++;
                snprintf(a->last_boot, sizeof(a->last_boot), "%s", meta->boot_id);
        }
        return feed_fields(a, input, lineno, f, raw, len, meta);
}

AnalysisStats analysis_stats(const Analysis *a) {
        AnalysisStats st = a->stats;
        st.dropped = a->dropped;
        return st;
}

void analysis_set_other_host(Analysis *a, const OtherHost *o) {
        a->other_host = *o;
        a->stats.other_host = &a->other_host;
}

const char *analysis_input_hostname(const Analysis *a, size_t i) {
        return i < a->ctx.n_hostnames ? a->ctx.hostnames[i] : NULL;
}

const DeviceNote *analysis_input_devices(const Analysis *a, size_t *n) {
        *n = a->ctx.n_devices;
        return a->ctx.devices;
}

uint64_t analysis_context_told(const Analysis *a) {
        const HostContext *c = &a->ctx;
        uint64_t n = c->n_devices + c->n_hostnames + c->n_listed + c->n_epochs + a->romfiles.n +
                a->n_kernels + a->epoch + a->judged + c->qemu_known;
        n += (uint64_t) __builtin_popcount(c->arch_mask) + (uint64_t) __builtin_popcount(c->cpu_mask);
        const EpochInfo *e = context_epoch(c, a->epoch);
        if (e)
                n += (uint64_t) e->boot_start + e->iommu_lines + e->linux_known;
        return n;
}

const RuleSet *analysis_rules(const Analysis *a) {
        return a->rs;
}

void analysis_note_host(Analysis *a, int arch, int cpu, const char *kernel_release) {
        if (arch >= 0)
                a->ctx.arch_mask |= 1u << arch;
        if (cpu >= 0)
                a->ctx.cpu_mask |= 1u << cpu;
        if (kernel_release && kernel_release[0])
                a->ctx.host_linux_known = version_parse(kernel_release, strlen(kernel_release),
                                                        a->ctx.host_linux_version) == 0;
}

int analysis_note_device(Analysis *a, const DeviceNote *d) {
        return context_note_device(&a->ctx, d);
}
