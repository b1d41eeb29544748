/* SPDX-License-Identifier: MIT */
/* What the text, Markdown and JSON renderers share: a finding's fixes, explanations, VM and notes. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "capture.h"
#include "classify.h"
#include "escape.h"
#include "framebuffer.h"
#include "output.h"
#include "template.h"
#include "vfioexplain/limits.h"

/* {mmio64_mb}: a window that holds the BAR the cause names ({size}, bytes as the kernel prints them: a
 * power of two in hex) beside the others, at least VX_MMIO64_WINDOW_MIN_MB. */
static void mmio64_window_of(const char *size, char out[static 24]) {
        uint64_t bytes = 0, mb = VX_MMIO64_WINDOW_MIN_MB;
        Span s = span_from_str(size ? size : "");
        if (span_eat_literal(&s, "0x") && span_eat_hex64(&s, &bytes) && s.len == 0 &&
            bytes <= (UINT64_C(1) << 50))
                while (mb < 2 * (bytes >> 20))
                        mb *= 2;
        snprintf(out, 24, "%" PRIu64, mb);
}

typedef struct FactVars {
        char domain[VX_CAPTURE_MAX + 1];
} FactVars;

/* Values the evidence did not give but the host's facts do: the finding's device and its group, the
 * driver it is on, the VM a running QEMU that holds it names. A fix then names them instead of asking the
 * user to fill them in. */
static void fill_from_facts(const Finding *f, const HostFacts *host, TemplateVars *v, FactVars *fv) {
        if (!v->v[VAR_ADDRESS] && f->device[0])
                v->v[VAR_ADDRESS] = f->device;
        if (!v->v[VAR_GROUP] && f->group[0])
                v->v[VAR_GROUP] = f->group;
        const PciDevice *d = host && v->v[VAR_ADDRESS] ? host_find_device(host, v->v[VAR_ADDRESS]) : NULL;
        if (!v->v[VAR_GROUP] && d && d->group == KNOWN_PRESENT) {
                snprintf(v->group, sizeof(v->group), "%u", d->group_id);
                v->v[VAR_GROUP] = v->group;
        }
        if (!v->v[VAR_DRIVER] && d && d->driver == KNOWN_PRESENT)
                v->v[VAR_DRIVER] = d->driver_name;
        const MemlockFact *q = d && host ? host_qemu_holding(host, d->address) : NULL;
        if (!v->v[VAR_DOMAIN] && q && q->vm[0] &&
            capture_normalize(VAR_DOMAIN, q->vm, strlen(q->vm), fv->domain) >= 0)
                v->v[VAR_DOMAIN] = fv->domain;
}

static void vars_of(const Finding *f, const HostFacts *host, TemplateVars *v) {
        *v = (TemplateVars){0};
        for (Var i = 0; i < _VAR_CAPTURE_MAX; i++)
                v->v[i] = f->vars[i];
        v->v[VAR_UPDATE_BOOTLOADER] = host_update_bootloader(host);
        v->v[VAR_UPDATE_INITRAMFS] = host_update_initramfs(host);
        v->v[VAR_CMDLINE_FILE] = host_cmdline_file(host);
        v->v[VAR_CMDLINE_ANCHOR] = host_cmdline_anchor(host);
        v->v[VAR_RELEASE_FRAMEBUFFER] = host_boot_framebuffer_param(host);
        mmio64_window_of(f->vars[VAR_SIZE], v->mmio64_mb);
        v->v[VAR_MMIO64_MB] = v->mmio64_mb;
        if (f->regression) {
                v->v[VAR_KERNEL] = f->kernel;
                v->v[VAR_FIXED_RELEASE] = f->fixed_release;
                v->v[VAR_LAST_GOOD] = f->last_good;
                v->v[VAR_UPDATE_KERNEL] = host_update_kernel(host, f->kernel_vendor);
                v->v[VAR_PIN_KERNEL] = host_pin_kernel(host, f->kernel_vendor);
                v->v[VAR_PIN_KERNEL_HOW] = host_pin_kernel_how(host, f->kernel_vendor);
        }
}

