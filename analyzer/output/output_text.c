/* SPDX-License-Identifier: MIT */
/* The terminal rendering, for a person in the middle of a failure: a summary line per cause, the first
 * cause in full, the others in brief, one line saying what to do next; prose wrapped to the width, a
 * command never. */
#include <errno.h>
#include <string.h>

#include "classify.h"
#include "escape.h"
#include "output.h"
#include "vfioexplain/limits.h"

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

/* Columns text takes on a terminal: a character each (UTF-8 continuation bytes take none), and our own
 * colour sequences none. */
static size_t display_width(const char *s, size_t len) {
        size_t w = 0;
        for (size_t i = 0; i < len; i++) {
                if (s[i] == '\033' && i + 1 < len && s[i + 1] == '[') {
                        i += 2;
                        while (i < len && !(s[i] >= '@' && s[i] <= '~'))
                                i++;
                        continue;
                }
                if (((unsigned char) s[i] & 0xc0) != 0x80)
                        w++;
        }
        return w;
}

/* The bytes of s that fill at most cols columns (at least one character). */
static size_t prefix_of_width(const char *s, size_t len, size_t cols) {
        size_t w = 0, i = 0;
        while (i < len) {
                size_t n = 1;
                while (i + n < len && ((unsigned char) s[i + n] & 0xc0) == 0x80)
                        n++;
                if (w + 1 > cols && i > 0)
                        break;
                w++;
                i += n;
        }
        return i;
}

/* text (already escaped or our own) as lines of at most width columns, broken at blanks: the first after
 * first (a prefix already counted as written, of first_cols columns), the rest after cont. A word wider
 * than a line is cut (this is prose or a log line to read, never a command). width 0: one line. */
static void put_wrapped_at(StrBuf *out, unsigned width, size_t first_cols, const char *cont,
                           const char *text, size_t len) {
        size_t col = first_cols, cont_cols = display_width(cont, strlen(cont));
        bool line_empty = true;
        size_t i = 0;
        while (i < len) {
                while (i < len && text[i] == ' ')
                        i++;
                size_t j = i;
                while (j < len && text[j] != ' ')
                        j++;
                if (j == i)
                        break;
                const char *word = text + i;
                size_t wlen = j - i, ww = display_width(word, wlen);
                if (width > 0 && !line_empty && col + 1 + ww > width) {
                        strbuf_putc(out, '\n');
                        strbuf_puts(out, cont);
                        col = cont_cols;
                        line_empty = true;
                }
                if (!line_empty) {
                        strbuf_putc(out, ' ');
                        col++;
                }
                while (width > 0 && col + ww > width && width > col + 1) {
                        /* Too wide for any line: as much as fits, the rest on the next. */
                        size_t k = prefix_of_width(word, wlen, width - col);
                        strbuf_append(out, word, k);
                        strbuf_putc(out, '\n');
                        strbuf_puts(out, cont);
                        col = cont_cols;
                        word += k;
                        wlen -= k;
                        ww = display_width(word, wlen);
                }
                strbuf_append(out, word, wlen);
                col += ww;
                line_empty = false;
                i = j;
        }
        strbuf_putc(out, '\n');
}

void output_put_wrapped(StrBuf *out, unsigned width, const char *first, const char *cont, const char *text) {
        StrBuf esc = {0};
        escape_append(&esc, text, strlen(text));
        strbuf_puts(out, first);
        put_wrapped_at(out, width, display_width(first, strlen(first)), cont, strbuf_str(&esc), esc.len);
        strbuf_done_into(&esc, out);
}

static void put_inputs(StrBuf *b, const Analysis *a, const OutputOptions *o) {
        AnalysisStats st = output_stats(a, o);
        strbuf_printf(b, "%llu line%s read, %llu matched a rule", (unsigned long long) st.lines,
                      st.lines == 1 ? "" : "s", (unsigned long long) st.matched_lines);
}

