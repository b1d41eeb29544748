/* SPDX-License-Identifier: MIT */
#pragma once

#include "kernel_release.h"

/* What the probes saw of the host. Every fact says whether it was probed at all, found absent, or
 * has a value (pciutils' known_fields), so "unknown" is never mistaken for "no". */

#include <stdbool.h>
#include <stddef.h>

#include "vfioexplain/pci_address.h"

#include "vfioexplain/limits.h"

typedef enum Known {
        KNOWN_NOT_PROBED, /* not looked at (--no-probe), or could not be read */
        KNOWN_ABSENT,
        KNOWN_PRESENT,
} Known;

typedef enum Distro {
        DISTRO_UNKNOWN,
        DISTRO_DEBIAN, /* and Ubuntu, Mint ...: update-grub, update-initramfs */
        DISTRO_FEDORA, /* and RHEL, CentOS, Rocky, Alma: grub2-mkconfig / grubby, dracut */
        DISTRO_SUSE, /* grub2-mkconfig, dracut */
        DISTRO_ARCH, /* grub-mkconfig, mkinitcpio */
        /* Proxmox VE: Debian's os-release, told apart by pmxcfs's /etc/pve (as proxmox-boot-tool's kernel
         * hook does); update-grub and update-initramfs, or proxmox-boot-tool where it boots systemd-boot */
        DISTRO_PROXMOX,
        _DISTRO_MAX,
} Distro;

/* The CPU vendor decides how the IOMMU is turned on: intel_iommu=on for VT-d; AMD-Vi needs no
 * parameter. */
typedef enum CpuVendor {
        CPU_VENDOR_UNKNOWN,
        CPU_VENDOR_INTEL, /* GenuineIntel */
        CPU_VENDOR_AMD, /* AuthenticAMD, HygonGenuine (AMD-Vi as well) */
        CPU_VENDOR_OTHER,
        _CPU_VENDOR_MAX,
} CpuVendor;

/* What the host itself runs on a PCI device: taking it away takes that from the host. */
enum {
        HOST_USE_FILESYSTEM = 1u << 0, /* the disk of /, /boot, /boot/efi, /usr or /var */
        HOST_USE_ROUTE = 1u << 1, /* the interface of a default route, or one below it (bridge, bond) */
        HOST_USE_DISPLAY = 1u << 2, /* a GPU with a screen connected */
};

typedef struct PciDevice {
        PciAddress address;
        unsigned vendor, device, subsystem_vendor, subsystem_device, class_code;
        Known header; /* config space readable */
        bool bridge; /* header type 1 or 2 */
        bool multifunction;
        Known driver; /* absent: no driver bound */
        char driver_name[64];
        char driver_override[64]; /* "" when "(null)" */
        /* The module that registers the driver (sys/bus/pci/drivers/DRIVER/module: xhci_hcd is xhci_pci),
         * which is what a modprobe.d softdep names; present only with a driver. */
        Known driver_module_state;
        char driver_module[64];
        bool driver_module_builtin; /* no initstate: built into the kernel, so no softdep can order it */
        Known group; /* absent: no iommu_group link */
        unsigned group_id;
        int boot_vga; /* -1 where the kernel has no boot_vga file */
        char reset_method[64];
        char power_state[16];
        int sriov_numvfs; /* -1 when not SR-IOV capable */
        PciAddress physfn; /* the PF of a VF, "" otherwise */
        unsigned long long bar_start[6], bar_end[6];
        /* resourceN_resize (linux 6.1+, Resizable BAR): bit n set = a size of 2^n MiB is possible; 0 where
         * the BAR is not resizable or the kernel has no such file */
        unsigned long long rebar_sizes[6];
        char name[128]; /* "NVIDIA Corporation GP104 [GeForce GTX 1080]" from pci.ids, "" if unknown */
        char class_name[64]; /* "VGA compatible controller" from pci.ids (the class and subclass), "" unknown
                              */
        /* The modules that could drive it, from modules.alias (lspci -k's "Kernel modules"), ", " between
         * them: read only by probe_pci_modules(); state absent when modules.alias names none. */
        Known modules_state;
        char modules[128];
        /* What the host itself runs on it (probe_host_use()): HOST_USE_* bits, and in words the first
         * ("nvme0n1p2, which holds /"). */
        unsigned host_use;
        char host_use_what[96];
        PciAddress upstream; /* the bridge above it, "" for a root-complex device */
        Known acs; /* present: an ACS capability in (full, root-readable) config space */
        unsigned acs_ctrl; /* its control register: SV 0x1, TB 0x2, RR 0x4, CR 0x8, UF 0x10 */
} PciDevice;

