/* SPDX-License-Identifier: MIT */
/* Incremental explanation for watch and run. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "judge.h"
#include "live.h"
#include "vfioexplain/limits.h"

struct Kept {
        size_t bytes; /* what its text takes, counted against VX_WATCH_KEPT_BYTES_MAX */
        bool entry;
        const char *input; /* a static name */
        unsigned long lineno;
        char *raw; /* the line, or an entry's evidence text */
        size_t len;
        /* journal entries only */
        char *message;
        size_t message_len;
        char ident[VX_JOURNAL_FIELD_MAX + 1];
        char host[VX_JOURNAL_FIELD_MAX + 1];
        char realtime[24];
        int priority;
        bool kernel_transport;
        uint64_t realtime_usec;
        char *unit;
        char *cursor;
        char boot_id[33];
};

uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

static void kept_release(Kept *k) {
        free(k->raw);
        free(k->message);
        free(k->unit);
        free(k->cursor);
        *k = (Kept){0};
}

static int probe(Live *l) {
        if (l->o->no_probe) {
                host_facts_init_unprobed(&l->facts);
                return 0;
        }
        HostFacts fresh = {0};
        int r = get_facts(l->o, &fresh);
        if (r < 0)
                return r;
        host_facts_done(&l->facts);
        l->facts = fresh;
        l->probed_usec = now_usec();
        /* The VM is read again with the host: another VM may have started meanwhile. */
        if (vm_target_named(l->o)) {
                VmTarget t;
                if (vm_target_load(l->o, &l->facts, &t) < 0)
                        return -EINVAL;
                vm_target_done(&l->vm);
                l->vm = t;
        }
        return 0;
}

int live_init(Live *l, const Options *o) {
        RuleSet *rs = NULL;
        int r;

        *l = (Live){.o = o};
        host_facts_init_unprobed(&l->unprobed);
        if ((r = load_rules(o, &rs)) < 0)
                return r;
        l->rs = rs;
        l->kept = calloc(VX_WATCH_KEPT_MAX, sizeof(Kept));
        l->recent = calloc(VX_WATCH_RECENT_MAX, sizeof(Kept));
        if (!l->kept || !l->recent || analysis_new(rs, &l->sieve) < 0) {
                errorf("out of memory");
                live_done(l);
                return -ENOMEM;
        }
        if ((r = probe(l)) < 0)
                live_done(l);
        return r;
}

void live_done(Live *l) {
        for (size_t i = 0; i < l->n_kept; i++)
                kept_release(&l->kept[(l->first + i) % VX_WATCH_KEPT_MAX]);
        free(l->kept);
        for (size_t i = 0; i < l->n_recent; i++)
                kept_release(&l->recent[(l->first_recent + i) % VX_WATCH_RECENT_MAX]);
        free(l->recent);
        analysis_free(l->sieve);
        analysis_free(l->last);
        vm_target_done(&l->vm);
        host_facts_done(&l->facts);
        host_facts_done(&l->unprobed);
        ruleset_free(l->rs);
        *l = (Live){0};
}

/* Keeps k (taken): the oldest go while the ring is full or the text kept would pass its bytes. */
static void live_keep(Live *l, Kept *k) {
        while (l->n_kept > 0 &&
               (l->n_kept == VX_WATCH_KEPT_MAX || l->kept_bytes + k->bytes > VX_WATCH_KEPT_BYTES_MAX)) {
                l->kept_bytes -= l->kept[l->first].bytes;
                kept_release(&l->kept[l->first]);
                l->first = (l->first + 1) % VX_WATCH_KEPT_MAX;
                l->n_kept--;
                l->dropped++;
        }
        l->kept[(l->first + l->n_kept) % VX_WATCH_KEPT_MAX] = *k;
        l->kept_bytes += k->bytes;
        l->n_kept++;
        l->dirty = true;
}

