/* SPDX-License-Identifier: MIT */
/* The pasted-text stage: wrappers peeled and characters normalised, so a pasted line reaches the rules. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "errno_name.h"
#include "json_object.h"
#include "paste.h"
#include "pci_address.h"
#include "vfioexplain/macro.h"

/* Room for every derived text of one line: the normalised copy, unescaped values, split pieces. Each is at
 * most the line's length, and the work below makes at most a few generations of them. */
#define SCRATCH_SIZE (6u * VX_LINE_MAX + 64u)

typedef struct Item {
        PastePiece pc;
        unsigned depth;
} Item;

struct Paste {
        char *scratch;
        size_t used;
        Item queue[VX_PASTE_PIECES_MAX];
        size_t n_queue;
        PastePiece out[VX_PASTE_PIECES_MAX];
        size_t n_out;
};

int paste_new(Paste **ret) {
        _cleanup_free_ Paste *p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->scratch = malloc(SCRATCH_SIZE);
        if (!p->scratch)
                return -ENOMEM;
        *ret = TAKE_PTR(p);
        return 0;
}

Paste *paste_free(Paste *p) {
        if (!p)
                return NULL;
        free(p->scratch);
        free(p);
        return NULL;
}

/* Room for n more bytes of scratch, NULL when there is none (the text is then left as it is). */
static char *scratch_take(Paste *p, size_t n) {
        if (n > SCRATCH_SIZE - p->used)
                return NULL;
        char *s = p->scratch + p->used;
        p->used += n;
        return s;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static void trim_end(Span *s) {
        while (s->len > 0 &&
               (is_blank(s->p[s->len - 1]) || s->p[s->len - 1] == '\r' || s->p[s->len - 1] == '\n'))
                s->len--;
}

static void trim(Span *s) {
        span_eat_blanks(s);
        trim_end(s);
}

static bool add_layer(PastePiece *pc, PasteLayerKind kind, Span what) {
        if (pc->n_layers >= VX_PASTE_DEPTH_MAX)
                return false;
        pc->layers[pc->n_layers++] = (PasteLayer){kind, what};
        return true;
}

/* ---- Characters ---- */

/* The ASCII a code point stands for in a message, "" to drop it, NULL to keep it. */
static const char *ascii_of(uint32_t cp) {
        switch (cp) {
        case 0x2018: /* ‘ ’ ‚ ‛ ′ ´ */
        case 0x2019:
        case 0x201a:
        case 0x201b:
        case 0x2032:
        case 0x00b4:
                return "'";
        case 0x201c: /* “ ” „ ‟ ″ « » */
        case 0x201d:
        case 0x201e:
        case 0x201f:
        case 0x2033:
                return "\"";
        case 0x2010: /* ‐ ‑ ‒ – — ― − */
        case 0x2011:
        case 0x2012:
        case 0x2013:
        case 0x2014:
        case 0x2015:
        case 0x2212:
                return "-";
        case 0x2026:
                return "...";
        case 0x00a0: /* no-break space, the typographic spaces, ideographic space */
        case 0x202f:
        case 0x205f:
        case 0x3000:
                return " ";
        case 0x00ad: /* soft hyphen, zero-width space/non-joiner/joiner, word joiner, BOM */
        case 0x200b:
        case 0x200c:
        case 0x200d:
        case 0x2060:
        case 0xfeff:
                return "";
        }
        if (cp >= 0x2000 && cp <= 0x200a)
                return " ";
        return NULL;
}

/* The code point at s (valid UTF-8 of 2 or 3 bytes only: what ascii_of() and the full-width forms need),
 * its length in *n; 0 for anything else. */
static uint32_t decode_23(const unsigned char *s, size_t len, size_t *n) {
        if (len >= 2 && (s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80 && s[0] >= 0xc2) {
                *n = 2;
                return (uint32_t) (s[0] & 0x1f) << 6 | (s[1] & 0x3f);
        }
        if (len >= 3 && (s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
                uint32_t cp = (uint32_t) (s[0] & 0x0f) << 12 | (uint32_t) (s[1] & 0x3f) << 6 | (s[2] & 0x3f);
                if (cp >= 0x800) {
                        *n = 3;
                        return cp;
                }
        }
        return 0;
}

/* Whether the sequence at s is one the normaliser changes: *n its length. */
static bool normalisable_at(const unsigned char *s, size_t len, size_t *n) {
        uint32_t cp = decode_23(s, len, n);
        if (cp == 0)
                return false;
        return ascii_of(cp) || (cp >= 0xff01 && cp <= 0xff5e);
}

/* The first byte >= 0x80 of u[i..len), len if none: eight bytes at a time, as most lines have none. */
static size_t next_high(const unsigned char *u, size_t len, size_t i) {
        for (; i + 8 <= len; i += 8) {
                uint64_t w;
                memcpy(&w, u + i, sizeof(w));
                if (w & UINT64_C(0x8080808080808080))
                        break;
        }
        while (i < len && u[i] < 0x80)
                i++;
        return i;
}

/* The first sequence of u[0..len) the normaliser changes, len if none. */
static size_t first_normalisable(const unsigned char *u, size_t len) {
        size_t n;
        for (size_t i = next_high(u, len, 0); i < len; i = next_high(u, len, i + 1))
                if (u[i] >= 0xc2 && normalisable_at(u + i, len - i, &n))
                        return i;
        return len;
}

bool paste_needs_normalising(const char *buf, size_t len) {
        return first_normalisable((const unsigned char *) buf, len) < len;
}

/* Where a terminal's escape sequence was pasted in caret notation ("^[[31m": cat -v, vim, a pager showing
 * control characters), the '[' standing for ESC; NULL if none. Only a CSI or an OSC after it is taken: "^["
 * before anything else is too common in other text (a regular expression). */
static const char *find_caret_escape(const char *buf, size_t len) {
        for (const char *p = buf; (p = memchr(p, '^', len - (size_t) (p - buf))) && p + 2 < buf + len; p++)
                if (p[1] == '[' && (p[2] == '[' || p[2] == ']'))
                        return p + 1;
        return NULL;
}

bool paste_has_escape(const char *buf, size_t len) {
        if (memchr(buf, 0x1b, len) || find_caret_escape(buf, len))
                return true;
        for (const char *p = buf; (p = memchr(p, '\\', len - (size_t) (p - buf))) && p + 1 < buf + len; p++)
                if (p[1] == '"' || p[1] == 'n' || p[1] == 'u' || p[1] == '\\')
                        return true;
        return false;
}

/* Typographic characters out of t, into scratch: true if it changed. */
static bool normalise(Paste *p, Span *t) {
        const unsigned char *u = (const unsigned char *) t->p;
        size_t i = first_normalisable(u, t->len), n;

        /* Most lines have nothing to change: found without copying. */
        if (i == t->len)
                return false;
        char *out = scratch_take(p, t->len); /* never longer: each sequence becomes fewer bytes */
        if (!out)
                return false;
        memcpy(out, t->p, i);
        size_t o = i;
        while (i < t->len) {
                uint32_t cp = u[i] >= 0xc2 ? decode_23(u + i, t->len - i, &n) : 0;
                const char *r = cp ? ascii_of(cp) : NULL;
                if (r) {
                        size_t rl = strlen(r);
                        if (rl > n) /* "…" is three bytes and becomes three */
                                rl = n;
                        memcpy(out + o, r, rl);
                        o += rl;
                        i += n;
                } else if (cp >= 0xff01 && cp <= 0xff5e) {
                        out[o++] = (char) (cp - 0xff01 + 0x21);
                        i += n;
                } else
                        out[o++] = t->p[i++];
        }
        *t = span_make(out, o);
        return true;
}

/* ---- Wrappers ---- */

/* The length of the escape sequence at s[0] (an ESC), 1 for a lone ESC: a CSI ("ESC[1;31m", ECMA-48:
 * parameter bytes 0x30-0x3f, intermediate bytes 0x20-0x2f, a final byte 0x40-0x7e), an OSC ("ESC]8;;URL" up
 * to BEL or "ESC\\": a terminal's hyperlink, a window title), or ESC and one byte. */
static size_t escape_sequence_len(const char *s, size_t len) {
        size_t i = 1;
        if (len < 2)
                return 1;
        if (s[1] == '[') {
                for (i = 2; i < len && s[i] >= 0x30 && s[i] <= 0x3f; i++)
                        ;
                for (; i < len && s[i] >= 0x20 && s[i] <= 0x2f; i++)
                        ;
                return i < len && s[i] >= 0x40 && s[i] <= 0x7e ? i + 1 : i;
        }
        if (s[1] == ']') {
                for (i = 2; i < len; i++) {
                        if (s[i] == '\a')
                                return i + 1;
                        if (s[i] == 0x1b)
                                return i + 1 < len && s[i + 1] == '\\' ? i + 2 : i;
                }
                return len;
        }
        return 2;
}

/* A terminal's escape sequences out of t (colours a log kept when a program wrote them to a file or a
 * container runtime recorded them, a typescript of script(1)), into scratch: true if it changed. */
static bool strip_colours(Paste *p, Span *t) {
        bool esc = memchr(t->p, 0x1b, t->len), caret = find_caret_escape(t->p, t->len);
        if (!esc && !caret)
                return false;
        char *out = scratch_take(p, t->len);
        if (!out)
                return false;
        size_t o = 0;
        for (size_t i = 0; i < t->len;) {
                if (t->p[i] == 0x1b) {
                        i += escape_sequence_len(t->p + i, t->len - i);
                        continue;
                }
                /* the same in caret notation, "^[" for ESC and "^M" for a carriage return, once the line
                 * shows it is written so (a CSI or an OSC after a "^[") */
                if (caret && t->p[i] == '^' && i + 2 < t->len && t->p[i + 1] == '[' &&
                    (t->p[i + 2] == '[' || t->p[i + 2] == ']')) {
                        i += 1 + escape_sequence_len(t->p + i + 1, t->len - i - 1);
                        continue;
                }
                bool cr =
                        t->p[i] == '\r' || (caret && t->p[i] == '^' && i + 1 < t->len && t->p[i + 1] == 'M');
                /* a carriage return inside the line: what follows was written over it from the first column
                 * (script(1)'s typescript puts one after bracketed paste's "ESC[?2004l") */
                if (cr) {
                        i += t->p[i] == '\r' ? 1 : 2;
                        if (i < t->len)
                                o = 0;
                        continue;
                }
                out[o++] = t->p[i++];
        }
        *t = span_make(out, o);
        return true;
}

/* The runs of blanks in t where a terminal's row ended (VX_WRAP_PADDING_MIN blanks or more, after a row of
 * VX_WRAP_WIDTH_MIN bytes or more, text after them): their bounds in runs, how many (at most max). */
static size_t find_wrap_padding(Span t, size_t runs[][2], size_t max) {
        size_t n = 0, row = 0;
        for (size_t i = 0; i < t.len && n < max;) {
                if (t.p[i] != ' ') {
                        i++;
                        continue;
                }
                size_t end = i;
                while (end < t.len && t.p[end] == ' ')
                        end++;
                if (end - i >= VX_WRAP_PADDING_MIN && end < t.len && i - row >= VX_WRAP_WIDTH_MIN) {
                        runs[n][0] = i;
                        runs[n][1] = end;
                        n++;
                        row = end;
                }
                i = end;
        }
        return n;
}

bool paste_has_wrap_padding(const char *buf, size_t len) {
        size_t runs[1][2];
        return find_wrap_padding(span_make(buf, len), runs, 1) > 0;
}

/* A terminal's wrap copied as blanks out of t, into scratch: true if it had one. A run holds the blanks that
 * ended its row, the padding, and the blanks that started the next row. Row k starts at k times the pitch
 * (row and padding): with two runs or more, the pitch is the least a run's end shows, the width the widest
 * row; a row that starts after its pitch, or that is narrower than the width, had a blank there, one kept.
 * With one run, a row that ends with a ':', ',' or ';' before a word lost one, as a rule (libxl's "Domain
 * 1:xc_assign_device" has none): *alt is then the other reading. With more, where nothing shows a blank, a
 * word cut at the row's end and two words are alike to the copy: *alt is the rows joined with a blank at
 * each run. Else *alt is empty. */
static bool unpad_wrap(Paste *p, Span *t, Span *alt) {
        size_t runs[VX_PASTE_PIECES_MAX][2];
        size_t n = find_wrap_padding(*t, runs, ELEMENTSOF(runs));
        *alt = (Span){0};
        if (n == 0)
                return false;
        char *out = scratch_take(p, t->len), *other = scratch_take(p, t->len);
        if (!out || !other)
                return false;
        size_t pitch = SIZE_MAX, width = 0;
        for (size_t k = 0; k < n; k++)
                pitch = MIN(pitch, runs[k][1] / (k + 1));
        for (size_t k = 0; k < n; k++)
                width = MAX(width, runs[k][0] - MIN(runs[k][0], k * pitch));
        size_t o = 0, a = 0, row = 0;
        bool any = false;
        for (size_t k = 0; k < n; row = runs[k][1], k++) {
                size_t at = runs[k][0];
                memcpy(out + o, t->p + row, at - row);
                memcpy(other + a, t->p + row, at - row);
                o += at - row;
                a += at - row;
                char before = t->p[at - 1], after = t->p[runs[k][1]];
                bool blank = n > 1
                        ? runs[k][1] > (k + 1) * pitch || at - MIN(at, k * pitch) < width
                        : (before == ':' || before == ',' || before == ';') && !span_is_digit(after);
                if (blank)
                        out[o++] = ' ';
                any = any || blank;
                if (n > 1 || !blank)
                        other[a++] = ' ';
        }
        memcpy(out + o, t->p + row, t->len - row);
        memcpy(other + a, t->p + row, t->len - row);
        o += t->len - row;
        a += t->len - row;
        *t = span_make(out, o);
        if (n == 1 || !any)
                *alt = span_make(other, a);
        return true;
}

/* containerd's and CRI-O's log line (what kubectl logs reads, and what people copy from
 * /var/log/pods/.../0.log): an RFC 3339 time, the stream, "F" for a full line or "P" for a part of one, and
 * the line the container wrote. */
bool paste_cri_record(Span line, CriRecord *ret) {
        Span t = line, stamp;
        if (t.len < 32 || !span_is_digit(t.p[0]) || t.p[4] != '-' || t.p[10] != 'T')
                return false;
        if (!span_eat_until(&t, ' ', &stamp) || stamp.len > VX_CRI_STAMP_MAX)
                return false;
        span_advance(&t, 1);
        if (!span_starts_with(t, "stdout ") && !span_starts_with(t, "stderr "))
                return false;
        bool err = t.p[3] == 'e'; /* "stderr" */
        span_advance(&t, 7);
        if (t.len < 2 || (t.p[0] != 'F' && t.p[0] != 'P') || t.p[1] != ' ')
                return false;
        bool partial = t.p[0] == 'P';
        span_advance(&t, 2);
        *ret = (CriRecord){.from_stderr = err, .partial = partial, .content = t};
        return true;
}

static bool peel_cri(PastePiece *pc) {
        CriRecord r;
        if (!paste_cri_record(pc->text, &r))
                return false;
        pc->text = r.content;
        return add_layer(pc, PASTE_CRI, (Span){0});
}

static bool starts_with_utf8(Span t, const char *seq) {
        return span_starts_with(t, seq);
}

/* "│ ... │" of a pane: the left border, and the right one if there (no right border: cut at the pane's
 * edge). */
static bool peel_pane(PastePiece *pc) {
        static const char *const borders[] = {"\xe2\x94\x82", "\xe2\x94\x83", "\xe2\x95\x91"}; /* │ ┃ ║ */
        Span *t = &pc->text;
        for (size_t i = 0; i < ELEMENTSOF(borders); i++) {
                if (!starts_with_utf8(*t, borders[i]))
                        continue;
                span_advance(t, 3);
                size_t padding = t->len;
                trim_end(t);
                padding -= t->len;
                bool right = t->len >= 3 && memcmp(t->p + t->len - 3, borders[i], 3) == 0;
                (void) padding;
                if (right) {
                        t->len -= 3;
                        /* Text up to the right border, with no padding before it: the line went on past the
                         * pane's edge. (A left border alone is a tmux pane's right of another.) */
                        if (t->len > 0 && !is_blank(t->p[t->len - 1]))
                                pc->cut = true;
                }
                trim(t);
                return add_layer(pc, PASTE_PANE, (Span){0});
        }
        return false;
}

/* The columns a program's log puts before its message, separated by a box-drawing bar ("08:10:12 ERROR
 * 08:10:12 │ ERROR  │ Failed to open ...", "16:38:14 │ WARNING│ [VFIO] ..."): the message is what follows
 * the last bar, when a blank follows it and the line does not start or end with one (a pane's borders). */
static bool peel_columns(PastePiece *pc) {
        static const char bar[] = "\xe2\x94\x82"; /* │ */
        Span t = pc->text;
        if (t.len < 8 || starts_with_utf8(t, bar) || (t.len >= 3 && memcmp(t.p + t.len - 3, bar, 3) == 0))
                return false;
        const char *last = NULL;
        for (const char *q = t.p; (q = memmem(q, t.len - (size_t) (q - t.p), bar, 3)); q += 3)
                last = q;
        if (!last || last + 4 >= t.p + t.len || last[3] != ' ')
                return false;
        Span what = span_make(t.p, (size_t) (last - t.p));
        pc->text = span_make(last + 4, t.len - (size_t) (last + 4 - t.p));
        trim(&pc->text);
        return add_layer(pc, PASTE_COLUMNS, what);
}

static bool peel_quote(PastePiece *pc) {
        Span *t = &pc->text;
        if (t->len == 0 || t->p[0] != '>')
                return false;
        /* ">>>" and "> > " alike. */
        while (t->len > 0 && (t->p[0] == '>' || t->p[0] == ' '))
                span_advance(t, 1);
        return add_layer(pc, PASTE_QUOTE, (Span){0});
}

static bool peel_code(PastePiece *pc) {
        Span *t = &pc->text;
        size_t lead = 0, tail = 0;
        while (lead < t->len && t->p[lead] == '`')
                lead++;
        while (tail < t->len - lead && t->p[t->len - 1 - tail] == '`')
                tail++;
        if (lead == t->len) /* a fence "```" or "```sh" alone is no message */
                return false;
        if (lead == 3 && tail == 0) /* "```shell" opens a fence; its info string is no message either */
                return false;
        /* "fails with `...`", "`...` is what I get": code inside a sentence (split_sentence()), not around
         * the line. Backticks at both ends are taken as around it ("`a` and `b`" is read both ways, peel()).
         */
        if ((lead == 0 || tail == 0) && memchr(t->p + lead, '`', t->len - lead - tail))
                return false;
        if (lead == 0 && tail == 0) {
                if (t->len >= 4 && span_starts_with(*t, "**") && t->p[t->len - 1] == '*' &&
                    t->p[t->len - 2] == '*') {
                        span_advance(t, 2);
                        t->len -= 2;
                        trim(t);
                        return add_layer(pc, PASTE_CODE, (Span){0});
                }
                return false;
        }
        span_advance(t, lead);
        t->len -= tail;
        trim(t);
        return add_layer(pc, PASTE_CODE, (Span){0});
}

static bool peel_bullet(PastePiece *pc) {
        static const char *const symbols[] = {"\xe2\x80\xa2", "\xe2\x97\xa6", "\xe2\x96\xaa"}; /* • ◦ ▪ */
        Span *t = &pc->text;
        for (size_t i = 0; i < ELEMENTSOF(symbols); i++)
                if (starts_with_utf8(*t, symbols[i])) {
                        span_advance(t, 3);
                        trim(t);
                        return add_layer(pc, PASTE_BULLET, (Span){0});
                }
        if (t->len >= 2 && (t->p[0] == '-' || t->p[0] == '*') && t->p[1] == ' ') {
                span_advance(t, 2);
                trim(t);
                return add_layer(pc, PASTE_BULLET, (Span){0});
        }
        /* "1. " or "2) " */
        Span u = *t;
        if (span_eat_digits(&u, 1, 3, NULL) && u.len >= 2 && (u.p[0] == '.' || u.p[0] == ')') &&
            u.p[1] == ' ') {
                span_advance(&u, 2);
                *t = u;
                trim(t);
                return add_layer(pc, PASTE_BULLET, (Span){0});
        }
        return false;
}

static bool is_name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || span_is_digit(c) || c == '_' ||
                c == '.' || c == '-';
}

/* docker compose: the service (padded) and "| ". The name starts with a letter or digit; at least one blank
 * before the bar, one after; "||" is no compose prefix. */
static bool peel_compose(PastePiece *pc) {
        Span t = pc->text;
        size_t n = 0;
        while (n < t.len && n < 64 && is_name_char(t.p[n]))
                n++;
        if (n == 0 || !(span_is_digit(t.p[0]) || (t.p[0] | 0x20) >= 'a') || n >= t.len || t.p[n] != ' ')
                return false;
        Span name = span_make(t.p, n);
        span_advance(&t, n);
        if (span_eat_blanks(&t) == 0 || !span_eat_char(&t, '|') || (t.len > 0 && t.p[0] == '|'))
                return false;
        if (t.len > 0 && !span_eat_char(&t, ' '))
                return false;
        pc->text = t;
        trim(&pc->text);
        return add_layer(pc, PASTE_COMPOSE, name);
}

static bool peel_kubectl(PastePiece *pc) {
        Span t = pc->text, prefix;
        if (!span_starts_with(t, "[pod/"))
                return false;
        if (!span_eat_until(&t, ']', &prefix) || memchr(prefix.p, ' ', prefix.len) ||
            memchr(prefix.p + 5, '/', prefix.len - 5) == NULL)
                return false;
        span_advance(&t, 1);
        span_advance(&prefix, 1);
        pc->text = t;
        trim(&pc->text);
        return add_layer(pc, PASTE_KUBECTL, prefix);
}

/* The fields of a kubectl describe Events row, separated by two blanks or more: Type Reason Age From
 * Message.
 */
static bool peel_events(PastePiece *pc) {
        Span t = pc->text;
        if (!span_starts_with(t, "Warning ") && !span_starts_with(t, "Normal "))
                return false;
        for (unsigned field = 0; field < 4; field++) {
                /* to the next run of two blanks */
                const char *p = t.p, *end = t.p + t.len;
                while (p + 1 < end && !(is_blank(p[0]) && is_blank(p[1])))
                        p++;
                if (p + 1 >= end)
                        return false;
                span_advance(&t, (size_t) (p - t.p));
                span_eat_blanks(&t);
        }
        if (t.len == 0)
                return false;
        pc->text = t;
        return add_layer(pc, PASTE_EVENTS, (Span){0});
}

/* A quoted value at t ('"' eaten), to its closing quote; escapes are kept (unescaped later). */
static bool eat_quoted(Span *t, char q, Span *ret) {
        for (size_t i = 0; i < t->len; i++) {
                if (t->p[i] == '\\') {
                        i++;
                        continue;
                }
                if (t->p[i] == q) {
                        *ret = span_make(t->p, i);
                        span_advance(t, i + 1);
                        return true;
                }
        }
        return false;
}

static bool is_message_key(Span key) {
        static const char *const keys[] = {"msg", "message", "error", "err", "reason"};
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (key.len == strlen(keys[i]) && memcmp(key.p, keys[i], key.len) == 0)
                        return true;
        return false;
}

static void push_item(Paste *p, const Item *parent, Span text, PasteLayerKind kind, Span what) {
        if (p->n_queue >= VX_PASTE_PIECES_MAX)
                return;
        Item it = *parent;
        it.pc.text = text;
        it.depth++;
        add_layer(&it.pc, kind, what);
        p->queue[p->n_queue++] = it;
}

/* logfmt (logrus, Go's slog, incus, kata): key=value pairs from the first; the line starts with one of the
 * keys such loggers start with. Each message value (msg=, error=, err=, reason=) becomes a piece. A QEMU
 * option string that holds "msg=" starts with no such key, and is left alone. */
static bool peel_logfmt(Paste *p, Item *it) {
        static const char *const starts[] = {"time=", "ts=", "t=", "level=", "lvl=", "timestamp="};
        Span t = it->pc.text;
        bool start = false;
        for (size_t i = 0; i < ELEMENTSOF(starts) && !start; i++)
                start = span_starts_with(t, starts[i]);
        if (!start)
                return false;
        Span values[4], keys[4];
        size_t n = 0;
        while (t.len > 0) {
                Span key, value;
                size_t k = 0;
                while (k < t.len && t.p[k] != '=' && t.p[k] != ' ')
                        k++;
                if (k == 0 || k == t.len || t.p[k] != '=')
                        return false; /* not key=value: not logfmt after all */
                key = span_make(t.p, k);
                span_advance(&t, k + 1);
                if (span_eat_char(&t, '"')) {
                        if (!eat_quoted(&t, '"', &value))
                                return false;
                } else {
                        size_t v = 0;
                        while (v < t.len && t.p[v] != ' ')
                                v++;
                        value = span_make(t.p, v);
                        span_advance(&t, v);
                }
                if (is_message_key(key) && value.len > 0 && n < ELEMENTSOF(values)) {
                        keys[n] = key;
                        values[n++] = value;
                }
                span_eat_blanks(&t);
        }
        if (n == 0)
                return false;
        for (size_t i = 1; i < n; i++)
                push_item(p, it, values[i], PASTE_LOGFMT, keys[i]);
        it->pc.text = values[0];
        return add_layer(&it->pc, PASTE_LOGFMT, keys[0]);
}

/* A JSON object that is not journald's (which the classifier reads): its message fields become pieces. */
static bool peel_json(Paste *p, Item *it) {
        static const char *const keys[] = {"msg", "message", "error", "err", "reason", "log"};
        Span t = it->pc.text;
        if (t.len < 2 || t.p[0] != '{')
                return false;
        /* A record copied out of an array or a stream of them keeps the ',' after it; one cut after a
         * field, the ',' that followed the field: that record is closed again. */
        bool closed = true;
        if (t.p[t.len - 1] == ',') {
                t.len--;
                trim_end(&t);
                if (t.len > 0 && t.p[t.len - 1] == '"')
                        closed = false;
        }
        if (t.len < 2 || (closed && t.p[t.len - 1] != '}') || span_find(t, "\"MESSAGE\"") ||
            span_find(t, "\"__CURSOR\""))
                return false;
        if (!closed) {
                char *copy = scratch_take(p, t.len + 1);
                if (!copy)
                        return false;
                memcpy(copy, t.p, t.len);
                copy[t.len] = '}';
                t = span_make(copy, t.len + 1);
        }
        json_object *root;
        if (json_object_parse_whole(t.p, t.len, 8, &root) < 0)
                return false;
        bool first = true;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                json_object *v;
                if (!json_object_object_get_ex(root, keys[i], &v) ||
                    !json_object_is_type(v, json_type_string))
                        continue;
                size_t len = (size_t) json_object_get_string_len(v);
                char *copy = len > 0 ? scratch_take(p, len) : NULL;
                if (!copy)
                        continue;
                memcpy(copy, json_object_get_string(v), len);
                Span value = span_make(copy, len);
                Span key = span_from_str(keys[i]);
                if (first) {
                        it->pc.text = value;
                        add_layer(&it->pc, PASTE_JSON, key);
                        first = false;
                } else
                        push_item(p, it, value, PASTE_JSON, key);
        }
        json_object_put(root);
        return !first;
}

/* The directory a prompt shows ("root@pve:/sys/bus/pci/devices/0000:01:00.0# "), kept with the piece for a
 * relative path; only one per line, so it lives in the stage. */
static bool peel_prompt(PastePiece *pc) {
        Span t = pc->text, u = t;
        size_t n = 0;

        /* virsh's own shell: "virsh # " */
        if (span_eat_literal(&u, "virsh # ") || span_eat_literal(&u, "virsh> ")) {
                pc->text = u;
                pc->command = true;
                return add_layer(pc, PASTE_PROMPT, span_make(t.p, (size_t) (u.p - t.p)));
        }
        /* "[user@host dir]# " */
        if (t.len > 3 && t.p[0] == '[') {
                const char *close = memchr(t.p, ']', MIN(t.len, (size_t) 256));
                if (close && memchr(t.p, '@', (size_t) (close - t.p)) && close + 1 < t.p + t.len &&
                    (close[1] == '#' || close[1] == '$')) {
                        span_advance(&u, (size_t) (close + 2 - t.p));
                        pc->root_prompt = close[1] == '#';
                        pc->user_prompt = close[1] == '$';
                        goto found;
                }
                return false;
        }
        /* "user@host:dir# ", "user@host dir $ ", "bash-5.1# " */
        while (n < t.len && n < 64 && is_name_char(t.p[n]))
                n++;
        if (n > 0 && n < t.len && t.p[n] == '@') {
                const char *p = t.p + n, *end = t.p + MIN(t.len, (size_t) 256);
                while (p < end && *p != '#' && *p != '$')
                        p++;
                if (p == end || (p + 1 < t.p + t.len && p[1] != ' '))
                        return false;
                pc->root_prompt = *p == '#';
                pc->user_prompt = *p == '$';
                span_advance(&u, (size_t) (p + 1 - t.p));
                goto found;
        }
        if ((span_starts_with(t, "bash-") || span_starts_with(t, "sh-")) && n < t.len &&
            (t.p[n] == '#' || t.p[n] == '$')) {
                pc->root_prompt = t.p[n] == '#';
                pc->user_prompt = t.p[n] == '$';
                span_advance(&u, n + 1);
                goto found;
        }
        /* busybox ash's "\\w \\$ ": "/ # cmd", "~ $ cmd", "/sys/bus/pci # cmd" */
        if (t.len > 4 && (t.p[0] == '/' || t.p[0] == '~')) {
                size_t w = 0;
                while (w < t.len && w < 128 && t.p[w] != ' ')
                        w++;
                if (w + 2 < t.len && t.p[w] == ' ' && (t.p[w + 1] == '#' || t.p[w + 1] == '$') &&
                    t.p[w + 2] == ' ') {
                        pc->root_prompt = t.p[w + 1] == '#';
                        pc->user_prompt = t.p[w + 1] == '$';
                        span_advance(&u, w + 2);
                        goto found;
                }
        }
        /* "# cmd", "#cmd", "$ cmd", "% cmd" */
        if (t.len >= 2 && (t.p[0] == '#' || t.p[0] == '$' || t.p[0] == '%') &&
            (t.p[1] == ' ' || (t.p[0] == '#' && t.p[1] >= 'a' && t.p[1] <= 'z'))) {
                pc->root_prompt = t.p[0] == '#';
                pc->user_prompt = t.p[0] != '#';
                span_advance(&u, 1);
                goto found;
        }
        return false;
found:
        span_eat_blanks(&u);
        pc->text = u;
        pc->command = true;
        return add_layer(pc, PASTE_PROMPT, span_make(t.p, (size_t) (u.p - t.p)));
}

static bool peel_xtrace(PastePiece *pc) {
        Span t = pc->text;
        size_t n = 0;
        while (n < t.len && t.p[n] == '+')
                n++;
        if (n == 0 || n >= t.len || t.p[n] != ' ')
                return false;
        span_advance(&t, n + 1);
        pc->text = t;
        pc->command = true;
        return add_layer(pc, PASTE_XTRACE, (Span){0});
}

static bool peel_monitor(PastePiece *pc) {
        Span t = pc->text;
        if (!span_eat_literal(&t, "(qemu) "))
                return false;
        pc->text = t;
        return add_layer(pc, PASTE_MONITOR, (Span){0});
}

/* A program's output as the program that ran it shows it when it failed: "stderr: \"...\"" (Python's and
 * Rust's "X failed:\nstdout: ...\nstderr: ..." of a subprocess; Qubes OS's GUI shows qvm-start's so). The
 * quotes are the shower's: the closing one goes if it ends the line. */
static bool peel_output(PastePiece *pc) {
        Span t = pc->text, u = t;
        if (t.len < 9 || t.p[0] != 's' ||
            !(span_eat_literal(&u, "stderr: ") || span_eat_literal(&u, "stdout: ")))
                return false;
        if (span_eat_char(&u, '"') && u.len > 0 && u.p[u.len - 1] == '"')
                u.len--;
        pc->text = u;
        trim(&pc->text);
        return add_layer(pc, PASTE_OUTPUT, span_make(t.p, 6));
}

/* What a container engine appends to the error of the runtime below it: podman's define.ErrOCIRuntime*
 * errors, wrapped as "%s: %w" (libpod/define/errors.go, in both wordings of their history), and the gRPC
 * status "unknown" that containerd and docker add ("...: Operation not permitted: unknown", docker's CLI
 * with a period after it). ": unknown" only after an errno's text or, when quoted, in an error a manager's
 * prefix quoted ("ctr: failed to create shim task: ..."): elsewhere it may be the message's own. The length
 * of the suffix at the end of t, its ": " and a period after it included; 0 if none. */
static size_t runtime_suffix_len(Span t, bool quoted) {
        static const char *const suffixes[] = {
                ": OCI runtime error",
                ": OCI runtime permission denied error",
                ": OCI permission denied",
                ": OCI runtime command not found error",
                ": OCI runtime attempted to invoke a command that was not found",
        };
        size_t period = t.len > 0 && t.p[t.len - 1] == '.';
        t.len -= period;
        if (t.len < 10 || (t.p[t.len - 1] != 'r' && t.p[t.len - 1] != 'd' && t.p[t.len - 1] != 'n'))
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++) {
                size_t n = strlen(suffixes[i]);
                if (t.len > n && memcmp(t.p + t.len - n, suffixes[i], n) == 0)
                        return n + period;
        }
        if (t.len <= 9 || memcmp(t.p + t.len - 9, ": unknown", 9) != 0)
                return 0;
        if (quoted)
                return 9 + period;
        /* the text after the last ": " before it */
        size_t k = t.len - 9;
        const char *name, *glibc;
        while (k >= 2 && !(t.p[k - 2] == ':' && t.p[k - 1] == ' '))
                k--;
        return k >= 2 && errno_from_text(span_make(t.p + k, t.len - 9 - k), &name, &glibc) ? 9 + period : 0;
}

