/* SPDX-License-Identifier: MIT */
#pragma once

/* Fix and explanation templates: "{name}" is a variable, "{{" and "}}" literal braces. */

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
