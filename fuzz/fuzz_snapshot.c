/* SPDX-License-Identifier: MIT */
/* A host snapshot (probes/snapshot.c facts_from_json): `--snapshot FILE` replays any command against a file
 * that may come from anyone. A snapshot that reads back must write out as the same JSON again, and a
 * refused one says why in one line. What is written a member at a time (facts_put_json(), as snapshot -o,
 * report and the JSON output write the facts) is the tree's pretty text, byte for byte. */
#include <json-c/json.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        HostFacts f, again;
        Diag d = {0};

        if (facts_from_json((const char *) data, size, "fuzz", &f, &d) < 0) {
                FUZZ_CHECK(d.n >= 1);
                diag_done(&d);
                return 0;
        }
        struct json_object *j = facts_to_json(&f);
        FUZZ_CHECK(j);
        size_t len;
        const char *s = json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN, &len);
        FUZZ_CHECK(s);
        /* What was accepted is within every limit, so it reads back and writes out unchanged. */
        Diag d2 = {0};
        FUZZ_CHECK(facts_from_json(s, len, "fuzz", &again, &d2) == 0);
        struct json_object *j2 = facts_to_json(&again);
        FUZZ_CHECK(j2);
        FUZZ_CHECK(strcmp(s, json_object_to_json_string_ext(j2, JSON_C_TO_STRING_PLAIN)) == 0);
        StrBuf pieces = {0};
        FUZZ_CHECK(facts_put_json(&again, 0, SIZE_MAX, NULL, &pieces) == 0);
        FUZZ_CHECK(strcmp(strbuf_str(&pieces),
                          json_object_to_json_string_ext(j2,
                                                         JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE)) == 0);
        strbuf_done(&pieces);
        json_object_put(j2);
        json_object_put(j);
        host_facts_done(&again);
        host_facts_done(&f);
        diag_done(&d2);
        diag_done(&d);
        return 0;
}
