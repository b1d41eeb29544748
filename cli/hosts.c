/* SPDX-License-Identifier: MIT */
/* Findings kept apart per host, and reported per host when there is more than one. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bugreport.h"
#include "escape.h"
#include "hosts.h"
#include "judge.h"
#include "strparse.h"

int hostset_init(HostSet *s, const RuleSet *rs, const HostFacts *facts) {
        *s = (HostSet){.rs = rs, .facts = facts};
        return 0;
}

void hostset_done(HostSet *s) {
        for (size_t i = 0; i < s->n; i++)
                analysis_free(s->slots[i].a);
        s->n = 0;
}

/* Validated as it is read, before it is cut to the slot's size (a cut could make a bad name look good). */
static void slot_set_hostname(HostSlot *h, Span hostname) {
        size_t n = MIN(hostname.len, sizeof(h->hostname) - 1);
        memcpy(h->hostname, hostname.p, n);
        h->hostname[n] = 0;
        h->hostname_valid = hostname_is_valid(hostname.p, hostname.len);
}

static HostSlot *slot_new(HostSet *s, const char *machine_id, Span hostname, bool local) {
        if (s->n >= ELEMENTSOF(s->slots))
                return NULL;
        HostSlot *h = &s->slots[s->n];
        *h = (HostSlot){.local = local};
        if (analysis_new(s->rs, &h->a) < 0)
                return NULL;
        analysis_share_budget(h->a, &s->budget);
        /* One line memo, the first host's (most journals hold one): each is a megabyte once full, and 64
         * hosts' would be most of the memory there is. The others match each line. */
        if (s->n > 0)
                analysis_set_line_memo(h->a, false);
        snprintf(h->machine_id, sizeof(h->machine_id), "%s", machine_id);
        slot_set_hostname(h, hostname);
        s->n++;
        return h;
}

Analysis *hostset_local(HostSet *s) {
        for (size_t i = 0; i < s->n; i++)
                if (s->slots[i].local)
                        return s->slots[i].a;
        HostSlot *h = slot_new(s, s->facts->machine_id, span_from_str(""), true);
        return h ? h->a : NULL;
}

int hostset_feed_entry(HostSet *s, Journal *j, const JournalEntry *e, const char *input) {
        HostSlot *h = NULL;
        EntryEvidence ev;
        /* An entry that names no machine is taken to be this host's, as journalctl shows it. */
        bool local = !e->machine_id[0] || strcmp(e->machine_id, s->facts->machine_id) == 0;

        for (size_t i = 0; i < s->n && !h; i++) {
                HostSlot *c = &s->slots[i];
                if (local ? c->local : strcmp(c->machine_id, e->machine_id) == 0)
                        h = c;
        }
        if (!h && local) {
                if (!hostset_local(s))
                        return -ENOMEM;
                h = &s->slots[s->n - 1];
        }
        if (!h && !(h = slot_new(s, e->machine_id, e->fields.hostname, false)))
                return s->n >= ELEMENTSOF(s->slots) ? -E2BIG : -ENOMEM;
        if (!h->hostname[0] && e->fields.hostname.len)
                slot_set_hostname(h, e->fields.hostname);
        h->own = h->own || (e->machine_id[0] && h->local);
        if (entry_evidence(j, e, &ev) < 0)
                return 0;
        s->entries++;
        return analysis_feed_entry(h->a, input, s->entries, &e->fields, ev.text, ev.len, &ev.meta);
}

static int finish_slot(HostSet *s, HostSlot *h) {
        /* No line of the input comes after: the memo's pages (a megabyte once full) go back to the system
         * before the output is made. */
        analysis_set_line_memo(h->a, false);
        /* Another host's journal entries are judged by themselves: this host's facts are not theirs. */
        JudgeHost jh = {.facts = s->facts,
                        .domain = s->domain,
                        .pve = s->pve,
                        .own_input = s->own_input || h->own,
                        .other_machine_id = h->local ? NULL : h->machine_id};
        return judge_analysis(h->a, &jh);
}

const HostFacts *hostset_facts_of(const HostSet *s, const HostSlot *h, const HostFacts *unprobed) {
        return h->local && !analysis_stats(h->a).other_host ? s->facts : unprobed;
}

static void host_label(StrBuf *b, const HostSlot *h, bool markdown) {
        if (!h->hostname[0])
                strbuf_puts(b, "(no hostname)");
        else if (markdown)
                markdown_put_code(b, h->hostname, strlen(h->hostname), false);
        else
                escape_append(b, h->hostname, strlen(h->hostname));
        if (h->hostname[0] && !h->hostname_valid)
                strbuf_puts(b, " (not a valid host name)");
        if (h->machine_id[0])
                strbuf_printf(b, " (machine-id %s)", h->machine_id);
        if (h->local)
                strbuf_puts(b, h->machine_id[0] ? ", this host" : " this host");
}