static bool peel_runtime_suffix(PastePiece *pc) {
        bool quoted = false;
        for (size_t i = 0; i < pc->n_layers && !quoted; i++)
                quoted = pc->layers[i].kind == PASTE_MANAGER;
        size_t n = runtime_suffix_len(pc->text, quoted);
        if (n == 0)
                return false;
        Span what = span_make(pc->text.p + pc->text.len - n + 2, n - 2);
        pc->text.len -= n;
        trim_end(&pc->text);
        return add_layer(pc, PASTE_RUNTIME_SUFFIX, what);
}

/* The length of "')\"" or "')" at the end of t when t holds no quote it closes: what is left of KubeVirt's
 * LibvirtError(..., Message='...') when a user broke the message over lines (the "Message='" on a line
 * before). A line holding an odd count of "'" with one of them in the residue opened none of its own. */
static size_t quote_residue_len(Span t) {
        size_t n = 0;
        if (t.len >= 3 && memcmp(t.p + t.len - 3, "')\"", 3) == 0)
                n = 3;
        else if (t.len >= 2 && memcmp(t.p + t.len - 2, "')", 2) == 0)
                n = 2;
        if (n == 0)
                return 0;
        size_t quotes = 0;
        for (const char *q = t.p; (q = memchr(q, '\'', t.len - n - (size_t) (q - t.p))); q++)
                quotes++;
        return quotes % 2 == 0 ? n : 0;
}

