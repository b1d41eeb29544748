/* SPDX-License-Identifier: MIT */
#pragma once

/* The ROM files that logs name for assigned devices, so that the probes can look at what they hold. QEMU
 * takes them as -device vfio-pci,host=ADDR,...,romfile=PATH (its errors repeat that option as their
 * location: "qemu-system-x86_64: -device vfio-pci,host=...,romfile=...: ..."), and libvirt writes its
 * command line into the domain log in that form or, in newer releases, as JSON (its tests/qemuxmlconfdata
 * *.args): -device '{"driver":"vfio-pci","host":"0000:01:00.0",...,"romfile":"/path"}'. The same command
 * lines say whether the guest boots UEFI firmware (an OVMF/edk2 pflash drive or -bios). Values are checked
 * against the grammar of capture.h before they are kept: only an absolute path fit for a fix command is. */

#include <stdbool.h>
#include <stddef.h>

#include "vfioexplain/pci_address.h"

#include "vfioexplain/limits.h"
#include "vfioexplain/line.h"

typedef struct RomfileRef {
        PciAddress address; /* the host device, normalised */
        char path[VX_CAPTURE_MAX + 1];
} RomfileRef;

typedef struct RomfileRefs {
        RomfileRef refs[VX_ROMFILE_REFS_MAX];
        size_t n;
        size_t dropped; /* beyond VX_ROMFILE_REFS_MAX */
        bool uefi; /* a QEMU command line with OVMF/edk2/AAVMF firmware was seen */
        /* Devices given with x-vga=on (the legacy VGA ranges), whose class the probes then check. */
        PciAddress vga[VX_ROMFILE_REFS_MAX];
        size_t n_vga;
        /* The id= of each -device vfio-pci seen, for a later -set device.ID.x-vga=on (the form a
         * <qemu:commandline> adds, which QEMU accepts for a key=value -device only). */
        struct {
                char id[VX_QEMU_ID_MAX + 1];
                PciAddress address;
        } ids[VX_ROMFILE_REFS_MAX];
        size_t n_ids;
} RomfileRefs;

/* Looks at one line (no I/O) and keeps each new (address, path) pair it names, and each address given
 * x-vga=on, on its -device or by a -set of its id after it. */
void romfile_refs_scan(RomfileRefs *r, const char *line, size_t len);

/* Whether a line classified as l can hold such a reference: QEMU lines and their option locations, and
 * unprefixed lines (a command line in a libvirt domain log). Kernel and journal lines never do, which
 * spares the scan of most of a large log. */
bool romfile_refs_wanted(const Line *l);
