/* SPDX-License-Identifier: MIT */
/* The terminal rendering: one numbered block per root cause. */
#include <errno.h>
#include <string.h>

#include "classify.h"
#include "escape.h"
#include "output.h"

#define BOLD "\033[1m"
#define RED "\033[31m"
#define YELLOW "\033[33m"
#define DIM "\033[2m"
#define RESET "\033[0m"

static void put_styled(StrBuf *b, bool color, const char *style, const char *s) {
        if (color)
                strbuf_puts(b, style);
        strbuf_puts(b, s);
        if (color)
                strbuf_puts(b, RESET);
}

static void put_inputs(StrBuf *b, const Analysis *a, const OutputOptions *o) {
        /* Names of inputs are paths the user gave us, but they may hold anything: escape them. */
        const RuleSet *rs = analysis_rules(a);
        (void) rs;
        AnalysisStats st = output_stats(a, o);
        strbuf_printf(b, "%llu line%s read, %llu matched a rule", (unsigned long long) st.lines,
                      st.lines == 1 ? "" : "s", (unsigned long long) st.matched_lines);
}

int output_render_text_finding(const Analysis *a, const Finding *f, const OutputOptions *o, StrBuf *out) {
        const RuleSet *rs = analysis_rules(a);
        bool color = o->color;
        int r;

        const CauseDef *c = &rs->causes[f->cause];
        const char *conf = strength_to_string(f->confidence);

        strbuf_putc(out, '\n');
        strbuf_printf(out, "%u. ", f->rank);
        put_styled(out, color, BOLD, c->id);
        strbuf_puts(out, " [");
        put_styled(out, color, f->confidence == STRENGTH_CONFIRMED ? RED : YELLOW, conf);
        if (f->host_confirmed)
                strbuf_puts(out, " by the host");
        if (f->tied)
                strbuf_puts(out, ", tied");
        strbuf_puts(out, "] ");
        /* A rule file's words: checked when loaded, escaped here as everything that is written. */
        escape_append(out, c->title, strlen(c->title));
        strbuf_putc(out, '\n');
        if (f->device[0]) {
                strbuf_printf(out, "   device: %s", f->device);
                if (f->group[0])
                        strbuf_printf(out, " (IOMMU group %s)", f->group);
                strbuf_putc(out, '\n');
        }
        const char *vm;
        int pid;
        if (finding_vm(f, o->host, &vm, &pid)) {
                strbuf_puts(out, "   vm: ");
                if (vm)
                        escape_append(out, vm, strlen(vm));
                if (pid)
                        strbuf_printf(out, "%sQEMU pid %d%s", vm ? " (" : "", pid, vm ? ")" : "");
                strbuf_putc(out, '\n');
        }
        strbuf_puts(out, "   ");
        escape_append(out, c->means, strlen(c->means));
        strbuf_putc(out, '\n');

        char **ex;
        size_t n_ex;
        if ((r = finding_render_explanations(a, f, o->host, &ex, &n_ex)) < 0)
                return r;
        for (size_t k = 0; k < n_ex; k++) {
                strbuf_puts(out, "   - ");
                escape_append(out, ex[k], strlen(ex[k]));
                strbuf_putc(out, '\n');
        }
        strv_free_n(ex, n_ex);

        strbuf_puts(out, "   evidence:\n");
        for (size_t k = 0; k < f->n_evidence; k++) {
                const Evidence *e = &f->evidence[k];
                strbuf_puts(out, "     ");
                if (color)
                        strbuf_puts(out, DIM);
                escape_append(out, e->input, strlen(e->input));
                strbuf_printf(out, ":%lu [%s]", e->line, evidence_source_name(e));
                if (color)
                        strbuf_puts(out, RESET);
                strbuf_putc(out, ' ');
                escape_append(out, e->text, strlen(e->text));
                if (e->cut)
                        strbuf_puts(out, " [cut]");
                strbuf_putc(out, '\n');
                if (e->context) {
                        strbuf_puts(out, "       ");
                        if (color)
                                strbuf_puts(out, DIM);
                        strbuf_puts(out, "read through: ");
                        escape_append(out, e->context, strlen(e->context));
                        if (color)
                                strbuf_puts(out, RESET);
                        strbuf_putc(out, '\n');
                }
        }
        if (f->more_evidence)
                strbuf_printf(out, "     ... and %zu more matching line%s\n", f->more_evidence,
                              f->more_evidence == 1 ? "" : "s");

        RenderedFix *fixes;
        size_t n_fixes;
        if ((r = finding_render_fixes(a, f, o->host, o->guest_layer, &fixes, &n_fixes)) < 0)
                return r;
        if (n_fixes > 0)
                strbuf_puts(out, "   fix:\n");
        for (size_t k = 0; k < n_fixes; k++) {
                strbuf_puts(out, "     $ ");
                escape_append(out, fixes[k].command, strlen(fixes[k].command));
                strbuf_puts(out, "\n       ");
                put_styled(out, color, DIM, "# ");
                escape_append(out, fixes[k].why, strlen(fixes[k].why));
                strbuf_putc(out, '\n');
        }
        rendered_fixes_free(fixes, n_fixes);

        if (f->n_explains > 0) {
                strbuf_puts(out, "   explains:");
                for (size_t k = 0; k < f->n_explains; k++)
                        strbuf_printf(out, " %s", f->explains[k]);
                strbuf_putc(out, '\n');
        }
        return strbuf_failed(out) ? -ENOMEM : 0;
}

int output_render_text(const Analysis *a, const OutputOptions *o, StrBuf *out) {
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        int r;

        if (n == 0) {
                strbuf_puts(out, "vfioexplain: no passthrough failure cause found (");
                put_inputs(out, a, o);
                strbuf_puts(out, ").\n");
                output_put_notes(out, output_stats(a, o), "\nnote: ");
                return strbuf_failed(out) ? -ENOMEM : 0;
        }
        strbuf_printf(out, "vfioexplain: %zu root cause%s, most likely first (", n, n == 1 ? "" : "s");
        put_inputs(out, a, o);
        strbuf_puts(out, ")\n");

        for (size_t i = 0; i < n; i++) {
                if ((r = output_render_text_finding(a, fs[i], o, out)) < 0)
                        return r;
        }
        output_put_ruled_out(a, out, "\nruled out: ");
        output_put_notes(out, output_stats(a, o), "\nnote: ");
        return strbuf_failed(out) ? -ENOMEM : 0;
}
