/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "pci_address.h"
#include "test_common.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/line.h"
#include "vfioexplain/macro.h"

static LineClassifier *lc;

static int setup(void **state) {
        return line_classifier_new(&lc);
}

static int teardown(void **state) {
        line_classifier_free(lc);
        return 0;
}

static Line classify(const char *s) {
        Line l;
        line_classify(lc, s, strlen(s), &l);
        return l;
}

static void assert_span(Span s, const char *want) {
        if (s.len != strlen(want) || memcmp(s.p, want, s.len) != 0)
                fail_msg("got '%.*s', want '%s'", (int) s.len, s.p, want);
}

static void assert_line(const char *raw, LineFormat format, Source src, const char *msg) {
        Line l = classify(raw);
        if (l.format != format)
                fail_msg("%s: format %s, want %s", raw, line_format_to_string(l.format),
                         line_format_to_string(format));
        assert_int_equal(l.views[0].source, src);
        assert_span(l.views[0].text, msg);
}

static void test_kernel_formats(void **state) {
        assert_line("[    1.234567] DMAR: IOMMU enabled", FORMAT_DMESG, SOURCE_KERNEL,
                    "DMAR: IOMMU enabled");
        assert_line("[Mon Nov 23 19:49:55 2026] DMAR: IOMMU enabled", FORMAT_DMESG_CTIME, SOURCE_KERNEL,
                    "DMAR: IOMMU enabled");
        assert_line("[Mon Nov  3 09:04:05 2026] vfio-pci 0000:01:00.0: enabling device (0000 -> 0003)",
                    FORMAT_DMESG_CTIME, SOURCE_KERNEL,
                    "vfio-pci 0000:01:00.0: enabling device (0000 -> 0003)");
        assert_line("kern  :err   : [    2.000001] vfio-pci: probe of 0000:01:00.0 failed with error -22",
                    FORMAT_DMESG_DECODE, SOURCE_KERNEL,
                    "vfio-pci: probe of 0000:01:00.0 failed with error -22");
        assert_line("<3>[    2.000001] vfio-pci: probe of 0000:01:00.0 failed with error -22",
                    FORMAT_DMESG_RAW, SOURCE_KERNEL,
                    "vfio-pci: probe of 0000:01:00.0 failed with error -22");
        assert_line("<6>DMAR: IOMMU enabled", FORMAT_DMESG_RAW, SOURCE_KERNEL, "DMAR: IOMMU enabled");
        assert_line("6,1234,5678901,-;DMAR: IOMMU enabled", FORMAT_KMSG, SOURCE_KERNEL,
                    "DMAR: IOMMU enabled");
        assert_line("[  +0.000012] DMAR: IOMMU enabled", FORMAT_DMESG, SOURCE_KERNEL, "DMAR: IOMMU enabled");

        Line l = classify("<11>[    2.5] x: y");
        assert_int_equal(l.priority, 3);
        l = classify("[   12.500000] pci 0000:00:01.0: [8086:1901] type 01 class 0x060400");
        assert_int_equal(l.format, FORMAT_DMESG);
        assert_true(l.mono > 12.49 && l.mono < 12.51);
        /* dmesg -d: the delta after the time is no part of its fraction (util-linux dmesg.c print_record():
         * "[%5ld.%06ld <%12ld.%06ld>] "). */
        l = classify("[    1.234567 <    0.000012>] pci 0000:00:01.0: [8086:1901] type 01 class 0x060400");
        assert_int_equal(l.format, FORMAT_DMESG);
        assert_true(l.mono > 1.234566 && l.mono < 1.234568);
        l = classify("[    7.5] x: y");
        assert_true(l.mono > 7.49 && l.mono < 7.51);

        /* The edges of the stamp: twelve digits of seconds and nine of fraction at most, blanks or tabs
         * before them, a delta only in its <...> form. */
        l = classify("[123456789012.123456789] x: y");
        assert_int_equal(l.format, FORMAT_DMESG);
        assert_true(l.mono > 123456789012.0 && l.mono < 123456789013.0);
        assert_span(l.views[0].text, "x: y");
        l = classify("[\t 3.25] x: y");
        assert_int_equal(l.format, FORMAT_DMESG);
        assert_true(l.mono > 3.24 && l.mono < 3.26);
        static const char *const not_stamps[] = {
                "[1234567890123.5] x: y",
                "[1.1234567890] x: y",
                "[ 1.5 0.1] x: y",
                "[ 1.5 <0.1 x: y",
                "[ 1.] x: y",
                "[ .5] x: y",
                "[ 1.5",
                "[",
                "[]",
                "[ 1.5 <0.1>",
        };
        for (size_t i = 0; i < ELEMENTSOF(not_stamps); i++) {
                l = classify(not_stamps[i]);
                assert_true(l.format != FORMAT_DMESG || l.mono < 0);
        }
}

/* The grammar of a dmesg stamp, written the plain way: '[', blanks, 1 to 12 digits, '.', 1 to 9 digits, ']'
 * (the <delta> form aside). The classifier checks the kernel's fixed-width stamps 8 bytes at a time. */
