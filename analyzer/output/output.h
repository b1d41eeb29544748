/* SPDX-License-Identifier: MIT */
#pragma once

/* Rendering the ranked causes as text (a terminal), Markdown (a bug ticket) or JSON (scripts). */

#include <stdbool.h>

#include "domain.h"
#include "escape.h"
#include "strbuf.h"
#include "template.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/facts.h"

typedef enum OutputFormat {
        OUTPUT_TEXT,
        OUTPUT_MARKDOWN,
        OUTPUT_JSON,
} OutputFormat;

int output_format_from_string(const char *s, OutputFormat *ret);

/* Where a document written a piece at a time goes between its pieces. */
typedef int (*output_flush_fn)(StrBuf *out);

typedef struct OutputOptions {
        OutputFormat format;
        bool color;
        const HostFacts *host;
        /* The counts the report states; NULL for the analysis's own. watch and run judge again only
         * the lines they kept of a longer stream, and report the stream's counts. */
        const AnalysisStats *stats;
        const char *title; /* markdown: the report's heading, NULL for "vfioexplain" */
        /* The guest's management layer (--pve-vm, --incus): fixes in another layer's terms (virsh) are
         * left out. guest_named: the user named the guest (--domain, --pve-vm, --incus), so its layer
         * stands whatever the input or the host shows; otherwise guest_layer is GUEST_LIBVIRT and the
         * input (a qmstart task, incus's messages) or a Proxmox VE host may say another. */
        GuestLayer guest_layer;
        bool guest_named;
        unsigned
                width; /* text: prose is wrapped to this many columns (0: not wrapped); commands never are */
        bool full; /* text: every cause in full, not the first alone */
        /* JSON: called between the pieces of the document (a cause, a device of the facts) with what out
         * holds so far; it may write that out and empty out (the CLI's write_out_piece()), so that the
         * report of a host of 4096 devices is never whole in memory. NULL: the document is kept whole in
         * out. Returns 0 or a negative errno, which ends the rendering. */
        output_flush_fn flush;
} OutputOptions;

AnalysisStats output_stats(const Analysis *a, const OutputOptions *o);
/* Text for a person: first, then text (escaped) broken at blanks into lines of at most width columns (0:
 * one line), each later line after cont, and a newline. A word wider than a line is cut: never pass a
 * command here. */
void output_put_wrapped(StrBuf *out, unsigned width, const char *first, const char *cont, const char *text);
/* What the reader must know about what was not judged or not kept, each note after lead. */
void output_put_notes(StrBuf *out, AnalysisStats st, const char *lead);

int output_render(const Analysis *a, const OutputOptions *o, StrBuf *out);
int output_render_text(const Analysis *a, const OutputOptions *o, StrBuf *out);
int output_render_markdown(const Analysis *a, const OutputOptions *o, StrBuf *out);
int output_render_json(const Analysis *a, const OutputOptions *o, StrBuf *out);

/* One cause alone (watch prints each cause once, as it is found): a text block, or a JSON object
 * (NULL with errno set on failure). */
int output_render_text_finding(const Analysis *a, const Finding *f, const OutputOptions *o, StrBuf *out);
struct json_object *output_json_finding(const Analysis *a, const Finding *f, const OutputOptions *o);
/* The whole JSON report as an object, for callers that put it inside their own (NULL, errno set). */
struct json_object *output_json_report(const Analysis *a, const OutputOptions *o);
/* output_render_json() left open after its last member: the caller adds its own and closes it. */
int output_render_json_open(const Analysis *a, const OutputOptions *o, StrBuf *out);
/* A member of a pretty-printed object depth levels deep, written as json-c writes it there: ",\n" ("\n" for
 * the first), the indent, the key (a name of the format, not escaped), ": " and value. Takes value (NULL:
 * null). Returns 0 or -ENOMEM. */
int output_json_put_member(StrBuf *out, size_t depth, bool first, const char *key,
                           struct json_object *value);
