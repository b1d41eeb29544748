/* SPDX-License-Identifier: MIT */
/* Reading a text input into an analysis by blocks: one literal pass marks the lines any rule could match. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "block_scan.h"
#include "escape.h"
#include "feed.h"
#include "matcher.h"
#include "paste.h"
#include "prefilter.h"
#include "reader.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* A NUL byte this early means a binary file, not a log. */
#define BINARY_PREFIX 4096u

typedef struct Feeder {
        Analysis *a;
        const char *input;
        Prefilter *prefilter;
        const RuleSet *rules;
        FeedReport rep;
        unsigned long lineno; /* lines read so far */
        PrefilterHits hits; /* prefilter_mark()'s occurrences, for the marked lines */
        uint64_t *ends; /* and its bitmap when they are too many, one bit per byte of the largest block */
        NewlineMap newlines; /* where the block's lines end, sized for the largest block */
        MarkedLine batch[VX_FEED_BATCH]; /* marked lines of the block not yet fed */
        uint32_t *rewritten; /* starts of the block's lines the pasted-text stage rewrites, in order */
        size_t n_rewritten, cap_rewritten;
        /* The last line of the block before: if the next block's first line continues it, that line is
         * read, and so is this one if it was not taken (the analysis joins them, as it does reading every
         * line). */
        char *pending;
        size_t pending_len;
        bool have_pending;
        bool pending_taken; /* it was read with its block */
        bool pending_continued; /* the block's first line continues the line held back before it */
        bool reply_next_block; /* the block's first line is a reply to the command the last one ended with */
        size_t n_batch;
        size_t block_len; /* the bytes of the block being read */
        unsigned long block_lineno; /* the lines before the block */
        unsigned long marked_lineno; /* the number of the last marked line taken, or the block_lineno */
} Feeder;

static bool has_journal_magic(const char *s, size_t len) {
        return len >= 8 && memcmp(s, "LPKSHHRH", 8) == 0;
}

/* One line, with every check the input gets. */
static int feed_one(Feeder *f, const char *text, size_t len, uint64_t offset, bool cut) {
        f->lineno++;
        prefilter_count(f->prefilter, len + 1);
        if (f->lineno == 1 && has_journal_magic(text, len)) {
                f->rep.journal_file = true;
                return -EINVAL;
        }
        if (memchr(text, 0, len)) {
                /* Later, NUL bytes are the zeroed tail of a log that a crash cut short (common in syslog
                 * files): those lines are skipped, and counted. */
                if (offset < BINARY_PREFIX) {
                        f->rep.binary_line = f->lineno;
                        return -EINVAL;
                }
                f->rep.nul_lines++;
                return 0;
        }
        if (cut)
                f->rep.cut++;
        if (!utf8_is_valid(text, len))
                f->rep.bad_utf8++;
        return analysis_feed(f->a, f->input, f->lineno, text, len);
}

/* Whether a line of text[0..len) starts with '{', as journal JSON does ('{' is rare in other logs). */
static bool has_json_line(const char *text, size_t len) {
        for (const char *p = text; (p = memchr(p, '{', len - (size_t) (p - text))); p++)
                if (p == text || p[-1] == '\n')
                        return true;
        return false;
}

/* Every line of complete lines, the last held back as read (resolve_pending()). */
static int feed_lines_one_by_one(Feeder *f, const char *text, size_t len, uint64_t offset) {
        Span rest = span_make(text, len), line = {0};
        int r = 0;
        while (r >= 0 && span_next_line(&rest, &line))
                r = feed_one(f, line.p, line.len, offset + (uint64_t) (line.p - text), false);
        if (r >= 0 && line.p) {
                f->pending_len = MIN(line.len, (size_t) VX_LINE_MAX);
                memcpy(f->pending, line.p, f->pending_len);
                f->have_pending = f->pending_taken = true;
        }
        return r;
}

/* The offset of the first byte >= 0x80 at or after from, len if none. */
static size_t next_high_byte(const char *text, size_t len, size_t from) {
        const unsigned char *p = (const unsigned char *) text;
        size_t i = from;
#ifdef __SSE2__
        for (; i + 16 <= len; i += 16) {
                unsigned m = (unsigned) _mm_movemask_epi8(_mm_loadu_si128((const __m128i *) (p + i)));
                if (m)
                        return i + (size_t) __builtin_ctz(m);
        }
#endif
        for (; i < len; i++)
                if (p[i] >= 0x80)
                        return i;
        return len;
}

