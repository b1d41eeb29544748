/* SPDX-License-Identifier: MIT */
/* Escaping text from a log for a terminal or a document: controls and bad UTF-8 as \xNN. */
#include <stdint.h>

#include "escape.h"

/* Length of the valid UTF-8 sequence at s (1..4), and its code point; 0 if it is not one. */
static size_t utf8_sequence(const unsigned char *s, size_t len, uint32_t *ret) {
        unsigned char c = s[0];
        size_t n;
        uint32_t cp;

        if (c < 0x80) {
                *ret = c;
                return 1;
        }
        if (c >= 0xc2 && c <= 0xdf)
                n = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4, cp = c & 0x07;
        else
                return 0;
        if (n > len)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret = cp;
        return n;
}

bool utf8_is_valid(const char *s, size_t len) {
        const unsigned char *u = (const unsigned char *) s;
        uint32_t cp;
        for (size_t i = 0; i < len;) {
                size_t n = utf8_sequence(u + i, len - i, &cp);
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

/* Whether a code point may reach a terminal as it is. */
static bool printable(uint32_t cp) {
        if (cp == '\t')
                return true;
        /* C0, DEL and the C1 controls U+0080..U+009F all drive terminals. */
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
                return false;
        /* Bidirectional controls can make a line read other than it is (the embeddings, overrides and
         * isolates, the marks LRM, RLM and the Arabic letter mark); invisible characters hide text or make
         * two strings look alike (zero-width space, non-joiner and joiner, the word joiner and invisible
         * operators, the Mongolian vowel separator, the byte-order mark); line and paragraph separators
         * end a line where none is seen. */
        if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
            (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0x061c ||
            cp == 0x180e || cp == 0xfeff || cp == 0x2028 || cp == 0x2029)
                return false;
        return true;
}

bool escape_needed(const char *s, size_t len) {
        const unsigned char *u = (const unsigned char *) s;
        uint32_t cp;
        for (size_t i = 0; i < len;) {
                size_t n = utf8_sequence(u + i, len - i, &cp);
                if (n == 0 || !printable(cp))
                        return true;
                i += n;
        }
        return false;
}

void escape_append(StrBuf *out, const char *s, size_t len) {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *u = (const unsigned char *) s;
        size_t i = 0;
        uint32_t cp;

        while (i < len) {
                size_t n = utf8_sequence(u + i, len - i, &cp);
                if (n == 0 || !printable(cp)) {
                        /* Escape the lead byte only; what follows is judged on its own. */
                        char e[4] = {'\\', 'x', hex[u[i] >> 4], hex[u[i] & 0xf]};
                        strbuf_append(out, e, 4);
                        i++;
                        continue;
                }
                strbuf_append(out, s + i, n);
                i += n;
        }
}

size_t escape_longest_backtick_run(const char *s, size_t len) {
        size_t best = 0, run = 0;
        for (size_t i = 0; i < len; i++) {
                run = s[i] == '`' ? run + 1 : 0;
                if (run > best)
                        best = run;
        }
        return best;
}
