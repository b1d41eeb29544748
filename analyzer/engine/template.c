/* SPDX-License-Identifier: MIT */
/* Fix and explanation templates: checking them, and filling in their {variables}. */
#include <errno.h>
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

int template_render(const char *t, const TemplateVars *vars, StrBuf *out) {
        for (size_t i = 0; t[i]; i++) {
                if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
                        strbuf_putc(out, t[i]);
                        i++;
                        continue;
                }
                if (t[i] != '{') {
                        strbuf_putc(out, t[i]);
                        continue;
                }
                const char *end = strchr(t + i + 1, '}');
                if (!end)
                        return -EINVAL;
                int v = var_from_string(t + i + 1, (size_t) (end - t - i - 1));
                if (v < 0)
                        return -EINVAL;
                if (vars && vars->v[v])
                        strbuf_puts(out, vars->v[v]);
                else {
                        strbuf_putc(out, '<');
                        strbuf_puts(out, var_to_string((Var) v));
                        strbuf_putc(out, '>');
                }
                i = (size_t) (end - t);
        }
        return strbuf_failed(out) ? -ENOMEM : 0;
}