/* "1. iommu-off-kernel [confirmed] Title": the heading of a cause, wrapped as prose. */
static void put_heading(StrBuf *out, const Analysis *a, const Finding *f, const OutputOptions *o) {
        const CauseDef *c = &analysis_rules(a)->causes[f->cause];
        StrBuf head = {0};
        strbuf_printf(&head, "%u. ", f->rank);
        put_styled(&head, o->color, BOLD, c->id);
        strbuf_puts(&head, " [");
        put_styled(&head, o->color, f->confidence == STRENGTH_CONFIRMED ? RED : YELLOW,
                   strength_to_string(f->confidence));
        if (f->host_confirmed)
                strbuf_puts(&head, " by the host");
        else if (f->pasted_confirmed)
                strbuf_puts(&head, " by the pasted listing");
        if (f->doubted)
                strbuf_puts(&head, ", in doubt");
        if (f->tied)
                strbuf_puts(&head, ", tied");
        strbuf_puts(&head, "] ");
        strbuf_puts(out, strbuf_str(&head));
        /* A rule file's words: checked when loaded, escaped here as everything that is written. */
        StrBuf title = {0};
        escape_append(&title, c->title, strlen(c->title));
        put_wrapped_at(out, o->width, display_width(strbuf_str(&head), head.len), "   ", strbuf_str(&title),
                       title.len);
        strbuf_done_into(&title, out);
        strbuf_done_into(&head, out);
}

static void put_device(StrBuf *out, const Finding *f, const OutputOptions *o) {
        if (f->device[0]) {
                strbuf_printf(out, "   device: %s", f->device);
                if (f->group[0])
                        strbuf_printf(out, " (IOMMU group %s)", f->group);
                strbuf_putc(out, '\n');
        }
        const char *vm;
        int pid;
        if (finding_vm(f, o->host, &vm, &pid)) {
                StrBuf line = {0};
                if (vm)
                        strbuf_puts(&line, vm);
                if (pid)
                        strbuf_printf(&line, "%sQEMU pid %d%s", vm ? " (" : "", pid, vm ? ")" : "");
                output_put_wrapped(out, o->width, "   vm: ", "       ", strbuf_str(&line));
                strbuf_done_into(&line, out);
        }
}

/* Why a cause in doubt is (its cause's possible-unless held for none of its lines), in the rule file's
 * words. */
static void put_doubt(StrBuf *out, const Analysis *a, const Finding *f, const OutputOptions *o) {
        const char *doubt = analysis_rules(a)->causes[f->cause].doubt;
        if (f->doubted && doubt)
                output_put_wrapped(out, o->width, "   in doubt: ", "     ", doubt);
}

/* A log line in at most two rows: its start (where it comes from) and its end (what went wrong: QEMU and
 * libvirt put the message last, after the option or the call that failed), the middle elided. */
static void put_elided(StrBuf *out, const char *s, size_t len, size_t cols) {
        if (cols < 20 || display_width(s, len) <= cols) {
                strbuf_append(out, s, len);
                return;
        }
        size_t head = prefix_of_width(s, len, cols / 3), tail_cols = cols - cols / 3 - 5, skip = 0;
        while (display_width(s + head + skip, len - head - skip) > tail_cols)
                skip += prefix_of_width(s + head + skip, len - head - skip, 1);
        strbuf_append(out, s, head);
        strbuf_puts(out, " ... ");
        strbuf_append(out, s + head + skip, len - head - skip);
}

static void put_evidence_line(StrBuf *out, const Evidence *e, const OutputOptions *o, const char *first,
                              const char *cont, bool whole) {
        StrBuf line = {0}, text = {0};
        if (o->color)
                strbuf_puts(&line, DIM);
        escape_append(&line, e->input, strlen(e->input));
        strbuf_printf(&line, ":%lu [%s]", e->line, evidence_source_name(e));
        if (o->color)
                strbuf_puts(&line, RESET);
        strbuf_putc(&line, ' ');
        escape_append(&text, e->text, strlen(e->text));
        /* Two rows at most unless the whole is asked for: the first row from first, the second from cont. */
        size_t used = display_width(first, strlen(first)) + display_width(cont, strlen(cont)) +
                display_width(strbuf_str(&line), line.len);
        if (!whole && o->width > 0 && 2 * (size_t) o->width > used + 40)
                /* a few columns spare: a wrap at a blank leaves the end of a row empty */
                put_elided(&line, strbuf_str(&text), text.len, 2 * (size_t) o->width - used - 16);
        else
                strbuf_append(&line, strbuf_str(&text), text.len);
        strbuf_done_into(&text, out);
        if (e->cut)
                strbuf_puts(&line, " [cut]");
        strbuf_puts(out, first);
        put_wrapped_at(out, o->width, display_width(first, strlen(first)), cont, strbuf_str(&line),
                       line.len);
        strbuf_done_into(&line, out);
}

