/* SPDX-License-Identifier: MIT */
/* vfioexplain check [ADDRESS...]: will passthrough work here. With no address, a verdict for each device a
 * user would pass; with addresses, for them and what must go along (the rest of their IOMMU groups), every
 * blocker with its fix, and a plain "ready" when nothing blocks. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"
#include "escape.h"
#include "judge.h"
#include "pager.h"
#include "pci_address.h"
#include "probe_lines.h"
#include "vm.h"

typedef enum Verdict {
        VERDICT_READY, /* meant for vfio, and nothing blocks it */
        VERDICT_BLOCKED, /* a cause found names it, or the host */
        VERDICT_NOT_SET_UP, /* on a host driver: plan says how */
        VERDICT_FREE, /* no driver at all */
        VERDICT_DISPLAY, /* the host shows a screen on it */
        _VERDICT_MAX,
} Verdict;

static const char *const verdict_names[_VERDICT_MAX] = {
        [VERDICT_READY] = "ready", [VERDICT_BLOCKED] = "blocked",      [VERDICT_NOT_SET_UP] = "not set up",
        [VERDICT_FREE] = "free",   [VERDICT_DISPLAY] = "host display",
};

typedef struct CheckDevice {
        const PciDevice *d;
        bool named; /* named on the command line */
        Verdict verdict;
        StrBuf detail; /* what the verdict rests on, and what to do */
} CheckDevice;

typedef struct Check {
        CheckDevice devices[VX_PLAN_DEVICES_MAX * 2];
        size_t n;
        const PciDevice *left_out[VX_PLAN_DEVICES_MAX * 2]; /* what the host runs on */
        size_t n_left_out;
        PciAddress missing[VX_PLAN_DEVICES_MAX]; /* named, and not a device of this host */
        size_t n_missing;
        bool named;
} Check;

static bool of_bridge_class(const PciDevice *d) {
        return d->bridge || (d->class_code >> 16) == 0x06;
}

/* On vfio-pci or pci-stub, steered to vfio-pci, or its ids in vfio-pci ids=: the user has set it up for a
 * VM, and what still keeps it from one is a failure of this host. */
static bool set_up_for_vfio(const HostFacts *f, const PciDevice *d) {
        if (pci_device_on_driver(d, "vfio-pci") || pci_device_on_driver(d, "pci-stub") ||
            strcmp(d->driver_override, "vfio-pci") == 0)
                return true;
        for (size_t i = 0; i < f->n_vfio_ids; i++)
                if (f->vfio_ids[i].vendor == d->vendor && f->vfio_ids[i].device == d->device)
                        return true;
        return false;
}

static bool is_gpu(const PciDevice *d) {
        return (d->class_code >> 16) == 0x03;
}

/* A GPU, or another function of a GPU's card (its audio, USB-C, UCSI). */
static bool on_gpu_card(const HostFacts *f, const PciDevice *d) {
        for (size_t i = 0; i < f->n_devices; i++)
                if (is_gpu(&f->devices[i]) && pci_same_card(f->devices[i].address, d->address))
                        return true;
        return false;
}

/* What a user would give a VM: GPUs and every function of their cards, USB, NVMe and network controllers,
 * the other controllers of add-in cards (behind a bridge), and whatever is set up for vfio already. The
 * chipset's own functions on the root bus (SMBus, ISA bridge, management engine, ...) are not. */
static bool user_would_pass(const HostFacts *f, const PciDevice *d) {
        unsigned base = d->class_code >> 16, sub = (d->class_code >> 8) & 0xff;
        if (set_up_for_vfio(f, d))
                return true;
        if (of_bridge_class(d) || (d->class_code >> 8) == 0x0806)
                return false;
        if (on_gpu_card(f, d))
                return true;
        if ((base == 0x0c && sub == 0x03) || (base == 0x01 && sub == 0x08) || base == 0x02)
                return true;
        return d->upstream[0] != 0;
}

