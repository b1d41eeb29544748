/* SPDX-License-Identifier: MIT */
/* Vendor and device names from the root's pci.ids, through libpci's name database. The file is
 * opened under the root (RESOLVE_IN_ROOT) and handed to libpci as /proc/self/fd/N, so a symlink in a
 * fixture or a hostile tree cannot send libpci outside the root. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pci/pci.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dlopen.h"
#include "rootfs.h"
#include "vfioexplain/facts.h"

static void *libpci;
DLSYM_PROTOTYPE(pci_alloc);
DLSYM_PROTOTYPE(pci_cleanup);
DLSYM_PROTOTYPE(pci_lookup_name);
DLSYM_PROTOTYPE(pci_set_name_list_path);

/* libpci calls these and expects error() not to return; name lookups do not reach them, but a
 * library must not print or exit on our behalf. */
static void quiet(char *msg, ...) {
        (void) msg;
}

void probe_names(int rootfd, HostFacts *f) {
        static const char *const paths[] = {"usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids",
                                            "usr/share/pci.ids"};
        int fd = -1;
        /* Without libpci the devices keep their numbers only, as without a pci.ids. */
        if (dlopen_many_sym(&libpci, VX_SONAME_LIBPCI, NULL, DLSYM_ARG(pci_alloc), DLSYM_ARG(pci_cleanup),
                            DLSYM_ARG(pci_lookup_name), DLSYM_ARG(pci_set_name_list_path), NULL) < 0)
                return;
        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]) && fd < 0; i++)
                fd = rootfs_open_file(rootfd, paths[i]);
        if (fd < 0)
                return;
        struct pci_access *pacc = sym_pci_alloc();
        if (!pacc) {
                close(fd);
                return;
        }
        pacc->warning = quiet;
        pacc->debug = quiet;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        /* raw-open: libpci opens /proc/self/fd/N, the pci.ids opened above: a regular file under the root.
         */
        sym_pci_set_name_list_path(pacc, path, 0);
        for (size_t i = 0; i < f->n_devices; i++) {
                PciDevice *d = &f->devices[i];
                char buf[256];
                const char *name = sym_pci_lookup_name(
                        pacc, buf, sizeof(buf),
                        PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE | PCI_LOOKUP_NO_NUMBERS, d->vendor, d->device);
                if (name)
                        snprintf(d->name, sizeof(d->name), "%s", name);
        }
        sym_pci_cleanup(pacc);
        close(fd);
}
