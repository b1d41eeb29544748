/* SPDX-License-Identifier: MIT */
/* The JSON rendering (DESIGN.md "Output contract", version 1). Every string is valid UTF-8: log
 * bytes that are not are written as \xNN text, as in the other formats. */
#include <assert.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "classify.h"
#include "escape.h"
#include "output.h"
#include "snapshot.h"

/* json_text(s), counting in *lost a text that could not be made: the finding is then not rendered. */
static struct json_object *text_of(const char *s, size_t *lost) {
        struct json_object *o = json_text(s);
        if (!o)
                (*lost)++;
        return o;
}

/* The same for text of several lines of our own: a fix that sets a variable first. */
static struct json_object *text_lines_of(const char *s, size_t *lost) {
        struct json_object *o = json_text_lines(s);
        if (!o)
                (*lost)++;
        return o;
}

struct json_object *output_json_finding(const Analysis *a, const Finding *f, const OutputOptions *o) {
        const RuleSet *rs = analysis_rules(a);
        size_t lost = 0;
        int r;

        const CauseDef *c = &rs->causes[f->cause];
        struct json_object *jc = json_object_new_object();
        json_object_object_add(jc, "id", json_object_new_string(c->id));
        json_object_object_add(jc, "rank", json_object_new_int((int) f->rank));
        json_object_object_add(jc, "confidence", json_object_new_string(strength_to_string(f->confidence)));
        /* the evidence weighs it as the cause ranked next to it: the order between them says nothing */
        json_object_object_add(jc, "tied", json_object_new_boolean(f->tied));
        /* possible only: no line shows what would make it a cause of this failure (its possible-unless);
         * doubt says why in the rule file's words */
        json_object_object_add(jc, "doubted", json_object_new_boolean(f->doubted));
        if (f->doubted && c->doubt)
                json_object_object_add(jc, "doubt", text_of(c->doubt, &lost));
        if (f->host_confirmed || f->pasted_confirmed)
                json_object_object_add(jc, "confirmed_by",
                                       json_object_new_string(f->host_confirmed ? "host" : "pasted"));
        json_object_object_add(jc, "title", text_of(c->title, &lost));
        json_object_object_add(jc, "means", text_of(c->means, &lost));
        json_object_object_add(jc, "device", f->device[0] ? json_object_new_string(f->device) : NULL);
        json_object_object_add(jc, "group", f->group[0] ? json_object_new_string(f->group) : NULL);
        json_object_object_add(jc, "score", json_object_new_int64(f->score));
        const char *vm;
        int pid;
        if (finding_vm(f, o->host, &vm, &pid)) {
                struct json_object *jv = json_object_new_object();
                json_object_object_add(jv, "name", vm ? text_of(vm, &lost) : NULL);
                json_object_object_add(jv, "pid", pid ? json_object_new_int(pid) : NULL);
                json_object_object_add(jc, "vm", jv);
        }

        char **ex;
        size_t n_ex;
        if ((r = finding_render_explanations(a, f, o->host, &ex, &n_ex)) < 0)
                goto fail;
        struct json_object *jx = json_object_new_array();
        for (size_t k = 0; k < n_ex; k++)
                json_object_array_add(jx, text_of(ex[k], &lost));
        strv_free_n(ex, n_ex);
        json_object_object_add(jc, "explanation", jx);

        struct json_object *je = json_object_new_array();
        for (size_t k = 0; k < f->n_evidence; k++) {
                const Evidence *e = &f->evidence[k];
                struct json_object *o1 = json_object_new_object();
                json_object_object_add(o1, "source", json_object_new_string(evidence_source_name(e)));
                json_object_object_add(o1, "input", text_of(e->input, &lost));
                json_object_object_add(o1, "line", json_object_new_int64((int64_t) e->line));
                json_object_object_add(o1, "text", text_of(e->text, &lost));
                json_object_object_add(o1, "rule", json_object_new_string(rs->rules[e->rule].id));
                if (e->cut)
                        json_object_object_add(o1, "cut", json_object_new_boolean(true));
                if (e->realtime_usec)
                        json_object_object_add(o1, "realtime_usec",
                                               json_object_new_int64((int64_t) e->realtime_usec));
                if (e->unit)
                        json_object_object_add(o1, "unit", text_of(e->unit, &lost));
                if (e->cursor)
                        json_object_object_add(o1, "cursor", text_of(e->cursor, &lost));
                if (e->context)
                        json_object_object_add(o1, "context", text_of(e->context, &lost));
                json_object_array_add(je, o1);
        }
        json_object_object_add(jc, "evidence", je);
        json_object_object_add(jc, "more_evidence", json_object_new_int64((int64_t) f->more_evidence));

