/* SPDX-License-Identifier: MIT */
/* The redactor of `report --redact` (analyzer/output/redact.c). The input is split at its first NUL: before
 * it, lines given as known secrets (one per line, kinds in turn); after it, the report text, learned from
 * and then redacted. Valid UTF-8 in must stay valid UTF-8 out (a token never splits a character), the values
 * remembered stay within VX_REDACT_VALUES_MAX, and the text redacted a line at a time by a twin redactor
 * must come out the same (report --redact writes it so, in pieces cut after a newline). */
#include <string.h>

#include "escape.h"
#include "fuzz.h"
#include "redact.h"
#include "vfioexplain/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        const char *nul = memchr(buf, '\0', size);
        const char *text = nul ? nul + 1 : buf;
        size_t text_len = nul ? size - (size_t) (text - buf) : size;
        Redactor *r = NULL, *twin = NULL;
        StrBuf out = {0}, by_line = {0};

        if (redactor_new(&r) < 0 || redactor_new(&twin) < 0)
                abort();
        if (nul) {
                const char *p = buf;
                unsigned k = 0;
                while (p < nul) {
                        const char *nl = memchr(p, '\n', (size_t) (nul - p));
                        size_t len = nl ? (size_t) (nl - p) : (size_t) (nul - p);
                        RedactKind kind = (RedactKind) (k++ % _REDACT_KIND_MAX);
                        (void) redactor_add(r, kind, p, len);
                        (void) redactor_add(twin, kind, p, len);
                        p += len + 1;
                }
        }
        (void) redactor_learn(r, text, text_len);
        (void) redactor_learn(twin, text, text_len);
        int whole = redactor_apply(r, text, text_len, &out);
        if (whole == 0 && utf8_is_valid(text, text_len))
                FUZZ_CHECK(utf8_is_valid(out.s ? out.s : "", out.len));
        for (unsigned k = 0; k < _REDACT_KIND_MAX; k++)
                FUZZ_CHECK(redactor_count(r, (RedactKind) k) <= VX_REDACT_VALUES_MAX);

        int pieces = 0;
        for (size_t at = 0; at < text_len && pieces == 0;) {
                const char *nl = memchr(text + at, '\n', text_len - at);
                size_t n = nl ? (size_t) (nl - text - at) + 1 : text_len - at;
                pieces = redactor_apply(twin, text + at, n, &by_line);
                at += n;
        }
        FUZZ_CHECK(pieces == whole);
        if (whole == 0) {
                FUZZ_CHECK(by_line.len == out.len &&
                           memcmp(strbuf_str(&by_line), strbuf_str(&out), out.len) == 0);
                for (unsigned k = 0; k < _REDACT_KIND_MAX; k++)
                        FUZZ_CHECK(redactor_count(twin, (RedactKind) k) ==
                                   redactor_count(r, (RedactKind) k));
        }
        strbuf_done(&out);
        strbuf_done(&by_line);
        redactor_free(r);
        redactor_free(twin);
        return 0;
}
