/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_common.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

static RuleSet *rs;

static int setup(void **state) {
        rs = load_unit_rules();
        return 0;
}

static int teardown(void **state) {
        ruleset_free(rs);
        return 0;
}

/* Runs the lines (separated by \n), then the probe lines, and returns the findings as
 * "id@device/confidence/evidence" joined by ", ": "~" after one the evidence weighs as its neighbour (a
 * tie),
 * "+host" after a confidence the host's facts gave, "+pasted" after one a listing pasted in the input gave.
 */
static char result[1024];

static void feed_text(Analysis *a, const char *text, bool probe) {
        unsigned long n = 0;
        for (const char *p = text; p && *p;) {
                const char *e = strchr(p, '\n');
                size_t len = e ? (size_t) (e - p) : strlen(p);
                assert_int_equal(
                        probe ? analysis_feed_probe(a, p, len) : analysis_feed(a, "t.log", ++n, p, len), 0);
                p += len + (e ? 1 : 0);
        }
}

static const char *analyze_probed(const char *text, const char *probe) {
        Analysis *a;
        assert_int_equal(analysis_new(rs, &a), 0);
        feed_text(a, text, false);
        feed_text(a, probe, true);
        assert_int_equal(analysis_finish(a), 0);
        size_t count;
        const Finding *const *fs = analysis_findings(a, &count);
        result[0] = 0;
        for (size_t i = 0; i < count; i++) {
                char one[128];
                snprintf(one, sizeof(one), "%s%s@%s/%s%s/%zu%s", i ? ", " : "", rs->causes[fs[i]->cause].id,
                         fs[i]->device[0] ? fs[i]->device : "-", strength_to_string(fs[i]->confidence),
                         fs[i]->host_confirmed             ? "+host"
                                 : fs[i]->pasted_confirmed ? "+pasted"
                                                           : "",
                         fs[i]->n_evidence, fs[i]->tied ? "~" : "");
                strncat(result, one, sizeof(result) - strlen(result) - 1);
                assert_int_equal(fs[i]->rank, i + 1);
        }
        analysis_free(a);
        return result;
}

static const char *analyze(const char *text) {
        return analyze_probed(text, NULL);
}

#define DMAR_OFF "[    0.000000] DMAR: IOMMU disabled\n"
#define ENOENT                                                                                  \
        "qemu-system-x86_64: -device vfio-pci,host=01:00.0: vfio 0000:01:00.0: failed to open " \
        "/dev/vfio/15: No such file or directory\n"
#define GROUP_ADD "[    0.600000] pci 0000:01:00.0: Adding to iommu group 1\n"
#define NOT_VIABLE "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable\n"

/* NVIDIA's message of several lines: dmesg indents the lines after the first, each repeating "NVRM: "; the
 * joined reading goes on without it. */
static void test_nvrm_continuation_joined(void **state) {
        assert_string_equal(
                analyze("[   42.089556] NVRM: This is a 64-bit BAR mapped above 4GB by the system\n"
                        "               NVRM: BIOS or the Linux kernel, but the PCI bridge\n"),
                "iommu-off-firmware@-/likely/1");
}

static void test_symptom_attaches_to_cause(void **state) {
        /* One root cause with both pieces of evidence, not two causes. */
        assert_string_equal(analyze(DMAR_OFF ENOENT), "iommu-off-kernel@-/confirmed/2");
}

static void test_symptom_alone_suggests(void **state) {
        /* Alike: a tie, said; the order within it (the ids') says nothing. */
        assert_string_equal(analyze(ENOENT),
                            "iommu-off-kernel@-/possible/1~, not-bound-to-vfio@0000:01:00.0/possible/1~");
}

static void test_fact_refutes(void **state) {
        /* "Adding to iommu group" proves the IOMMU is on. */
        assert_string_equal(analyze(GROUP_ADD ENOENT), "not-bound-to-vfio@0000:01:00.0/possible/1");
}

static void test_fact_of_another_boot_does_not_refute(void **state) {
        assert_string_equal(analyze(GROUP_ADD "[    0.000000] Linux version 6.1.0-18-amd64\n" ENOENT),
                            "iommu-off-kernel@-/possible/1~, not-bound-to-vfio@0000:01:00.0/possible/1~");
}

static void test_group_ties_device(void **state) {
        /* The group is tied to 0000:01:00.0 by the kernel line; unit.rules lets "Adding to iommu group" of a
         * device rule out group-shared-no-acs for that device only. */
        assert_string_equal(analyze(GROUP_ADD NOT_VIABLE),
                            "not-bound-to-vfio@0000:01:00.0/possible/1~, "
                            "group-companion-unbound@0000:01:00.0/possible/1~");
        assert_string_equal(
                analyze("[    0.6] pci 0000:02:00.0: Adding to iommu group 1\n"
                        "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable\n"),
                "not-bound-to-vfio@0000:01:00.0/possible/1~, group-companion-unbound@0000:01:00.0/possible/1~, "
                "group-shared-no-acs@0000:01:00.0/possible/1~");
}

static void test_explains_folds(void **state) {
        assert_string_equal(analyze(DMAR_OFF "[    1.000000] boom: aa\n"), "iommu-off-kernel@-/confirmed/2");
}

static void test_agreement_ranks_first(void **state) {
        /* Two symptoms agree on iommu-off-kernel: it ranks above what only one of them suggests. */
        assert_string_equal(
                analyze(ENOENT "[    3.000000] vfio-pci: probe of 0000:01:00.0 failed with error -22\n"),
                "iommu-off-kernel@-/possible/2, not-bound-to-vfio@0000:01:00.0/possible/1~, "
                "iommu-off-firmware@-/possible/1~, platform-iommu-unsupported@0000:01:00.0/possible/1~, "
                "device-is-bridge@0000:01:00.0/possible/1~");
}

static void test_generic_symptom(void **state) {
        /* With a cause found, "Failed to start domain" is its consequence, whatever it suggests. */
        assert_string_equal(analyze(DMAR_OFF "error: Failed to start domain 'win11'\n"),
                            "iommu-off-kernel@-/confirmed/2");
        /* Beside a specific symptom it joins the causes that one suggests. */
        assert_string_equal(
                analyze(NOT_VIABLE "error: Failed to start domain 'win11'\n"),
                "not-bound-to-vfio@0000:01:00.0/possible/2~, group-companion-unbound@0000:01:00.0/possible/2~, "
                "group-shared-no-acs@0000:01:00.0/possible/2~");
        /* Alone, it suggests its own. */
        assert_string_equal(analyze("error: Failed to start domain 'win11'\n"),
                            "not-bound-to-vfio@-/possible/1~, group-shared-no-acs@-/possible/1~");
}

