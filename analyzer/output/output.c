/* SPDX-License-Identifier: MIT */
/* The output format a user names, and the renderer of each. */
#include <errno.h>
#include <string.h>

#include "output.h"

int output_format_from_string(const char *s, OutputFormat *ret) {
        if (strcmp(s, "text") == 0)
                *ret = OUTPUT_TEXT;
        else if (strcmp(s, "markdown") == 0 || strcmp(s, "md") == 0)
                *ret = OUTPUT_MARKDOWN;
        else if (strcmp(s, "json") == 0)
                *ret = OUTPUT_JSON;
        else
                return -EINVAL;
        return 0;
}

int output_render(const Analysis *a, const OutputOptions *o, StrBuf *out) {
        switch (o->format) {
        case OUTPUT_MARKDOWN:
                return output_render_markdown(a, o, out);
        case OUTPUT_JSON:
                return output_render_json(a, o, out);
        default:
                return output_render_text(a, o, out);
        }
}
