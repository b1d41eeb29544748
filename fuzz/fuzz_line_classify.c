/* SPDX-License-Identifier: MIT */
/* The line classifier (analyzer/classify/classify.c): every log format's prefix and timestamp parser,
 * journal JSON lines, libvirt log lines, QEMU locations. Every span it returns must lie inside the line, or
 * for a journal JSON line inside the fields it decoded; reading each byte lets the sanitizers see one that
 * does not. */
#include <string.h>

#include "classify.h"
#include "fuzz.h"
#include "pci_address.h"
#include "vfioexplain/line.h"

static unsigned touch(Span s) {
        unsigned sum = 0;
        FUZZ_CHECK(s.len == 0 || s.p);
        for (size_t i = 0; i < s.len; i++)
                sum += (unsigned char) s.p[i];
        return sum;
}

static void check_inside(Span s, const char *buf, size_t len) {
        if (s.len == 0)
                return;
        FUZZ_CHECK(s.p >= buf && s.len <= len && (size_t) (s.p - buf) <= len - s.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static LineClassifier *c;
        const char *buf = (const char *) data;
        volatile unsigned sink = 0;
        Line l;

        if (!c && line_classifier_new(&c) < 0)
                abort();
        line_classify(c, buf, size, &l);
        FUZZ_CHECK(l.format < _FORMAT_MAX);
        FUZZ_CHECK(l.priority >= -1 && l.priority <= 7);
        FUZZ_CHECK(l.n_views >= 1 && l.n_views <= 2);
        FUZZ_CHECK(memchr(l.location_address, '\0', sizeof(l.location_address)));
        for (size_t i = 0; i < l.n_views; i++) {
                FUZZ_CHECK(l.views[i].source < _SOURCE_MAX);
                sink += touch(l.views[i].text);
        }
        sink += touch(l.stamp) + touch(l.host) + touch(l.ident) + touch(l.location);

        const LineFields *f = line_classifier_json_fields(c, &l);
        if (f) {
                FUZZ_CHECK(l.format == FORMAT_JOURNAL_JSON);
                sink += touch(f->message) + touch(f->identifier) + touch(f->hostname) + touch(f->realtime);
        } else {
                /* Nothing decoded: every span is a part of the line itself. */
                for (size_t i = 0; i < l.n_views; i++)
                        check_inside(l.views[i].text, buf, size);
                check_inside(l.stamp, buf, size);
                check_inside(l.location, buf, size);
        }

        PciAddress addr;
        if (pci_address_normalize(buf, size, addr) == 0)
                FUZZ_CHECK(strlen(addr) >= 12);
        (void) sink;
        return 0;
}