#define BOOT_VGA "[    0.390125] pci 0000:01:00.0: vgaarb: setting as boot VGA device\n"
#define CANT_RESERVE(addr) \
        "[  527.140312] vfio-pci " addr ": BAR 1: can't reserve [mem 0xe0000000-0xefffffff 64bit pref]\n"

static void test_corroborating_symptom(void **state) {
        /* A normal line: alone it suggests nothing, and symptoms' suggestions do not take it. */
        assert_string_equal(analyze(BOOT_VGA), "");
        assert_string_equal(analyze(ENOENT BOOT_VGA),
                            "iommu-off-kernel@-/possible/1~, not-bound-to-vfio@0000:01:00.0/possible/1~");
        /* A cause found for the device it names takes it; one found for another device does not. */
        assert_string_equal(analyze(BOOT_VGA CANT_RESERVE("0000:01:00.0")),
                            "framebuffer-owns-bar@0000:01:00.0/likely/2");
        assert_string_equal(analyze(BOOT_VGA CANT_RESERVE("0000:02:00.0")),
                            "framebuffer-owns-bar@0000:02:00.0/likely/1");
        /* A host-wide cause whose lines name no device takes it. */
        assert_string_equal(analyze(DMAR_OFF BOOT_VGA), "iommu-off-kernel@-/confirmed/2");
}

static void test_domain_from_log_name(void **state) {
        Analysis *a;
        const char *q = "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable";
        assert_int_equal(analysis_new(rs, &a), 0);
        assert_int_equal(analysis_feed(a, "/var/log/libvirt/qemu/win11.log", 1, q, strlen(q)), 0);
        assert_int_equal(analysis_finish(a), 0);
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        assert_true(n >= 1);
        assert_string_equal(fs[0]->vars[VAR_DOMAIN], "win11");
        analysis_free(a);
        /* A name that is not safe to paste is not taken. */
        assert_int_equal(analysis_new(rs, &a), 0);
        assert_int_equal(analysis_feed(a, "/var/log/libvirt/qemu/a;b.log", 1, q, strlen(q)), 0);
        assert_int_equal(analysis_finish(a), 0);
        fs = analysis_findings(a, &n);
        assert_null(fs[0]->vars[VAR_DOMAIN]);
        analysis_free(a);
}

static void test_healthy(void **state) {
        assert_string_equal(analyze(GROUP_ADD "[    1.0] something normal\n"), "");
}

static void test_bounded(void **state) {
        /* Many distinct symptoms: bounded findings and evidence, no failure. */
        Analysis *a;
        assert_int_equal(analysis_new(rs, &a), 0);
        feed_distinct_symptoms(a, 5000);
        assert_int_equal(analysis_finish(a), 0);
        size_t count;
        const Finding *const *fs = analysis_findings(a, &count);
        assert_true(count <= VX_FINDINGS_MAX);
        for (size_t i = 0; i < count; i++)
                assert_true(fs[i]->n_evidence <= VX_EVIDENCE_PER_FINDING_MAX);
        analysis_free(a);
}

/* A long line is kept as evidence up to VX_EVIDENCE_TEXT_MAX bytes. */
static void test_evidence_bounded(void **state) {
        const size_t long_len = 4 * VX_EVIDENCE_TEXT_MAX;
        _cleanup_free_ char *line = malloc(long_len + 128);
        Analysis *a;
        assert_non_null(line);
        assert_int_equal(analysis_new(rs, &a), 0);
        for (unsigned i = 0; i < 100; i++) {
                /* QEMU names the -device option it failed on: every line differs, the device is one. */
                int n = snprintf(line, long_len + 128,
                                 "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=%s%u: "
                                 "vfio 0000:01:00.0: group 1 is not viable",
                                 i == 0 ? "" : "hostdev", i);
                size_t len = (size_t) n;
                if (i == 0) {
                        /* The first line is long: a long id, as a hostile log could give it. */
                        memmove(line + 50 + long_len / 2, line + 50, len - 50);
                        memset(line + 50, 'x', long_len / 2);
                        len += long_len / 2;
                }
                assert_int_equal(analysis_feed(a, "t.log", i + 1, line, len), 0);
        }
        assert_int_equal(analysis_finish(a), 0);
        size_t count;
        const Finding *const *fs = analysis_findings(a, &count);
        assert_true(count >= 1);
        assert_true(fs[0]->n_evidence <= VX_EVIDENCE_PER_FINDING_MAX);
        size_t longest = 0;
        for (size_t k = 0; k < fs[0]->n_evidence; k++)
                longest = MAX(longest, strlen(fs[0]->evidence[k].text));
        assert_int_equal(longest, VX_EVIDENCE_TEXT_MAX);
        analysis_free(a);
}

/* 100 lines that each confirm the same cause, none of them the same line twice (each has its own timestamp):
 * the finding keeps exactly VX_EVIDENCE_PER_FINDING_MAX and counts the rest. The line count is fixed, not
 * derived from the limit, so that the limit raised in limits.h is noticed too. A symptom's lines would not
 * do: a symptom repeated for one device is one hit with a repeat count, and never reaches the limit. */
static void test_evidence_count_bounded(void **state) {
        const size_t lines = 100;
        Analysis *a;
        assert_true(lines > VX_EVIDENCE_PER_FINDING_MAX);
        assert_int_equal(analysis_new(rs, &a), 0);
        for (size_t i = 0; i < lines; i++) {
                char line[64];
                int n = snprintf(line, sizeof(line), "[    0.%06zu] DMAR: IOMMU disabled", i);
                assert_int_equal(analysis_feed(a, "t.log", i + 1, line, (size_t) n), 0);
        }
        assert_int_equal(analysis_finish(a), 0);
        size_t count;
        const Finding *const *fs = analysis_findings(a, &count);
        assert_int_equal(count, 1);
        assert_int_equal(fs[0]->n_evidence, VX_EVIDENCE_PER_FINDING_MAX);
        assert_int_equal(fs[0]->more_evidence, lines - VX_EVIDENCE_PER_FINDING_MAX);
        /* The first lines are the ones kept, in input order. */
        for (size_t k = 0; k < fs[0]->n_evidence; k++)
                assert_int_equal(fs[0]->evidence[k].line, k + 1);
        analysis_free(a);
}

#define GET_DEVICE(errno_text)                                                                             \
        "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: error getting device " \
        "from "                                                                                            \
        "group 1: " errno_text "\n"

