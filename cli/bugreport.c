/* SPDX-License-Identifier: MIT */
/* vfioexplain report: one document for a bug ticket. The host summary, the devices in question, the
 * ranked findings, and the details a maintainer would otherwise ask for (the groups, the evidence, the
 * host snapshot to replay), optionally redacted for sharing. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "bugreport.h"
#include "classify.h"
#include "escape.h"
#include "redact.h"
#include "snapshot.h"
#include "strparse.h"
#include "vfioexplain/line.h"

typedef struct Summary {
        const char *key;
        char value[4200];
} Summary;

static const char *known_or(Known k, const char *present, const char *absent) {
        return k == KNOWN_PRESENT ? present : k == KNOWN_ABSENT ? absent : "not probed";
}

static const char *module_state(const ModuleState *m) {
        return m->state == KNOWN_PRESENT ? (m->builtin ? "built in" : "loaded")
                                         : known_or(m->state, "", "not loaded");
}

static const char *cpu_vendor_name(CpuVendor v) {
        return v == CPU_VENDOR_INTEL    ? "Intel"
                : v == CPU_VENDOR_AMD   ? "AMD"
                : v == CPU_VENDOR_OTHER ? "other vendor"
                                        : "?";
}

/* The host summary as key/value rows: what every passthrough bug report is asked for first. */
static size_t host_summary(const HostFacts *f, Summary *rows) {
        size_t n = 0;
#define ROW(k, ...) (rows[n].key = (k), snprintf(rows[n].value, sizeof(rows[n].value), __VA_ARGS__), n++)
        if (!f->root) {
                ROW("Host", "not probed (--no-probe): the logs alone were judged");
                return n;
        }
        ROW("Distribution", "%s", f->os_pretty[0] ? f->os_pretty : known_or(f->os_release, "?", "unknown"));
        ROW("Kernel", "%s", f->kernel_release[0] ? f->kernel_release : "unknown");
        if (f->cpu == KNOWN_PRESENT)
                ROW("CPU", "%s%s%s; virtualization %s", cpu_vendor_name(f->cpu_vendor),
                    f->cpu_model[0] ? ", " : "", f->cpu_model,
                    f->cpu_vmx           ? "VT-x (vmx) shown"
                            : f->cpu_svm ? "AMD-V (svm) shown"
                                         : "flag not shown (off in the firmware, or a VM without nesting)");
        else
                ROW("CPU", "not probed");
        ROW("Firmware IOMMU table", "%s",
            f->acpi_dmar == KNOWN_PRESENT           ? "DMAR (Intel VT-d)"
                    : f->acpi_ivrs == KNOWN_PRESENT ? "IVRS (AMD-Vi)"
                    : f->acpi_dmar == KNOWN_ABSENT && f->acpi_ivrs == KNOWN_ABSENT
                    ? "none (VT-d / AMD-Vi off in the firmware, or not supported)"
                    : "not probed");
        ROW("IOMMU in use", "%s",
            f->iommu_class == KNOWN_PRESENT ? "yes" : known_or(f->iommu_class, "", "no"));
        if (f->iommu_class == KNOWN_PRESENT)
                snprintf(rows[n - 1].value, sizeof(rows[n - 1].value), "yes, %zu unit%s", f->n_iommus,
                         f->n_iommus == 1 ? "" : "s");
        ROW("Interrupt remapping", "%s", known_or(f->irq_remapping, "enabled", "disabled"));
        ROW("Kernel command line", "%s", f->cmdline == KNOWN_PRESENT ? f->cmdline_text : "not probed");
        ROW("Modules", "vfio %s, vfio_iommu_type1 %s, vfio_pci %s, kvm %s",
            module_state(&f->modules[MODULE_VFIO]), module_state(&f->modules[MODULE_VFIO_IOMMU_TYPE1]),
            module_state(&f->modules[MODULE_VFIO_PCI]), module_state(&f->modules[MODULE_KVM]));
        char unread[128];
        if (f->packages_error == -EFBIG)
                snprintf(unread, sizeof(unread),
                         "unknown (the dpkg database is larger than %u MiB: not read)",
                         VX_DPKG_STATUS_MAX >> 20);
        else
                snprintf(unread, sizeof(unread), "unknown (the dpkg database not read: %s)",
                         file_strerror(f->packages_error));
        const char *pk = f->packages == KNOWN_PRESENT ? "not installed"
                : f->packages == KNOWN_ABSENT         ? "unknown (no dpkg database)"
                : f->packages_error < 0               ? unread
                                                      : "not probed";
        ROW("QEMU", "%s", f->qemu_version[0] ? f->qemu_version : pk);
        ROW("libvirt", "%s", f->libvirt_version[0] ? f->libvirt_version : pk);
        ROW("Host name", "%s%s", f->hostname[0] ? f->hostname : "unknown",
            f->hostname[0] && !hostname_is_valid(f->hostname, strlen(f->hostname))
                    ? " (not a valid host name)"
                    : "");
#undef ROW
        return n;
}