static void peel_residue(PastePiece *pc) {
        size_t n = quote_residue_len(pc->text);
        if (n == 0)
                return;
        Span what = span_make(pc->text.p + pc->text.len - n, n);
        pc->text.len -= n;
        trim_end(&pc->text);
        add_layer(pc, PASTE_RESIDUE, what);
}

/* The quotes a management layer puts around the message it quotes. */
static void strip_quotes(Span *t) {
        if (t->len >= 2 && (t->p[0] == '\'' || t->p[0] == '"') && t->p[t->len - 1] == t->p[0]) {
                span_advance(t, 1);
                t->len--;
        }
}

/* The first letters of peel_manager()'s prefixes: most messages start with none. */
static const char manager_initials[] = "TsSEGQUlFH\"LvdOcf";

/* Prefixes that quote the error of the VMM or of libvirt below them, each from the program that writes it:
 * Proxmox VE's task log (PVE::RESTEnvironment "TASK ERROR: ", qemu-server "start failed: "), incus and LXD
 * ("Error: " of the command line, "Failed to start device %q: "), QMP's error class ("GenericError: "),
 * kata's "QMP command failed: ", virt-manager's dialogs ("Error starting domain: ", "Unable to complete
 * install: '...'") and tracebacks ("libvirt.libvirtError: "), KubeVirt's ("server error. command SyncVMI
 * failed: \"LibvirtError(Code=1, Domain=10, Message='...')\""), libvirt's own VIR_ERROR("Failed to reset PCI
 * device: %s"), and its hooks ("Hook script execution failed: ... unexpected exit status 1: OUTPUT"); and
 * the container engines that pass on a runtime's error (kata's QMP errors through them): docker's CLI and
 * API client ("docker: Error response from daemon: "), containerd's shim manager ("failed to create shim
 * task: ") and ctr ("ctr: "), the runc shim's "OCI runtime create failed: ". */
