/* SPDX-License-Identifier: MIT */
/* probes/incus.c: an instance's devices as incus writes them to backup.yaml and as `incus config show`
 * prints them, the bounds on that input, and the lines said of the instance against a host built in memory.
 */
#include "test_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "incus.h"
#include "strbuf.h"

/* backup.yaml as UpdateInstanceBackupFile() writes it: the api.Instance under "container:", its own devices
 * and the expanded ones (with the profile's), a block scalar whose text looks like keys, a pool after it. */
static const char backup_yaml[] = "container:\n"
                                  "  architecture: x86_64\n"
                                  "  config:\n"
                                  "    raw.qemu.conf: |-\n"
                                  "      [device \"dev-incus_gpu0\"]\n"
                                  "      type: pci\n"
                                  "      address: 0000:99:00.0\n"
                                  "  devices:\n"
                                  "    gpu0:\n"
                                  "      pci: \"0000:01:00.0\"\n"
                                  "      type: gpu\n"
                                  "  expanded_devices:\n"
                                  "    eth0:\n"
                                  "      network: incusbr0\n"
                                  "      type: nic\n"
                                  "    gpu0:\n"
                                  "      pci: \"0000:01:00.0\"\n"
                                  "      type: gpu\n"
                                  "    hba:\n"
                                  "      address: 05:00.0 # the SAS card\n"
                                  "      type: 'pci'\n"
                                  "    vgpu:\n"
                                  "      gputype: mdev\n"
                                  "      mdev: nvidia-63\n"
                                  "      type: gpu\n"
                                  "    any:\n"
                                  "      productid: 1B80\n"
                                  "      type: gpu\n"
                                  "      vendorid: \"10de\"\n"
                                  "  name: win11\n"
                                  "  type: virtual-machine\n"
                                  "pool:\n"
                                  "  name: default\n"
                                  "  driver: zfs\n";

static void test_backup_yaml(void **state) {
        IncusInstance inst;
        Diag d = {0};
        assert_int_equal(incus_parse_config(backup_yaml, strlen(backup_yaml), "backup.yaml", &inst, &d), 0);
        assert_true(inst.backup);
        assert_true(inst.expanded);
        assert_false(inst.container);
        /* the expanded devices of type gpu and pci, in order; the block scalar's "address:" is text */
        assert_int_equal(inst.n_devices, 4);
        assert_string_equal(inst.devices[0].name, "gpu0");
        assert_int_equal(inst.devices[0].type, INCUS_DEVICE_GPU);
        assert_string_equal(inst.devices[0].gputype, "physical");
        assert_string_equal(inst.devices[0].address, "0000:01:00.0");
        assert_string_equal(inst.devices[1].name, "hba");
        assert_int_equal(inst.devices[1].type, INCUS_DEVICE_PCI);
        assert_string_equal(inst.devices[1].address, "0000:05:00.0");
        assert_string_equal(inst.devices[2].gputype, "mdev");
        assert_string_equal(inst.devices[3].address, "");
        assert_true(inst.devices[3].have_vendor && inst.devices[3].have_product);
        assert_int_equal(inst.devices[3].vendor, 0x10de);
        assert_int_equal(inst.devices[3].product, 0x1b80);
        diag_done(&d);
}

/* `incus config show NAME` (no --expanded): the instance's own devices, at the top level. */
static void test_config_show(void **state) {
        static const char show[] = "architecture: x86_64\n"
                                   "config:\n"
                                   "  limits.memory: 16GiB\n"
                                   "devices:\n"
                                   "  gpu0:\n"
                                   "    pci: 0000:0A:00.0\n"
                                   "    type: gpu\n"
                                   "  root:\n"
                                   "    path: /\n"
                                   "    type: disk\n"
                                   "ephemeral: false\n"
                                   "profiles:\n"
                                   "- default\n"
                                   "stateful: false\n"
                                   "description: \"\"\n";
        IncusInstance inst;
        Diag d = {0};
        assert_int_equal(incus_parse_config(show, strlen(show), "show", &inst, &d), 0);
        assert_false(inst.backup);
        assert_int_equal(inst.n_devices, 1);
        assert_string_equal(inst.devices[0].address, "0000:0a:00.0");
        static const char empty[] = "config: {}\ndevices: {}\nprofiles:\n- default\n";
        assert_int_equal(incus_parse_config(empty, strlen(empty), "show", &inst, &d), 0);
        assert_int_equal(inst.n_devices, 0);
        diag_done(&d);
}

