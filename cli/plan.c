/* SPDX-License-Identifier: MIT */
/* vfioexplain plan ADDRESS...: the steps, XML and QEMU arguments that pass these devices through on
 * this host, as text, Markdown or JSON. Nothing is run. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "pager.h"
#include "pci_address.h"
#include <json-c/json.h>

#include "capture.h"
#include "escape.h"
#include "plan.h"
#include "vm.h"

static const char *vendor_label(CpuVendor v) {
        return v == CPU_VENDOR_INTEL ? "Intel CPU" : v == CPU_VENDOR_AMD ? "AMD CPU" : "CPU vendor unknown";
}

static const char *driver_of(const PciDevice *d) {
        return d->driver == KNOWN_PRESENT ? d->driver_name : "no driver";
}

static void put_escaped(StrBuf *out, const char *s) {
        escape_append(out, s, strlen(s));
}

/* Text of several lines: each escaped, the newlines kept. */
static void put_lines(StrBuf *out, const char *s) {
        while (*s) {
                size_t n = strcspn(s, "\n");
                escape_append(out, s, n);
                s += n;
                if (*s == '\n') {
                        strbuf_putc(out, '\n');
                        s++;
                }
        }
}

/* A Markdown table cell: code, escaped, and no | that would end the cell early. */
static void put_plan_cell(StrBuf *out, const char *s) {
        markdown_put_code(out, s, strlen(s), true);
}

static void put_fence(StrBuf *out, const char *lang, const char *body) {
        size_t n = escape_longest_backtick_run(body, strlen(body));
        size_t ticks = n >= 3 ? n + 1 : 3;
        for (size_t i = 0; i < ticks; i++)
                strbuf_putc(out, '`');
        strbuf_printf(out, "%s\n", lang);
        put_lines(out, body);
        if (body[0] && body[strlen(body) - 1] != '\n')
                strbuf_putc(out, '\n');
        for (size_t i = 0; i < ticks; i++)
                strbuf_putc(out, '`');
        strbuf_putc(out, '\n');
}

static void device_line(StrBuf *out, const PlanDevice *pd) {
        const PciDevice *d = pd->pci;
        strbuf_printf(out, "%s [%04x:%04x] class %06x ", d->address, d->vendor, d->device, d->class_code);
        put_escaped(out, d->name[0] ? d->name : "(name unknown)");
        strbuf_puts(out, ", on ");
        put_escaped(out, driver_of(d));
        if (d->group == KNOWN_PRESENT)
                strbuf_printf(out, ", IOMMU group %u", d->group_id);
        strbuf_printf(out, " (%s)", pd->role == PLAN_NAMED ? "named" : "same card: goes along");
}

static void header(StrBuf *out, const HostFacts *f, const Plan *p, bool markdown, unsigned width) {
        if (markdown)
                strbuf_puts(out, "# Passthrough plan\n\n");
        const char *host = f->os_pretty[0] ? f->os_pretty : "this host";
        const char *iommu = !p->iommu_on ? "" : p->n_blockers == 0 ? ", group viable" : ", group NOT viable";
        if (markdown) {
                strbuf_puts(out, "Plan for ");
                if (f->os_pretty[0])
                        markdown_put_code(out, host, strlen(host), false);
                else
                        put_escaped(out, host);
                strbuf_printf(
                        out,
                        " (%s, IOMMU %s%s). Nothing has been run: run the commands yourself, in order.\n",
                        vendor_label(p->vendor), p->iommu_on ? "on" : "off", iommu);
        } else {
                /* output_put_wrapped() escapes the distribution's name as it wraps. */
                StrBuf h = {0};
                strbuf_printf(
                        &h,
                        "Plan for %s (%s, IOMMU %s%s). Nothing has been run: run the commands yourself, in order.",
                        host, vendor_label(p->vendor), p->iommu_on ? "on" : "off", iommu);
                output_put_wrapped(out, width, "", "", strbuf_str(&h));
                strbuf_done(&h);
        }
        if (p->all_vfio)
                output_put_wrapped(out, width, markdown ? "\n" : "", "",
                                   p->n_devices > 1
                                           ? "The devices are already on vfio-pci: what remains is below."
                                           : "The device is already on vfio-pci: what remains is below.");
}