static bool group_viable(const HostFacts *f, unsigned group) {
        for (size_t i = 0; i < f->n_devices; i++)
                if (f->devices[i].group == KNOWN_PRESENT && f->devices[i].group_id == group &&
                    pci_device_blocks_group(&f->devices[i]))
                        return false;
        return true;
}

/* The devices in question: those the logs name; with none, those bound or steered to vfio-pci. */
static size_t devices_in_question(const HostSet *s, const HostFacts *f, const PciDevice **out, size_t max) {
        size_t n = 0;
        PciAddress seen[64];
        for (size_t h = 0; h < s->n; h++) {
                if (hostset_facts_of(s, &s->slots[h], NULL) != f)
                        continue;
                size_t k = analysis_devices(s->slots[h].a, seen, ELEMENTSOF(seen));
                for (size_t i = 0; i < k && n < max; i++) {
                        const PciDevice *d = host_find_device(f, seen[i]);
                        if (d)
                                out[n++] = d;
                }
        }
        for (size_t i = 0; n == 0 && i < f->n_devices && n < max; i++) {
                const PciDevice *d = &f->devices[i];
                if ((d->driver == KNOWN_PRESENT && strcmp(d->driver_name, "vfio-pci") == 0) ||
                    strcmp(d->driver_override, "vfio-pci") == 0)
                        out[n++] = d;
        }
        return n;
}

/* A Markdown table cell: code, so nothing in it is markup, and no '|' that would end the cell. */
static void put_cell(StrBuf *b, const char *s) {
        markdown_put_code(b, s, strlen(s), true);
}

/* A fenced block whose fence no line of the text can close. */
static void put_block(StrBuf *b, const char *info, const char *text, size_t len) {
        size_t fence = MAX((size_t) 3, escape_longest_backtick_run(text, len) + 1);
        for (size_t q = 0; q < fence; q++)
                strbuf_putc(b, '`');
        strbuf_printf(b, "%s\n", info);
        strbuf_append(b, text, len);
        if (len > 0 && text[len - 1] != '\n')
                strbuf_putc(b, '\n');
        for (size_t q = 0; q < fence; q++)
                strbuf_putc(b, '`');
        strbuf_putc(b, '\n');
}

/* The heading of a host's findings, as Markdown: its name quoted, and said not to be one when it breaks
 * RFC 1123 (a journal's _HOSTNAME is what the sending machine wrote). */
static const char *host_title(const HostSlot *h, StrBuf *buf) {
        if (!h->hostname[0] && h->local)
                return "Findings";
        strbuf_puts(buf, "Findings: host ");
        if (h->hostname[0]) {
                markdown_put_code(buf, h->hostname, strlen(h->hostname), false);
                if (!h->hostname_valid)
                        strbuf_puts(buf, " (not a valid host name)");
        } else
                strbuf_puts(buf, "(no hostname)");
        if (h->local)
                strbuf_puts(buf, " (this host)");
        return strbuf_str(buf);
}

static void put_evidence(StrBuf *b, const Analysis *a) {
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < fs[i]->n_evidence; k++) {
                        const Evidence *e = &fs[i]->evidence[k];
                        escape_append(b, e->input, strlen(e->input));
                        strbuf_printf(b, ":%lu [%s] ", e->line, source_to_string(e->source));
                        escape_append(b, e->text, strlen(e->text));
                        strbuf_putc(b, '\n');
                }
}

static size_t evidence_count(const HostSet *s) {
        size_t total = 0, n;
        for (size_t h = 0; h < s->n; h++) {
                const Finding *const *fs = analysis_findings(s->slots[h].a, &n);
                for (size_t i = 0; i < n; i++)
                        total += fs[i]->n_evidence;
        }
        return total;
}