/* Lines of a block that are not valid UTF-8: only a line with a byte >= 0x80 can be one, and what comes
 * before its first such byte is ASCII, valid whatever follows. */
static uint64_t count_bad_utf8(const char *text, size_t len, const NewlineMap *newlines) {
        uint64_t bad = 0;
        for (size_t i = next_high_byte(text, len, 0); i < len;) {
                size_t stop = newline_map_line_end(newlines, i);
                if (!utf8_is_valid(text + i, stop - i))
                        bad++;
                i = next_high_byte(text, len, stop + 1);
        }
        return bad;
}

/* The offset of the first byte at or after from that the pasted-text stage may rewrite (>= 0x80, '\\', ESC,
 * the '^' of an ESC in caret notation), len if none. */
static size_t next_special_byte(const char *text, size_t len, size_t from) {
        const unsigned char *p = (const unsigned char *) text;
        size_t i = from;
#ifdef __SSE2__
        const __m128i bs = _mm_set1_epi8('\\'), esc = _mm_set1_epi8(0x1b), caret = _mm_set1_epi8('^');
        for (; i + 16 <= len; i += 16) {
                __m128i v = _mm_loadu_si128((const __m128i *) (p + i));
                unsigned m = (unsigned) _mm_movemask_epi8(_mm_or_si128(
                        v,
                        _mm_or_si128(_mm_cmpeq_epi8(v, caret),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, bs), _mm_cmpeq_epi8(v, esc)))));
                if (m)
                        return i + (size_t) __builtin_ctz(m);
        }
#endif
        for (; i < len; i++)
                if (p[i] >= 0x80 || p[i] == '\\' || p[i] == 0x1b || p[i] == '^')
                        return i;
        return len;
}

static int add_rewritten(Feeder *f, size_t start) {
        if (f->n_rewritten == f->cap_rewritten) {
                size_t cap = f->cap_rewritten ? f->cap_rewritten * 2 : 64;
                uint32_t *n = realloc(f->rewritten, cap * sizeof(uint32_t));
                if (!n)
                        return -ENOMEM;
                f->rewritten = n;
                f->cap_rewritten = cap;
        }
        f->rewritten[f->n_rewritten++] = (uint32_t) start;
        return 0;
}

static int cmp_u32(const void *x, const void *y) {
        uint32_t a = *(const uint32_t *) x, b = *(const uint32_t *) y;
        return a < b ? -1 : a > b;
}

static bool is_blank_span(Span t) {
        for (size_t i = 0; i < t.len; i++)
                if (t.p[i] != ' ' && t.p[i] != '\t' && t.p[i] != '\r')
                        return false;
        return true;
}

/* Whether the line next (to its newline, or the end) continues the line head: indented, or hard-wrapped
 * without an indent (paste_wrap_continues()). A blank line and the lines on both sides of it are taken too:
 * the analysis joins across one inside a quote the lines before it opened, which no pair of lines shows. */
static bool continues(Span head, Span next) {
        CriRecord cri;
        /* a CRI record's part: the record after it may go on with it (the analysis checks the stream) */
        if (head.len > 0 && span_is_digit(head.p[0]) && paste_cri_record(head, &cri) && cri.partial)
                return true;
        /* a JSON record broken by hand where its keys start: the analysis checks that the record is open */
        if (paste_json_continues(head, next))
                return true;
        bool head_blank = is_blank_span(head), next_blank = is_blank_span(next);
        if (head_blank || next_blank)
                return head_blank != next_blank;
        if (next.p[0] == ' ' || next.p[0] == '\t')
                return true;
        return ((next.p[0] >= 'a' && next.p[0] <= 'z') || next.p[0] == '(' ||
                (head.len > 0 && head.p[head.len - 1] == ':') ||
                (head.len > 1 && head.p[head.len - 2] == ':')) &&
                paste_wrap_continues(head, next);
}

/* The rewritten lines in order, once each, after some were added past before. */
static void sort_rewritten(Feeder *f, size_t before) {
        if (f->n_rewritten == before)
                return;
        qsort(f->rewritten, f->n_rewritten, sizeof(uint32_t), cmp_u32);
        size_t n = 0;
        for (size_t i = 0; i < f->n_rewritten; i++)
                if (n == 0 || f->rewritten[n - 1] != f->rewritten[i])
                        f->rewritten[n++] = f->rewritten[i];
        f->n_rewritten = n;
}

