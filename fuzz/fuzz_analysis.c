/* SPDX-License-Identifier: MIT */
/* The whole analysis on a log, end to end: every line of the input fed as a log line against the shipped
 * rules (rules/), correlated and ranked, and rendered in each output format for a host not probed. No byte
 * of the log may reach the text or Markdown output as a control (ESC, C0, C1, DEL) or as invalid UTF-8,
 * no log line may end or open a Markdown code block, and the JSON must parse, whole, as valid UTF-8 (and be
 * the very print of the report's json-c tree, which explain's JSON no longer builds whole). The same log
 * read as a file is, by blocks (analyzer/analysis/feed.c), must give the very same report and counts. */
#define _GNU_SOURCE
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decompress.h"
#include "escape.h"
#include "feed.h"
#include "fuzz.h"
#include "output.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/rules.h"

#ifndef VX_SOURCE_RULES_DIR
#error "VX_SOURCE_RULES_DIR must name the shipped rules"
#endif

/* The shipped rules, their prefilter as VFIOEXPLAIN_SCAN says (unset: the automatic choice). */
static RuleSet *load_rules(const char *scan) {
        RuleSet *rs;
        Diag d = {0};
        if (scan)
                setenv("VFIOEXPLAIN_SCAN", scan, 1);
        if (ruleset_load_dir(VX_SOURCE_RULES_DIR, &d, &rs) < 0) {
                for (size_t i = 0; i < d.n; i++)
                        fprintf(stderr, "%s\n", d.lines[i]);
                abort();
        }
        unsetenv("VFIOEXPLAIN_SCAN");
        diag_done(&d);
        return rs;
}

static const RuleSet *rules(void) {
        static RuleSet *rs;
        return rs ? rs : (rs = load_rules(NULL));
}

/* For the reading by blocks: Hyperscan from the first byte (where it is loaded), which a log as short as a
 * fuzz input would otherwise never reach. */
static const RuleSet *rules_for_blocks(void) {
        static RuleSet *rs;
        return rs ? rs : (rs = load_rules("hyperscan"));
}

/* Both rule sets, loaded before the first input: compiling them (seconds under the sanitizers on a busy
 * machine) is no input's run and must not meet libFuzzer's -timeout. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
        (void) argc;
        (void) argv;
        (void) rules();
        (void) rules_for_blocks();
        return 0;
}

static void check_readable(const StrBuf *b) {
        const char *s = strbuf_str(b);
        FUZZ_CHECK(utf8_is_valid(s, b->len));
        FUZZ_CHECK(fuzz_terminal_safe(s, b->len));
}

/* Markdown: every fenced block is one the renderer opened (after its **Evidence** or **Fix** heading) and
 * closes where the renderer closed it. A log line that closed a fence early would leave the rest of the
 * block as Markdown and open a block of its own, with no heading before it. */
static size_t backtick_run(const char *p, size_t len) {
        size_t n = 0;
        while (n < len && p[n] == '`')
                n++;
        return n;
}

static void check_markdown(const StrBuf *b) {
        const char *p = strbuf_str(b), *end = p + b->len;
        size_t fence = 0, headings = 0, blocks = 0;
        bool heading_before = false;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                size_t indent = 0;
                while (indent < len && indent < 3 && p[indent] == ' ')
                        indent++;
                size_t run = backtick_run(p + indent, len - indent);
                if (fence > 0) {
                        size_t rest = indent + run;
                        while (rest < len && p[rest] == ' ')
                                rest++;
                        if (run >= fence && rest == len)
                                fence = 0;
                } else if (run >= 3) {
                        FUZZ_CHECK(heading_before);
                        FUZZ_CHECK(!memchr(p + indent + run, '`', len - indent - run));
                        fence = run;
                        blocks++;
                        heading_before = false;
                } else if (len > 0) {
                        heading_before = (len == 12 && memcmp(p, "**Evidence**", 12) == 0) ||
                                (len == 7 && memcmp(p, "**Fix**", 7) == 0);
                        headings += heading_before;
                }
                p += len + (nl ? 1 : 0);
        }
        FUZZ_CHECK(fence == 0);
        FUZZ_CHECK(blocks == headings);
}

static void check_json(const StrBuf *b) {
        const char *s = strbuf_str(b);
        FUZZ_CHECK(utf8_is_valid(s, b->len));
        struct json_tokener *tok = json_tokener_new();
        FUZZ_CHECK(tok);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        struct json_object *o = json_tokener_parse_ex(tok, s, (int) b->len);
        FUZZ_CHECK(o && json_tokener_get_error(tok) == json_tokener_success);
        size_t end = json_tokener_get_parse_end(tok);
        for (; end < b->len; end++)
                FUZZ_CHECK(s[end] == '\n' || s[end] == ' ');
        FUZZ_CHECK(json_object_is_type(o, json_type_object));
        json_object_put(o);
        json_tokener_free(tok);
}