/* A command as it is pasted: each of its lines whole, whatever the width, its why before it as comment
 * lines, so that a fix copied with its comment is still a valid shell script. Lines that set a variable
 * are written once per cause (set: what this cause set already). */
static void put_fix(StrBuf *out, const RenderedFix *fx, const OutputOptions *o, StrBuf *set) {
        output_put_wrapped(out, o->width ? o->width : 0, "     # ", "     # ", fx->why);
        const char *p = fx->command, *end = fx->command + strlen(fx->command);
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);
                bool setup = (size_t) (p - fx->command) < fx->setup_len;
                StrBuf line = {0};
                escape_append(&line, p, n);
                strbuf_putc(&line, '\n');
                if (strbuf_failed(&line)) {
                        strbuf_done_into(&line, out);
                        return;
                }
                if (!setup || !strstr(strbuf_str(set), strbuf_str(&line))) {
                        strbuf_puts(out, "     ");
                        if (o->color)
                                strbuf_puts(out, BOLD);
                        strbuf_append(out, strbuf_str(&line), line.len - 1);
                        if (o->color)
                                strbuf_puts(out, RESET);
                        strbuf_putc(out, '\n');
                        if (setup)
                                strbuf_append(set, strbuf_str(&line), line.len);
                }
                strbuf_done_into(&line, out);
                p += n + (nl ? 1 : 0);
        }
}

/* A cause with its evidence and fixes. Unless full, the general paragraph of what the cause means gives
 * way to what the evidence says of this case (the explanations), and a long list of evidence is cut: the
 * fixes are what the reader came for. */
static int render_cause(const Analysis *a, const Finding *f, const OutputOptions *o, bool full,
                        StrBuf *out) {
        const CauseDef *c = &analysis_rules(a)->causes[f->cause];
        int r;

        strbuf_putc(out, '\n');
        put_heading(out, a, f, o);
        put_device(out, f, o);
        put_doubt(out, a, f, o);

        char **ex;
        size_t n_ex;
        if ((r = finding_render_explanations(a, f, o->host, &ex, &n_ex)) < 0)
                return r;
        if (full || n_ex == 0)
                output_put_wrapped(out, o->width, "   ", "   ", c->means);
        for (size_t k = 0; k < n_ex; k++)
                output_put_wrapped(out, o->width, "   - ", "     ", ex[k]);
        strv_free_n(ex, n_ex);

        strbuf_puts(out, "   evidence:\n");
        size_t shown = full ? f->n_evidence : MIN(f->n_evidence, (size_t) VX_TEXT_EVIDENCE_SHOWN);
        for (size_t k = 0; k < shown; k++) {
                const Evidence *e = &f->evidence[k];
                put_evidence_line(out, e, o, "     ", "         ", full);
                /* How a pasted line was read (a shell transcript, a wrapper's prefix): the reader checks it.
                 */
                if (e->context) {
                        /* the indent outside the text: the wrapper drops a text's leading blanks */
                        static const char indent[] = "       ";
                        StrBuf ctx = {0};
                        if (o->color)
                                strbuf_puts(&ctx, DIM);
                        strbuf_puts(&ctx, "read through: ");
                        escape_append(&ctx, e->context, strlen(e->context));
                        if (o->color)
                                strbuf_puts(&ctx, RESET);
                        strbuf_puts(out, indent);
                        put_wrapped_at(out, o->width, sizeof(indent) - 1, "         ", strbuf_str(&ctx),
                                       ctx.len);
                        strbuf_done_into(&ctx, out);
                }
        }
        size_t more = f->more_evidence + (f->n_evidence - shown);
        if (more)
                strbuf_printf(out, "     ... and %zu more matching line%s%s\n", more, more == 1 ? "" : "s",
                              shown < f->n_evidence ? " (--full shows them)" : "");

        RenderedFix *fixes;
        size_t n_fixes;
        if ((r = finding_render_fixes(a, f, o->host, o->guest_layer, o->guest_named, &fixes, &n_fixes)) < 0)
                return r;
        if (n_fixes > 0)
                strbuf_puts(out, "   fix:\n");
        StrBuf set = {0};
        for (size_t k = 0; k < n_fixes; k++)
                put_fix(out, &fixes[k], o, &set);
        strbuf_done_into(&set, out);
        rendered_fixes_free(fixes, n_fixes);

        if (full && f->n_explains > 0) {
                StrBuf ids = {0};
                for (size_t k = 0; k < f->n_explains; k++)
                        strbuf_printf(&ids, "%s%s", k ? " " : "", f->explains[k]);
                output_put_wrapped(out, o->width, "   explains: ", "     ", strbuf_str(&ids));
                strbuf_done_into(&ids, out);
        }
        return strbuf_failed(out) ? -ENOMEM : 0;
}