/* The errno a line captured decides what it points at, in any form it is printed in. */
static void test_errno_conditions(void **state) {
        const char *busy =
                "device-busy-in-use@0000:01:00.0/possible/1~, group-busy@0000:01:00.0/possible/1~, "
                "vf-token-required@0000:01:00.0/possible/1";
        assert_string_equal(analyze(GET_DEVICE("Device or resource busy")), busy);
        assert_string_equal(analyze(GET_DEVICE("-16")), busy);
        assert_string_equal(analyze(GET_DEVICE("EBUSY")), busy);
        assert_string_equal(
                analyze(GET_DEVICE("Permission denied")),
                "vf-token-required@0000:01:00.0/possible/1, device-busy-in-use@0000:01:00.0/possible/1~, "
                "not-bound-to-vfio@0000:01:00.0/possible/1~, group-busy@0000:01:00.0/possible/1~");
        assert_string_equal(
                analyze(GET_DEVICE("Operation not permitted")),
                "vf-token-required@0000:01:00.0/possible/1, device-busy-in-use@0000:01:00.0/possible/1~, "
                "not-bound-to-vfio@0000:01:00.0/possible/1~, group-busy@0000:01:00.0/possible/1~");
        /* An errno no when names: every cause alike. */
        assert_string_equal(
                analyze(GET_DEVICE("No such device")),
                "device-busy-in-use@0000:01:00.0/possible/1~, not-bound-to-vfio@0000:01:00.0/possible/1~, "
                "group-busy@0000:01:00.0/possible/1~, vf-token-required@0000:01:00.0/possible/1~");
}

#define PROBE_EINVAL(addr) "[    3.000000] vfio-pci: probe of " addr " failed with error -22\n"
#define BANNER                                                                                          \
        "[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian " \
        "12.2.0-14) "                                                                                   \
        "12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 "        \
        "(2024-02-01)\n"

/* Issue 21: -22 from a qemu-system-aarch64 host on PCI domain 0001, no DMAR or AMD-Vi line: the platform's
 * IOMMU not covering the device comes first, and "turn on intel_iommu" is not offered at all. */
static void test_platform_conditions(void **state) {
        assert_string_equal(
                analyze("qemu-system-aarch64: -device vfio-pci,host=0001:01:00.0: vfio 0001:01:00.0: "
                        "failed to open /dev/vfio/15: No such file or directory\n" PROBE_EINVAL(
                                "0001:01:00.0")),
                "platform-iommu-unsupported@0001:01:00.0/possible/1, iommu-off-firmware@-/possible/1, "
                "iommu-off-kernel@-/possible/1~, not-bound-to-vfio@0001:01:00.0/possible/1~, "
                "device-is-bridge@0001:01:00.0/possible/1~");
        /* -22 alone says nothing against iommu-off-kernel on ARM; the QEMU line of the same failure
         * (ENOENT, whose symptom suggests it) is what keeps it, as one suggestion. */
        /* The same line from an x86 host of one segment: nothing tells the causes apart. */
        assert_string_equal(
                analyze(PROBE_EINVAL("0000:01:00.0")),
                "iommu-off-firmware@-/possible/1~, iommu-off-kernel@-/possible/1~, "
                "platform-iommu-unsupported@0000:01:00.0/possible/1~, device-is-bridge@0000:01:00.0/possible/1~");
        /* A VMD domain alone points at the platform. */
        assert_string_equal(analyze(PROBE_EINVAL("10000:e1:00.0")),
                            "platform-iommu-unsupported@10000:e1:00.0/possible/1, "
                            "iommu-off-firmware@-/possible/1~, iommu-off-kernel@-/possible/1~, "
                            "device-is-bridge@10000:e1:00.0/possible/1~");
        /* A whole boot's kernel log without one IOMMU line: the IOMMU is off. */
        assert_string_equal(analyze(BANNER PROBE_EINVAL("0000:01:00.0")),
                            "iommu-off-firmware@-/possible/1~, iommu-off-kernel@-/possible/1~, "
                            "platform-iommu-unsupported@0000:01:00.0/possible/1~, "
                            "device-is-bridge@0000:01:00.0/possible/1~");
        /* Without the banner, the absence of a DMAR line means nothing (a grep, a cut log). */
        assert_string_equal(
                analyze(PROBE_EINVAL("0000:01:00.0")),
                "iommu-off-firmware@-/possible/1~, iommu-off-kernel@-/possible/1~, "
                "platform-iommu-unsupported@0000:01:00.0/possible/1~, device-is-bridge@0000:01:00.0/possible/1~");
        /* An Intel host (DMAR lines) on a kernel before 6.2 points at the kernel's default. */
        assert_string_equal(
                analyze(BANNER "[    0.010000] DMAR: Host address width 39\n" PROBE_EINVAL("0000:01:00.0")),
                "iommu-off-kernel@-/possible/1, iommu-off-firmware@-/possible/1~, "
                "platform-iommu-unsupported@0000:01:00.0/possible/1~, device-is-bridge@0000:01:00.0/possible/1~");
}

/* The device's class, from the kernel's enumeration line or the host. */
static void test_class_conditions(void **state) {
        assert_string_equal(
                analyze("[    0.300000] pci 0000:00:01.0: [8086:1901] type 01 class 0x060400\n" PROBE_EINVAL(
                        "0000:00:01.0")),
                "device-is-bridge@0000:00:01.0/possible/1, iommu-off-firmware@-/possible/1~, "
                "iommu-off-kernel@-/possible/1~, platform-iommu-unsupported@0000:00:01.0/possible/1~");
        Analysis *a;
        assert_int_equal(analysis_new(rs, &a), 0);
        DeviceNote bridge = {.address = "0000:00:1c.4",
                             .vendor = -1,
                             .device = -1,
                             .class_code = -1,
                             .host_class = 0x060400};
        assert_int_equal(analysis_note_device(a, &bridge), 0);
        feed_text(a, PROBE_EINVAL("0000:00:1c.4"), false);
        assert_int_equal(analysis_finish(a), 0);
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        assert_true(n == 4);
        assert_string_equal(rs->causes[fs[0]->cause].id, "device-is-bridge");
        assert_false(fs[0]->tied);
        analysis_free(a);
}

#define IGPU_FAULT                                                                                        \
        "[    0.361089] DMAR: [DMA Read NO_PASID] Request device [00:02.0] fault addr 0x7cd80000 [fault " \
        "reason 0x01] Present bit in root entry is clear\n"
#define GPU_FAULT                                                                                         \
        "[ 1534.002871] DMAR: [DMA Read NO_PASID] Request device [01:00.0] fault addr 0x7f3c2000 [fault " \
        "reason 0x06] PTE Read access is not set\n"