/* Remembers k (taken), a line that told nothing alone, among the last few such. */
static void live_remember(Live *l, Kept *k) {
        if (k->bytes > VX_WATCH_RECENT_BYTES_MAX) {
                kept_release(k);
                return;
        }
        while (l->n_recent > 0 &&
               (l->n_recent == VX_WATCH_RECENT_MAX ||
                l->recent_bytes + k->bytes > VX_WATCH_RECENT_BYTES_MAX)) {
                l->recent_bytes -= l->recent[l->first_recent].bytes;
                kept_release(&l->recent[l->first_recent]);
                l->first_recent = (l->first_recent + 1) % VX_WATCH_RECENT_MAX;
                l->n_recent--;
        }
        l->recent[(l->first_recent + l->n_recent) % VX_WATCH_RECENT_MAX] = *k;
        l->recent_bytes += k->bytes;
        l->n_recent++;
}

/* After the sieve read k (taken): kept, with the lines just before it, when a rule matched it or it told
 * the sieve something of the host; else remembered as context for the next line that does. Judging
 * again reads the lines kept, so it must read what gave explain its causes: a reply without the shell
 * command it answers, or a romfile= line no rule matches, would be judged as something else. */
static void live_sieved(Live *l, uint64_t matched_before, uint64_t told_before, Kept *k) {
        AnalysisStats st = analysis_stats(l->sieve);
        if (st.matched_lines == matched_before && analysis_context_told(l->sieve) == told_before) {
                live_remember(l, k);
                return;
        }
        for (size_t i = 0; i < l->n_recent; i++)
                live_keep(l, &l->recent[(l->first_recent + i) % VX_WATCH_RECENT_MAX]);
        l->n_recent = l->first_recent = l->recent_bytes = 0;
        live_keep(l, k);
}

int live_feed_line(Live *l, const char *input, unsigned long lineno, const char *text, size_t len) {
        uint64_t matched = analysis_stats(l->sieve).matched_lines, told = analysis_context_told(l->sieve);
        int r = analysis_feed(l->sieve, input, lineno, text, len);
        l->lines++;
        if (r < 0)
                return r;
        /* watch's /dev/kmsg: this host's kernel (an input of run or a file followed may be anything) */
        l->own_input = l->own_input || strcmp(input, "/dev/kmsg") == 0;
        char *copy = strndup(text, MIN(len, (size_t) VX_LINE_MAX));
        if (!copy)
                return -ENOMEM;
        size_t n = strlen(copy);
        live_sieved(l, matched, told,
                    &(Kept){.input = input, .lineno = lineno, .raw = copy, .len = n, .bytes = n + 1});
        return 0;
}

static void copy_span(char *dst, size_t size, Span s) {
        size_t n = MIN(s.len, size - 1);
        memcpy(dst, s.p, n);
        dst[n] = 0;
}

static char *kept_cursor(void *userdata) {
        const Kept *k = userdata;
        return k->cursor ? strdup(k->cursor) : NULL;
}

static void meta_of(const Kept *k, EntryMeta *m, LineFields *f) {
        *m = (EntryMeta){
                .realtime_usec = k->realtime_usec,
                .unit = k->unit,
                .boot_id = k->boot_id[0] ? k->boot_id : NULL,
                .cursor = kept_cursor,
                .userdata = (void *) k,
        };
        *f = (LineFields){
                .message = span_make(k->message, k->message_len),
                .identifier = span_from_str(k->ident),
                .hostname = span_from_str(k->host),
                .realtime = span_from_str(k->realtime),
                .priority = k->priority,
                .kernel_transport = k->kernel_transport,
        };
}