static int markdown(const HostSet *s, const Options *o, const char *when, StrBuf *b) {
        const HostFacts *f = s->facts;
        Summary rows[16];
        size_t n = host_summary(f, rows);
        int r;

        strbuf_printf(b, "# vfioexplain report\n\nMade by vfioexplain %s on %s.\n", VX_VERSION, when);
        strbuf_puts(b, "\n## Host\n\n| | |\n|---|---|\n");
        for (size_t i = 0; i < n; i++) {
                strbuf_printf(b, "| %s | ", rows[i].key);
                put_cell(b, rows[i].value);
                strbuf_puts(b, " |\n");
        }

        const PciDevice *devs[64];
        size_t nd = f->root ? devices_in_question(s, f, devs, ELEMENTSOF(devs)) : 0;
        if (nd > 0) {
                strbuf_puts(b,
                            "\n## Devices\n\n| Address | Ids | Device | Driver | IOMMU group |\n"
                            "|---|---|---|---|---|\n");
                for (size_t i = 0; i < nd; i++) {
                        const PciDevice *d = devs[i];
                        char ids[32], group[64];
                        snprintf(ids, sizeof(ids), "%04x:%04x", d->vendor, d->device);
                        if (d->group == KNOWN_PRESENT)
                                snprintf(group, sizeof(group), "%u (%s)", d->group_id,
                                         group_viable(f, d->group_id) ? "viable" : "not viable");
                        else
                                snprintf(group, sizeof(group), "none");
                        strbuf_puts(b, "| ");
                        put_cell(b, d->address);
                        strbuf_puts(b, " | ");
                        put_cell(b, ids);
                        strbuf_puts(b, " | ");
                        put_cell(b, d->name[0] ? d->name : "?");
                        strbuf_puts(b, " | ");
                        put_cell(b, d->driver == KNOWN_PRESENT ? d->driver_name : "none");
                        strbuf_puts(b, " | ");
                        put_cell(b, group);
                        strbuf_puts(b, " |\n");
                }
        }

        for (size_t h = 0; h < s->n; h++) {
                _cleanup_(strbuf_done) StrBuf title = {0};
                HostFacts unprobed = {0};
                host_facts_init_unprobed(&unprobed);
                OutputOptions oo = output_options(o, hostset_facts_of(s, &s->slots[h], &unprobed));
                oo.format = OUTPUT_MARKDOWN;
                oo.color = false;
                oo.title = host_title(&s->slots[h], &title);
                strbuf_putc(b, '\n');
                r = output_render_markdown(s->slots[h].a, &oo, b);
                host_facts_done(&unprobed);
                if (r < 0)
                        return r;
        }

        strbuf_puts(b, "\n## Details\n");
        if (f->root) {
                _cleanup_(strbuf_done) StrBuf groups = {0};
                if ((r = groups_render(f, false, 0, NULL, &groups)) < 0)
                        return r;
                strbuf_puts(b, "\n<details><summary>IOMMU groups</summary>\n\n");
                put_block(b, "text", strbuf_str(&groups), groups.len);
                strbuf_puts(b, "\n</details>\n");
        }
        _cleanup_(strbuf_done) StrBuf ev = {0};
        for (size_t h = 0; h < s->n; h++)
                put_evidence(&ev, s->slots[h].a);
        strbuf_printf(b, "\n<details><summary>Evidence (%zu lines)</summary>\n\n", evidence_count(s));
        put_block(b, "text", strbuf_str(&ev), ev.len);
        strbuf_puts(b, "\n</details>\n");

        if (f->root) {
                /* Written no further than it can be embedded: a host of 4096 devices has 5 MB of it. */
                _cleanup_(strbuf_done) StrBuf js = {0};
                r = facts_put_json(f, 0, VX_REPORT_SNAPSHOT_EMBED_MAX, NULL, &js);
                if (r < 0 && r != -EFBIG)
                        return r;
                if (r == 0) {
                        strbuf_putc(&js, '\n');
                        strbuf_puts(
                                b,
                                "\n<details><summary>Host snapshot (save as host.json, replay with <code>vfioexplain --snapshot host.json</code>)</summary>\n\n");
                        put_block(b, "json", strbuf_str(&js), js.len);
                        strbuf_puts(b, "\n</details>\n");
                } else
                        strbuf_printf(
                                b,
                                "\nThe host snapshot (more than %u KB) is too large to embed here: `vfioexplain snapshot %s-o host.json` writes it; attach that file.\n",
                                VX_REPORT_SNAPSHOT_EMBED_MAX / 1024, o->redact ? "--redact " : "");
        }
        return strbuf_failed(b) ? -ENOMEM : 0;
}

