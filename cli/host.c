/* SPDX-License-Identifier: MIT */
/* The commands about the host alone, no logs: check, groups, snapshot. */
#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bugreport.h"
#include "cli.h"
#include "fileio.h"
#include "pci_address.h"
#include "privileges.h"
#include <json-c/json.h>

#include "escape.h"
#include "hosts.h"
#include "judge.h"
#include "probe_lines.h"
#include "redact.h"
#include "snapshot.h"
#include "vm.h"
#include "writer.h"

int probe_or_fail(const Options *o, const char *command, HostFacts *host) {
        if (o->no_probe) {
                errorf("--no-probe: this command is about the host itself");
                return -EINVAL;
        }
        int r = get_facts(o, host);
        if (r < 0)
                return r;
        /* These commands probe once; what follows only reads rule files and writes the output. */
        privileges_reduce_probed(o, command);
        return 0;
}

int require_pci(const Options *o, const HostFacts *host) {
        if (host->pci != KNOWN_NOT_PROBED)
                return 0;
        if (o->snapshot)
                errorf("%s: its PCI devices could not be read when it was taken: not probed", o->snapshot);
        else
                errorf("%s%ssys/bus/pci/devices cannot be read: the PCI devices are not probed (run as root?)",
                       o->sysroot, o->sysroot[strlen(o->sysroot) - 1] == '/' ? "" : "/");
        return -EACCES;
}