/* What a known kernel regression is (rules/regressions.rules), from its data: the first explanation of the
 * cause it names. */
static char *regression_explanation(const Finding *f) {
        const RegressionDef *g = f->regression;
        StrBuf b = {0};
        strbuf_printf(&b, "Linux %s carries the regression %s: %s. %s Introduced by", f->kernel, g->id,
                      g->title, g->means);
        for (size_t i = 0; i < g->n_introduced; i++)
                strbuf_printf(&b, "%s %s", i ? "," : "", g->introduced[i]);
        strbuf_puts(&b, "; fixed by");
        for (size_t i = 0; i < g->n_fixed_by; i++)
                strbuf_printf(&b, "%s %s", i ? "," : "", g->fixed_by[i]);
        strbuf_puts(&b, "; kernel.org releases with the fix:");
        for (size_t i = 0; i < g->n_fixed_in; i++) {
                char rel[32];
                kernel_release_format(&g->fixed_in[i], rel, sizeof(rel));
                strbuf_printf(&b, " %s", rel);
        }
        strbuf_puts(&b, ". Reported:");
        for (size_t i = 0; i < g->n_reports; i++)
                strbuf_printf(&b, " %s", g->reports[i]);
        return strbuf_steal(&b);
}

static char *render_template(const char *t, const TemplateVars *v) {
        StrBuf b = {0};
        if (template_render(t, v, &b) < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

AnalysisStats output_stats(const Analysis *a, const OutputOptions *o) {
        return o->stats ? *o->stats : analysis_stats(a);
}

/* Why the input was judged as another machine's, and how to judge it against that machine. */
static void put_other_host(StrBuf *out, const OtherHost *o, const char *lead) {
        strbuf_puts(out, lead);
        strbuf_puts(out, "judged from the input alone, without this host's facts: ");
        if (o->machine_id[0])
                strbuf_printf(out, "its journal entries are machine-id %s's, not this host's",
                              o->machine_id);
        else if (o->devices_not_here > 0) {
                strbuf_printf(out, "%u of the %u devices the log shows with their ids %s not this host's (",
                              o->devices_not_here, o->devices_not_here + o->devices_here,
                              o->devices_not_here == 1 ? "is" : "are");
                escape_append(out, o->device, strlen(o->device));
                strbuf_printf(out, " [%04x:%04x] is not here)", (unsigned) o->vendor,
                              (unsigned) o->device_id);
        } else {
                strbuf_puts(out, "the log names host ");
                escape_append(out, o->hostname, strlen(o->hostname));
                if (o->host_hostname[0]) {
                        strbuf_puts(out, ", this host is ");
                        escape_append(out, o->host_hostname, strlen(o->host_hostname));
                }
        }
        strbuf_puts(
                out,
                "; to judge it against that host run there 'vfioexplain snapshot -o host.json' and here 'vfioexplain --snapshot host.json LOG'\n");
}

void output_put_notes(StrBuf *out, AnalysisStats st, const char *lead) {
        if (st.other_host)
                put_other_host(out, st.other_host, lead);
        if (st.guest_input) {
                strbuf_puts(out, lead);
                strbuf_puts(out, "the kernel lines of ");
                escape_append(out, st.guest_input, strlen(st.guest_input));
                strbuf_printf(
                        out,
                        " from line %lu on were read as a VM's own, as with --guest: that line (DMI, hypervisor, a shell prompt naming a VM) says the log was taken inside a VM\n",
                        st.guest_line);
        }
        if (st.limit_hits)
                strbuf_printf(out, "%s%llu line(s) hit the regex match limit and were not judged\n", lead,
                              (unsigned long long) st.limit_hits);
        if (st.dropped)
                strbuf_printf(
                        out,
                        "%s%llu matching line(s) were not kept: the log names more causes, symptoms or facts than vfioexplain keeps, so what is shown may be incomplete\n",
                        lead, (unsigned long long) st.dropped);
}

bool finding_vm(const Finding *f, const HostFacts *host, const char **name, int *pid) {
        const MemlockFact *q = f->device[0] && host ? host_qemu_holding(host, f->device) : NULL;
        if (q) {
                *name = q->vm[0] ? q->vm : NULL;
                *pid = q->pid;
                return true;
        }
        if (f->vars[VAR_DOMAIN]) {
                *name = f->vars[VAR_DOMAIN];
                *pid = 0;
                return true;
        }
        return false;
}

void rendered_fixes_free(RenderedFix *fixes, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(fixes[i].command);
                free(fixes[i].why);
        }
        free(fixes);
}

void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

/* A fix in libvirt's terms: it runs virsh. */
/* Whether the command runs virsh: at its start or as a later command of it ("... >x.xml && sudo virsh
 * define"). */
static bool fix_is_libvirt(const char *cmd) {
        for (const char *p = cmd; (p = strstr(p, "virsh ")); p++)
                if (p == cmd || strchr(" (;|&", p[-1]))
                        return true;
        return false;
}

/* The layer whose terms the fixes speak: the one named (--domain, --pve-vm, --incus), else the one the
 * input or the host shows. Proxmox VE: a qmstart task's start line (fact pve-vm-start), a finding whose
 * evidence is one of qemu-server's own messages (a rule of pve.rules, ids "pve-"), or a Proxmox VE node;
 * incus: its hint after a failed start (fact incus-instance-start) or one of its messages (incus.rules, ids
 * "incus-"). Both at once say neither: libvirt's terms stay. */
static GuestLayer layer_of_input(const Analysis *a, const HostFacts *host, GuestLayer layer, bool named) {
        /* A libvirt domain named on a Proxmox VE node is libvirt's: virsh is how it is changed. */
        if (named || layer != GUEST_LIBVIRT)
                return layer;
        const RuleSet *rs = analysis_rules(a);
        bool pve = analysis_fact_seen(a, "pve-vm-start") || (host && host->distro == DISTRO_PROXMOX);
        bool incus = analysis_fact_seen(a, "incus-instance-start");
        size_t n;
        const Finding *const *fs = analysis_findings(a, &n);
        for (size_t i = 0; i < n; i++)
                for (size_t e = 0; e < fs[i]->n_evidence; e++) {
                        const char *id = rs->rules[fs[i]->evidence[e].rule].id;
                        pve |= strncmp(id, "pve-", 4) == 0;
                        incus |= strncmp(id, "incus-", 6) == 0;
                }
        if (pve == incus)
                return GUEST_LIBVIRT;
        return pve ? GUEST_PVE : GUEST_INCUS;
}

/* Where a virsh fix was left out: the layer's own way to the same place, the guest's configuration as that
 * layer keeps it. The guest's name is the finding's when it is one of the layer's (a VMID; an incus name),
 * else a variable set first, as the templates' are. */
static int add_layer_fix(RenderedFix **fixes, size_t *n, GuestLayer layer, const char *name) {
        _cleanup_(strbuf_done) StrBuf cmd = {0};
        const char *why;
        size_t setup_len = 0;
        bool known = name && name[0] && strlen(name) <= 63;
        for (const char *c = known ? name : ""; *c; c++)
                if (layer == GUEST_PVE ? !(*c >= '0' && *c <= '9')
                                       : !(isalnum((unsigned char) *c) || *c == '-'))
                        known = false;
        if (layer == GUEST_PVE) {
                if (!known)
                        strbuf_puts(&cmd, "VMID=your-vm-id   # the VM's number (qm list)\n");
                setup_len = cmd.len;
                strbuf_printf(&cmd, "qm config %s", known ? name : "\"$VMID\"");
                why = "Shows the VM's configuration as qemu-server reads it: the hostpciN lines are its passed devices with their options (pcie=1, x-vga=1, rombar=0, romfile=), args: any extra QEMU options. What a libvirt guide changes in the domain XML, change here with qm set and the VM's number (qm set VMID --hostpci0 ...), or in the web UI: the VM, Hardware, PCI Device, Edit.";
        } else {
                if (!known)
                        strbuf_puts(&cmd, "INSTANCE=your-instance   # the instance's name (incus list)\n");
                setup_len = cmd.len;
                strbuf_printf(&cmd, "incus config show --expanded %s", known ? name : "\"$INSTANCE\"");
                why = "Shows the instance's devices with those of its profiles: a gpu device's pci=, a pci device's address=. What a libvirt guide changes in the domain XML, change here with incus config device set INSTANCE DEVICE KEY=VALUE (QEMU's own options: raw.qemu).";
        }
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*fixes)[i].command, strbuf_str(&cmd)) == 0)
                        return 0;
        RenderedFix *a = realloc(*fixes, (*n + 1) * sizeof(RenderedFix));
        if (!a)
                return -ENOMEM;
        *fixes = a;
        char *c = strbuf_steal(&cmd), *w = strdup(why);
        if (!c || !w) {
                free(c);
                free(w);
                return -ENOMEM;
        }
        a[*n] = (RenderedFix){.command = c, .why = w, .setup_len = setup_len};
        (*n)++;
        return 0;
}