/* The JSON document, left open inside its last member, "report", so that a redacted copy can add what it
 * redacted there (json_document_close()). Written a member at a time, as explain's JSON is: the tree of
 * every cause at once took 6 MB more than the causes' text on a log that fills every bound. flush (not
 * NULL) writes out each piece as it is made: the facts and groups of a host of 4096 devices are 8 MB. */
static int json_document(const HostSet *s, const Options *o, const char *when, output_flush_fn flush,
                         StrBuf *out) {
        const HostFacts *f = s->facts;
        HostSlot *local = NULL;
        int r;

        for (size_t h = 0; h < s->n; h++)
                if (s->slots[h].local)
                        local = (HostSlot *) &s->slots[h];
        if (local) {
                HostFacts unprobed = {0};
                host_facts_init_unprobed(&unprobed);
                OutputOptions oo = output_options(o, hostset_facts_of(s, local, &unprobed));
                oo.flush = flush;
                r = output_render_json_open(local->a, &oo, out);
                host_facts_done(&unprobed);
                if (r < 0)
                        return r;
        }
        if (!local)
                strbuf_putc(out, '{');
        strbuf_puts(out, local ? ",\n  \"report\": {" : "\n  \"report\": {");

        Summary rows[16];
        size_t n = host_summary(f, rows);
        struct json_object *host = json_object_new_object();
        for (size_t i = 0; i < n; i++)
                json_object_object_add(host, rows[i].key, json_text(rows[i].value));
        struct json_object *jd = json_object_new_array();
        const PciDevice *devs[64];
        size_t nd = f->root ? devices_in_question(s, f, devs, ELEMENTSOF(devs)) : 0;
        for (size_t i = 0; i < nd; i++)
                json_object_array_add(jd, json_object_new_string(devs[i]->address));
        if ((r = output_json_put_member(out, 2, true, "made", json_object_new_string(when))) < 0 ||
            (r = output_json_put_member(out, 2, false, "vfioexplain", json_object_new_string(VX_VERSION))) <
                    0 ||
            (r = output_json_put_member(out, 2, false, "host", host)) < 0 ||
            (r = output_json_put_member(out, 2, false, "devices", jd)) < 0)
                return r;
        if (!f->root)
                return output_json_put_member(out, 2, false, "groups", NULL);
        strbuf_puts(out, ",\n    \"groups\": ");
        return groups_render(f, true, 2, flush, out);
}

static int json_document_close(StrBuf *out) {
        strbuf_puts(out, "\n  }\n}\n");
        return strbuf_failed(out) ? -ENOMEM : 0;
}