static bool peel_manager(PastePiece *pc) {
        static const char *const prefixes[] = {
                "TASK ERROR: ",
                "start failed: ",
                "Start failed: ",
                "Error: ",
                "GenericError: ",
                "QMP command failed: ",
                "Error starting domain: ",
                "Unable to complete install: ",
                "libvirt.libvirtError: ",
                "libvirtError: ",
                "Failed to reset PCI device: ",
                "docker: ",
                "Error response from daemon: ",
                "OCI runtime create failed: ",
                "ctr: ",
                "failed to create shim task: ",
        };
        Span t = pc->text, u = t, rest;

        if (t.len < 6 || !strchr(manager_initials, t.p[0]) || t.p[0] == '\0')
                return false;
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (span_eat_literal(&u, prefixes[i]))
                        goto found;
        /* the same retyped without the blank after the colon ("Start failed:internal error: ..."), before a
         * letter: a prefix's words and its colon are still all there */
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                size_t n = strlen(prefixes[i]) - 1;
                if (t.len > n + 1 && memcmp(t.p, prefixes[i], n) == 0 &&
                    ((t.p[n] >= 'a' && t.p[n] <= 'z') || (t.p[n] >= 'A' && t.p[n] <= 'Z'))) {
                        span_advance(&u, n);
                        goto found;
                }
        }
        /* incus/LXD: Failed to start device "gpu0": ... */
        if (span_eat_literal(&u, "Failed to start device \"") && span_eat_until_literal(&u, "\": ", &rest)) {
                span_advance(&u, 3);
                goto found;
        }
        u = t;
        if (span_eat_literal(&u, "server error. command ") &&
            span_eat_until_literal(&u, " failed: ", &rest)) {
                span_advance(&u, 9);
                goto found;
        }
        u = t;
        /* KubeVirt: LibvirtError(Code=1, Domain=10, Message='...'); before it (KubeVirt up to 0.3x, on
         * libvirt-go) the binding's own Error(): virError(Code=38, Domain=0, Message='...') */
        if (span_starts_with(u, "\"LibvirtError(") || span_starts_with(u, "LibvirtError(") ||
            span_starts_with(u, "\"virError(") || span_starts_with(u, "virError(")) {
                const char *m = span_find(u, "Message='");
                if (m && u.len >= 2) {
                        span_advance(&u, (size_t) (m + 9 - u.p));
                        /* to "')", with a quote after it or not */
                        while (u.len > 0 &&
                               (u.p[u.len - 1] == '"' || u.p[u.len - 1] == ')' || u.p[u.len - 1] == '\''))
                                u.len--;
                        goto found;
                }
        }
        u = t;
        /* libvirt's hook: "Hook script execution failed: internal error: Child process (...) unexpected exit
         * status 1: OUTPUT" */
        if (span_eat_literal(&u, "Hook script execution failed: ")) {
                const char *s = span_find(u, "unexpected exit status ");
                if (s) {
                        span_advance(&u, (size_t) (s + 23 - u.p));
                        span_eat_digits(&u, 1, 3, NULL);
                        if (span_eat_literal(&u, ": "))
                                goto found;
                }
        }
        return false;
found:;
        Span what = span_make(t.p, (size_t) (u.p - t.p));
        trim(&u);
        strip_quotes(&u);
        /* Qubes OS (qubes-core-admin qubes/api/admin.py vm_start()): "Start failed: " + str(e) + ", see
         * /var/log/libvirt/libxl/libxl-driver.log for details" */
        static const char qubes_tail[] = ", see /var/log/libvirt/libxl/libxl-driver.log for details";
        /* and the comma or full stop of a sentence the paste went on with */
        Span tailed = u;
        while (tailed.len > 0 && (tailed.p[tailed.len - 1] == ',' || tailed.p[tailed.len - 1] == '.'))
                tailed.len--;
        if (tailed.len > sizeof(qubes_tail) - 1 &&
            memcmp(tailed.p + tailed.len - (sizeof(qubes_tail) - 1), qubes_tail, sizeof(qubes_tail) - 1) ==
                    0)
                u.len = tailed.len;
        if (u.len > sizeof(qubes_tail) - 1 &&
            memcmp(u.p + u.len - (sizeof(qubes_tail) - 1), qubes_tail, sizeof(qubes_tail) - 1) == 0)
                u.len -= sizeof(qubes_tail) - 1;
        pc->text = u;
        return add_layer(pc, PASTE_MANAGER, what);
}

/* ---- Escapes, redaction, cuts ---- */

/* \" \\ \t \/ and \u00XX undone (after a JSON or logfmt value, a quoted message); a \n splits the text into
 * pieces. Returns the pieces' count (at most max); texts in scratch. */
static size_t unescape_split(Paste *p, Span t, Span *out, size_t max) {
        char *buf = scratch_take(p, t.len);
        size_t n = 0, o = 0, start = 0;
        if (!buf) {
                out[0] = t;
                return 1;
        }
        for (size_t i = 0; i < t.len; i++) {
                char c = t.p[i];
                if (c == '\\' && i + 1 < t.len) {
                        char e = t.p[i + 1];
                        /* "\\n" of a message escaped twice is a newline too */
                        if (e == '\\' && i + 2 < t.len && t.p[i + 2] == 'n') {
                                e = 'n';
                                i++;
                        }
                        if (e == 'n' || e == 'r') {
                                i++;
                                if (e == 'r')
                                        continue;
                                if (n < max - 1) {
                                        out[n++] = span_make(buf + start, o - start);
                                        start = o;
                                }
                                continue;
                        }
                        if (e == '"' || e == '\\' || e == '/' || e == '\'') {
                                buf[o++] = e;
                                i++;
                                continue;
                        }
                        if (e == 't') {
                                buf[o++] = '\t';
                                i++;
                                continue;
                        }
                        if (e == 'u' && i + 5 < t.len) {
                                Span h = span_make(t.p + i + 2, 4);
                                uint64_t v;
                                if (span_eat_xdigits(&h, 4, &v) && v >= 0x20 && v < 0x7f) {
                                        buf[o++] = (char) v;
                                        i += 5;
                                        continue;
                                }
                        }
                }
                if (c == '\n') {
                        if (n < max - 1) {
                                out[n++] = span_make(buf + start, o - start);
                                start = o;
                        }
                        continue;
                }
                buf[o++] = c;
        }
        out[n++] = span_make(buf + start, o - start);
        return n;
}

static bool has_split_or_escape(Span t) {
        return memchr(t.p, '\n', t.len) || paste_has_escape(t.p, t.len);
}

static bool is_placeholder(char c) {
        return c == 'x' || c == 'X' || c == 'y' || c == 'Y' || c == 'z' || c == 'Z' || c == '?' ||
                c == '*' || c == '#';
}

/* The length of a redacted PCI address at s: "0000:XX:00.Y", "XXXX:XX:XX.X", "01:XX.0", or "<addr>",
 * "<pci address>", "<BDF>"; 0 if none. */
static size_t redacted_len(const char *s, size_t len) {
        static const char *const words[] = {"<addr>", "<address>", "<pci address>", "<pci_address>",
                                            "<bdf>",  "<BDF>",     "<PCI address>", "<device>"};
        if (s[0] == '<')
                for (size_t i = 0; i < ELEMENTSOF(words); i++) {
                        size_t wl = strlen(words[i]);
                        if (len >= wl && memcmp(s, words[i], wl) == 0)
                                return wl;
                }
        /* groups of 4 (optional), 2, 2 and 1 characters, hex digits or placeholders, one placeholder at
         * least */
        static const size_t shapes[2][4] = {{4, 2, 2, 1}, {0, 2, 2, 1}};
        static const char seps[] = {':', ':', '.'};
        for (size_t k = 0; k < 2; k++) {
                size_t i = 0, holes = 0;
                bool ok = true;
                for (size_t g = k; g < 4 && ok; g++) {
                        for (size_t j = 0; j < shapes[k][g] && ok; j++, i++) {
                                if (i >= len || !(span_is_xdigit(s[i]) || is_placeholder(s[i])))
                                        ok = false;
                                else if (is_placeholder(s[i]))
                                        holes++;
                        }
                        if (ok && g < 3) {
                                if (i >= len || s[i] != seps[g])
                                        ok = false;
                                i++;
                        }
                }
                if (ok && holes > 0 && (i == len || !is_name_char(s[i]) || s[i] == '.'))
                        return i;
        }
        return 0;
}

/* Whether t may hold a redacted address: a placeholder beside a ':' or a '<' (cheap: memchr finds both). */
static bool may_be_redacted(Span t) {
        if (memchr(t.p, '<', t.len))
                return true;
        for (const char *p = t.p; (p = memchr(p, ':', t.len - (size_t) (p - t.p))); p++) {
                if (p + 1 < t.p + t.len && is_placeholder(p[1]))
                        return true;
                if (p > t.p && is_placeholder(p[-1]))
                        return true;
        }
        return false;
}

/* A redacted address replaced by PASTE_REDACTED_ADDRESS, into scratch. */
static bool unredact(Paste *p, PastePiece *pc) {
        Span t = pc->text;
        size_t first = t.len, n = 0;
        if (!may_be_redacted(t))
                return false;
        for (size_t i = 0; i < t.len; i++)
                if ((i == 0 || !is_name_char(t.p[i - 1]) || t.p[i] == '<') &&
                    (n = redacted_len(t.p + i, t.len - i))) {
                        first = i;
                        break;
                }
        if (first == t.len)
                return false;
        /* One address per message is what the rules capture; a second is left as it is. */
        const size_t rl = strlen(PASTE_REDACTED_ADDRESS);
        char *out = scratch_take(p, t.len - n + rl);
        if (!out)
                return false;
        memcpy(out, t.p, first);
        memcpy(out + first, PASTE_REDACTED_ADDRESS, rl);
        memcpy(out + first + rl, t.p + first + n, t.len - first - n);
        pc->text = span_make(out, t.len - n + rl);
        pc->redacted = true;
        return true;
}

/* The length of a Python exception's class name ending at t[end) ("OSError", "PermissionError",
 * "builtins.OSError", "IOError" of Python 2), 0 if what ends there is none. */
static size_t exception_class_len(Span t, size_t end) {
        size_t i = end;
        while (i > 0 && (is_name_char(t.p[i - 1]) || t.p[i - 1] == '.'))
                i--;
        Span name = span_make(t.p + i, end - i);
        if (i > 0 && !is_blank(t.p[i - 1]) && t.p[i - 1] != '(' && t.p[i - 1] != ':')
                return 0;
        if (span_ends_with(name, "Error") || span_ends_with(name, "Exception"))
                return name.len;
        return 0;
}

/* Python's OSError as str() shows it (Objects/exceptions.c OSError_str(): "[Errno %S] %S" and ": %R" with
 * the file name, the class before it in a traceback's last line and in logging's exc_info), back to the C
 * library's shape the rules know: "[Errno 16] Device or resource busy: '/dev/vfio/20'" is "/dev/vfio/20:
 * Device or resource busy", and only the text where what precedes it names the file already ("Failed to open
 * /dev/vfio/20: [Errno 16] ..."); "OSError: [Errno 19] No such device" is "No such device". The number must
 * be the errno the text is (errno_name_of()), or nothing is changed. */
static bool unpython_errno(Paste *p, PastePiece *pc) {
        Span t = pc->text;
        const char *e = t.len >= 12 ? memmem(t.p, t.len, "[Errno ", 7) : NULL;
        if (!e)
                return false;
        Span u = span_make(e + 7, t.len - (size_t) (e + 7 - t.p)), number = u;
        if (!span_eat_digits(&u, 1, 4, NULL))
                return false;
        number.len = (size_t) (u.p - number.p);
        if (!span_eat_literal(&u, "] "))
                return false;
        /* the text, to the file name's ": '" or the end */
        Span text = u, path = {0}, rest = {0};
        const char *sep = span_find(u, ": '");
        if (!sep)
                sep = span_find(u, ": \"");
        if (sep) {
                text.len = (size_t) (sep - u.p);
                char q = sep[2];
                Span v = span_make(sep + 3, u.len - (size_t) (sep + 3 - u.p));
                const char *close = memchr(v.p, q, v.len);
                if (!close)
                        return false;
                path = span_make(v.p, (size_t) (close - v.p));
                rest = span_make(close + 1, v.len - path.len - 1);
        } else
                trim_end(&text);
        const char *name = errno_name_of(text.p, text.len);
        if (!name || name != errno_name_of(number.p, number.len))
                return false;
        /* what precedes it, without the exception's class */
        Span before = span_make(t.p, (size_t) (e - t.p)), cls = {0};
        if (before.len >= 2 && before.p[before.len - 2] == ':' && before.p[before.len - 1] == ' ') {
                size_t n = exception_class_len(before, before.len - 2);
                if (n > 0) {
                        cls = span_make(before.p + before.len - 2 - n, n);
                        before.len -= n + 2;
                }
        }
        bool named = path.len > 0 && before.len >= path.len + 2 &&
                memcmp(before.p + before.len - path.len - 2, path.p, path.len) == 0 &&
                memcmp(before.p + before.len - 2, ": ", 2) == 0;
        size_t n = before.len + (path.len > 0 && !named ? path.len + 2 : 0) + text.len + rest.len;
        char *out = scratch_take(p, n);
        if (!out)
                return false;
        char *o = mempcpy(out, before.p, before.len);
        if (path.len > 0 && !named) {
                o = mempcpy(o, path.p, path.len);
                o = mempcpy(o, ": ", 2);
        }
        o = mempcpy(o, text.p, text.len);
        if (rest.len > 0)
                o = mempcpy(o, rest.p, rest.len);
        pc->text = span_make(out, (size_t) (o - out));
        return add_layer(pc, PASTE_PYTHON_ERRNO, cls);
}

