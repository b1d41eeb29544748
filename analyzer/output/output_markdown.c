/* SPDX-License-Identifier: MIT */
/* The Markdown rendering, for a bug ticket: log text only ever inside fences longer than any
 * backtick run it holds, so no log line can break out of its block. */
#include <errno.h>
#include <string.h>

#include "classify.h"
#include "escape.h"
#include "output.h"

static void fence(StrBuf *b, size_t len, const char *info) {
        for (size_t i = 0; i < len; i++)
                strbuf_putc(b, '`');
        strbuf_puts(b, info);
        strbuf_putc(b, '\n');
}

void markdown_put_code(StrBuf *out, const char *s, size_t len, bool table_cell) {
        _cleanup_(strbuf_done) StrBuf esc = {0};
        escape_append(&esc, s, len);
        size_t run = escape_longest_backtick_run(strbuf_str(&esc), esc.len);
        /* The spaces inside the delimiters are dropped by the renderer, and let the text start or end with a
         * backtick. */
        for (size_t q = 0; q <= run; q++)
                strbuf_putc(out, '`');
        strbuf_putc(out, ' ');
        for (const char *p = strbuf_str(&esc); *p; p++)
                if (*p == '|' && table_cell)
                        strbuf_puts(out, "\\|");
                else
                        strbuf_putc(out, *p);
        strbuf_putc(out, ' ');
        for (size_t q = 0; q <= run; q++)
                strbuf_putc(out, '`');
}

void markdown_put_text(StrBuf *out, const char *s, size_t len) {
        _cleanup_(strbuf_done) StrBuf esc = {0};
        escape_append(&esc, s, len);
        const char *text = strbuf_str(&esc);
        for (const char *p = text; *p; p++) {
                /* Emphasis, code, links, raw HTML, entities, tables, strikethrough and escapes themselves;
                 * and what GFM's autolinks start at ("https://", "www."), which an escape leaves as text. */
                if (strchr("\\`*_[]<>&|~", *p) || (*p == ':' && strncmp(p + 1, "//", 2) == 0) ||
                    (*p == '.' && p - text >= 3 && strncmp(p - 3, "www", 3) == 0))
                        strbuf_putc(out, '\\');
                strbuf_putc(out, *p);
        }
}

static void put_text(StrBuf *out, const char *s) {
        markdown_put_text(out, s, strlen(s));
}