static size_t reference_stamp_len(const char *s, size_t len, double *mono) {
        size_t i = 1, sec_start, frac_start;
        if (len == 0 || s[0] != '[')
                return 0;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
                i++;
        for (sec_start = i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
                ;
        if (i == sec_start || i - sec_start > 12 || i == len || s[i] != '.')
                return 0;
        for (frac_start = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
                ;
        if (i == frac_start || i - frac_start > 9 || i == len || s[i] != ']')
                return 0;
        char num[32];
        snprintf(num, sizeof(num), "%.*s", (int) (i - sec_start), s + sec_start);
        *mono = strtod(num, NULL);
        return i + 1;
}

static void test_fixed_width_stamp(void **state) {
        /* Each byte of "[%5lu.%06lu]" drawn from what lies at the edges of the checks: blanks, digits, the
         * bytes just outside '0'..'9', and high bytes whose low seven bits are digits. */
        static const char pick[] = {' ', '\t', '0', '5', '9',         '/',
                                    ':', '.',  ']', 'a', (char) 0xb0, (char) 0xb9};
        uint64_t state_ = 42;
        size_t accepted = 0;
        for (unsigned n = 0; n < 200000; n++) {
                char line[32] = "[    0.000000] x: y";
                for (size_t i = 1; i < 13; i++) {
                        if (i == 6)
                                continue;
                        state_ = state_ * UINT64_C(6364136223846793005) + 1442695040888963407u;
                        unsigned r = (unsigned) (state_ >> 33);
                        /* Mostly what the kernel prints, so that valid stamps are common too. */
                        if (r % 4 != 0)
                                line[i] = i < 6 && r % 3 == 0 && (i == 1 || line[i - 1] == ' ')
                                        ? ' '
                                        : (char) ('0' + r % 10);
                        else
                                line[i] = pick[(r / 4) % sizeof(pick)];
                }
                double want_mono = -1;
                size_t want = reference_stamp_len(line, strlen(line), &want_mono);
                if (line_dmesg_stamp_len(line, strlen(line)) != want)
                        fail_msg("stamp length of '%s': got %zu, want %zu", line,
                                 line_dmesg_stamp_len(line, strlen(line)), want);
                if (want == 0)
                        continue;
                accepted++;
                Line l = classify(line);
                /* The classifier divides once, strtod rounds once: an ulp or so apart. */
                if (l.format != FORMAT_DMESG || fabs(l.mono - want_mono) > 1e-12 * (want_mono + 1))
                        fail_msg("'%s': format %d, mono %.9f, want %.9f", line, l.format, l.mono, want_mono);
        }
        /* Both outcomes were tried many times. */
        assert_in_range(accepted, 20000, 180000);
}

static bool same_span(Span a, Span b) {
        return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* What the line memo's dmesg key stands on (line_dmesg_stamp_len()): lines that differ only in their dmesg
 * stamp classify alike but for stamp and mono. */
static void test_stamp_decides_nothing_else(void **state) {
        static const char *const stamps[] = {"[    0.021000]", "[99999.999999]", "[123456.5]",
                                             "[\t 3.25]",      "[ 1.5 <0.1>]",   "[    7.123456789]"};
        static const char *const rests[] = {
                " pci 0000:01:00.0: Adding to iommu group 15",
                " Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)",
                " host kernel: DMAR: IOMMU enabled",
                " host qemu-system-x86_64[77]: qemu-system-x86_64: -device vfio-pci,host=0000:02:00.0: x",
                " host libvirtd[1234]: internal error: qemu unexpectedly closed the monitor",
                " host systemd[1]: Started session-3.scope",
                " vfio-pci 0000:01:00.0: BAR 3: can't reserve [mem 0x...]\r",
                " \t ",
                "",
        };
        for (size_t r = 0; r < ELEMENTSOF(rests); r++) {
                char a[256], b[256];
                snprintf(a, sizeof(a), "%s%s", stamps[0], rests[r]);
                Line want = classify(a);
                assert_true(line_dmesg_stamp_len(a, strlen(a)) == strlen(stamps[0]));
                for (size_t i = 1; i < ELEMENTSOF(stamps); i++) {
                        snprintf(b, sizeof(b), "%s%s", stamps[i], rests[r]);
                        Line got = classify(b);
                        if (line_dmesg_stamp_len(b, strlen(b)) != strlen(stamps[i]) ||
                            got.format != want.format || got.priority != want.priority ||
                            !same_span(got.host, want.host) || !same_span(got.ident, want.ident) ||
                            !same_span(got.location, want.location) ||
                            strcmp(got.location_address, want.location_address) != 0 ||
                            got.n_views != want.n_views)
                                fail_msg("'%s' does not classify as '%s'", b, a);
                        for (size_t v = 0; v < want.n_views; v++)
                                if (got.views[v].source != want.views[v].source ||
                                    !same_span(got.views[v].text, want.views[v].text))
                                        fail_msg("'%s': view %zu differs from that of '%s'", b, v, a);
                }
        }
}

static void test_journal_formats(void **state) {
        assert_line("Nov 23 10:00:01 host kernel: DMAR: IOMMU enabled", FORMAT_JOURNAL_SHORT, SOURCE_KERNEL,
                    "DMAR: IOMMU enabled");
        assert_line("Nov  3 10:00:01.123456 host kernel: DMAR: IOMMU enabled", FORMAT_JOURNAL_SHORT,
                    SOURCE_KERNEL, "DMAR: IOMMU enabled");
        assert_line("2026-11-23T10:00:01+0000 host kernel: DMAR: IOMMU enabled", FORMAT_JOURNAL_SHORT,
                    SOURCE_KERNEL, "DMAR: IOMMU enabled");
        assert_line("2026-11-23T10:00:01.123456+00:00 host libvirtd[1234]: internal error: x",
                    FORMAT_JOURNAL_SHORT, SOURCE_LIBVIRT, "internal error: x");
        assert_line("[    5.000000] host kernel: DMAR: IOMMU enabled", FORMAT_JOURNAL_SHORT, SOURCE_KERNEL,
                    "DMAR: IOMMU enabled");
        /* rsyslog's kern.log of old kept the kernel's own time */
        assert_line("Nov 23 10:00:01 host kernel: [    0.100000] DMAR: IOMMU enabled", FORMAT_JOURNAL_SHORT,
                    SOURCE_KERNEL, "DMAR: IOMMU enabled");
        assert_line("Nov 23 10:00:01 host systemd-udevd[321]: something", FORMAT_JOURNAL_SHORT,
                    SOURCE_JOURNAL, "something");
        /* dmesg with a message that looks like "host ident:" stays dmesg */
        assert_line("[    0.500000] pci 0000:00:01.0: PME# supported", FORMAT_DMESG, SOURCE_KERNEL,
                    "pci 0000:00:01.0: PME# supported");
        Line l = classify("Nov 23 10:00:01 myhost qemu-system-x86_64[999]: qemu-system-x86_64: -device "
                          "vfio-pci,host=0000:02:00.0: vfio 0000:02:00.0: group 3 is not viable");
        assert_int_equal(l.views[0].source, SOURCE_QEMU);
        assert_span(l.views[0].text, "vfio 0000:02:00.0: group 3 is not viable");
        assert_string_equal(l.location_address, "0000:02:00.0");
        assert_span(l.host, "myhost");
        /* Proxmox VE: QEMU's stderr in the journal as "QEMU", each message with QEMU's own "kvm: " */
        l = classify(
                "Jun 04 07:25:13 pve1 QEMU[3989106]: kvm: -device vfio-pci,host=0000:01:00.0,id=hostpci0: "
                "vfio 0000:01:00.0: group 3 is not viable");
        assert_int_equal(l.format, FORMAT_JOURNAL_SHORT);
        assert_int_equal(l.views[0].source, SOURCE_QEMU);
        assert_span(l.views[0].text, "vfio 0000:01:00.0: group 3 is not viable");
        assert_string_equal(l.location_address, "0000:01:00.0");
        assert_line("Jun 04 07:25:13 pve1 QEMU[3989106]: kvm: VFIO_MAP_DMA failed: Invalid argument",
                    FORMAT_JOURNAL_SHORT, SOURCE_QEMU, "VFIO_MAP_DMA failed: Invalid argument");
        /* journalctl --no-hostname: no host between the stamp and the identifier */
        assert_line(
                "[    0.929877] kernel: DMAR: [DMA Read] Request device [00:02.0] PASID ffffffff fault addr "
                "70e67000 [fault reason 06] PTE Read access is not set",
                FORMAT_JOURNAL_SHORT, SOURCE_KERNEL,
                "DMAR: [DMA Read] Request device [00:02.0] PASID ffffffff fault addr 70e67000 [fault reason 06] "
                "PTE Read access is not set");
        assert_line("Nov 23 10:00:01 kernel: DMAR: IOMMU enabled", FORMAT_JOURNAL_SHORT, SOURCE_KERNEL,
                    "DMAR: IOMMU enabled");
        l = classify("Nov 23 10:00:01 libvirtd[1234]: internal error: x");
        assert_int_equal(l.views[0].source, SOURCE_LIBVIRT);
        assert_int_equal(l.host.len, 0);
        /* libvirtd's stderr in the journal keeps libvirt's own log prefix (QubesOS/qubes-issues#3237) */
        l = classify(
                "Oct 19 12:37:17 dom0 libvirtd[8423]: 2017-10-19 10:37:17.260+0000: 8443: error : "
                "virPCIDeviceReset:1002 : internal error: Unable to reset PCI device 0000:00:14.0: no FLR, "
                "PM reset or bus reset available");
        assert_int_equal(l.format, FORMAT_JOURNAL_SHORT);
        assert_int_equal(l.views[0].source, SOURCE_LIBVIRT);
        assert_int_equal(l.priority, 3);
        assert_span(l.ident, "libvirtd");
        assert_span(l.views[0].text,
                    "internal error: Unable to reset PCI device 0000:00:14.0: no FLR, PM reset or bus reset "
                    "available");
        l = classify(
                "Jul 20 06:13:31 server1 libvirtd[47045]: 2022-07-20 06:13:31.181+0000: 47045: error : "
                "qemuProcessReportLogError:1914 : internal error: qemu unexpectedly closed the monitor: "
                "2022-07-20T06:13:31.090440Z qemu-system-x86_64: -device vfio-pci,host=0000:02:00.0: vfio "
                "0000:02:00.0: group 3 is not viable");
        assert_int_equal(l.n_views, 2);
        assert_span(l.views[1].text, "vfio 0000:02:00.0: group 3 is not viable");
        /* a message of another program that starts with a date stays whole */
        assert_line("Nov 23 10:00:01 host systemd[1]: 2017-10-19 10:37:17.260+0000: 8443: error : f:1 : x",
                    FORMAT_JOURNAL_SHORT, SOURCE_JOURNAL,
                    "2017-10-19 10:37:17.260+0000: 8443: error : f:1 : x");
        /* ... but a dmesg message that starts with a word and a colon is the kernel's, and QEMU's own stamp
         * before its name is QEMU's */
        assert_line("[    0.019620] DMAR: IOMMU enabled", FORMAT_DMESG, SOURCE_KERNEL,
                    "DMAR: IOMMU enabled");
        assert_line("2024-05-01T10:00:00.123456Z qemu-system-x86_64: vfio: error", FORMAT_QEMU, SOURCE_QEMU,
                    "vfio: error");
        /* a program that only resembles it stays the journal's */
        assert_line("Jun 04 07:25:13 pve1 QEMUX[12]: kvm: x", FORMAT_JOURNAL_SHORT, SOURCE_JOURNAL,
                    "kvm: x");
        /* the stamp and the host cut off (a line quoted from its middle, a blog's excerpt): "kernel: " and
         * an identifier with its [pid] are still the journal's */
        assert_line(
                "kernel: vfio-pci 0000:04:00.0: Device is ineligible for IOMMU domain attach due to platform "
                "RMRR requirement. Contact your platform vendor.",
                FORMAT_JOURNAL_SHORT, SOURCE_KERNEL,
                "vfio-pci 0000:04:00.0: Device is ineligible for IOMMU domain attach due to platform RMRR "
                "requirement. Contact your platform vendor.");
        assert_line("kernel: [    3.911580] DMAR: IOMMU enabled", FORMAT_JOURNAL_SHORT, SOURCE_KERNEL,
                    "DMAR: IOMMU enabled");
        l = classify("libvirtd[1234]: internal error: x");
        assert_int_equal(l.format, FORMAT_JOURNAL_SHORT);
        assert_int_equal(l.views[0].source, SOURCE_LIBVIRT);
        assert_span(l.views[0].text, "internal error: x");
        /* ... but not a program's own prefix, nor a kernel message's device name */
        assert_line("qemu-system-x86_64: vfio: error", FORMAT_QEMU, SOURCE_QEMU, "vfio: error");
        assert_line("kernelx: a", FORMAT_BARE, SOURCE_UNKNOWN, "kernelx: a");
        assert_line("DMAR: IOMMU enabled", FORMAT_BARE, SOURCE_UNKNOWN, "DMAR: IOMMU enabled");
        assert_line("ata1[2]:x", FORMAT_BARE, SOURCE_UNKNOWN, "ata1[2]:x");
}

static void test_journal_json(void **state) {
        assert_line("{\"__REALTIME_TIMESTAMP\":\"1700000000000000\",\"_TRANSPORT\":\"kernel\",\"PRIORITY\":"
                    "\"3\","
                    "\"MESSAGE\":\"vfio-pci: probe of 0000:01:00.0 failed with error -22\"}",
                    FORMAT_JOURNAL_JSON, SOURCE_KERNEL,
                    "vfio-pci: probe of 0000:01:00.0 failed with error -22");
        /* journald writes a message that is not UTF-8 as an array of bytes */
        assert_line("{\"_TRANSPORT\":\"kernel\",\"MESSAGE\":[65,66,255,67]}", FORMAT_JOURNAL_JSON,
                    SOURCE_KERNEL,
                    "AB\xff"
                    "C");
        assert_line("{\"SYSLOG_IDENTIFIER\":\"virtqemud\",\"MESSAGE\":\"internal error: qemu unexpectedly "
                    "closed "
                    "the monitor\"}",
                    FORMAT_JOURNAL_JSON, SOURCE_LIBVIRT,
                    "internal error: qemu unexpectedly closed the monitor");
        /* not JSON, or JSON without MESSAGE: a bare line */
        assert_line("{\"a\":1}", FORMAT_BARE, SOURCE_UNKNOWN, "{\"a\":1}");
        assert_line("{\"MESSAGE\":\"x\"", FORMAT_BARE, SOURCE_UNKNOWN, "{\"MESSAGE\":\"x\"");
        assert_line("{\"MESSAGE\":[1,2,300]}", FORMAT_BARE, SOURCE_UNKNOWN, "{\"MESSAGE\":[1,2,300]}");
}

/* Every journal field a line keeps is cut at VX_JOURNAL_FIELD_MAX, and never inside a UTF-8 character. */
/* QEMU's QMP error reply pasted raw (QubesOS/qubes-issues#3263: a stubdomain's trace) */
static void test_qmp_reply(void **state) {
        assert_line(
                "{\"error\": {\"class\": \"GenericError\", \"desc\": \"Need to enable igd-passthru if you're "
                "trying to passthrough IGD GFX\"}}",
                FORMAT_QMP, SOURCE_QEMU,
                "Need to enable igd-passthru if you're trying to passthrough IGD GFX");
        assert_line("{\"id\": \"libvirt-12\", \"error\": {\"class\": \"GenericError\", \"desc\": \"vfio "
                    "0000:01:00.0: group 1 is not viable\"}}",
                    FORMAT_QMP, SOURCE_QEMU, "vfio 0000:01:00.0: group 1 is not viable");
        assert_line("{\"error\":{\"class\":\"DeviceNotFound\",\"desc\":\"Device 'hostdev0' not found\"}}",
                    FORMAT_QMP, SOURCE_QEMU, "Device 'hostdev0' not found");
        /* not an error reply: left as any other line */
        assert_line("{\"return\": {}}", FORMAT_BARE, SOURCE_UNKNOWN, "{\"return\": {}}");
        assert_line("{\"error\": \"x\"}", FORMAT_BARE, SOURCE_UNKNOWN, "{\"error\": \"x\"}");
        assert_line("{\"error\": {\"desc\": 3}}", FORMAT_BARE, SOURCE_UNKNOWN, "{\"error\": {\"desc\": 3}}");
        assert_line("{\"error\": {\"desc\": \"x\"}} trailing", FORMAT_BARE, SOURCE_UNKNOWN,
                    "{\"error\": {\"desc\": \"x\"}} trailing");
}

static void test_journal_json_fields_bounded(void **state) {
        const size_t big = 4 * VX_JOURNAL_FIELD_MAX;
        _cleanup_free_ char *raw = malloc(4 * big + 256);
        char *a = malloc(big + 1), *h = malloc(big + 1), *t = malloc(big + 1);
        assert_non_null(raw);
        assert_true(a && h && t);
        memset(a, 'a', big);
        a[big] = 0;
        /* "é" (c3 a9) from byte VX_JOURNAL_FIELD_MAX - 1 on: a cut at the limit would split it. */
        memset(h, 'h', big);
        h[VX_JOURNAL_FIELD_MAX - 1] = (char) 0xc3;
        h[VX_JOURNAL_FIELD_MAX] = (char) 0xa9;
        h[big] = 0;
        memset(t, '1', big);
        t[big] = 0;
        snprintf(raw, 4 * big + 256,
                 "{\"SYSLOG_IDENTIFIER\":\"%s\",\"_HOSTNAME\":\"%s\",\"__REALTIME_TIMESTAMP\":\"%s\","
                 "\"MESSAGE\":\"vfio-pci: probe of 0000:01:00.0 failed with error -22\"}",
                 a, h, t);
        Line l = classify(raw);
        assert_int_equal(l.format, FORMAT_JOURNAL_JSON);
        assert_int_equal(l.ident.len, VX_JOURNAL_FIELD_MAX);
        assert_int_equal(l.host.len, VX_JOURNAL_FIELD_MAX - 1);
        assert_int_equal(l.stamp.len, VX_JOURNAL_FIELD_MAX);
        /* _COMM stands in for a missing SYSLOG_IDENTIFIER, as bounded. */
        snprintf(raw, 4 * big + 256, "{\"_COMM\":\"%s\",\"MESSAGE\":\"x\"}", a);
        l = classify(raw);
        assert_int_equal(l.format, FORMAT_JOURNAL_JSON);
        assert_int_equal(l.ident.len, VX_JOURNAL_FIELD_MAX);
        /* At the limit exactly: nothing is cut. */
        a[VX_JOURNAL_FIELD_MAX] = 0;
        snprintf(raw, 4 * big + 256, "{\"_HOSTNAME\":\"%s\",\"MESSAGE\":\"x\"}", a);
        l = classify(raw);
        assert_int_equal(l.host.len, VX_JOURNAL_FIELD_MAX);
        free(a);
        free(h);
        free(t);
}

static void test_qemu_formats(void **state) {
        Line l = classify(
                "qemu-system-x86_64: -device vfio-pci,host=01:00.0,id=hostdev0: vfio 0000:01:00.0: group "
                "15 is not viable");
        assert_int_equal(l.format, FORMAT_QEMU);
        assert_span(l.views[0].text, "vfio 0000:01:00.0: group 15 is not viable");
        assert_span(l.location, "-device vfio-pci,host=01:00.0,id=hostdev0");
        assert_string_equal(l.location_address, "0000:01:00.0");

        l = classify("2024-05-01T10:00:00.123456Z qemu-system-x86_64: -device "
                     "{\"driver\":\"vfio-pci\",\"host\":\"0000:03:00.1\",\"id\":\"hostdev0\"}: vfio "
                     "0000:03:00.1: "
                     "error getting device from group 7: Invalid argument");
        assert_int_equal(l.format, FORMAT_QEMU);
        assert_string_equal(l.location_address, "0000:03:00.1");
        assert_span(l.views[0].text,
                    "vfio 0000:03:00.1: error getting device from group 7: Invalid argument");

        assert_line("qemu-kvm: warning: vfio: something", FORMAT_QEMU, SOURCE_QEMU,
                    "warning: vfio: something");
        assert_line("kvm: -device vfio-pci,host=0000:01:00.0,id=hostpci0: vfio 0000:01:00.0: x", FORMAT_QEMU,
                    SOURCE_QEMU, "vfio 0000:01:00.0: x");
        assert_line("qemu-8.2-system-x86_64: vfio: x", FORMAT_QEMU, SOURCE_QEMU, "vfio: x");
        assert_line("2024-05-01T10:00:00.123456Z qemu-system-x86_64: vfio: error", FORMAT_QEMU, SOURCE_QEMU,
                    "vfio: error");
        assert_line("kvmx: not qemu", FORMAT_BARE, SOURCE_UNKNOWN, "kvmx: not qemu");
        assert_line(
                "/usr/bin/qemu-system-x86_64: Could not access KVM kernel module: No such file or directory",
                FORMAT_QEMU, SOURCE_QEMU, "Could not access KVM kernel module: No such file or directory");
        l = classify("qemu-system-x86_64: -device vfio-pci,sysfsdev=/sys/bus/pci/devices/0000:05:00.0: vfio "
                     "x: y");
        assert_string_equal(l.location_address, "0000:05:00.0");

        /* A -readconfig file's location (print_loc(), LOC_FILE), as incus's and LXD's qemu.log have it. */
        l = classify(
                "qemu-system-x86_64:/run/incus/gpu/qemu.conf:285: vfio 0000:01:00.0: error getting device "
                "from group 2: No such device");
        assert_int_equal(l.format, FORMAT_QEMU);
        assert_int_equal(l.views[0].source, SOURCE_QEMU);
        assert_span(l.location, "/run/incus/gpu/qemu.conf:285");
        assert_span(l.views[0].text, "vfio 0000:01:00.0: error getting device from group 2: No such device");
        assert_string_equal(l.location_address, "");
        assert_line(
                "qemu-system-x86_64:/var/snap/lxd/common/lxd/logs/v1/qemu.conf:265: vfio 0000:04:00.0: x",
                FORMAT_QEMU, SOURCE_QEMU, "vfio 0000:04:00.0: x");
        assert_line("qemu-system-x86_64:/etc/qemu/vm.cfg: vfio: x", FORMAT_QEMU, SOURCE_QEMU, "vfio: x");
        /* Not a file location: a line number that is not one, no path, nothing after it, a blank in it. */
        assert_line("qemu-system-x86_64:vm.cfg:1x: vfio: x", FORMAT_BARE, SOURCE_UNKNOWN,
                    "qemu-system-x86_64:vm.cfg:1x: vfio: x");
        assert_line("qemu-system-x86_64:note: vfio: x", FORMAT_BARE, SOURCE_UNKNOWN,
                    "qemu-system-x86_64:note: vfio: x");
        assert_line("qemu-system-x86_64::285: x", FORMAT_BARE, SOURCE_UNKNOWN, "qemu-system-x86_64::285: x");
        assert_line("qemu-system-x86_64:/run/a b.conf:2: x", FORMAT_BARE, SOURCE_UNKNOWN,
                    "qemu-system-x86_64:/run/a b.conf:2: x");
        assert_line("notqemu:/run/incus/gpu/qemu.conf:285: vfio: x", FORMAT_BARE, SOURCE_UNKNOWN,
                    "notqemu:/run/incus/gpu/qemu.conf:285: vfio: x");
}

static void test_libvirt_formats(void **state) {
        Line l = classify(
                "2024-05-01 10:00:00.123+0000: 4478: error : virPCIDeviceNew:1744 : Device 0000:09:00.0 "
                "not found: could not access /sys/bus/pci/devices/0000:09:00.0/config");
        assert_int_equal(l.format, FORMAT_LIBVIRT_LOG);
        assert_int_equal(l.views[0].source, SOURCE_LIBVIRT);
        assert_span(l.ident, "virPCIDeviceNew:1744");
        assert_span(l.views[0].text,
                    "Device 0000:09:00.0 not found: could not access "
                    "/sys/bus/pci/devices/0000:09:00.0/config");
        assert_line("2024-05-01 10:00:00.123+0000: starting up libvirt version: 9.0.0", FORMAT_LIBVIRT_LOG,
                    SOURCE_LIBVIRT, "starting up libvirt version: 9.0.0");

        l = classify(
                "error: internal error: qemu unexpectedly closed the monitor: 2024-05-01T10:00:00.123456Z "
                "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0,bus=pci.0,addr=0x5: "
                "vfio "
                "0000:01:00.0: group 1 is not viable");
        assert_int_equal(l.format, FORMAT_VIRSH);
        assert_int_equal(l.n_views, 2);
        assert_int_equal(l.views[1].source, SOURCE_QEMU);
        assert_span(l.views[1].text, "vfio 0000:01:00.0: group 1 is not viable");
        assert_string_equal(l.location_address, "0000:01:00.0");

        /* A hot-plug's QMP error: QEMU's text without its program name, after libvirt's words. */
        l = classify(
                "error: internal error: unable to execute QEMU command 'device_add': vfio 0000:01:00.0: "
                "error getting device from group 12: Invalid argument");
        assert_int_equal(l.format, FORMAT_VIRSH);
        assert_int_equal(l.n_views, 2);
        assert_int_equal(l.views[1].source, SOURCE_QEMU);
        assert_span(l.views[1].text,
                    "vfio 0000:01:00.0: error getting device from group 12: Invalid argument");
        l = classify("error: internal error: unable to execute QEMU command 'device_add'");
        assert_int_equal(l.n_views, 1);
        l = classify("error: internal error: unable to execute QEMU command 'device add': x");
        assert_int_equal(l.n_views, 1);
        l = classify("error: internal error: unable to execute QEMU command 'device_add': ");
        assert_int_equal(l.n_views, 1);
}

static void test_trace_and_audit(void **state) {
        assert_line("12345@1700000000.123456:vfio_region_mmap Region 0000:01:00.0 BAR 0 mmaps[0] [0x0 - "
                    "0xffffff]",
                    FORMAT_QEMU_TRACE, SOURCE_TRACE,
                    "vfio_region_mmap Region 0000:01:00.0 BAR 0 mmaps[0] [0x0 - 0xffffff]");
        assert_line("vfio_intx_enable  (0000:01:00.0)", FORMAT_QEMU_TRACE, SOURCE_TRACE,
                    "vfio_intx_enable  (0000:01:00.0)");
        assert_line("  qemu-system-x86-1234    [001] d.h1.  1234.567890: io_page_fault: IOMMU:[drhd0] "
                    "0000:01:00.0 "
                    "iova=0x00000000fee00000 flags=0x0000",
                    FORMAT_KERNEL_TRACE, SOURCE_TRACE,
                    "io_page_fault: IOMMU:[drhd0] 0000:01:00.0 iova=0x00000000fee00000 flags=0x0000");
        assert_line("type=AVC msg=audit(1700000000.123:456): avc:  denied  { read write } for  pid=1234",
                    FORMAT_AUDIT, SOURCE_KERNEL,
                    "type=AVC msg=audit(1700000000.123:456): avc:  denied  { read write } for  pid=1234");
}

static void test_bare_and_hostile(void **state) {
        assert_line("vfio-pci 0000:01:00.0: something", FORMAT_BARE, SOURCE_UNKNOWN,
                    "vfio-pci 0000:01:00.0: something");
        assert_line("", FORMAT_BARE, SOURCE_UNKNOWN, "");
        assert_line("[", FORMAT_BARE, SOURCE_UNKNOWN, "[");
        assert_line("<", FORMAT_BARE, SOURCE_UNKNOWN, "<");
        assert_line("[    1.5", FORMAT_BARE, SOURCE_UNKNOWN, "[    1.5");
        assert_line("qemu-system-x86_64:", FORMAT_BARE, SOURCE_UNKNOWN, "qemu-system-x86_64:");
        assert_line("line with CRLF\r", FORMAT_BARE, SOURCE_UNKNOWN, "line with CRLF");
        /* A location without its closing ": " is not a location. */
        Line l = classify("qemu-system-x86_64: -device vfio-pci,host=zz:00.0 no colon");
        assert_int_equal(l.format, FORMAT_QEMU);
        assert_string_equal(l.location_address, "");
        /* Every prefix of a long valid line classifies without reading past its end. */
        const char *s = "2024-05-01 10:00:00.123+0000: 4478: error : virPCIDeviceNew:1744 : x";
        for (size_t n = 0; n <= strlen(s); n++) {
                char *copy = malloc(n ? n : 1);
                memcpy(copy, s, n);
                line_classify(lc, copy, n, &l);
                free(copy);
        }
}

/* adb logcat, in the formats of liblog logprint.cpp android_log_formatLogLine(). */
static void test_logcat_formats(void **state) {
        assert_line("11-23 10:00:02.345   412   412 W EGL-MAIN: Failed to open any DRM device",
                    FORMAT_LOGCAT, SOURCE_GUEST, "Failed to open any DRM device");
        assert_line("11-23 10:00:01.234   298   298 E hwc-drm-device: Failed to open dri /dev/dri/card0: No "
                    "such "
                    "file or directory",
                    FORMAT_LOGCAT, SOURCE_GUEST,
                    "Failed to open dri /dev/dri/card0: No such file or directory");
        /* the tag padded to 8 */
        Line l = classify("11-23 10:00:01.234  1234  1250 E gralloc : a: b");
        assert_int_equal(l.format, FORMAT_LOGCAT);
        assert_span(l.ident, "gralloc");
        assert_span(l.views[0].text, "a: b");
        assert_int_equal(l.priority, 3);
        assert_span(l.stamp, "11-23 10:00:01.234");
        assert_line("W/EGL-MAIN(  412): Failed to open any DRM device", FORMAT_LOGCAT, SOURCE_GUEST,
                    "Failed to open any DRM device");
        l = classify("E/drmhwc  (  298): x");
        assert_span(l.ident, "drmhwc");
        assert_line("11-23 10:00:02.345 I/SurfaceFlinger(  298): msg", FORMAT_LOGCAT, SOURCE_GUEST, "msg");
        /* near misses stay what they were */
        assert_int_equal(classify("E/x: y").format, FORMAT_BARE);
        assert_int_equal(classify("X/tag(  1): y").format, FORMAT_BARE);
        assert_int_equal(classify("11-23 10:00:02.345   412 W EGL-MAIN: y").format, FORMAT_BARE);
        assert_int_equal(classify("Error/tag(1): y").format, FORMAT_BARE);

        /* a --guest file's lines are all the guest's */
        l = classify("[    3.252222] amdgpu 0000:00:05.0: Fatal error during GPU init");
        assert_int_equal(l.views[0].source, SOURCE_KERNEL);
        line_as_guest(&l);
        assert_int_equal(l.views[0].source, SOURCE_GUEST);
        assert_string_equal(source_to_string(SOURCE_GUEST), "guest");
        assert_int_equal(source_from_string("guest", 5), SOURCE_GUEST);
}

static void test_pci_address(void **state) {
        PciAddress out;
        assert_int_equal(pci_address_normalize("01:00.0", 7, out), 0);
        assert_string_equal(out, "0000:01:00.0");
        assert_int_equal(pci_address_normalize("0000:0A:1f.7", 12, out), 0);
        assert_string_equal(out, "0000:0a:1f.7");
        assert_int_equal(pci_address_normalize("10000:e1:00.0", 13, out), 0);
        assert_string_equal(out, "10000:e1:00.0");
        /* Eight domain digits, as the kernel would never print them: its own width (found by
         * fuzz_romfile_refs, which wrote 17 bytes into the 16 of out for an 8-digit domain). */
        assert_int_equal(pci_address_normalize("00010000:e1:00.0", 16, out), 0);
        assert_string_equal(out, "10000:e1:00.0");
        assert_int_equal(pci_address_normalize("0fffffff:e1:00.0", 16, out), 0);
        assert_string_equal(out, "fffffff:e1:00.0");
        strcpy(out, "unchanged");
        assert_int_equal(pci_address_normalize("ffffffff:e1:00.0", 16, out), -EINVAL);
        assert_int_equal(pci_address_normalize("0000:01:20.0", 12, out), -EINVAL);
        assert_int_equal(pci_address_normalize("0000:01:00.8", 12, out), -EINVAL);
        assert_int_equal(pci_address_normalize("../../etc", 9, out), -EINVAL);
        assert_int_equal(pci_address_normalize("0000:01:00.0/", 13, out), -EINVAL);
        assert_int_equal(pci_address_normalize("0000:01:00.0\0x", 14, out), -EINVAL);
        assert_string_equal(out, "unchanged");
}

static void test_span_hex(void **state) {
        Span s = span_from_str("e07effff-x");
        uint64_t v = 0;
        assert_true(span_eat_hex64(&s, &v));
        assert_int_equal(v, 0xe07effff);
        assert_int_equal(s.len, 2);
        s = span_from_str("-1");
        assert_false(span_eat_hex64(&s, &v));
        assert_int_equal(s.len, 2);
        /* at most 16 digits: the 17th stays */
        s = span_from_str("00000000000000001");
        assert_true(span_eat_hex64(&s, &v));
        assert_int_equal(s.len, 1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kernel_formats),
                cmocka_unit_test(test_fixed_width_stamp),
                cmocka_unit_test(test_stamp_decides_nothing_else),
                cmocka_unit_test(test_journal_formats),
                cmocka_unit_test(test_logcat_formats),
                cmocka_unit_test(test_journal_json),
                cmocka_unit_test(test_qmp_reply),
                cmocka_unit_test(test_journal_json_fields_bounded),
                cmocka_unit_test(test_qemu_formats),
                cmocka_unit_test(test_libvirt_formats),
                cmocka_unit_test(test_trace_and_audit),
                cmocka_unit_test(test_bare_and_hostile),
                cmocka_unit_test(test_pci_address),
                cmocka_unit_test(test_span_hex),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
