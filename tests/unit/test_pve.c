/* SPDX-License-Identifier: MIT */
/* probes/pve.c: Proxmox VE VM configs, hostpci values, PCI mappings and task lists as qemu-server,
 * pve-guest-common and pve-common write them, and the lines said of a VM against a host built in memory. */
#include "test_common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plan.h"
#include "pve.h"

/* A VM as the web UI's wizard and qm set leave it (qemu-server write_vm_config(): keys sorted), a
 * snapshot section after it, and the description comment qemu-server writes first. */
static const char win11_conf[] = "#Gaming VM\n"
                                 "#with the GTX 1080\n"
                                 "agent: 1\n"
                                 "balloon: 0\n"
                                 "bios: ovmf\n"
                                 "boot: order=scsi0;ide2;net0\n"
                                 "cores: 8\n"
                                 "cpu: host,hidden=1\n"
                                 "efidisk0: local-lvm:vm-100-disk-1,efitype=4m,pre-enrolled-keys=1,size=4M\n"
                                 "hostpci0: 0000:01:00,pcie=1,x-vga=1,romfile=gtx1080.rom\n"
                                 "hostpci1: host=0000:03:00.0;0000:04:00.0,rombar=0\n"
                                 "hostpci2: mapping=nic,pcie=1\n"
                                 "machine: pc-q35-8.1\n"
                                 "memory: 16384\n"
                                 "meta: creation-qemu=8.1.2,ctime=1700000000\n"
                                 "name: win11\n"
                                 "net0: virtio=BC:24:11:5E:7A:01,bridge=vmbr0,firewall=1\n"
                                 "onboot: 1\n"
                                 "ostype: win11\n"
                                 "scsi0: local-lvm:vm-100-disk-0,iothread=1,size=128G\n"
                                 "scsihw: virtio-scsi-single\n"
                                 "smbios1: uuid=4dea24b3-1d52-d8f3-2516-782e98a23fa0\n"
                                 "sockets: 1\n"
                                 "vga: none\n"
                                 "vmgenid: 8f2a7c3e-1b4d-4e5f-9a6b-7c8d9e0f1a2b\n"
                                 "\n"
                                 "[before-driver]\n"
                                 "hostpci0: 0000:09:00.0\n"
                                 "machine: pc-i440fx-8.1\n"
                                 "snaptime: 1700000100\n";

static void test_parse_config(void **state) {
        PveVm vm;
        Diag d = {0};
        assert_int_equal(pve_parse_config(win11_conf, strlen(win11_conf), 100, "100.conf", &vm, &d), 0);
        assert_int_equal(vm.vmid, 100);
        assert_string_equal(vm.name, "win11");
        assert_string_equal(vm.machine, "pc-q35-8.1");
        assert_true(vm.q35);
        assert_true(vm.ovmf);
        assert_true(vm.onboot);
        assert_string_equal(vm.vga, "none");
        assert_int_equal(vm.memory_mib, 16384);
        assert_false(vm.pending);
        /* The snapshot's hostpci0 and machine are not the VM's. */
        assert_int_equal(vm.n_hostpci, 3);
        const PveHostpci *h = &vm.hostpci[0];
        assert_int_equal(h->index, 0);
        assert_int_equal(h->line, 10);
        assert_int_equal(h->n_ids, 1);
        assert_string_equal(h->ids[0], "0000:01:00");
        assert_int_equal(h->pcie, PVE_BOOL_ON);
        assert_int_equal(h->x_vga, PVE_BOOL_ON);
        assert_string_equal(h->romfile, "gtx1080.rom");
        assert_string_equal(h->value, "0000:01:00,pcie=1,x-vga=1,romfile=gtx1080.rom");
        h = &vm.hostpci[1];
        assert_int_equal(h->n_ids, 2);
        assert_string_equal(h->ids[0], "0000:03:00.0");
        assert_string_equal(h->ids[1], "0000:04:00.0");
        assert_int_equal(h->rombar, PVE_BOOL_OFF);
        assert_int_equal(h->pcie, PVE_BOOL_DEFAULT);
        h = &vm.hostpci[2];
        assert_int_equal(h->n_ids, 0);
        assert_string_equal(h->mapping, "nic");
        diag_done(&d);
}

/* [PENDING] (what qm set left for the next start) is applied over the config, delete: drops keys;
 * qemu-server's defaults fill what is not set. */