/* The lines of a block that continue the line before them and the line before each run of them: the analysis
 * joins a line with the lines that continue it (a hard-wrapped message, dmesg's second lines), so it must
 * see them all, as reading every line does. Added to the rewritten lines, which stay sorted and unique. */
static int find_continued(Feeder *f, const char *text, size_t len) {
        size_t before = f->n_rewritten, prev = SIZE_MAX; /* the start of the line before, SIZE_MAX: none */
        int r;
        for (size_t start = 0; start < len;) {
                size_t stop = newline_map_line_end(&f->newlines, start);
                if (prev != SIZE_MAX &&
                    continues(span_make(text + prev, start - 1 - prev),
                              span_make(text + start, stop - start))) {
                        if ((r = add_rewritten(f, prev)) < 0)
                                return r;
                        if ((r = add_rewritten(f, start)) < 0)
                                return r;
                } else if (prev == SIZE_MAX &&
                           (text[start] == ' ' || text[start] == '\t' ||
                            (text[start] >= 'a' && text[start] <= 'z') || f->pending_continued) &&
                           (r = add_rewritten(f, start)) < 0) /* its line before is the block before's */
                        return r;
                prev = start;
                start = stop + 1;
        }
        sort_rewritten(f, before);
        return 0;
}

/* The lines of a block that hold a terminal's wrap copied as blanks (paste_has_wrap_padding()): the stage
 * joins their rows, so a literal the wrap cut is read as reading line by line reads it. Added to the
 * rewritten lines, which stay sorted and unique. */
static int find_padded(Feeder *f, const char *text, size_t len) {
        static const char sixteen[] = "                ";
        size_t before = f->n_rewritten;
        const char *hit;
        for (size_t i = 0; i < len && (hit = memmem(text + i, len - i, sixteen, 16));) {
                size_t at = (size_t) (hit - text), start = newline_map_line_start(&f->newlines, 0, at),
                       stop = newline_map_line_end(&f->newlines, at);
                int r;
                if (paste_has_wrap_padding(text + start, stop - start) && (r = add_rewritten(f, start)) < 0)
                        return r;
                i = stop + 1;
        }
        sort_rewritten(f, before);
        return 0;
}

/* The lines of a block whose text the pasted-text stage changes (typographic characters, escapes):
 * a rule's literal may hide behind them, so they are read whether the prefilter marked them or not, as
 * reading line by line reads them. Returns 0 or -ENOMEM. */
static int find_rewritten(Feeder *f, const char *text, size_t len) {
        f->n_rewritten = 0;
        for (size_t i = next_special_byte(text, len, 0); i < len;) {
                size_t start = newline_map_line_start(&f->newlines, 0, i),
                       stop = newline_map_line_end(&f->newlines, i);
                if (paste_needs_normalising(text + start, stop - start) ||
                    paste_has_escape(text + start, stop - start)) {
                        int r = add_rewritten(f, start);
                        if (r < 0)
                                return r;
                }
                i = next_special_byte(text, len, stop + 1);
        }
        return 0;
}

static int feed_batch(Feeder *f) {
        size_t n = f->n_batch;
        f->n_batch = 0;
        return analysis_feed_marked_lines(f->a, f->input, f->batch, n);
}

/* The line of the block that holds byte at, a marked byte at or after *next: fed with the next few marked
 * lines. Its occurrences are those of [*hit, end) that it holds (hit NULL: it is scanned again), their
 * ends made relative to it. */
