/* SPDX-License-Identifier: MIT */
/* The grammar of rule-file conditions and the names of their values; the analysis evaluates them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "condition.h"
#include "errno_name.h"
#include "strparse.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"
#include "vocab.h"

static const char *const stage_names[_STAGE_MAX] = {
        [STAGE_IOMMU] = "iommu",         [STAGE_DEVICE] = "device", [STAGE_BINDING] = "binding",
        [STAGE_CARD] = "card",           [STAGE_GROUP] = "group",   [STAGE_ACCESS] = "access",
        [STAGE_CONTAINER] = "container", [STAGE_SETUP] = "setup",   [STAGE_GUEST] = "guest",
        [STAGE_NONE] = "none",
};

const char *cause_stage_to_string(CauseStage s) {
        return s < _STAGE_MAX ? stage_names[s] : NULL;
}

int cause_stage_from_string(const char *s) {
        for (CauseStage i = 0; i < _STAGE_MAX; i++)
                if (strcmp(stage_names[i], s) == 0)
                        return (int) i;
        return -EINVAL;
}

static const char *const class_names[_DEVICE_CLASS_MAX] = {
        [DEVICE_CLASS_BRIDGE] = "bridge",       [DEVICE_CLASS_VGA] = "vga",
        [DEVICE_CLASS_DISPLAY] = "display",     [DEVICE_CLASS_AUDIO] = "audio",
        [DEVICE_CLASS_GPU_AUDIO] = "gpu-audio", [DEVICE_CLASS_USB] = "usb",
        [DEVICE_CLASS_STORAGE] = "storage",     [DEVICE_CLASS_NVME] = "nvme",
        [DEVICE_CLASS_NETWORK] = "network",     [DEVICE_CLASS_VF] = "vf",
};

const char *device_class_to_string(DeviceClass c) {
        return c < _DEVICE_CLASS_MAX ? class_names[c] : NULL;
}

unsigned device_class_bits(unsigned class_code) {
        unsigned base = class_code >> 16, sub = (class_code >> 8) & 0xff, bits = 0;
        /* PCI Code and ID Assignment Specification: 0604 PCI-to-PCI bridge, 0609 semi-transparent one */
        if (base == 0x06 && (sub == 0x04 || sub == 0x09))
                bits |= 1u << DEVICE_CLASS_BRIDGE;
        if (base == 0x03) {
                bits |= 1u << DEVICE_CLASS_DISPLAY;
                if (sub == 0x00)
                        bits |= 1u << DEVICE_CLASS_VGA;
        }
        if (base == 0x04 && (sub == 0x01 || sub == 0x03))
                bits |= 1u << DEVICE_CLASS_AUDIO;
        if (base == 0x0c && sub == 0x03)
                bits |= 1u << DEVICE_CLASS_USB;
        if (base == 0x01) {
                bits |= 1u << DEVICE_CLASS_STORAGE;
                if (sub == 0x08)
                        bits |= 1u << DEVICE_CLASS_NVME;
        }
        if (base == 0x02)
                bits |= 1u << DEVICE_CLASS_NETWORK;
        return bits;
}

static const char *const via_names[_VIA_MAX] = {
        [VIA_COMPOSE] = "compose", [VIA_KUBECTL] = "kubectl", [VIA_EVENTS] = "events",
        [VIA_CRI] = "cri",         [VIA_JSON] = "json",       [VIA_LOGFMT] = "logfmt",
        [VIA_PROMPT] = "prompt",   [VIA_MANAGER] = "manager",
};

const char *via_kind_to_string(ViaKind v) {
        return v < _VIA_MAX ? via_names[v] : NULL;
}

static const char *const arch_names[_ARCH_MAX] = {
        [ARCH_X86] = "x86",   [ARCH_ARM] = "arm",     [ARCH_PPC] = "ppc",
        [ARCH_S390] = "s390", [ARCH_RISCV] = "riscv", [ARCH_LOONGARCH] = "loongarch",
        [ARCH_MIPS] = "mips",
};

const char *arch_family_to_string(ArchFamily a) {
        return a < _ARCH_MAX ? arch_names[a] : NULL;
}

int arch_family_of(const char *s, size_t len) {
        /* QEMU's target names (qemu-system-TARGET) and the kernel's (uname -m, Debian's release suffixes) */
        static const struct {
                const char *prefix;
                ArchFamily family;
        } names[] = {
                {"x86_64", ARCH_X86},        {"amd64", ARCH_X86},   {"i386", ARCH_X86},
                {"i686", ARCH_X86},          {"aarch64", ARCH_ARM}, {"arm64", ARCH_ARM},
                {"arm", ARCH_ARM},           {"ppc", ARCH_PPC},     {"powerpc", ARCH_PPC},
                {"s390", ARCH_S390},         {"riscv", ARCH_RISCV}, {"loongarch", ARCH_LOONGARCH},
                {"loong64", ARCH_LOONGARCH}, {"mips", ARCH_MIPS},
        };
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                size_t n = strlen(names[i].prefix);
                if (len >= n && memcmp(s, names[i].prefix, n) == 0)
                        return (int) names[i].family;
        }
        return -EINVAL;
}

