/* SPDX-License-Identifier: MIT */
#pragma once

/* The probed host state as lines of text (source "probe"), so that the same rules that read logs
 * judge the host: "iommu: acpi-tables=DMAR units=0" is evidence like a kernel line. The format of
 * each line is documented in docs/probe-lines.md; rules/probe.rules reads them. */

#include <stddef.h>

#include "vfioexplain/facts.h"
#include "vfioexplain/macro.h"

typedef int (*probe_line_fn)(const char *line, size_t len, void *userdata);

/* Where the judging code of each layer writes its lines: after fn's first negative return nothing more is
 * written, and r keeps that return for the caller. */
typedef struct ProbeLineEmitter {
        probe_line_fn fn;
        void *userdata;
        int r;
} ProbeLineEmitter;

void probe_line_emit(ProbeLineEmitter *e, const char *fmt, ...) _printf_(2, 3);

/* What a display device's class code calls it, as the judging lines say it. */
const char *probe_display_class_name(unsigned class_code);

/* Host-wide lines, then the lines of each device in devices (addresses, normalised), including a
 * line saying a device is absent. Stops at and returns the first negative return of fn. */
int probe_lines(const HostFacts *f, PciAddress *devices, size_t n_devices, probe_line_fn fn, void *userdata);

/* The devices 'check' looks at when none is named: those the host does not use (no driver, vfio-pci,
 * pci-stub, or steered to vfio-pci by driver_override); bridges are never candidates. */
size_t probe_vfio_devices(const HostFacts *f, PciAddress *out, size_t max);
