/* SPDX-License-Identifier: MIT */
/* The VM a command is about (--domain, --pve-vm, --incus): its devices, and the logs its layer keeps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "rootfs.h"
#include "vm.h"

bool vm_target_named(const Options *o) {
        return o->domain || o->pve_vm || o->incus;
}

static int say_diag(Diag *d, const char *what, int r) {
        for (size_t i = 0; i < d->n; i++)
                errorf("%s", d->lines[i]);
        if (d->n == 0)
                errorf("%s: %s", what, strerror(-r));
        diag_done(d);
        return r;
}

int vm_target_load(const Options *o, const HostFacts *host, VmTarget *t) {
        Diag d = {0};
        int r;

        *t = (VmTarget){0};
        if (o->domain) {
                if ((r = domain_load(o->sysroot, o->domain, &t->domain, &d)) < 0)
                        return say_diag(&d, o->domain, r);
                diag_done(&d);
                t->layer = GUEST_LIBVIRT;
                t->config = &t->domain;
        } else if (o->pve_vm) {
                unsigned vmid;
                if (!pve_vmid_parse(o->pve_vm, &vmid)) {
                        errorf("--pve-vm: '%s' is not a VMID (100 to 999999999)", o->pve_vm);
                        return -EINVAL;
                }
                if (!(t->pve = calloc(1, sizeof(*t->pve)))) {
                        errorf("out of memory");
                        return -ENOMEM;
                }
                if ((r = pve_load(o->sysroot, vmid, o->no_probe ? NULL : host, t->pve, &d)) < 0) {
                        free(TAKE_PTR(t->pve));
                        return say_diag(&d, o->pve_vm, r);
                }
                diag_done(&d);
                t->layer = GUEST_PVE;
                t->config = &t->pve->guest;
        } else if (o->incus) {
                if (!(t->incus = calloc(1, sizeof(*t->incus)))) {
                        errorf("out of memory");
                        return -ENOMEM;
                }
                if ((r = incus_load(o->sysroot, o->incus, o->incus_config, o->no_probe ? NULL : host,
                                    t->incus, &d)) < 0) {
                        free(TAKE_PTR(t->incus));
                        return say_diag(&d, o->incus, r);
                }
                diag_done(&d);
                t->layer = GUEST_INCUS;
                t->config = &t->incus->guest;
        }
        return 0;
}

/* relpath under the root as one more input; nothing when it does not exist (a VM that never started) or
 * cannot be read, which leaves its configuration alone to be judged. One that is there but is no regular
 * file (a FIFO, a device node) is not opened: said, and an error. */
static int open_log(const Options *o, const char *relpath, char *name, size_t size, Input *inputs,
                    size_t *n_inputs, size_t max) {
        if (*n_inputs >= max)
                return 0;
        int root = rootfs_open(o->sysroot);
        if (root < 0)
                return 0;
        int fd = rootfs_open_file(root, relpath);
        close(root);
        if (fd == -EINVAL || fd == -EISDIR) {
                errorf("/%s: %s", relpath, file_strerror(fd));
                return fd;
        }
        if (fd < 0)
                return 0;
        snprintf(name, size, "/%s", relpath);
        inputs[(*n_inputs)++] = (Input){.name = name, .fd = fd};
        return 0;
}

int vm_target_open_logs(const Options *o, VmTarget *t, Input *inputs, size_t *n_inputs, size_t max) {
        if (t->layer == GUEST_LIBVIRT && t->config)
                return open_log(o, t->domain.log_path, t->log_names[0], sizeof(t->log_names[0]), inputs,
                                n_inputs, max);
        if (t->layer == GUEST_PVE && t->pve->task_log[0])
                /* The last failed start: its task log ends in "TASK ERROR: ...". */
                return open_log(o, t->pve->task_log, t->log_names[0], sizeof(t->log_names[0]), inputs,
                                n_inputs, max);
        if (t->layer == GUEST_INCUS) {
                /* QEMU's stderr of the last start (driver_qemu.go EarlyLogFilePath()), then its log. */
                char rel[2][sizeof(t->incus->log_dir) + 32];
                snprintf(rel[0], sizeof(rel[0]), "%s/qemu.early.log", t->incus->log_dir);
                snprintf(rel[1], sizeof(rel[1]), "%s/qemu.log", t->incus->log_dir);
                for (size_t i = 0; i < 2; i++) {
                        int r = open_log(o, rel[i], t->log_names[i], sizeof(t->log_names[i]), inputs,
                                         n_inputs, max);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

void vm_target_done(VmTarget *t) {
        domain_config_done(&t->domain);
        if (t->pve) {
                pve_state_done(t->pve);
                free(t->pve);
        }
        if (t->incus) {
                incus_state_done(t->incus);
                free(t->incus);
        }
        *t = (VmTarget){0};
}
