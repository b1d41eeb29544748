/* SPDX-License-Identifier: MIT */
/* The escaper every output format uses for text from a log (analyzer/base/escape.c): whatever the bytes, the
 * result is valid UTF-8 with no control character, and a longest backtick run within the text. */
#include <string.h>

#include "escape.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        StrBuf out = {0};

        escape_append(&out, (const char *) data, size);
        FUZZ_CHECK(!strbuf_failed(&out));
        FUZZ_CHECK(utf8_is_valid(out.s ? out.s : "", out.len));
        FUZZ_CHECK(fuzz_terminal_safe(out.s ? out.s : "", out.len));
        FUZZ_CHECK(!out.s || !memchr(out.s, '\n', out.len));
        FUZZ_CHECK(escape_longest_backtick_run((const char *) data, size) <= size);
        strbuf_done(&out);
        return 0;
}