static bool check_add(Check *c, const PciDevice *d, bool named) {
        for (size_t i = 0; i < c->n; i++)
                if (c->devices[i].d == d) {
                        c->devices[i].named = c->devices[i].named || named;
                        return true;
                }
        if (c->n >= ELEMENTSOF(c->devices))
                return false;
        c->devices[c->n++] = (CheckDevice){.d = d, .named = named};
        return true;
}

static int cmp_device(const void *x, const void *y) {
        return strcmp(((const CheckDevice *) x)->d->address, ((const CheckDevice *) y)->d->address);
}

/* The devices to judge: those named and the rest of their groups, or those a user would pass. */
static int select_devices(const HostFacts *f, PciAddress *named, size_t n_named, Check *c) {
        c->named = n_named > 0;
        for (size_t i = 0; i < n_named; i++) {
                const PciDevice *d = host_find_device(f, named[i]);
                if (!d) {
                        /* Judged all the same: the rules say what such an address means (a wrong host=). */
                        if (c->n_missing >= ELEMENTSOF(c->missing))
                                return -E2BIG;
                        memcpy(c->missing[c->n_missing++], named[i], sizeof(PciAddress));
                        continue;
                }
                if (!check_add(c, d, true))
                        return -E2BIG;
                /* What vfio hands out together: every endpoint of the group (bridges may stay). */
                for (size_t k = 0; d->group == KNOWN_PRESENT && k < f->n_devices; k++) {
                        const PciDevice *m = &f->devices[k];
                        if (m != d && m->group == KNOWN_PRESENT && m->group_id == d->group_id &&
                            !of_bridge_class(m) && !check_add(c, m, false))
                                return -E2BIG;
                }
        }
        for (size_t k = 0; !c->named && k < f->n_devices; k++) {
                const PciDevice *d = &f->devices[k];
                if (!user_would_pass(f, d))
                        continue;
                if (d->host_use & (HOST_USE_FILESYSTEM | HOST_USE_ROUTE)) {
                        if (c->n_left_out < ELEMENTSOF(c->left_out))
                                c->left_out[c->n_left_out++] = d;
                        continue;
                }
                if (!check_add(c, d, false))
                        return -E2BIG;
        }
        qsort(c->devices, c->n, sizeof(c->devices[0]), cmp_device);
        return 0;
}

/* The members of d's group that are not on d's card and that the host still drives: they would go along. */
static void group_blockers(const HostFacts *f, const PciDevice *d, StrBuf *out) {
        StrBuf list = {0};
        size_t n = 0;
        for (size_t k = 0; d->group == KNOWN_PRESENT && k < f->n_devices; k++) {
                const PciDevice *m = &f->devices[k];
                if (m == d || m->group != KNOWN_PRESENT || m->group_id != d->group_id ||
                    pci_same_card(m->address, d->address) || !pci_device_blocks_group(m))
                        continue;
                strbuf_printf(&list, "%s%s (on %s)", n++ ? ", " : "", m->address, m->driver_name);
        }
        if (n)
                strbuf_printf(out, "; IOMMU group %u also holds %s, which would all go to the VM with it",
                              d->group_id, strbuf_str(&list));
        strbuf_done(&list);
}

/* The device listed before d on d's card (its function 0, as a rule), NULL if d comes first. */
static const PciDevice *card_first(const Check *c, const PciDevice *d) {
        for (size_t k = 0; k < c->n && c->devices[k].d != d; k++)
                if (pci_same_card(c->devices[k].d->address, d->address))
                        return c->devices[k].d;
        return NULL;
}

static bool host_finding(const Finding *const *fs, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!fs[i]->device[0])
                        return true;
        return false;
}

