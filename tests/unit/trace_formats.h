/* SPDX-License-Identifier: MIT */
#pragma once

/* Trace event formats no IOMMU of the test machines provides, shared by the unit tests and the fuzzer. */

/* CONSTRUCTED: the layout of TRACE_EVENT(prq_report), drivers/iommu/intel/trace.h, as the kernel would lay
 * it out on x86-64; the print format is the kernel's, decode_prq_descriptor() included. */
static const char trace_format_prq_report[] =
        "name: prq_report\n"
        "ID: 1500\n"
        "format:\n"
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
        "\n"
        "\tfield:u64 dw0;\toffset:8;\tsize:8;\tsigned:0;\n"
        "\tfield:u64 dw1;\toffset:16;\tsize:8;\tsigned:0;\n"
        "\tfield:u64 dw2;\toffset:24;\tsize:8;\tsigned:0;\n"
        "\tfield:u64 dw3;\toffset:32;\tsize:8;\tsigned:0;\n"
        "\tfield:unsigned long seq;\toffset:40;\tsize:8;\tsigned:0;\n"
        "\tfield:__data_loc char[] iommu;\toffset:48;\tsize:4;\tsigned:0;\n"
        "\tfield:__data_loc char[] dev;\toffset:52;\tsize:4;\tsigned:0;\n"
        "\tfield:__data_loc char[] buff;\toffset:56;\tsize:4;\tsigned:0;\n"
        "\n"
        "print fmt: \"%s/%s seq# %ld: %s\", __get_str(iommu), __get_str(dev), REC->seq, "
        "decode_prq_descriptor(__get_str(buff), 256, REC->dw0, REC->dw1, REC->dw2, REC->dw3)\n";
