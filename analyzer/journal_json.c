/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <string.h>

#include "journal_json.h"

static Span string_field(struct json_object *root, const char *key) {
        struct json_object *v;
        if (!json_object_object_get_ex(root, key, &v) || !json_object_is_type(v, json_type_string))
                return (Span){0};
        return span_make(json_object_get_string(v), (size_t) json_object_get_string_len(v));
}

int journal_json_parse(const char *buf, size_t len, char *scratch, size_t scratch_max,
                       JournalJsonFields *f) {
        struct json_tokener *tok;
        struct json_object *root, *msg;
        size_t n = 0;

        if (len > INT_MAX)
                return -EINVAL;
        tok = json_tokener_new_ex(16);
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, buf, (int) len);
        bool complete = root && json_tokener_get_error(tok) == json_tokener_success &&
                json_tokener_get_parse_end(tok) == len;
        json_tokener_free(tok);
        if (!complete || !json_object_is_type(root, json_type_object) ||
            !json_object_object_get_ex(root, "MESSAGE", &msg)) {
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
        /* A journal message may end in a newline; the rules see a line. */
        while (n > 0 && (scratch[n - 1] == '\n' || scratch[n - 1] == '\r'))
                n--;

        if (f->root)
                json_object_put(f->root);
        *f = (JournalJsonFields){.root = root, .priority = -1};
        f->message = span_make(scratch, n);
        f->identifier = string_field(root, "SYSLOG_IDENTIFIER");
        if (f->identifier.len == 0)
                f->identifier = string_field(root, "_COMM");
        f->hostname = string_field(root, "_HOSTNAME");
        f->realtime = string_field(root, "__REALTIME_TIMESTAMP");
        Span transport = string_field(root, "_TRANSPORT");
        f->kernel_transport = (transport.len == 6 && memcmp(transport.p, "kernel", 6) == 0) ||
                (transport.len == 5 && memcmp(transport.p, "audit", 5) == 0);
        Span prio = string_field(root, "PRIORITY");
        if (prio.len == 1 && prio.p[0] >= '0' && prio.p[0] <= '7')
                f->priority = prio.p[0] - '0';
        return 0;
}
