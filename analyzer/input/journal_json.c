/* SPDX-License-Identifier: MIT */
/* One `journalctl -o json` line: the fields of the entry that classification needs. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <string.h>

#include "journal_json.h"
#include "json_object.h"
#include "vfioexplain/limits.h"

static Span string_field(struct json_object *root, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_string))
                return (Span){0};
        return span_make(json_object_get_string(v), (size_t) json_object_get_string_len(v));
}

/* A field that is kept (shown as evidence, copied by watch) is cut at VX_JOURNAL_FIELD_MAX, before a
 * character that the cut would split, so that what is kept stays the UTF-8 journald wrote. */
static Span kept_field(struct json_object *root, const char *key) {
        Span s = string_field(root, key);
        if (s.len > VX_JOURNAL_FIELD_MAX) {
                size_t n = VX_JOURNAL_FIELD_MAX;
                while (n > 0 && ((unsigned char) s.p[n] & 0xc0) == 0x80)
                        n--;
                s.len = n;
        }
        return s;
}

bool line_transport_is_kernel(Span transport) {
        return span_equals(transport, "kernel") || span_equals(transport, "audit");
}

int line_priority_of(Span priority) {
        return priority.len == 1 && priority.p[0] >= '0' && priority.p[0] <= '7' ? priority.p[0] - '0' : -1;
}

int journal_json_parse(const char *buf, size_t len, char *scratch, size_t scratch_max,
                       JournalJsonFields *f) {
        struct json_object *root, *msg;
        size_t n = 0;
        int r;

        r = json_object_parse_whole(buf, len, 16, &root);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(root, "MESSAGE", &msg)) {
                json_object_put(root);
                return -EINVAL;
        }

        if (json_object_is_type(msg, json_type_string)) {
                n = (size_t) json_object_get_string_len(msg);
                if (n > scratch_max)
                        n = scratch_max;
                memcpy(scratch, json_object_get_string(msg), n);
        } else if (json_object_is_type(msg, json_type_array)) {
                size_t count = json_object_array_length(msg);
                for (size_t i = 0; i < count && n < scratch_max; i++) {
                        struct json_object *b = json_object_array_get_idx(msg, i);
                        int64_t v = json_object_get_int64(b);
                        if (!json_object_is_type(b, json_type_int) || v < 0 || v > 255) {
                                json_object_put(root);
                                return -EINVAL;
                        }
                        scratch[n++] = (char) v;
                }
        } else {
                json_object_put(root);
                return -EINVAL;
        }

        if (f->root)
                json_object_put(f->root);
        *f = (JournalJsonFields){.root = root, .fields.priority = -1};
        LineFields *lf = &f->fields;
        lf->message = span_make(scratch, n);
        lf->identifier = kept_field(root, "SYSLOG_IDENTIFIER");
        if (lf->identifier.len == 0)
                lf->identifier = kept_field(root, "_COMM");
        lf->hostname = kept_field(root, "_HOSTNAME");
        lf->realtime = kept_field(root, "__REALTIME_TIMESTAMP");
        lf->kernel_transport = line_transport_is_kernel(string_field(root, "_TRANSPORT"));
        lf->priority = line_priority_of(string_field(root, "PRIORITY"));
        return 0;
}