/* What incus would not write, and the bounds: refused with a line, *ret untouched. */
static void test_refused(void **state) {
        static const char *const bad[] = {
                "devices:\n  gpu0:\n    pci: ../../etc/shadow\n    type: gpu\n",
                "devices:\n  gpu0:\n    vendorid: 10d\n    type: gpu\n",
                "devices:\n  gpu0:\n    pci: \"0000:01:00.0\n    type: gpu\n",
                "devices:\n  gpu0:\n    pci: \"0000:01:00.0\\x\"\n",
                "devices:\n\tgpu0:\n",
                "devices:\n  gpu\x01:\n    type: gpu\n",
                "devices:\n  gpu0 x:\n    type: gpu\n",
                "name: win11\nconfig: {}\n",
        };
        IncusInstance inst = {.n_devices = 99};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                Diag d = {0};
                assert_int_equal(incus_parse_config(bad[i], strlen(bad[i]), "x", &inst, &d), -EINVAL);
                assert_int_equal(d.n, 1);
                assert_int_equal(inst.n_devices, 99);
                diag_done(&d);
        }
        /* more devices of type pci than the bound */
        StrBuf b = {0};
        strbuf_puts(&b, "devices:\n");
        for (unsigned i = 0; i <= VX_INCUS_DEVICES_MAX; i++)
                strbuf_printf(&b, "  d%u:\n    address: 0000:%02x:00.0\n    type: pci\n", i, i);
        Diag d = {0};
        assert_int_equal(incus_parse_config(strbuf_str(&b), b.len, "x", &inst, &d), -E2BIG);
        diag_done(&d);
        strbuf_done(&b);
        assert_int_equal(incus_parse_config("devices: {}\n", VX_INCUS_FILE_MAX + 1, "x", &inst, &d), -EFBIG);
        diag_done(&d);
}

static void test_names(void **state) {
        assert_true(incus_name_check("win11"));
        assert_true(incus_name_check("lab_gpu-box"));
        assert_false(incus_name_check(""));
        assert_false(incus_name_check("../win11"));
        assert_false(incus_name_check("a b"));
        assert_false(incus_name_check("-x"));
        assert_false(incus_name_check("a_b_c"));
        assert_false(incus_name_check("win11_"));
}

/* A host of two GPUs (the iGPU, a GTX 1080 with its HDMI audio in group 1) and a SATA controller in group 1
 * too: the lines said of devices chosen by address and by ids. */
static PciDevice dev(const char *address, unsigned vendor, unsigned device, unsigned class_code,
                     unsigned group, const char *driver) {
        PciDevice p = {.vendor = vendor,
                       .device = device,
                       .class_code = class_code,
                       .group = KNOWN_PRESENT,
                       .group_id = group,
                       .driver = KNOWN_PRESENT};
        snprintf(p.address, sizeof(p.address), "%s", address);
        snprintf(p.driver_name, sizeof(p.driver_name), "%s", driver);
        return p;
}

typedef struct Lines {
        char text[8][256];
        size_t n;
} Lines;

static int collect(const char *line, size_t len, void *userdata) {
        Lines *l = userdata;
        if (l->n < ELEMENTSOF(l->text))
                snprintf(l->text[l->n++], sizeof(l->text[0]), "%.*s", (int) len, line);
        return 0;
}

static bool has_line(const Lines *l, const char *want) {
        for (size_t i = 0; i < l->n; i++)
                if (strcmp(l->text[i], want) == 0)
                        return true;
        return false;
}

