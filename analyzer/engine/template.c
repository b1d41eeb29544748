/* SPDX-License-Identifier: MIT */
/* Fix and explanation templates: checking them, and filling in their {variables}. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "template.h"

int template_validate(const char *t, size_t *err_col, const char **err) {
        for (size_t i = 0; t[i]; i++) {
                if (t[i] == '}') {
                        if (t[i + 1] != '}') {
                                *err_col = i;
                                *err = "lone '}' (write '}}' for a literal brace)";
                                return -EINVAL;
                        }
                        i++;
                        continue;
                }
                if (t[i] != '{')
                        continue;
                if (t[i + 1] == '{') {
                        i++;
                        continue;
                }
                const char *end = strchr(t + i + 1, '}');
                if (!end) {
                        *err_col = i;
                        *err = "unterminated '{' (write '{{' for a literal brace)";
                        return -EINVAL;
                }
                if (var_from_string(t + i + 1, (size_t) (end - t - i - 1)) < 0) {
                        *err_col = i + 1;
                        *err = "unknown variable";
                        return -EINVAL;
                }
                i = (size_t) (end - t);
        }
        return 0;
}

static void put_plain(StrBuf *out, const char *s, size_t len, bool value, void *userdata) {
        strbuf_append(out, s, len);
}

int template_render(const char *t, const TemplateVars *vars, StrBuf *out) {
        return template_render_parts(t, vars, put_plain, NULL, out);
}

int template_render_parts(const char *t, const TemplateVars *vars, template_put_fn put, void *userdata,
                          StrBuf *out) {
        size_t lit = 0; /* start of the literal text not yet put */
        for (size_t i = 0; t[i]; i++) {
                if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
                        /* The brace once: the literal up to and with it, the second skipped. */
                        put(out, t + lit, i + 1 - lit, false, userdata);
                        lit = i + 2;
                        i++;
                        continue;
                }
                if (t[i] != '{')
                        continue;
                const char *end = strchr(t + i + 1, '}');
                if (!end)
                        return -EINVAL;
                int v = var_from_string(t + i + 1, (size_t) (end - t - i - 1));
                if (v < 0)
                        return -EINVAL;
                put(out, t + lit, i - lit, false, userdata);
                if (vars && vars->v[v])
                        put(out, vars->v[v], strlen(vars->v[v]), true, userdata);
                else {
                        /* "<name>": a value not known, shown as a value. */
                        char unknown[40];
                        int n = snprintf(unknown, sizeof(unknown), "<%s>", var_to_string((Var) v));
                        put(out, unknown, (size_t) MIN(n, (int) sizeof(unknown) - 1), true, userdata);
                }
                i = (size_t) (end - t);
                lit = i + 1;
        }
        put(out, t + lit, strlen(t + lit), false, userdata);
        return strbuf_failed(out) ? -ENOMEM : 0;
}
