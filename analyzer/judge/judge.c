/* SPDX-License-Identifier: MIT */
/* Judging an analysis against its host: the probes' lines, a VM's configuration, romfile= and x-vga=; and
 * telling an input of another machine, which is judged from itself alone. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "condition.h"
#include "judge.h"
#include "probe_lines.h"
#include "rom_probe.h"
#include "strparse.h"
#include "vfioexplain/limits.h"

static bool host_probed(const HostFacts *f) {
        return f && f->root;
}

static bool address_listed(const PciAddress *list, size_t n, const char *address) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(list[i], address) == 0)
                        return true;
        return false;
}

typedef struct ProbeFeed {
        Analysis *a;
        const DomainConfig *dc;
        const HostFacts *host;
} ProbeFeed;

static int feed_probe_line(const char *line, size_t len, void *userdata) {
        ProbeFeed *p = userdata;
        /* A managed hostdev's group members that are the domain's own hostdevs block nothing: libvirt
         * detaches them all before QEMU starts. */
        if (p->dc && domain_explains_probe_line(p->dc, p->host, line, len))
                return 0;
        return analysis_feed_probe(p->a, line, len);
}

/* The devices judged: those the input names, then those asked about, then the VM's, each once. */
static size_t judged_devices(Analysis *a, const JudgeHost *h, PciAddress *out, size_t max) {
        size_t n = analysis_devices(a, out, max);
        for (size_t i = 0; i < h->n_devices && n < max; i++)
                if (!address_listed(out, n, h->devices[i]))
                        memcpy(out[n++], h->devices[i], sizeof(PciAddress));
        if (!h->domain)
                return n;
        PciAddress hostdevs[VX_FINDINGS_MAX];
        size_t m = domain_hostdev_addresses(h->domain, hostdevs, ELEMENTSOF(hostdevs));
        for (size_t i = 0; i < m && n < max; i++)
                if (!address_listed(out, n, hostdevs[i]))
                        memcpy(out[n++], hostdevs[i], sizeof(PciAddress));
        return n;
}

/* The romfile= files the logs name, read under the root; those of the domain's own <rom file=> are
 * judged with the domain already. */
static int probe_romfiles(Analysis *a, const JudgeHost *h, ProbeFeed *feed) {
        RomfileRefs refs = *analysis_romfiles(a);
        size_t n = 0;
        for (size_t i = 0; i < refs.n; i++) {
                bool in_domain = false;
                for (size_t k = 0; h->domain && k < h->domain->n_hostdevs && !in_domain; k++) {
                        const DomainHostdev *hd = &h->domain->hostdevs[k];
                        in_domain = hd->rom_file && strcmp(hd->address, refs.refs[i].address) == 0 &&
                                strcmp(hd->rom_file, refs.refs[i].path) == 0;
                }
                if (!in_domain)
                        refs.refs[n++] = refs.refs[i];
        }
        refs.n = n;
        int r = rom_probe_lines(h->facts, &refs, feed_probe_line, feed);
        if (r < 0)
                return r;
        return vga_probe_lines(h->facts, &refs, feed_probe_line, feed);
}

/* The architecture family the host's kernel release names in its last part ("6.1.0-27-amd64",
 * "6.5.6-300.fc39.x86_64", "6.1.0-27-arm64"), or that its CPU vendor implies; -1 if neither says. */
static int host_arch(const HostFacts *f) {
        if (f->cpu_vendor == CPU_VENDOR_INTEL || f->cpu_vendor == CPU_VENDOR_AMD)
                return ARCH_X86;
        const char *r = f->kernel_release, *last = r;
        for (const char *p = r; *p; p++)
                if (*p == '-' || *p == '.')
                        last = p + 1;
        return *last ? arch_family_of(last, strlen(last)) : -1;
}

static int host_cpu(const HostFacts *f) {
        switch (f->cpu_vendor) {
        case CPU_VENDOR_INTEL:
                return ANALYSIS_CPU_INTEL;
        case CPU_VENDOR_AMD:
                return ANALYSIS_CPU_AMD;
        case CPU_VENDOR_OTHER:
                return ANALYSIS_CPU_OTHER;
        default:
                return -1;
        }
}

/* What the host shows of itself and of the devices judged, for the conditions of the rules' suggestions
 * (arch=, cpu=, class=, a kernel release): with probes they see the host, not only what the logs say. */
