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

static const char *const distro_table[_DISTRO_MAX] = {
        [DISTRO_UNKNOWN] = "unknown", [DISTRO_DEBIAN] = "debian", [DISTRO_FEDORA] = "fedora",
        [DISTRO_SUSE] = "suse",       [DISTRO_ARCH] = "arch",
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

static Distro distro_of(const char *id, const char *like) {
        static const struct {
                const char *word;
                Distro d;
        } table[] = {
                {"debian", DISTRO_DEBIAN}, {"ubuntu", DISTRO_DEBIAN}, {"fedora", DISTRO_FEDORA},
                {"rhel", DISTRO_FEDORA},   {"centos", DISTRO_FEDORA}, {"suse", DISTRO_SUSE},
                {"opensuse", DISTRO_SUSE}, {"arch", DISTRO_ARCH},
        };
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (words_contain(id, table[i].word))
                        return table[i].d;
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (words_contain(like, table[i].word))
                        return table[i].d;
        return DISTRO_UNKNOWN;
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
                int sys = rootfs_openat(rootfd, "sys/class", O_RDONLY | O_DIRECTORY);
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
        int fd = rootfs_openat(rootfd, "sys/firmware/acpi/tables", O_PATH | O_DIRECTORY);
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
        int rootfd = rootfs_open(root);
        if (rootfd < 0)
                return -EINVAL;
        probe_os_release(rootfd, &f);
        probe_machine_id(rootfd, &f);
        probe_cmdline(rootfd, &f);
        probe_iommu_class(rootfd, &f);
        probe_acpi(rootfd, &f);
        probe_irq_remapping(rootfd, &f);
        probe_pci(rootfd, &f);
        probe_names(rootfd, &f);
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

const char *host_update_bootloader(const HostFacts *f) {
        switch (f->distro) {
        case DISTRO_DEBIAN:
                return "sudo update-grub";
        case DISTRO_FEDORA:
                return "sudo grub2-mkconfig -o /boot/grub2/grub.cfg";
        case DISTRO_SUSE:
                return "sudo grub2-mkconfig -o /boot/grub2/grub.cfg";
        case DISTRO_ARCH:
                return "sudo grub-mkconfig -o /boot/grub/grub.cfg";
        default:
                return "sudo update-grub  # Debian/Ubuntu/Proxmox; Fedora/RHEL/openSUSE: sudo grub2-mkconfig -o /boot/grub2/grub.cfg; Arch: sudo grub-mkconfig -o /boot/grub/grub.cfg; systemd-boot: edit /etc/kernel/cmdline, then sudo kernel-install add-all";
        }
}

const char *host_update_initramfs(const HostFacts *f) {
        switch (f->distro) {
        case DISTRO_DEBIAN:
                return "sudo update-initramfs -u -k all";
        case DISTRO_FEDORA:
        case DISTRO_SUSE:
                return "sudo dracut -f --regenerate-all";
        case DISTRO_ARCH:
                return "sudo mkinitcpio -P";
        default:
                return "sudo update-initramfs -u -k all  # Debian/Ubuntu/Proxmox; Fedora/RHEL/openSUSE: sudo dracut -f --regenerate-all; Arch: sudo mkinitcpio -P";
        }
}
