/* SPDX-License-Identifier: MIT */
/* Boot framebuffers (efifb, vesafb, sysfb's BOOTFB with simpledrm or simplefb in it) in /proc/iomem that
 * sit inside a PCI BAR: the region vfio-pci then cannot claim ("BAR 1: can't reserve"). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "framebuffer.h"
#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

static bool is_framebuffer(Span name) {
        char buf[32];
        if (name.len >= sizeof(buf))
                return false;
        memcpy(buf, name.p, name.len);
        buf[name.len] = 0;
        return boot_framebuffer_name(buf);
}

/* A driver's request nested in a framebuffer resource already recorded (simpledrm inside BOOTFB): it names
 * who drives that framebuffer, and is no second hold. */
static bool nested_in_hold(HostFacts *f, uint64_t start, uint64_t end, Span name) {
        for (size_t i = 0; i < f->n_framebuffers; i++) {
                FramebufferHold *h = &f->framebuffers[i];
                if (start < h->start || end > h->end)
                        continue;
                if (!h->driver[0])
                        snprintf(h->driver, sizeof(h->driver), "%.*s", (int) MIN(name.len, (size_t) 31),
                                 name.p);
                return true;
        }
        return false;
}

void probe_iomem(int rootfd, HostFacts *f) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        bool nonzero = false;

        if (rootfs_read_file(rootfd, "proc/iomem", VX_PROBE_FILE_MAX * 16, &text, &len) < 0)
                return;
        Span s = span_make(text, len);
        Span line;
        while (span_next_line(&s, &line)) {
                uint64_t start, end;
                span_eat_blanks(&line);
                if (!span_eat_hex64(&line, &start) || !span_eat_char(&line, '-') ||
                    !span_eat_hex64(&line, &end) || !span_eat_literal(&line, " : "))
                        continue;
                if (end != 0)
                        nonzero = true;
                span_trim(&line);
                if (!is_framebuffer(line) || nested_in_hold(f, start, end, line) ||
                    f->n_framebuffers >= FACTS_FRAMEBUFFER_MAX)
                        continue;
                for (size_t i = 0; i < f->n_devices; i++)
                        for (int bar = 0; bar < 6; bar++) {
                                const PciDevice *d = &f->devices[i];
                                if (!d->bar_end[bar] || start < d->bar_start[bar] || start > d->bar_end[bar])
                                        continue;
                                FramebufferHold *h = &f->framebuffers[f->n_framebuffers++];
                                *h = (FramebufferHold){.start = start, .end = end, .bar = bar};
                                snprintf(h->name, sizeof(h->name), "%.*s", (int) MIN(line.len, (size_t) 31),
                                         line.p);
                                snprintf(h->device, sizeof(h->device), "%s", d->address);
                                goto next;
                        }
next:;
        }
        /* Unprivileged readers see every address as zero: then nothing here is known. */
        f->iomem = nonzero ? KNOWN_PRESENT : KNOWN_NOT_PROBED;
        if (!nonzero)
                f->n_framebuffers = 0;
}
