/* SPDX-License-Identifier: MIT */
/* Escaping text from a log for a terminal or a document: controls and bad UTF-8 as \xNN. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "escape.h"
#include "strparse.h"

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

static struct json_object *json_escaped(const char *s,
                                        void (*escape)(StrBuf *out, const char *s, size_t len)) {
        StrBuf b = {0};
        escape(&b, s, strlen(s));
        if (strbuf_failed(&b)) {
                strbuf_done(&b);
                errno = ENOMEM;
                return NULL;
        }
        struct json_object *o = json_object_new_string_len(strbuf_str(&b), (int) b.len);
        strbuf_done(&b);
        return o;
}

struct json_object *json_text(const char *s) {
        return json_escaped(s, escape_append);
}

struct json_object *json_text_lines(const char *s) {
        return json_escaped(s, escape_append_lines);
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

void escape_sink_init(EscapeSink *s, bool json, bool color) {
        *s = (EscapeSink){.json = json, .color = color};
}

/* An SGR sequence ("\033[1;31m") at p, as the text renderer colours a terminal: its length, or 0. */
static size_t sgr_at(const unsigned char *p, size_t len) {
        if (len < 3 || p[0] != 0x1b || p[1] != '[')
                return 0;
        for (size_t i = 2; i < len && i < 16; i++) {
                if (p[i] == 'm')
                        return i + 1;
                if (!((p[i] >= '0' && p[i] <= '9') || p[i] == ';'))
                        return 0;
        }
        return 0;
}

/* JSON's escape of a control in a string, "\uXXXX" or "\b" "\f" "\r": the control, or -1 for any other
 * (and for "\n" and "\t", which the documents hold as their own line ends and indents). */
static int json_control_escape(const unsigned char *p, size_t len, size_t *n) {
        if (len < 2 || p[0] != '\\')
                return -1;
        switch (p[1]) {
        case 'b':
                *n = 2;
                return '\b';
        case 'f':
                *n = 2;
                return '\f';
        case 'r':
                *n = 2;
                return '\r';
        case 'u':
                break;
        default:
                return -1;
        }
        if (len < 6)
                return -1;
        Span digits = span_make((const char *) p + 2, 4);
        uint64_t v;
        if (!span_eat_xdigits(&digits, 4, &v))
                return -1;
        *n = 6;
        return v != '\n' && v != '\t' && !printable(v) ? (int) v : -1;
}

static void sink_escape_byte(EscapeSink *s, StrBuf *out, unsigned char c) {
        static const char hex[] = "0123456789abcdef";
        /* In a JSON string the backslash is itself escaped: the text decodes to what escape_append()
         * writes. */
        if (s->json && s->in_string)
                strbuf_putc(out, '\\');
        char e[4] = {'\\', 'x', hex[c >> 4], hex[c & 0xf]};
        strbuf_append(out, e, 4);
        s->escaped++;
}

/* How much of p (len bytes, more to come unless final) goes out as it is; sets *stop at the first thing that
 * must not: 1 for a byte or a JSON control escape to write escaped, 2 for an incomplete UTF-8 sequence that
 * the next piece may complete. */
static size_t sink_clean_prefix(EscapeSink *s, const unsigned char *p, size_t len, bool final, int *stop) {
        size_t i = 0;
        uint32_t cp;
        *stop = 0;
        while (i < len) {
                unsigned char c = p[i];
                if (c >= 0x20 && c < 0x7f) {
                        if (s->json) {
                                if (s->in_string && c == '\\') {
                                        size_t n;
                                        if (json_control_escape(p + i, len - i, &n) >= 0) {
                                                *stop = 1;
                                                return i;
                                        }
                                        /* An escape cut by the end of the piece: wait for the rest. */
                                        if (!final && len - i < 6) {
                                                *stop = 2;
                                                return i;
                                        }
                                        i += MIN(len - i, (size_t) 2); /* "\\", "\"", "\u00e9" ... */
                                        continue;
                                }
                                if (c == '"')
                                        s->in_string = !s->in_string;
                        }
                        i++;
                        continue;
                }
                if (c == '\n' || c == '\t') {
                        i++;
                        continue;
                }
                if (c == 0x1b && !s->json && s->color) {
                        size_t n = sgr_at(p + i, len - i);
                        if (n > 0) {
                                i += n;
                                continue;
                        }
                        if (!final && len - i < 16) {
                                *stop = 2;
                                return i;
                        }
                }
                if (c >= 0x80) {
                        size_t n = utf8_sequence(p + i, len - i, &cp);
                        if (n > 0 && printable(cp)) {
                                i += n;
                                continue;
                        }
                        /* A sequence cut at the end of the piece: its lead byte says how long it is. */
                        if (n == 0 && !final && len - i < 4 && ((c >= 0xc2 && c <= 0xf4))) {
                                size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2, k = 1;
                                while (i + k < len && (p[i + k] & 0xc0) == 0x80)
                                        k++;
                                if (i + k == len && k < want) {
                                        *stop = 2;
                                        return i;
                                }
                        }
                }
                *stop = 1;
                return i;
        }
        return i;
}

void escape_sink_append(EscapeSink *s, StrBuf *out, const char *piece, size_t len, bool final) {
        _cleanup_(strbuf_done) StrBuf joined = {0};
        const unsigned char *p = (const unsigned char *) piece;

        if (s->n_pending > 0) {
                strbuf_append(&joined, s->pending, s->n_pending);
                strbuf_append(&joined, piece, len);
                s->n_pending = 0;
                p = (const unsigned char *) strbuf_str(&joined);
                len = joined.len;
        }
        while (len > 0) {
                int stop;
                size_t n = sink_clean_prefix(s, p, len, final, &stop);
                strbuf_append(out, (const char *) p, n);
                p += n;
                len -= n;
                if (stop == 2) {
                        /* At most a few bytes: an escape, a UTF-8 sequence or a colour cut by the piece. */
                        s->n_pending = MIN(len, sizeof(s->pending));
                        memcpy(s->pending, p, s->n_pending);
                        return;
                }
                if (stop == 1) {
                        size_t k;
                        int ctl = s->json && s->in_string ? json_control_escape(p, len, &k) : -1;
                        if (ctl >= 0) {
                                /* "\u001b" as JSON writes a control: the text "\x1b" instead. */
                                sink_escape_byte(s, out, (unsigned char) ctl);
                                p += k;
                                len -= k;
                        } else {
                                sink_escape_byte(s, out, p[0]);
                                p++;
                                len--;
                        }
                }
        }
}

void escape_append_lines(StrBuf *out, const char *s, size_t len) {
        while (len > 0) {
                const char *nl = memchr(s, '\n', len);
                size_t n = nl ? (size_t) (nl - s) : len;
                escape_append(out, s, n);
                if (!nl)
                        break;
                strbuf_putc(out, '\n');
                s += n + 1;
                len -= n + 1;
        }
}