int live_feed_entry(Live *l, Journal *j, const JournalEntry *e) {
        EntryEvidence ev;
        if (entry_evidence(j, e, &ev) < 0)
                return 0;
        uint64_t matched = analysis_stats(l->sieve).matched_lines, told = analysis_context_told(l->sieve);
        l->lines++;
        l->own_input = l->own_input || (e->machine_id[0] && strcmp(e->machine_id, l->facts.machine_id) == 0);
        int r = analysis_feed_entry(l->sieve, "journal", (unsigned long) l->lines, &e->fields, ev.text,
                                    ev.len, &ev.meta);
        if (r < 0)
                return r;
        Kept k = {
                .entry = true,
                .input = "journal",
                .lineno = (unsigned long) l->lines,
                .raw = strndup(ev.text, ev.len),
                .len = ev.len,
                .message = malloc(e->fields.message.len + 1),
                .message_len = e->fields.message.len,
                .priority = e->fields.priority,
                .kernel_transport = e->fields.kernel_transport,
                .realtime_usec = e->realtime_usec,
                .unit = ev.meta.unit ? strdup(ev.meta.unit) : NULL,
                .cursor = journal_cursor(j),
        };
        if (!k.raw || !k.message) {
                kept_release(&k);
                return -ENOMEM;
        }
        memcpy(k.message, e->fields.message.p, k.message_len);
        k.message[k.message_len] = 0;
        copy_span(k.ident, sizeof(k.ident), e->fields.identifier);
        copy_span(k.host, sizeof(k.host), e->fields.hostname);
        copy_span(k.realtime, sizeof(k.realtime), e->fields.realtime);
        memcpy(k.boot_id, e->boot_id, sizeof(k.boot_id));
        k.bytes = k.len + k.message_len + (k.unit ? strlen(k.unit) : 0) + (k.cursor ? strlen(k.cursor) : 0) +
                4;
        live_sieved(l, matched, told, &k);
        return 0;
}

static int judge(Live *l, Analysis **ret) {
        Analysis *a = NULL;
        int r;

        /* The host changes while a VM starts (drivers bound, nodes created): look again, at most once a
         * second so that a burst of lines is not slowed by probing. */
        if (!l->o->snapshot && now_usec() - l->probed_usec > VX_WATCH_REPROBE_USEC)
                (void) probe(l);
        if ((r = analysis_new(l->rs, &a)) < 0)
                return r;
        for (size_t i = 0; i < l->n_kept && r >= 0; i++) {
                const Kept *k = &l->kept[(l->first + i) % VX_WATCH_KEPT_MAX];
                if (k->entry) {
                        EntryMeta m;
                        LineFields f;
                        meta_of(k, &m, &f);
                        r = analysis_feed_entry(a, k->input, k->lineno, &f, k->raw, k->len, &m);
                } else
                        r = analysis_feed(a, k->input, k->lineno, k->raw, k->len);
        }
        if (r >= 0) {
                JudgeHost jh = {.facts = &l->facts,
                                .domain = l->vm.config,
                                .pve = l->vm.pve,
                                .own_input = l->own_input};
                r = judge_analysis(a, &jh);
        }
        if (r < 0) {
                analysis_free(a);
                return r;
        }
        *ret = a;
        return 0;
}

/* The facts a judgement is rendered with: none of this host's for another machine's input. */
static const HostFacts *facts_of(const Live *l, const Analysis *a) {
        return analysis_stats(a).other_host ? &l->unprobed : &l->facts;
}

static Printed *printed_of(Live *l, const Finding *f) {
        for (size_t i = 0; i < l->n_printed; i++)
                if (l->printed[i].cause == f->cause && strcmp(l->printed[i].device, f->device) == 0)
                        return &l->printed[i];
        return NULL;
}

static void clock_stamp(char buf[static 16]) {
        time_t t = time(NULL);
        struct tm tm;
        if (!localtime_r(&t, &tm) || strftime(buf, 16, "%H:%M:%S", &tm) == 0)
                snprintf(buf, 16, "--:--:--");
}

