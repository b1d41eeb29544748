/* SPDX-License-Identifier: MIT */
#pragma once

/* A Proxmox VE VM's PCI passthrough (--pve-vm ID), read from the files qemu-server and pmxcfs keep: the
 * VM's configuration /etc/pve/qemu-server/ID.conf (src/PVE/QemuServer.pm parse_vm_config(), the hostpciN
 * property string of src/PVE/QemuServer/PCI.pm), the cluster's PCI resource mappings
 * /etc/pve/mapping/pci.cfg (pve-guest-common src/PVE/Mapping/PCI.pm), the other VMs of the node, the
 * reservations qemu-server keeps of the devices running VMs hold (/run/qemu-server/pci-id-reservations),
 * and the task logs of its starts (/var/log/pve/tasks, pve-common src/PVE/UPID.pm and RESTEnvironment.pm).
 *
 * Every file is untrusted input, parsed from buffer and length without I/O by the pve_parse_*()
 * functions: each value the checks use must pass qemu-server's own grammar (or a stricter one) and the
 * bounds of limits.h. pve_load() reads them under a root directory, read-only; it opens no path a file
 * names, except the romfile= of a hostpci, and that only under /usr/share/kvm, where qemu-server takes it
 * from. The VM's hostpci devices become a DomainConfig of layer GUEST_PVE, judged by domain_probe_lines()
 * as a libvirt domain's hostdevs are; pve_probe_lines() adds what only Proxmox VE has. */

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "domain.h"
#include "probe_lines.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"

/* The directory qemu-server takes a hostpci romfile= from (PCI.pm print_hostpci_devices()). */
#define PVE_ROMFILE_DIR "/usr/share/kvm"

typedef enum PveBool {
        PVE_BOOL_DEFAULT,
        PVE_BOOL_ON,
        PVE_BOOL_OFF,
} PveBool;

/* One hostpciN entry. host= lists devices (a slot without a function means all of its functions, as
 * qemu-server's lspci() filter does); mapping= names a resource mapping instead. */
typedef struct PveHostpci {
        unsigned index; /* N of hostpciN */
        unsigned line; /* in the config, for messages */
        char value[VX_PVE_VALUE_MAX + 1]; /* the value as written: its characters passed the grammar */
        /* host= entries, as written but with the domain added: "0000:01:00.0", or "0000:01:00" */
        PciAddress ids[VX_PVE_HOST_IDS_MAX];
        size_t n_ids;
        char mapping[VX_PVE_NAME_MAX + 1]; /* mapping=ID, "" when host= is given */
        PveBool pcie, x_vga, rombar, legacy_igd;
        bool driver_keep; /* driver=keep: qemu-server neither binds nor resets it */
        char romfile[VX_PVE_NAME_MAX * 4 + 1]; /* romfile=NAME, a name under PVE_ROMFILE_DIR, "" if none */
        char mdev[VX_PVE_NAME_MAX + 1]; /* mdev=TYPE, "" if none */
} PveHostpci;

typedef struct PveVm {
        unsigned vmid;
        char name[VX_PVE_NAME_MAX + 1]; /* name: (a DNS name), "" if none */
        char machine[VX_DOMAIN_WORD_MAX +
                     1]; /* the machine type of machine:, "" for qemu-server's default */
        bool q35; /* Machine.pm machine_type_is_q35(): the type contains "q35" */
        bool ovmf; /* bios: ovmf (default seabios) */
        char vga[VX_PVE_NAME_MAX + 1]; /* the type of vga:, "" for the default */
        unsigned long long memory_mib; /* memory: (current=) in MiB; 512 when not given (Memory.pm) */
        bool onboot;
        bool args; /* args: is set (extra QEMU arguments, not judged) */
        char hookscript[VX_PVE_VALUE_MAX + 1]; /* hookscript: volume id, "" if none */
        bool pending; /* a [PENDING] section was applied (qemu-server applies it at start) */
        PveHostpci hostpci[VX_PVE_HOSTPCI_MAX];
        size_t n_hostpci;
} PveVm;

/* One node's entry of a resource mapping: "map node=pve1,path=0000:01:00.0,id=10de:1b80,..." */
typedef struct PveMap {
        char node[VX_PVE_NAME_MAX + 1];
        PciAddress paths[VX_PVE_HOST_IDS_MAX]; /* path=, as the host= of a hostpci */
        size_t n_paths;
        unsigned vendor, device; /* id= */
        bool have_subsystem;
        unsigned subsystem_vendor, subsystem_device; /* subsystem-id= */
        bool have_iommugroup;
        unsigned iommugroup;
        unsigned line;
} PveMap;

typedef struct PveMapping {
        char id[VX_PVE_NAME_MAX + 1];
        bool mdev;
        PveMap maps[VX_PVE_MAPS_MAX];
        size_t n_maps;
} PveMapping;

/* A task of the node's task list: "UPID:node:pid:pstart:starttime:type:id:user:". */
typedef struct PveTask {
        char upid[256];
        char node[VX_PVE_NAME_MAX + 1];
        unsigned long long starttime;
        char type[32];
        char id[64];
        char status[256]; /* the index's status ("OK", "WARNINGS: 1", the error), "" if not ended */
} PveTask;

/* Whether s is a VMID (pve-common JSONSchema pve-vmid: 100 to 999999999, no leading zero). */
bool pve_vmid_parse(const char *s, unsigned *ret);

