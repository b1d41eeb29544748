/* SPDX-License-Identifier: MIT */
/* A Proxmox VE VM config (probes/pve.c pve_parse_config), the PCI mapping file (pve_parse_mapping) and the
 * task list lines (pve_parse_task_line), all from the same input; then the lines said of the VM against a
 * host not probed. What is accepted stays within its limits, and no probe line carries a control byte. */
#include <string.h>

#include "fuzz.h"
#include "pve.h"

static int check_line(const char *line, size_t len, void *userdata) {
        FUZZ_CHECK(fuzz_terminal_safe(line, len));
        FUZZ_CHECK(!memchr(line, '\n', len));
        return 0;
}

static bool value_safe(const char *s) {
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      strchr(":.;,=_+-/", *s)))
                        return false;
        return true;
}

/* Whether a relative name has a ".." component ("a..b" is a name like any other). */
static bool leaves_directory(const char *name) {
        size_t n = strlen(name);
        return strcmp(name, "..") == 0 || strncmp(name, "../", 3) == 0 || strstr(name, "/../") ||
                (n >= 3 && strcmp(name + n - 3, "/..") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        PveState *st = calloc(1, sizeof(*st));
        PveMapping *m = malloc(sizeof(*m));
        HostFacts host;
        Diag d = {0};

        FUZZ_CHECK(st && m);
        if (pve_parse_config(buf, size, 100, "100.conf", &st->vm, &d) < 0)
                FUZZ_CHECK(d.n >= 1);
        else {
                FUZZ_CHECK(st->vm.n_hostpci <= VX_PVE_HOSTPCI_MAX);
                for (size_t i = 0; i < st->vm.n_hostpci; i++) {
                        const PveHostpci *h = &st->vm.hostpci[i];
                        FUZZ_CHECK(h->index < VX_PVE_HOSTPCI_MAX);
                        FUZZ_CHECK(h->n_ids <= VX_PVE_HOST_IDS_MAX);
                        FUZZ_CHECK((h->n_ids > 0) != (h->mapping[0] != 0));
                        FUZZ_CHECK(value_safe(h->value));
                        FUZZ_CHECK(!leaves_directory(h->romfile) && h->romfile[0] != '/');
                        for (size_t k = 0; k < h->n_ids; k++)
                                FUZZ_CHECK(strlen(h->ids[k]) >= 10);
                }
                st->guest.layer = GUEST_PVE;
                host_facts_init_unprobed(&host);
                (void) pve_probe_lines(st, &host, check_line, NULL);
                host_facts_done(&host);
        }
        diag_done(&d);
        if (pve_parse_mapping(buf, size, "gpu", m, &d) > 0) {
                FUZZ_CHECK(m->n_maps <= VX_PVE_MAPS_MAX);
                for (size_t i = 0; i < m->n_maps; i++)
                        FUZZ_CHECK(m->maps[i].n_paths >= 1 && m->maps[i].n_paths <= VX_PVE_HOST_IDS_MAX);
        }
        diag_done(&d);
        /* Every line as a task list line. */
        for (const char *p = buf, *end = buf + size; p < end;) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));
                size_t len = nl ? (size_t) (nl - p) : (size_t) (end - p);
                PveTask t;
                if (pve_parse_task_line(p, len, &t) == 0) {
                        FUZZ_CHECK(strlen(t.upid) < sizeof(t.upid) && !strchr(t.upid, '/'));
                        FUZZ_CHECK(fuzz_terminal_safe(t.status, strlen(t.status)));
                }
                p += len + 1;
        }
        free(m);
        free(st);
        return 0;
}