/* ret_set: the variables the command sets first (a bit each, 1 << Var), for its why. */
static int render_command(const char *template, const TemplateVars *v, char **ret, size_t *ret_setup_len,
                          uint64_t *ret_set) {
        _cleanup_(strbuf_done) StrBuf body = {0}, cmd = {0};
        uint64_t unknown = 0;
        int r;
        if ((r = template_render_command(template, v, &body, &unknown)) < 0)
                return r;
        /* What the evidence and the host do not say, the user sets first, in a line of its own. */
        for (Var k = 0; k < _VAR_CAPTURE_MAX; k++)
                if (unknown & (UINT64_C(1) << k))
                        template_shell_setup(k, v, &cmd);
        size_t setup_len = cmd.len;
        strbuf_append(&cmd, strbuf_str(&body), body.len);
        char *c = strbuf_steal(&cmd);
        if (!c)
                return -ENOMEM;
        *ret = c;
        *ret_setup_len = setup_len;
        if (ret_set)
                *ret_set = unknown;
        return 0;
}

int fix_render_command(const char *template, const TemplateVars *v, char **ret, size_t *ret_setup_len) {
        return render_command(template, v, ret, ret_setup_len, NULL);
}

/* Whether the command binds a device to vfio-pci by hand: driverctl's override, a driver_override written
 * with vfio-pci, vfio-pci's bind or new_id. */
