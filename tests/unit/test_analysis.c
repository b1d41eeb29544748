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

/* Runs the lines (separated by \n) and returns the findings as "id@device/confidence" joined by ", ". */
static char result[1024];

static const char *analyze(const char *text) {
        Analysis *a;
        assert_int_equal(analysis_new(rs, &a), 0);
        unsigned long n = 0;
        for (const char *p = text; *p;) {
                const char *e = strchr(p, '\n');
                size_t len = e ? (size_t) (e - p) : strlen(p);
                assert_int_equal(analysis_feed(a, "t.log", ++n, p, len), 0);
                p += len + (e ? 1 : 0);
        }
        assert_int_equal(analysis_finish(a), 0);
        size_t count;
        const Finding *const *fs = analysis_findings(a, &count);
        result[0] = 0;
        for (size_t i = 0; i < count; i++) {
                char one[128];
                snprintf(one, sizeof(one), "%s%s@%s/%s/%zu", i ? ", " : "", rs->causes[fs[i]->cause].id,
                         fs[i]->device[0] ? fs[i]->device : "-", strength_to_string(fs[i]->confidence),
                         fs[i]->n_evidence);
                strncat(result, one, sizeof(result) - strlen(result) - 1);
                assert_int_equal(fs[i]->rank, i + 1);
        }
        analysis_free(a);
        return result;
}

#define DMAR_OFF "[    0.000000] DMAR: IOMMU disabled\n"
#define ENOENT                                                                                  \
        "qemu-system-x86_64: -device vfio-pci,host=01:00.0: vfio 0000:01:00.0: failed to open " \
        "/dev/vfio/15: No such file or directory\n"
#define GROUP_ADD "[    0.600000] pci 0000:01:00.0: Adding to iommu group 1\n"
#define NOT_VIABLE "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable\n"

static void test_symptom_attaches_to_cause(void **state) {
        /* One root cause with both pieces of evidence, not two causes. */
        assert_string_equal(analyze(DMAR_OFF ENOENT), "iommu-off-kernel@-/confirmed/2");
}

static void test_symptom_alone_suggests(void **state) {
        assert_string_equal(analyze(ENOENT),
                            "not-bound-to-vfio@0000:01:00.0/possible/1, iommu-off-kernel@-/possible/1");
}

static void test_fact_refutes(void **state) {
        /* "Adding to iommu group" proves the IOMMU is on. */
        assert_string_equal(analyze(GROUP_ADD ENOENT), "not-bound-to-vfio@0000:01:00.0/possible/1");
}

static void test_fact_of_another_boot_does_not_refute(void **state) {
        assert_string_equal(analyze(GROUP_ADD "[    0.000000] Linux version 6.1.0-18-amd64\n" ENOENT),
                            "not-bound-to-vfio@0000:01:00.0/possible/1, iommu-off-kernel@-/possible/1");
}

static void test_group_ties_device(void **state) {
        /* The group is tied to 0000:01:00.0 by the kernel line; unit.rules lets "Adding to iommu group" of a
         * device rule out group-shared-no-acs for that device only. */
        assert_string_equal(analyze(GROUP_ADD NOT_VIABLE),
                            "group-companion-unbound@0000:01:00.0/possible/1");
        assert_string_equal(analyze("[    0.6] pci 0000:02:00.0: Adding to iommu group 1\n"
                                    "qemu-system-x86_64: vfio 0000:01:00.0: group 1 is not viable\n"),
                            "group-companion-unbound@0000:01:00.0/possible/1, "
                            "group-shared-no-acs@0000:01:00.0/possible/1");
}

static void test_explains_folds(void **state) {
        assert_string_equal(analyze(DMAR_OFF "[    1.000000] boom: aa\n"), "iommu-off-kernel@-/confirmed/2");
}

static void test_agreement_ranks_first(void **state) {
        /* Two symptoms agree on iommu-off-kernel: it ranks above what only one of them suggests. */
        assert_string_equal(
                analyze(ENOENT "[    3.000000] vfio-pci: probe of 0000:01:00.0 failed with error -22\n"),
                "iommu-off-kernel@-/possible/2, not-bound-to-vfio@0000:01:00.0/possible/1");
}

static void test_generic_symptom(void **state) {
        /* With a cause found, "Failed to start domain" is its consequence, whatever it suggests. */
        assert_string_equal(analyze(DMAR_OFF "error: Failed to start domain 'win11'\n"),
                            "iommu-off-kernel@-/confirmed/2");
        /* Beside a specific symptom it joins the causes that one suggests. */
        assert_string_equal(analyze(NOT_VIABLE "error: Failed to start domain 'win11'\n"),
                            "group-companion-unbound@0000:01:00.0/possible/2, "
                            "group-shared-no-acs@0000:01:00.0/possible/2");
        /* Alone, it suggests its own. */
        assert_string_equal(analyze("error: Failed to start domain 'win11'\n"),
                            "not-bound-to-vfio@-/possible/1, group-shared-no-acs@-/possible/1");
}

#define BOOT_VGA "[    0.390125] pci 0000:01:00.0: vgaarb: setting as boot VGA device\n"
#define CANT_RESERVE(addr) \
        "[  527.140312] vfio-pci " addr ": BAR 1: can't reserve [mem 0xe0000000-0xefffffff 64bit pref]\n"

static void test_corroborating_symptom(void **state) {
        /* A normal line: alone it suggests nothing, and symptoms' suggestions do not take it. */
        assert_string_equal(analyze(BOOT_VGA), "");
        assert_string_equal(analyze(ENOENT BOOT_VGA),
                            "not-bound-to-vfio@0000:01:00.0/possible/1, iommu-off-kernel@-/possible/1");
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_symptom_attaches_to_cause),
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
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