typedef struct FileNode {
        char path[64];
        Known state;
        unsigned uid, gid, mode;
        char owner[64], group_name[64]; /* from etc/passwd and etc/group, "" if unknown */
} FileNode;

typedef enum ModuleId {
        MODULE_VFIO,
        MODULE_VFIO_IOMMU_TYPE1,
        MODULE_VFIO_PCI,
        MODULE_KVM,
        _MODULE_MAX,
} ModuleId;

/* The names of these values, as the snapshot writes them (probes/host.c). A name of module_id is its
 * directory in /sys/module. */
const char *known_to_string(Known k);
int known_from_string(const char *s, size_t len);
const char *distro_to_string(Distro d);
int distro_from_string(const char *s, size_t len);
const char *cpu_vendor_to_string(CpuVendor v);
int cpu_vendor_from_string(const char *s, size_t len);
const char *module_id_to_string(ModuleId m);

typedef struct ModuleState {
        Known state; /* present: loaded or built in */
        bool builtin;
} ModuleState;

/* This process (pid 0) or a running QEMU: its memlock limit and credentials and, for QEMU, the VM it
 * runs and the devices assigned to it, read from its command line. */
typedef struct MemlockFact {
        int pid; /* 0 for this process */
        char comm[32];
        PciAddress devices[VX_QEMU_DEVICES_MAX]; /* every vfio-pci host= address, device first */
        size_t n_devices;
        char vm[VX_DOMAIN_NAME_MAX + 1]; /* -name guest=NAME or -name NAME; "" if none */
        bool unlimited;
        unsigned long long soft;
        Known ids; /* present: the credentials below were read from /proc/PID/status */
        unsigned uid, gid;
        unsigned groups[16];
        size_t n_groups;
        /* CAP_IPC_LOCK in its effective set (/proc/PID/status CapEff): vfio_iommu_type1 then does not
         * count its pinned pages against RLIMIT_MEMLOCK, so a low limit is harmless. */
        Known ipc_lock;
} MemlockFact;

typedef struct FramebufferHold {
        char name[32]; /* the resource inside the BAR: "BOOTFB", "efifb", "vesafb" */
        char driver[32]; /* the driver's request nested in it ("simpledrm", "simplefb"), "" if none */
        unsigned long long start, end;
        PciAddress device;
        int bar;
} FramebufferHold;

/* A virtual console driver of /sys/class/vtconsole/vtconN (drivers/tty/vt/vt.c show_name(), show_bind()). */
typedef struct VtConsole {
        unsigned index;
        char name[48]; /* "(M) frame buffer device" (fbcon), "(S) dummy device", "(S) VGA+" */
        bool bound;
} VtConsole;

/* A framebuffer device of /proc/fb, with the device it belongs to (/sys/class/graphics/fbN/device). */
typedef struct FbDevice {
        unsigned index;
        char name[32]; /* fix.id: "EFI VGA", "simpledrmdrmfb", "amdgpudrmfb" */
        char device[48]; /* "0000:0c:00.0", "simple-framebuffer.0", "efi-framebuffer.0"; "" unknown */
} FbDevice;

