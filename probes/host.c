/* SPDX-License-Identifier: MIT */
/* Host-wide facts: the distribution (for the right boot loader and initramfs commands), the kernel
 * command line, and whether the kernel registered any IOMMU. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "string_table.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

static const char *const known_table[] = {
        [KNOWN_NOT_PROBED] = "not-probed",
        [KNOWN_ABSENT] = "absent",
        [KNOWN_PRESENT] = "present",
};

DEFINE_STRING_TABLE_LOOKUP(known, Known)

/* The distributions whose commands a fix names: the ids /etc/os-release gives them (ID, else ID_LIKE), and
 * their commands. An unknown one is told every family's command, each named. */
static const DistroInfo distros[_DISTRO_MAX] = {
        [DISTRO_UNKNOWN] =
                {
                        .update_bootloader =
                                "sudo update-grub  # Debian/Ubuntu/Proxmox; Fedora/RHEL/openSUSE: sudo grub2-mkconfig -o /boot/grub2/grub.cfg; Arch: sudo grub-mkconfig -o /boot/grub/grub.cfg; systemd-boot: edit /etc/kernel/cmdline, then sudo kernel-install add-all",
                        .update_initramfs =
                                "sudo update-initramfs -u -k all  # Debian/Ubuntu/Proxmox; Fedora/RHEL/openSUSE: sudo dracut -f --regenerate-all; Arch: sudo mkinitcpio -P",
                        .initramfs_add_vfio_what =
                                "initramfs generator, told to include vfio, vfio_iommu_type1 and vfio_pci,",
                        .update_kernel =
                                "sudo apt update && sudo apt full-upgrade  # Debian/Ubuntu/Proxmox; Fedora/RHEL: sudo dnf upgrade kernel; openSUSE: sudo zypper update kernel-default; Arch: sudo pacman -Syu",
                        .pin_kernel = "ls /boot/vmlinuz-*",
                        .pin_kernel_how =
                                "pick it under \"Advanced options\" in the boot menu (Proxmox: proxmox-boot-tool kernel pin RELEASE; Fedora/RHEL: grubby --set-default /boot/vmlinuz-RELEASE)",
                },
        [DISTRO_DEBIAN] =
                {
                        .os_release_ids = (const char *const[]){"debian", "ubuntu", NULL},
                        .update_bootloader = "sudo update-grub",
                        .update_initramfs = "sudo update-initramfs -u -k all",
                        .install_driverctl = "sudo apt install driverctl",
                        .update_kernel = "sudo apt update && sudo apt full-upgrade",
                        .pin_kernel = "apt list --installed 'linux-image-*'",
                        .pin_kernel_how = "boot it under \"Advanced options\" in the GRUB menu",
                        .initramfs_add_vfio =
                                "grep -qx vfio_pci /etc/initramfs-tools/modules || printf 'vfio\\nvfio_iommu_type1\\nvfio_pci\\n' | sudo tee -a /etc/initramfs-tools/modules",
                        .initramfs_add_vfio_what = "second command",
                },
        [DISTRO_FEDORA] =
                {
                        .os_release_ids = (const char *const[]){"fedora", "rhel", "centos", NULL},
                        .update_bootloader = "sudo grub2-mkconfig -o /boot/grub2/grub.cfg",
                        .update_initramfs = "sudo dracut -f --regenerate-all",
                        .install_driverctl = "sudo dnf install driverctl",
                        .update_kernel = "sudo dnf upgrade kernel",
                        .pin_kernel = "sudo grubby --info=ALL | grep '^kernel='",
                        .pin_kernel_how =
                                "make it the default with sudo grubby --set-default /boot/vmlinuz-RELEASE",
                        .initramfs_add_vfio =
                                "echo 'force_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"' | sudo tee /etc/dracut.conf.d/vfio.conf",
                        .initramfs_add_vfio_what = "dracut setting",
                },
        [DISTRO_SUSE] =
                {
                        .os_release_ids = (const char *const[]){"suse", "opensuse", NULL},
                        .update_bootloader = "sudo grub2-mkconfig -o /boot/grub2/grub.cfg",
                        .update_initramfs = "sudo dracut -f --regenerate-all",
                        .install_driverctl = "sudo zypper install driverctl",
                        .update_kernel = "sudo zypper update kernel-default",
                        .pin_kernel = "zypper search --installed-only --details kernel-default",
                        .pin_kernel_how = "boot it under \"Advanced options\" in the GRUB menu",
                        .initramfs_add_vfio =
                                "echo 'force_drivers+=\" vfio vfio_iommu_type1 vfio_pci \"' | sudo tee /etc/dracut.conf.d/vfio.conf",
                        .initramfs_add_vfio_what = "dracut setting",
                },
        [DISTRO_ARCH] =
                {
                        .os_release_ids = (const char *const[]){"arch", NULL},
                        .update_bootloader = "sudo grub-mkconfig -o /boot/grub/grub.cfg",
                        .update_initramfs = "sudo mkinitcpio -P",
                        .initramfs_add_vfio =
                                "sudo sed -i 's/^MODULES=(/&vfio_pci vfio vfio_iommu_type1 /' /etc/mkinitcpio.conf",
                        .initramfs_add_vfio_what = "MODULES= edit",
                        .update_kernel = "sudo pacman -Syu",
                        .pin_kernel = "ls /var/cache/pacman/pkg/ | grep -E '^linux(-lts|-zen)?-[0-9]'",
                        .pin_kernel_how = "install it again with sudo pacman -U /var/cache/pacman/pkg/FILE",
                },
        /* pve-docs system-booting.adoc: update-grub (which runs proxmox-boot-tool refresh where that tool
         * keeps the ESPs) and update-initramfs (whose hook refreshes them too). */
        [DISTRO_PROXMOX] =
                {
                        .update_bootloader = "sudo update-grub",
                        .update_initramfs = "sudo update-initramfs -u -k all",
                        .install_driverctl = "sudo apt install driverctl",
                        .update_kernel = "sudo apt update && sudo apt full-upgrade",
                        .pin_kernel = "sudo proxmox-boot-tool kernel list",
                        .pin_kernel_how = "pin it with sudo proxmox-boot-tool kernel pin RELEASE",
                        .initramfs_add_vfio =
                                "grep -qx vfio_pci /etc/initramfs-tools/modules || printf 'vfio\\nvfio_iommu_type1\\nvfio_pci\\n' | sudo tee -a /etc/initramfs-tools/modules",
                        .initramfs_add_vfio_what = "second command",
                },
};