int live_update(Live *l, StrBuf *out) {
        Analysis *a = NULL;
        size_t n;
        int r;

        if (!l->dirty)
                return 0;
        l->dirty = false;
        if ((r = judge(l, &a)) < 0)
                return r;
        analysis_free(l->last);
        l->last = a;

        OutputOptions oo = output_options(l->o, facts_of(l, a));
        const Finding *const *fs = analysis_findings(a, &n);
        char stamp[16];
        clock_stamp(stamp);
        /* Said once, when first so judged (JSON: in the summary's report). */
        if (analysis_stats(a).other_host && !l->said_other_host && l->o->format != OUTPUT_JSON) {
                l->said_other_host = true;
                char lead[32];
                snprintf(lead, sizeof(lead), "[%s] note: ", stamp);
                output_put_notes(out, (AnalysisStats){.other_host = analysis_stats(a).other_host}, lead);
        }
        for (size_t i = 0; i < n; i++) {
                const Finding *f = fs[i];
                Printed *p = printed_of(l, f);
                size_t ev = f->n_evidence + f->more_evidence;
                bool fresh = !p;
                if (p && p->confidence == f->confidence && p->evidence == ev)
                        continue;
                if (!p) {
                        if (l->n_printed >= ELEMENTSOF(l->printed))
                                continue;
                        p = &l->printed[l->n_printed++];
                        *p = (Printed){.cause = f->cause};
                        memcpy(p->device, f->device, sizeof(p->device));
                }
                p->confidence = f->confidence;
                p->evidence = ev;

                if (l->o->format == OUTPUT_JSON) {
                        struct json_object *jc = output_json_finding(a, f, &oo);
                        if (!jc)
                                return -errno;
                        struct json_object *o = json_object_new_object();
                        json_object_object_add(o, "event",
                                               json_object_new_string(fresh ? "cause" : "update"));
                        json_object_object_add(o, "time", json_object_new_string(stamp));
                        json_object_object_add(o, "cause", jc);
                        r = output_put_json(out, o, false);
                        json_object_put(o);
                        if (r < 0)
                                return r;
                        continue;
                }
                const CauseDef *c = &l->rs->causes[f->cause];
                if (fresh) {
                        strbuf_printf(out, "[%s] root cause found:", stamp);
                        if ((r = output_render_text_finding(a, f, &oo, out)) < 0)
                                return r;
                        strbuf_putc(out, '\n');
                        continue;
                }
                strbuf_printf(out, "[%s] update: %s%s%s is now %s, %zu line%s of evidence\n", stamp, c->id,
                              f->device[0] ? " on " : "", f->device, strength_to_string(f->confidence), ev,
                              ev == 1 ? "" : "s");
        }
        return strbuf_failed(out) ? -ENOMEM : 0;
}

size_t live_causes(const Live *l) {
        size_t n = 0;
        if (l->last)
                analysis_findings(l->last, &n);
        return n;
}

int live_summary(Live *l, StrBuf *out) {
        int r;
        if (!l->last) {
                l->dirty = true;
                StrBuf ignore = {0};
                r = live_update(l, &ignore);
                strbuf_done(&ignore);
                if (r < 0)
                        return r;
        }
        /* The summary speaks for every line read, not only those kept to judge again. */
        AnalysisStats st = analysis_stats(l->sieve);
        st.other_host = analysis_stats(l->last).other_host;
        OutputOptions oo = output_options(l->o, facts_of(l, l->last));
        oo.stats = &st;
        if (l->o->format == OUTPUT_JSON) {
                /* JSON lines: the summary is one more object, the usual report under "report". */
                struct json_object *rep = output_json_report(l->last, &oo);
                if (!rep)
                        return -errno;
                struct json_object *o = json_object_new_object();
                json_object_object_add(o, "event", json_object_new_string("summary"));
                json_object_object_add(o, "report", rep);
                r = output_put_json(out, o, false);
                json_object_put(o);
                return r;
        }
        return output_render(l->last, &oo, out);
}