static int take_marked(Feeder *f, const char *text, size_t at, size_t *next, PrefilterHit **hit,
                       PrefilterHit *end) {
        for (;;) {
                size_t start = newline_map_line_start(&f->newlines, *next, at),
                       stop = newline_map_line_end(&f->newlines, at);
                unsigned long lineno = f->block_lineno + newline_map_count_before(&f->newlines, start) + 1;
                PrefilterHit *first = NULL;
                size_t n_hits = 0;
                if (hit) {
                        while (*hit < end && (*hit)->end <= start)
                                (*hit)++;
                        for (first = *hit; *hit < end && (*hit)->end <= stop; (*hit)++, n_hits++)
                                (*hit)->end -= (uint32_t) start;
                }
                *next = stop + 1;
                /* A literal of a rule whose other contents the line lacks: read as a line that holds none.
                 */
                if (hit && !matcher_hits_may_match(f->rules, text + start, stop - start, first, n_hits))
                        return 0;
                f->batch[f->n_batch++] = (MarkedLine){
                        .raw = text + start,
                        .len = stop - start,
                        .hits = first,
                        .n_hits = n_hits,
                        .lineno = lineno,
                        .skipped = lineno - f->marked_lineno - 1,
                };
                f->marked_lineno = lineno;
                int r = f->n_batch == VX_FEED_BATCH ? feed_batch(f) : 0;
                /* A pasted `ulimit -l`: its reply, a bare number, is the next line, read too (in the next
                 * block if this one ends here), as reading every line reads it (context.c
                 * note_ulimit_l()). */
                bool ulimit_l = memmem(text + start, stop - start, ULIMIT_L_COMMAND,
                                       sizeof(ULIMIT_L_COMMAND) - 1) != NULL;
                if (r >= 0 && ulimit_l && stop + 1 >= f->block_len)
                        f->reply_next_block = true;
                /* A CRI record's part (the prefilter finds its " stderr P "): the record after it goes on
                 * with it, which the analysis joins, so that one is read too, as reading every line reads
                 * it. */
                CriRecord cri;
                if (r < 0 || stop + 1 >= f->block_len ||
                    (!ulimit_l &&
                     (!span_is_digit(text[start]) ||
                      !paste_cri_record(span_make(text + start, stop - start), &cri) || !cri.partial)))
                        return r;
                at = stop + 1;
                hit = NULL;
        }
}

/* The last line of the block before, held back: if next's first line continues it (continues()), that line
 * is to be read, and this one now if its block did not read it; else, not read, it is counted as skipped.
 * next may be NULL (the input ended). */
static int resolve_pending(Feeder *f, const char *next, size_t len) {
        if (!f->have_pending)
                return 0;
        f->have_pending = false;
        const char *nl = next ? memchr(next, '\n', len) : NULL;
        f->pending_continued = next &&
                continues(span_make(f->pending, f->pending_len),
                          span_make(next, nl ? (size_t) (nl - next) : len));
        if (f->pending_taken)
                return 0;
        if (f->pending_continued) {
                MarkedLine l = {.raw = f->pending, .len = f->pending_len, .lineno = f->lineno};
                return analysis_feed_marked_lines(f->a, f->input, &l, 1);
        }
        return analysis_skip_lines(f->a, f->input, 1);
}

/* Complete lines, each ending in '\n'. */
static int feed_block(Feeder *f, const char *text, size_t len, uint64_t offset) {
        int r;

        if ((r = resolve_pending(f, text, len)) < 0)
                return r;

        /* The first line of the input may be a journal file's magic. */
        if (f->lineno == 0) {
                size_t first = (size_t) ((const char *) memchr(text, '\n', len) - text) + 1;
                if ((r = feed_lines_one_by_one(f, text, first, offset)) < 0)
                        return r;
                /* the reply to a first line's `ulimit -l` (take_marked()) */
                f->reply_next_block = memmem(text, first, ULIMIT_L_COMMAND, sizeof(ULIMIT_L_COMMAND) - 1);
                text += first;
                len -= first;
                offset += first;
                if (len == 0)
                        return 0;
                if ((r = resolve_pending(f, text, len)) < 0)
                        return r;
        }
        /* Where the lines' text is not what the rules see, every line takes the whole path: NUL bytes (a
         * damaged or binary file) and journal JSON (whose MESSAGE may be escaped or a byte array). */
        BlockScan bytes;
        block_scan(text, len, &f->newlines, &bytes);
        if (bytes.nul || (bytes.brace && has_json_line(text, len)))
                return feed_lines_one_by_one(f, text, len, offset);

        if (bytes.high)
                f->rep.bad_utf8 += count_bad_utf8(text, len, &f->newlines);
        f->n_rewritten = 0;
        if ((bytes.high || bytes.escape) && (r = find_rewritten(f, text, len)) < 0)
                return r;
        if (bytes.padded && (r = find_padded(f, text, len)) < 0)
                return r;
        if ((bytes.indent || f->pending_continued) && (r = find_continued(f, text, len)) < 0)
                return r;
        f->pending_continued = false;
        prefilter_mark(f->prefilter, text, len, f->ends, &f->hits);
        f->block_len = len;

        size_t next = 0; /* the first byte after the last marked line */
        size_t rw = 0; /* the next of the rewritten lines */
        f->block_lineno = f->marked_lineno = f->lineno;
        if (f->reply_next_block) {
                f->reply_next_block = false;
                if ((r = take_marked(f, text, 0, &next, NULL, NULL)) < 0)
                        return r;
        }
        if (f->hits.overflow) {
                for (size_t i = 0; i < f->n_rewritten; i++)
                        f->ends[f->rewritten[i] / 64] |= UINT64_C(1) << (f->rewritten[i] % 64);
                for (size_t w = 0; w < f->hits.ends_words; w++)
                        for (uint64_t bits = f->ends[w]; bits; bits &= bits - 1) {
                                size_t at = w * 64 + (size_t) __builtin_ctzll(bits);
                                if (at >= next && (r = take_marked(f, text, at, &next, NULL, NULL)) < 0)
                                        return r;
                        }
        } else if (f->hits.n > 0) /* else the list may never have been allocated */
                for (PrefilterHit *hit = f->hits.hits, *end = hit + f->hits.n; hit < end;) {
                        size_t at = hit->end - 1;
                        /* rewritten lines before it first, in order; one that is this line is read whole */
                        for (; rw < f->n_rewritten && f->rewritten[rw] <= at; rw++)
                                if (f->rewritten[rw] >= next &&
                                    (r = take_marked(f, text, f->rewritten[rw], &next, NULL, NULL)) < 0)
                                        return r;
                        if (at < next)
                                hit++;
                        else if ((r = take_marked(f, text, at, &next, &hit, end)) < 0)
                                return r;
                }
        if (!f->hits.overflow)
                for (; rw < f->n_rewritten; rw++)
                        if (f->rewritten[rw] >= next &&
                            (r = take_marked(f, text, f->rewritten[rw], &next, NULL, NULL)) < 0)
                                return r;
        if ((r = feed_batch(f)) < 0)
                return r;
        analysis_feed_block_end(f->a);
        /* The lines after the last marked one; the block's last line held back, read or not. */
        f->lineno += bytes.newlines;
        uint64_t skipped = f->lineno - f->marked_lineno;
        size_t start = newline_map_line_start(&f->newlines, 0, len - 1);
        f->pending_len = len - 1 - start;
        memcpy(f->pending, text + start, f->pending_len);
        f->have_pending = true;
        f->pending_taken = skipped == 0;
        if (skipped > 0)
                skipped--;
        return analysis_skip_lines(f->a, f->input, skipped);
}

