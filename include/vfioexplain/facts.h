/* SPDX-License-Identifier: MIT */
#pragma once

/* What the probes saw of the host. Every fact says whether it was probed at all, found absent, or
 * has a value (pciutils' known_fields), so "unknown" is never mistaken for "no". */

#include <stdbool.h>
#include <stddef.h>

typedef enum Known {
        KNOWN_NOT_PROBED, /* not looked at (--no-probe), or could not be read */
        KNOWN_ABSENT,
        KNOWN_PRESENT,
} Known;

const char *known_to_string(Known k);

typedef enum Distro {
        DISTRO_UNKNOWN,
        DISTRO_DEBIAN, /* and Ubuntu, Mint, Proxmox VE ...: update-grub, update-initramfs */
        DISTRO_FEDORA, /* and RHEL, CentOS, Rocky, Alma: grub2-mkconfig / grubby, dracut */
        DISTRO_SUSE, /* grub2-mkconfig, dracut */
        DISTRO_ARCH, /* grub-mkconfig, mkinitcpio */
        _DISTRO_MAX,
} Distro;

typedef struct HostFacts {
        const char *root;
        Known os_release;
        char os_id[64];
        char os_pretty[128];
        Distro distro;
        Known cmdline;
        char cmdline_text[4096];
        Known iommu_class; /* /sys/class/iommu has entries */
        size_t n_iommus;
} HostFacts;

/* Probes the host under root ("/" for this host). Never writes. Facts that cannot be read stay
 * KNOWN_NOT_PROBED. Returns 0, or -EINVAL if root cannot be opened as a directory. */
int probe_host(const char *root, HostFacts *ret);
void host_facts_init_unprobed(HostFacts *f);

/* The distribution's command to regenerate the boot loader configuration / the initramfs. */
const char *host_update_bootloader(const HostFacts *f);
const char *host_update_initramfs(const HostFacts *f);