typedef struct HostFacts {
        const char *root; /* NULL when nothing was probed */
        Known os_release;
        char os_id[64];
        char os_pretty[128];
        char machine_id[33]; /* etc/machine-id, "" if unknown: tells this host's journal entries apart */
        Distro distro;
        CpuVendor cpu_vendor; /* proc/cpuinfo vendor_id */
        Known cmdline;
        char cmdline_text[4096];
        Known iommu_class; /* /sys/class/iommu has entries */
        size_t n_iommus;
        Known acpi_dmar, acpi_ivrs;
        Known irq_remapping; /* present: interrupts go through IR- chips */
        ModuleState modules[_MODULE_MAX];
        char allow_unsafe_interrupts[8]; /* the vfio_iommu_type1 parameter, "" unknown */
        char noiommu_mode[8]; /* the vfio parameter enable_unsafe_noiommu_mode */
        Known pci;
        PciDevice *devices;
        size_t n_devices;
        FileNode vfio_container, kvm;
        FileNode *group_nodes;
        size_t n_group_nodes;
        /* vfio-pci ids= from modprobe.d and the kernel command line: "10de:2206" and where it was set */
        struct {
                unsigned vendor, device;
                char source[64];
        } vfio_ids[32];
        size_t n_vfio_ids;
        /* "softdep DRIVER pre: vfio-pci" lines of modprobe.d: the drivers vfio-pci is loaded before */
        char softdep_drivers[8][32];
        size_t n_softdep_drivers;
        /* Boot configuration: the GRUB defaults file, and the running kernel's initramfs against the
         * newest modprobe.d file that configures vfio. */
        Known grub_default;
        /* Proxmox VE booting systemd-boot from the ESPs proxmox-boot-tool keeps (EFI, no Secure Boot,
         * /etc/kernel/proxmox-boot-uuids): the kernel command line is /etc/kernel/cmdline's one line */
        Known proxmox_systemd_boot;
        char kernel_cmdline_file[1024]; /* its /etc/kernel/cmdline's first line, control bytes as blanks */
        char grub_cmdline[1024]; /* GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT, joined */
        Known initramfs;
        char initramfs_path[160];
        long long initramfs_mtime;
        char vfio_conf_path[96]; /* the newest etc/modprobe.d file naming vfio-pci, "" if none */
        long long vfio_conf_mtime;
        Known qemu_conf;
        char qemu_user[64], qemu_group[64];
        unsigned qemu_uid, qemu_gid;
        Known qemu_ids; /* the uid and gid above were found in etc/passwd and etc/group */
        /* The user running vfioexplain, on the live host only (not under --sysroot or a snapshot). */
        Known self_ids;
        unsigned self_uid, self_gid;
        unsigned self_groups[16];
        size_t n_self_groups;
        MemlockFact memlock[FACTS_MEMLOCK_MAX];
        size_t n_memlock;
        Known hugepages; /* /proc/meminfo */
        unsigned long long hugepages_total, hugepages_free, hugepage_kb;
        char udev_vfio_rules[4][160]; /* udev rule lines that name vfio: "FILE: TEXT" */
        size_t n_udev_vfio_rules;
        /* What a bug report states about the host (probes/system.c). */
        char kernel_release[128]; /* proc/sys/kernel/osrelease, "" if unknown */
        char hostname[65]; /* proc/sys/kernel/hostname or etc/hostname, "" if unknown */
        Known cpu; /* proc/cpuinfo read: cpu_vendor above and the fields below */
        char cpu_model[96];
        bool cpu_vmx, cpu_svm; /* the virtualization flags the kernel shows (not shown when disabled) */
        char users[FACTS_USERS_MAX][33]; /* login users of etc/passwd (uid 1000-59999): names to redact */
        size_t n_users;
        Known packages; /* var/lib/dpkg/status read (probe_packages(), not part of probe_host()) */
        int packages_error; /* why it was not read when it is there: -EFBIG past VX_DPKG_STATUS_MAX, ... */
        char qemu_version[64], libvirt_version[64]; /* "" when not installed */
        Known iomem; /* addresses readable (root) */
        FramebufferHold framebuffers[FACTS_FRAMEBUFFER_MAX];
        size_t n_framebuffers;
        VtConsole vtconsoles[FACTS_CONSOLES_MAX];
        size_t n_vtconsoles;
        FbDevice fbs[FACTS_FRAMEBUFFER_MAX];
        size_t n_fbs;
} HostFacts;

/* Probes the host under root ("/" for this host). Never writes. Facts that cannot be read stay
 * KNOWN_NOT_PROBED. Returns 0, or -EINVAL if root cannot be opened as a directory. */
int probe_host(const char *root, HostFacts *ret);
void host_facts_init_unprobed(HostFacts *f);
/* Remembers who runs vfioexplain (effective uid, gid, groups) for probe_host()'s self_ids: called before
 * the process changes its credentials (the first call wins; probe_host() calls it too). */
void host_self_credentials_save(void);
void host_facts_done(HostFacts *f);