static void judge_devices(const HostFacts *f, const Analysis *a, Check *c) {
        const RuleSet *rs = analysis_rules(a);
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        bool host_blocked = host_finding(fs, n);
        for (size_t i = 0; i < c->n; i++) {
                CheckDevice *cd = &c->devices[i];
                const PciDevice *d = cd->d;
                const char *drv = d->driver == KNOWN_PRESENT ? d->driver_name : NULL;
                size_t own = 0;
                for (size_t k = 0; k < n; k++)
                        if (strcmp(fs[k]->device, d->address) == 0)
                                strbuf_printf(&cd->detail, "%s%s (cause %u)", own++ ? ", " : "by ",
                                              rs->causes[fs[k]->cause].id, fs[k]->rank);
                bool judged = c->named || set_up_for_vfio(f, d);
                if (own) {
                        cd->verdict = VERDICT_BLOCKED;
                        strbuf_puts(&cd->detail, ", below with the fix");
                } else if (judged && host_blocked) {
                        cd->verdict = VERDICT_BLOCKED;
                        strbuf_puts(&cd->detail, "by the host: see the causes below");
                } else if (judged && set_up_for_vfio(f, d)) {
                        cd->verdict = VERDICT_READY;
                        strbuf_printf(&cd->detail, "on %s", drv ? drv : "no driver");
                        if (d->group == KNOWN_PRESENT)
                                strbuf_printf(&cd->detail, ", IOMMU group %u", d->group_id);
                } else if (judged) {
                        /* Named, not on vfio-pci, and yet no rule said so: say what it is on. */
                        cd->verdict = drv ? VERDICT_NOT_SET_UP : VERDICT_FREE;
                        strbuf_printf(&cd->detail, "on %s; 'vfioexplain plan %s' gives the steps",
                                      drv ? drv : "no driver", d->address);
                } else if ((d->host_use & HOST_USE_DISPLAY) || (d->boot_vga == 1 && drv)) {
                        cd->verdict = VERDICT_DISPLAY;
                        strbuf_printf(&cd->detail, "%s%s%s; passing it takes that screen from the host",
                                      d->host_use & HOST_USE_DISPLAY ? d->host_use_what : "the boot display",
                                      drv ? ", on " : "", drv ? drv : "");
                } else {
                        cd->verdict = drv ? VERDICT_NOT_SET_UP : VERDICT_FREE;
                        const PciDevice *first = card_first(c, d);
                        if (first)
                                strbuf_printf(
                                        &cd->detail,
                                        "on %s; goes with %s, the same card, whose plan takes it along",
                                        drv ? drv : "no driver", first->address);
                        else
                                strbuf_printf(&cd->detail, "on %s; 'vfioexplain plan %s' gives the steps",
                                              drv ? drv : "no driver", d->address);
                }
                const PciDevice *first = card_first(c, d);
                if (first && cd->verdict != VERDICT_NOT_SET_UP && cd->verdict != VERDICT_FREE)
                        strbuf_printf(&cd->detail, "; goes with %s (the same card)", first->address);
                if (cd->verdict != VERDICT_READY && cd->verdict != VERDICT_BLOCKED)
                        group_blockers(f, d, &cd->detail);
        }
}

static const char *device_name(const PciDevice *d) {
        return d->name[0] ? d->name : "(name unknown)";
}

/* "IOMMU on (2 units), interrupt remapping on": the host's state that every verdict rests on. */
static void host_state(const HostFacts *f, StrBuf *out) {
        if (f->iommu_class == KNOWN_PRESENT)
                strbuf_printf(out, "IOMMU on (%zu unit%s)", f->n_iommus, f->n_iommus == 1 ? "" : "s");
        else if (f->iommu_class == KNOWN_ABSENT)
                strbuf_puts(out, "IOMMU off");
        else
                strbuf_puts(out, "IOMMU not probed");
        if (f->irq_remapping == KNOWN_PRESENT)
                strbuf_puts(out, ", interrupt remapping on");
        else if (f->irq_remapping == KNOWN_ABSENT)
                strbuf_printf(out, ", interrupt remapping off%s",
                              strcmp(f->allow_unsafe_interrupts, "Y") == 0 ? " (allow_unsafe_interrupts=Y)"
                                                                           : "");
}

/* "ready: 0000:01:00.0 and 0000:01:00.1 — group 1 holds only them, both on vfio-pci, IOMMU and interrupt
 * remapping on": the plain answer when nothing blocks the devices named. */
