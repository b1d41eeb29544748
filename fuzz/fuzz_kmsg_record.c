/* SPDX-License-Identifier: MIT */
/* A /dev/kmsg record's prefix, "PRI,SEQ,USEC,FLAGS;MESSAGE" (sources/kmsg.c kmsg_record_seq()), and the
 * same record as the classifier reads it from a file (FORMAT_KMSG). */
#include "classify.h"
#include "fuzz.h"
#include "kmsg.h"
#include "vfioexplain/line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static LineClassifier *c;
        uint64_t seq = 0xdeadbeef;
        Line l;

        if (kmsg_record_seq((const char *) data, size, &seq) < 0)
                FUZZ_CHECK(seq == 0xdeadbeef); /* untouched on failure */
        if (!c && line_classifier_new(&c) < 0)
                abort();
        line_classify(c, (const char *) data, size, &l);
        return 0;
}
