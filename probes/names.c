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

void names_from_pci_ids(const char *text, size_t len, HostFacts *f) {
        Wanted *want = f->n_devices ? calloc(f->n_devices, sizeof(Wanted)) : NULL;
        if (!want)
                return;
        for (size_t i = 0; i < f->n_devices; i++)
                want[i] = (Wanted){.ids = (f->devices[i].vendor & 0xffffu) << 16 |
                                           (f->devices[i].device & 0xffffu),
                                   .index = i};
        qsort(want, f->n_devices, sizeof(Wanted), cmp_wanted);

        /* Vendors at the start of a line, their devices one tab in, subsystems two; "C " starts the class
         * list, where tabs are subclasses. The first entry of an id wins, as in libpci. */
        Span s = span_make(text, len), line, vendor_name = {0};
        bool in_vendor = false;
        unsigned vendor = 0, id;
        while (span_next_line(&s, &line)) {
                Span name;
                if (line.len == 0 || line.p[0] == '#')
                        continue;
                if (line.p[0] != '\t') {
                        in_vendor = id_line(line, &vendor, &vendor_name);
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
        free(want);
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