static void ready_line(const HostFacts *f, const Check *c, StrBuf *out) {
        strbuf_puts(out, "ready: ");
        for (size_t i = 0; i < c->n; i++)
                strbuf_printf(out, "%s%s",
                              i == 0                  ? ""
                                      : i + 1 == c->n ? " and "
                                                      : ", ",
                              c->devices[i].d->address);
        /* The groups they are in, and whether anything else is in them (a bridge may be). */
        unsigned groups[ELEMENTSOF(c->devices)];
        size_t n_groups = 0;
        for (size_t i = 0; i < c->n; i++) {
                const PciDevice *d = c->devices[i].d;
                bool seen = d->group != KNOWN_PRESENT;
                for (size_t g = 0; g < n_groups; g++)
                        seen = seen || groups[g] == d->group_id;
                if (!seen)
                        groups[n_groups++] = d->group_id;
        }
        bool it = c->n == 1;
        strbuf_puts(out, " — ");
        if (n_groups == 1)
                strbuf_printf(out, "group %u holds only %s", groups[0], it ? "it" : "them");
        else if (n_groups > 1) {
                strbuf_puts(out, "groups ");
                for (size_t g = 0; g < n_groups; g++)
                        strbuf_printf(out, "%s%u",
                                      g == 0                      ? ""
                                              : g + 1 == n_groups ? " and "
                                                                  : ", ",
                                      groups[g]);
                strbuf_puts(out, " hold only them");
        }
        bool bridges = false;
        for (size_t k = 0; k < f->n_devices; k++)
                for (size_t g = 0; g < n_groups; g++)
                        bridges = bridges ||
                                (of_bridge_class(&f->devices[k]) && f->devices[k].group == KNOWN_PRESENT &&
                                 f->devices[k].group_id == groups[g]);
        if (bridges)
                strbuf_puts(out, " and their bridge");
        bool all_vfio = true;
        for (size_t i = 0; i < c->n; i++)
                all_vfio = all_vfio && pci_device_on_driver(c->devices[i].d, "vfio-pci");
        if (all_vfio)
                strbuf_printf(out, ", %s on vfio-pci", it ? "it is" : c->n == 2 ? "both" : "all");
        if (f->iommu_class == KNOWN_PRESENT && f->irq_remapping == KNOWN_PRESENT)
                strbuf_puts(out, ", IOMMU and interrupt remapping on");
        else if (f->iommu_class == KNOWN_PRESENT)
                strbuf_puts(out, ", IOMMU on");
}

static int check_render_text(const Options *o, const HostFacts *f, const Analysis *a, const Check *c,
                             StrBuf *out) {
        unsigned width = terminal_width();
        StrBuf line = {0};
        size_t n;
        analysis_findings(a, &n);
        strbuf_puts(&line, "vfioexplain check: ");
        host_state(f, &line);
        strbuf_putc(&line, '.');
        output_put_wrapped(out, width, "", "", strbuf_str(&line));
        strbuf_reset(&line);
        if (!c->named)
                strbuf_puts(out, "\nDevices a VM could be given:\n");
        else
                strbuf_putc(out, '\n');
        if (c->n == 0 && c->n_missing == 0)
                strbuf_puts(
                        out,
                        "  none: no GPU, USB, NVMe, network or add-in controller the host does not run on\n");
        for (size_t i = 0; i < c->n_missing; i++)
                strbuf_printf(out, "  %s  no such device on this host ('lspci -D' lists them)\n",
                              c->missing[i]);
        /* The device as lspci names it, then its verdict and what that rests on. */
        for (size_t i = 0; i < c->n; i++) {
                const CheckDevice *cd = &c->devices[i];
                char head[32];
                snprintf(head, sizeof(head), "  %s  ", cd->d->address);
                output_put_wrapped(out, width, head, "                ", device_name(cd->d));
                strbuf_printf(&line, "%s: %s", verdict_names[cd->verdict], strbuf_str(&cd->detail));
                output_put_wrapped(out, width, "                ", "                ", strbuf_str(&line));
                strbuf_reset(&line);
        }
        if (c->n_left_out) {
                strbuf_puts(&line, "Left out, the host runs on them:");
                for (size_t i = 0; i < c->n_left_out; i++)
                        strbuf_printf(&line, "%s %s (%s)", i ? "," : "", c->left_out[i]->address,
                                      c->left_out[i]->host_use_what);
                strbuf_putc(&line, '.');
                output_put_wrapped(out, width, "\n", "", strbuf_str(&line));
                strbuf_reset(&line);
        }
        int r = 0;
        if (n > 0) {
                strbuf_putc(out, '\n');
                r = render(o, a, f, out);
        } else if (c->named && c->n_missing == 0) {
                ready_line(f, c, &line);
                output_put_wrapped(out, width, "\n", "", strbuf_str(&line));
        } else
                output_put_wrapped(
                        out, width, "\n", "",
                        "No blocker found: the devices set up for vfio are ready, and 'vfioexplain plan ADDRESS' gives the steps for the others.");
        strbuf_done(&line);
        return r;
}