int analysis_feed_fd(Analysis *a, const char *input, int fd, FeedReport *ret) {
        return analysis_feed_fd_progress(a, input, fd, NULL, NULL, ret);
}

int analysis_feed_fd_progress(Analysis *a, const char *input, int fd, feed_progress_fn progress,
                              void *userdata, FeedReport *ret) {
        const size_t words = BLOCK_SCAN_WORDS(VX_LINE_MAX + VX_READ_CHUNK);
        _cleanup_free_ uint64_t *ends = calloc(words, sizeof(uint64_t)),
                                *newline_bits = malloc(words * sizeof(uint64_t));
        _cleanup_free_ uint32_t *newlines_before = malloc(words * sizeof(uint32_t));
        Feeder f = {
                .a = a,
                .input = analysis_intern_input(a, input),
                .prefilter = analysis_rules(a)->prefilter,
                .rules = analysis_rules(a),
                .ends = ends,
                .newlines = {newline_bits, newlines_before},
        };
        LineReader rd;
        ReadBlock b;
        int r;

        f.pending = malloc(VX_LINE_MAX + 1);
        if (!f.input || !ends || !newline_bits || !newlines_before || !f.pending) {
                free(f.pending);
                return -ENOMEM;
        }
        if ((r = line_reader_init(&rd, fd)) < 0) {
                free(f.pending);
                return r;
        }
        while ((r = line_reader_next_block(&rd, &b)) > 0) {
                if (b.single) {
                        if ((r = resolve_pending(&f, b.text, b.len)) < 0)
                                break;
                        r = feed_one(&f, b.text, b.len, b.offset, b.cut);
                } else
                        r = feed_block(&f, b.text, b.len, b.offset);
                if (r < 0)
                        break;
                if (progress)
                        progress((uint64_t) b.offset + b.len, userdata);
        }
        if (r >= 0) {
                int k = resolve_pending(&f, NULL, 0);
                if (k < 0)
                        r = k;
        }
        f.rep.compression = compression_name(rd.compression);
        if (r < 0)
                f.rep.decompress_error = line_reader_decompress_error(&rd);
        line_reader_done(&rd);
        prefilter_hits_done(&f.hits);
        free(f.rewritten);
        free(f.pending);
        *ret = f.rep;
        return r < 0 ? r : 0;
}
