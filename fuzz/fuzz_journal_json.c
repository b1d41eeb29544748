/* SPDX-License-Identifier: MIT */
/* One `journalctl -o json` line (analyzer/input/journal_json.c): MESSAGE as a string or journald's byte
 * array, decoded into a bounded scratch buffer, then classified by its fields as the analysis does. */
#include <json-c/json.h>
#include <string.h>

#include "classify.h"
#include "fuzz.h"
#include "journal_json.h"
#include "vfioexplain/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* Small, so that inputs reach the cut; the real scratch is VX_MESSAGE_MAX. */
        char scratch[512];
        JournalJsonFields f = {0};
        Line l;

        if (journal_json_parse((const char *) data, size, scratch, sizeof(scratch), &f) < 0)
                return 0;
        FUZZ_CHECK(f.fields.message.len <= sizeof(scratch));
        FUZZ_CHECK(f.fields.priority >= -1 && f.fields.priority <= 7);
        line_classify_fields(&f.fields, &l);
        FUZZ_CHECK(l.n_views >= 1 && l.n_views <= 2);
        json_object_put(f.root);
        return 0;
}