/* An element of a pretty-printed array depth levels deep, as json-c writes it there: ",\n" ("\n" for the
 * first), the indent and value. Takes value (NULL: null). Returns 0 or -ENOMEM. */
int output_json_put_element(StrBuf *out, size_t depth, bool first, struct json_object *value);
/* Called with each cause's object before it is written, to add members of the caller's. */
typedef int (*output_json_cause_fn)(struct json_object *cause, void *userdata);
/* Each cause of the report as an element of an array depth levels deep, passed to extra first if that is not
 * NULL; *first: nothing is in the array yet (cleared once a cause is written). A cause at a time: the tree
 * of every cause at once is megabytes on a log that fills every bound. Returns 0 or a negative errno. */
int output_json_put_causes(const Analysis *a, const OutputOptions *o, size_t depth, bool *first,
                           output_json_cause_fn extra, void *userdata, StrBuf *out);
/* The members of the report, "causes", "facts" and "stats", of an object depth levels deep (first: the
 * object has none before them). Returns 0 or a negative errno. */
int output_json_put_report_members(const Analysis *a, const OutputOptions *o, size_t depth, bool first,
                                   StrBuf *out);
/* Appends o and a newline: pretty (the report) or on one line (JSON lines). Returns 0 or -ENOMEM. */
int output_put_json(StrBuf *out, struct json_object *o, bool pretty);

/* Shared by the renderers: a finding's fixes, rule-specific ones first, rendered and deduplicated; for a
 * guest of another layer than libvirt, none that runs virsh. */
typedef struct RenderedFix {
        /* The whole command: first the lines that set what neither the evidence nor the host says
         * ("DOMAIN=your-vm   # ..."; setup_len bytes), then the command itself, which uses them. */
        char *command;
        char *why;
        size_t setup_len;
} RenderedFix;

int finding_render_fixes(const Analysis *a, const Finding *f, const HostFacts *host, GuestLayer layer,
                         bool layer_named, RenderedFix **ret, size_t *n);
/* One fix template as a RenderedFix's command: the lines that set the variables of what v does not know,
 * then the command (*ret_setup_len: the bytes of the former). Returns 0 or a negative errno. */
int fix_render_command(const char *template, const TemplateVars *v, char **ret, size_t *ret_setup_len);
/* The VM that has the finding's device: the running QEMU whose command line holds it (live probes; pid
 * set), else the libvirt domain whose log the evidence came from (pid 0). False if neither is known. */
bool finding_vm(const Finding *f, const HostFacts *host, const char **name, int *pid);
void rendered_fixes_free(RenderedFix *fixes, size_t n);
/* The explanations of the rules that matched, rendered and deduplicated. */
int finding_render_explanations(const Analysis *a, const Finding *f, const HostFacts *host, char ***ret,
                                size_t *n);
/* The same as Markdown: the rule's own words as text, each value an inline code span. */
int finding_render_explanations_markdown(const Analysis *a, const Finding *f, const HostFacts *host,
                                         char ***ret, size_t *n);
void strv_free_n(char **v, size_t n);
/* The source evidence is shown as: its line's ("kernel", "qemu" ...), or "pasted" for a statement made of a
 * host listing pasted in the input. */
const char *evidence_source_name(const Evidence *e);
/* One line for each cause suggested and ruled out by a fact, the first after lead, the others after next. */
void output_put_ruled_out(const Analysis *a, StrBuf *out, const char *lead, const char *next);
/* The causes suggested and ruled out by a fact, as JSON ("ruled_out"): [{"id", "device", "fact"}]. */
struct json_object *output_json_ruled_out(const Analysis *a);
/* Markdown: text that is not ours (a value of a log, the host, a snapshot) as an inline code span that no
 * backtick run in it can close, escaped first; in a table cell (table_cell) its '|' escaped as GFM needs. */
void markdown_put_code(StrBuf *out, const char *s, size_t len, bool table_cell);
/* Markdown: our own words or a rule file's, with what Markdown would read as markup escaped. */
void markdown_put_text(StrBuf *out, const char *s, size_t len);