/* An ellipsis at the end (a web page's or a GUI's cut) marks the piece as cut, and goes. */
static void uncut(PastePiece *pc) {
        Span *t = &pc->text;
        if (t->len > 3 && memcmp(t->p + t->len - 3, "...", 3) == 0) {
                t->len -= 3;
                trim_end(t);
                pc->cut = true;
        }
}

/* ---- A message quoted inside a sentence ---- */

/* The end of the token at t[i], up to a blank. */
static size_t token_end(Span t, size_t i) {
        while (i < t.len && !is_blank(t.p[i]))
                i++;
        return i;
}

/* Whether token is a program's or a device's name before its colon: "kvm:", "libvirtd[812]:",
 * "x86/fpu:", "1-1:" of "usb 1-1:". */
static bool is_name_colon(Span token) {
        if (token.len < 2 || token.p[token.len - 1] != ':')
                return false;
        for (size_t i = 0; i + 1 < token.len; i++)
                if (!is_name_char(token.p[i]) && token.p[i] != '/' && token.p[i] != '[' &&
                    token.p[i] != ']' && token.p[i] != ':')
                        return false;
        return true;
}

/* Whether t is shaped as a quoted message: a prefix and its text ("vfio: Unable to power on device, stuck in
 * D3", "vfio-pci 0000:04:00.0: ...", "internal error: ..."), not a sentence's aside or an errno. */
static bool shaped_as_message(Span t) {
        return t.len >= 8 && !is_blank(t.p[0]) && span_find(t, ": ");
}

/* The end of the run of n backticks that closes inline code opened before t[i], t.len if none. */
static size_t closing_backticks(Span t, size_t i, size_t n) {
        while (i < t.len) {
                const char *q = memchr(t.p + i, '`', t.len - i);
                if (!q)
                        return t.len;
                size_t j = (size_t) (q - t.p), k = j;
                while (k < t.len && t.p[k] == '`')
                        k++;
                if (k - j == n)
                        return j;
                i = k;
        }
        return t.len;
}

/* The closing parenthesis or double quote of the one at t[i], t.len if none. */
static size_t closing_delimiter(Span t, size_t i) {
        if (t.p[i] == '"') {
                const char *q = memchr(t.p + i + 1, '"', t.len - i - 1);
                return q ? (size_t) (q - t.p) : t.len;
        }
        unsigned depth = 0;
        for (size_t j = i; j < t.len; j++)
                if (t.p[j] == '(')
                        depth++;
                else if (t.p[j] == ')' && --depth == 0)
                        return j;
        return t.len;
}

/* The next message quoted inside a sentence, from t[*at]: inline code of one or two backticks holding a
 * blank ("... fails with `vfio-pci 0001:01:00.0: probe with driver vfio-pci failed with error -22`. Error
 * ..."), or a message in parentheses or double quotes opened after a blank ("I got this error (vfio: Unable
 * to power on device, stuck in D3) when ..."), which must be shaped as one: a sentence's own parentheses and
 * quotes, a kernel line's "(rev 01)", an errno in parentheses, a logfmt value's or a JSON key's quote are
 * left; or the libvirt error KubeVirt quotes as "virError(..., Message='...')" in a sentence of its own. */
static bool next_quoted(Span t, size_t *at, Span *ret) {
        for (size_t i = *at; i < t.len; i++) {
                char c = t.p[i];
                if (c != '`' && c != '(' && c != '"')
                        continue;
                if (c == '`') {
                        size_t n = 1;
                        while (i + n < t.len && t.p[i + n] == '`')
                                n++;
                        if (n > 2) { /* a fence's */
                                i += n - 1;
                                continue;
                        }
                        size_t close = closing_backticks(t, i + n, n);
                        if (close == t.len)
                                return false;
                        Span in = span_make(t.p + i + n, close - i - n);
                        i = close + n - 1;
                        trim(&in);
                        if (in.len > 0 && memchr(in.p, ' ', in.len)) {
                                *at = i + 1;
                                *ret = in;
                                return true;
                        }
                        continue;
                }
                /* KubeVirt's libvirt error inside its own sentence ("failed to hot-plug host-devices: ...,
                 * err: virError(Code=38, Domain=0, Message='...')"): the message between "Message='" and
                 * the "')" that closes it */
                if (c == '(' && i >= 5 && memcmp(t.p + i - 5, "Error", 5) == 0) {
                        size_t close = closing_delimiter(t, i);
                        const char *m = close < t.len
                                ? span_find(span_make(t.p + i + 1, close - i - 1), "Message='")
                                : NULL;
                        if (m && m + 9 < t.p + close - 1 && t.p[close - 1] == '\'') {
                                Span msg = span_make(m + 9, (size_t) (t.p + close - 1 - (m + 9)));
                                if (shaped_as_message(msg)) {
                                        *at = close + 1;
                                        *ret = msg;
                                        return true;
                                }
                        }
                        continue;
                }
                if (i > 0 && !is_blank(t.p[i - 1]))
                        continue;
                size_t close = closing_delimiter(t, i);
                if (close == t.len)
                        continue;
                Span in = span_make(t.p + i + 1, close - i - 1);
                if (shaped_as_message(in)) {
                        *at = close + 1;
                        *ret = in;
                        return true;
                }
        }
        return false;
}

static bool has_layer(const PastePiece *pc, PasteLayerKind kind) {
        for (size_t i = 0; i < pc->n_layers; i++)
                if (pc->layers[i].kind == kind)
                        return true;
        return false;
}

/* Each message quoted inside the sentence of it a piece of its own. The sentence stays a piece: the
 * evidence is the line as read. */
static void split_sentence(Paste *p, const Item *it) {
        Span t = it->pc.text, in;
        size_t at = 0;
        if (t.len == 0 || t.p[0] == '{' || has_layer(&it->pc, PASTE_SENTENCE))
                return;
        while (next_quoted(t, &at, &in))
                push_item(p, it, in, PASTE_SENTENCE, (Span){0});
}

/* ---- The stage ---- */

/* What one pass over a line finds for the fast path. */
typedef struct LineBytes {
        bool high; /* a byte >= 0x80 */
        bool special; /* a '\\', a newline, a '<', an ESC or a '^' (an escape, a split, a redaction "<addr>",
                         a colour, one in caret notation) */
        bool quote; /* a '`', a '(' or a '"': a message may be quoted inside a sentence */
        bool padded; /* 16 blanks in a row at a multiple of 16 bytes: maybe a terminal's wrap copied as
                        blanks */
        bool hole; /* a placeholder beside a ':' (a redacted address) */
        size_t bar, at; /* the first '|' and '@', SIZE_MAX if none */
} LineBytes;

static void note_colons(const char *t, size_t len, size_t base, unsigned colons, LineBytes *b) {
        for (; colons && !b->hole; colons &= colons - 1) {
                size_t i = base + (size_t) __builtin_ctz(colons);
                b->hole = (i + 1 < len && is_placeholder(t[i + 1])) || (i > 0 && is_placeholder(t[i - 1]));
        }
}

static void line_bytes(const char *t, size_t len, LineBytes *ret) {
        LineBytes b = {.bar = SIZE_MAX, .at = SIZE_MAX};
        size_t i = 0;
#ifdef __SSE2__
        const __m128i bs = _mm_set1_epi8('\\'), nl = _mm_set1_epi8('\n'), lt = _mm_set1_epi8('<'),
                      esc = _mm_set1_epi8(0x1b), colon = _mm_set1_epi8(':'), bar = _mm_set1_epi8('|'),
                      at = _mm_set1_epi8('@'), caret = _mm_set1_epi8('^'), tick = _mm_set1_epi8('`'),
                      paren = _mm_set1_epi8('('), dquote = _mm_set1_epi8('"'), blank = _mm_set1_epi8(' ');
        for (; i + 16 <= len; i += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *) (t + i));
                b.high |= _mm_movemask_epi8(v) != 0;
                b.special |=
                        _mm_movemask_epi8(_mm_or_si128(
                                _mm_or_si128(_mm_cmpeq_epi8(v, bs), _mm_cmpeq_epi8(v, nl)),
                                _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, esc)),
                                             _mm_cmpeq_epi8(v, caret)))) != 0;
                b.quote |= _mm_movemask_epi8(_mm_or_si128(
                                   _mm_or_si128(_mm_cmpeq_epi8(v, tick), _mm_cmpeq_epi8(v, paren)),
                                   _mm_cmpeq_epi8(v, dquote))) != 0;
                b.padded |= _mm_movemask_epi8(_mm_cmpeq_epi8(v, blank)) == 0xffff;
                note_colons(t, len, i, (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, colon)), &b);
                unsigned m;
                if (b.bar == SIZE_MAX && (m = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, bar))))
                        b.bar = i + (size_t) __builtin_ctz(m);
                if (b.at == SIZE_MAX && (m = (unsigned) _mm_movemask_epi8(_mm_cmpeq_epi8(v, at))))
                        b.at = i + (size_t) __builtin_ctz(m);
        }
#endif
        for (size_t blanks = 0; i < len; i++) {
                char c = t[i];
                blanks = c == ' ' ? blanks + 1 : 0;
                b.padded |= blanks >= 16;
                b.high |= (unsigned char) c >= 0x80;
                b.special |= c == '\\' || c == '\n' || c == '<' || c == 0x1b || c == '^';
                b.quote |= c == '`' || c == '(' || c == '"';
                if (c == ':')
                        note_colons(t, len, i, 1, &b);
                if (c == '|' && b.bar == SIZE_MAX)
                        b.bar = i;
                if (c == '@' && b.at == SIZE_MAX)
                        b.at = i;
        }
        *ret = b;
}

/* Bytes that can start a wrapper, for a line the fast path can hand on untouched (b: its bytes). */
static bool may_be_wrapped(Span t, const LineBytes *b) {
        if (t.len == 0)
                return false;
        unsigned char c = (unsigned char) t.p[0];
        switch (c) {
        case '>':
        case '`':
        case '*':
        case '-':
        case '+':
        case '#':
        case '$':
        case '%':
        case '{':
        case '(':
        case '/':
        case '~':
        case ' ':
        case '\t':
                return true;
        case '[':
                return span_starts_with(t, "[pod/") || b->at < 64;
        }
        if (c >= 0x80)
                return true;
        if (!is_name_char((char) c) && c != '"')
                return false;
        /* "name  | " of compose, "user@host" of a prompt */
        if (b->bar < 80 || b->at < 64)
                return true;
        /* "1. " of a numbered list, a CRI log's time */
        if (span_is_digit((char) c)) {
                if (t.len > 32 && t.p[4] == '-' && t.p[10] == 'T')
                        return true;
                size_t n = 1;
                while (n < t.len && n < 4 && span_is_digit(t.p[n]))
                        n++;
                return n + 1 < t.len && (t.p[n] == '.' || t.p[n] == ')') && t.p[n + 1] == ' ';
        }
        /* the words the peelers start with: logfmt's first keys, kubectl's event types, the prefixes of
         * peel_manager() and of prompts, as the first letter picks them */
        static const char *const by_letter[][5] = {
                ['W' - 'A'] = {"Warning "},
                ['N' - 'A'] = {"Normal "},
                ['T' - 'A'] = {"TASK ERROR: "},
                ['O' - 'A'] = {"OCI runtime create failed: "},
                ['S' - 'A'] = {"Start failed: "},
                ['E' - 'A'] = {"Error: ", "Error starting domain: ", "Error response from daemon: "},
                ['G' - 'A'] = {"GenericError: "},
                ['Q' - 'A'] = {"QMP command failed: "},
                ['U' - 'A'] = {"Unable to complete install: "},
                ['F' - 'A'] = {"Failed to reset PCI device: ", "Failed to start device \""},
                ['H' - 'A'] = {"Hook script execution failed: "},
                ['L' - 'A'] = {"LibvirtError("},
                ['t' - 'A'] = {"time=", "ts=", "t=", "timestamp="},
                ['l' - 'A'] = {"level=", "lvl=", "libvirt.libvirtError: ", "libvirtError: "},
                ['s' - 'A'] = {"start failed: ", "server error. command ", "sh-", "stderr: ", "stdout: "},
                ['v' - 'A'] = {"virsh ", "virError("},
                ['b' - 'A'] = {"bash-"},
                ['c' - 'A'] = {"ctr: "},
                ['d' - 'A'] = {"docker: "},
                ['f' - 'A'] = {"failed to create shim task: "},
        };
        if (c == '"')
                return span_starts_with(t, "\"LibvirtError(") || span_starts_with(t, "\"virError(");
        if (c < 'A' || (size_t) (c - 'A') >= ELEMENTSOF(by_letter))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(by_letter[0]) && by_letter[c - 'A'][i]; i++) {
                const char *w = by_letter[c - 'A'][i];
                size_t n = strlen(w);
                /* a prefix's colon without the blank after it, as peel_manager() takes it too */
                if (n > 2 && w[n - 2] == ':' && w[n - 1] == ' ')
                        n--;
                if (t.len >= n && memcmp(t.p, w, n) == 0)
                        return true;
        }
        return false;
}

