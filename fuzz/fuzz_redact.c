/* SPDX-License-Identifier: MIT */
/* The redactor of `report --redact` (analyzer/redact.c). The input is split at its first NUL: before it,
 * lines given as known secrets (one per line, kinds in turn); after it, the report text, learned from and
 * then redacted. Valid UTF-8 in must stay valid UTF-8 out (a token never splits a character), and the
 * values remembered stay within VX_REDACT_VALUES_MAX. */
#include <string.h>

#include "fuzz.h"
#include "vfioexplain/escape.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        const char *nul = memchr(buf, '\0', size);
        const char *text = nul ? nul + 1 : buf;
        size_t text_len = nul ? size - (size_t) (text - buf) : size;
        Redactor *r = NULL;
        StrBuf out = {0};

        if (redactor_new(&r) < 0)
                abort();
        if (nul) {
                const char *p = buf;
                unsigned k = 0;
                while (p < nul) {
                        const char *nl = memchr(p, '\n', (size_t) (nul - p));
                        size_t len = nl ? (size_t) (nl - p) : (size_t) (nul - p);
                        (void) redactor_add(r, (RedactKind) (k++ % _REDACT_KIND_MAX), p, len);
                        p += len + 1;
                }
        }
        (void) redactor_learn(r, text, text_len);
        if (redactor_apply(r, text, text_len, &out) == 0 && utf8_is_valid(text, text_len))
                FUZZ_CHECK(utf8_is_valid(out.s ? out.s : "", out.len));
        for (unsigned k = 0; k < _REDACT_KIND_MAX; k++)
                FUZZ_CHECK(redactor_count(r, (RedactKind) k) <= VX_REDACT_VALUES_MAX);
        strbuf_done(&out);
        redactor_free(r);
        return 0;
}
