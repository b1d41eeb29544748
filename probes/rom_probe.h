/* SPDX-License-Identifier: MIT */
#pragma once

/* ROM files on the host (under the probe root), judged for the devices they are given to: the romfile=
 * paths logs name (romfile_refs.h) and the <rom file=> of a libvirt domain (domain.h). What is wrong
 * becomes probe lines (docs/probe-lines.md) that rules/rom.rules reads:
 *   vfio-pci ADDR romfile PATH: FINDING                     (a romfile= a log names)
 *   domain NAME: hostdev ADDR rom file PATH: FINDING        (a domain's <rom file=>)
 * where FINDING is the text of a RomFinding (optionrom.h). Files are only read, never run. */

#include <stdbool.h>
#include <stdint.h>

#include "optionrom.h"
#include "probe_lines.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/romfile_refs.h"

/* Reads and parses the ROM file path (absolute, as the host names it, taken from a log or a domain) under
 * the root rootfd: only a regular file of at most VX_ROM_FILE_MAX bytes below one of the directories QEMU
 * and libvirt load ROMs from (rom.c lists them, README "VBIOS and option ROM files"), that directory the
 * root of its resolution. Returns 0 (ret->unquoted set: no byte of it is shown), -EPERM for a path
 * elsewhere, -EFBIG for a larger file, or the error opening or reading it. */
int rom_read_under(int rootfd, const char *path, RomInfo *ret);

/* The vendor and device the probes read for address; false when the host has no such device or its
 * ids could not be read. */
bool rom_device_ids(const HostFacts *host, const char *address, uint16_t *vendor, uint16_t *device);

/* For each romfile= of refs that is a file under the probed root (host->root): what is wrong with it for
 * its device, as "vfio-pci ADDR romfile PATH: FINDING" lines. A file that cannot be read gives no line
 * (QEMU's own "failed to find romfile" says that), nor does an empty one ("romfile ... is empty"). Stops
 * at and returns the first negative return of fn. */
int rom_probe_lines(const HostFacts *host, const RomfileRefs *refs, probe_line_fn fn, void *userdata);

/* For each device refs names with x-vga=on: a line when vfio-pci can give it no VGA region, because its
 * class is not VGA-compatible (0x0300xx; vfio_pci_is_vga() in drivers/vfio/pci), as
 * "vfio-pci ADDR x-vga=on: class=CCCCCC (NAME) is not a VGA controller (0300xx)". Returns as
 * rom_probe_lines(). */
int vga_probe_lines(const HostFacts *host, const RomfileRefs *refs, probe_line_fn fn, void *userdata);