#define GPU_ON_VFIO "[ 1533.112043] vfio-pci 0000:01:00.0: enabling device (0000 -> 0003)\n"

/* possible-unless = assigned=yes: an IOMMU fault is likely a cause only for a device the input shows handed
 * to vfio or a VMM, from that line on. */
static void test_possible_unless_assigned(void **state) {
        /* the iGPU's faults at boot, another device on vfio-pci */
        assert_string_equal(analyze(GPU_ON_VFIO IGPU_FAULT), "iommu-dma-fault@0000:00:02.0/possible/1");
        assert_string_equal(analyze(IGPU_FAULT), "iommu-dma-fault@0000:00:02.0/possible/1");
        /* the assigned device's own fault, after vfio-pci took it */
        assert_string_equal(analyze(GPU_ON_VFIO GPU_FAULT), "iommu-dma-fault@0000:01:00.0/likely/1");
        /* a fault before vfio-pci took it was no fault of its assignment */
        assert_string_equal(analyze(GPU_FAULT GPU_ON_VFIO), "iommu-dma-fault@0000:01:00.0/possible/1");
        /* a fault before, one after: the later one counts */
        assert_string_equal(analyze(GPU_FAULT GPU_ON_VFIO GPU_FAULT),
                            "iommu-dma-fault@0000:01:00.0/likely/2");
        /* the host's probes show it on vfio-pci */
        assert_string_equal(analyze_probed(GPU_FAULT,
                                           "device 0000:01:00.0: id=10de:1b80 class=030000 "
                                           "type=endpoint driver=vfio-pci group=1 power=D0 reset=flr bus"),
                            "iommu-dma-fault@0000:01:00.0/likely/1");
        assert_string_equal(
                analyze_probed(GPU_FAULT,
                               "device 0000:01:00.0: id=10de:1b80 class=030000 "
                               "type=endpoint driver=nvidia group=1 power=D0 reset=flr bus"),
                "not-bound-to-vfio@0000:01:00.0/likely/1, iommu-dma-fault@0000:01:00.0/possible/1");
        /* a doubted fault ranks after what a symptom of the assigned device suggests */
        assert_string_equal(analyze(IGPU_FAULT ENOENT),
                            "iommu-off-kernel@-/possible/1~, not-bound-to-vfio@0000:01:00.0/possible/1~, "
                            "iommu-dma-fault@0000:00:02.0/possible/1");

        /* QEMU naming the device in another input: the order of two inputs says nothing */
        Analysis *a;
        const char *qemu = "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0: vfio "
                           "0000:01:00.0: hot reset";
        assert_int_equal(analysis_new(rs, &a), 0);
        assert_int_equal(analysis_feed(a, "dmesg.log", 1, GPU_FAULT, strlen(GPU_FAULT) - 1), 0);
        assert_int_equal(analysis_feed(a, "qemu.log", 1, qemu, strlen(qemu)), 0);
        assert_int_equal(analysis_finish(a), 0);
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        assert_int_equal(n, 1);
        assert_int_equal(fs[0]->confidence, STRENGTH_LIKELY);
        assert_false(fs[0]->doubted);
        analysis_free(a);
}

/* A fix whose unless holds is not offered: intel_iommu=on is on the command line already. */
static void test_fix_unless(void **state) {
        for (int on = 0; on <= 1; on++) {
                Analysis *a;
                assert_int_equal(analysis_new(rs, &a), 0);
                feed_text(a,
                          on ? "[    0.043101] Kernel command line: BOOT_IMAGE=/vmlinuz-6.8.0 ro "
                               "intel_iommu=on\n" DMAR_OFF
                             : DMAR_OFF,
                          false);
                assert_int_equal(analysis_finish(a), 0);
                size_t n;
                const Finding *const *fs = analysis_findings(a, &n);
                assert_int_equal(n, 1);
                const CauseDef *c = &rs->causes[fs[0]->cause];
                assert_int_equal(analysis_fix_applies(a, fs[0], &c->fixes[0]), !on);
                assert_true(analysis_fix_applies(a, fs[0], &c->fixes[1]));
                analysis_free(a);
        }
}

#define PROBE_ON_NVIDIA                                                                                \
        "device 0000:01:00.0: id=10de:1b80 class=030000 type=endpoint driver=nvidia group=1 power=D0 " \
        "reset=flr\n"
#define PROBE_AUDIO                                                                             \
        "group 1 of 0000:01:00.0 (on nvidia): member 0000:01:00.1 [10de:10f0] class=040300 on " \
        "snd_hda_intel "                                                                        \
        "blocks the group (same card)\n"

/* Issue 21: the probes see the GPU on nvidia and its audio on snd_hda_intel; a log line says the group is
 * not viable: both are confirmed by the host, and the device's own binding comes before its card's other
 * function. */
static void test_host_confirms_in_causal_order(void **state) {
        assert_string_equal(analyze_probed(NOT_VIABLE, PROBE_AUDIO PROBE_ON_NVIDIA),
                            "not-bound-to-vfio@0000:01:00.0/confirmed+host/2, "
                            "group-companion-unbound@0000:01:00.0/confirmed+host/2");
        /* The line attaches to what the host shows: it suggests nothing the host does not. */
        /* The host's facts alone confirm nothing: no line says anything failed. */
        assert_string_equal(analyze_probed("", PROBE_AUDIO),
                            "group-companion-unbound@0000:01:00.0/likely/1");
}

#define VHV_KERNEL_OFF                                                                                              \
        "  QEMU: Checking if IOMMU is enabled by kernel                               : WARN (IOMMU appears to be " \
        "disabled in kernel. Add intel_iommu=on to kernel cmdline arguments)\n"

/* Issue 21: a host listing pasted under the error (virt-host-validate) is evidence of the host the paste
 * came from: shown as pasted, and what it shows confirms what the line points at, by the paste, not by this
 * host. */
static void test_pasted_listing_confirms(void **state) {
        assert_string_equal(analyze(ENOENT VHV_KERNEL_OFF), "iommu-off-kernel@-/confirmed+pasted/2");
        /* The listing alone says nothing failed. */
        assert_string_equal(analyze(VHV_KERNEL_OFF), "iommu-off-kernel@-/likely/1");
        Analysis *a;
        assert_int_equal(analysis_new(rs, &a), 0);
        feed_text(a, ENOENT VHV_KERNEL_OFF, false);
        assert_int_equal(analysis_finish(a), 0);
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        assert_int_equal(n, 1);
        assert_int_equal(fs[0]->n_evidence, 2);
        assert_false(fs[0]->evidence[0].pasted);
        assert_true(fs[0]->evidence[1].pasted);
        analysis_free(a);
}

