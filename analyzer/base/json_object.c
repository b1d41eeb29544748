/* SPDX-License-Identifier: MIT */
/* Reading one whole JSON object from a line, the one way every JSON-shaped input is read. */
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdbool.h>

#include "json_object.h"

int json_object_parse_whole(const char *buf, size_t len, int depth, struct json_object **ret) {
        struct json_tokener *tok;
        struct json_object *root;

        if (len > INT_MAX)
                return -EINVAL;
        tok = json_tokener_new_ex(depth);
        if (!tok)
                return -ENOMEM;
        root = json_tokener_parse_ex(tok, buf, (int) len);
        /* A record that ends early leaves the tokener waiting for more (json_tokener_continue) with no
         * object; bytes after the object are text that is not JSON, so the line is not a record. */
        bool whole = root && json_tokener_get_error(tok) == json_tokener_success &&
                json_tokener_get_parse_end(tok) == len;
        json_tokener_free(tok);
        if (!whole || !json_object_is_type(root, json_type_object)) {
                json_object_put(root);
                return -EINVAL;
        }
        *ret = root;
        return 0;
}
