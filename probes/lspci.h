/* SPDX-License-Identifier: MIT */
#pragma once

/* The PCI devices of a guest as `lspci -nnk` shows them, and the modules that would drive them. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfioexplain/pci_address.h"

#include "vfioexplain/limits.h"

typedef struct LspciDevice {
        PciAddress address; /* normalised: 0000:00:05.0 */
        unsigned long line; /* of its header line, from 1 */
        uint16_t vendor, device, subvendor, subdevice; /* subsystem 0 when lspci shows none */
        uint8_t class_base, class_sub, prog_if;
        char driver[VX_LSPCI_NAME_MAX + 1]; /* "Kernel driver in use", "" if none */
        char modules[VX_LSPCI_NAME_MAX + 1]; /* "Kernel modules", "" if none */
        bool pciutils; /* pciutils' lspci printed it: lines under it, or its -n shape, say so */
        bool toybox; /* toybox's lspci printed it (Android): one line, no subsystem, no modules */
        bool prog_if_unknown; /* toybox without -e does not print the programming interface */
        bool driver_unknown; /* toybox without -k: whether a driver holds it is not shown */
} LspciDevice;

/* The devices of lspci text in buf[0..len), at most max. pciutils (lspci.c show_device() with -n or -nn,
 * show_kernel() with -k): a header line "00:05.0 VGA compatible controller [0300]: NVIDIA Corporation
 * GP104 [GeForce GTX 1080] [10de:1b80] (rev a1)" or "00:05.0 0300: 10de:1b80 (rev a1)" and the
 * TAB-indented lines under it. toybox (Android; toys/other/lsusb.c list_pci()): one line a device, the
 * driver last with -k: "00:05.0 0300: 10de:1b80  (rev a1) nouveau", "00:05.0 VGA compatible controller
 * [0300]: NVIDIA Corporation GP104 [10de:1b80] (rev a1) nouveau", the class in 6 digits with -e; toybox
 * before 2022 (toys/other/lspci.c): "00:05.0 Class 0300: 10de:1b80 nouveau". A toybox listing shows its
 * drivers when any of its devices has one; otherwise driver_unknown is set. Other lines (a dmesg around
 * it) are skipped. No I/O. Returns the number of devices in ret. */
size_t lspci_parse(const char *buf, size_t len, LspciDevice *ret, size_t max);

/* The same a line at a time, for a guest log read as it streams: init, each line (without its newline),
 * then finish, which returns what lspci_parse() returns. */
typedef struct LspciParser {
        LspciDevice *ret;
        size_t max, n;
        unsigned long lineno;
        LspciDevice *cur; /* the device whose TAB-indented lines follow, or NULL */
} LspciParser;

void lspci_parser_init(LspciParser *p, LspciDevice *ret, size_t max);
void lspci_parser_line(LspciParser *p, const char *line, size_t len);
size_t lspci_parser_finish(LspciParser *p);

/* The device's modalias as the kernel writes it (drivers/pci/pci-sysfs.c modalias_show()):
 * pci:vVVVVVVVVdDDDDDDDDsvSSSSSSSSsdSSSSSSSSbcCCscCCiII */
void lspci_modalias(const LspciDevice *d, char ret[static 64]);

/* The modules whose "alias pci:... MODULE" lines of modules.alias text buf[0..len) match modalias
 * (glob patterns, as kmod matches them), distinct, in file order, separated by a space; at most size-1
 * bytes, whole names only. any_prog_if: the modalias's programming interface is not known, and every
 * pattern's matches. No I/O. Returns how many were found. */
size_t modules_alias_match(const char *buf, size_t len, const char *modalias, bool any_prog_if, char *ret,
                           size_t size);

/* The host's modules.alias under sysroot (lib/modules/RELEASE/modules.alias, RELEASE from
 * proc/sys/kernel/osrelease), at most VX_MODULES_ALIAS_MAX bytes; release gets RELEASE. Read only.
 * Returns 0 or a negative errno; outputs untouched on failure. */
int modules_alias_read_host(const char *sysroot, char **ret, size_t *ret_len, char release[static 128]);
