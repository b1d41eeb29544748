/* SPDX-License-Identifier: MIT */
/* Every shape a user pastes, on every message the shipped rules know: each rule's examples, wrapped the way
 * people paste them (a Markdown quote, a list, a code span, docker compose, kubectl, a terminal pane,
 * logfmt, JSON, a web page's typographic characters, retyped capitals, a final full stop, CRLF, a BOM, a
 * management layer's prefix, an escaped newline, a redacted address, colours in caret notation, a JSON
 * record out of an array, a subprocess's stderr, inline code or parentheses inside a sentence, a terminal's
 * wrap copied as blanks), must still
 * be matched by that rule, as the analysis reads
 * them: the pasted-text stage's pieces, each classified, with the messages their prefixes quote. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>

#include "classify.h"
#include "matcher.h"
#include "paste.h"
#include "pci_address.h"
#include "test_common.h"
#include "vfioexplain/line.h"

typedef struct Seen {
        size_t want;
        bool hit;
} Seen;

static int on_match(const Match *m, void *userdata) {
        Seen *s = userdata;
        if (m->rule_index == s->want)
                s->hit = true;
        return 0;
}

/* Whether rule ri matches some piece of text, read as the analysis reads a line. */
static bool matches(Paste *p, LineClassifier *lc, Matcher *m, size_t ri, const char *text) {
        const PastePiece *pc;
        size_t n = paste_unwrap(p, text, strlen(text), &pc);
        Seen s = {.want = ri};
        for (size_t i = 0; i < n && !s.hit; i++) {
                Line line;
                line_classify(lc, pc[i].text.p, pc[i].text.len, &line);
                line.cut = pc[i].cut;
                size_t views = line.n_views;
                for (size_t v = 0; v < views && line.n_views < ELEMENTSOF(line.views); v++) {
                        Span inner;
                        if (paste_unquote(line.views[v].text, &inner) > 0)
                                line.views[line.n_views++] =
                                        (LineView){.source = SOURCE_UNKNOWN, .text = inner};
                }
                (void) matcher_match_line(m, &line, on_match, &s);
        }
        return s.hit;
}

/* Appends s to out as the inside of a JSON or logfmt string: quotes and backslashes escaped. */
static void put_escaped(char *out, size_t cap, const char *s) {
        size_t o = strlen(out);
        for (; *s && o + 3 < cap; s++) {
                if (*s == '"' || *s == '\\')
                        out[o++] = '\\';
                out[o++] = *s;
        }
        out[o] = '\0';
}

/* Each word of a-z only after the message's last ": " with its first letter in capitals, as a title. */
static void retype_capitals(char *s) {
        char *tail = NULL;
        for (char *p = s; (p = strstr(p, ": ")); p += 2)
                tail = p + 2;
        for (char *w = tail ? tail : s; *w;) {
                char *e = w;
                while (*e && *e != ' ')
                        e++;
                bool lower = e > w;
                for (char *c = w; c < e; c++)
                        lower = lower && *c >= 'a' && *c <= 'z';
                if (lower)
                        *w = (char) toupper((unsigned char) *w);
                w = *e ? e + 1 : e;
        }
}

/* ' and " the way a web page's editor writes them, blanks as no-break spaces. */
static void typographic(const char *s, char *out, size_t cap) {
        size_t o = 0;
        bool open = true;
        for (; *s && o + 4 < cap; s++) {
                if (*s == '\'') {
                        memcpy(out + o, "\xe2\x80\x99", 3);
                        o += 3;
                } else if (*s == '"') {
                        memcpy(out + o, open ? "\xe2\x80\x9c" : "\xe2\x80\x9d", 3);
                        o += 3;
                        open = !open;
                } else if (*s == ' ') {
                        memcpy(out + o, "\xc2\xa0", 2);
                        o += 2;
                } else
                        out[o++] = *s;
        }
        out[o] = '\0';
}

/* The first PCI address of s (dddd:bb:dd.f) with its bus redacted, as people do; false if it has none. */
static bool redact(char *s) {
        for (char *p = s; *p; p++) {
                PciAddress tmp;
                if (pci_address_normalize(p, 12, tmp) == 0 && (p == s || !isxdigit((unsigned char) p[-1]))) {
                        p[5] = p[6] = 'X';
                        return true;
                }
        }
        return false;
}

enum { SHAPE_MAX = 4096 };

