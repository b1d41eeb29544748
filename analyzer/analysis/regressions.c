/* SPDX-License-Identifier: MIT */
/* Known kernel regressions (rules/regressions.rules): the kernel each boot ran, and the cause
 * host-kernel-regression where a regression's failure is in the evidence of a boot whose kernel carries it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"
#include "vfioexplain/macro.h"

void regressions_free(Analysis *a) {
        for (size_t i = 0; i < a->n_kernels; i++)
                evidence_release(&a->kernels[i].ev);
        evidence_release(&a->host_kernel.ev);
}

/* The release the current line names: a banner's text from "Linux version " on, a probe line's from
 * "version=" where the host's /proc/version was read (a distribution's tail there tells the stable update).
 */
static int release_of_line(const Analysis *a, const char *release, bool host, KernelRelease *ret) {
        const char *key = host ? " version=" : "Linux version ";
        const char *p = span_find(span_make(a->cur_raw, a->cur_len), key);
        if (p) {
                p += strlen(key);
                size_t rlen;
                KernelRelease r;
                if (kernel_release_parse_version(p, (size_t) (a->cur_raw + a->cur_len - p), &r, &rlen) ==
                            0 &&
                    rlen == strlen(release) && memcmp(p, release, rlen) == 0) {
                        *ret = r;
                        return 0;
                }
        }
        return kernel_release_parse(release, strlen(release), ret);
}

int regressions_note_kernel(Analysis *a, const Match *m, const char *release, bool host) {
        BootKernel *k;
        KernelRelease r;
        int ret;

        if (!release || release_of_line(a, release, host, &r) < 0)
                return 0;
        if (host) {
                if (a->host_kernel_known)
                        return 0;
                k = &a->host_kernel;
        } else {
                for (size_t i = 0; i < a->n_kernels; i++)
                        if (a->kernels[i].epoch == a->epoch)
                                return 0; /* the first line that names a boot's kernel is its evidence */
                if (a->n_kernels >= ELEMENTSOF(a->kernels))
                        return 0;
                k = &a->kernels[a->n_kernels];
        }
        *k = (BootKernel){.epoch = a->epoch, .release = r};
        snprintf(k->text, sizeof(k->text), "%s", release);
        if ((ret = evidence_make(a, m, &k->ev)) < 0)
                return ret;
        if (host)
                a->host_kernel_known = true;
        else
                a->n_kernels++;
        return 0;
}

/* The kernel of a boot: its banner's; for lines of no boot whose banner was read, the host's running kernel
 * when the host was probed (the logs of this host). NULL if not known. */
static const BootKernel *kernel_of(const Analysis *a, unsigned epoch) {
        for (size_t i = 0; i < a->n_kernels; i++)
                if (a->kernels[i].epoch == epoch)
                        return &a->kernels[i];
        return a->host_kernel_known ? &a->host_kernel : NULL;
}

static bool is_evidence(const RegressionDef *g, size_t rule) {
        for (size_t i = 0; i < g->n_evidence; i++)
                if (g->evidence[i] == rule)
                        return true;
        return false;
}

/* The range of g that holds r, NULL if none does for certain. */
static const ReleaseRange *range_of(const RegressionDef *g, const KernelRelease *r) {
        for (size_t i = 0; i < g->n_affected; i++)
                if (kernel_release_in_range(r, &g->affected[i].from, &g->affected[i].to) ==
                    KERNEL_IN_RANGE_YES)
                        return &g->affected[i];
        return NULL;
}

/* The fixed release to move to from r: the first of its own series after it, else the first after it. */
static void fixed_release_for(const RegressionDef *g, const KernelRelease *r, char *out, size_t size) {
        const KernelRelease *same = NULL, *later = NULL;
        for (size_t i = 0; i < g->n_fixed_in; i++) {
                const KernelRelease *f = &g->fixed_in[i];
                if (kernel_release_cmp(f, r) <= 0 && r->stable_known)
                        continue;
                if (f->major == r->major && f->minor == r->minor &&
                    (!same || kernel_release_cmp(f, same) < 0))
                        same = f;
                if (kernel_release_cmp(f, r) > 0 && (!later || kernel_release_cmp(f, later) < 0))
                        later = f;
        }
        const KernelRelease *pick = same ? same : later ? later : g->n_fixed_in ? &g->fixed_in[0] : NULL;
        if (pick)
                kernel_release_format(pick, out, size);
        else
                snprintf(out, size, "?");
}