/* The first stage of every piece: each wrapper at most VX_PASTE_DEPTH_MAX deep. */
static void peel(Paste *p, Item *it) {
        PastePiece *pc = &it->pc;
        for (unsigned round = 0; round < VX_PASTE_DEPTH_MAX; round++) {
                trim(&pc->text);
                if (pc->text.len == 0)
                        return;
                /* "`a` and `b`": a sentence of two code spans, or one span around a message that holds
                 * backticks ("`kvm_intel: `2' invalid for parameter `nested'`"): both readings */
                if (pc->text.p[0] == '`' && pc->text.len > 2 && pc->text.p[1] != '`' &&
                    pc->text.p[pc->text.len - 1] == '`' && memchr(pc->text.p + 1, '`', pc->text.len - 2))
                        split_sentence(p, it);
                if (peel_pane(pc) || peel_columns(pc) || peel_cri(pc) || peel_quote(pc) || peel_code(pc) ||
                    peel_kubectl(pc) || peel_events(pc) || peel_monitor(pc) || peel_xtrace(pc) ||
                    peel_bullet(pc) || peel_compose(pc) || peel_logfmt(p, it) || peel_json(p, it) ||
                    peel_manager(pc) || peel_output(pc) || peel_runtime_suffix(pc))
                        continue;
                /* A prompt last: "# " could be a quote's or a list's. After a command's prompt, nothing more
                 * is peeled. */
                if (!pc->command)
                        (void) peel_prompt(pc);
                return;
        }
}

/* Words a command pasted without its prompt starts with: the manual binding's tools. */
static bool is_bare_command(Span t) {
        static const char *const words[] = {"echo ",    "sudo ",      "printf ",    "sh -c ",
                                            "bash -c ", "driverctl ", "modprobe ",  "rmmod ",
                                            "virsh ",   "tee ",       "python3 -c "};
        /* most lines start with none of their letters */
        if (t.len < 4 || !strchr("espbdmrvt", t.p[0]) || t.p[0] == '\0')
                return false;
        for (size_t i = 0; i < ELEMENTSOF(words); i++)
                if (span_starts_with(t, words[i]))
                        return true;
        return false;
}

size_t paste_unwrap(Paste *p, const char *buf, size_t len, const PastePiece **ret) {
        Span t = span_make(buf, len);

        p->used = 0;
        p->n_queue = 0;
        p->n_out = 0;
        if (t.len >= 3 && memcmp(t.p, "\xef\xbb\xbf", 3) == 0)
                span_advance(&t, 3);
        trim_end(&t);
        /* a CRLF line shown by cat -v */
        if (t.len >= 2 && t.p[t.len - 2] == '^' && t.p[t.len - 1] == 'M') {
                t.len -= 2;
                trim_end(&t);
        }

        /* Most lines have nothing to undo: one pass over their bytes shows it. */
        LineBytes b;
        line_bytes(t.p, t.len, &b);
        Item first = {.pc = {.text = t}};
        if (b.special && strip_colours(p, &first.pc.text)) {
                add_layer(&first.pc, PASTE_COLOUR, (Span){0});
                b.bar = b.at = 0;
        }
        if (b.high && normalise(p, &first.pc.text)) {
                add_layer(&first.pc, PASTE_TYPOGRAPHY, (Span){0});
                b.bar = b.at = 0; /* the offsets are the line's, not the normalised text's */
        }
        Span unpadded_alt = {0};
        if (b.padded && unpad_wrap(p, &first.pc.text, &unpadded_alt)) {
                add_layer(&first.pc, PASTE_TERMINAL, (Span){0});
                b.bar = b.at = 0;
        }
        bool ellipsis = t.len > 3 && memcmp(t.p + t.len - 3, "...", 3) == 0;
        Span quoted;
        size_t at = 0;
        if (first.pc.n_layers == 0 && !ellipsis && !b.special && !b.hole &&
            !may_be_wrapped(first.pc.text, &b) && !quote_residue_len(first.pc.text) &&
            !memmem(first.pc.text.p, first.pc.text.len, "[Errno ", 7) &&
            !runtime_suffix_len(first.pc.text, false) &&
            !(b.quote && next_quoted(first.pc.text, &at, &quoted))) {
                first.pc.command = is_bare_command(t);
                p->out[p->n_out++] = first.pc;
                *ret = p->out;
                return 1;
        }
        p->queue[p->n_queue++] = first;
        if (unpadded_alt.len > 0) {
                /* the other reading of a wrap copied as blanks: a piece of its own */
                Item other = first;
                other.pc.text = unpadded_alt;
                p->queue[p->n_queue++] = other;
        }
        for (size_t q = 0; q < p->n_queue && p->n_out < VX_PASTE_PIECES_MAX; q++) {
                Item it = p->queue[q];
                peel(p, &it);
                split_sentence(p, &it);
                /* colours inside a decoded value (a JSON log's "\u001b[31m") */
                if (strip_colours(p, &it.pc.text)) {
                        add_layer(&it.pc, PASTE_COLOUR, (Span){0});
                        peel(p, &it);
                }
                /* A value that holds escaped lines: each line a piece, peeled again (the line after a \n may
                 * be another program's). A JSON object left whole is journald's, which the classifier
                 * decodes itself. */
                bool json = it.pc.text.len > 1 && it.pc.text.p[0] == '{' &&
                        it.pc.text.p[it.pc.text.len - 1] == '}';
                if (!json && has_split_or_escape(it.pc.text) && it.depth < VX_PASTE_DEPTH_MAX) {
                        Span parts[VX_PASTE_PIECES_MAX];
                        size_t n = unescape_split(
                                p, it.pc.text, parts,
                                MIN((size_t) VX_PASTE_PIECES_MAX, VX_PASTE_PIECES_MAX - p->n_queue + 1));
                        if (n > 1 || parts[0].len != it.pc.text.len) {
                                for (size_t i = 1; i < n; i++)
                                        push_item(p, &it, parts[i], PASTE_SPLIT, (Span){0});
                                it.pc.text = parts[0];
                                if (n > 1)
                                        add_layer(&it.pc, PASTE_SPLIT, (Span){0});
                                it.depth++;
                                peel(p, &it);
                        }
                }
                peel_residue(&it.pc);
                (void) unpython_errno(p, &it.pc);
                (void) unredact(p, &it.pc);
                uncut(&it.pc);
                if (!it.pc.command)
                        it.pc.command = is_bare_command(it.pc.text);
                p->out[p->n_out++] = it.pc;
        }
        *ret = p->out;
        return p->n_out;
}

size_t paste_unquote(Span text, Span *ret) {
        if (text.len < 6 || !strchr(manager_initials, text.p[0]) || text.p[0] == '\0') {
                *ret = text;
                return 0;
        }
        PastePiece pc = {.text = text};
        size_t n = 0;
        while (n < VX_PASTE_DEPTH_MAX && peel_manager(&pc))
                n++;
        *ret = pc.text;
        return n;
}

/* Whether next, which starts with a capital or a digit, starts as a line of its own would: a syslog stamp
 * ("Nov 23 "), an ISO date, a time, a PCI address of a listing ("01:00.0 VGA ..."), a count ("12: "). */
static bool starts_as_line(Span next, Span first) {
        static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
        if (first.len == 3 && first.len < next.len)
                for (size_t m = 0; m < 36; m += 3)
                        if (memcmp(first.p, months + m, 3) == 0)
                                return true;
        /* a hex digit and a ':' or '-' in the word: a time, a date, an address */
        if (span_is_xdigit(first.p[0]))
                for (size_t i = 1; i < first.len; i++)
                        if (first.p[i] == ':' || first.p[i] == '-')
                                return true;
        return false;
}

/* Whether the wrap fell inside one of libvirt's error classes (src/util/virerror.c virErrorMsg(): "internal
 * error: %s", "operation failed: %s", "Requested operation is not valid: %s" ...): head's last word and
 * first, next's first word and its colon, are one phrase, which no message starts with its second word. */
static bool splits_error_class(Span head, Span first) {
        static const char *const classes[][2] = {
                {"internal", "error:"},      {"operation", "failed:"}, {"unsupported", "configuration:"},
                {"operation", "forbidden:"}, {"invalid", "argument:"}, {"argument", "unsupported:"},
                {"not", "valid:"},           {"not", "supported:"},
        };
        size_t w = head.len;
        while (w > 0 && !is_blank(head.p[w - 1]))
                w--;
        Span last = span_make(head.p + w, head.len - w);
        for (size_t i = 0; i < ELEMENTSOF(classes); i++)
                if (span_equals(last, classes[i][0]) && span_equals(first, classes[i][1]))
                        return true;
        return false;
}

bool paste_wrap_continues(Span head, Span next) {
        /* A message is never cut after its colon: what follows one is its text, whatever its first letter
         * ("... failed to open /dev/vfio/12:" then "Permission denied"), and however short the line. The
         * colon ends the line or has one blank or CR after it, as block_scan() finds it. */
        bool colon = (head.len >= 1 && head.p[head.len - 1] == ':') ||
                (head.len >= 2 && head.p[head.len - 2] == ':' &&
                 (head.p[head.len - 1] == ' ' || head.p[head.len - 1] == '\r'));
        trim_end(&head);
        trim_end(&next);
        if (next.len == 0 || head.len == 0)
                return false;
        Span first = span_make(next.p, token_end(next, 0));
        /* an errno in parentheses after its message's "= -12" ("(Cannot allocate memory)"), but no prompt of
         * a program or an environment: "(qemu) ", "(gdb) ", "(venv) " */
        bool paren = next.p[0] == '(' &&
                !(first.len > 2 && first.p[first.len - 1] == ')' && first.len < next.len);
        if ((next.p[0] >= 'a' && next.p[0] <= 'z') || paren) {
                if (!colon && head.len + 1 + first.len <= VX_WRAP_WIDTH_MIN)
                        return false;
        } else if (!colon || !((next.p[0] >= 'A' && next.p[0] <= 'Z') || span_is_digit(next.p[0])) ||
                   starts_as_line(next, first))
                return false;
        /* "kvm: ", "error: ", "libvirtd[812]: ", a prompt's "root@pve:~#"; but "... internal" then "error:
         * ..." is libvirt's "internal error: " broken in two */
        if ((is_name_colon(first) && !splits_error_class(head, first)) || memchr(first.p, '@', first.len))
                return false;
        /* "usb 1-1: ", "vfio-pci 0000:01:00.0: ": a device's prefix, whose name holds a digit; "group 11: "
         * is a message's middle, and so are words ("memory listener" / "initialization failed: Region ...",
         * "... device 0000:01:00.0:" / "internal error: Active ...") */
        if (first.len < next.len) {
                Span second = span_make(first.p + first.len + 1, 0);
                second.len = token_end(next, (size_t) (second.p - next.p)) - (size_t) (second.p - next.p);
                bool number = second.len > 1, digit = false;
                for (size_t k = 0; k + 1 < second.len; k++) {
                        number = number && span_is_digit(second.p[k]);
                        digit = digit || span_is_digit(second.p[k]);
                }
                if (is_name_colon(second) && digit && !number)
                        return false;
        }
        /* logfmt's "level=error msg=...": a record's start, unless a terminal cut the word before it */
        const char *eq = memchr(first.p, '=', first.len);
        if (eq && eq > first.p && !paste_wrap_in_word(head, next)) {
                bool key = true;
                for (const char *k = first.p; k < eq; k++)
                        key = key && (is_name_char(*k) && *k != '.' && *k != '-');
                if (key)
                        return false;
        }
        return true;
}

bool paste_wrap_in_word(Span head, Span next) {
        /* a colon has a blank after it: the row after it starts with a word */
        return head.len == VX_WRAP_TERMINAL_COLUMNS && !is_blank(head.p[head.len - 1]) &&
                head.p[head.len - 1] != ':' && next.len > 0 && !is_blank(next.p[0]);
}

bool paste_json_continues(Span head, Span next) {
        /* the next line's first byte first: it rules out almost every pair of lines at once */
        if (next.len == 0 || (next.p[0] != '"' && next.p[0] != '}' && next.p[0] != ','))
                return false;
        trim_end(&head);
        if (head.len == 0)
                return false;
        char last = head.p[head.len - 1];
        if (next.p[0] == '"')
                return last == ':' || last == ',' || last == '{' || last == '[';
        /* a value ended the line before: a member after it, or the record's end */
        bool value_end = last == '"' || last == '}' || last == ']' || span_is_digit(last) || last == 'e' ||
                last == 'l';
        return value_end && (next.p[0] == '}' || span_starts_with(next, ",\""));
}