        RenderedFix *fixes;
        size_t n_fixes;
        if ((r = finding_render_fixes(a, f, o->host, o->guest_layer, o->guest_named, &fixes, &n_fixes)) < 0)
                goto fail;
        struct json_object *jf = json_object_new_array();
        for (size_t k = 0; k < n_fixes; k++) {
                struct json_object *o1 = json_object_new_object();
                json_object_object_add(o1, "command", text_lines_of(fixes[k].command, &lost));
                json_object_object_add(o1, "why", text_of(fixes[k].why, &lost));
                json_object_array_add(jf, o1);
        }
        rendered_fixes_free(fixes, n_fixes);
        json_object_object_add(jc, "fix", jf);

        struct json_object *jexp = json_object_new_array();
        for (size_t k = 0; k < f->n_explains; k++)
                json_object_array_add(jexp, json_object_new_string(f->explains[k]));
        json_object_object_add(jc, "explains", jexp);
        if (lost > 0) {
                r = -ENOMEM;
                goto fail;
        }
        return jc;
fail:
        json_object_put(jc);
        errno = -r;
        return NULL;
}

struct json_object *output_json_ruled_out(const Analysis *a) {
        const RuleSet *rs = analysis_rules(a);
        RuledOutCause out[VX_RULED_OUT_MAX];
        size_t n = MIN(analysis_ruled_out(a, out, ELEMENTSOF(out)), ELEMENTSOF(out));
        struct json_object *arr = json_object_new_array();
        for (size_t i = 0; arr && i < n; i++) {
                struct json_object *o1 = json_object_new_object();
                json_object_object_add(o1, "id", json_object_new_string(rs->causes[out[i].cause].id));
                json_object_object_add(o1, "device",
                                       out[i].device[0] ? json_object_new_string(out[i].device) : NULL);
                json_object_object_add(o1, "fact", json_object_new_string(rs->facts[out[i].fact]));
                /* a fact of the host a pasted listing came from, with its line */
                if (out[i].pasted_input) {
                        json_object_object_add(o1, "fact_source", json_object_new_string("pasted"));
                        json_object_object_add(o1, "fact_input", json_text(out[i].pasted_input));
                        json_object_object_add(o1, "fact_line",
                                               json_object_new_int64((int64_t) out[i].pasted_line));
                }
                json_object_array_add(arr, o1);
        }
        return arr;
}

static struct json_object *stats_to_json(const Analysis *a, const OutputOptions *o) {
        AnalysisStats st = output_stats(a, o);
        struct json_object *js = json_object_new_object();
        json_object_object_add(js, "lines", json_object_new_int64((int64_t) st.lines));
        json_object_object_add(js, "matched_lines", json_object_new_int64((int64_t) st.matched_lines));
        json_object_object_add(js, "limit_hits", json_object_new_int64((int64_t) st.limit_hits));
        json_object_object_add(js, "dropped", json_object_new_int64((int64_t) st.dropped));
        if (st.guest_input) {
                struct json_object *g = json_object_new_object();
                json_object_object_add(g, "input", json_text(st.guest_input));
                json_object_object_add(g, "line", json_object_new_int64((int64_t) st.guest_line));
                json_object_object_add(js, "judged_guest", g);
        }
        if (st.other_host) {
                /* judged from the input alone: what of it is not this host's */
                const OtherHost *oh = st.other_host;
                struct json_object *g = json_object_new_object();
                json_object_object_add(g, "hostname", oh->hostname[0] ? json_text(oh->hostname) : NULL);
                json_object_object_add(g, "this_hostname",
                                       oh->host_hostname[0] ? json_text(oh->host_hostname) : NULL);
                json_object_object_add(g, "machine_id",
                                       oh->machine_id[0] ? json_object_new_string(oh->machine_id) : NULL);
                json_object_object_add(g, "devices_here", json_object_new_int64(oh->devices_here));
                json_object_object_add(g, "devices_not_here", json_object_new_int64(oh->devices_not_here));
                if (oh->devices_not_here > 0) {
                        char ids[16];
                        snprintf(ids, sizeof(ids), "%04x:%04x", (unsigned) oh->vendor,
                                 (unsigned) oh->device_id);
                        json_object_object_add(g, "device", json_object_new_string(oh->device));
                        json_object_object_add(g, "device_ids", json_object_new_string(ids));
                }
                json_object_object_add(js, "other_host", g);
        }
        return js;
}

struct json_object *output_json_report(const Analysis *a, const OutputOptions *o) {
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        struct json_object *root = json_object_new_object();
        struct json_object *causes = json_object_new_array();

        if (!root || !causes) {
                json_object_put(root);
                json_object_put(causes);
                errno = ENOMEM;
                return NULL;
        }
        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "causes", causes);

        for (size_t i = 0; i < n; i++) {
                struct json_object *jc = output_json_finding(a, fs[i], o);
                if (!jc) {
                        json_object_put(root);
                        return NULL;
                }
                json_object_array_add(causes, jc);
        }
        json_object_object_add(root, "ruled_out", output_json_ruled_out(a));
        json_object_object_add(root, "facts", facts_to_json(o->host));
        json_object_object_add(root, "stats", stats_to_json(a, o));
        return root;
}

#define JSON_FLAGS(pretty)                                                                       \
        ((pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN) | \
         JSON_C_TO_STRING_NOSLASHESCAPE)