int output_render_text_finding(const Analysis *a, const Finding *f, const OutputOptions *o, StrBuf *out) {
        return render_cause(a, f, o, true, out);
}

/* The line of evidence that says the most: one of a rule of this very cause, the most confident such. */
static const Evidence *strongest_evidence(const Analysis *a, const Finding *f) {
        const RuleSet *rs = analysis_rules(a);
        const Evidence *best = f->n_evidence ? &f->evidence[0] : NULL;
        int best_score = -1;
        for (size_t k = 0; k < f->n_evidence; k++) {
                const RuleDef *rule = &rs->rules[f->evidence[k].rule];
                int score =
                        rule->kind == RULE_CAUSE && rule->target == f->cause ? 10 + (int) rule->strength : 0;
                if (score > best_score) {
                        best_score = score;
                        best = &f->evidence[k];
                }
        }
        return best;
}

/* A cause after the first: its heading, the line that says the most, and what --full would show. */
static int render_brief(const Analysis *a, const Finding *f, const OutputOptions *o, StrBuf *out) {
        strbuf_putc(out, '\n');
        put_heading(out, a, f, o);
        if (f->device[0])
                strbuf_printf(out, "   device: %s%s%s%s\n", f->device, f->group[0] ? " (IOMMU group " : "",
                              f->group, f->group[0] ? ")" : "");
        put_doubt(out, a, f, o);
        const Evidence *e = strongest_evidence(a, f);
        if (e)
                put_evidence_line(out, e, o, "   evidence: ", "     ", false);
        RenderedFix *fixes;
        size_t n_fixes;
        int r = finding_render_fixes(a, f, o->host, o->guest_layer, o->guest_named, &fixes, &n_fixes);
        if (r < 0)
                return r;
        rendered_fixes_free(fixes, n_fixes);
        size_t lines = f->n_evidence + f->more_evidence;
        StrBuf more = {0};
        strbuf_printf(&more, "in full with --full: what it means, %zu evidence line%s, %zu fix%s", lines,
                      lines == 1 ? "" : "s", n_fixes, n_fixes == 1 ? "" : "es");
        output_put_wrapped(out, o->width, "   more: ", "     ", strbuf_str(&more));
        strbuf_done_into(&more, out);
        return strbuf_failed(out) ? -ENOMEM : 0;
}

