/* SPDX-License-Identifier: MIT */
/* Whether a condition of a rule file (a symptom's when, a fix's unless) holds for a line or a cause: its
 * captures, its device, its boot, and what the input and the host tell of that host. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "analysis_internal.h"
#include "errno_name.h"
#include "evaluate.h"

/* One of t's values is v (a capture's value, normalised). */
static bool value_listed(const CondTerm *t, const char *v) {
        for (size_t i = 0; i < t->n_values; i++)
                if (strcmp(t->values[i], v) == 0)
                        return true;
        return false;
}

/* A term about a value that may be unknown: holds when known and listed (negated: known and not listed). */
static bool known_term(const CondTerm *t, const char *v) {
        if (!v)
                return false;
        return value_listed(t, v) != t->negated;
}

/* A term about a set of names (bits of names[]): known when the set is not empty. */
static bool set_term(const CondTerm *t, unsigned bits, const char *(*name)(unsigned) ) {
        if (bits == 0)
                return false;
        bool any = false;
        for (unsigned b = 0; b < 32 && !any; b++)
                if ((bits & (1u << b)) && name(b) && value_listed(t, name(b)))
                        any = true;
        return any != t->negated;
}

static const char *class_name(unsigned b) {
        return device_class_to_string((DeviceClass) b);
}

static const char *arch_name(unsigned b) {
        return arch_family_to_string((ArchFamily) b);
}

static const char *cpu_name(unsigned b) {
        static const char *const names[] = {
                [ANALYSIS_CPU_INTEL] = "intel", [ANALYSIS_CPU_AMD] = "amd", [ANALYSIS_CPU_OTHER] = "other"};
        return b < ELEMENTSOF(names) ? names[b] : NULL;
}

static bool version_term(const CondTerm *t, bool known, const unsigned v[static 3]) {
        if (!known)
                return false;
        int c = version_cmp(v, t->version);
        return t->below ? c < 0 : c >= 0;
}

static bool term_holds(const Analysis *a, const CondTerm *t, const CondPlace *p) {
        const HostContext *c = &a->ctx;
        const char *device = p->device ? p->device : "";
        const EpochInfo *e = context_epoch(c, p->epoch);

        switch (t->subject) {
        case COND_CAPTURE: {
                const char *v = p->vars ? p->vars[t->var] : NULL;
                if (v && t->var == VAR_ERRNO)
                        v = errno_name_of(v, strlen(v));
                return known_term(t, v);
        }
        case COND_CLASS:
                return set_term(t, context_device_classes(c, device), class_name);
        case COND_ARCH:
                return set_term(t, c->arch_mask, arch_name);
        case COND_PCI_DOMAIN: {
                const char *colon = strchr(device, ':');
                if (!device[0] || !colon)
                        return false;
                bool zero = strspn(device, "0") == (size_t) (colon - device);
                return known_term(t, zero ? "0000" : "nonzero");
        }
        case COND_CPU:
                return set_term(t, c->cpu_mask, cpu_name);
        case COND_IOMMU_LINES:
                /* absence means something only where the boot's kernel log is there from its start */
                if (!e || (!e->iommu_lines && !e->boot_start))
                        return false;
                return known_term(t, e->iommu_lines ? "present" : "none");
        case COND_LINUX:
                if (e && e->linux_known)
                        return version_term(t, true, e->linux_version);
                return version_term(t, c->host_linux_known, c->host_linux_version);
        case COND_QEMU:
                return version_term(t, c->qemu_known, c->qemu_version);
        case COND_CARD_FACT: {
                /* the other functions of the card: the same domain, bus and slot */
                const char *dot = strrchr(device, '.');
                if (!device[0] || !dot || dot[1] < '0' || dot[1] > '7' || (size_t) (dot - device) > 12)
                        return false;
                for (char fn = '0'; fn <= '7'; fn++) {
                        char other[16];
                        if (fn == dot[1])
                                continue;
                        snprintf(other, sizeof(other), "%.*s.%c", (int) (dot - device), device, fn);
                        for (size_t i = 0; i < t->n_values; i++)
                                if (fact_set_holds(a->facts, t->facts[i], p->epoch, other) &&
                                    !fact_set_holds(a->facts, t->facts[i], p->epoch, ""))
                                        return true;
                }
                return false;
        }
        case COND_FACT: {
                for (size_t i = 0; i < t->n_values; i++)
                        if (fact_set_holds(a->facts, t->facts[i], p->epoch, device))
                                return true;
                return false;
        }
        case COND_ASSIGNED:
                return context_assigned(c, device, p->input, p->epoch, p->line);
        case COND_VIA: {
                /* a line came through nothing or through some layers: always known of a line */
                if (!p->line_known)
                        return false;
                bool any = false;
                for (unsigned b = 0; b < _VIA_MAX && !any; b++)
                        any = (p->via & (1u << b)) && value_listed(t, via_kind_to_string((ViaKind) b));
                return any != t->negated;
        }
        default:
                return false;
        }
}

bool condition_holds(const Analysis *a, const Condition *cond, const CondPlace *p) {
        for (size_t i = 0; i < cond->n_terms; i++)
                if (!term_holds(a, &cond->terms[i], p))
                        return false;
        return true;
}