/* Parses ID.conf from buf[0..len) for VM vmid (its name in messages is origin). The main section is the
 * configuration; a [PENDING] section is applied over it, as qemu-server does at start; snapshot and
 * special sections are skipped. Returns 0, or -EINVAL (with a Diag line) for a value of the keys it
 * reads that qemu-server would refuse or that is outside the bounds; -EFBIG past VX_PVE_FILE_MAX. *ret
 * is untouched on failure. */
int pve_parse_config(const char *buf, size_t len, unsigned vmid, const char *origin, PveVm *ret, Diag *d);

/* Parses one hostpci value (PCI.pm $hostpci_fmt) into h (index and line are the caller's). */
int pve_parse_hostpci(const char *value, size_t len, PveHostpci *h, Diag *d);

/* Finds mapping id in the mapping file buf[0..len) (a SectionConfig: "ID" lines, then "\tmap ..." and
 * other properties). Returns 1 and fills *ret when found, 0 when the file has no such mapping, -EINVAL
 * for a malformed one (Diag). */
int pve_parse_mapping(const char *buf, size_t len, const char *id, PveMapping *ret, Diag *d);

/* Parses a UPID (UPID.pm decode()), stricter where it becomes a path: type, id and user of
 * [A-Za-z0-9@._!-]. Returns 0 or -EINVAL. */
int pve_parse_upid(const char *s, size_t len, PveTask *ret);

/* The task of a line of the task index ("UPID ENDTIME STATUS") or of the active list ("UPID SAVED
 * [ENDTIME [STATUS]]"). Returns 0, or -EINVAL for a line that is neither. */
int pve_parse_task_line(const char *line, size_t len, PveTask *ret);

/* Whether a task status is an error (UPID.pm status_is_error(): not "OK", not "WARNINGS: N"). */
bool pve_task_status_is_error(const char *status);

/* What --pve-vm loads: the VM as a guest (its hostpci devices, for domain_probe_lines()), and what only
 * Proxmox VE knows of it. */
typedef struct PveState {
        PveVm vm;
        DomainConfig guest;
        char node[VX_PVE_NAME_MAX + 1]; /* this node, "" if unknown */
        /* The mapping of each hostpci that names one: what this node's maps say, or why not. */
        struct {
                bool found; /* the mapping file has the mapping */
                bool on_node; /* it has a map for this node */
                PveMap map; /* that map (the first, when several) */
        } mapping[VX_PVE_HOSTPCI_MAX];
        bool mapping_file; /* the mapping file was read */
        /* Devices two of the VM's hostpci entries (or one twice) name: qemu-server refuses the start. */
        struct {
                unsigned index, first; /* hostpciN that names it again, and the one that named it first */
                PciAddress address;
        } twice[VX_PVE_HOSTPCI_MAX];
        size_t n_twice;
        /* Other VMs of the node that name one of this VM's devices. */
        struct {
                unsigned vmid;
                unsigned hostpci; /* its hostpciN */
                unsigned ours; /* our hostpciN */
                PciAddress address; /* the device both name */
                bool onboot;
                int pid; /* its QEMU, running (its pid file and /proc/PID/cmdline), or 0 */
                bool reserved; /* /run/qemu-server/pci-id-reservations holds the device for it */
        } others[VX_PVE_HOSTPCI_MAX * 4];
        size_t n_others;
        /* The last failed start of the VM: its task log, relative to the root, "" if none found. */
        char task_log[512];
        PveTask task;
        unsigned long long mem_total_kib; /* proc/meminfo MemTotal, 0 if unknown */
        int own_pid; /* the VM's own QEMU when it runs, 0 otherwise */
} PveState;

/* Reads VM vmid under the root sysroot: its config (etc/pve/qemu-server/ID.conf), the mapping file when
 * a hostpci names a mapping, the node's other VMs, the reservations, the task index for the last failed
 * start, and looks at each romfile under /usr/share/kvm. host (may be NULL) expands slots without a
 * function into the host's functions and finds the mapped devices. Returns 0, -EINVAL for a bad config,
 * -ENOENT when the VM has none, or the error reading it; every failure adds a Diag line. *ret is
 * untouched on failure; release it with pve_state_done(). */
int pve_load(const char *sysroot, unsigned vmid, const HostFacts *host, PveState *ret, Diag *d);
void pve_state_done(PveState *s);

/* What only Proxmox VE makes wrong, as probe lines "pve-vm ID: ..." (docs/probe-lines.md): pcie=1 on a
 * machine that is not q35, x-vga=1 on a device that is not VGA or beside another boot VGA, a mapping
 * this node lacks or whose device changed, another VM that holds or names the same device, guest memory
 * beyond the host's. Stops at and returns the first negative return of fn. */
int pve_probe_lines(const PveState *s, const HostFacts *host, probe_line_fn fn, void *userdata);

/* The `qm set` commands that pass the plan's devices to VM vm (may be NULL when it has no config, then
 * vmid names it): one hostpciN per card, N the next indexes the VM does not use, the card's slot alone
 * when every function of it is in the plan (qemu-server then passes them all), pcie=1 on a q35 VM.
 * Returns the number of commands written to cmds (each malloc'd), or -ENOMEM. */
struct Plan;
int pve_plan_commands(const HostFacts *f, const struct Plan *p, const PveVm *vm, const char *vmid,
                      char **cmds, size_t max);

/* The hostpci value that gives the guest every function of the card at address (its slot, "0000:01:00")
 * with the options of h, for a `qm set` fix; into out (size bytes). */
void pve_hostpci_value_for(const PveHostpci *h, const char *slot, char *out, size_t size);