static bool fix_binds_to_vfio(const char *cmd) {
        return strstr(cmd, "driverctl set-override ") ||
                (strstr(cmd, "/driver_override") && strstr(cmd, "vfio-pci")) ||
                strstr(cmd, "/drivers/vfio-pci/bind") || strstr(cmd, "/drivers/vfio-pci/new_id");
}

/* The fixes left out for the guest's layer, to be said in its terms instead. */
typedef struct DroppedFixes {
        bool libvirt; /* a virsh command */
        bool bind; /* a bind to vfio-pci by hand, which qemu-server does itself at start */
} DroppedFixes;

/* Where a bind by hand was left out for a Proxmox VE VM: qemu-server binds each hostpci device, with the
 * rest of its IOMMU group, to vfio-pci at every start (pve-common SysFSTools.pm
 * pci_dev_group_bind_to_vfio()), unless the entry has driver=keep. */
static int add_pve_bind_fix(RenderedFix **fixes, size_t *n, const char *address) {
        _cleanup_free_ char *why = NULL;
        const char *a = address && address[0] ? address : "the device";
        if (asprintf(
                    &why,
                    "qemu-server moves each device of a VM's hostpciN entries (and the rest of its IOMMU group) to vfio-pci itself when the VM starts, unless the entry has driver=keep: a bind by hand (driverctl, driver_override) is not how a VM gets %s. These lines show which VM has it and with which options; give it to the VM with qm set VMID --hostpciN ADDRESS (web UI: the VM, Hardware, Add, PCI Device), or drop driver=keep from its entry.",
                    a) < 0)
                return -ENOMEM;
        const char *cmd = "grep -H '^hostpci' /etc/pve/qemu-server/*.conf";
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*fixes)[i].command, cmd) == 0)
                        return 0;
        RenderedFix *f = realloc(*fixes, (*n + 1) * sizeof(RenderedFix));
        if (!f)
                return -ENOMEM;
        *fixes = f;
        char *c = strdup(cmd);
        if (!c)
                return -ENOMEM;
        f[*n] = (RenderedFix){.command = c, .why = TAKE_PTR(why)};
        (*n)++;
        return 0;
}

