/* SPDX-License-Identifier: MIT */
/* Device names from pci.ids text (probes/names.c names_from_pci_ids()): vendor lines, their devices one tab
 * in, subsystems two and the class list after "C " are told apart as pciutils' format has them; the first
 * entry of an id wins; a device not listed under a listed vendor is named as lspci names it ("Intel
 * Corporation Device 1b80"), one of a vendor not listed keeps no name; the class name is the subclass's,
 * else the class's, as lspci -nnk shows it; and a file of nothing but entries for
 * one vendor is one pass, not a hash that degrades. */
#include <stdlib.h>
#include <string.h>

#include "test_common.h"
#include "vfioexplain/facts.h"

/* Lines as pciutils' pci.ids has them (https://pci-ids.ucw.cz, pciutils' own copy). */
static const char ids[] = "#\n"
                          "#\tList of PCI ID's\n"
                          "#\n"
                          "1002  Advanced Micro Devices, Inc. [AMD/ATI]\n"
                          "\t73bf  Navi 21 [Radeon RX 6800/6800 XT / 6900 XT]\n"
                          "10de  NVIDIA Corporation\n"
                          "\t10f0  GP104 High Definition Audio Controller\n"
                          "\t1b80  GP104 [GeForce GTX 1080]\n"
                          "\t\t10de 119e  GP104 [GeForce GTX 1080 Founders Edition]\n"
                          "\t1b80  a second entry of the same id\n"
                          "8086  Intel Corporation\n"
                          "C 03  Display controller\n"
                          "\t00  VGA compatible controller\n"
                          "\t1b80  not a device: the class list has no vendor\n";

static HostFacts host_of(PciDevice *d, size_t n) {
        return (HostFacts){.devices = d, .n_devices = n};
}

static void test_names(void **state) {
        (void) state;
        PciDevice d[5] = {
                {.vendor = 0x10de, .device = 0x1b80, .class_code = 0x030000},
                {.vendor = 0x10de, .device = 0x10f0, .class_code = 0x040300},
                {.vendor = 0x8086, .device = 0x1b80, .class_code = 0x038000},
                {.vendor = 0x1234, .device = 0x1111},
                {.vendor = 0x10de, .device = 0x1b80},
        };
        HostFacts f = host_of(d, 5);
        names_from_pci_ids(ids, sizeof(ids) - 1, &f);
        assert_string_equal(d[0].name, "NVIDIA Corporation GP104 [GeForce GTX 1080]");
        assert_string_equal(d[1].name, "NVIDIA Corporation GP104 High Definition Audio Controller");
        /* The vendor is there, not the device (nor is it under "C 03"): lspci's words for that. */
        assert_string_equal(d[2].name, "Intel Corporation Device 1b80");
        assert_string_equal(d[3].name, "");
        assert_string_equal(d[0].class_name, "VGA compatible controller");
        assert_string_equal(d[1].class_name, ""); /* class 04 is not in this list */
        assert_string_equal(d[2].class_name, "Display controller"); /* subclass 80 is not: the class's */
        assert_string_equal(d[4].name, "NVIDIA Corporation GP104 [GeForce GTX 1080]");
}

/* A cut file, CRLF-free junk and lines without the two spaces give nothing and read nothing past the end. */
static void test_malformed(void **state) {
        (void) state;
        static const char junk[] = "10de NVIDIA one space\n\t1b80 one space\n10de  NVIDIA\n\t1b8";
        PciDevice d = {.vendor = 0x10de, .device = 0x1b80};
        HostFacts f = host_of(&d, 1);
        names_from_pci_ids(junk, sizeof(junk) - 1, &f);
        /* Only "10de  NVIDIA" is a whole line: the vendor, and the device as lspci names an unlisted one. */
        assert_string_equal(d.name, "NVIDIA Device 1b80");
        d.name[0] = 0;
        names_from_pci_ids(ids, 0, &f);
        assert_string_equal(d.name, "");
}

/* 4 MB of device lines under one vendor, the match last: libpci's hash put them all in one chain; one
 * pass finds it. */
static void test_one_pass(void **state) {
        (void) state;
        size_t n = 4u * 1024u * 1024u / 16u, len = 0;
        char *text = malloc(n * 16 + 64);
        assert_non_null(text);
        len += (size_t) sprintf(text, "10de  NVIDIA Corporation\n");
        for (size_t i = 0; i < n; i++)
                len += (size_t) sprintf(text + len, "\t%04zx  d%06zx\n", i & 0xffff, i & 0xffffff);
        len += (size_t) sprintf(text + len, "\tffff  last\n");
        PciDevice d = {.vendor = 0x10de, .device = 0xfffe};
        HostFacts f = host_of(&d, 1);
        names_from_pci_ids(text, len, &f);
        assert_string_equal(d.name, "NVIDIA Corporation d00fffe");
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_one_pass),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