/* Text for a terminal: prose wrapped to the width, each command a whole line of its own after the
 * comment lines of its step's why, so that a step pasted whole is a shell script. */
static void render_plan_text(const HostFacts *f, const Plan *p, unsigned width, StrBuf *out) {
        header(out, f, p, false, width);
        strbuf_puts(out, "\nDevices:\n");
        for (size_t i = 0; i < p->n_devices; i++) {
                StrBuf d = {0};
                device_line(&d, &p->devices[i]);
                output_put_wrapped(out, width, "  ", "    ", strbuf_str(&d));
                strbuf_done(&d);
        }
        for (size_t i = 0; i < p->n_steps; i++) {
                const PlanStep *s = &p->steps[i];
                char num[32];
                snprintf(num, sizeof(num), "\n%zu. ", i + 1);
                output_put_wrapped(out, width, num, "   ", s->title);
                if (s->why)
                        output_put_wrapped(out, width, "   # ", "   # ", s->why);
                for (size_t j = 0; j < s->n_commands; j++) {
                        strbuf_puts(out, "   ");
                        put_escaped(out, s->commands[j]);
                        strbuf_putc(out, '\n');
                }
        }
        /* A Proxmox VE VM's step says how its devices are added; libvirt's XML and QEMU's arguments are not
         * its terms. */
        if (!p->pve) {
                strbuf_puts(out, "\nlibvirt <hostdev> elements (inside <devices>):\n");
                put_lines(out, p->hostdev_xml);
                strbuf_puts(out, "\nQEMU arguments (without libvirt):\n");
                for (size_t i = 0; i < p->n_qemu_args; i++) {
                        strbuf_puts(out, "  ");
                        put_escaped(out, p->qemu_args[i]);
                        strbuf_putc(out, '\n');
                }
        }
        if (p->n_notes > 0)
                strbuf_puts(out, "\nNotes:\n");
        for (size_t i = 0; i < p->n_notes; i++)
                output_put_wrapped(out, width, "  - ", "    ", p->notes[i]);
}

/* Prose of the plan in Markdown: what Markdown reads as markup escaped ("<hostdev>" stays text). */
static void put_plan_prose(StrBuf *out, const char *s) {
        markdown_put_text(out, s, strlen(s));
}

static void render_markdown(const HostFacts *f, const Plan *p, StrBuf *out) {
        header(out, f, p, true, 0);
        strbuf_puts(out,
                    "\n## Devices\n\n| address | ids | class | name | driver | IOMMU group | role |\n"
                    "|---|---|---|---|---|---|---|\n");
        for (size_t i = 0; i < p->n_devices; i++) {
                const PciDevice *d = p->devices[i].pci;
                strbuf_printf(out, "| %s | %04x:%04x | %06x | ", d->address, d->vendor, d->device,
                              d->class_code);
                put_plan_cell(out, d->name[0] ? d->name : "(unknown)");
                strbuf_puts(out, " | ");
                put_plan_cell(out, driver_of(d));
                if (d->group == KNOWN_PRESENT)
                        strbuf_printf(out, " | %u", d->group_id);
                else
                        strbuf_puts(out, " | none");
                strbuf_printf(out, " | %s |\n", p->devices[i].role == PLAN_NAMED ? "named" : "same card");
        }
        strbuf_puts(out, "\n## Steps\n");
        for (size_t i = 0; i < p->n_steps; i++) {
                const PlanStep *s = &p->steps[i];
                strbuf_printf(out, "\n### %zu. ", i + 1);
                put_plan_prose(out, s->title);
                strbuf_puts(out, "\n\n");
                if (s->n_commands > 0) {
                        StrBuf body = {0};
                        for (size_t j = 0; j < s->n_commands; j++)
                                strbuf_printf(&body, "%s\n", s->commands[j]);
                        put_fence(out, "sh", strbuf_str(&body));
                        strbuf_done(&body);
                        strbuf_putc(out, '\n');
                }
                if (s->why) {
                        put_plan_prose(out, s->why);
                        strbuf_putc(out, '\n');
                }
        }
        if (!p->pve) {
                strbuf_puts(out, "\n## libvirt\n\nInside `<devices>` of the domain:\n\n");
                put_fence(out, "xml", p->hostdev_xml);
                strbuf_puts(out, "\n## QEMU\n\n");
                StrBuf args = {0};
                for (size_t i = 0; i < p->n_qemu_args; i++)
                        strbuf_printf(&args, "%s\n", p->qemu_args[i]);
                put_fence(out, "sh", strbuf_str(&args));
                strbuf_done(&args);
        }
        if (p->n_notes > 0)
                strbuf_puts(out, "\n## Notes\n\n");
        for (size_t i = 0; i < p->n_notes; i++) {
                strbuf_puts(out, "- ");
                put_plan_prose(out, p->notes[i]);
                strbuf_putc(out, '\n');
        }
}