/* vfioexplain snapshot -o FILE: the probed state as one file, for a bug ticket or a replay elsewhere. */
int cmd_snapshot(const Options *o, int argc, char **argv) {
        HostFacts host = {0};
        struct json_object *j = NULL;
        StrBuf text = {0};
        const char *path = NULL;
        int fd = -1, ret = EXIT_USAGE;

        path = o->output;
        if (!path || argc != 0) {
                errorf("usage: vfioexplain snapshot [--redact] -o FILE ('-' for stdout)");
                return EXIT_USAGE;
        }
        if (o->no_probe) {
                errorf("--no-probe: this command is about the host itself");
                return EXIT_USAGE;
        }
        /* FILE is created by a process of root's that parses nothing, once the document is whole. */
        fd = strcmp(path, "-") == 0 ? STDOUT_FILENO : output_file_when_whole(path, &ret);
        if (fd == OUTPUT_WRITTEN_BY_US)
                return ret;
        if (fd < 0) {
                errorf("%s: %s", path, strerror(-fd));
                return EXIT_USAGE;
        }
        /* What the writer needed is its own now: this process, which probes and builds the document,
         * becomes nobody before it reads anything of the host's. */
        if (fd != STDOUT_FILENO)
                privileges_reduce_producer(o, "snapshot");
        /* A snapshot is for someone else to replay a report with: it carries the package versions. */
        Options so = *o;
        so.bug_report = true;
        int r = probe_or_fail(&so, "snapshot", &host);
        if (r < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        if (facts_put_json(&host, 0, SIZE_MAX, NULL, &text) < 0 ||
            (strbuf_putc(&text, '\n'), strbuf_failed(&text))) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        if (o->redact) {
                /* The tokens of report --redact; none holds a quote or a backslash, so the JSON stays JSON
                 * and replays (every field a token can land in is a free string). */
                _cleanup_(redactor_freep) Redactor *red = NULL;
                StrBuf redacted = {0};
                r = redactor_for_host(&host, &red);
                if (r >= 0)
                        r = redactor_learn(red, strbuf_str(&text), text.len);
                if (r >= 0)
                        r = redactor_apply(red, strbuf_str(&text), text.len, &redacted);
                if (r < 0) {
                        strbuf_done(&redacted);
                        if (r == -E2BIG) {
                                errorf("snapshot --redact: more than %u distinct values to redact; nothing written",
                                       VX_REDACT_VALUES_MAX);
                                ret = EXIT_USAGE;
                        } else {
                                errorf("out of memory");
                                ret = EXIT_INTERNAL;
                        }
                        goto out;
                }
                strbuf_done(&text);
                text = redacted;
        }
        r = output_write(fd, strbuf_str(&text), text.len, true);
        if (fd != STDOUT_FILENO && close(fd) < 0 && r >= 0)
                r = -errno;
        if (r == -EPIPE && fd == STDOUT_FILENO)
                r = 0; /* | head: no failure of ours */
        fd = -1;
        if (r < 0) {
                /* Written in part, or not at all: an internal error, as any failure to write output. */
                errorf("%s: %s", path, strerror(-r));
                ret = EXIT_INTERNAL;
                goto out;
        }
        ret = EXIT_NO_CAUSE;
out:
        if (fd >= 0 && fd != STDOUT_FILENO)
                close(fd);
        strbuf_done(&text);
        json_object_put(j);
        host_facts_done(&host);
        return ret;
}

/* vfioexplain check --domain NAME|--pve-vm ID [ADDRESS...]: the VM's devices against the host (cmd_check()
 * hands a VM over to this). */
int cmd_check_vm(const Options *o, int argc, char **argv) {
        PciAddress devices[64];
        size_t n = 0;
        RuleSet *rs = NULL;
        Analysis *a = NULL;
        HostFacts host = {0};
        VmTarget vm = {0};
        int ret = EXIT_USAGE;

        if ((size_t) argc > ELEMENTSOF(devices)) {
                errorf("too many addresses (at most %zu)", ELEMENTSOF(devices));
                return EXIT_USAGE;
        }
        for (int i = 0; i < argc; i++)
                if (pci_address_normalize(argv[i], strlen(argv[i]), devices[n++]) < 0) {
                        errorf("'%s' is not a PCI address (expected 0000:01:00.0 or 01:00.0)", argv[i]);
                        return EXIT_USAGE;
                }
        int r;
        if ((r = probe_or_fail(o, "check", &host)) < 0 || (r = require_pci(o, &host)) < 0 ||
            (r = vm_target_load(o, &host, &vm)) < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        if (n == 0 && !vm.config)
                n = probe_vfio_devices(&host, devices, ELEMENTSOF(devices));
        if ((r = load_rules(o, &rs)) < 0) {
                ret = exit_status_of(r);
                goto out;
        }
        JudgeHost jh = {
                .facts = &host, .domain = vm.config, .pve = vm.pve, .devices = devices, .n_devices = n};
        if (analysis_new(rs, &a) < 0 || judge_analysis(a, &jh) < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        ret = report(o, a, &host);
out:
        analysis_free(a);
        ruleset_free(rs);
        vm_target_done(&vm);
        host_facts_done(&host);
        return ret;
}

static int cmp_group(const void *x, const void *y) {
        const PciDevice *a = *(const PciDevice *const *) x, *b = *(const PciDevice *const *) y;
        if (a->group != b->group)
                return a->group == KNOWN_PRESENT ? -1 : 1;
        if (a->group_id != b->group_id)
                return a->group_id < b->group_id ? -1 : 1;
        return strcmp(a->address, b->address);
}

struct json_object *pci_device_json(const PciDevice *d) {
        struct json_object *o = json_object_new_object();
        char id[16];
        json_object_object_add(o, "address", json_object_new_string(d->address));
        snprintf(id, sizeof(id), "%04x", d->vendor);
        json_object_object_add(o, "vendor", json_object_new_string(id));
        snprintf(id, sizeof(id), "%04x", d->device);
        json_object_object_add(o, "device", json_object_new_string(id));
        snprintf(id, sizeof(id), "%06x", d->class_code);
        json_object_object_add(o, "class", json_object_new_string(id));
        json_object_object_add(o, "name", json_text(d->name));
        return o;
}

/* The columns of a device as lspci -nnk names it: "VGA compatible controller [0300]", "NVIDIA Corporation
 * GP104 [GeForce GTX 1080] [10de:1b80]" ("Class [0300]", "Device [10de:1b80]" where pci.ids has no name),
 * the driver in use and the modules modules.alias names. Escaped: names come from files under the root. */
typedef struct DeviceColumns {
        StrBuf class_name, name, driver, modules;
} DeviceColumns;

static void device_columns(const PciDevice *d, DeviceColumns *c) {
        *c = (DeviceColumns){0};
        const char *cn = d->class_name[0] ? d->class_name : "Class";
        escape_append(&c->class_name, cn, strlen(cn));
        /* libpci names a class it knows without the subclass "Unassigned class [ff00]" itself. */
        if (!strchr(cn, '['))
                strbuf_printf(&c->class_name, " [%04x]", d->class_code >> 8);
        const char *n = d->name[0] ? d->name : "Device";
        escape_append(&c->name, n, strlen(n));
        strbuf_printf(&c->name, " [%04x:%04x]", d->vendor, d->device);
        const char *drv = d->driver == KNOWN_PRESENT ? d->driver_name : "-";
        escape_append(&c->driver, drv, strlen(drv));
        const char *mods = d->modules_state == KNOWN_PRESENT ? d->modules
                : d->modules_state == KNOWN_ABSENT           ? "-"
                                                             : "?";
        escape_append(&c->modules, mods, strlen(mods));
}

static void device_columns_done(DeviceColumns *c) {
        strbuf_done(&c->class_name);
        strbuf_done(&c->name);
        strbuf_done(&c->driver);
        strbuf_done(&c->modules);
}

/* Columns as a terminal shows them: a character each. */
static size_t columns_of(const StrBuf *b) {
        size_t n = 0;
        for (size_t i = 0; i < b->len; i++)
                n += ((unsigned char) strbuf_str(b)[i] & 0xc0) != 0x80;
        return n;
}

static void put_padded(StrBuf *out, const StrBuf *b, size_t width) {
        strbuf_append(out, strbuf_str(b), b->len);
        for (size_t w = columns_of(b); w < width + 2; w++)
                strbuf_putc(out, ' ');
}

int groups_render(const HostFacts *host, bool json, size_t depth, output_flush_fn flush, StrBuf *out) {
        static const char spaces[] = "        ";
        int r = 0;

        assert(2 * depth <= sizeof(spaces) - 1);
        const PciDevice **order = calloc(host->n_devices + 1, sizeof(PciDevice *));
        if (!order)
                return -ENOMEM;
        for (size_t i = 0; i < host->n_devices; i++)
                order[i] = &host->devices[i];
        qsort(order, host->n_devices, sizeof(PciDevice *), cmp_group);

        /* One width a column for the whole listing, as lspci's fields would line up in a table. */
        size_t w_class = strlen("CLASS"), w_driver = strlen("DRIVER"), w_modules = strlen("MODULES");
        for (size_t i = 0; !json && i < host->n_devices; i++) {
                DeviceColumns c;
                device_columns(order[i], &c);
                w_class = MAX(w_class, columns_of(&c.class_name));
                w_driver = MAX(w_driver, columns_of(&c.driver));
                w_modules = MAX(w_modules, columns_of(&c.modules));
                device_columns_done(&c);
        }
        if (!json && host->n_devices > 0)
                strbuf_printf(out, "    %-12s  %-*s  %-*s  %-*s  %s\n", "ADDRESS", (int) w_class, "CLASS",
                              (int) w_driver, "DRIVER", (int) w_modules, "MODULES", "DEVICE");

        /* A group at a time: the tree of 4096 groups took 17 MB. */
        if (json)
                strbuf_putc(out, '[');
        for (size_t i = 0; r >= 0 && i < host->n_devices;) {
                const PciDevice *first = order[i];
                size_t j = i;
                bool viable = true;
                while (j < host->n_devices && order[j]->group == first->group &&
                       (first->group != KNOWN_PRESENT || order[j]->group_id == first->group_id)) {
                        viable = viable && !pci_device_blocks_group(order[j]);
                        j++;
                }
                bool grouped = first->group == KNOWN_PRESENT;
                struct json_object *jg = NULL, *jdevs = NULL;
                if (json) {
                        jg = json_object_new_object();
                        jdevs = json_object_new_array();
                        json_object_object_add(jg, "group",
                                               grouped ? json_object_new_int64(first->group_id) : NULL);
                        json_object_object_add(jg, "viable", json_object_new_boolean(grouped && viable));
                        json_object_object_add(jg, "devices", jdevs);
                } else if (grouped)
                        strbuf_printf(
                                out, "IOMMU group %u: %s\n", first->group_id,
                                viable ? "viable (every member on vfio-pci, pci-stub, pcieport or none)"
                                       : "not viable while the members marked * keep their host driver");
                else
                        strbuf_puts(out, "No IOMMU group (cannot be passed through):\n");
                for (size_t k = i; k < j; k++) {
                        const PciDevice *d = order[k];
                        const char *drv = d->driver == KNOWN_PRESENT ? d->driver_name : "none";
                        if (json) {
                                struct json_object *jd = pci_device_json(d);
                                json_object_object_add(
                                        jd, "type",
                                        json_object_new_string(d->bridge ? "bridge" : "endpoint"));
                                json_object_object_add(jd, "driver", json_text(drv));
                                json_object_object_add(jd, "blocks",
                                                       json_object_new_boolean(pci_device_blocks_group(d)));
                                json_object_object_add(jd, "class_name", json_text(d->class_name));
                                json_object_object_add(
                                        jd, "modules",
                                        d->modules_state == KNOWN_NOT_PROBED ? NULL : json_text(d->modules));
                                json_object_array_add(jdevs, jd);
                                continue;
                        }
                        DeviceColumns c;
                        device_columns(d, &c);
                        strbuf_printf(out, "  %c %s  ", grouped && pci_device_blocks_group(d) ? '*' : ' ',
                                      d->address);
                        put_padded(out, &c.class_name, w_class);
                        put_padded(out, &c.driver, w_driver);
                        put_padded(out, &c.modules, w_modules);
                        strbuf_append(out, strbuf_str(&c.name), c.name.len);
                        strbuf_putc(out, '\n');
                        device_columns_done(&c);
                }
                if (json && (r = output_json_put_element(out, depth + 1, i == 0, jg)) >= 0 && flush)
                        r = flush(out);
                i = j;
        }
        free(order);
        if (r < 0)
                return r;
        if (json) {
                /* As json-c closes an array, an empty one too. */
                strbuf_putc(out, '\n');
                strbuf_append(out, spaces, 2 * depth);
                strbuf_putc(out, ']');
        } else if (host->n_devices == 0)
                strbuf_puts(out, "No PCI devices found under the root.\n");
        return strbuf_failed(out) ? -ENOMEM : 0;
}

/* vfioexplain groups: every IOMMU group, its members, and whether it can be passed through. */
int cmd_groups(const Options *o, int argc) {
        HostFacts host = {0};
        _cleanup_(strbuf_done) StrBuf out = {0};
        if (argc != 0) {
                errorf("usage: vfioexplain groups");
                return EXIT_USAGE;
        }
        int r;
        if ((r = probe_or_fail(o, "groups", &host)) < 0 || (r = require_pci(o, &host)) < 0) {
                host_facts_done(&host);
                return exit_status_of(r);
        }
        /* lspci -k's "Kernel modules"; a snapshot carries them, a host without modules.alias has none. */
        if (!o->snapshot)
                (void) probe_pci_modules(o->sysroot, &host);
        bool json = o->format == OUTPUT_JSON;
        /* JSON written out as it is made, as json-c printed the tree of {"version": 1, "groups": [...]}. */
        if (json)
                strbuf_puts(&out, "{\n  \"version\": 1,\n  \"groups\": ");
        r = groups_render(&host, json, 1, json ? write_out_piece : NULL, &out);
        if (json)
                strbuf_puts(&out, "\n}\n");
        if (r >= 0)
                r = write_out(&out, 0);
        host_facts_done(&host);
        return output_result(r) < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
}