int version_cmp(const unsigned a[static 3], const unsigned b[static 3]) {
        for (size_t i = 0; i < 3; i++)
                if (a[i] != b[i])
                        return a[i] < b[i] ? -1 : 1;
        return 0;
}

int version_parse(const char *s, size_t len, unsigned ret[static 3]) {
        Span t = span_make(s, len);
        unsigned v[3] = {0};
        uint64_t n;
        if (!span_eat_digits(&t, 1, 6, &n))
                return -EINVAL;
        v[0] = (unsigned) n;
        for (size_t i = 1; i < 3 && t.len >= 2 && t.p[0] == '.' && span_is_digit(t.p[1]); i++) {
                span_advance(&t, 1);
                if (!span_eat_digits(&t, 1, 6, &n))
                        break;
                v[i] = (unsigned) n;
        }
        memcpy(ret, v, sizeof(v));
        return 0;
}

void condition_done(Condition *c) {
        for (size_t i = 0; i < c->n_terms; i++)
                for (size_t k = 0; k < c->terms[i].n_values; k++)
                        free(c->terms[i].values[k]);
        free(c->terms);
        *c = (Condition){0};
}

static bool name_in(const char *const *names, size_t n, const char *v) {
        for (size_t i = 0; i < n; i++)
                if (names[i] && strcmp(names[i], v) == 0)
                        return true;
        return false;
}

static bool value_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || span_is_digit(c) || c == '_' ||
                c == '-' || c == '.' || c == ':' || c == '/';
}

static bool fact_id_valid(const char *v) {
        if (!v[0] || strlen(v) > VX_ID_MAX)
                return false;
        for (const char *p = v; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || span_is_digit(*p) || *p == '-'))
                        return false;
        return true;
}

/* Checks a value of the term and makes it canonical: NULL, or what is wrong with it. */
static const char *check_value(CondTerm *t, char **value) {
        static const char *const pci_domains[] = {"0000", "nonzero"};
        static const char *const cpus[] = {"intel", "amd", "other"};
        static const char *const iommu_lines[] = {"none", "present"};
        char norm[VX_CAPTURE_MAX + 1];

        switch (t->subject) {
        case COND_CAPTURE:
                if (t->var == VAR_ERRNO) {
                        if (!errno_name_known(*value))
                                return "errno: a symbolic name (EBUSY, EINVAL, ENODEV ...) of analyzer/base/errno_name.c";
                        return NULL;
                }
                if (capture_normalize((Var) t->var, *value, strlen(*value), norm) < 0)
                        return "value outside the capture's grammar";
                if (strcmp(norm, *value) != 0) {
                        char *n = strdup(norm);
                        if (!n)
                                return "out of memory";
                        free(*value);
                        *value = n;
                }
                return NULL;
        case COND_CLASS:
                return name_in(class_names, _DEVICE_CLASS_MAX, *value)
                        ? NULL
                        : "class: bridge, vga, display, audio, gpu-audio, usb, storage, nvme, network or vf";
        case COND_ARCH:
                return name_in(arch_names, _ARCH_MAX, *value)
                        ? NULL
                        : "arch: x86, arm, ppc, s390, riscv, loongarch or mips";
        case COND_PCI_DOMAIN:
                return name_in(pci_domains, ELEMENTSOF(pci_domains), *value) ? NULL
                                                                             : "pci-domain: 0000 or nonzero";
        case COND_CPU:
                return name_in(cpus, ELEMENTSOF(cpus), *value) ? NULL : "cpu: intel, amd or other";
        case COND_IOMMU_LINES:
                return name_in(iommu_lines, ELEMENTSOF(iommu_lines), *value)
                        ? NULL
                        : "iommu-lines: none or present";
        case COND_LINUX:
        case COND_QEMU: {
                unsigned v[3];
                const char *s = *value;
                size_t len = strlen(s);
                if (version_parse(s, len, v) < 0 || strspn(s, "0123456789.") != len)
                        return "a version: digits and dots, such as 6.2";
                memcpy(t->version, v, sizeof(v));
                return NULL;
        }
        case COND_FACT:
        case COND_CARD_FACT:
                return fact_id_valid(*value) ? NULL : "fact: a fact id (lower-case letters, digits and '-')";
        case COND_ASSIGNED:
                return strcmp(*value, "yes") == 0 ? NULL : "assigned: yes";
        case COND_VIA:
                return name_in(via_names, _VIA_MAX, *value)
                        ? NULL
                        : "via: compose, kubectl, events, cri, json, logfmt, prompt or manager";
        default:
                return "unknown subject";
        }
}