/* The release before from: x.y.(z-1) of a stable update, the mainline release before a candidate. */
static void last_good_before(const KernelRelease *from, char *out, size_t size) {
        KernelRelease r = *from;
        if (r.rc == 0 && r.stable > 0)
                r.stable--;
        else if (r.minor > 0) {
                r.minor--;
                r.rc = r.stable = 0;
        } else {
                snprintf(out, size, "the release before %u.%u", from->major, from->minor);
                return;
        }
        kernel_release_format(&r, out, size);
}

static int evidence_copy(const Evidence *from, Evidence *to) {
        *to = *from;
        to->text = strdup(from->text);
        to->unit = from->unit ? strdup(from->unit) : NULL;
        to->cursor = from->cursor ? strdup(from->cursor) : NULL;
        to->context = from->context ? strdup(from->context) : NULL;
        to->vars = from->vars ? vars_dup(from->vars) : NULL;
        if (!to->text) {
                evidence_release(to);
                return -ENOMEM;
        }
        return 0;
}

static int add_copy(FindingState *s, const Evidence *ev) {
        Evidence e;
        int r = evidence_copy(ev, &e);
        return r < 0 ? r : finding_add_evidence(s, &e);
}

/* The failure ev (of a cause found directly: from, else of the symptom hit) in a boot whose kernel carries
 * g: the cause, with the line and the kernel that shows it. */
static int name_regression(Analysis *a, const RegressionDef *g, const Evidence *ev, FindingState *from,
                           Hit *hit) {
        const BootKernel *k = kernel_of(a, ev->epoch);
        const ReleaseRange *range;
        FindingState *s;
        int r;

        if (!k || !(range = range_of(g, &k->release)))
                return 0;
        if (!(s = finding_get(a, a->rs->regression_cause, "")))
                return 0;
        if (s->f.regression && s->f.regression != g)
                return 0; /* one regression per analysis is named; the first whose failure was read */
        if (!s->f.regression) {
                s->f.regression = g;
                snprintf(s->f.kernel, sizeof(s->f.kernel), "%s", k->text);
                s->f.kernel_vendor = k->release.vendor;
                fixed_release_for(g, &k->release, s->f.fixed_release, sizeof(s->f.fixed_release));
                last_good_before(&range->from, s->f.last_good, sizeof(s->f.last_good));
                if ((r = add_copy(s, &k->ev)) < 0)
                        return r;
        }
        /* A distribution that builds its own kernel may carry the fix, or a revert, before the stable update
         * that has it. */
        bool distribution = k->release.vendor == KERNEL_VENDOR_DEBIAN ||
                k->release.vendor == KERNEL_VENDOR_UBUNTU || k->release.vendor == KERNEL_VENDOR_PROXMOX;
        Strength strength = distribution ? STRENGTH_POSSIBLE : STRENGTH_LIKELY;
        if (strength > s->f.confidence)
                s->f.confidence = strength;
        s->f.direct = true;
        finding_add_weight(s, ev->rule, strength == STRENGTH_LIKELY ? WEIGHT_LIKELY : WEIGHT_POSSIBLE);
        if ((r = add_copy(s, ev)) < 0)
                return r;
        if (ev->vars)
                vars_merge(s->f.vars, ev->vars);
        if (hit) {
                hit->attached = true;
                finding_add_explains(&s->f, a->rs->symptoms[a->rs->rules[hit->rule].target].id);
        }
        if (from && !from->f.folded && from != s) {
                /* the cause the failure would be read as alone is this regression's consequence here */
                for (size_t e = 0; e < from->f.n_evidence; e++)
                        if ((r = add_copy(s, &from->f.evidence[e])) < 0)
                                return r;
                s->f.more_evidence += from->f.more_evidence;
                vars_merge(s->f.vars, from->f.vars);
                finding_add_explains(&s->f, a->rs->causes[from->f.cause].id);
                from->f.folded = true;
        }
        return 0;
}

int regressions_judge(Analysis *a) {
        const RuleSet *rs = a->rs;
        int r;

        if (rs->regression_cause == SIZE_MAX)
                return 0;
        for (size_t gi = 0; gi < rs->n_regressions; gi++) {
                const RegressionDef *g = &rs->regressions[gi];
                size_t n = a->n_findings;
                for (size_t i = 0; i < n; i++) {
                        FindingState *s = &a->findings[i];
                        for (size_t e = 0; e < s->f.n_evidence && !s->f.folded; e++)
                                if (is_evidence(g, s->f.evidence[e].rule) &&
                                    (r = name_regression(a, g, &s->f.evidence[e], s, NULL)) < 0)
                                        return r;
                }
                for (size_t i = 0; i < a->n_symptoms; i++) {
                        Hit *h = &a->symptoms[i];
                        if (is_evidence(g, h->rule) && (r = name_regression(a, g, &h->ev, NULL, h)) < 0)
                                return r;
                }
        }
        return 0;
}
