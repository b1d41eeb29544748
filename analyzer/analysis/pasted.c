/* SPDX-License-Identifier: MIT */
/* What listings pasted together show of their host, stated as the probes state the same of this host, so
 * that the probe rules judge the paste's host as they judge this one: a device that a pasted vfio-pci ids=
 * lists and that a pasted lspci -k shows on a host driver or on none; a vfio_pci that a pasted `lsmod | grep
 * vfio` would have shown and does not; the locked-memory limit a pasted `ulimit -l` replied. */
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

/* Whether a line read is libvirt's own (a VM it starts gets the locked-memory limit libvirt sets, not the
 * limit of the shell the user typed in). */
static bool libvirt_lines(const Analysis *a) {
        for (size_t i = 0; i < a->n_symptoms; i++)
                if (a->symptoms[i].ev.source == SOURCE_LIBVIRT)
                        return true;
        for (size_t i = 0; i < a->n_findings; i++)
                for (size_t e = 0; e < a->findings[i].f.n_evidence; e++)
                        if (a->findings[i].f.evidence[e].source == SOURCE_LIBVIRT)
                                return true;
        return false;
}

/* A pasted `ulimit -l` (context.c note_ulimit_l()): "ulimit -l: 65536" or "ulimit -l: unlimited"
 * (rules/listings.rules), its evidence the line of the number. The limit is the shell's, and a QEMU started
 * from it inherits it: where libvirt's lines show that libvirt started the VM, libvirt set its own, and the
 * shell's says nothing of it. */
static int judge_ulimit(Analysis *a) {
        const HostContext *c = &a->ctx;
        if (c->n_pasted_ulimit == 0 || libvirt_lines(a))
                return 0;
        for (size_t i = 0; i < c->n_pasted_ulimit; i++) {
                const PastedUlimit *u = &c->pasted_ulimit[i];
                char text[64];
                snprintf(text, sizeof(text), "ulimit -l: %s", u->value);
                int r = analysis_feed_statement(a, u->input, u->line, u->text, u->epoch, text);
                if (r < 0)
                        return r;
        }
        return 0;
}

int pasted_judge(Analysis *a) {
        int r = judge_ids(a);
        if (r >= 0)
                r = judge_lsmod(a);
        return r < 0 ? r : judge_ulimit(a);
}