/* The host of a cause in the list of every host's causes. */
static int put_host_of_cause(struct json_object *cause, void *userdata) {
        const HostSlot *h = userdata;
        json_object_object_add(cause, "host", h->hostname[0] ? json_text(h->hostname) : NULL);
        json_object_object_add(cause, "machine_id",
                               h->machine_id[0] ? json_object_new_string(h->machine_id) : NULL);
        return 0;
}

/* One document: every host's causes (each with its host), then each host's report. Written out a host at a
 * time, never whole: 64 hosts whose logs fill every bound make hundreds of megabytes of it. */
static int json_many(HostSet *s, const Options *o, const HostFacts *unprobed, StrBuf *out) {
        bool first = true;
        int r;

        strbuf_puts(out, "{\n  \"version\": 1,\n  \"causes\": [");
        for (size_t i = 0; i < s->n; i++) {
                HostSlot *h = &s->slots[i];
                OutputOptions oo = output_options(o, hostset_facts_of(s, h, unprobed));
                oo.flush = write_out_piece;
                if ((r = output_json_put_causes(h->a, &oo, 2, &first, put_host_of_cause, h, out)) < 0 ||
                    (r = write_out(out, VX_OUTPUT_PIECE_BYTES)) < 0)
                        return r;
        }
        strbuf_puts(out, "\n  ],\n  \"hosts\": [");
        for (size_t i = 0; i < s->n; i++) {
                HostSlot *h = &s->slots[i];
                OutputOptions oo = output_options(o, hostset_facts_of(s, h, unprobed));
                oo.flush = write_out_piece;
                strbuf_puts(out, i > 0 ? ",\n    {" : "\n    {");
                if ((r = output_json_put_report_members(h->a, &oo, 3, true, out)) < 0 ||
                    (r = output_json_put_member(out, 3, false, "hostname",
                                                h->hostname[0] ? json_text(h->hostname) : NULL)) < 0 ||
                    (r = output_json_put_member(out, 3, false, "machine_id",
                                                h->machine_id[0] ? json_object_new_string(h->machine_id)
                                                                 : NULL)) < 0 ||
                    (r = output_json_put_member(out, 3, false, "local", json_object_new_boolean(h->local))) <
                            0)
                        return r;
                strbuf_puts(out, "\n    }");
                if ((r = write_out(out, VX_OUTPUT_PIECE_BYTES)) < 0)
                        return r;
        }
        strbuf_puts(out, "\n  ]\n}\n");
        return write_out(out, 0);
}

static int text_many(HostSet *s, const Options *o, const HostFacts *unprobed, StrBuf *out) {
        int r;
        for (size_t i = 0; i < s->n; i++) {
                HostSlot *h = &s->slots[i];
                strbuf_puts(out, o->format == OUTPUT_MARKDOWN ? "## Host " : "== Host ");
                host_label(out, h, o->format == OUTPUT_MARKDOWN);
                strbuf_puts(out, o->format == OUTPUT_MARKDOWN ? "\n\n" : " ==\n");
                if ((r = render(o, h->a, hostset_facts_of(s, h, unprobed), out)) < 0)
                        return r;
                strbuf_putc(out, '\n');
                if ((r = write_out(out, 0)) < 0)
                        return r;
        }
        return 0;
}

static int report_many(HostSet *s, const Options *o) {
        _cleanup_(strbuf_done) StrBuf out = {0};
        HostFacts unprobed = {0};
        bool any = false;

        host_facts_init_unprobed(&unprobed);
        for (size_t i = 0; i < s->n; i++) {
                size_t n;
                analysis_findings(s->slots[i].a, &n);
                any = any || n > 0;
        }
        int r = o->format == OUTPUT_JSON ? json_many(s, o, &unprobed, &out)
                                         : text_many(s, o, &unprobed, &out);
        host_facts_done(&unprobed);
        if (output_result(r) < 0)
                return EXIT_INTERNAL;
        return any ? EXIT_CAUSE : EXIT_NO_CAUSE;
}

int hostset_report(HostSet *s, const Options *o) {
        if (s->n == 0 && !hostset_local(s)) {
                errorf("out of memory");
                return EXIT_INTERNAL;
        }
        for (size_t i = 0; i < s->n; i++)
                if (finish_slot(s, &s->slots[i]) < 0) {
                        errorf("out of memory");
                        return EXIT_INTERNAL;
                }
        if (o->bug_report)
                return bugreport_print(s, o);
        if (s->n == 1) {
                HostFacts unprobed = {0};
                host_facts_init_unprobed(&unprobed);
                int ret = report(o, s->slots[0].a, hostset_facts_of(s, &s->slots[0], &unprobed));
                host_facts_done(&unprobed);
                return ret;
        }
        return report_many(s, o);
}