/* The parts of probe_host(), each reading its own corner of the root. */
void probe_pci(int rootfd, HostFacts *f);
void probe_vfio(int rootfd, HostFacts *f);
void probe_limits(int rootfd, HostFacts *f);
/* The VM name and vfio-pci host= devices of a QEMU command line (NUL-separated, as /proc/PID/cmdline). */
void qemu_cmdline_parse(const char *cmdline, size_t len, MemlockFact *m);
/* The running QEMU that has address on its command line, NULL if none is known. */
const MemlockFact *host_qemu_holding(const HostFacts *f, const char *address);
void probe_iomem(int rootfd, HostFacts *f);
void probe_console(int rootfd, HostFacts *f);
/* The console driver fbcon when it is bound (it then draws on the framebuffers), NULL otherwise. */
const VtConsole *host_fbcon_bound(const HostFacts *f);
/* A device name as sysfs gives it (a PCI address, "simple-framebuffer.0"), safe in a probe line; "" too. */
bool fb_device_name_valid(const char *s);
void probe_boot_config(int rootfd, HostFacts *f);
void probe_names(int rootfd, HostFacts *f);
/* The names of f's devices from the text of a pci.ids ("VENDOR DEVICE", as lspci shows them), in one pass:
 * the parser of probe_names(), which reads the file within VX_PCI_IDS_MAX. */
void names_from_pci_ids(const char *text, size_t len, HostFacts *f);
void probe_host_use(int rootfd, HostFacts *f);
/* The modules of modules.alias (of the running kernel, under root) that match each device, as lspci -k
 * names them. Not part of probe_host(): the file is megabytes, and only groups and snapshots show it.
 * Returns 0 or a negative errno (the devices keep modules_state not probed). */
int probe_pci_modules(const char *root, HostFacts *f);
void probe_system(int rootfd, HostFacts *f);
/* The installed QEMU and libvirt versions from dpkg's database; only reports need them, and the file is
 * megabytes. root as for probe_host(). */
int probe_packages(const char *root, HostFacts *f);

const PciDevice *host_find_device(const HostFacts *f, const char *address);
/* Two functions of the same card: the same domain, bus and slot (normalised addresses). */
bool pci_same_card(const char *a, const char *b);
/* Whether the device is bound, and to the driver of that name. */
bool pci_device_on_driver(const PciDevice *d, const char *name);

/* Whether an IOMMU group can be handed to a user: every endpoint on vfio-pci, pci-stub or no driver,
 * bridges on pcieport or none (the kernel's vfio_dev_driver_allowed()). */
bool pci_device_blocks_group(const PciDevice *d);

/* The distribution's command to regenerate the boot loader configuration / the initramfs. */
/* What a fix does on a distribution (probes/host.c). A command is NULL where the distribution has none. */
typedef struct DistroInfo {
        const char *const *os_release_ids; /* the words of /etc/os-release ID (or ID_LIKE) that name it */
        const char *update_bootloader; /* after the kernel command line changed */
        const char *update_initramfs; /* after modprobe.d changed */
        const char *install_driverctl;
        const char *initramfs_add_vfio; /* puts the vfio modules into the initramfs */
        const char *initramfs_add_vfio_what; /* what a plan calls that step */
        /* a known kernel regression's fixes (rules/regressions.rules): installing the distribution's newest
         * kernel, and the installed ones listed, of which the user boots an older one until then */
        const char *update_kernel;
        const char *pin_kernel; /* lists the installed kernels; no placeholder, it pastes as printed */
        const char *pin_kernel_how; /* how one of them is booted from now on */
} DistroInfo;

const DistroInfo *distro_info(Distro d);
const char *host_update_bootloader(const HostFacts *f);
/* Where a fix puts a kernel parameter: the file the boot loader takes the command line from (GRUB's
 * /etc/default/grub; on a Proxmox VE node booting systemd-boot, /etc/kernel/cmdline), and the sed regex of
 * the place in it a parameter goes after ("s/ANCHOR/&PARAM /"). */
const char *host_cmdline_file(const HostFacts *f);
const char *host_cmdline_anchor(const HostFacts *f);
/* The commands of a kernel regression's fixes for a kernel of vendor: its distribution's (a Proxmox VE
 * kernel is Proxmox's, whose os-release is Debian's), else the host's. */
const char *host_update_kernel(const HostFacts *f, KernelVendor vendor);
const char *host_pin_kernel(const HostFacts *f, KernelVendor vendor);
const char *host_pin_kernel_how(const HostFacts *f, KernelVendor vendor);
const char *host_update_initramfs(const HostFacts *f);