static struct json_object *check_json(const HostFacts *f, const Analysis *a, const Check *c) {
        const RuleSet *rs = analysis_rules(a);
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        struct json_object *o = json_object_new_object(), *devs = json_object_new_array(),
                           *left = json_object_new_array();
        for (size_t i = 0; i < c->n; i++) {
                const CheckDevice *cd = &c->devices[i];
                struct json_object *jd = pci_device_json(cd->d), *ids = json_object_new_array();
                json_object_object_add(jd, "verdict", json_object_new_string(verdict_names[cd->verdict]));
                json_object_object_add(jd, "named", json_object_new_boolean(cd->named));
                json_object_object_add(jd, "detail", json_text(strbuf_str(&cd->detail)));
                for (size_t k = 0; k < n; k++)
                        if (strcmp(fs[k]->device, cd->d->address) == 0)
                                json_object_array_add(ids,
                                                      json_object_new_string(rs->causes[fs[k]->cause].id));
                json_object_object_add(jd, "causes", ids);
                json_object_array_add(devs, jd);
        }
        for (size_t i = 0; i < c->n_missing; i++) {
                struct json_object *jd = json_object_new_object(), *ids = json_object_new_array();
                json_object_object_add(jd, "address", json_object_new_string(c->missing[i]));
                json_object_object_add(jd, "verdict", json_object_new_string("absent"));
                json_object_object_add(jd, "named", json_object_new_boolean(true));
                for (size_t k = 0; k < n; k++)
                        if (strcmp(fs[k]->device, c->missing[i]) == 0)
                                json_object_array_add(ids,
                                                      json_object_new_string(rs->causes[fs[k]->cause].id));
                json_object_object_add(jd, "causes", ids);
                json_object_array_add(devs, jd);
        }
        for (size_t i = 0; i < c->n_left_out; i++) {
                struct json_object *jd = pci_device_json(c->left_out[i]);
                json_object_object_add(jd, "host_use", json_text(c->left_out[i]->host_use_what));
                json_object_array_add(left, jd);
        }
        json_object_object_add(o, "devices", devs);
        json_object_object_add(o, "left_out", left);
        bool ready = n == 0 && c->named && c->n_missing == 0;
        json_object_object_add(o, "ready", json_object_new_boolean(ready));
        if (ready) {
                StrBuf line = {0};
                ready_line(f, c, &line);
                json_object_object_add(o, "verdict", json_text(strbuf_str(&line)));
                strbuf_done(&line);
        }
        return o;
}