static void test_pending(void **state) {
        static const char conf[] = "hostpci0: 01:00.0,x-vga=1\n"
                                   "hostpci1: 02:00.0\n"
                                   "memory: current=4096\n"
                                   "\n"
                                   "[PENDING]\n"
                                   "delete: hostpci1,!onboot\n"
                                   "hostpci0: 01:00,pcie=1\n"
                                   "machine: q35\n";
        PveVm vm;
        Diag d = {0};
        assert_int_equal(pve_parse_config(conf, strlen(conf), 101, "101.conf", &vm, &d), 0);
        assert_true(vm.pending);
        assert_true(vm.q35);
        assert_false(vm.ovmf);
        assert_int_equal(vm.memory_mib, 4096);
        assert_int_equal(vm.n_hostpci, 1);
        assert_string_equal(vm.hostpci[0].ids[0], "0000:01:00");
        assert_int_equal(vm.hostpci[0].x_vga, PVE_BOOL_DEFAULT);
        assert_int_equal(vm.hostpci[0].pcie, PVE_BOOL_ON);

        static const char bare[] = "name: a\n";
        assert_int_equal(pve_parse_config(bare, strlen(bare), 102, "102.conf", &vm, &d), 0);
        assert_int_equal(vm.memory_mib, 512);
        assert_string_equal(vm.machine, "");
        assert_false(vm.q35);
        diag_done(&d);
}

static void refused(const char *conf, int want, const char *needle) {
        PveVm vm = {.vmid = 7};
        Diag d = {0};
        assert_int_equal(pve_parse_config(conf, strlen(conf), 100, "100.conf", &vm, &d), want);
        assert_int_equal(vm.vmid, 7); /* untouched */
        assert_true(d.n >= 1);
        print_message("refused: %s\n", d.lines[0]);
        assert_non_null(strstr(d.lines[0], needle));
        diag_done(&d);
}

static void test_hostpci_grammar(void **state) {
        /* Values qemu-server refuses (PCI.pm $hostpci_fmt, JSONSchema parse_property_string()). */
        refused("hostpci0: 0000:01:00.0,mapping=gpu\n", -EINVAL, "Cannot set both 'host' and 'mapping'");
        refused("hostpci0: pcie=1\n", -EINVAL, "Either 'host' or 'mapping' must be set");
        refused("hostpci0: 01:00.0,pcie=1,pcie=0\n", -EINVAL, "duplicate key");
        refused("hostpci0: 01:00.0,bogus=1\n", -EINVAL, "invalid key");
        refused("hostpci0: 01:00.0,pcie=maybe\n", -EINVAL, "pcie=maybe");
        refused("hostpci0: 01:00.0,vendor-id=10de\n", -EINVAL, "vendor-id=10de");
        refused("hostpci0: 01:00.0,driver=nouveau\n", -EINVAL, "driver=nouveau");
        refused("hostpci0: 01:00.0,mdev=../x\n", -EINVAL, "mdev");
        refused("hostpci0: 01:00.0;\n", -EINVAL, "ends with ';'");
        refused("hostpci0: 1:00.0\n", -EINVAL, "not a host PCI id");
        refused("hostpci0: 01:00.8\n", -EINVAL, "not a host PCI id");
        refused("hostpci0: 01:00.0\x1b[2J\n", -EINVAL, "not a hostpci value");
        /* A romfile= that leaves /usr/share/kvm is never a path to open. */
        refused("hostpci0: 01:00,romfile=../../etc/shadow\n", -EINVAL, "romfile");
        refused("hostpci0: 01:00,romfile=/etc/shadow\n", -EINVAL, "romfile");
        refused("hostpci0: 01:00,romfile=a/./b\n", -EINVAL, "romfile");
        refused("machine: q35;reboot\n", -EINVAL, "machine");
        refused("bios: uefi\n", -EINVAL, "bios");
        refused("memory: 8\n", -EINVAL, "memory");
        refused("hostpci0: 01:00.0\n[PENDING]\nhostpci0: 02:00.0\n[PENDING]\n", -EINVAL,
                "duplicate section");

        PveHostpci h = {.index = 3};
        Diag d = {0};
        static const char full[] =
                "host=0000:0a:00.0,legacy-igd=0,rombar=no,device-id=0x1b81,sub-vendor-id=0x1458,"
                "sub-device-id=0x3702,vendor-id=0x10DE,driver=keep,mdev=nvidia-63";
        assert_int_equal(pve_parse_hostpci(full, strlen(full), &h, &d), 0);
        assert_int_equal(h.index, 3);
        assert_true(h.driver_keep);
        assert_int_equal(h.rombar, PVE_BOOL_OFF);
        assert_int_equal(h.legacy_igd, PVE_BOOL_OFF);
        assert_string_equal(h.mdev, "nvidia-63");
        assert_string_equal(h.ids[0], "0000:0a:00.0");
        /* A domain of more than 4 digits (VMD), and subdirectories under /usr/share/kvm. */
        static const char vmd[] = "10000:e1:00.0,romfile=vbios/rx6800.rom";
        assert_int_equal(pve_parse_hostpci(vmd, strlen(vmd), &h, &d), 0);
        assert_string_equal(h.ids[0], "10000:e1:00.0");
        assert_string_equal(h.romfile, "vbios/rx6800.rom");
        assert_int_equal(d.n, 0);
        diag_done(&d);
}

