/* SPDX-License-Identifier: MIT */
/* Findings kept apart per host, and reported per host when there is more than one. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "bugreport.h"
#include "hosts.h"
#include "vfioexplain/escape.h"
#include "vfioexplain/probe_lines.h"
#include "vfioexplain/rom_probe.h"

int hostset_init(HostSet *s, const RuleSet *rs, const HostFacts *facts) {
        *s = (HostSet){.rs = rs, .facts = facts};
        return 0;
}

void hostset_done(HostSet *s) {
        for (size_t i = 0; i < s->n; i++)
                analysis_free(s->slots[i].a);
        s->n = 0;
}

static HostSlot *slot_new(HostSet *s, const char *machine_id, Span hostname, bool local) {
        if (s->n >= ELEMENTSOF(s->slots))
                return NULL;
        HostSlot *h = &s->slots[s->n];
        *h = (HostSlot){.local = local};
        if (analysis_new(s->rs, &h->a) < 0)
                return NULL;
        snprintf(h->machine_id, sizeof(h->machine_id), "%s", machine_id);
        size_t n = MIN(hostname.len, sizeof(h->hostname) - 1);
        memcpy(h->hostname, hostname.p, n);
        h->hostname[n] = 0;
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
        if (!h->hostname[0] && e->fields.hostname.len) {
                size_t n = MIN(e->fields.hostname.len, sizeof(h->hostname) - 1);
                memcpy(h->hostname, e->fields.hostname.p, n);
                h->hostname[n] = 0;
        }
        if (entry_evidence(j, e, &ev) < 0)
                return 0;
        s->entries++;
        return analysis_feed_entry(h->a, input, s->entries, &e->fields, ev.text, ev.len, &ev.meta);
}

typedef struct DomainProbe {
        Analysis *a;
        const DomainConfig *dc;
        const HostFacts *host;
} DomainProbe;

static int feed_domain_probe_line(const char *line, size_t len, void *userdata) {
        DomainProbe *p = userdata;
        /* A managed hostdev's group members that are the domain's own hostdevs block nothing: libvirt
         * detaches them all before QEMU starts. */
        if (domain_explains_probe_line(p->dc, p->host, line, len))
                return 0;
        return analysis_feed_probe(p->a, line, len);
}

static int feed_line_probe(const char *line, size_t len, void *userdata) {
        return analysis_feed_probe(userdata, line, len);
}

/* The devices the logs name and the domain's hostdevs, then what the domain's XML says against the host. */
static int probe_domain(HostSet *s, Analysis *a) {
        char devices[VX_FINDINGS_MAX][16];
        size_t n = analysis_devices(a, devices, ELEMENTSOF(devices));
        char hostdevs[VX_FINDINGS_MAX][16];
        size_t m = domain_hostdev_addresses(s->domain, hostdevs, ELEMENTSOF(hostdevs));
        for (size_t i = 0; i < m && n < ELEMENTSOF(devices); i++) {
                bool dup = false;
                for (size_t k = 0; k < n && !dup; k++)
                        dup = strcmp(devices[k], hostdevs[i]) == 0;
                if (!dup)
                        memcpy(devices[n++], hostdevs[i], 16);
        }
        DomainProbe p = {.a = a, .dc = s->domain, .host = s->facts};
        int r = probe_lines(s->facts, devices, n, feed_domain_probe_line, &p);
        if (r < 0)
                return r;
        return domain_probe_lines(s->domain, s->facts, feed_line_probe, a);
}

/* The romfile= files the logs name, read under the root; those of the domain's own <rom file=> are
 * judged with the domain already. */
static int probe_romfiles(HostSet *s, Analysis *a) {
        RomfileRefs refs = *analysis_romfiles(a);
        size_t n = 0;
        for (size_t i = 0; i < refs.n; i++) {
                bool in_domain = false;
                for (size_t k = 0; s->domain && k < s->domain->n_hostdevs && !in_domain; k++) {
                        const DomainHostdev *hd = &s->domain->hostdevs[k];
                        in_domain = hd->rom_file && strcmp(hd->address, refs.refs[i].address) == 0 &&
                                strcmp(hd->rom_file, refs.refs[i].path) == 0;
                }
                if (!in_domain)
                        refs.refs[n++] = refs.refs[i];
        }
        refs.n = n;
        int r = rom_probe_lines(s->facts, &refs, feed_line_probe, a);
        if (r < 0)
                return r;
        return vga_probe_lines(s->facts, &refs, feed_line_probe, a);
}