/* own_rule: the fix is one of a rule of the guest's layer ("pve-"), which speaks its terms already (a bind
 * beside driver=keep, which qemu-server then leaves to the host). */
static int add_fix(RenderedFix **fixes, size_t *n, const Fix *fix, const TemplateVars *v, GuestLayer layer,
                   bool own_rule, DroppedFixes *dropped) {
        _cleanup_free_ char *cmd = NULL;
        _cleanup_(strbuf_done) StrBuf why = {0};
        size_t setup_len;
        uint64_t set;
        int r;
        if ((r = render_command(fix->command, v, &cmd, &setup_len, &set)) < 0)
                return r;
        /* A Proxmox VE VM or an incus instance is not changed with virsh: its own rules say how. */
        if (layer != GUEST_LIBVIRT && fix_is_libvirt(cmd + setup_len)) {
                dropped->libvirt = true;
                return 0;
        }
        if (layer == GUEST_PVE && !own_rule && fix_binds_to_vfio(cmd + setup_len)) {
                dropped->bind = true;
                return 0;
        }
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*fixes)[i].command, cmd) == 0)
                        return 0;
        if ((r = template_render_why(fix->why, v, set, &why)) < 0)
                return r;
        RenderedFix *a = realloc(*fixes, (*n + 1) * sizeof(RenderedFix));
        if (!a)
                return -ENOMEM;
        *fixes = a;
        char *w = strbuf_steal(&why);
        if (!w)
                return -ENOMEM;
        a[*n] = (RenderedFix){.command = TAKE_PTR(cmd), .why = w, .setup_len = setup_len};
        (*n)++;
        return 0;
}

int finding_render_fixes(const Analysis *a, const Finding *f, const HostFacts *host, GuestLayer layer,
                         bool layer_named, RenderedFix **ret, size_t *n) {
        const RuleSet *rs = analysis_rules(a);
        RenderedFix *fixes = NULL;
        size_t count = 0;
        TemplateVars v;
        int r;

        DroppedFixes dropped = {0};
        layer = layer_of_input(a, host, layer, layer_named);
        FactVars fv = {0};
        vars_of(f, host, &v);
        fill_from_facts(f, host, &v, &fv);
        for (size_t e = 0; e < f->n_evidence; e++) {
                const RuleDef *rule = &rs->rules[f->evidence[e].rule];
                /* A folded-in cause's rule fixes belong to that cause, not to this one. */
                if (rule->kind != RULE_CAUSE || rule->target != f->cause)
                        continue;
                /* A line's fix speaks of its own values (the driver of its device, when a cause's lines name
                 * two), the cause's filling what it lacks; the same command twice is written once. */
                TemplateVars ev = v;
                if (f->evidence[e].vars)
                        for (Var k = 0; k < _VAR_CAPTURE_MAX; k++)
                                if (f->evidence[e].vars[k])
                                        ev.v[k] = f->evidence[e].vars[k];
                bool own_rule = layer == GUEST_PVE && strncmp(rule->id, "pve-", 4) == 0;
                for (size_t k = 0; k < rule->n_fixes; k++)
                        if (analysis_fix_applies(a, f, &rule->fixes[k]) &&
                            (r = add_fix(&fixes, &count, &rule->fixes[k], &ev, layer, own_rule, &dropped)) <
                                    0)
                                goto fail;
        }
        /* A fix whose unless holds would contradict what the input or the host shows (an option the command
         * line has already): left out. */
        const CauseDef *c = &rs->causes[f->cause];
        for (size_t k = 0; k < c->n_fixes; k++)
                if (analysis_fix_applies(a, f, &c->fixes[k]) &&
                    (r = add_fix(&fixes, &count, &c->fixes[k], &v, layer, false, &dropped)) < 0)
                        goto fail;
        if (dropped.bind && (r = add_pve_bind_fix(&fixes, &count, v.v[VAR_ADDRESS])) < 0)
                goto fail;
        if (dropped.libvirt && (r = add_layer_fix(&fixes, &count, layer, v.v[VAR_DOMAIN])) < 0)
                goto fail;
        *ret = fixes;
        *n = count;
        return 0;
fail:
        rendered_fixes_free(fixes, count);
        return r;
}