static void test_oversized(void **state) {
        size_t n = VX_PVE_FILE_MAX + 1;
        char *big = malloc(n);
        assert_non_null(big);
        memset(big, '#', n);
        PveVm vm;
        Diag d = {0};
        assert_int_equal(pve_parse_config(big, n, 100, "100.conf", &vm, &d), -EFBIG);
        assert_int_equal(d.n, 1);
        diag_done(&d);
        free(big);
        static const char nul[] = "name: a\n\0hostpci0: 01:00.0\n";
        assert_int_equal(pve_parse_config(nul, sizeof(nul) - 1, 100, "100.conf", &vm, &d), -EINVAL);
        diag_done(&d);
}

/* pve-guest-common Mapping/PCI.pm as the web UI writes /etc/pve/mapping/pci.cfg (SectionConfig). */
static const char mapping_cfg[] =
        "gpu\n"
        "\tmap node=pve1,path=0000:01:00,id=10de:1b80,iommugroup=1,subsystem-id=1458:3702\n"
        "\tmap node=pve2,path=0000:0a:00.0;0000:0b:00.0,id=10de:1b80,iommugroup=16\n"
        "\tdescription GTX 1080 of the nodes\n"
        "\n"
        "nic\n"
        "\tmap node=pve1,path=0000:03:00.0,id=8086:1533\n"
        "\tmdev 0\n";

static void test_mapping(void **state) {
        PveMapping m;
        Diag d = {0};
        assert_int_equal(pve_parse_mapping(mapping_cfg, strlen(mapping_cfg), "gpu", &m, &d), 1);
        assert_string_equal(m.id, "gpu");
        assert_int_equal(m.n_maps, 2);
        assert_string_equal(m.maps[0].node, "pve1");
        assert_int_equal(m.maps[0].n_paths, 1);
        assert_string_equal(m.maps[0].paths[0], "0000:01:00");
        assert_int_equal(m.maps[0].vendor, 0x10de);
        assert_int_equal(m.maps[0].device, 0x1b80);
        assert_true(m.maps[0].have_iommugroup);
        assert_int_equal(m.maps[0].iommugroup, 1);
        assert_true(m.maps[0].have_subsystem);
        assert_int_equal(m.maps[0].subsystem_device, 0x3702);
        assert_int_equal(m.maps[1].n_paths, 2);
        assert_string_equal(m.maps[1].paths[1], "0000:0b:00.0");
        assert_int_equal(pve_parse_mapping(mapping_cfg, strlen(mapping_cfg), "nic", &m, &d), 1);
        assert_int_equal(m.n_maps, 1);
        assert_false(m.mdev);
        /* Not there, or only a prefix of another's name. */
        assert_int_equal(pve_parse_mapping(mapping_cfg, strlen(mapping_cfg), "gp", &m, &d), 0);
        assert_int_equal(d.n, 0);
        static const char bad[] = "gpu\n\tmap node=pve1,path=0000:01:00.0\n";
        assert_int_equal(pve_parse_mapping(bad, strlen(bad), "gpu", &m, &d), -EINVAL);
        assert_int_equal(d.n, 1);
        diag_done(&d);
}

