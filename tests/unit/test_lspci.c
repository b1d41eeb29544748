/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "lspci.h"
#include "test_common.h"

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

/* Android's lspci is toybox's (toys/other/lsusb.c list_pci() since 2022): one line a device, the driver
 * last with -k, no subsystem, no "Kernel modules". `lspci -nk`: " %s:" class, " %s:" vendor, "%s "
 * device, " (rev %02x)" where the revision is not 0, " %s" driver. */
static const char toybox_nk[] = "00:00.0 0600: 8086:29c0 \n"
                                "00:01.0 0300: 1002:73bf  (rev c1) amdgpu\n"
                                "00:02.0 0c03: 1b21:2142 \n"
                                "00:03.0 0200: 1af4:1000  virtio-pci\n"
                                "00:1f.0 0601: 8086:2918  (rev 02) lpc_ich\n";

static void test_lspci_toybox(void **state) {
        LspciDevice d[8];

        assert_int_equal(lspci_parse(toybox_nk, strlen(toybox_nk), d, 8), 5);
        assert_string_equal(d[1].address, "0000:00:01.0");
        assert_int_equal(d[1].vendor, 0x1002);
        assert_int_equal(d[1].device, 0x73bf);
        assert_int_equal(d[1].class_base, 0x03);
        assert_string_equal(d[1].driver, "amdgpu");
        assert_true(d[1].toybox);
        assert_string_equal(d[2].driver, "");
        assert_false(d[2].driver_unknown); /* others show drivers: -k was given */
        assert_true(d[2].prog_if_unknown);
        assert_int_equal(d[2].class_sub, 0x03);
        assert_string_equal(d[3].driver, "virtio-pci");
        assert_string_equal(d[4].driver, "lpc_ich");
        assert_int_equal(d[4].line, 5);

        /* lspci -n: no driver anywhere, so whether one holds a device is not known */
        static const char toybox_n[] = "00:01.0 0300: 1002:73bf  (rev c1)\n00:02.0 0c03: 1b21:2142 \n";
        assert_int_equal(lspci_parse(toybox_n, strlen(toybox_n), d, 8), 2);
        assert_true(d[0].driver_unknown);
        assert_true(d[1].driver_unknown);

        /* -enk: the class in 6 digits, the interface known; -D or another domain: the full address */
        static const char toybox_enk[] =
                "0000:00:02.0 0c0330: 1b21:2142 \n0001:00:03.0 0200: 1af4:1000  virtio-pci\n";
        assert_int_equal(lspci_parse(toybox_enk, strlen(toybox_enk), d, 8), 2);
        assert_int_equal(d[0].class_base, 0x0c);
        assert_int_equal(d[0].class_sub, 0x03);
        assert_int_equal(d[0].prog_if, 0x30);
        assert_false(d[0].prog_if_unknown);
        assert_string_equal(d[1].address, "0001:00:03.0");

        /* -nnk, with pci.ids and without (names empty): " %s [%s]: %s %s [%04x:%04x]" */
        static const char toybox_nnk[] = "00:01.0 VGA compatible controller [0300]: Advanced Micro Devices, "
                                         "Inc. [AMD/ATI] Navi 21 [Radeon "
                                         "RX 6800/6800 XT / 6900 XT] [1002:73bf] (rev c1) amdgpu\n"
                                         "00:02.0  [0c03]:   [1b21:2142]\n"
                                         "00:03.0  [0200]:   [1af4:1000] virtio-pci\n";
        assert_int_equal(lspci_parse(toybox_nnk, strlen(toybox_nnk), d, 8), 3);
        assert_int_equal(d[0].vendor, 0x1002);
        assert_string_equal(d[0].driver, "amdgpu");
        assert_true(d[1].toybox); /* a line pciutils could have printed, in toybox's listing */
        assert_true(d[1].prog_if_unknown);
        assert_false(d[1].driver_unknown);
        assert_int_equal(d[1].device, 0x2142);
        assert_string_equal(d[2].driver, "virtio-pci");

        /* toybox before 2022 (toys/other/lspci.c do_lspci()): "%s Class %s: %s:%s" and " %s" */
        static const char toybox_old[] =
                "00:01.0 Class 0300: 1002:73bf amdgpu\n00:02.0 Class 0c03: 1b21:2142\n";
        assert_int_equal(lspci_parse(toybox_old, strlen(toybox_old), d, 8), 2);
        assert_string_equal(d[0].driver, "amdgpu");
        assert_int_equal(d[1].vendor, 0x1b21);
        assert_false(d[1].driver_unknown);

        /* pciutils -nk: the same ids, no blank after them, the driver in a line under the device */
        static const char pciutils_nk[] =
                "00:01.0 0300: 1002:73bf (rev c1)\n\tKernel driver in use: amdgpu\n"
                "00:02.0 0c03: 1b21:2142 (prog-if 30)\n";
        assert_int_equal(lspci_parse(pciutils_nk, strlen(pciutils_nk), d, 8), 2);
        assert_false(d[0].toybox);
        assert_string_equal(d[0].driver, "amdgpu");
        assert_int_equal(d[1].prog_if, 0x30);
        assert_false(d[1].prog_if_unknown);
        assert_false(d[1].driver_unknown);

        /* near misses */
        static const char junk[] = "00:01.0 0300: 1002:73bf amdgpu\n" /* one blank: neither prints it */
                                   "00:01.0 0300: 1002:73bf  amd gpu\n" /* a driver is one word */
                                   "00:01.0 03000: 1002:73bf \n" /* a 5-digit class */
                                   "00:01.0 Class 0300: 1002:73bf  x\n"; /* old toybox: one blank */
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
                                             "pci:v000010DEd00001B80sv00001043sd00008591bc03sc00i00", false,
                                             out, sizeof(out)),
                         2);
        assert_string_equal(out, "nouveau nvidia"); /* distinct, in file order */
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v00001B21d00002142sv00001043sd00008756bc0Csc03i30", false,
                                             out, sizeof(out)),
                         1);
        assert_string_equal(out, "xhci_pci");
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v0000144Dd0000A808sv00000000sd00000000bc01sc08i02", false,
                                             out, sizeof(out)),
                         1);
        assert_string_equal(out, "nvme");
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v00008086d000029C0sv00001AF4sd00001100bc06sc00i00", false,
                                             out, sizeof(out)),
                         0);
        assert_string_equal(out, "");
        /* a list that does not fit keeps whole names */
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v000010DEd00001B80sv00001043sd00008591bc03sc00i00", false,
                                             out, 10),
                         1);
        assert_string_equal(out, "nouveau");
        /* toybox without -e: any interface, so xhci_pci's i30 matches a USB controller's unknown one */
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v00001B21d00002142sv00000000sd00000000bc0Csc03i00", true,
                                             out, sizeof(out)),
                         1);
        assert_string_equal(out, "xhci_pci");
        assert_int_equal(modules_alias_match(aliases, strlen(aliases),
                                             "pci:v00001B21d00002142sv00000000sd00000000bc0Csc03i00", false,
                                             out, sizeof(out)),
                         0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_lspci_parse),
                cmocka_unit_test(test_lspci_toybox),
                cmocka_unit_test(test_modalias),
                cmocka_unit_test(test_modules_alias_match),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