static struct json_object *json_device(const PciDevice *d, const char *role) {
        struct json_object *o = pci_device_json(d);
        json_object_object_add(o, "driver", d->driver == KNOWN_PRESENT ? json_text(d->driver_name) : NULL);
        json_object_object_add(o, "group",
                               d->group == KNOWN_PRESENT ? json_object_new_int64(d->group_id) : NULL);
        if (role)
                json_object_object_add(o, "role", json_object_new_string(role));
        return o;
}

static int render_plan_json(const HostFacts *f, const Plan *p, StrBuf *out) {
        struct json_object *root = json_object_new_object(), *plan = json_object_new_object();
        struct json_object *devs = json_object_new_array(), *blockers = json_object_new_array(),
                           *steps = json_object_new_array(), *qemu = json_object_new_array(),
                           *notes = json_object_new_array(), *host = json_object_new_object();
        json_object_object_add(root, "version", json_object_new_int(1));
        json_object_object_add(root, "plan", plan);
        json_object_object_add(host, "os", json_text(f->os_pretty));
        json_object_object_add(host, "cpu_vendor", json_object_new_string(cpu_vendor_to_string(p->vendor)));
        json_object_object_add(host, "iommu", json_object_new_boolean(p->iommu_on));
        json_object_object_add(plan, "host", host);
        for (size_t i = 0; i < p->n_devices; i++)
                json_object_array_add(
                        devs, json_device(p->devices[i].pci, plan_role_to_string(p->devices[i].role)));
        json_object_object_add(plan, "devices", devs);
        json_object_object_add(plan, "on_vfio", json_object_new_boolean(p->all_vfio));
        json_object_object_add(plan, "viable",
                               p->iommu_on ? json_object_new_boolean(p->n_blockers == 0) : NULL);
        for (size_t i = 0; i < p->n_blockers; i++)
                json_object_array_add(blockers, json_device(p->blockers[i], NULL));
        json_object_object_add(plan, "blockers", blockers);
        for (size_t i = 0; i < p->n_steps; i++) {
                const PlanStep *s = &p->steps[i];
                struct json_object *js = json_object_new_object(), *cmds = json_object_new_array();
                json_object_object_add(js, "title", json_text(s->title));
                for (size_t j = 0; j < s->n_commands; j++)
                        json_object_array_add(cmds, json_text(s->commands[j]));
                json_object_object_add(js, "commands", cmds);
                json_object_object_add(js, "why", json_text(s->why ? s->why : ""));
                json_object_array_add(steps, js);
        }
        json_object_object_add(plan, "steps", steps);
        /* Built from addresses of the strict grammar only; its newlines are part of it. */
        json_object_object_add(plan, "hostdev_xml", json_object_new_string(p->hostdev_xml));
        for (size_t i = 0; i < p->n_qemu_args; i++)
                json_object_array_add(qemu, json_text(p->qemu_args[i]));
        json_object_object_add(plan, "qemu_args", qemu);
        for (size_t i = 0; i < p->n_notes; i++)
                json_object_array_add(notes, json_text(p->notes[i]));
        json_object_object_add(plan, "notes", notes);
        int r = output_put_json(out, root, true);
        json_object_put(root);
        return r;
}