static void test_tasks(void **state) {
        PveTask t;
        static const char upid[] = "UPID:pve:00003039:0001E240:6750A1B2:qmstart:100:root@pam:";
        assert_int_equal(pve_parse_upid(upid, strlen(upid), &t), 0);
        assert_string_equal(t.node, "pve");
        assert_string_equal(t.type, "qmstart");
        assert_string_equal(t.id, "100");
        assert_int_equal(t.starttime, 0x6750A1B2);
        /* pstart may have 9 digits after 497 days of uptime; an API token's user has a '!'. */
        static const char long_up[] = "UPID:node-2:0000303A:1001E2400:6750A1B3:qmstart:101:root@pam!ci:";
        assert_int_equal(pve_parse_upid(long_up, strlen(long_up), &t), 0);
        static const char *const bad[] = {
                "UPID:pve:3039:0001E240:6750A1B2:qmstart:100:root@pam:", /* pid of 4 digits */
                "UPID:pve:00003039:0001E240:6750A1B2:qmstart:100:root@pam", /* no trailing ':' */
                "UPID:-pve:00003039:0001E240:6750A1B2:qmstart:100:root@pam:",
                "UPID:pve:00003039:0001E240:6750A1B2:qmstart:../../x:root@pam:",
                "UPID:pve:00003039:0001E240:6750A1B2:qm/start:100:root@pam:",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(pve_parse_upid(bad[i], strlen(bad[i]), &t), -EINVAL);

        /* The index ("UPID ENDTIME STATUS") and the active list ("UPID SAVED [ENDTIME [STATUS]]"). */
        static const char index_line[] = "UPID:pve:00003039:0001E240:6750A1B2:qmstart:100:root@pam: "
                                         "6750A1B5 start failed: QEMU exited with code 1";
        assert_int_equal(pve_parse_task_line(index_line, strlen(index_line), &t), 0);
        assert_string_equal(t.status, "start failed: QEMU exited with code 1");
        assert_true(pve_task_status_is_error(t.status));
        static const char active_running[] = "UPID:pve:00003039:0001E240:6750A1B2:qmstart:100:root@pam: 0";
        assert_int_equal(pve_parse_task_line(active_running, strlen(active_running), &t), 0);
        assert_string_equal(t.status, "");
        static const char active_done[] =
                "UPID:pve:00003039:0001E240:6750A1B2:qmstart:100:root@pam: 1 6750A1B5 OK";
        assert_int_equal(pve_parse_task_line(active_done, strlen(active_done), &t), 0);
        assert_string_equal(t.status, "OK");
        assert_false(pve_task_status_is_error("OK"));
        assert_false(pve_task_status_is_error("WARNINGS: 2"));
        assert_true(pve_task_status_is_error("WARNINGS: two"));
        assert_true(pve_task_status_is_error("unexpected status"));
        static const char junk[] = "UPID:pve:00003039:0001E240:6750A1B2:qmstart:100:root@pam: zz OK";
        assert_int_equal(pve_parse_task_line(junk, strlen(junk), &t), -EINVAL);

        unsigned id;
        assert_true(pve_vmid_parse("100", &id) && id == 100);
        assert_true(pve_vmid_parse("999999999", &id));
        assert_false(pve_vmid_parse("99", &id));
        assert_false(pve_vmid_parse("0100", &id));
        assert_false(pve_vmid_parse("1000000000", &id));
        assert_false(pve_vmid_parse("10a", &id));
}

typedef struct Lines {
        char text[32][512];
        size_t n;
} Lines;

static int collect(const char *line, size_t len, void *userdata) {
        Lines *l = userdata;
        assert_true(l->n < ELEMENTSOF(l->text));
        snprintf(l->text[l->n++], sizeof(l->text[0]), "%.*s", (int) len, line);
        return 0;
}

static PciDevice dev(const char *address, unsigned vendor, unsigned device, unsigned class_code,
                     const char *driver, unsigned group, int boot_vga) {
        PciDevice d = {.vendor = vendor,
                       .device = device,
                       .class_code = class_code,
                       .driver = driver ? KNOWN_PRESENT : KNOWN_ABSENT,
                       .group = KNOWN_PRESENT,
                       .group_id = group,
                       .boot_vga = boot_vga};
        snprintf(d.address, sizeof(d.address), "%s", address);
        snprintf(d.driver_name, sizeof(d.driver_name), "%s", driver ? driver : "");
        snprintf(d.reset_method, sizeof(d.reset_method), "bus");
        return d;
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

/* A node with VM 100 (the GPU by slot, pcie=1 on i440fx, x-vga on the audio) and VM 101 that names the GPU
 * too and runs; one failed and one good start of VM 100 in the task list. */
static void test_load_and_lines(void **state) {
        char root[] = "/tmp/test_pve.XXXXXX";
        assert_non_null(mkdtemp(root));
        char cmd[600];
        snprintf(cmd, sizeof(cmd),
                 "mkdir -p %s/etc/pve/nodes/pve1/qemu-server %s/var/log/pve/tasks/2 %s/var/log/pve/tasks/B "
                 "%s/proc/4242 && ln -s nodes/pve1/qemu-server %s/etc/pve/qemu-server && ln -s nodes/pve1 "
                 "%s/etc/pve/local",
                 root, root, root, root, root, root);
        assert_int_equal(system(cmd), 0);
        write_at(root, "etc/pve/nodes/pve1/qemu-server/100.conf",
                 "hostpci0: 01:00,pcie=1,romfile=gtx.rom\nhostpci1: 0000:01:00.1,x-vga=1\nhostpci2: "
                 "mapping=gpu\n"
                 "hostpci3: mapping=none\nonboot: 1\n");
        write_at(root, "etc/pve/nodes/pve1/qemu-server/101.conf", "hostpci0: 0000:01:00.0\nonboot: 1\n");
        write_at(root, "etc/pve/nodes/pve1/qemu-server/102.conf", "hostpci0: 0000:07:00.0\n");
        write_at(root, "etc/pve/mapping/pci.cfg",
                 "gpu\n\tmap node=pve1,path=0000:09:00.0,id=10de:1b80\n\tmap "
                 "node=pve2,path=0000:01:00.0,id=10de:1b80\n");
        write_at(root, "run/qemu-server/101.pid", "4242\n");
        static const char kvm_cmdline[] = "/usr/bin/kvm\0-id\0"
                                          "101\0-name\0linux\0";
        snprintf(cmd, sizeof(cmd), "%s/proc/4242/cmdline", root);
        FILE *cf = fopen(cmd, "w");
        assert_non_null(cf);
        assert_int_equal(fwrite(kvm_cmdline, 1, sizeof(kvm_cmdline) - 1, cf), sizeof(kvm_cmdline) - 1);
        fclose(cf);
        write_at(root, "var/log/pve/tasks/index",
                 "UPID:pve1:00003039:0001E240:6750A1B2:qmstart:100:root@pam: 6750A1B5 start failed: QEMU "
                 "exited with "
                 "code 1\n"
                 "UPID:pve1:0000303A:0001E240:6750A1CB:qmstart:100:root@pam: 6750A1CD OK\n"
                 "UPID:pve1:0000303B:0001E240:6750A1C2:vzdump:100:root@pam: 6750A1C5 some error\n");
        write_at(root, "var/log/pve/tasks/2/UPID:pve1:00003039:0001E240:6750A1B2:qmstart:100:root@pam:",
                 "kvm: -device vfio-pci,host=0000:01:00.1,id=hostpci1,bus=pci.0,addr=0x11,x-vga=on: vfio "
                 "0000:01:00.1: failed getting region info for VGA region index 8: Invalid argument\n"
                 "TASK ERROR: start failed: QEMU exited with code 1\n");
        write_at(root, "var/log/pve/tasks/B/UPID:pve1:0000303A:0001E240:6750A1CB:qmstart:100:root@pam:",
                 "TASK OK\n");

        HostFacts f;
        PciDevice devices[3] = {
                dev("0000:01:00.0", 0x10de, 0x1b80, 0x030000, "vfio-pci", 1, 0),
                dev("0000:01:00.1", 0x10de, 0x10f0, 0x040300, "snd_hda_intel", 1, -1),
                dev("0000:05:00.0", 0x1022, 0x43c8, 0x010601, "ahci", 1, -1),
        };
        host_facts_init_unprobed(&f);
        f.root = root;
        f.pci = KNOWN_PRESENT;
        f.devices = devices;
        f.n_devices = ELEMENTSOF(devices);

        PveState st;
        Diag d = {0};
        assert_int_equal(pve_load(root, 100, &f, &st, &d), 0);
        assert_int_equal(d.n, 0);
        assert_string_equal(st.node, "pve1");
        /* The slot is its two functions, the romfile only on the first; the mapping's device is absent
         * here, so it is not the guest's. */
        assert_int_equal(st.guest.layer, GUEST_PVE);
        assert_string_equal(st.guest.name, "100");
        assert_int_equal(st.guest.n_hostdevs, 2);
        assert_string_equal(st.guest.hostdevs[0].address, "0000:01:00.0");
        assert_string_equal(st.guest.hostdevs[0].id, "hostpci0");
        assert_string_equal(st.guest.hostdevs[0].rom_file, "/usr/share/kvm/gtx.rom");
        assert_int_equal(st.guest.hostdevs[0].rom_exists, KNOWN_ABSENT);
        assert_string_equal(st.guest.hostdevs[1].address, "0000:01:00.1");
        assert_null(st.guest.hostdevs[1].rom_file);
        assert_true(st.mapping_file);
        assert_true(st.mapping[2].on_node);
        assert_false(st.mapping[3].found);
        /* VM 101 runs and names the GPU; VM 102 names another device. */
        assert_int_equal(st.n_others, 1);
        assert_int_equal(st.others[0].vmid, 101);
        assert_int_equal(st.others[0].pid, 4242);
        /* The failed start, not the later good one nor another VM's or another task's. */
        assert_string_equal(
                st.task_log,
                "var/log/pve/tasks/2/UPID:pve1:00003039:0001E240:6750A1B2:qmstart:100:root@pam:");

        Lines l = {0};
        assert_int_equal(pve_probe_lines(&st, &f, collect, &l), 0);
        static const char *const want[] = {
                "pve-vm 100: hostpci0 0000:01:00.0 pcie=1: machine pc is not q35",
                "pve-vm 100: hostpci2 0000:09:00.0: mapping gpu: absent on node pve1",
                "pve-vm 100: hostpci3: mapping none: not in /etc/pve/mapping/pci.cfg",
                "pve-vm 100: hostpci0 0000:01:00.1: named again, by hostpci1 of the same VM",
                "pve-vm 100: hostpci0 0000:01:00.0: also in VM 101 (hostpci0), which runs (QEMU pid 4242)",
        };
        for (size_t i = 0; i < l.n; i++)
                print_message("line: %s\n", l.text[i]);
        assert_int_equal(l.n, ELEMENTSOF(want));
        for (size_t i = 0; i < l.n; i++)
                assert_string_equal(l.text[i], want[i]);

        /* The group's SATA controller is not the VM's: qemu-server takes it from the host at start. */
        Lines g = {0};
        assert_int_equal(domain_probe_lines(&st.guest, &f, collect, &g), 0);
        for (size_t i = 0; i < g.n; i++)
                print_message("guest line: %s\n", g.text[i]);
        assert_int_equal(g.n, 3);
        assert_string_equal(g.text[0],
                            "pve-vm 100: hostpci0 0000:01:00.0 group 1: member 0000:05:00.0 [1022:43c8] "
                            "class=010601 on ahci is not in the VM, and qemu-server moves it to vfio-pci "
                            "at start (another device)");
        assert_string_equal(g.text[1],
                            "pve-vm 100: hostpci0 0000:01:00.0 rom file /usr/share/kvm/gtx.rom: absent");
        /* qemu-server binds the group's devices itself: their host drivers before the start are no news. */
        static const char audio_line[] = "device 0000:01:00.1: id=10de:10f0 class=040300 type=endpoint "
                                         "driver=snd_hda_intel group=1 power=D0 "
                                         "reset=bus";
        assert_true(domain_explains_probe_line(&st.guest, &f, audio_line, strlen(audio_line)));
        static const char group_line[] =
                "group 1 of 0000:01:00.0 (on vfio-pci): member 0000:01:00.1 [10de:10f0] "
                "class=040300 on snd_hda_intel blocks the group (same card)";
        assert_true(domain_explains_probe_line(&st.guest, &f, group_line, strlen(group_line)));

        /* plan: the next free hostpci, the slot when all its functions go. */
        char *cmds[4];
        Plan p = {.n_devices = 2};
        p.devices[0] = (PlanDevice){.pci = &devices[0], .role = PLAN_NAMED};
        p.devices[1] = (PlanDevice){.pci = &devices[1], .role = PLAN_SAME_CARD};
        int n = pve_plan_commands(&f, &p, &st.vm, "100", cmds, ELEMENTSOF(cmds));
        assert_int_equal(n, 1);
        assert_string_equal(cmds[0], "qm set 100 --hostpci4 0000:01:00");
        free(cmds[0]);
        p.n_devices = 1;
        n = pve_plan_commands(&f, &p, NULL, "105", cmds, ELEMENTSOF(cmds));
        assert_int_equal(n, 1);
        assert_string_equal(cmds[0], "qm set 105 --hostpci0 '0000:01:00.0'");
        free(cmds[0]);

        pve_state_done(&st);
        assert_int_equal(pve_load(root, 103, &f, &st, &d), -ENOENT);
        assert_int_equal(d.n, 1);
        diag_done(&d);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_config),    cmocka_unit_test(test_pending),
                cmocka_unit_test(test_hostpci_grammar), cmocka_unit_test(test_oversized),
                cmocka_unit_test(test_mapping),         cmocka_unit_test(test_tasks),
                cmocka_unit_test(test_load_and_lines),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
