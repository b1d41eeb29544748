/* SPDX-License-Identifier: MIT */
/* Vendor and device names from the root's pci.ids, read within VX_PCI_IDS_MAX and parsed in one pass. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rootfs.h"
#include "strparse.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

/* A device wanted, by its ids, and where it is in the host's list. */
typedef struct Wanted {
        uint32_t ids; /* vendor << 16 | device */
        size_t index;
} Wanted;

static int cmp_wanted(const void *a, const void *b) {
        uint32_t x = ((const Wanted *) a)->ids, y = ((const Wanted *) b)->ids;
        return (x > y) - (x < y);
}

/* "1b80  GP104 [GeForce GTX 1080]": four hex digits, two spaces, the name (pciutils' pci.ids format). */
static bool id_line(Span line, unsigned *id, Span *name) {
        unsigned v = 0;
        if (line.len < 7 || line.p[4] != ' ' || line.p[5] != ' ')
                return false;
        for (size_t i = 0; i < 4; i++) {
                int d = span_xdigit_value(line.p[i]);
                if (d < 0)
                        return false;
                v = v << 4 | (unsigned) d;
        }
        *id = v;
        *name = span_make(line.p + 6, line.len - 6);
        return true;
}

/* "03  Display controller" (a class after "C "), "00  VGA compatible controller" (a subclass one tab in). */
static bool class_line(Span line, unsigned *id, Span *name) {
        if (line.len < 5 || line.p[2] != ' ' || line.p[3] != ' ')
                return false;
        int hi = span_xdigit_value(line.p[0]), lo = span_xdigit_value(line.p[1]);
        if (hi < 0 || lo < 0)
                return false;
        *id = (unsigned) (hi << 4 | lo);
        *name = span_make(line.p + 4, line.len - 4);
        return true;
}

/* The class's name for the devices of class cls, until a subclass of theirs names them (as lspci does). */
static void set_class_names(HostFacts *f, unsigned cls, Span name) {
        for (size_t i = 0; i < f->n_devices; i++) {
                PciDevice *d = &f->devices[i];
                if ((d->class_code >> 16 & 0xffu) == cls && !d->class_name[0])
                        snprintf(d->class_name, sizeof(d->class_name), "%.*s", (int) MIN(name.len, 256u),
                                 name.p);
        }
}

void names_from_pci_ids(const char *text, size_t len, HostFacts *f) {
        Wanted *want = f->n_devices ? calloc(f->n_devices, sizeof(Wanted)) : NULL;
        Span *vendor_of = f->n_devices ? calloc(f->n_devices, sizeof(Span)) : NULL;
        bool *sub_named = f->n_devices ? calloc(f->n_devices, sizeof(bool)) : NULL;
        if (!want || !vendor_of || !sub_named) {
                free(want);
                free(vendor_of);
                free(sub_named);
                return;
        }
        for (size_t i = 0; i < f->n_devices; i++)
                want[i] = (Wanted){.ids = (f->devices[i].vendor & 0xffffu) << 16 |
                                           (f->devices[i].device & 0xffffu),
                                   .index = i};
        qsort(want, f->n_devices, sizeof(Wanted), cmp_wanted);

        /* Vendors at the start of a line, their devices one tab in, subsystems two; "C " starts the class
         * list, where tabs are subclasses. The first entry of an id wins, as in libpci. */
        Span s = span_make(text, len), line, vendor_name = {0};
        bool in_vendor = false, in_class = false;
        unsigned vendor = 0, id, cls = 0;
        while (span_next_line(&s, &line)) {
                Span name;
                if (line.len == 0 || line.p[0] == '#')
                        continue;
                if (line.p[0] == 'C' && line.len > 2 && line.p[1] == ' ') {
                        in_vendor = false;
                        in_class = class_line(span_make(line.p + 2, line.len - 2), &cls, &name);
                        if (in_class)
                                set_class_names(f, cls, name);
                        continue;
                }
                if (line.p[0] != '\t') {
                        in_class = false;
                        in_vendor = id_line(line, &vendor, &vendor_name);
                        /* lspci's "Intel Corporation Device 0d57" for a device pci.ids does not know. */
                        for (size_t i = 0; in_vendor && i < f->n_devices; i++)
                                if (f->devices[i].vendor == vendor && !vendor_of[i].p)
                                        vendor_of[i] = vendor_name;
                        continue;
                }
                if (in_class) {
                        unsigned sub;
                        if (line.len >= 2 && line.p[1] != '\t' &&
                            class_line(span_make(line.p + 1, line.len - 1), &sub, &name))
                                for (size_t i = 0; i < f->n_devices; i++) {
                                        PciDevice *d = &f->devices[i];
                                        if ((d->class_code >> 16 & 0xffu) == cls &&
                                            (d->class_code >> 8 & 0xffu) == sub && !sub_named[i]) {
                                                snprintf(d->class_name, sizeof(d->class_name), "%.*s",
                                                         (int) MIN(name.len, 256u), name.p);
                                                sub_named[i] = true;
                                        }
                                }
                        continue;
                }
                if (!in_vendor || line.len < 2 || line.p[1] == '\t' ||
                    !id_line(span_make(line.p + 1, line.len - 1), &id, &name))
                        continue;
                Wanted key = {.ids = vendor << 16 | id};
                Wanted *w = bsearch(&key, want, f->n_devices, sizeof(Wanted), cmp_wanted);
                /* bsearch finds any of the devices with these ids: go to the first. */
                while (w && w > want && w[-1].ids == key.ids)
                        w--;
                for (; w && w < want + f->n_devices && w->ids == key.ids; w++) {
                        PciDevice *d = &f->devices[w->index];
                        if (!d->name[0])
                                snprintf(d->name, sizeof(d->name), "%.*s %.*s",
                                         (int) MIN(vendor_name.len, 256u), vendor_name.p,
                                         (int) MIN(name.len, 256u), name.p);
                }
        }
        for (size_t i = 0; i < f->n_devices; i++) {
                PciDevice *d = &f->devices[i];
                if (!d->name[0] && vendor_of[i].p)
                        snprintf(d->name, sizeof(d->name), "%.*s Device %04x",
                                 (int) MIN(vendor_of[i].len, 256u), vendor_of[i].p, d->device);
        }
        free(want);
        free(vendor_of);
        free(sub_named);
}

void probe_names(int rootfd, HostFacts *f) {
        static const char *const paths[] = {"usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids",
                                            "usr/share/pci.ids"};
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = -ENOENT;
        /* The first that exists; one larger than any real pci.ids gives no names at all. */
        for (size_t i = 0; i < ELEMENTSOF(paths) && r == -ENOENT; i++)
                r = rootfs_read_file(rootfd, paths[i], VX_PCI_IDS_MAX, &text, &len);
        if (r >= 0)
                names_from_pci_ids(text, len, f);
}