static void write_at(const char *root, const char *rel, const char *text) {
        char path[512], dir[600];
        snprintf(path, sizeof(path), "%s/%s", root, rel);
        snprintf(dir, sizeof(dir), "mkdir -p \"$(dirname '%s')\"", path);
        assert_int_equal(system(dir), 0);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

/* Instance win11 of the backup.yaml above on a host without 05:00.0, with the GTX 1080 (and its audio) in
 * group 1 beside a SATA controller: the GPU by address takes its audio function along; the hba is absent;
 * the mdev is not judged; the gpu by ids is the GTX 1080. A second instance asks for vendorid 8086, which no
 * GPU but the iGPU has, and a third for any GPU, which two match. */
static void test_load_and_lines(void **state) {
        char root[] = "/tmp/test_incus.XXXXXX", cmd[600];
        assert_non_null(mkdtemp(root));
        write_at(root, "var/lib/incus/virtual-machines/win11/backup.yaml", backup_yaml);
        write_at(root, "var/lib/incus/virtual-machines/lab_igpu/backup.yaml",
                 "container:\n  expanded_devices:\n    gpu0:\n      type: gpu\n      vendorid: \"8087\"\n"
                 "  type: virtual-machine\n");
        write_at(root, "var/lib/incus/virtual-machines/anygpu/backup.yaml",
                 "container:\n  expanded_devices:\n    gpu0:\n      type: gpu\n");
        PciDevice devices[] = {
                dev("0000:00:02.0", 0x8086, 0x3e92, 0x030000, 0, "i915"),
                dev("0000:01:00.0", 0x10de, 0x1b80, 0x030000, 1, "nvidia"),
                dev("0000:01:00.1", 0x10de, 0x10f0, 0x040300, 1, "snd_hda_intel"),
                dev("0000:02:00.0", 0x1022, 0x43c8, 0x010601, 1, "ahci"),
        };
        HostFacts f;
        host_facts_init_unprobed(&f);
        f.root = root;
        f.pci = KNOWN_PRESENT;
        f.devices = devices;
        f.n_devices = ELEMENTSOF(devices);

        IncusState st;
        Diag d = {0};
        assert_int_equal(incus_load(root, "win11", NULL, &f, &st, &d), 0);
        assert_int_equal(st.guest.layer, GUEST_INCUS);
        assert_string_equal(st.guest.name, "win11");
        assert_string_equal(st.log_dir, "var/log/incus/win11");
        assert_int_equal(st.guest.n_hostdevs, 3);
        assert_string_equal(st.guest.hostdevs[0].address, "0000:01:00.0");
        assert_string_equal(st.guest.hostdevs[1].address, "0000:01:00.1");
        assert_string_equal(st.guest.hostdevs[1].id, "gpu0");
        assert_true(st.guest.hostdevs[1].managed);
        assert_string_equal(st.guest.hostdevs[2].address, "0000:05:00.0");
        assert_string_equal(st.guest.hostdevs[2].id, "hba");
        Lines l = {0};
        assert_int_equal(domain_probe_lines(&st.guest, &f, collect, &l), 0);
        assert_true(has_line(&l, "incus win11: device hba 0000:05:00.0: absent"));
        assert_true(
                has_line(&l,
                         "incus win11: device gpu0 0000:01:00.0 group 1: member 0000:02:00.0 [1022:43c8] "
                         "class=010601 on ahci is not in the instance (another device)"));
        for (size_t i = 0; i < l.n; i++)
                assert_null(strstr(l.text[i], "member 0000:01:00.1"));
        incus_state_done(&st);

        assert_int_equal(incus_load(root, "lab_igpu", NULL, &f, &st, &d), 0);
        l = (Lines){0};
        assert_int_equal(domain_probe_lines(&st.guest, &f, collect, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.text[0],
                            "incus lab_igpu: device gpu0: no GPU of the host matches vendorid=8087");
        incus_state_done(&st);
        assert_int_equal(incus_load(root, "anygpu", NULL, &f, &st, &d), 0);
        l = (Lines){0};
        assert_int_equal(domain_probe_lines(&st.guest, &f, collect, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(
                l.text[0],
                "incus anygpu: device gpu0: 2 GPUs of the host match any GPU: 0000:00:02.0 0000:01:00.0");
        incus_state_done(&st);
        assert_int_equal(d.n, 0);

        /* no such instance: said, with how to give its configuration instead */
        assert_int_equal(incus_load(root, "gone", NULL, &f, &st, &d), -ENOENT);
        assert_int_equal(d.n, 1);
        assert_non_null(strstr(d.lines[0], "incus config show --expanded gone"));
        diag_done(&d);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_backup_yaml),    cmocka_unit_test(test_config_show),
                cmocka_unit_test(test_refused),        cmocka_unit_test(test_names),
                cmocka_unit_test(test_load_and_lines),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