static int finish_slot(HostSet *s, const Options *o, HostSlot *h) {
        /* No line of the input comes after: the memo's pages (a megabyte once full) go back to the system
         * before the output is made. */
        analysis_set_line_memo(h->a, false);
        if (h->local && !o->no_probe) {
                int r = s->domain ? probe_domain(s, h->a) : feed_probes(h->a, s->facts, NULL, 0);
                if (r >= 0)
                        r = probe_romfiles(s, h->a);
                if (r < 0)
                        return -ENOMEM;
        }
        return analysis_finish(h->a);
}

static void host_label(StrBuf *b, const HostSlot *h) {
        const char *name = h->hostname[0] ? h->hostname : "(no hostname)";
        escape_append(b, name, strlen(name));
        if (h->machine_id[0])
                strbuf_printf(b, " (machine-id %s)", h->machine_id);
        if (h->local)
                strbuf_puts(b, h->machine_id[0] ? ", this host" : " this host");
}

static int report_many(HostSet *s, const Options *o) {
        HostFacts unprobed = {0};
        StrBuf out = {0};
        bool any = false;
        int r = 0;
        struct json_object *root = NULL, *hosts = NULL, *all = NULL;

        host_facts_init_unprobed(&unprobed);
        if (o->format == OUTPUT_JSON) {
                root = json_object_new_object();
                hosts = json_object_new_array();
                all = json_object_new_array();
                json_object_object_add(root, "version", json_object_new_int(1));
                json_object_object_add(root, "causes", all);
                json_object_object_add(root, "hosts", hosts);
        }
        for (size_t i = 0; i < s->n && r >= 0; i++) {
                HostSlot *h = &s->slots[i];
                const HostFacts *facts = h->local ? s->facts : &unprobed;
                size_t n;
                analysis_findings(h->a, &n);
                any = any || n > 0;
                if (o->format != OUTPUT_JSON) {
                        strbuf_puts(&out, o->format == OUTPUT_MARKDOWN ? "## Host " : "== Host ");
                        host_label(&out, h);
                        strbuf_puts(&out, o->format == OUTPUT_MARKDOWN ? "\n\n" : " ==\n");
                        r = render(o, h->a, facts, &out);
                        strbuf_putc(&out, '\n');
                        continue;
                }
                OutputOptions oo = output_options(o, facts);
                struct json_object *jh = output_json_report(h->a, &oo);
                if (!jh) {
                        r = -ENOMEM;
                        break;
                }
                json_object_object_del(jh, "version");
                json_object_object_add(jh, "hostname", h->hostname[0] ? json_text(h->hostname) : NULL);
                json_object_object_add(jh, "machine_id",
                                       h->machine_id[0] ? json_object_new_string(h->machine_id) : NULL);
                json_object_object_add(jh, "local", json_object_new_boolean(h->local));
                struct json_object *causes;
                if (json_object_object_get_ex(jh, "causes", &causes))
                        for (size_t k = 0; k < json_object_array_length(causes); k++) {
                                struct json_object *c = json_object_array_get_idx(causes, k);
                                struct json_object *copy = NULL;
                                json_object_deep_copy(c, &copy, NULL);
                                if (!copy)
                                        continue;
                                json_object_object_add(copy, "host",
                                                       h->hostname[0] ? json_text(h->hostname) : NULL);
                                json_object_object_add(
                                        copy, "machine_id",
                                        h->machine_id[0] ? json_object_new_string(h->machine_id) : NULL);
                                json_object_array_add(all, copy);
                        }
                json_object_array_add(hosts, jh);
        }
        if (root && r >= 0)
                r = output_put_json(&out, root, true);
        json_object_put(root);
        host_facts_done(&unprobed);
        if (r < 0) {
                strbuf_done(&out);
                errorf("out of memory");
                return EXIT_INTERNAL;
        }
        if (print_output(&out) < 0)
                return EXIT_INTERNAL;
        return any ? EXIT_CAUSE : EXIT_NO_CAUSE;
}

int hostset_report(HostSet *s, const Options *o) {
        if (s->n == 0 && !hostset_local(s)) {
                errorf("out of memory");
                return EXIT_INTERNAL;
        }
        for (size_t i = 0; i < s->n; i++)
                if (finish_slot(s, o, &s->slots[i]) < 0) {
                        errorf("out of memory");
                        return EXIT_INTERNAL;
                }
        if (o->bug_report)
                return bugreport_print(s, o);
        if (s->n == 1) {
                HostFacts unprobed = {0};
                host_facts_init_unprobed(&unprobed);
                int ret = report(o, s->slots[0].a, s->slots[0].local ? s->facts : &unprobed);
                host_facts_done(&unprobed);
                return ret;
        }
        return report_many(s, o);
}
