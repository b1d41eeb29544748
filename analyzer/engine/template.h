/* SPDX-License-Identifier: MIT */
#pragma once

/* Fix and explanation templates: "{name}" is a variable, "{{" and "}}" literal braces. */

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"
#include "vocab.h"

/* Checks a template. Returns 0, or -EINVAL with *err_col (0-based byte offset) and *err set. */
int template_validate(const char *t, size_t *err_col, const char **err);

/* Values indexed by Var; NULL where unknown (rendered as "<name>"). */
typedef struct TemplateVars {
        const char *v[_VAR_MAX];
        char mmio64_mb[24]; /* storage for {mmio64_mb}, which is computed */
} TemplateVars;

int template_render(const char *t, const TemplateVars *vars, StrBuf *out);
/* The same, each piece handed to put: the template's own text (value false) and each variable's value
 * (true), so that a document can quote the values and not its own words. */
typedef void (*template_put_fn)(StrBuf *out, const char *s, size_t len, bool value, void *userdata);
int template_render_parts(const char *t, const TemplateVars *vars, template_put_fn put, void *userdata,
                          StrBuf *out);