static int note_host(Analysis *a, const HostFacts *f, const PciAddress *devices, size_t n) {
        analysis_note_host(a, host_arch(f), host_cpu(f), f->kernel_release);
        for (size_t i = 0; i < n; i++) {
                const PciDevice *d = host_find_device(f, devices[i]);
                if (!d)
                        continue;
                DeviceNote note = {.vendor = -1,
                                   .device = -1,
                                   .class_code = -1,
                                   .host_class = (int) d->class_code,
                                   .vf = d->physfn[0] != 0};
                memcpy(note.address, d->address, sizeof(PciAddress));
                int r = analysis_note_device(a, &note);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int correlate(Analysis *a, const JudgeHost *h) {
        PciAddress devices[VX_FINDINGS_MAX];
        size_t n = judged_devices(a, h, devices, ELEMENTSOF(devices));
        int r = note_host(a, h->facts, devices, n);
        if (r < 0)
                return r;
        ProbeFeed feed = {.a = a, .dc = h->domain, .host = h->facts};
        r = probe_lines(h->facts, devices, n, feed_probe_line, &feed);
        if (r < 0)
                return r;
        /* The VM's own lines are no group member's to drop. */
        feed.dc = NULL;
        if (h->pve && (r = pve_probe_lines(h->pve, h->facts, feed_probe_line, &feed)) < 0)
                return r;
        if (h->domain && (r = domain_probe_lines(h->domain, h->facts, feed_probe_line, &feed)) < 0)
                return r;
        return probe_romfiles(a, h, &feed);
}

/* Whether a host name can tell one machine from another: "localhost" and its like name every machine, the
 * names people put in place of their own when they hide it in a paste ("[root@host ~]#") name none, and an
 * address (a syslog relay's name for the sender) is no host's name. */
static bool name_tells(const char *name) {
        static const char *const placeholders[] = {"host", "hostname", "myhost", "yourhost", "redacted"};
        size_t len = strlen(name);
        if (!hostname_is_valid(name, len) || strncasecmp(name, "localhost", 9) == 0)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(placeholders); i++)
                if (strcasecmp(name, placeholders[i]) == 0)
                        return false;
        for (size_t i = 0; i < len; i++)
                if (!span_is_digit(name[i]) && name[i] != '.')
                        return true;
        return false;
}

/* The same machine's names: "pve" is "PVE.example.org" (hostname -s, and the journal's _HOSTNAME is the
 * kernel's, which may or may not hold the domain). */
static bool same_host_name(const char *a, const char *b) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        return la == lb && strncasecmp(a, b, la) == 0;
}

bool judge_other_host(const Analysis *a, const JudgeHost *h, OtherHost *ret) {
        const HostFacts *f = h->facts;
        *ret = (OtherHost){.vendor = -1, .device_id = -1};
        snprintf(ret->host_hostname, sizeof(ret->host_hostname), "%s", f->hostname);
        if (h->other_machine_id) {
                snprintf(ret->machine_id, sizeof(ret->machine_id), "%s", h->other_machine_id);
                return true;
        }
        if (h->own_input)
                return false;

        /* A host with no PCI device to be read (a container without sysfs) cannot say a device is not
         * there. */
        size_t n = 0;
        const DeviceNote *notes = analysis_input_devices(a, &n);
        for (size_t i = 0; i < n && f->pci == KNOWN_PRESENT && f->n_devices > 0; i++) {
                /* a guest's pasted lspci names the VM's devices, not another host's */
                if (notes[i].vendor < 0 || notes[i].guest)
                        continue;
                const PciDevice *d = host_find_device(f, notes[i].address);
                if (d && (int) d->vendor == notes[i].vendor && (int) d->device == notes[i].device) {
                        ret->devices_here++;
                        continue;
                }
                if (ret->devices_not_here++ == 0) {
                        memcpy(ret->device, notes[i].address, sizeof(PciAddress));
                        ret->vendor = notes[i].vendor;
                        ret->device_id = notes[i].device;
                }
        }
        if (ret->devices_here != ret->devices_not_here)
                return ret->devices_not_here > ret->devices_here;

        /* A VM's own kernel log (judged the guest's) names the VM, whose host may well be this one. */
        if (!name_tells(f->hostname) || analysis_stats(a).guest_input)
                return false;
        const char *other = NULL, *name;
        for (size_t i = 0; (name = analysis_input_hostname(a, i)); i++) {
                if (!name_tells(name))
                        continue;
                if (same_host_name(name, f->hostname))
                        return false;
                other = other ? other : name;
        }
        if (!other)
                return false;
        snprintf(ret->hostname, sizeof(ret->hostname), "%s", other);
        return true;
}

int judge_analysis(Analysis *a, const JudgeHost *h) {
        int r;
        if (host_probed(h->facts)) {
                OtherHost other;
                if (judge_other_host(a, h, &other))
                        analysis_set_other_host(a, &other);
                else if ((r = correlate(a, h)) < 0)
                        return r;
        }
        return analysis_finish(a);
}