static void put_markdown_part(StrBuf *out, const char *s, size_t len, bool value, void *userdata) {
        if (value)
                markdown_put_code(out, s, len, false);
        else
                markdown_put_text(out, s, len);
}

static int render_explanations(const Analysis *a, const Finding *f, const HostFacts *host, bool markdown,
                               char ***ret, size_t *n) {
        const RuleSet *rs = analysis_rules(a);
        char **list = NULL;
        size_t count = 0;
        TemplateVars v;

        FactVars fv = {0};
        vars_of(f, host, &v);
        fill_from_facts(f, host, &v, &fv);
        if (f->regression) {
                if (!(list = malloc(sizeof(char *))) || !(list[0] = regression_explanation(f))) {
                        free(list);
                        return -ENOMEM;
                }
                count = 1;
        }
        for (size_t e = 0; e < f->n_evidence; e++) {
                const RuleDef *rule = &rs->rules[f->evidence[e].rule];
                if (!rule->explain)
                        continue;
                /* A line's explanation speaks of its own values; the cause's fill what it lacks. */
                TemplateVars ev = v;
                if (f->evidence[e].vars)
                        for (Var k = 0; k < _VAR_CAPTURE_MAX; k++)
                                if (f->evidence[e].vars[k])
                                        ev.v[k] = f->evidence[e].vars[k];
                char *s;
                if (markdown) {
                        StrBuf b = {0};
                        s = template_render_parts(rule->explain, &ev, put_markdown_part, NULL, &b) < 0
                                ? NULL
                                : strbuf_steal(&b);
                        strbuf_done(&b);
                } else
                        s = render_template(rule->explain, &ev);
                if (!s) {
                        strv_free_n(list, count);
                        return -ENOMEM;
                }
                bool dup = false;
                for (size_t i = 0; i < count; i++)
                        dup = dup || strcmp(list[i], s) == 0;
                if (dup) {
                        free(s);
                        continue;
                }
                char **l = realloc(list, (count + 1) * sizeof(char *));
                if (!l) {
                        free(s);
                        strv_free_n(list, count);
                        return -ENOMEM;
                }
                list = l;
                list[count++] = s;
        }
        *ret = list;
        *n = count;
        return 0;
}

void output_put_ruled_out(const Analysis *a, StrBuf *out, const char *lead, const char *next) {
        const RuleSet *rs = analysis_rules(a);
        RuledOutCause ro[VX_RULED_OUT_MAX];
        size_t n = MIN(analysis_ruled_out(a, ro, ELEMENTSOF(ro)), ELEMENTSOF(ro));
        for (size_t i = 0; i < n; i++) {
                strbuf_printf(out, "%s%s%s%s, suggested by a line but ruled out by the fact %s",
                              i ? next : lead, rs->causes[ro[i].cause].id, ro[i].device[0] ? " on " : "",
                              ro[i].device, rs->facts[ro[i].fact]);
                /* An input's name is the user's own argument, escaped as every name from outside is. */
                if (ro[i].pasted_input) {
                        strbuf_puts(out, " of the pasted listing at ");
                        escape_append(out, ro[i].pasted_input, strlen(ro[i].pasted_input));
                        strbuf_printf(out, ":%lu", ro[i].pasted_line);
                }
                strbuf_puts(out, "\n");
        }
}

const char *evidence_source_name(const Evidence *e) {
        return e->pasted ? "pasted" : source_to_string(e->source);
}

int finding_render_explanations(const Analysis *a, const Finding *f, const HostFacts *host, char ***ret,
                                size_t *n) {
        return render_explanations(a, f, host, false, ret, n);
}

int finding_render_explanations_markdown(const Analysis *a, const Finding *f, const HostFacts *host,
                                         char ***ret, size_t *n) {
        return render_explanations(a, f, host, true, ret, n);
}
