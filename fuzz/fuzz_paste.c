/* SPDX-License-Identifier: MIT */
/* The pasted-text stage (analyzer/input/paste): whatever the line, its pieces are bounded in number, depth
 * and length, hold no newline, come out the same twice, and hold no literal that the line as read lacks
 * unless the line has something the stage rewrites (a character it normalises, an escape, a terminal's wrap
 * copied as blanks, whose rows it joins): the literal
 * prefilter reads the line as read, and must let through every line whose pieces could match. The shell
 * parsers take every piece without fault. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "vfioexplain/macro.h"

#include "fuzz.h"
#include "paste.h"

/* Literals of the rules' kind, with the letters, blanks and quotes the stage touches. */
static const char *const literals[] = {
        "is not viable",     "can't reserve", "write error", "failed to find romfile \"",
        "Permission denied", "group",         "vfio",        "op=bind"};

static bool holds_caseless(const char *s, size_t len, const char *lit) {
        size_t n = strlen(lit);
        for (size_t i = 0; i + n <= len; i++)
                if (strncasecmp(s + i, lit, n) == 0)
                        return true;
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static Paste *p;
        const char *line = (const char *) data;
        const PastePiece *pc;

        if (!p && paste_new(&p) < 0)
                abort();
        if (memchr(data, '\n', size)) /* one line, as the reader gives it */
                return 0;
        size_t n = paste_unwrap(p, line, size, &pc);
        FUZZ_CHECK(n >= 1 && n <= VX_PASTE_PIECES_MAX);

        /* what the prefilter must see to let the line through */
        bool rewritten = paste_needs_normalising(line, size) || paste_has_escape(line, size) ||
                paste_has_wrap_padding(line, size);
        char first[512];
        size_t first_len = MIN(pc[0].text.len, sizeof(first));
        memcpy(first, pc[0].text.p, first_len);
        for (size_t i = 0; i < n; i++) {
                FUZZ_CHECK(pc[i].n_layers <= VX_PASTE_DEPTH_MAX);
                FUZZ_CHECK(pc[i].text.len <= size + sizeof(PASTE_REDACTED_ADDRESS));
                FUZZ_CHECK(!memchr(pc[i].text.p, '\n', pc[i].text.len));
                for (size_t k = 0; k < ELEMENTSOF(literals) && !rewritten && !pc[i].redacted; k++)
                        if (holds_caseless(pc[i].text.p, pc[i].text.len, literals[k]))
                                FUZZ_CHECK(holds_caseless(line, size, literals[k]));
                char ctx[256];
                size_t cl = paste_context(&pc[i], ctx, sizeof(ctx));
                FUZZ_CHECK(cl < sizeof(ctx) && strlen(ctx) == cl);
                if (pc[i].command) {
                        SysfsWrite w;
                        if (sysfs_write_parse(&pc[i], (Span){0}, &w)) {
                                FUZZ_CHECK(w.op < _SYSFS_OP_MAX);
                                FUZZ_CHECK(strlen(w.path) < sizeof(w.path));
                        }
                }
                ShellReply r;
                if (shell_reply_parse(pc[i].text, &r)) {
                        char ev[512];
                        size_t el = shell_event_format(NULL, &r, ev, sizeof(ev));
                        FUZZ_CHECK(el < sizeof(ev) && strlen(ev) == el);
                }
        }
        /* the same line again: the same pieces */
        size_t m = paste_unwrap(p, line, size, &pc);
        FUZZ_CHECK(m == n);
        FUZZ_CHECK(pc[0].text.len == first_len || pc[0].text.len > sizeof(first));
        FUZZ_CHECK(memcmp(pc[0].text.p, first, first_len) == 0);
        /* a transcript of two lines */
        char ev[512];
        FUZZ_CHECK(shell_event_of_transcript(p, line, size, ev, sizeof(ev)) < sizeof(ev));
        return 0;
}
