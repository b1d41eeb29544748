/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "test_common.h"
#include "vfioexplain/line.h"
#include "vfioexplain/lspci.h"

/* lspci -nnk of a q35 guest, as pciutils lspci.c show_device() (-nn) and show_kernel() (-k) print it,
 * after a guest dmesg line. */
static const char guest_lspci[] =
        "[    3.252222] amdgpu 0000:00:05.0: Fatal error during GPU init\n"
        "00:00.0 Host bridge [0600]: Intel Corporation 82G33/G31/P35/P31 Express DRAM Controller "
        "[8086:29c0]\n"
        "\tSubsystem: Red Hat, Inc. QEMU Virtual Machine [1af4:1100]\n"
        "00:01.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [GeForce GTX 1080] [10de:1b80] "
        "(rev a1)\n"
        "\tSubsystem: ASUSTeK Computer Inc. Device [1043:8591]\n"
        "\tKernel driver in use: nouveau\n"
        "\tKernel modules: nouveau, nvidia_drm, nvidia\n"
        "00:06.0 USB controller [0c03]: ASMedia Technology Inc. ASM2142/ASM3142 USB 3.1 Host Controller "
        "[1b21:2142] "
        "(prog-if 30 [XHCI])\n"
        "\tSubsystem: ASUSTeK Computer Inc. Device [1043:8756]\n"
        "0000:01:00.0 Non-Volatile memory controller [0108]: Samsung Electronics Co Ltd NVMe SSD Controller "
        "SM981/PM981/PM983 [144d:a808] (prog-if 02 [NVM Express])\r\n"
        "\tKernel modules: nvme\r\n"
        "00:1f.3 SMBus [0c05]: Intel Corporation 82801I (ICH9 Family) SMBus Controller [8086:2930] (rev "
        "02)\n";

static void test_lspci_parse(void **state) {
        LspciDevice d[8];
        size_t n = lspci_parse(guest_lspci, strlen(guest_lspci), d, 8);

        assert_int_equal(n, 5);
        assert_string_equal(d[0].address, "0000:00:00.0");
        assert_int_equal(d[0].line, 2);
        assert_int_equal(d[0].class_base, 0x06);
        assert_int_equal(d[0].subvendor, 0x1af4);
        assert_string_equal(d[0].driver, "");

        /* the ids are the last bracket pair: the name's "[GeForce GTX 1080]" is not one */
        assert_int_equal(d[1].vendor, 0x10de);
        assert_int_equal(d[1].device, 0x1b80);
        assert_int_equal(d[1].class_base, 0x03);
        assert_int_equal(d[1].class_sub, 0x00);
        assert_int_equal(d[1].subdevice, 0x8591);
        assert_string_equal(d[1].driver, "nouveau");
        assert_string_equal(d[1].modules, "nouveau, nvidia_drm, nvidia");

        assert_int_equal(d[2].vendor, 0x1b21);
        assert_int_equal(d[2].prog_if, 0x30);
        assert_int_equal(d[2].class_sub, 0x03);
        assert_string_equal(d[2].driver, "");
        assert_string_equal(d[2].modules, "");

        /* lspci -D, CRLF line ends */
        assert_string_equal(d[3].address, "0000:01:00.0");
        assert_string_equal(d[3].modules, "nvme");
        assert_int_equal(d[3].prog_if, 0x02);
        assert_int_equal(d[4].line, 12);

        /* at most max, the rest skipped */
        assert_int_equal(lspci_parse(guest_lspci, strlen(guest_lspci), d, 2), 2);
        /* lspci without -nn has no ids: no device */
        static const char plain[] = "00:01.0 VGA compatible controller: NVIDIA Corporation GP104\n";
        assert_int_equal(lspci_parse(plain, strlen(plain), d, 8), 0);
        assert_int_equal(lspci_parse("", 0, d, 8), 0);
        static const char junk[] =
                "zz:01.0 x [0300]: y [10de:1b80]\n00:01.0 [03]: [10de:1b8]\n\tKernel driver in use: x\n";
        assert_int_equal(lspci_parse(junk, strlen(junk), d, 8), 0);
}

static void test_modalias(void **state) {
        LspciDevice d = {.vendor = 0x10de,
                         .device = 0x1b80,
                         .subvendor = 0x1043,
                         .subdevice = 0x8591,
                         .class_base = 0x03};
        char m[64];
        lspci_modalias(&d, m);
        assert_string_equal(m, "pci:v000010DEd00001B80sv00001043sd00008591bc03sc00i00");
}

/* modules.alias lines as depmod writes them (kmod tools/depmod.c output_aliases()). */
static const char aliases[] = "# Aliases extracted from modules themselves.\n"
                              "alias pci:v00001002d000073BFsv*sd*bc*sc*i* amdgpu\n"
                              "alias pci:v000010DEd*sv*sd*bc03sc*i* nouveau\n"
                              "alias pci:v000010DEd*sv*sd*bc03sc00i00* nvidia\n"
                              "alias pci:v*d*sv*sd*bc0Csc03i30* xhci_pci\n"
                              "alias pci:v000010DEd*sv*sd*bc03sc*i* nouveau\n"
                              "alias usb:v1B21p2142d*dc*dsc*dp*ic*isc*ip*in* not_pci\n"
                              "alias pci:v*d*sv*sd*bc01sc08i02* nvme\n"
                              "alias pci:v*d*sv*sd*bc01sc08i02*\n";

static void test_modules_alias_match(void **state) {
        char out[64];

        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v000010DEd00001B80sv00001043sd00008591bc03sc00i00", out,
                                             sizeof(out)),
                         2);
        assert_string_equal(out, "nouveau nvidia"); /* distinct, in file order */
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v00001B21d00002142sv00001043sd00008756bc0Csc03i30", out,
                                             sizeof(out)),
                         1);
        assert_string_equal(out, "xhci_pci");
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v0000144Dd0000A808sv00000000sd00000000bc01sc08i02", out,
                                             sizeof(out)),
                         1);
        assert_string_equal(out, "nvme");
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v00008086d000029C0sv00001AF4sd00001100bc06sc00i00", out,
                                             sizeof(out)),
                         0);
        assert_string_equal(out, "");
        /* a list that does not fit keeps whole names */
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v000010DEd00001B80sv00001043sd00008591bc03sc00i00", out,
                                             10),
                         1);
        assert_string_equal(out, "nouveau");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lspci_parse),
                cmocka_unit_test(test_modalias),
                cmocka_unit_test(test_modules_alias_match),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