/* Reading a file ends its lines at lone '\r's when that is its first line end (reader.c). */
static bool first_line_end_is_lone_cr(const uint8_t *data, size_t size) {
        const uint8_t *cr = memchr(data, '\r', size);
        if (!cr || memchr(data, '\n', (size_t) (cr - data)))
                return false;
        return (size_t) (cr - data) + 1 == size || cr[1] != '\n';
}

/* The input read as a file (analysis_feed_fd: the literal pass over the whole block, its marked lines fed
 * in batches through the line memo, the lines between only counted) against every line fed alone (ref,
 * whose JSON is ref_json). Not for an input that reading a file turns down or treats apart: a NUL byte
 * (a binary file, or the zeroed tail of one), a journal file's magic, a compressed format's (read
 * through its decoder), or a lone '\r' as the first line end (a file that ends its lines so). */
static void check_by_blocks(const uint8_t *data, size_t size, Analysis *ref, const StrBuf *ref_json,
                            const OutputOptions *o) {
        if (memchr(data, 0, size) || (size >= 8 && memcmp(data, "LPKSHHRH", 8) == 0) ||
            compression_detect(data, size) != COMPRESSION_NONE || first_line_end_is_lone_cr(data, size))
                return;
        int fd = memfd_create("fuzz-log", MFD_CLOEXEC);
        FUZZ_CHECK(fd >= 0);
        FUZZ_CHECK(write(fd, data, size) == (ssize_t) size);
        FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
        Analysis *a;
        FeedReport rep;
        FUZZ_CHECK(analysis_new(rules_for_blocks(), &a) == 0);
        FUZZ_CHECK(analysis_feed_fd(a, "fuzz.log", fd, &rep) == 0);
        close(fd);
        FUZZ_CHECK(analysis_finish(a) == 0);
        StrBuf out = {0};
        FUZZ_CHECK(output_render(a, o, &out) == 0);
        FUZZ_CHECK(out.len == ref_json->len && memcmp(strbuf_str(&out), strbuf_str(ref_json), out.len) == 0);
        AnalysisStats x = analysis_stats(ref), y = analysis_stats(a);
        FUZZ_CHECK(x.lines == y.lines && x.matched_lines == y.matched_lines && x.limit_hits == y.limit_hits);
        strbuf_done(&out);
        analysis_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *p = (const char *) data, *end = p + size;
        Analysis *a = NULL;
        HostFacts host;
        unsigned long lineno = 0;

        if (analysis_new(rules(), &a) < 0)
                abort();
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                FUZZ_CHECK(analysis_feed(a, "fuzz.log", ++lineno, p, len) == 0);
                p += len + (nl ? 1 : 0);
        }
        FUZZ_CHECK(analysis_finish(a) == 0);

        host_facts_init_unprobed(&host);
        static const OutputFormat formats[] = {OUTPUT_TEXT, OUTPUT_MARKDOWN, OUTPUT_JSON};
        for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
                StrBuf out = {0};
                OutputOptions o = {.format = formats[i], .host = &host};
                FUZZ_CHECK(output_render(a, &o, &out) == 0);
                if (formats[i] == OUTPUT_JSON) {
                        check_json(&out);
                        /* Written a cause at a time, it is the whole report tree's print. */
                        StrBuf tree = {0};
                        struct json_object *root = output_json_report(a, &o);
                        FUZZ_CHECK(root && output_put_json(&tree, root, true) == 0);
                        FUZZ_CHECK(tree.len == out.len &&
                                   memcmp(strbuf_str(&tree), strbuf_str(&out), out.len) == 0);
                        json_object_put(root);
                        strbuf_done(&tree);
                        check_by_blocks(data, size, a, &out, &o);
                } else
                        check_readable(&out);
                if (formats[i] == OUTPUT_MARKDOWN)
                        check_markdown(&out);
                strbuf_done(&out);
        }
        size_t n;
        const Finding *const *f = analysis_findings(a, &n);
        for (size_t i = 0; i < n; i++) {
                StrBuf out = {0};
                OutputOptions o = {.format = OUTPUT_TEXT, .host = &host};
                FUZZ_CHECK(output_render_text_finding(a, f[i], &o, &out) == 0);
                check_readable(&out);
                strbuf_done(&out);
        }
        host_facts_done(&host);
        analysis_free(a);
        return 0;
}
