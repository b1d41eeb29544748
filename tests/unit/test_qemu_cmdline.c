/* SPDX-License-Identifier: MIT */
/* A running QEMU's command line (/proc/PID/cmdline) tells which VM it is and which devices it holds:
 * both forms libvirt writes and the plain forms people type parse, QEMU's ",," escaping is undone,
 * and what is cut off, unprintable or beyond the limit is left out rather than guessed. */
#include <stdio.h>
#include <string.h>

#include "test_common.h"
#include "vfioexplain/facts.h"

#define CMDLINE(s) s, sizeof(s) - 1

static MemlockFact parse(const char *cmdline, size_t len) {
        MemlockFact m = {.pid = 4242};
        qemu_cmdline_parse(cmdline, len, &m);
        return m;
}

/* libvirt >= 8.x: src/qemu/qemu_command.c qemuBuildNameCommandLine() writes "guest=NAME,debug-threads=on"
 * (commas in NAME doubled); qemuBuildHostdevCommandLine() passes -device as JSON. */
static void test_libvirt_forms(void **state) {
        (void) state;
        MemlockFact m =
                parse(CMDLINE("/usr/bin/qemu-system-x86_64\0-name\0guest=win,,11,debug-threads=on\0-S\0"
                              "-device\0{\"driver\":\"vfio-pci\",\"host\":\"0000:0b:00.0\",\"id\":"
                              "\"hostdev0\",\"bus\":\"pci.5\",\"addr\":\"0x0\"}\0"
                              "-device\0{\"driver\":\"vfio-pci\",\"host\":\"0000:0b:00.1\",\"id\":"
                              "\"hostdev1\",\"bus\":\"pci.6\",\"addr\":\"0x0\"}\0"));
        assert_string_equal(m.vm, "win,11");
        assert_int_equal(m.n_devices, 2);
        assert_string_equal(m.devices[0], "0000:0b:00.0");
        assert_string_equal(m.devices[1], "0000:0b:00.1");
}

/* Typed by hand: "-name NAME", host= in short form, the same device twice counted once. */
static void test_plain_forms(void **state) {
        (void) state;
        MemlockFact m =
                parse(CMDLINE("qemu-system-x86_64\0-name\0android,process=qemu-android\0-device\0"
                              "vfio-pci,host=01:00.0,multifunction=on\0-device\0vfio-pci,host=01:00.1\0"
                              "-device\0vfio-pci,host=0000:01:00.0\0-device\0e1000e,netdev=n0\0"));
        assert_string_equal(m.vm, "android");
        assert_int_equal(m.n_devices, 2);
        assert_string_equal(m.devices[0], "0000:01:00.0");
        assert_string_equal(m.devices[1], "0000:01:00.1");
}

static void test_left_out(void **state) {
        (void) state;
        /* No -name; a device that is not vfio-pci; an invalid address. */
        MemlockFact m = parse(CMDLINE("qemu-kvm\0-device\0virtio-net-pci,host=01:00.0\0-device\0"
                                      "vfio-pci,host=zz:00.0\0"));
        assert_string_equal(m.vm, "");
        assert_int_equal(m.n_devices, 0);

        /* A name with a control character or invalid UTF-8 is not shown at all. */
        m = parse(CMDLINE("qemu\0-name\0guest=evil\033[2J,debug-threads=on\0"));
        assert_string_equal(m.vm, "");
        m = parse(CMDLINE("qemu\0-name\0bad\xff\xfe\0"));
        assert_string_equal(m.vm, "");

        /* The last argument cut off by the read limit (no NUL) is not a whole argument. */
        m = parse(CMDLINE("qemu\0-device\0vfio-pci,host=0000:02:00.0\0-device\0vfio-pci,host=0000:03:0"));
        assert_int_equal(m.n_devices, 1);
        assert_string_equal(m.devices[0], "0000:02:00.0");

        /* "-name" as the last argument names nothing; an empty name is none. */
        m = parse(CMDLINE("qemu\0-name\0"));
        assert_string_equal(m.vm, "");
        m = parse(CMDLINE("qemu\0-name\0guest=,debug-threads=on\0"));
        assert_string_equal(m.vm, "");
}

static void test_limits(void **state) {
        (void) state;
        char buf[4096];
        size_t len = 0;
        for (unsigned i = 0; i < VX_QEMU_DEVICES_MAX + 4; i++)
                len += (size_t) snprintf(buf + len, sizeof(buf) - len,
                                         "-device%cvfio-pci,host=0000:%02x:00.0%c", 0, i + 1, 0);
        MemlockFact m = parse(buf, len);
        assert_int_equal(m.n_devices, VX_QEMU_DEVICES_MAX);
        assert_string_equal(m.devices[VX_QEMU_DEVICES_MAX - 1], "0000:10:00.0");

        /* A name longer than libvirt allows is left out, not cut. */
        char name[600] = "qemu\0-name\0";
        memset(name + 11, 'a', 400);
        m = parse(name, 11 + 400 + 1);
        assert_string_equal(m.vm, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_libvirt_forms),
                cmocka_unit_test(test_plain_forms),
                cmocka_unit_test(test_left_out),
                cmocka_unit_test(test_limits),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