/* Proxmox VE booting systemd-boot: its command line is /etc/kernel/cmdline, copied to the ESPs' loader
 * entries by proxmox-boot-tool refresh (pve-docs system-booting.adoc, "Editing the Kernel Commandline"). */
static const char proxmox_systemd_boot_update[] =
        "sudo proxmox-boot-tool refresh  # this host boots systemd-boot: the parameters go on the one line of /etc/kernel/cmdline, /etc/default/grub is not read";

/* Proxmox VE's kernels (x.y.z-N-pve): its os-release is Debian's, its boot loader proxmox-boot-tool's. */
static const DistroInfo proxmox_kernels = {
        .update_kernel = "sudo apt update && sudo apt full-upgrade",
        .pin_kernel = "sudo proxmox-boot-tool kernel list",
        .pin_kernel_how = "pin it with sudo proxmox-boot-tool kernel pin RELEASE",
};

static const char *const distro_table[_DISTRO_MAX] = {
        [DISTRO_UNKNOWN] = "unknown", [DISTRO_DEBIAN] = "debian", [DISTRO_FEDORA] = "fedora",
        [DISTRO_SUSE] = "suse",       [DISTRO_ARCH] = "arch",     [DISTRO_PROXMOX] = "proxmox",
};

DEFINE_STRING_TABLE_LOOKUP(distro, Distro)

static const char *const cpu_vendor_table[_CPU_VENDOR_MAX] = {
        [CPU_VENDOR_UNKNOWN] = "unknown",
        [CPU_VENDOR_INTEL] = "intel",
        [CPU_VENDOR_AMD] = "amd",
        [CPU_VENDOR_OTHER] = "other",
};

DEFINE_STRING_TABLE_LOOKUP(cpu_vendor, CpuVendor)