int redactor_for_host(const HostFacts *f, Redactor **ret) {
        _cleanup_(redactor_freep) Redactor *r = NULL;
        int k = redactor_new(&r);
        if (k < 0)
                return k;
        k = redactor_add(r, REDACT_HOST, f->hostname, strlen(f->hostname));
        for (size_t i = 0; k >= 0 && i < f->n_users; i++)
                k = redactor_add(r, REDACT_USER, f->users[i], strlen(f->users[i]));
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

/* Everything that names this host or its people: the probed names, and the host names its logs show. What
 * the document itself shows (redactor_learn()) is learnt from it by the caller. */
static int redactor_for(const HostSet *s, Redactor **ret) {
        _cleanup_(redactor_freep) Redactor *r = NULL;
        LineClassifier *c = NULL;
        int k = redactor_for_host(s->facts, &r);
        if (k < 0)
                return k;
        for (size_t h = 0; k >= 0 && h < s->n; h++)
                k = redactor_add(r, REDACT_HOST, s->slots[h].hostname, strlen(s->slots[h].hostname));
        /* those the lines name, which the note on another machine's input shows */
        for (size_t h = 0; k >= 0 && h < s->n; h++) {
                const char *name;
                for (size_t i = 0; k >= 0 && (name = analysis_input_hostname(s->slots[h].a, i)); i++)
                        k = redactor_add(r, REDACT_HOST, name, strlen(name));
        }
        if (k >= 0)
                k = line_classifier_new(&c);
        for (size_t h = 0; k >= 0 && h < s->n; h++) {
                size_t n;
                const Finding *const *fs = analysis_findings(s->slots[h].a, &n);
                for (size_t i = 0; k >= 0 && i < n; i++)
                        for (size_t e = 0; k >= 0 && e < fs[i]->n_evidence; e++) {
                                Line l;
                                line_classify(c, fs[i]->evidence[e].text, strlen(fs[i]->evidence[e].text),
                                              &l);
                                k = redactor_add(r, REDACT_HOST, l.host.p, l.host.len);
                        }
        }
        line_classifier_free(c);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

static const char *const redacted_what[_REDACT_KIND_MAX] = {
        [REDACT_HOST] = "host name",       [REDACT_USER] = "user name", [REDACT_MAC] = "MAC address",
        [REDACT_SERIAL] = "serial number", [REDACT_UUID] = "UUID",      [REDACT_ID] = "machine or boot id",
};

/* What was redacted, by kind and count (never the values): a quoted paragraph under the title. */
static void put_redaction_note(StrBuf *b, const Redactor *r) {
        const char *sep = " ";
        strbuf_puts(b, "\n> Redacted for sharing:");
        for (RedactKind k = 0; k < _REDACT_KIND_MAX; k++) {
                size_t c = redactor_count(r, k);
                if (c == 0)
                        continue;
                strbuf_printf(b, "%s%zu %s%s", sep, c, redacted_what[k], c == 1 ? "" : "s");
                sep = ", ";
        }
        if (strcmp(sep, " ") == 0)
                strbuf_puts(b, " nothing to redact was found.\n");
        else
                strbuf_puts(
                        b,
                        ". Each is replaced by a token such as `[redacted-host-1]`; the same value has the same token throughout.\n");
}

/* Redacts text a piece at a time, each cut just after a newline, where redactor_apply() redacts as it would
 * the whole, and writes each piece out unless only the counts are wanted: the redacted copy of a document
 * that fills every bound is never all in memory. */
static int redact_pieces(Redactor *red, const char *text, size_t len, bool write) {
        _cleanup_(strbuf_done) StrBuf piece = {0};
        int r;
        while (len > 0) {
                size_t n = MIN(len, (size_t) VX_OUTPUT_PIECE_BYTES);
                if (n < len) {
                        const char *cut = memrchr(text, '\n', n);
                        if (!cut)
                                cut = memchr(text + n, '\n', len - n);
                        n = cut ? (size_t) (cut - text) + 1 : len;
                }
                if ((r = redactor_apply(red, text, n, &piece)) < 0)
                        return r;
                if (!write)
                        strbuf_reset(&piece);
                else if ((r = write_out(&piece, 0)) < 0)
                        return r;
                text += n;
                len -= n;
        }
        return 0;
}

/* The JSON document redacted, made three times (the same each time) and never whole: its pieces learnt from,
 * then counted, then written redacted (a host of 4096 devices made 20 MB of it whole). As in
 * write_redacted_document(), nothing is written before every value has been found and counted. */
typedef enum RedactPass {
        REDACT_PASS_LEARN,
        REDACT_PASS_COUNT,
        REDACT_PASS_WRITE,
        _REDACT_PASS_MAX,
} RedactPass;

typedef struct RedactStream {
        StrBuf pending; /* first: redact_stream_flush() is handed &pending and finds the rest from it */
        Redactor *red;
        RedactPass pass;
} RedactStream;

static int redact_step(RedactStream *rs, const char *text, size_t len) {
        return rs->pass == REDACT_PASS_LEARN
                ? redactor_learn(rs->red, text, len)
                : redact_pieces(rs->red, text, len, rs->pass == REDACT_PASS_WRITE);
}

/* OutputOptions.flush: what is pending up to its last newline, where a value always ends, as redact_pieces()
 * cuts. */
static int redact_stream_flush(StrBuf *out) {
        RedactStream *rs = (RedactStream *) out;
        const char *text = strbuf_str(out), *nl;
        int r;

        if (strbuf_failed(out))
                return -ENOMEM;
        if (out->len < VX_OUTPUT_PIECE_BYTES || !(nl = memrchr(text, '\n', out->len)))
                return 0;
        size_t n = (size_t) (nl - text) + 1;
        if ((r = redact_step(rs, text, n)) < 0)
                return r;
        _cleanup_(strbuf_done) StrBuf rest = {0};
        strbuf_append(&rest, text + n, out->len - n);
        strbuf_reset(out);
        strbuf_append(out, strbuf_str(&rest), rest.len);
        return strbuf_failed(&rest) || strbuf_failed(out) ? -ENOMEM : 0;
}

static int write_redacted_json(const HostSet *s, const Options *o, const char *when) {
        _cleanup_(redactor_freep) Redactor *red = NULL;
        _cleanup_(strbuf_done) StrBuf note = {0};
        int r;
        if ((r = redactor_for(s, &red)) < 0)
                return r;
        for (RedactPass pass = 0; pass < _REDACT_PASS_MAX; pass++) {
                RedactStream rs = {.red = red, .pass = pass};
                r = json_document(s, o, when, redact_stream_flush, &rs.pending);
                if (r >= 0)
                        r = strbuf_failed(&rs.pending)
                                ? -ENOMEM
                                : redact_step(&rs, strbuf_str(&rs.pending), rs.pending.len);
                strbuf_done(&rs.pending);
                if (r < 0)
                        return r;
        }
        /* Tokens hold no quote or backslash: the redacted text is still the same JSON, and the counts (never
         * the values) go in the report object it leaves open. */
        struct json_object *counts = json_object_new_object();
        if (!counts)
                return -ENOMEM;
        for (RedactKind k = 0; k < _REDACT_KIND_MAX; k++)
                json_object_object_add(counts, redact_kind_to_string(k),
                                       json_object_new_int64((int64_t) redactor_count(red, k)));
        if ((r = output_json_put_member(&note, 2, false, "redacted", counts)) < 0 ||
            (r = json_document_close(&note)) < 0)
                return r;
        return write_out(&note, 0);
}

/* Writes the Markdown document with every secret replaced, and a note of what was under the title. */
static int write_redacted_document(const HostSet *s, const StrBuf *doc) {
        _cleanup_(redactor_freep) Redactor *red = NULL;
        _cleanup_(strbuf_done) StrBuf note = {0};
        const char *text = strbuf_str(doc);
        int r;
        if ((r = redactor_for(s, &red)) < 0 || (r = redactor_learn(red, text, doc->len)) < 0)
                return r;
        /* A first pass only counts, and finds every value: past VX_REDACT_VALUES_MAX of them nothing is
         * written (once half a document was, then "out of memory"). The second gives each value the token
         * the first did, and finds nothing the first did not. */
        if ((r = redact_pieces(red, text, doc->len, false)) < 0)
                return r;
        /* The note comes first and counts the whole document, as the first pass did. */
        const char *host = strstr(text, "\n## Host");
        size_t head = host ? (size_t) (host - text) : doc->len;
        put_redaction_note(&note, red);
        if ((r = redact_pieces(red, text, head, true)) < 0 || (r = write_out(&note, 0)) < 0)
                return r;
        return redact_pieces(red, text + head, doc->len - head, true);
}

int bugreport_print(const HostSet *s, const Options *o) {
        _cleanup_(strbuf_done) StrBuf doc = {0};
        char when[64];
        time_t t = time(NULL);
        struct tm tm;
        int r;

        /* Reproducible documents (and golden tests) the way reproducible builds do it. */
        const char *epoch = getenv("SOURCE_DATE_EPOCH");
        uint64_t v;
        Span sp = span_from_str(epoch ? epoch : "");
        if (epoch && span_eat_digits(&sp, 1, 12, &v) && sp.len == 0)
                t = (time_t) v;

        if (!gmtime_r(&t, &tm) || strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
                snprintf(when, sizeof(when), "an unknown date");
        if (o->format == OUTPUT_JSON && o->redact)
                r = write_redacted_json(s, o, when);
        else if (o->format == OUTPUT_JSON) {
                r = json_document(s, o, when, write_out_piece, &doc);
                if (r >= 0)
                        r = json_document_close(&doc);
        } else
                r = markdown(s, o, when, &doc);
        if (o->redact && o->format != OUTPUT_JSON && r >= 0)
                r = write_redacted_document(s, &doc);
        if (!o->redact) {
                if (r >= 0)
                        r = write_out(&doc, 0);
                if (output_result(r) < 0)
                        return EXIT_INTERNAL;
        } else if (r == -E2BIG) {
                errorf("report --redact: more than %u distinct values to redact; nothing written",
                       VX_REDACT_VALUES_MAX);
                return EXIT_USAGE;
        } else if (output_result(r) < 0)
                return EXIT_INTERNAL;
        size_t n, any = 0;
        for (size_t h = 0; h < s->n; h++) {
                analysis_findings(s->slots[h].a, &n);
                any += n;
        }
        return any ? EXIT_CAUSE : EXIT_NO_CAUSE;
}