#define LSPCI_NNK(driver)                                                                                         \
        "01:00.0 VGA compatible controller [0300]: NVIDIA Corporation GP104 [GeForce GTX 1080] [10de:1b80] (rev " \
        "a1)\n\tSubsystem: eVga.com. Corp. Device [3842:6183]\n" driver "\tKernel modules: nouveau\n"

/* The vars of the first finding's evidence from a pasted line, as "driver,path,value" ("-" for none). */
static const char *pasted_statement(const char *text) {
        Analysis *a;
        assert_int_equal(analysis_new(rs, &a), 0);
        feed_text(a, text, false);
        assert_int_equal(analysis_finish(a), 0);
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        result[0] = 0;
        for (size_t i = 0; i < n && !result[0]; i++)
                for (size_t e = 0; e < fs[i]->n_evidence; e++) {
                        const Evidence *ev = &fs[i]->evidence[e];
                        if (!ev->pasted)
                                continue;
                        char *const *v = ev->vars;
                        snprintf(result, sizeof(result), "%s %s@%s line %lu: %s,%s,%s",
                                 rs->causes[fs[i]->cause].id, strength_to_string(fs[i]->confidence),
                                 fs[i]->device, ev->line, ev->text, v && v[VAR_DRIVER] ? v[VAR_DRIVER] : "-",
                                 v && v[VAR_PATH] ? v[VAR_PATH] : "-");
                        break;
                }
        analysis_free(a);
        return result;
}

/* Issue 21: a pasted vfio-pci ids= (modprobe.d, grep's FILE: before it, or /proc/cmdline) that lists a
 * device a pasted lspci -nnk shows off vfio-pci is stated as the probes state it of this host; the evidence
 * is the pasted ids= line. */
static void test_pasted_ids_and_lspci(void **state) {
        assert_string_equal(
                pasted_statement(ENOENT "options vfio-pci ids=10de:1b80,10de:10f0\n" LSPCI_NNK("")),
                "not-bound-to-vfio confirmed@0000:01:00.0 line 2: options vfio-pci "
                "ids=10de:1b80,10de:10f0,-,/etc/modprobe.d/");
        assert_string_equal(
                pasted_statement("/etc/modprobe.d/vfio.conf:options vfio_pci ids=10de:1b80 disable_vga=1\n"
                                 "/etc/modprobe.d/vfio.conf:softdep nvidia pre: vfio-pci\n" LSPCI_NNK(
                                         "\tKernel driver in use: nvidia\n")),
                "not-bound-to-vfio likely@0000:01:00.0 line 1: /etc/modprobe.d/vfio.conf:options vfio_pci "
                "ids=10de:1b80 disable_vga=1,nvidia,/etc/modprobe.d/vfio.conf");
        assert_string_equal(
                pasted_statement(
                        "BOOT_IMAGE=/vmlinuz-6.8.0 ro intel_iommu=on vfio-pci.ids=10de:1b80\n" LSPCI_NNK(
                                "")),
                "not-bound-to-vfio likely@0000:01:00.0 line 1: BOOT_IMAGE=/vmlinuz-6.8.0 ro "
                "intel_iommu=on vfio-pci.ids=10de:1b80,-,/proc/cmdline");
        /* Other ids, a device on vfio-pci, a commented line, no -k lines: nothing is stated. */
        assert_string_equal(pasted_statement("options vfio-pci ids=10de:2206\n" LSPCI_NNK("")), "");
        assert_string_equal(pasted_statement("options vfio-pci ids=10de:1b80\n" LSPCI_NNK(
                                    "\tKernel driver in use: vfio-pci\n")),
                            "");
        assert_string_equal(pasted_statement("#options vfio-pci ids=10de:1b80\n" LSPCI_NNK("")), "");
        assert_string_equal(
                pasted_statement("options vfio-pci ids=10de:1b80\n01:00.0 VGA compatible controller "
                                 "[0300]: NVIDIA Corporation GP104 [10de:1b80] (rev a1)\n"),
                "");
}

/* Issue 21: a pasted `lsmod | grep vfio` (its prompt shows the command) that lists vfio, a module, and no
 * vfio_pci says vfio-pci was not loaded: the grep would have shown it, and vfio-pci, which depends on vfio,
 * cannot be built in beside a modular vfio. Whatever else could hide the line says nothing. */