/* One line a cause each: rank, confidence, id, device, title, in columns, cut to the width. */
static void put_summary(StrBuf *out, const Analysis *a, const Finding *const *fs, size_t n,
                        const OutputOptions *o) {
        const RuleSet *rs = analysis_rules(a);
        size_t id_w = 0, dev_w = 1;
        for (size_t i = 0; i < n; i++) {
                id_w = MAX(id_w, strlen(rs->causes[fs[i]->cause].id));
                dev_w = MAX(dev_w, strlen(fs[i]->device));
        }
        strbuf_putc(out, '\n');
        for (size_t i = 0; i < n; i++) {
                const CauseDef *c = &rs->causes[fs[i]->cause];
                StrBuf line = {0};
                strbuf_printf(&line, "  %2u. %-9s  %-*s  %-*s  ", fs[i]->rank,
                              strength_to_string(fs[i]->confidence), (int) id_w, c->id, (int) dev_w,
                              fs[i]->device[0] ? fs[i]->device : "-");
                escape_append(&line, c->title, strlen(c->title));
                size_t w = display_width(strbuf_str(&line), line.len);
                if (o->width > 0 && w > o->width) {
                        /* Cut at a word where one is near, so what shows still reads. */
                        const char *l = strbuf_str(&line);
                        size_t keep = prefix_of_width(l, line.len, o->width - 3), k = keep;
                        while (k > keep / 2 && l[k] != ' ')
                                k--;
                        strbuf_append(out, l, l[k] == ' ' ? k : keep);
                        strbuf_puts(out, "...");
                } else
                        strbuf_puts(out, strbuf_str(&line));
                strbuf_putc(out, '\n');
                strbuf_done_into(&line, out);
        }
}

/* What to do next, in one line: the first cause's fixes, then the check that says whether they worked. */
static void put_next(StrBuf *out, const Analysis *a, const Finding *const *fs, size_t n,
                     const OutputOptions *o) {
        StrBuf next = {0};
        const Finding *f = fs[0];
        strbuf_printf(&next, "Next: apply the fix of cause 1 (%s)", analysis_rules(a)->causes[f->cause].id);
        if (f->device[0])
                strbuf_printf(&next, ", then see what remains with 'vfioexplain check %s'", f->device);
        else
                strbuf_puts(&next, ", then see what remains with 'vfioexplain check'");
        if (n == 2 && !o->full)
                strbuf_puts(&next, "; --full shows cause 2 in full");
        else if (n > 2 && !o->full)
                strbuf_printf(&next, "; --full shows causes 2-%zu in full", n);
        strbuf_putc(&next, '.');
        strbuf_putc(out, '\n');
        put_wrapped_at(out, o->width, 0, "", strbuf_str(&next), next.len);
        strbuf_done_into(&next, out);
}

int output_render_text(const Analysis *a, const OutputOptions *o, StrBuf *out) {
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        int r;

        if (n == 0) {
                StrBuf head = {0};
                strbuf_puts(&head, "vfioexplain: no passthrough failure cause found (");
                put_inputs(&head, a, o);
                strbuf_puts(&head, ").");
                put_wrapped_at(out, o->width, 0, "", strbuf_str(&head), head.len);
                strbuf_done_into(&head, out);
                /* what lines suggested and the facts ruled out: why nothing is left */
                output_put_ruled_out(a, out, "\nruled out: ", "ruled out: ");
                output_put_notes(out, output_stats(a, o), "\nnote: ");
                return strbuf_failed(out) ? -ENOMEM : 0;
        }
        StrBuf head = {0};
        strbuf_printf(&head, "vfioexplain: %zu root cause%s, most likely first (", n, n == 1 ? "" : "s");
        put_inputs(&head, a, o);
        strbuf_puts(&head, ")");
        put_wrapped_at(out, o->width, 0, "", strbuf_str(&head), head.len);
        strbuf_done_into(&head, out);
        /* One cause: its heading is the summary. */
        if (n > 1)
                put_summary(out, a, fs, n, o);

        for (size_t i = 0; i < n; i++) {
                r = i == 0 || o->full ? render_cause(a, fs[i], o, o->full, out)
                                      : render_brief(a, fs[i], o, out);
                if (r < 0)
                        return r;
        }
        output_put_ruled_out(a, out, "\nruled out: ", "ruled out: ");
        output_put_notes(out, output_stats(a, o), "\nnote: ");
        put_next(out, a, fs, n, o);
        return strbuf_failed(out) ? -ENOMEM : 0;
}