int output_render_markdown(const Analysis *a, const OutputOptions *o, StrBuf *out) {
        const RuleSet *rs = analysis_rules(a);
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        AnalysisStats st = output_stats(a, o);
        int r;

        /* The title is Markdown made by the caller (its values quoted there). */
        strbuf_printf(out, "## %s\n\n", o->title ? o->title : "vfioexplain");
        if (n == 0) {
                strbuf_printf(out, "No passthrough failure cause found in %llu lines.\n",
                              (unsigned long long) st.lines);
                output_put_ruled_out(a, out, "\n**Ruled out:** ", "\n**Ruled out:** ");
                output_put_notes(out, st, "\n**Note:** ");
                return strbuf_failed(out) ? -ENOMEM : 0;
        }
        strbuf_printf(
                out, "**%zu root cause%s**, most likely first (%llu lines read, %llu matched a rule).\n", n,
                n == 1 ? "" : "s", (unsigned long long) st.lines, (unsigned long long) st.matched_lines);
        output_put_notes(out, st, "\n**Note:** ");
        output_put_ruled_out(a, out, "\n**Ruled out:** ", "\n**Ruled out:** ");

        for (size_t i = 0; i < n; i++) {
                const Finding *f = fs[i];
                const CauseDef *c = &rs->causes[f->cause];

                strbuf_printf(out, "\n### %u. `%s` — ", f->rank, c->id);
                put_text(out, c->title);
                strbuf_printf(out, " (%s%s%s%s)\n\n", strength_to_string(f->confidence),
                              f->host_confirmed             ? " by the host"
                                      : f->pasted_confirmed ? " by the pasted listing"
                                                            : "",
                              f->doubted ? ", in doubt" : "", f->tied ? ", tied" : "");
                if (f->device[0]) {
                        strbuf_printf(out, "- **Device:** `%s`", f->device);
                        if (f->group[0])
                                strbuf_printf(out, " (IOMMU group %s)", f->group);
                        strbuf_putc(out, '\n');
                }
                if (f->doubted && c->doubt) {
                        strbuf_puts(out, "- **In doubt:** ");
                        put_text(out, c->doubt);
                        strbuf_putc(out, '\n');
                }
                const char *vm;
                int pid;
                if (finding_vm(f, o->host, &vm, &pid)) {
                        strbuf_puts(out, "- **VM:**");
                        if (vm) {
                                strbuf_putc(out, ' ');
                                markdown_put_code(out, vm, strlen(vm), false);
                        }
                        if (pid)
                                strbuf_printf(out, "%sQEMU pid %d%s", vm ? " (" : " ", pid, vm ? ")" : "");
                        strbuf_putc(out, '\n');
                }
                if (f->n_explains > 0) {
                        strbuf_puts(out, "- **Explains:**");
                        for (size_t k = 0; k < f->n_explains; k++)
                                strbuf_printf(out, " `%s`", f->explains[k]);
                        strbuf_putc(out, '\n');
                }
                strbuf_putc(out, '\n');
                put_text(out, c->means);
                strbuf_putc(out, '\n');

                char **ex;
                size_t n_ex;
                if ((r = finding_render_explanations_markdown(a, f, o->host, &ex, &n_ex)) < 0)
                        return r;
                if (n_ex > 0)
                        strbuf_putc(out, '\n');
                /* Rendered as Markdown already: a rule's words as text, the values of logs as code. */
                for (size_t k = 0; k < n_ex; k++)
                        strbuf_printf(out, "- %s\n", ex[k]);
                strv_free_n(ex, n_ex);

                StrBuf ev = {0};
                for (size_t k = 0; k < f->n_evidence; k++) {
                        const Evidence *e = &f->evidence[k];
                        escape_append(&ev, e->input, strlen(e->input));
                        strbuf_printf(&ev, ":%lu [%s] ", e->line, evidence_source_name(e));
                        escape_append(&ev, e->text, strlen(e->text));
                        if (e->cut)
                                strbuf_puts(&ev, " [cut]");
                        strbuf_putc(&ev, '\n');
                        if (e->context) {
                                strbuf_puts(&ev, "  (read through: ");
                                escape_append(&ev, e->context, strlen(e->context));
                                strbuf_puts(&ev, ")\n");
                        }
                }
                if (f->more_evidence)
                        strbuf_printf(&ev, "... and %zu more matching lines\n", f->more_evidence);
                size_t flen = MAX((size_t) 3, escape_longest_backtick_run(strbuf_str(&ev), ev.len) + 1);
                strbuf_puts(out, "\n**Evidence**\n\n");
                fence(out, flen, "text");
                strbuf_puts(out, strbuf_str(&ev));
                fence(out, flen, "");
                strbuf_done(&ev);

                RenderedFix *fixes;
                size_t n_fixes;
                if ((r = finding_render_fixes(a, f, o->host, o->guest_layer, o->guest_named, &fixes,
                                              &n_fixes)) < 0)
                        return r;
                if (n_fixes > 0) {
                        StrBuf fx = {0};
                        for (size_t k = 0; k < n_fixes; k++) {
                                strbuf_puts(&fx, "# ");
                                escape_append(&fx, fixes[k].why, strlen(fixes[k].why));
                                strbuf_putc(&fx, '\n');
                                escape_append_lines(&fx, fixes[k].command, strlen(fixes[k].command));
                                strbuf_putc(&fx, '\n');
                        }
                        size_t fl =
                                MAX((size_t) 3, escape_longest_backtick_run(strbuf_str(&fx), fx.len) + 1);
                        strbuf_puts(out, "\n**Fix**\n\n");
                        fence(out, fl, "sh");
                        strbuf_puts(out, strbuf_str(&fx));
                        fence(out, fl, "");
                        strbuf_done(&fx);
                }
                rendered_fixes_free(fixes, n_fixes);
        }
        return strbuf_failed(out) ? -ENOMEM : 0;
}