#define LSMOD_TYPE1 "vfio_iommu_type1       49152  0\n"
#define LSMOD_VFIO "vfio                   57344  1 vfio_iommu_type1\n"
#define LSMOD_VFIO_PCI "vfio_pci               16384  0\nvfio_pci_core          94208  1 vfio_pci\n"
static void test_pasted_lsmod_grep(void **state) {
        const char *found = "vfio-driver-missing possible@ line 3: vfio                   57344  1 "
                            "vfio_iommu_type1,-,-";
        assert_string_equal(pasted_statement("root@pve:~# lsmod | grep vfio\n" LSMOD_TYPE1 LSMOD_VFIO),
                            found);
        /* other greps that would show the line of vfio_pci */
        static const char *const shows[] = {
                "root@pve:~# lsmod | grep -i VFIO\n",
                "root@pve:~# lsmod |grep -E 'kvm|vfio'\n",
                "user@host:~$ sudo lsmod | egrep \"vfio|kvm\"\n",
                "root@pve:~# lsmod | grep 'kvm\\|vfio'\n",
                "root@pve:~# lsmod | grep -e kvm -e vfio_\n",
                "root@pve:~# lsmod | grep --color=auto ^vfio\n",
                "[root@fedora ~]# lsmod | grep pci\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(shows); i++) {
                char text[512];
                snprintf(text, sizeof(text), "%s" LSMOD_TYPE1 LSMOD_VFIO, shows[i]);
                assert_string_equal(pasted_statement(text), found);
        }
        /* vfio_pci listed, before or after vfio, or as a holder of vfio (a paste cut above it) */
        assert_string_equal(pasted_statement("root@pve:~# lsmod | grep vfio\n" LSMOD_VFIO_PCI LSMOD_TYPE1
                                             "vfio                   57344  3 "
                                             "vfio_pci_core,vfio_iommu_type1,vfio_pci\n"),
                            "");
        assert_string_equal(
                pasted_statement("root@pve:~# lsmod | grep vfio\n" LSMOD_TYPE1 LSMOD_VFIO LSMOD_VFIO_PCI),
                "");
        assert_string_equal(
                pasted_statement("root@pve:~# lsmod | grep vfio\nvfio                   57344  2 "
                                 "vfio_iommu_type1,vfio_pci\n"),
                "");
        /* greps that would not show it, or whose output may be cut: nothing is said */
        static const char *const hides[] = {
                "root@pve:~# lsmod | grep kvm\n",
                "root@pve:~# lsmod | grep -w vfio\n",
                "root@pve:~# lsmod | grep vfio_iommu\n",
                "root@pve:~# lsmod | grep ^pci\n",
                "root@pve:~# lsmod | grep vfio | head -3\n",
                "root@pve:~# lsmod | grep -v vfio\n",
                "root@pve:~# lsmod | grep vfio /dev/null\n",
                "root@pve:~# lsmod | grep -e vfio /dev/null\n",
                "root@pve:~# lsmod | grep 'vfio\n",
                "lsmod | grep vfio\n",
                "root@pve:~# cat /proc/modules | grep vfio\n",
                "root@pve:~# cat lsmod.txt | grep vfio\n",
                "root@pve:~# ./lsmod-all | grep vfio\n",
                "",
        };
        for (size_t i = 0; i < ELEMENTSOF(hides); i++) {
                char text[512];
                snprintf(text, sizeof(text), "%s" LSMOD_TYPE1 LSMOD_VFIO, hides[i]);
                assert_string_equal(pasted_statement(text), "");
        }
        /* no line of vfio (it may be built in), its spaces lost, or it is not the grep's output */
        assert_string_equal(pasted_statement("root@pve:~# lsmod | grep vfio\n" LSMOD_TYPE1), "");
        assert_string_equal(
                pasted_statement("root@pve:~# lsmod | grep vfio\nvfio 57344 1 vfio_iommu_type1\n"), "");
        assert_string_equal(
                pasted_statement("root@pve:~# lsmod | grep vfio\nroot@pve:~# lsmod | grep kvm\n" LSMOD_VFIO),
                "");
        /* A log line of the cause itself, short of stating it, and the pasted listing that shows it:
         * confirmed by the listing, as a symptom's line would be. */
#define CONTAINER_ENOENT                                                                                        \
        "qemu-system-x86_64: -device vfio-pci,host=0000:03:00.0: vfio 0000:03:00.0: failed to setup container " \
        "for group 15: failed to open /dev/vfio/vfio: No such file or directory\n"
        assert_string_equal(analyze(CONTAINER_ENOENT), "vfio-driver-missing@-/likely/1");
        assert_string_equal(
                analyze("root@pve:~# lsmod | grep vfio\n" LSMOD_TYPE1 LSMOD_VFIO CONTAINER_ENOENT),
                "vfio-driver-missing@-/confirmed+pasted/2");
        char text[2048] = "root@pve:~# lsmod | grep vfio\n";
        for (unsigned i = 0; i < VX_LSMOD_GREP_LINES; i++)
                strcat(text, "irqbypass              12288  2 vfio_pci_core,kvm\n");
        strcat(text, LSMOD_VFIO);
        assert_string_equal(pasted_statement(text), "");
}

/* Issue 21: an lspci -nn pasted from inside the VM (QEMU's root ports, virtio devices, its standard VGA) is
 * the guest's listing, not the host's: its devices state nothing of the host (not the driver of a device
 * that an ids= setting lists, not a device the judge looks for on this host), before or after the line that
 * tells. */
#define GUEST_ROOT_PORT "00:1c.0 PCI bridge [0604]: Red Hat, Inc. QEMU PCIe Root port [1b36:000c]\n"
static void test_pasted_guest_lspci(void **state) {
        const char *ids = "options vfio-pci ids=10de:1b80\n";
        const char *guest_lines[] = {
                GUEST_ROOT_PORT,
                "00:03.0 Ethernet controller [0200]: Red Hat, Inc. Virtio network device [1af4:1000]\n",
                "00:01.0 VGA compatible controller [0300]: Device [1234:1111] (rev 02)\n",
        };
        /* the host's listing: stated */
        assert_string_equal(pasted_statement(ENOENT "options vfio-pci ids=10de:1b80\n" LSPCI_NNK(
                                    "\tKernel driver in use: nvidia\n")),
                            "not-bound-to-vfio confirmed@0000:01:00.0 line 2: options vfio-pci "
                            "ids=10de:1b80,nvidia,/etc/modprobe.d/");
        for (size_t i = 0; i < ELEMENTSOF(guest_lines); i++)
                for (int after = 0; after <= 1; after++) {
                        char text[1024];
                        snprintf(text, sizeof(text), "%s%s%s%s%s", ENOENT, ids, after ? "" : guest_lines[i],
                                 LSPCI_NNK("\tKernel driver in use: nvidia\n"), after ? guest_lines[i] : "");
                        assert_string_equal(pasted_statement(text), "");

                        Analysis *a;
                        assert_int_equal(analysis_new(rs, &a), 0);
                        feed_text(a, text, false);
                        assert_int_equal(analysis_finish(a), 0);
                        size_t n;
                        const DeviceNote *notes = analysis_input_devices(a, &n);
                        for (size_t k = 0; k < n; k++)
                                assert_true(notes[k].guest || notes[k].vendor < 0);
                        analysis_free(a);
                }
        /* lspci -k without -nn: pci.ids' name of Red Hat's ids, in a header joined with its -k lines */
        assert_string_equal(
                pasted_statement(ENOENT "options vfio-pci ids=10de:1b80\n" LSPCI_NNK(
                        "\tKernel driver in use: nvidia\n") "00:03.0 Ethernet controller: Red Hat, Inc. Virtio "
                                                            "network device\n\tSubsystem: Red Hat, Inc. Device "
                                                            "0001\n\tKernel driver in use: virtio-pci\n"),
                "");
        /* a header alone (no -k lines joined) tells nothing: reading by blocks may not see it */
        assert_string_equal(
                pasted_statement(ENOENT "options vfio-pci ids=10de:1b80\n" LSPCI_NNK(
                        "\tKernel driver in use: nvidia\n") "00:03.0 Ethernet controller: Red Hat, "
                                                            "Inc. Virtio network device\n"),
                "not-bound-to-vfio confirmed@0000:01:00.0 line 2: options vfio-pci "
                "ids=10de:1b80,nvidia,/etc/modprobe.d/");
        /* a kernel line of the host about an address the guest's listing named is the host's again */
        Analysis *a;
        assert_int_equal(analysis_new(rs, &a), 0);
        feed_text(a, GUEST_ROOT_PORT "[    0.300000] pci 0000:00:1c.0: [8086:a110] type 01 class 0x060400\n",
                  false);
        assert_int_equal(analysis_finish(a), 0);
        size_t n;
        const DeviceNote *notes = analysis_input_devices(a, &n);
        assert_int_equal(n, 1);
        assert_false(notes[0].guest);
        assert_int_equal(notes[0].vendor, 0x8086);
        analysis_free(a);
}