static void test_every_shape_of_every_example(void **state) {
        Diag d = {0};
        RuleSet *rs = NULL;
        Paste *p;
        LineClassifier *lc;
        Matcher *m;
        static char shaped[SHAPE_MAX], tmp[SHAPE_MAX];
        size_t tried = 0, failed = 0;

        assert_int_equal(ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rs), 0);
        diag_done(&d);
        assert_int_equal(paste_new(&p), 0);
        assert_int_equal(line_classifier_new(&lc), 0);
        assert_int_equal(matcher_new(rs, &m), 0);

        for (size_t ri = 0; ri < rs->n_rules; ri++) {
                const RuleDef *r = &rs->rules[ri];
                /* probe lines never come from a log, shell events only from a transcript, and a guest rule
                 * sees a kernel line only with --guest */
                if (r->source_mask & ((1u << SOURCE_PROBE) | (1u << SOURCE_SHELL) | (1u << SOURCE_GUEST)))
                        continue;
                for (size_t k = 0; k < r->n_examples; k++) {
                        const char *ex = r->examples[k].line;
                        if (strlen(ex) > SHAPE_MAX / 3 || !matches(p, lc, m, ri, ex))
                                continue;
                        for (unsigned shape = 0;; shape++) {
                                const char *name;
                                shaped[0] = '\0';
                                switch (shape) {
                                case 0:
                                        name = "markdown quote";
                                        snprintf(shaped, sizeof(shaped), "> %s", ex);
                                        break;
                                case 1:
                                        name = "list bullet";
                                        snprintf(shaped, sizeof(shaped), "  - %s", ex);
                                        break;
                                case 2:
                                        name = "code span";
                                        snprintf(shaped, sizeof(shaped), "`%s`", ex);
                                        break;
                                case 3:
                                        name = "docker compose";
                                        snprintf(shaped, sizeof(shaped), "libvirtd-1  | %s", ex);
                                        break;
                                case 4:
                                        name = "kubectl logs --prefix";
                                        snprintf(shaped, sizeof(shaped),
                                                 "[pod/virt-launcher-vm-x7k2p/compute] %s", ex);
                                        break;
                                case 5:
                                        name = "terminal pane";
                                        snprintf(shaped, sizeof(shaped), "\xe2\x94\x82 %s \xe2\x94\x82", ex);
                                        break;
                                case 6:
                                        name = "logfmt";
                                        strcpy(shaped, "time=\"2024-05-01T10:00:00Z\" level=error msg=\"");
                                        put_escaped(shaped, sizeof(shaped), ex);
                                        strcat(shaped, "\" component=x");
                                        break;
                                case 7:
                                        name = "JSON";
                                        strcpy(shaped, "{\"level\":\"error\",\"msg\":\"");
                                        put_escaped(shaped, sizeof(shaped), ex);
                                        strcat(shaped, "\",\"pos\":\"x.go:12\"}");
                                        break;
                                case 8:
                                        name = "typographic";
                                        typographic(ex, shaped, sizeof(shaped));
                                        break;
                                case 9:
                                        name = "retyped capitals";
                                        snprintf(shaped, sizeof(shaped), "%s", ex);
                                        retype_capitals(shaped);
                                        break;
                                case 10:
                                        name = "full stop, blanks, CRLF";
                                        snprintf(shaped, sizeof(shaped), "%s.  \r", ex);
                                        break;
                                case 11:
                                        name = "BOM";
                                        snprintf(shaped, sizeof(shaped), "\xef\xbb\xbf%s", ex);
                                        break;
                                case 12:
                                        name = "Proxmox task log";
                                        snprintf(shaped, sizeof(shaped), "TASK ERROR: start failed: %s", ex);
                                        break;
                                case 13:
                                        name = "escaped newline";
                                        snprintf(shaped, sizeof(shaped), "the VM did not start:\\n%s", ex);
                                        break;
                                case 14:
                                        name = "redacted address";
                                        snprintf(tmp, sizeof(tmp), "%s", ex);
                                        if (redact(tmp))
                                                snprintf(shaped, sizeof(shaped), "%s", tmp);
                                        break;
                                case 15:
                                        name = "caret colours (cat -v)";
                                        snprintf(shaped, sizeof(shaped), "^[[0;31m%s^[[0m^M", ex);
                                        break;
                                case 16:
                                        name = "JSON record out of an array, in inline code";
                                        strcpy(shaped, "```{\"level\":\"error\",\"msg\":\"");
                                        put_escaped(shaped, sizeof(shaped), ex);
                                        strcat(shaped, "\"},```");
                                        break;
                                case 17:
                                        name = "a subprocess's stderr";
                                        snprintf(shaped, sizeof(shaped), "stderr: \"%s\"", ex);
                                        break;
                                case 18:
                                        /* Markdown's: a span that holds a backtick in two of them */
                                        name = "inline code in a sentence";
                                        snprintf(shaped, sizeof(shaped),
                                                 strchr(ex, '`')
                                                         ? "After the upgrade the VM fails with ``%s``."
                                                         : "After the upgrade the VM fails with `%s`.",
                                                 ex);
                                        break;
                                case 19:
                                        /* a message with a prefix, as people quote one in parentheses */
                                        name = "in parentheses in a sentence";
                                        if (strstr(ex, ": "))
                                                snprintf(shaped, sizeof(shaped),
                                                         "I got this error (%s) when I started the VM", ex);
                                        break;
                                case 20:
                                        /* rows of 80 columns, each but the last padded with blanks to the
                                         * console's 168 (dmrub/nvidia-dev-ctl#1's copy) */
                                        name = "terminal wrap copied as blanks";
                                        if (strlen(ex) > 80)
                                                pad_rows(ex, 80, 168, shaped, sizeof(shaped));
                                        break;
                                default:
                                        name = NULL;
                                }
                                if (!name)
                                        break;
                                if (!shaped[0])
                                        continue;
                                tried++;
                                if (!matches(p, lc, m, ri, shaped)) {
                                        failed++;
                                        print_error("%s: rule %s, %s: %s\n", r->at.file, r->id, name,
                                                    shaped);
                                }
                        }
                }
        }
        print_message("%zu shaped examples, %zu not matched\n", tried, failed);
        assert_true(tried > 3000);
        assert_int_equal(failed, 0);
        matcher_free(m);
        line_classifier_free(lc);
        paste_free(p);
        ruleset_free(rs);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_shape_of_every_example),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
