/* SPDX-License-Identifier: MIT */
/* The trace record path (sources/trace.c): a ring-buffer record decoded against its event's format into the
 * line the kernel's trace file would print. Records come from the kernel live, and from a trace.dat anyone
 * may have recorded; a record's __data_loc offsets and lengths are the record's own, so they must never
 * reach outside it. The first input byte picks the event (its id is written into common_type), the rest is
 * the record, in a buffer of exactly its size.
 *
 * The formats are REAL, copied from the events/iommu/EVENT/format files of Linux 6.18 on x86-64 (this
 * machine's), except prq_report's, CONSTRUCTED in tests/unit/trace_formats.h from TRACE_EVENT(prq_report)
 * in drivers/iommu/intel/trace.h (no kernel here has intel_iommu events). */
#include <string.h>

#include "fuzz.h"
#include "trace.h"
#include "vfioexplain/limits.h"

#include "../tests/unit/trace_formats.h"

static const char format_io_page_fault[] =
        "name: io_page_fault\n"
        "ID: 2178\n"
        "format:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
        "\n"
        "\tfield:__data_loc char[] device;\toffset:8;\tsize:4;\tsigned:0;\n"
        "\tfield:__data_loc char[] driver;\toffset:12;\tsize:4;\tsigned:0;\n"
        "\tfield:u64 iova;\toffset:16;\tsize:8;\tsigned:0;\n"
        "\tfield:int flags;\toffset:24;\tsize:4;\tsigned:1;\n"
        "\n"
        "print fmt: \"IOMMU:%s %s iova=0x%016llx flags=0x%04x\", __get_str(driver), __get_str(device), "
        "REC->iova, REC->flags\n";

static const char format_add_device_to_group[] =
        "name: add_device_to_group\n"
        "ID: 2183\n"
        "format:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
        "\n"
        "\tfield:int gid;\toffset:8;\tsize:4;\tsigned:1;\n"
        "\tfield:__data_loc char[] device;\toffset:12;\tsize:4;\tsigned:0;\n"
        "\n"
        "print fmt: \"IOMMU: groupID=%d device=%s\", REC->gid, __get_str(device)\n";

static const char format_remove_device_from_group[] =
        "name: remove_device_from_group\n"
        "ID: 2182\n"
        "format:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
        "\n"
        "\tfield:int gid;\toffset:8;\tsize:4;\tsigned:1;\n"
        "\tfield:__data_loc char[] device;\toffset:12;\tsize:4;\tsigned:0;\n"
        "\n"
        "print fmt: \"IOMMU: groupID=%d device=%s\", REC->gid, __get_str(device)\n";

static const char format_attach_device_to_domain[] =
        "name: attach_device_to_domain\n"
        "ID: 2181\n"
        "format:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
        "\n"
        "\tfield:__data_loc char[] device;\toffset:8;\tsize:4;\tsigned:0;\n"
        "\n"
        "print fmt: \"IOMMU: device=%s\", __get_str(device)\n";

static const struct {
        const char *system, *format;
        uint16_t id;
} events[] = {
        {"iommu", format_io_page_fault, 2178},
        {"iommu", format_add_device_to_group, 2183},
        {"iommu", format_remove_device_from_group, 2182},
        {"iommu", format_attach_device_to_domain, 2181},
        {"intel_iommu", trace_format_prq_report, 1500},
};

static int check_line(const char *line, size_t len, const TraceEventMeta *m, void *userdata) {
        FUZZ_CHECK(len <= VX_TRACE_LINE_MAX);
        FUZZ_CHECK(line[len] == '\0' && strlen(line) == len);
        FUZZ_CHECK(!memchr(line, '\n', len));
        FUZZ_CHECK(m->system && m->name && m->comm && m->buffer);
        return 0;
}

static TraceDecoder *decoder(void) {
        static TraceDecoder *dec;
        if (dec)
                return dec;
        if (trace_decoder_new(NULL, &dec) < 0)
                abort();
        for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
                if (trace_decoder_parse_format(dec, events[i].system, events[i].format,
                                               strlen(events[i].format)) < 0)
                        abort();
        if (trace_decoder_set_comm(dec, 135, "irq/27-AMD-Vi") < 0)
                abort();
        return dec;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TraceDecoder *dec = decoder();

        if (size < 1)
                return 0;
        size_t len = size - 1;
        uint8_t *rec = malloc(len ? len : 1);
        if (!rec)
                abort();
        memcpy(rec, data + 1, len);
        if (len >= 2) {
                uint16_t id = events[data[0] % (sizeof(events) / sizeof(events[0]))].id;
                memcpy(rec, &id, sizeof(id));
        }
        int r = trace_decoder_decode(dec, rec, len, 5123456789000ull, 4, check_line, NULL);
        FUZZ_CHECK(r == 0 || r == 1);
        free(rec);
        return 0;
}