bool paste_is_structured(Span text) {
        static const char *const starts[] = {"time=", "ts=", "level=", "lvl=", "timestamp="};
        if (text.len > 1 && text.p[0] == '{')
                return true;
        for (size_t i = 0; i < ELEMENTSOF(starts); i++)
                if (span_starts_with(text, starts[i]))
                        return true;
        return false;
}

static const char *const layer_names[_PASTE_LAYER_MAX] = {
        [PASTE_TYPOGRAPHY] = "typographic characters",
        [PASTE_QUOTE] = "markdown quote",
        [PASTE_CODE] = "code span",
        [PASTE_BULLET] = "list bullet",
        [PASTE_PANE] = "terminal pane",
        [PASTE_COMPOSE] = "docker compose service",
        [PASTE_KUBECTL] = "kubectl logs",
        [PASTE_EVENTS] = "kubectl describe event",
        [PASTE_LOGFMT] = "logfmt",
        [PASTE_JSON] = "JSON log",
        [PASTE_PROMPT] = "shell prompt",
        [PASTE_XTRACE] = "set -x trace",
        [PASTE_MONITOR] = "QEMU monitor",
        [PASTE_MANAGER] = "quoted by",
        [PASTE_SPLIT] = "escaped newline",
        [PASTE_COLOUR] = "terminal colours",
        [PASTE_CRI] = "container runtime log",
        [PASTE_RESIDUE] = "end of a quote from an earlier line",
        [PASTE_OUTPUT] = "output quoted as",
        [PASTE_TERMINAL] = "terminal wrap",
        [PASTE_SENTENCE] = "quoted in a sentence",
        [PASTE_RUNTIME_SUFFIX] = "container engine's suffix",
        [PASTE_PYTHON_ERRNO] = "Python's OSError",
        [PASTE_COLUMNS] = "log columns",
};

static size_t put(char *out, size_t cap, size_t at, const char *s, size_t n) {
        if (at + 1 >= cap)
                return at;
        n = MIN(n, cap - 1 - at);
        memcpy(out + at, s, n);
        out[at + n] = '\0';
        return at + n;
}

size_t paste_context(const PastePiece *pc, char *out, size_t cap) {
        size_t at = 0;
        if (cap == 0)
                return 0;
        out[0] = '\0';
        for (size_t i = 0; i < pc->n_layers; i++) {
                const PasteLayer *l = &pc->layers[i];
                const char *name = layer_names[l->kind];
                if (i > 0)
                        at = put(out, cap, at, ", ", 2);
                at = put(out, cap, at, name, strlen(name));
                if (l->what.len > 0) {
                        Span w = l->what;
                        /* out is a C string: what a NUL would cut stays out */
                        const char *nul = memchr(w.p, '\0', w.len);
                        if (nul)
                                w.len = (size_t) (nul - w.p);
                        trim(&w);
                        if (l->kind == PASTE_LOGFMT || l->kind == PASTE_JSON) {
                                at = put(out, cap, at, " ", 1);
                                at = put(out, cap, at, w.p, MIN(w.len, (size_t) 64));
                        } else {
                                at = put(out, cap, at, " \"", 2);
                                at = put(out, cap, at, w.p, MIN(w.len, (size_t) 64));
                                at = put(out, cap, at, "\"", 1);
                        }
                }
        }
        if (pc->redacted)
                at = put(out, cap, at, pc->n_layers ? ", address redacted" : "address redacted",
                         pc->n_layers ? 18 : 16);
        if (pc->cut)
                at = put(out, cap, at, pc->n_layers || pc->redacted ? ", cut off" : "cut off",
                         pc->n_layers || pc->redacted ? 9 : 7);
        return at;
}

/* ---- Shell transcripts ---- */

static const char *const sysfs_ops[_SYSFS_OP_MAX] = {
        [SYSFS_BIND] = "bind",
        [SYSFS_UNBIND] = "unbind",
        [SYSFS_NEW_ID] = "new_id",
        [SYSFS_REMOVE_ID] = "remove_id",
        [SYSFS_DRIVER_OVERRIDE] = "driver_override",
        [SYSFS_DRIVERS_PROBE] = "drivers_probe",
        [SYSFS_RESET] = "reset",
        [SYSFS_RESET_METHOD] = "reset_method",
        [SYSFS_REMOVE] = "remove",
        [SYSFS_RESCAN] = "rescan",
        [SYSFS_SRIOV_NUMVFS] = "sriov_numvfs",
        [SYSFS_POWER_CONTROL] = "power/control",
};

const char *sysfs_op_to_string(SysfsOp op) {
        return op < _SYSFS_OP_MAX ? sysfs_ops[op] : NULL;
}

static void copy_field(char *dst, size_t cap, Span s) {
        size_t n = MIN(s.len, cap - 1);
        memcpy(dst, s.p, n);
        dst[n] = '\0';
}

/* One shell word at t: quotes removed, "\:" of a tab-completed path undone; into buf. */
static bool eat_word(Span *t, char *buf, size_t cap, size_t *ret_len) {
        size_t o = 0;
        char q = 0;
        span_eat_blanks(t);
        if (t->len == 0)
                return false;
        while (t->len > 0) {
                char c = t->p[0];
                if (!q && (is_blank(c) || c == '|' || c == '>' || c == ';' || c == '&'))
                        break;
                span_advance(t, 1);
                if (!q && (c == '"' || c == '\'')) {
                        q = c;
                        continue;
                }
                if (q && c == q) {
                        q = 0;
                        continue;
                }
                if (c == '\\' && q != '\'' && t->len > 0) {
                        c = t->p[0];
                        span_advance(t, 1);
                }
                if (o + 1 < cap)
                        buf[o++] = c;
        }
        buf[o] = '\0';
        *ret_len = o;
        return true;
}

/* The operation and device a sysfs path names. */
static bool path_parse(const char *path, SysfsWrite *w) {
        static const struct {
                const char *suffix;
                SysfsOp op;
        } attrs[] = {
                {"/driver/unbind", SYSFS_UNBIND},
                {"/unbind", SYSFS_UNBIND},
                {"/bind", SYSFS_BIND},
                {"/new_id", SYSFS_NEW_ID},
                {"/remove_id", SYSFS_REMOVE_ID},
                {"/driver_override", SYSFS_DRIVER_OVERRIDE},
                {"/drivers_probe", SYSFS_DRIVERS_PROBE},
                {"/reset", SYSFS_RESET},
                {"/reset_method", SYSFS_RESET_METHOD},
                {"/remove", SYSFS_REMOVE},
                {"/rescan", SYSFS_RESCAN},
                {"/sriov_numvfs", SYSFS_SRIOV_NUMVFS},
                {"/power/control", SYSFS_POWER_CONTROL},
        };
        size_t len = strlen(path);
        if (!span_starts_with(span_make(path, len), "/sys/"))
                return false;
        /* a PCI device's directory, or a network interface's device link to it
         * (/sys/class/net/eno1/device/sriov_numvfs) */
        if (!span_find(span_make(path, len), "pci") &&
            !(span_starts_with(span_make(path, len), "/sys/class/net/") &&
              span_find(span_make(path, len), "/device/")))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
                size_t sl = strlen(attrs[i].suffix);
                if (len < sl || strcmp(path + len - sl, attrs[i].suffix) != 0)
                        continue;
                w->op = attrs[i].op;
                /* the driver: /sys/bus/pci/drivers/DRIVER/(bind|unbind|new_id|remove_id) */
                const char *d = strstr(path, "/drivers/");
                if (d &&
                    (w->op == SYSFS_BIND || w->op == SYSFS_UNBIND || w->op == SYSFS_NEW_ID ||
                     w->op == SYSFS_REMOVE_ID)) {
                        const char *s = d + 9, *e = strchr(s, '/');
                        if (e)
                                copy_field(w->driver, sizeof(w->driver), span_make(s, (size_t) (e - s)));
                }
                /* the device: the last address in the path */
                for (const char *s = path; *s; s++) {
                        if (*s != '/')
                                continue;
                        const char *e = s + 1;
                        while (*e && *e != '/')
                                e++;
                        PciAddress addr;
                        if (pci_address_normalize(s + 1, (size_t) (e - s - 1), addr) == 0)
                                memcpy(w->device, addr, sizeof(addr));
                }
                copy_field(w->path, sizeof(w->path), span_make(path, len));
                return true;
        }
        return false;
}

bool sysfs_path_parse(Span path, SysfsWrite *ret) {
        char buf[256];
        SysfsWrite w = {0};
        if (path.len == 0 || path.len >= sizeof(buf))
                return false;
        memcpy(buf, path.p, path.len);
        buf[path.len] = '\0';
        if (!path_parse(buf, &w))
                return false;
        *ret = w;
        return true;
}

/* A Python one-liner's write of a file (python3 -c "open('PATH', 'w').write('VALUE')"): the path of an
 * open() for writing or appending, and what is written to it, into path and value. */
static bool python_write_parse(Span script, char *path, size_t path_cap, char *value, size_t value_cap) {
        const char *o = span_find(script, "open(");
        if (!o)
                return false;
        Span t = span_make(o + 5, script.len - (size_t) (o + 5 - script.p)), w;
        span_eat_blanks(&t);
        if (t.len < 2 || (t.p[0] != '\'' && t.p[0] != '"'))
                return false;
        char q = t.p[0];
        span_advance(&t, 1);
        if (!span_eat_until(&t, q, &w))
                return false;
        copy_field(path, path_cap, w);
        span_advance(&t, 1);
        span_eat_blanks(&t);
        if (!span_eat_char(&t, ','))
                return false;
        span_eat_blanks(&t);
        if (t.len < 2 || (t.p[0] != '\'' && t.p[0] != '"'))
                return false;
        q = t.p[0];
        span_advance(&t, 1);
        Span mode;
        if (!span_eat_until(&t, q, &mode) ||
            (!memchr(mode.p, 'w', mode.len) && !memchr(mode.p, 'a', mode.len)))
                return false;
        value[0] = '\0';
        const char *wr = span_find(t, ".write(");
        if (wr) {
                Span v = span_make(wr + 7, t.len - (size_t) (wr + 7 - t.p));
                span_eat_blanks(&v);
                if (v.len >= 2 && (v.p[0] == '\'' || v.p[0] == '"')) {
                        q = v.p[0];
                        span_advance(&v, 1);
                        if (span_eat_until(&v, q, &w))
                                copy_field(value, value_cap, w);
                }
        }
        return true;
}

