/* SPDX-License-Identifier: MIT */
/* The probes' device lines as the rules read them: a device with no reset of its own is said to be reset
 * with its bus only where its whole bus goes to the VM with it, and the rules warn of it otherwise. */
#include <stdio.h>
#include <string.h>

#include "probe_lines.h"
#include "test_common.h"
#include "vfioexplain/analysis.h"

static PciDevice dev(const char *address, const char *upstream, bool bridge, const char *reset,
                     unsigned group) {
        PciDevice d = {.vendor = 0x8086,
                       .device = bridge ? 0x0001 : 0x100e,
                       .class_code = bridge ? 0x060400 : 0x020000,
                       .bridge = bridge,
                       .driver = KNOWN_PRESENT,
                       .group = KNOWN_PRESENT,
                       .group_id = group};
        snprintf(d.address, sizeof(d.address), "%s", address);
        snprintf(d.upstream, sizeof(d.upstream), "%s", upstream);
        snprintf(d.driver_name, sizeof(d.driver_name), "%s", bridge ? "" : "vfio-pci");
        snprintf(d.reset_method, sizeof(d.reset_method), "%s", reset);
        snprintf(d.power_state, sizeof(d.power_state), "D0");
        if (bridge)
                d.driver = KNOWN_ABSENT;
        return d;
}

/* The lab's pci-bridge with two e1000 behind it, all in one group: the kernel offered "bus" to the first
 * e1000 it found and nothing to the second. */
static void bridged_host(HostFacts *f, PciDevice devices[static 3]) {
        host_facts_init_unprobed(f);
        devices[0] = dev("0000:00:05.0", "", true, "", 7);
        devices[1] = dev("0000:02:01.0", "0000:00:05.0", false, "bus", 7);
        devices[2] = dev("0000:02:02.0", "0000:00:05.0", false, "", 7);
        f->root = "/fixture";
        f->pci = KNOWN_PRESENT;
        f->devices = devices;
        f->n_devices = 3;
}

typedef struct Seen {
        Analysis *analysis;
        char device_line[256];
} Seen;

static int feed(const char *line, size_t len, void *userdata) {
        Seen *s = userdata;
        if (len > 7 && strncmp(line, "device ", 7) == 0 && strstr(line, "reset="))
                snprintf(s->device_line, sizeof(s->device_line), "%.*s", (int) len, line);
        return analysis_feed_probe(s->analysis, line, len);
}

/* Feeds the lines of address and returns whether reset-unsupported was found for it; the device line in
 * line. */
static bool reset_unsupported(const RuleSet *rs, const HostFacts *f, const char *address, char *line,
                              size_t size) {
        Seen s = {0};
        PciAddress devices[1];
        size_t n;
        bool found = false;
        snprintf(devices[0], sizeof(devices[0]), "%s", address);
        assert_int_equal(analysis_new(rs, &s.analysis), 0);
        assert_int_equal(probe_lines(f, devices, 1, feed, &s), 0);
        assert_int_equal(analysis_finish(s.analysis), 0);
        const Finding *const *fs = analysis_findings(s.analysis, &n);
        for (size_t i = 0; i < n; i++)
                found = found ||
                        (strcmp(rs->causes[fs[i]->cause].id, "reset-unsupported") == 0 &&
                         strcmp(fs[i]->device, address) == 0);
        print_message("%s\n", s.device_line);
        snprintf(line, size, "%s", s.device_line);
        analysis_free(s.analysis);
        return found;
}

static void test_reset_with_bus(void **state) {
        RuleSet *rs = NULL;
        Diag d = {0};
        HostFacts f;
        PciDevice devices[3];
        char line[256];
        (void) state;

        assert_int_equal(ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rs), 0);
        diag_done(&d);

        bridged_host(&f, devices);
        assert_false(reset_unsupported(rs, &f, "0000:02:02.0", line, sizeof(line)));
        assert_non_null(strstr(line, " reset=none (its bus is reset with its group)"));
        assert_false(reset_unsupported(rs, &f, "0000:02:01.0", line, sizeof(line)));
        assert_non_null(strstr(line, " reset=bus"));

        /* The other device of the bus in another group: a bus reset would take it from whoever has it. */
        devices[1].group_id = 8;
        assert_true(reset_unsupported(rs, &f, "0000:02:02.0", line, sizeof(line)));
        assert_non_null(strstr(line, " reset=none"));
        assert_null(strstr(line, "(its bus"));

        /* On the root bus there is no bridge to reset it with. */
        bridged_host(&f, devices);
        devices[2].upstream[0] = 0;
        assert_true(reset_unsupported(rs, &f, "0000:02:02.0", line, sizeof(line)));

        /* Its group unknown: nothing says the bus goes along. */
        bridged_host(&f, devices);
        devices[2].group = KNOWN_ABSENT;
        assert_true(reset_unsupported(rs, &f, "0000:02:02.0", line, sizeof(line)));
        ruleset_free(rs);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_reset_with_bus),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
