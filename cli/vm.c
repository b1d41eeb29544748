/* SPDX-License-Identifier: MIT */
/* The VM a command is about (--domain, --pve-vm): its devices, and the logs its layer keeps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rootfs.h"
#include "vm.h"

bool vm_target_named(const Options *o) {
        return o->domain || o->pve_vm;
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
        }
        return 0;
}

/* relpath under the root as one more input; nothing when it does not exist (a VM that never started). */
static void open_log(const Options *o, const char *relpath, char *name, size_t size, Input *inputs,
                     size_t *n_inputs, size_t max) {
        if (*n_inputs >= max)
                return;
        int root = rootfs_open(o->sysroot);
        if (root < 0)
                return;
        int fd = rootfs_openat(root, relpath, O_RDONLY | O_NOCTTY | O_NONBLOCK);
        close(root);
        if (fd < 0)
                return;
        snprintf(name, size, "/%s", relpath);
        inputs[(*n_inputs)++] = (Input){.name = name, .fd = fd};
}

void vm_target_open_logs(const Options *o, VmTarget *t, Input *inputs, size_t *n_inputs, size_t max) {
        if (t->layer == GUEST_LIBVIRT && t->config)
                open_log(o, t->domain.log_path, t->log_names[0], sizeof(t->log_names[0]), inputs, n_inputs,
                         max);
        else if (t->layer == GUEST_PVE && t->pve->task_log[0])
                /* The last failed start: its task log ends in "TASK ERROR: ...". */
                open_log(o, t->pve->task_log, t->log_names[0], sizeof(t->log_names[0]), inputs, n_inputs,
                         max);
}

void vm_target_done(VmTarget *t) {
        domain_config_done(&t->domain);
        if (t->pve) {
                pve_state_done(t->pve);
                free(t->pve);
        }
        *t = (VmTarget){0};
}
