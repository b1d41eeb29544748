/* SPDX-License-Identifier: MIT */
/* What listings pasted together show of their host, stated as the probes state the same of this host, so
 * that the probe rules judge the paste's host as they judge this one: a device that a pasted vfio-pci ids=
 * lists and that a pasted lspci -k shows on a host driver or on none; a vfio_pci that a pasted `lsmod | grep
 * vfio` would have shown and does not. */
#include <stdio.h>
#include <string.h>

#include "analysis_internal.h"

/* "device 0000:01:00.0: id 10de:1b80 is in vfio-pci ids= of /etc/modprobe.d/ but the device is on nouveau
 * (softdep: no)", as probes/lines.c emit_device() says it of this host (rules/probe.rules); "on no driver"
 * for one with none (rules/listings.rules). The evidence is the pasted ids= line. */
static int judge_ids(Analysis *a) {
        const HostContext *c = &a->ctx;
        for (size_t i = 0; i < c->n_pasted_devices; i++) {
                const PastedDevice *d = &c->pasted_devices[i];
                if (!d->kernel_lines || d->guest || strcmp(d->driver, "vfio-pci") == 0)
                        continue;
                const PastedIds *ids = context_pasted_ids_of(c, d->epoch, d->vendor, d->device);
                if (!ids)
                        continue;
                char text[256];
                if (d->driver[0])
                        snprintf(
                                text, sizeof(text),
                                "device %s: id %04x:%04x is in vfio-pci ids= of %s but the device is on %s (softdep: %s)",
                                d->address, (unsigned) d->vendor, (unsigned) d->device, ids->where,
                                d->driver, c->pasted_softdep ? "yes" : "no");
                else
                        snprintf(
                                text, sizeof(text),
                                "device %s: id %04x:%04x is in vfio-pci ids= of %s but the device is on no driver",
                                d->address, (unsigned) d->vendor, (unsigned) d->device, ids->where);
                int r = analysis_feed_statement(a, ids->input, ids->line, ids->text, d->epoch, text);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A pasted `lsmod | grep vfio` that lists vfio but no vfio_pci (context.c note_lsmod_grep()): "lsmod | grep
 * vfio: vfio_pci not loaded, vfio a module" (rules/listings.rules). The evidence is the line of vfio. */
static int judge_lsmod(Analysis *a) {
        const HostContext *c = &a->ctx;
        for (size_t i = 0; i < c->n_pasted_lsmod; i++) {
                const PastedLsmod *l = &c->pasted_lsmod[i];
                if (l->vfio_pci)
                        continue;
                int r = analysis_feed_statement(a, l->input, l->line, l->text, l->epoch,
                                                "lsmod | grep vfio: vfio_pci not loaded, vfio a module");
                if (r < 0)
                        return r;
        }
        return 0;
}

int pasted_judge(Analysis *a) {
        int r = judge_ids(a);
        return r < 0 ? r : judge_lsmod(a);
}