static const char *const module_id_table[_MODULE_MAX] = {
        [MODULE_VFIO] = "vfio",
        [MODULE_VFIO_IOMMU_TYPE1] = "vfio_iommu_type1",
        [MODULE_VFIO_PCI] = "vfio_pci",
        [MODULE_KVM] = "kvm",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(module_id, ModuleId)

void host_facts_init_unprobed(HostFacts *f) {
        *f = (HostFacts){0};
}

/* The value of KEY= in os-release text, unquoted, into out. */
static bool os_release_value(const char *text, size_t len, const char *key, char *out, size_t outsz) {
        Span s = span_make(text, len);
        Span line;
        while (span_next_line(&s, &line)) {
                if (!span_eat_literal(&line, key) || !span_eat_char(&line, '='))
                        continue;
                if (line.len >= 2 && (line.p[0] == '"' || line.p[0] == '\'') &&
                    line.p[line.len - 1] == line.p[0]) {
                        line.p++;
                        line.len -= 2;
                }
                size_t n = 0;
                for (size_t i = 0; i < line.len && n + 1 < outsz; i++)
                        if ((unsigned char) line.p[i] >= 0x20 && line.p[i] != 0x7f)
                                out[n++] = line.p[i];
                out[n] = 0;
                return true;
        }
        return false;
}

/* The first distribution one of whose ids is a word of words, DISTRO_UNKNOWN if none. */
static Distro distro_named(const char *words) {
        for (Distro d = 0; d < _DISTRO_MAX; d++)
                for (const char *const *id = distros[d].os_release_ids; id && *id; id++)
                        if (words_contain(words, *id))
                                return d;
        return DISTRO_UNKNOWN;
}

static Distro distro_of(const char *id, const char *like) {
        Distro d = distro_named(id);
        return d != DISTRO_UNKNOWN ? d : distro_named(like);
}

static void probe_os_release(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        char like[256] = "";

        if (rootfs_read_file(rootfd, "etc/os-release", VX_PROBE_FILE_MAX, &text, &len) < 0 &&
            rootfs_read_file(rootfd, "usr/lib/os-release", VX_PROBE_FILE_MAX, &text, &len) < 0)
                return;
        f->os_release = KNOWN_PRESENT;
        os_release_value(text, len, "ID", f->os_id, sizeof(f->os_id));
        os_release_value(text, len, "ID_LIKE", like, sizeof(like));
        os_release_value(text, len, "PRETTY_NAME", f->os_pretty, sizeof(f->os_pretty));
        f->distro = distro_of(f->os_id, like);
        /* Proxmox VE keeps Debian's os-release; its cluster file system is mounted on /etc/pve. */
        if (f->distro == DISTRO_DEBIAN && strcmp(f->os_id, "debian") == 0) {
                int fd = rootfs_open_dir(rootfd, "etc/pve");
                if (fd >= 0) {
                        f->distro = DISTRO_PROXMOX;
                        close(fd);
                }
        }
}

static void probe_machine_id(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;

        if (rootfs_read_file(rootfd, "etc/machine-id", VX_PROBE_FILE_MAX, &text, &len) < 0 || len < 32)
                return;
        for (size_t i = 0; i < 32; i++)
                if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f')))
                        return;
        if (len > 32 && text[32] != '\n')
                return;
        memcpy(f->machine_id, text, 32);
        f->machine_id[32] = 0;
}

static void probe_cmdline(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len, n = 0;

        if (rootfs_read_file(rootfd, "proc/cmdline", VX_PROBE_FILE_MAX, &text, &len) < 0)
                return;
        for (size_t i = 0; i < len && n + 1 < sizeof(f->cmdline_text); i++)
                if (text[i] != '\n')
                        f->cmdline_text[n++] = (unsigned char) text[i] < 0x20 ? ' ' : text[i];
        f->cmdline_text[n] = 0;
        f->cmdline = KNOWN_PRESENT;
}

static void probe_iommu_class(int rootfd, HostFacts *f) {
        DIR *d = rootfs_opendir(rootfd, "sys/class/iommu");
        if (!d) {
                /* No class directory at all on a sysfs that is there: no IOMMU driver registered. */
                int sys = rootfs_open_dir(rootfd, "sys/class");
                if (sys >= 0) {
                        f->iommu_class = KNOWN_ABSENT;
                        close(sys);
                }
                return;
        }
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        f->n_iommus++;
        closedir(d);
        f->iommu_class = f->n_iommus > 0 ? KNOWN_PRESENT : KNOWN_ABSENT;
}

static void probe_acpi(int rootfd, HostFacts *f) {
        int fd = rootfs_open_dir(rootfd, "sys/firmware/acpi/tables");
        if (fd < 0)
                return;
        f->acpi_dmar = faccessat(fd, "DMAR", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ? KNOWN_PRESENT : KNOWN_ABSENT;
        f->acpi_ivrs = faccessat(fd, "IVRS", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ? KNOWN_PRESENT : KNOWN_ABSENT;
        close(fd);
}

/* With interrupt remapping on, the kernel's MSI and IO-APIC chips are the IR- ones (IR-PCI-MSI ...). */
static void probe_irq_remapping(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (rootfs_read_file(rootfd, "proc/interrupts", VX_PROBE_FILE_MAX * 64, &text, &len) < 0)
                return;
        bool msi = strstr(text, "PCI-MSI") != NULL || strstr(text, "IO-APIC") != NULL;
        if (strstr(text, " IR-"))
                f->irq_remapping = KNOWN_PRESENT;
        else if (msi)
                f->irq_remapping = KNOWN_ABSENT;
}

/* The user who ran vfioexplain, as it was before cli/privileges.c made the process nobody. */
static struct {
        bool saved;
        uid_t uid;
        gid_t gid;
        gid_t groups[16];
        int n_groups;
} self_credentials;

void host_self_credentials_save(void) {
        if (self_credentials.saved)
                return;
        self_credentials.uid = geteuid();
        self_credentials.gid = getegid();
        self_credentials.n_groups = getgroups(16, self_credentials.groups);
        self_credentials.saved = true;
}

int probe_host(const char *root, HostFacts *ret) {
        HostFacts f = {.root = root};
        (void) rootfs_take_out_of_memory();
        int rootfd = rootfs_open(root);
        if (rootfd < 0)
                return rootfd == -ENOMEM ? -ENOMEM : -EINVAL;
        probe_os_release(rootfd, &f);
        probe_machine_id(rootfd, &f);
        probe_cmdline(rootfd, &f);
        probe_iommu_class(rootfd, &f);
        probe_acpi(rootfd, &f);
        probe_irq_remapping(rootfd, &f);
        probe_pci(rootfd, &f);
        probe_names(rootfd, &f);
        probe_host_use(rootfd, &f);
        probe_vfio(rootfd, &f);
        probe_limits(rootfd, &f);
        probe_iomem(rootfd, &f);
        probe_console(rootfd, &f);
        probe_boot_config(rootfd, &f);
        probe_system(rootfd, &f);
        if (strcmp(root, "/") == 0) {
                host_self_credentials_save();
                f.self_uid = self_credentials.uid;
                f.self_gid = self_credentials.gid;
                for (int i = 0; i < self_credentials.n_groups && i < 16; i++)
                        f.self_groups[f.n_self_groups++] = self_credentials.groups[i];
                f.self_ids = KNOWN_PRESENT;
        }
        close(rootfd);
        if (rootfs_take_out_of_memory()) {
                host_facts_done(&f);
                return -ENOMEM;
        }
        *ret = f;
        return 0;
}

void host_facts_done(HostFacts *f) {
        free(f->devices);
        free(f->group_nodes);
        f->devices = NULL;
        f->group_nodes = NULL;
        f->n_devices = f->n_group_nodes = 0;
}

const DistroInfo *distro_info(Distro d) {
        return &distros[d < _DISTRO_MAX ? d : DISTRO_UNKNOWN];
}

const char *host_update_bootloader(const HostFacts *f) {
        if (f->distro == DISTRO_PROXMOX && f->proxmox_systemd_boot == KNOWN_PRESENT)
                return proxmox_systemd_boot_update;
        return distro_info(f->distro)->update_bootloader;
}

/* proxmox-boot-tool copies /etc/kernel/cmdline, one line, to the loader entries: a parameter goes at its
 * start. */
const char *host_cmdline_file(const HostFacts *f) {
        if (f->distro == DISTRO_PROXMOX && f->proxmox_systemd_boot == KNOWN_PRESENT)
                return "/etc/kernel/cmdline";
        return "/etc/default/grub";
}

const char *host_cmdline_anchor(const HostFacts *f) {
        if (f->distro == DISTRO_PROXMOX && f->proxmox_systemd_boot == KNOWN_PRESENT)
                return "^";
        return "^GRUB_CMDLINE_LINUX_DEFAULT=\"";
}

const char *host_update_initramfs(const HostFacts *f) {
        return distro_info(f->distro)->update_initramfs;
}

static const DistroInfo *kernel_distro(const HostFacts *f, KernelVendor vendor) {
        switch (vendor) {
        case KERNEL_VENDOR_PROXMOX:
                return &proxmox_kernels;
        case KERNEL_VENDOR_DEBIAN:
        case KERNEL_VENDOR_UBUNTU:
                return distro_info(DISTRO_DEBIAN);
        case KERNEL_VENDOR_FEDORA:
                return distro_info(DISTRO_FEDORA);
        case KERNEL_VENDOR_ARCH:
                return distro_info(DISTRO_ARCH);
        default:
                return distro_info(f ? f->distro : DISTRO_UNKNOWN);
        }
}

const char *host_update_kernel(const HostFacts *f, KernelVendor vendor) {
        return kernel_distro(f, vendor)->update_kernel;
}

const char *host_pin_kernel(const HostFacts *f, KernelVendor vendor) {
        return kernel_distro(f, vendor)->pin_kernel;
}

const char *host_pin_kernel_how(const HostFacts *f, KernelVendor vendor) {
        return kernel_distro(f, vendor)->pin_kernel_how;
}
