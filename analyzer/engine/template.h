/* SPDX-License-Identifier: MIT */
#pragma once

/* Fix and explanation templates: "{name}" is a variable, "{name|other}" the first of them known (a pattern
 * whose branches capture different names), "{{" and "}}" literal braces. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"
#include "vocab.h"

/* Checks a template. Returns 0, or -EINVAL with *err_col (0-based byte offset) and *err set. */
int template_validate(const char *t, size_t *err_col, const char **err);

/* The first placeholder of t that none of known (bits 1 << Var) fills and one of whose alternatives is in
 * captured (the pattern's own captures): what an explanation would print as "<name>" for a line the pattern
 * matched without that capture. Its (first) Var, -ENOENT for none, -EINVAL for a template that does not
 * validate. */
int template_unfilled(const char *t, uint64_t known, uint64_t captured);

/* Values indexed by Var; NULL where unknown. */
typedef struct TemplateVars {
        const char *v[_VAR_MAX];
        char mmio64_mb[24]; /* storage for {mmio64_mb}, which is computed */
        char group[16]; /* storage for a {group} the host's facts give */
} TemplateVars;

/* Prose (an explanation, a why): an unknown value reads "<name>". */
int template_render(const char *t, const TemplateVars *vars, StrBuf *out);
/* The same, each piece handed to put: the template's own text (value false) and each variable's value
 * (true), so that a document can quote the values and not its own words. */
typedef void (*template_put_fn)(StrBuf *out, const char *s, size_t len, bool value, void *userdata);
int template_render_parts(const char *t, const TemplateVars *vars, template_put_fn put, void *userdata,
                          StrBuf *out);
/* A command: an unknown value is a shell variable ("$DOMAIN" in double quotes, as fits where it stands, so
 * that nothing a shell misreads is pasted: "<domain>" is a redirection), whose bit (1 << Var) is set in
 * *unknown; template_shell_setup() writes the line that sets it. */
int template_render_command(const char *t, const TemplateVars *vars, StrBuf *out, uint64_t *unknown);
/* The why of a command: an unknown value is "$DOMAIN" if the command sets that variable (its bit in set, as
 * template_render_command() gave it), else a noun for it ("the device"): a variable no line sets means
 * nothing to the reader. */
int template_render_why(const char *t, const TemplateVars *vars, uint64_t set, StrBuf *out);
/* "DOMAIN=your-vm   # the libvirt domain that failed (virsh list --all)" and a newline: the line that sets
 * the variable of v before a command that uses it (the group of a known address from sysfs). */
void template_shell_setup(Var v, const TemplateVars *vars, StrBuf *out);
/* The shell variable that stands for v ("FILE_PATH" for {path}: PATH is the shell's own). */
const char *template_shell_var_name(Var v);
