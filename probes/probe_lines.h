/* SPDX-License-Identifier: MIT */
#pragma once

/* The probed host state as lines of text (source "probe"), so that the same rules that read logs
 * judge the host: "iommu: acpi-tables=DMAR units=0" is evidence like a kernel line. The format of
 * each line is documented in docs/probe-lines.md; rules/probe.rules reads them. */

#include <stddef.h>

#include "vfioexplain/facts.h"

typedef int (*probe_line_fn)(const char *line, size_t len, void *userdata);

/* Host-wide lines, then the lines of each device in devices (addresses, normalised), including a
 * line saying a device is absent. Stops at and returns the first negative return of fn. */
int probe_lines(const HostFacts *f, PciAddress *devices, size_t n_devices, probe_line_fn fn, void *userdata);

/* The devices 'check' looks at when none is named: those the host does not use (no driver, vfio-pci,
 * pci-stub, or steered to vfio-pci by driver_override); bridges are never candidates. */
size_t probe_vfio_devices(const HostFacts *f, PciAddress *out, size_t max);