/* A cause a symptom suggests and a fact rules out is dropped, and kept as ruled out with that fact. */
static void test_ruled_out(void **state) {
        Analysis *a;
        assert_int_equal(analysis_new(rs, &a), 0);
        feed_text(a, GROUP_ADD ENOENT, false);
        assert_int_equal(analysis_finish(a), 0);
        RuledOutCause ro[4];
        assert_int_equal(analysis_ruled_out(a, ro, 4), 1);
        assert_string_equal(rs->causes[ro[0].cause].id, "iommu-off-kernel");
        assert_string_equal(rs->facts[ro[0].fact], "iommu-active");
        assert_string_equal(ro[0].device, "");
        assert_null(ro[0].pasted_input);
        analysis_free(a);
        /* The fact stated by a pasted listing: its line is kept with it. */
        assert_int_equal(analysis_new(rs, &a), 0);
        feed_text(a,
                  ENOENT
                  "  QEMU: Checking if IOMMU is enabled by kernel                               : PASS\n",
                  false);
        assert_int_equal(analysis_finish(a), 0);
        assert_int_equal(analysis_ruled_out(a, ro, 4), 1);
        assert_string_equal(rs->causes[ro[0].cause].id, "iommu-off-kernel");
        assert_string_equal(ro[0].pasted_input, "t.log");
        assert_int_equal(ro[0].pasted_line, 2);
        analysis_free(a);
        /* Ruled out in one boot, suggested in the next: it is a cause, not ruled out. */
        assert_int_equal(analysis_new(rs, &a), 0);
        feed_text(a, GROUP_ADD ENOENT BANNER ENOENT, false);
        assert_int_equal(analysis_finish(a), 0);
        assert_int_equal(analysis_ruled_out(a, ro, 4), 0);
        analysis_free(a);
}

/* A shell prompt whose host is named as a VM ("root@test-vm:~# ") makes what follows the guest's; a host
 * merely starting with "vm" or any other host name does not. */
static void test_prompt_names_vm(void **state) {
        const struct {
                const char *prompt;
                unsigned long guest_line;
        } cases[] = {
                {"root@test-vm:~# dmesg |grep NVRM", 1}, {"user@vm:~$ sudo dmesg", 1},
                {"root@Win11-VM:/home# dmesg", 1},       {"root@vmhost:~# dmesg |grep NVRM", 0},
                {"root@pve:~# dmesg |grep NVRM", 0},     {"root@test-vm2:~# dmesg", 0},
        };
        const char *nvrm =
                "[    7.583454] NVRM: This PCI I/O region assigned to your NVIDIA device is invalid:";
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                Analysis *a;
                assert_int_equal(analysis_new(rs, &a), 0);
                assert_int_equal(analysis_feed(a, "t.log", 1, cases[i].prompt, strlen(cases[i].prompt)), 0);
                assert_int_equal(analysis_feed(a, "t.log", 2, nvrm, strlen(nvrm)), 0);
                assert_int_equal(analysis_finish(a), 0);
                AnalysisStats st = analysis_stats(a);
                if (st.guest_line != cases[i].guest_line)
                        fail_msg("%s: guest from line %lu, want %lu", cases[i].prompt, st.guest_line,
                                 cases[i].guest_line);
                analysis_free(a);
        }
}

/* tests/data/ranking.rules: what one line of it gives, with that rule set. */
static const char *analyze_ranking(const char *text) {
        char *paths[] = {(char *) VX_TEST_DATA "/ranking.rules"};
        Diag d = {0};
        RuleSet *ranking = NULL, *unit = rs;
        assert_int_equal(ruleset_load_files(paths, 1, &d, &ranking), 0);
        diag_done(&d);
        rs = ranking;
        const char *r = analyze(text);
        rs = unit;
        ruleset_free(ranking);
        return r;
}

#define RANKING_LINE(what) \
        "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: " what "\n"

/* Issue 21: causes the evidence weighs alike are a tie, said of each; within it the earlier step of the
 * passthrough flow comes first (the device's binding before access to its group, a cause of no step
 * last), never the ids' order or the symptom's list (ranking.rules lists them otherwise). */
static void test_tie_in_flow_order(void **state) {
        assert_string_equal(
                analyze_ranking(RANKING_LINE("error getting device from group 1: Invalid argument")),
                "device-busy-in-use@0000:01:00.0/possible/1~, not-bound-to-vfio@0000:01:00.0/possible/1~, "
                "group-busy@0000:01:00.0/possible/1~, vf-token-required@0000:01:00.0/possible/1~, "
                "sysfs-write-not-root@-/possible/1~");
        /* Between lines, the earlier line's causes first, whatever their step: a later failure of a log
         * often follows from the first. */
        assert_string_equal(
                analyze_ranking("qemu-system-x86_64: -device vfio-pci,host=0000:02:00.0: vfio 0000:02:00.0: "
                                "error getting device from group 2: Invalid argument\n" RANKING_LINE(
                                        "failed to open /dev/vfio/1: No such file or directory")),
                "device-busy-in-use@0000:02:00.0/possible/1~, not-bound-to-vfio@0000:02:00.0/possible/1~, "
                "group-busy@0000:02:00.0/possible/1~, vf-token-required@0000:02:00.0/possible/1~, "
                "sysfs-write-not-root@-/possible/1~, device-busy-in-use@0000:01:00.0/possible/1~, "
                "not-bound-to-vfio@0000:01:00.0/possible/1~, group-busy@0000:01:00.0/possible/1~, "
                "vf-token-required@0000:01:00.0/possible/1~");
}

/* Issue 21: a holding when weighs by how many terms it has and how specific each is: one errno more than
 * either of two, an errno and the group more than the errno alone, a negated term (errno!=ENOENT) least. */