int cmd_check(const Options *o, int argc, char **argv) {
        PciAddress named[VX_PLAN_ADDRESSES_MAX * 4];
        size_t n_named = 0, n;
        RuleSet *rs = NULL;
        Analysis *a = NULL;
        HostFacts host = {0};
        StrBuf out = {0};
        Check *c = calloc(1, sizeof(Check));
        int ret = EXIT_USAGE, r;

        /* A VM's devices are judged with its configuration, as explain and run judge them. */
        if (vm_target_named(o)) {
                free(c);
                return cmd_check_vm(o, argc, argv);
        }
        if (!c) {
                errorf("out of memory");
                return EXIT_INTERNAL;
        }
        if ((size_t) argc > ELEMENTSOF(named)) {
                errorf("too many addresses (at most %zu)", ELEMENTSOF(named));
                goto out;
        }
        for (int i = 0; i < argc; i++)
                if (pci_address_normalize(argv[i], strlen(argv[i]), named[n_named++]) < 0) {
                        errorf("'%s' is not a PCI address (expected 0000:01:00.0 or 01:00.0)", argv[i]);
                        goto out;
                }
        if ((r = probe_or_fail(o, "check", &host)) < 0 || (r = require_pci(o, &host)) < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        r = select_devices(&host, named, n_named, c);
        if (r == -E2BIG) {
                errorf("too many devices to judge at once (at most %zu)", ELEMENTSOF(c->devices));
                goto out;
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        errorf("out of memory");
                ret = exit_status_of(r);
                goto out;
        }
        if ((r = load_rules(o, &rs)) < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        /* The probes' lines of what is judged: all of it when named, else what is set up for vfio (a GPU on
         * nvidia that nobody asked about is no failure of this host). */
        PciAddress fed[ELEMENTSOF(c->devices) + ELEMENTSOF(c->missing)];
        size_t n_fed = 0;
        for (size_t i = 0; i < c->n_missing; i++)
                memcpy(fed[n_fed++], c->missing[i], sizeof(PciAddress));
        for (size_t i = 0; i < c->n; i++)
                if (c->named || set_up_for_vfio(&host, c->devices[i].d))
                        memcpy(fed[n_fed++], c->devices[i].d->address, sizeof(PciAddress));
        JudgeHost jh = {.facts = &host, .devices = fed, .n_devices = n_fed};
        if (analysis_new(rs, &a) < 0 || judge_analysis(a, &jh) < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        judge_devices(&host, a, c);
        OutputOptions oo = output_options(o, &host);
        if (o->format == OUTPUT_JSON) {
                /* Written out as it is made: the facts of a host of 4096 devices are 5 MB of it. */
                oo.flush = write_out_piece;
                r = output_render_json_open(a, &oo, &out);
                if (r >= 0)
                        r = output_json_put_member(&out, 1, false, "check", check_json(&host, a, c));
                strbuf_puts(&out, "\n}\n");
        } else if (o->format == OUTPUT_MARKDOWN) {
                strbuf_puts(&out, "| Address | Verdict | Device | |\n|---|---|---|---|\n");
                for (size_t i = 0; i < c->n; i++) {
                        strbuf_printf(&out, "| `%s` | %s | ", c->devices[i].d->address,
                                      verdict_names[c->devices[i].verdict]);
                        /* The name and the detail hold what the host says (pci.ids, drivers): code. */
                        const char *name = device_name(c->devices[i].d);
                        markdown_put_code(&out, name, strlen(name), true);
                        strbuf_puts(&out, " | ");
                        if (c->devices[i].detail.len > 0)
                                markdown_put_code(&out, strbuf_str(&c->devices[i].detail),
                                                  c->devices[i].detail.len, true);
                        strbuf_puts(&out, " |\n");
                }
                strbuf_putc(&out, '\n');
                r = render(o, a, &host, &out);
        } else
                r = check_render_text(o, &host, a, c, &out);
        if (r >= 0)
                r = write_out(&out, 0);
        if (output_result(r) < 0) {
                ret = EXIT_INTERNAL;
                goto out;
        }
        analysis_findings(a, &n);
        ret = n > 0 ? EXIT_CAUSE : EXIT_NO_CAUSE;
out:
        for (size_t i = 0; i < c->n; i++)
                strbuf_done(&c->devices[i].detail);
        free(c);
        strbuf_done(&out);
        analysis_free(a);
        ruleset_free(rs);
        host_facts_done(&host);
        return ret;
}
