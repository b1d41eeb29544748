/* SPDX-License-Identifier: MIT */
/* The rule patterns' lint: a "." repetition the matcher can restart refused (docs/rule-format.md says why).
 */
#include <stdbool.h>
#include <string.h>

#include "pattern_lint.h"

typedef struct DotRun {
        size_t start, end; /* the run and its quantifier */
        bool in_lookaround; /* inside a lookahead or lookbehind */
        bool after_anchor; /* ... one that directly follows the leading '^' */
} DotRun;

/* The end of the character class that starts at p[i] ('['). */
static size_t class_end(const char *p, size_t n, size_t i) {
        size_t j = i + 1;
        if (j < n && p[j] == '^')
                j++;
        if (j < n && p[j] == ']')
                j++;
        while (j < n && p[j] != ']') {
                if (p[j] == '\\')
                        j += 2;
                else if (p[j] == '[' && j + 1 < n && p[j + 1] == ':') {
                        const char *e = strstr(p + j + 2, ":]");
                        j = e ? (size_t) (e - p) + 2 : n;
                } else
                        j++;
        }
        return j < n ? j + 1 : n;
}

/* The length of a quantifier at p[i] ("*", "+", "?", "{n}", "{n,}", "{n,m}", each with an optional '?' or
 * '+'), and whether it has no upper bound; 0 if there is none. */
static size_t quantifier(const char *p, size_t n, size_t i, bool *unbounded) {
        size_t j = i;
        *unbounded = false;
        if (j >= n)
                return 0;
        if (p[j] == '*' || p[j] == '+') {
                *unbounded = true;
                j++;
        } else if (p[j] == '?')
                j++;
        else if (p[j] == '{') {
                size_t k = j + 1, digits = 0;
                while (k < n && p[k] >= '0' && p[k] <= '9')
                        k++, digits++;
                if (digits == 0)
                        return 0; /* a literal '{' */
                if (k < n && p[k] == '}')
                        j = k + 1;
                else if (k < n && p[k] == ',') {
                        k++;
                        size_t upper = 0;
                        while (k < n && p[k] >= '0' && p[k] <= '9')
                                k++, upper++;
                        if (k >= n || p[k] != '}')
                                return 0;
                        *unbounded = upper == 0;
                        j = k + 1;
                } else
                        return 0;
        } else
                return 0;
        if (j < n && (p[j] == '?' || p[j] == '+'))
                j++;
        return j - i;
}

/* Whether nothing that can fail follows p[from..]: only ')' closing groups (quantified or not), '|' ending
 * an alternative (the rest of its group skipped), and '$'. Then once the run is reached the match succeeds
 * (or fails at once at the end of the line), and the run cannot be restarted. */
static bool final_run(const char *p, size_t n, size_t from) {
        size_t j = from;
        while (j < n) {
                char c = p[j];
                if (c == ')' || c == '$') {
                        j++;
                        bool unbounded;
                        if (c == ')')
                                j += quantifier(p, n, j, &unbounded);
                        continue;
                }
                if (c != '|')
                        return false;
                /* Skip the other alternatives, to the ')' of the group (or the end). */
                int depth = 0;
                for (j++; j < n; j++) {
                        if (p[j] == '\\')
                                j++;
                        else if (p[j] == '[')
                                j = class_end(p, n, j) - 1;
                        else if (p[j] == '(')
                                depth++;
                        else if (p[j] == ')') {
                                if (depth == 0)
                                        break;
                                depth--;
                        }
                }
        }
        return true;
}

int pattern_lint(const char *p, size_t *ret_col, const char **ret_why) {
        size_t n = strlen(p);
        enum { DEPTH_MAX = 64 };
        bool look[DEPTH_MAX];
        size_t look_start[DEPTH_MAX], depth = 0;
        DotRun runs[64];
        size_t n_runs = 0;
        bool top_alternation = false;

        for (size_t i = 0; i < n;) {
                size_t start = i;
                bool dot = false;
                char c = p[i];
                if (c == '\\') {
                        dot = i + 1 < n && p[i + 1] == 'N';
                        i += 2;
                        /* \x{...}, \p{...}, \g{...}, \k{...}, \N{U+...} */
                        if (i < n && p[i] == '{' && strchr("xpPgkN", p[i - 1])) {
                                const char *e = strchr(p + i, '}');
                                i = e ? (size_t) (e - p) + 1 : n;
                                dot = false;
                        }
                } else if (c == '[')
                        i = class_end(p, n, i);
                else if (c == '(') {
                        bool lookaround = strncmp(p + i, "(?=", 3) == 0 || strncmp(p + i, "(?!", 3) == 0 ||
                                strncmp(p + i, "(?<=", 4) == 0 || strncmp(p + i, "(?<!", 4) == 0;
                        if (depth >= DEPTH_MAX)
                                return 0; /* PCRE2 refuses or takes it; nothing to say here */
                        look[depth] = lookaround;
                        look_start[depth] = i;
                        depth++;
                        i++;
                        continue;
                } else if (c == ')') {
                        if (depth > 0)
                                depth--;
                        i++;
                } else if (c == '|') {
                        if (depth == 0)
                                top_alternation = true;
                        i++;
                        continue;
                } else {
                        dot = c == '.';
                        i++;
                }
                bool unbounded;
                size_t q = quantifier(p, n, i, &unbounded);
                i += q;
                if (!dot || !unbounded || n_runs >= sizeof(runs) / sizeof(runs[0]))
                        continue;
                DotRun r = {.start = start, .end = i};
                for (size_t d = 0; d < depth; d++)
                        if (look[d]) {
                                r.in_lookaround = true;
                                /* Its outermost lookaround right after the leading '^' runs once. */
                                r.after_anchor = look_start[d] == 1 && p[0] == '^';
                                break;
                        }
                runs[n_runs++] = r;
        }

        bool anchored = p[0] == '^' && !top_alternation;
        size_t outside = 0;
        for (size_t k = 0; k < n_runs; k++) {
                const DotRun *r = &runs[k];
                if (final_run(p, n, r->end))
                        continue;
                const char *why = NULL;
                if (!anchored)
                        why = "'.*' or '.+' before the end of a pattern not anchored with '^' restarts at every position";
                else if (r->in_lookaround && !r->after_anchor)
                        why = "'.*' or '.+' in a lookaround not right after the leading '^' runs at every position";
                else if (!r->in_lookaround && outside++ > 0)
                        why = "a second '.*' or '.+' restarts for every length the first one gives back";
                if (why) {
                        *ret_col = r->start;
                        *ret_why = why;
                        return -1;
                }
        }
        return 0;
}