bool sysfs_write_parse(const PastePiece *command, Span cwd, SysfsWrite *ret) {
        SysfsWrite w = {0};
        char word[256], value[256] = "", path[256] = "";
        size_t n;
        Span t = command->text;
        bool redirect = false, tee = false, sudo = false, sudo_writes = false;

        /* Through "sudo", "sh -c '...'" (its quoted script is parsed as the command), "bash -c". */
        for (unsigned hops = 0; hops < 4; hops++) {
                Span u = t;
                if (!eat_word(&u, word, sizeof(word), &n))
                        return false;
                if (strcmp(word, "sudo") == 0) {
                        sudo = true;
                        t = u;
                        continue;
                }
                if (strcmp(word, "python3") == 0 || strcmp(word, "python") == 0 ||
                    strcmp(word, "python2") == 0) {
                        Span v = u;
                        sudo_writes = sudo;
                        if (!eat_word(&v, word, sizeof(word), &n) || strcmp(word, "-c") != 0 ||
                            !eat_word(&v, word, sizeof(word), &n) ||
                            !python_write_parse(span_make(word, n), path, sizeof(path), value,
                                                sizeof(value)))
                                return false;
                        goto parsed;
                }
                if (strcmp(word, "sh") == 0 || strcmp(word, "bash") == 0) {
                        sudo_writes = sudo;
                        Span v = u;
                        if (!eat_word(&v, word, sizeof(word), &n) || strcmp(word, "-c") != 0)
                                return false;
                        span_eat_blanks(&v);
                        if (v.len < 2 || (v.p[0] != '\'' && v.p[0] != '"'))
                                return false;
                        char q = v.p[0];
                        const char *end = memchr(v.p + 1, q, v.len - 1);
                        if (!end)
                                return false;
                        t = span_make(v.p + 1, (size_t) (end - v.p - 1));
                        continue;
                }
                break;
        }
        if (!eat_word(&t, word, sizeof(word), &n))
                return false;
        if (strcmp(word, "driverctl") == 0) {
                /* driverctl [--nosave] set-override ADDR DRIVER: driver_override and a new probe */
                while (eat_word(&t, word, sizeof(word), &n) && word[0] == '-')
                        ;
                if (strcmp(word, "set-override") != 0 || !eat_word(&t, word, sizeof(word), &n))
                        return false;
                if (pci_address_normalize(word, n, w.device) < 0)
                        return false;
                w.op = SYSFS_DRIVER_OVERRIDE;
                sudo_writes = sudo;
                if (eat_word(&t, word, sizeof(word), &n))
                        copy_field(w.driver, sizeof(w.driver), span_make(word, n));
                snprintf(w.path, sizeof(w.path), "/sys/bus/pci/devices/%s/driver_override", w.device);
                goto writer;
        }
        if (strcmp(word, "echo") != 0 && strcmp(word, "printf") != 0)
                return false;
        bool is_printf = word[0] == 'p';
        /* the words written, to the redirection or the pipe */
        while (t.len > 0) {
                span_eat_blanks(&t);
                if (t.len == 0)
                        break;
                if (t.p[0] == '>' || t.p[0] == '|' || t.p[0] == ';' || t.p[0] == '&')
                        break;
                if (!eat_word(&t, word, sizeof(word), &n))
                        break;
                if ((word[0] == '-' && !is_printf && value[0] == '\0') || (is_printf && strchr(word, '%')))
                        continue; /* echo -n, printf's format */
                /* the words echo writes, joined as it joins them: "10de 1b80" */
                size_t have = strlen(value);
                if (have + 1 + n < sizeof(value)) {
                        if (have > 0)
                                value[have++] = ' ';
                        memcpy(value + have, word, n + 1);
                }
        }
        span_eat_blanks(&t);
        if (span_eat_char(&t, '>')) {
                span_eat_char(&t, '>');
                redirect = true;
        } else if (span_eat_char(&t, '|')) {
                span_eat_blanks(&t);
                while (eat_word(&t, word, sizeof(word), &n)) {
                        if (strcmp(word, "sudo") == 0) {
                                sudo_writes = true;
                                continue;
                        }
                        if (word[0] == '-')
                                continue;
                        tee = strcmp(word, "tee") == 0;
                        break;
                }
                if (!tee)
                        return false;
                while (eat_word(&t, word, sizeof(word), &n) && word[0] == '-')
                        ;
                snprintf(path, sizeof(path), "%s", word);
        } else
                return false;
        if (redirect && !eat_word(&t, path, sizeof(path), &n))
                return false;
parsed:
        if (path[0] == '\0')
                return false;
        /* a relative path, from the directory the prompt showed */
        if (path[0] != '/' && cwd.len > 0 && cwd.p[0] == '/') {
                char full[512];
                int k = snprintf(full, sizeof(full), "%.*s/%s", (int) MIN(cwd.len, (size_t) 200), cwd.p,
                                 path);
                if (k < 0 || (size_t) k >= sizeof(path))
                        return false;
                memcpy(path, full, (size_t) k + 1);
        }
        if (!path_parse(path, &w))
                return false;
        copy_field(w.value, sizeof(w.value), span_from_str(value));
        if (w.device[0] == '\0' && value[0] != '\0') {
                PciAddress addr;
                if (pci_address_normalize(value, strlen(value), addr) == 0)
                        memcpy(w.device, addr, sizeof(addr));
        }
        if (w.op == SYSFS_DRIVER_OVERRIDE && value[0])
                copy_field(w.driver, sizeof(w.driver), span_from_str(value));
writer:
        /* A root prompt is root whatever follows; sudo covers what it runs, not a redirection of the shell
         * that runs sudo. */
        if (command->root_prompt || sudo_writes)
                w.writer = WRITER_ROOT;
        else if (command->user_prompt || sudo)
                w.writer = WRITER_USER;
        *ret = w;
        return true;
}

static const char *const writers[_WRITER_MAX] = {
        [WRITER_UNKNOWN] = "-",
        [WRITER_ROOT] = "root",
        [WRITER_USER] = "user",
};

static const char *or_dash(const char *s) {
        return s && s[0] ? s : "-";
}

size_t shell_event_format(const SysfsWrite *w, const ShellReply *r, char *out, size_t cap) {
        SysfsWrite from_path;
        if (cap > 0)
                out[0] = '\0';
        if (!w) {
                if (!sysfs_path_parse(r->path, &from_path))
                        return 0;
                w = &from_path;
        }
        int n = snprintf(out, cap,
                         "sysfs-write op=%s device=%s driver=%s errno=%s writer=%s path=%s value=%s",
                         sysfs_op_to_string(w->op), or_dash(w->device), or_dash(w->driver), r->errno_name,
                         writers[w->writer], or_dash(w->path), or_dash(w->value));
        if (n < 0 || (size_t) n >= cap) {
                if (cap > 0)
                        out[0] = '\0';
                return 0;
        }
        return (size_t) n;
}

size_t shell_event_of_transcript(Paste *p, const char *text, size_t len, char *out, size_t cap) {
        Span t = span_make(text, len), cmd;
        SysfsWrite w;
        ShellReply r;
        const PastePiece *pc;

        if (cap > 0)
                out[0] = '\0';
        if (!span_eat_until_literal(&t, "\\n", &cmd))
                return 0;
        span_advance(&t, 2);
        /* the reply first, as the stage gives it, its file copied: unwrapping the command reuses the scratch
         */
        char path[256];
        if (paste_unwrap(p, t.p, t.len, &pc) < 1 || !paste_reply_parse(&pc[0], &r) ||
            r.path.len >= sizeof(path))
                return 0;
        if (r.path.len > 0)
                memcpy(path, r.path.p, r.path.len);
        r.path = span_make(path, r.path.len);
        if (paste_unwrap(p, cmd.p, cmd.len, &pc) != 1 || !pc[0].command ||
            !sysfs_write_parse(&pc[0], (Span){0}, &w))
                return shell_event_format(NULL, &r, out, cap);
        return shell_event_format(&w, &r, out, cap);
}

/* strerror() of glibc (string/_strerror.c, sysdeps/gnu/errlist.h), musl (src/errno/__strerror.h) where its
 * differs, and Go (syscall/zerrors_linux_amd64.go: glibc's text in lower case, which any case matches). */
static const struct {
        const char *name, *glibc, *musl;
} errnos[] = {
        {"EPERM", "Operation not permitted", NULL},
        {"ENOENT", "No such file or directory", NULL},
        {"EINTR", "Interrupted system call", NULL},
        {"EIO", "Input/output error", "I/O error"},
        {"ENXIO", "No such device or address", NULL},
        {"ENOMEM", "Cannot allocate memory", "Out of memory"},
        {"EACCES", "Permission denied", NULL},
        {"EBUSY", "Device or resource busy", "Resource busy"},
        {"EEXIST", "File exists", NULL},
        {"ENODEV", "No such device", NULL},
        {"EINVAL", "Invalid argument", NULL},
        {"ENOSPC", "No space left on device", NULL},
        {"EROFS", "Read-only file system", NULL},
        {"ENOTTY", "Inappropriate ioctl for device", "Not a tty"},
        {"EAGAIN", "Resource temporarily unavailable", NULL},
        {"ENOSYS", "Function not implemented", NULL},
        {"EOPNOTSUPP", "Operation not supported", "Not supported"},
        {"ETIMEDOUT", "Connection timed out", "Operation timed out"},
};

bool paste_reply_parse(const PastePiece *pc, ShellReply *ret) {
        if (shell_reply_parse(pc->text, ret))
                return true;
        for (size_t i = 0; i < pc->n_layers; i++)
                if (pc->layers[i].kind == PASTE_PYTHON_ERRNO &&
                    errno_from_text(pc->text, &ret->errno_name, &ret->strerror)) {
                        ret->path = (Span){0};
                        return true;
                }
        return false;
}

bool errno_from_text(Span text, const char **name, const char **glibc) {
        Span t = text;
        trim(&t);
        while (t.len > 0 && t.p[t.len - 1] == '.')
                t.len--;
        for (size_t i = 0; i < ELEMENTSOF(errnos); i++) {
                const char *w[2] = {errnos[i].glibc, errnos[i].musl};
                for (size_t k = 0; k < 2; k++)
                        if (w[k] && strlen(w[k]) == t.len && strncasecmp(w[k], t.p, t.len) == 0) {
                                *name = errnos[i].name;
                                *glibc = errnos[i].glibc;
                                return true;
                        }
        }
        return false;
}

/* "SHELL: [line N: ]" before a builtin's error: "bash: ", "-bash: ", "sh: 1: ", "/bin/x.sh: line 12: ". A
 * script's name is $0 as it was run ("./script/nicctl.sh", "start.sh"): any word is one when bash's
 * "line N: " follows it (error.c: the script's name and line before the error of a shell not interactive).
 */
static void eat_shell_name(Span *t) {
        Span u = *t;
        size_t n = 0;
        while (n < u.len && n < 256 && u.p[n] != ':' && u.p[n] != ' ')
                n++;
        if (n == 0 || n >= u.len || u.p[n] != ':')
                return;
        Span name = span_make(u.p, n);
        /* a file under /sys is the file a reply names ("PATH: ERR"), never a script */
        if (span_starts_with(name, "/sys/"))
                return;
        if (name.p[0] == '-')
                span_advance(&name, 1);
        span_advance(&u, n + 1);
        if (!span_eat_char(&u, ' '))
                return;
        /* the shell's own name, or a script's path */
        static const char *const shells[] = {"bash", "sh", "dash", "zsh", "ash", "ksh"};
        bool known = name.len > 0 && name.p[0] == '/';
        for (size_t i = 0; i < ELEMENTSOF(shells) && !known; i++)
                known = name.len == strlen(shells[i]) && memcmp(name.p, shells[i], name.len) == 0;
        Span v = u;
        if (span_eat_literal(&v, "line ") && span_eat_digits(&v, 1, 9, NULL) && span_eat_literal(&v, ": "))
                u = v;
        else if (!known)
                return;
        else if (span_eat_digits(&v, 1, 9, NULL) && span_eat_literal(&v, ": ")) /* dash: "sh: 1: " */
                u = v;
        *t = u;
}

bool shell_reply_parse(Span text, ShellReply *ret) {
        Span t = text, u, path = {0};
        trim(&t);
        eat_shell_name(&t);
        /* dash's redirection errors (src/redir.c openredirect()): "cannot create PATH: ERR", "cannot open
         * PATH: ERR", where ERR is strerror() but for ENOENT and ENOTDIR (errmsg(): "Directory nonexistent",
         * "No such file") */
        u = t;
        if ((span_eat_literal(&u, "cannot create ") || span_eat_literal(&u, "cannot open ")) &&
            span_starts_with(u, "/sys/")) {
                const char *sep = span_find(u, ": ");
                if (!sep)
                        return false;
                path = span_make(u.p, (size_t) (sep - u.p));
                span_advance(&u, (size_t) (sep + 2 - u.p));
                trim(&u);
                if (span_equals(u, "Directory nonexistent") || span_equals(u, "No such file")) {
                        ret->errno_name = "ENOENT";
                        ret->strerror = "No such file or directory";
                        ret->path = path;
                        return true;
                }
                goto errno_text;
        }
        u = t;
        /* builtins: "echo: write error: ERR", "printf: write error: ERR", busybox's "write error: ERR" */
        if (span_eat_literal(&u, "echo: ") || span_eat_literal(&u, "printf: "))
                t = u;
        u = t;
        if (span_eat_literal(&u, "write error: "))
                goto errno_text;
        u = t;
        /* tee's "tee: PATH: ERR", Go's "write PATH: err" and "open PATH: err", a redirection's "PATH: ERR"
         */
        if (span_eat_literal(&u, "tee: ") || span_eat_literal(&u, "write ") || span_eat_literal(&u, "open "))
                t = u;
        u = t;
        if (span_starts_with(u, "/sys/")) {
                const char *sep = span_find(u, ": ");
                if (!sep)
                        return false;
                path = span_make(u.p, (size_t) (sep - u.p));
                span_advance(&u, (size_t) (sep + 2 - u.p));
                goto errno_text;
        }
        /* The rest name a sysfs file inside the line: one search finds it, and what is before it says which.
         */
        u = t;
        const char *sys = span_find(u, "/sys/");
        if (!sys || sys - u.p < 2 || sys[-2] != ':' || sys[-1] != ' ')
                sys = NULL;
        /* Go's error inside another's: "Failed to ...: open /sys/...: permission denied" */
        if (sys && sys - u.p >= 7 &&
            (memcmp(sys - 7, ": open ", 7) == 0 ||
             (sys - u.p >= 8 && memcmp(sys - 8, ": write ", 8) == 0))) {
                u = span_make(sys, u.len - (size_t) (sys - u.p));
                const char *sep = span_find(u, ": ");
                if (sep) {
                        path = span_make(u.p, (size_t) (sep - u.p));
                        span_advance(&u, (size_t) (sep + 2 - u.p));
                        goto errno_text;
                }
        }
        /* zsh: "zsh: permission denied: PATH" */
        if (sys) {
                Span e = span_make(u.p, (size_t) (sys - 2 - u.p));
                path = span_make(sys, u.len - (size_t) (sys - u.p));
                trim(&path);
                if (errno_from_text(e, &ret->errno_name, &ret->strerror)) {
                        ret->path = path;
                        return true;
                }
        }
        return false;
errno_text:
        if (!errno_from_text(u, &ret->errno_name, &ret->strerror))
                return false;
        ret->path = path;
        return true;
}