static int subject_of(const char *name, size_t len, CondTerm *t) {
        static const struct {
                const char *name;
                CondSubject subject;
        } subjects[] = {
                {"class", COND_CLASS},
                {"arch", COND_ARCH},
                {"pci-domain", COND_PCI_DOMAIN},
                {"cpu", COND_CPU},
                {"iommu-lines", COND_IOMMU_LINES},
                {"linux", COND_LINUX},
                {"qemu", COND_QEMU},
                {"fact", COND_FACT},
                {"card-fact", COND_CARD_FACT},
                {"assigned", COND_ASSIGNED},
                {"via", COND_VIA},
        };
        for (size_t i = 0; i < ELEMENTSOF(subjects); i++)
                if (strlen(subjects[i].name) == len && memcmp(subjects[i].name, name, len) == 0) {
                        t->subject = subjects[i].subject;
                        return 0;
                }
        int v = var_from_string(name, len);
        if (v < 0 || v >= _VAR_CAPTURE_MAX)
                return -EINVAL;
        t->subject = COND_CAPTURE;
        t->var = v;
        return 0;
}

static void term_done(CondTerm *t) {
        for (size_t k = 0; k < t->n_values; k++)
                free(t->values[k]);
        *t = (CondTerm){0};
}

/* One term at s[0..len), s at column col of the condition. */
static int parse_term(const char *s, size_t len, size_t col, CondTerm *t, size_t *err_col,
                      const char **err) {
        size_t n = 0;
        *t = (CondTerm){0};
        /* A capture's name may hold '_' (qemu_device), a built-in subject's '-' (pci-domain). */
        while (n < len && ((s[n] >= 'a' && s[n] <= 'z') || s[n] == '-' || s[n] == '_'))
                n++;
        if (n == 0 || subject_of(s, n, t) < 0) {
                *err_col = col;
                *err = "unknown condition (a capture name, class, arch, pci-domain, cpu, iommu-lines, linux, qemu, fact, card-fact, assigned or via)";
                return -EINVAL;
        }
        size_t op = n;
        bool ordered = t->subject == COND_LINUX || t->subject == COND_QEMU;
        if (op + 1 < len && s[op] == '!' && s[op + 1] == '=' &&
            (t->subject == COND_FACT || t->subject == COND_CARD_FACT)) {
                *err_col = col + op;
                *err = "fact!= is not a condition: a fact no line states is not known to be false";
                return -EINVAL;
        } else if (op + 1 < len && s[op] == '!' && s[op + 1] == '=' && t->subject == COND_ASSIGNED) {
                *err_col = col + op;
                *err = "assigned!= is not a condition: a device no line shows assigned may still be";
                return -EINVAL;
        } else if (op + 1 < len && s[op] == '!' && s[op + 1] == '=' && !ordered) {
                t->negated = true;
                n = op + 2;
        } else if (op + 1 < len && s[op] == '>' && s[op + 1] == '=' && ordered)
                n = op + 2;
        else if (op < len && s[op] == '<' && ordered) {
                t->below = true;
                n = op + 1;
        } else if (op < len && s[op] == '=' && !ordered)
                n = op + 1;
        else {
                *err_col = col + op;
                *err = ordered ? "expected >= or < and a version" : "expected = or != and a value";
                return -EINVAL;
        }
        while (n <= len) {
                size_t start = n;
                while (n < len && s[n] != '|')
                        n++;
                if (n == start) {
                        *err_col = col + start;
                        *err = "empty value";
                        term_done(t);
                        return -EINVAL;
                }
                for (size_t i = start; i < n; i++)
                        if (!value_char(s[i])) {
                                *err_col = col + i;
                                *err = "a value holds letters, digits and _-.:/ only";
                                term_done(t);
                                return -EINVAL;
                        }
                if (t->n_values >= VX_COND_VALUES_MAX || (ordered && t->n_values > 0)) {
                        *err_col = col + start;
                        *err = ordered ? "a version condition has one version"
                                       : "too many values (see limits.h)";
                        term_done(t);
                        return -EINVAL;
                }
                char *v = strndup(s + start, n - start);
                if (!v) {
                        term_done(t);
                        return -ENOMEM;
                }
                t->values[t->n_values++] = v;
                const char *bad = check_value(t, &t->values[t->n_values - 1]);
                if (bad) {
                        *err_col = col + start;
                        *err = bad;
                        term_done(t);
                        return -EINVAL;
                }
                n++; /* past the '|' or the end */
        }
        return 0;
}

int condition_parse(const char *s, size_t len, Condition *ret, size_t *err_col, const char **err) {
        Condition c = {0};
        size_t i = 0;
        int r;

        while (i < len) {
                while (i < len && (s[i] == ' ' || s[i] == '\t'))
                        i++;
                if (i >= len)
                        break;
                size_t start = i;
                while (i < len && s[i] != ' ' && s[i] != '\t')
                        i++;
                if (c.n_terms >= VX_COND_TERMS_MAX) {
                        condition_done(&c);
                        *err_col = start;
                        *err = "too many terms (see limits.h)";
                        return -EINVAL;
                }
                CondTerm *terms = realloc(c.terms, (c.n_terms + 1) * sizeof(CondTerm));
                if (!terms) {
                        condition_done(&c);
                        return -ENOMEM;
                }
                c.terms = terms;
                if ((r = parse_term(s + start, i - start, start, &c.terms[c.n_terms], err_col, err)) < 0) {
                        condition_done(&c);
                        return r;
                }
                c.n_terms++;
        }
        if (c.n_terms == 0) {
                *err_col = 0;
                *err = "empty condition";
                return -EINVAL;
        }
        *ret = c;
        return 0;
}