int output_put_json(StrBuf *out, struct json_object *o, bool pretty) {
        size_t len;
        const char *s = json_object_to_json_string_length(o, JSON_FLAGS(pretty), &len);
        if (!s)
                return -ENOMEM;
        strbuf_append(out, s, len);
        strbuf_putc(out, '\n');
        return strbuf_failed(out) ? -ENOMEM : 0;
}

/* o, pretty-printed as json-c prints it at the given depth: its own lines indented by indent more spaces
 * (a JSON string holds no raw newline, so each one starts a line). Takes o; NULL is null, as json-c writes a
 * member added without a value. */
static int put_nested(StrBuf *out, struct json_object *o, size_t indent) {
        size_t len;
        const char *s = json_object_to_json_string_length(o, JSON_FLAGS(true), &len);

        if (!s) {
                json_object_put(o);
                return -ENOMEM;
        }
        strbuf_append_indented(out, s, len, indent);
        json_object_put(o);
        return 0;
}

int output_json_put_member(StrBuf *out, size_t depth, bool first, const char *key,
                           struct json_object *value) {
        static const char spaces[] = "      ";
        size_t indent = 2 * depth;

        assert(depth >= 1 && indent <= sizeof(spaces) - 1);
        strbuf_puts(out, first ? "\n" : ",\n");
        strbuf_append(out, spaces, indent);
        strbuf_printf(out, "\"%s\": ", key);
        return put_nested(out, value, indent);
}

int output_json_put_element(StrBuf *out, size_t depth, bool first, struct json_object *value) {
        static const char spaces[] = "        ";
        size_t indent = 2 * depth;

        assert(depth >= 1 && indent <= sizeof(spaces) - 1);
        strbuf_puts(out, first ? "\n" : ",\n");
        strbuf_append(out, spaces, indent);
        return put_nested(out, value, indent);
}

int output_json_put_causes(const Analysis *a, const OutputOptions *o, size_t depth, bool *first,
                           output_json_cause_fn extra, void *userdata, StrBuf *out) {
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        int r;

        for (size_t i = 0; i < n; i++) {
                struct json_object *jc = output_json_finding(a, fs[i], o);
                if (!jc)
                        return -errno;
                if (extra && (r = extra(jc, userdata)) < 0) {
                        json_object_put(jc);
                        return r;
                }
                if ((r = output_json_put_element(out, depth, *first, jc)) < 0)
                        return r;
                *first = false;
                if (o->flush && (r = o->flush(out)) < 0)
                        return r;
        }
        return strbuf_failed(out) ? -ENOMEM : 0;
}

int output_json_put_report_members(const Analysis *a, const OutputOptions *o, size_t depth, bool first,
                                   StrBuf *out) {
        static const char spaces[] = "      ";
        size_t indent = 2 * depth;
        bool none = true;
        int r;

        assert(depth >= 1 && indent <= sizeof(spaces) - 1);
        strbuf_puts(out, first ? "\n" : ",\n");
        strbuf_append(out, spaces, indent);
        strbuf_puts(out, "\"causes\": [");
        if ((r = output_json_put_causes(a, o, depth + 1, &none, NULL, NULL, out)) < 0)
                return r;
        strbuf_putc(out, '\n');
        strbuf_append(out, spaces, indent);
        strbuf_putc(out, ']');
        struct json_object *stats = stats_to_json(a, o), *ruled_out = output_json_ruled_out(a);
        if (!stats || !ruled_out) {
                json_object_put(stats);
                json_object_put(ruled_out);
                return -ENOMEM;
        }
        if ((r = output_json_put_member(out, depth, false, "ruled_out", ruled_out)) < 0) {
                json_object_put(stats);
                return r;
        }
        /* The facts a member and a device at a time: their tree for 4096 devices took 30 MB. */
        strbuf_puts(out, ",\n");
        strbuf_append(out, spaces, indent);
        strbuf_puts(out, "\"facts\": ");
        if ((r = facts_put_json(o->host, indent, SIZE_MAX, o->flush, out)) < 0) {
                json_object_put(stats);
                return r;
        }
        if ((r = output_json_put_member(out, depth, false, "stats", stats)) < 0)
                return r;
        return strbuf_failed(out) ? -ENOMEM : 0;
}

int output_render_json_open(const Analysis *a, const OutputOptions *o, StrBuf *out) {
        strbuf_puts(out, "{\n  \"version\": 1");
        return output_json_put_report_members(a, o, 1, false, out);
}

/* The report of output_json_report(), written one cause at a time: the tree of every cause at once took
 * 6 MB more than the text on a log that fills every bound (tests/cli/memory.py), past issue 7's 16 MB. */
int output_render_json(const Analysis *a, const OutputOptions *o, StrBuf *out) {
        int r = output_render_json_open(a, o, out);
        if (r < 0)
                return r;
        strbuf_puts(out, "\n}\n");
        return strbuf_failed(out) ? -ENOMEM : 0;
}