static void test_when_specificity(void **state) {
        /* errno=EACCES group=1 (2 terms) > errno=EACCES > errno=EACCES|EPERM > errno!=ENOENT: no tie. */
        assert_string_equal(
                analyze_ranking(RANKING_LINE("failed to open /dev/vfio/1: Permission denied")),
                "device-busy-in-use@0000:01:00.0/possible/1, vf-token-required@0000:01:00.0/possible/1, "
                "group-busy@0000:01:00.0/possible/1, not-bound-to-vfio@0000:01:00.0/possible/1");
        /* EPERM: errno=EACCES|EPERM > errno!=ENOENT > nothing; the two nothing names are a tie. */
        assert_string_equal(
                analyze_ranking(RANKING_LINE("failed to open /dev/vfio/1: Operation not permitted")),
                "group-busy@0000:01:00.0/possible/1, not-bound-to-vfio@0000:01:00.0/possible/1, "
                "device-busy-in-use@0000:01:00.0/possible/1~, vf-token-required@0000:01:00.0/possible/1~");
        /* Another group: the two-term when does not hold. */
        assert_string_equal(
                analyze_ranking(RANKING_LINE("failed to open /dev/vfio/2: Permission denied")),
                "vf-token-required@0000:01:00.0/possible/1, group-busy@0000:01:00.0/possible/1, "
                "not-bound-to-vfio@0000:01:00.0/possible/1, device-busy-in-use@0000:01:00.0/possible/1");
}

#define DMA_ENOMEM \
        "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: VFIO_MAP_DMA failed: Cannot allocate memory\n"

/* What analyze_ranking() found ruled out: "cause:fact@line" joined by ", ". */
static char ruled[256];

static const char *ruled_out_of(const char *text) {
        char *paths[] = {(char *) VX_TEST_DATA "/ranking.rules"};
        Diag d = {0};
        RuleSet *ranking = NULL;
        Analysis *a;
        assert_int_equal(ruleset_load_files(paths, 1, &d, &ranking), 0);
        diag_done(&d);
        assert_int_equal(analysis_new(ranking, &a), 0);
        unsigned long n = 0;
        for (const char *p = text; *p;) {
                const char *e = strchr(p, '\n');
                size_t len = e ? (size_t) (e - p) : strlen(p);
                assert_int_equal(analysis_feed(a, "t.log", ++n, p, len), 0);
                p += len + (e ? 1 : 0);
        }
        assert_int_equal(analysis_finish(a), 0);
        RuledOutCause out[4];
        size_t count = analysis_ruled_out(a, out, ELEMENTSOF(out));
        ruled[0] = 0;
        for (size_t i = 0; i < count && i < ELEMENTSOF(out); i++) {
                char one[96];
                snprintf(one, sizeof(one), "%s%s:%s@%lu", i ? ", " : "", ranking->causes[out[i].cause].id,
                         ranking->facts[out[i].fact], out[i].pasted_line);
                strncat(ruled, one, sizeof(ruled) - strlen(ruled) - 1);
        }
        analysis_free(a);
        ruleset_free(ranking);
        return ruled;
}

/* Issue 21: a pasted `ulimit -l` is read as the reply on the line after the command: a number as the
 * locked-memory limit (which confirms what QEMU's ENOMEM points at), "unlimited" as a fact that rules the
 * cause out (ruled-out-by), with its line; nothing else is read so. */
static void test_pasted_ulimit_l(void **state) {
        assert_string_equal(analyze_ranking(DMA_ENOMEM), "memlock-limit@-/likely/1");
        assert_string_equal(analyze_ranking("$ ulimit -l\n8192\n" DMA_ENOMEM),
                            "memlock-limit@-/confirmed+pasted/2");
        assert_string_equal(analyze_ranking("root@pve:~# ulimit -l\nunlimited\n" DMA_ENOMEM), "");
        assert_string_equal(ruled_out_of("root@pve:~# ulimit -l\nunlimited\n" DMA_ENOMEM),
                            "memlock-limit:memlock-unlimited@2");
        /* ulimit -a's line of an unlimited limit says the same */
        assert_string_equal(ruled_out_of("max locked memory           (kbytes, -l) unlimited\n" DMA_ENOMEM),
                            "memlock-limit:memlock-unlimited@1");
        /* a number without the command right before it is any number */
        assert_string_equal(analyze_ranking("8192\n" DMA_ENOMEM), "memlock-limit@-/likely/1");
        assert_string_equal(analyze_ranking("$ ulimit -l\n\nunlimited\n" DMA_ENOMEM),
                            "memlock-limit@-/likely/1");
        assert_string_equal(analyze_ranking("$ ulimit -n\nunlimited\n" DMA_ENOMEM),
                            "memlock-limit@-/likely/1");
        assert_string_equal(analyze_ranking("$ ulimit -l 65536\nunlimited\n" DMA_ENOMEM),
                            "memlock-limit@-/likely/1");
        /* a VM libvirt started has the limit libvirt set, not the shell's */
        assert_string_equal(analyze_ranking("$ ulimit -l\nunlimited\n" DMA_ENOMEM
                                            "error: Failed to start domain 'win11'\n"),
                            "memlock-limit@-/likely/2");
        assert_string_equal(ruled_out_of("$ ulimit -l\nunlimited\n" DMA_ENOMEM
                                         "error: Failed to start domain 'win11'\n"),
                            "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_symptom_attaches_to_cause),
                cmocka_unit_test(test_nvrm_continuation_joined),
                cmocka_unit_test(test_symptom_alone_suggests),
                cmocka_unit_test(test_fact_refutes),
                cmocka_unit_test(test_fact_of_another_boot_does_not_refute),
                cmocka_unit_test(test_group_ties_device),
                cmocka_unit_test(test_explains_folds),
                cmocka_unit_test(test_agreement_ranks_first),
                cmocka_unit_test(test_generic_symptom),
                cmocka_unit_test(test_corroborating_symptom),
                cmocka_unit_test(test_domain_from_log_name),
                cmocka_unit_test(test_healthy),
                cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_evidence_bounded),
                cmocka_unit_test(test_evidence_count_bounded),
                cmocka_unit_test(test_errno_conditions),
                cmocka_unit_test(test_platform_conditions),
                cmocka_unit_test(test_class_conditions),
                cmocka_unit_test(test_fix_unless),
                cmocka_unit_test(test_possible_unless_assigned),
                cmocka_unit_test(test_pasted_lsmod_grep),
                cmocka_unit_test(test_pasted_guest_lspci),
                cmocka_unit_test(test_host_confirms_in_causal_order),
                cmocka_unit_test(test_ruled_out),
                cmocka_unit_test(test_prompt_names_vm),
                cmocka_unit_test(test_pasted_listing_confirms),
                cmocka_unit_test(test_pasted_ids_and_lspci),
                cmocka_unit_test(test_tie_in_flow_order),
                cmocka_unit_test(test_when_specificity),
                cmocka_unit_test(test_pasted_ulimit_l),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