static void plan_error(const Plan *p) {
        switch (p->error) {
        case PLAN_NO_PCI:
                errorf("the host's PCI devices could not be read (no sys/bus/pci under the root)");
                break;
        case PLAN_NO_DEVICE:
                errorf("%s: no such PCI device on this host ('lspci -D' lists them)", p->error_address);
                break;
        case PLAN_BRIDGE:
                errorf("%s is a PCI bridge: only the devices behind it can be passed through ('lspci -tv' shows them)",
                       p->error_address);
                break;
        default:
                errorf("at most %u addresses, and %u devices with the functions that go along",
                       VX_PLAN_ADDRESSES_MAX, VX_PLAN_DEVICES_MAX);
                break;
        }
}

/* vfioexplain plan ADDRESS...: exit 0 with a plan, 1 with a plan that a shared IOMMU group blocks, 2
 * for addresses no plan can be made for. */
int cmd_plan(const Options *o, int argc, char **argv) {
        PciAddress addresses[VX_PLAN_ADDRESSES_MAX];
        char domain[VX_CAPTURE_MAX + 1];
        HostFacts host = {0};
        Plan p = {0};
        VmTarget vm = {0};
        StrBuf out = {0};
        int ret = EXIT_USAGE;

        if (argc == 0) {
                errorf("usage: vfioexplain plan [--domain NAME|--pve-vm ID] ADDRESS... (e.g. 0000:01:00.0 01:00.1)");
                return EXIT_USAGE;
        }
        /* Its steps give the devices to a libvirt domain or a Proxmox VE VM; an incus VM's are not built. */
        if (o->incus) {
                errorf("plan: --incus is not a plan option; give the card to the instance with incus config device add NAME gpu0 gpu pci=ADDRESS");
                return EXIT_USAGE;
        }
        if ((size_t) argc > ELEMENTSOF(addresses)) {
                errorf("too many addresses (at most %zu)", ELEMENTSOF(addresses));
                return EXIT_USAGE;
        }
        for (int i = 0; i < argc; i++)
                if (pci_address_normalize(argv[i], strlen(argv[i]), addresses[i]) < 0) {
                        errorf("'%s' is not a PCI address (expected 0000:01:00.0 or 01:00.0)", argv[i]);
                        return EXIT_USAGE;
                }
        if (o->domain && capture_normalize(VAR_DOMAIN, o->domain, strlen(o->domain), domain) < 0) {
                errorf("--domain: '%s' is not a domain name that can go into a command unquoted", o->domain);
                return EXIT_USAGE;
        }
        int r = probe_or_fail(o, "plan", &host);
        if (r < 0)
                return exit_status_of(r);
        if (require_pci(o, &host) < 0) {
                host_facts_done(&host);
                return EXIT_USAGE;
        }
        /* --domain only names the domain in the commands; a Proxmox VE VM is read for its free hostpciN. */
        if (o->pve_vm && (r = vm_target_load(o, &host, &vm)) < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        PlanVm pvm = {.pve = vm.pve ? &vm.pve->vm : NULL, .vmid = vm.pve ? vm.pve->vm.vmid : 0};
        r = plan_build_for(&host, addresses, (size_t) argc, o->domain ? domain : NULL, vm.pve ? &pvm : NULL,
                           &p);
        if (r == -EINVAL) {
                plan_error(&p);
                goto out;
        }
        if (r < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        if (o->format == OUTPUT_JSON)
                r = render_plan_json(&host, &p, &out);
        else if (o->format == OUTPUT_MARKDOWN)
                render_markdown(&host, &p, &out);
        else
                render_plan_text(&host, &p, terminal_width(), &out);
        if (r < 0 || strbuf_failed(&out)) {
                strbuf_done(&out);
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        if (print_output(&out) < 0) {
                ret = EXIT_INTERNAL;
                goto out;
        }
        ret = p.iommu_on && p.n_blockers > 0 ? EXIT_CAUSE : EXIT_NO_CAUSE;
out:
        vm_target_done(&vm);
        plan_done(&p);
        host_facts_done(&host);
        return ret;
}
