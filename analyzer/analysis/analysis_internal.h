/* SPDX-License-Identifier: MIT */
#pragma once

/* What the per-line path (analysis.c) and the ranking (ranking.c) share: the evidence store of an analysis
 * and the functions that add to it. Nothing outside analyzer/analysis/ sees it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "context.h"
#include "fact_set.h"
#include "line_memo.h"
#include "paste.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/romfile_refs.h"

/* A symptom occurrence, kept once per (rule, device, group, boot): its first line is the evidence. */
typedef struct Hit {
        size_t rule;
        PciAddress device;
        char group[12];
        Evidence ev;
        char *vars[_VAR_CAPTURE_MAX];
        bool attached;
        uint32_t whens_held; /* bit i: the symptom's when i holds for this hit */
        uint16_t via; /* 1 << ViaKind: what the line came through (condition via=) */
} Hit;

/* Finds a hit by what makes it one (rule, device, group, epoch) without comparing it with every other: a
 * host log can name hundreds of devices and groups, each line naming one again. Open addressing over
 * indices into the list; the list is the truth, and the index is rebuilt when the list changes under it. */
typedef struct HitIndex {
        uint32_t *slots; /* 1 + a position in the list, 0 for empty; twice as many as the list may hold */
        size_t mask;
        size_t n_indexed; /* list[0 .. n_indexed) are entered */
} HitIndex;

typedef struct GroupLink {
        char group[12];
        PciAddress address;
} GroupLink;

/* What one match of a line did that the same message, said again in the same boot and input, does again:
 * the group link it set, and the count of a symptom or fact dropped for want of room. A symptom or fact
 * kept is kept already. A line whose matches did anything else (a cause's evidence) is not remembered. */
typedef struct RepeatAction {
        uint32_t group; /* the group it linked, by number (a link to another name is not remembered) */
        uint16_t link; /* 1 + the group link it set, 0 for none */
        bool dropped;
} RepeatAction;

/* not-a-limit: a message's usual matches, a fact or a symptom, and the link of the group it names (once,
 * however many rules set it); a line that does more is matched again each time, not remembered. */
#define REPEAT_ACTIONS_MAX 3u
_Static_assert(1 + REPEAT_ACTIONS_MAX * sizeof(RepeatAction) <= UINT8_MAX, "a payload's length fits a byte");
_Static_assert(VX_GROUP_MAP_MAX < UINT16_MAX, "a link's place fits RepeatAction.link");
_Static_assert(VX_LINE_MEMO_ENTRY_MAX <= UINT8_MAX, "a view that fits the key has its length in a byte");
_Static_assert(VX_INPUTS_MAX <= UINT8_MAX + 1, "an input's place fits a byte of the key");

/* The kernel a boot ran (its banner "Linux version ...", rules/regressions.rules kreg-k-banner), or the
 * host's running kernel (the probe line "kernel: release=..."), with the line that names it. */
typedef struct BootKernel {
        unsigned epoch;
        KernelRelease release;
        char text[VX_KERNEL_RELEASE_MAX + 1];
        Evidence ev;
} BootKernel;
/* A cause a symptom suggested that a fact of the same boot ruled out. */
typedef struct RuledOut {
        size_t cause;
        PciAddress device; /* "" for a host-wide cause */
        size_t fact;
        unsigned epoch;
        /* 1 + the index in pasted_facts of the pasted listing's line that stated the fact, 0 if none did (in
         * the padding: 64 of these are kept in each analysis, one per host of a journal) */
        uint16_t pasted_fact;
} RuledOut;

/* A fact a line of a pasted listing stated (a rule of `pasted = yes`, or pasted.c's statement). */
typedef struct PastedFact {
        size_t fact;
        PciAddress device; /* "" for the host */
        unsigned epoch;
        const char *input; /* owned by the Analysis */
        unsigned long line;
} PastedFact;

typedef struct FindingState {
        Finding f;
        size_t seen_rules[VX_LIST_ITEMS_MAX];
        unsigned seen_hits[VX_LIST_ITEMS_MAX];
        size_t n_seen_rules;
        long strong_weight; /* of the cause's matches, what a likely or confirmed one added beyond possible
                             */
        /* the last line that matched a rule of the cause (its kept evidence may be only the first lines) */
        const char *last_input;
        unsigned long last_line;
        unsigned last_epoch;
        uint64_t last_seq;
} FindingState;

struct Analysis {
        const RuleSet *rs;
        LineClassifier *lc;
        Matcher *m;
        FindingState *findings;
        size_t n_findings;
        const Finding **sorted;
        size_t n_sorted;
        Hit *symptoms;
        size_t n_symptoms;
        FactSet *facts;
        HitIndex symptom_index;
        GroupLink links[VX_GROUP_MAP_MAX];
        size_t n_links;
        /* links by address (index + 1, 0 empty): one look-up per matched line, not a scan of every device */
        uint16_t link_slots[2 * VX_GROUP_MAP_MAX];
        char *inputs[VX_INPUTS_MAX];
        char *input_domain[VX_INPUTS_MAX]; /* from /var/log/libvirt/qemu/NAME.log, NULL otherwise */
        size_t n_inputs;
        uint64_t seq;
        unsigned epoch;
        AnalysisStats stats;
        size_t dropped;
        OtherHost other_host; /* stats.other_host points here once set */
        /* the line being fed */
        const char *cur_input;
        uint8_t cur_input_index; /* its place in inputs[] */
        unsigned long cur_line;
        const char *cur_raw;
        size_t cur_len;
        const EntryMeta *cur_meta;
        bool cur_matched;
        bool guest_input; /* the lines fed now are the guest's (--guest) */
        char last_boot[33];
        RomfileRefs romfiles; /* romfile= of assigned devices the lines name, for the probes to read */
        LineMemo *memo; /* NULL: every line is matched */
        AnalysisBudget own_budget;
        AnalysisBudget *budget; /* own_budget, or the one shared with other analyses */
        /* what matching the current line does, while it may still be remembered */
        bool recording;
        uint8_t n_recorded;
        RepeatAction recorded[REPEAT_ACTIONS_MAX];
        /* the pasted-text stage (analyzer/input/paste): the piece of the line being matched, NULL for a line
         * as read; the command a shell event answers (its context) */
        Paste *paste;
        Paste *paste_inner; /* for the record a journal line carries (logfmt, JSON) */
        const PastePiece *cur_piece;
        const char *cur_command;
        unsigned cur_joined; /* the line is a head joined with this many lines after it that continue it */
        bool cur_counted; /* the line as read is counted as matched already (by another of its pieces) */
        bool cur_pasted; /* a statement made of a pasted listing (pasted.c): its evidence is the paste's */
        /* the last sysfs write command of a shell transcript, until a reply answers it */
        struct {
                bool pending;
                uint8_t input;
                unsigned long lineno;
                SysfsWrite w;
                char text[160];
        } shell;
        char event[512];
        /* the line being joined with its indented continuation lines: the head as read (a pointer into the
         * reader's block until analysis_feed_block_end() copies it), then the lines joined so far */
        struct {
                bool have;
                uint8_t input;
                unsigned long head_lineno, last_lineno;
                const char *head;
                size_t head_len;
                unsigned n; /* lines joined after the head (continuations, and blank lines inside a quote) */
                bool after_blank; /* the line before was a blank line inside a quote the joined lines open */
                bool cri_open; /* the last line was a CRI record's part ("P"): its stream's next record goes
                                  on */
                bool cri_stderr; /* ... on stderr */
                size_t cri_prefix; /* the first record's time, stream and tag, before its text in text */
                size_t cri_len[VX_JOIN_LINES_MAX]; /* the text of each record held, the first one first */
                size_t last_from, last_end; /* the last line that is not blank in raw */
                size_t len, raw_len;
                /* sized for a CRI record's parts; a join of other lines takes VX_JOIN_BYTES_MAX of them. The
                 * analysis is mapped (VX_MALLOC_MMAP_THRESHOLD): pages no join reaches are never touched. */
                char text[VX_JOIN_CRI_BYTES_MAX]; /* head and continuations, blanks between: the message */
                char raw[VX_JOIN_CRI_BYTES_MAX]; /* the same lines as read, newlines between: the evidence */
                char copy[VX_CRI_PART_MAX + VX_CRI_PREFIX_MAX + 1]; /* the head, when its buffer goes away */
        } join;
        /* the kernels boots ran and the host runs (regressions.c), and the facts that name them */
        BootKernel kernels[VX_BOOT_KERNELS_MAX];
        size_t n_kernels;
        BootKernel host_kernel;
        bool host_kernel_known;
        size_t banner_fact, host_kernel_fact;
        /* an input judged a VM's own kernel log without --guest: from (input, epoch, line) on */
        size_t guest_fact;
        /* what a pasted IOMMU group listing shows of a member's group (probe rules name the same facts) */
        size_t card_only_fact, spans_fact;
        bool judged;
        uint8_t judged_input;
        unsigned judged_epoch;
        HostContext ctx; /* what the lines tell of their host, for conditions */
        RuledOut ruled_out[VX_RULED_OUT_MAX];
        size_t n_ruled_out;
        PastedFact *pasted_facts; /* allocated as they come: most inputs paste none */
        size_t n_pasted_facts;
};

enum {
        WEIGHT_CONFIRMED = 100,
        WEIGHT_LIKELY = 60,
        WEIGHT_POSSIBLE = 30,
        WEIGHT_SYMPTOM_ATTACHED = 10,
        WEIGHT_FOLDED = 10,
        WEIGHT_REPEAT_MAX = 5,
        WEIGHT_SUGGESTED = 10, /* each cause a symptom suggests, alike */
        WEIGHT_TERM = 10, /* and for each term of a when of it that holds and names the cause */
};

void hit_index_reset(HitIndex *x);
void evidence_release(Evidence *e);
/* The evidence of the line being matched, by the rule of m. */
int evidence_make(Analysis *a, const Match *m, Evidence *ret);
/* A copy of a capture array for one piece of evidence; NULL when it holds nothing (or on OOM: the
 * explanation then falls back to the cause's values). */
char **vars_dup(char *const *vars);
void vars_merge(char **into, char *const *from);
/* The one device a group is linked to, NULL if none or several. */
const char *address_of_group(const Analysis *a, const char *group);
const char *group_of_address(const Analysis *a, const char *address);
/* The finding of (cause, device), made if new; NULL when no more may be kept (counted as dropped). */
FindingState *finding_get(Analysis *a, size_t cause, const char *device);
/* Takes ownership of ev's text, vars, unit and cursor. */
int finding_add_evidence(FindingState *s, Evidence *ev);
/* A rule's weight once, then one for each repeat up to WEIGHT_REPEAT_MAX. Returns whether weight was added.
 */
bool finding_add_weight(FindingState *s, size_t rule, long weight);
void finding_add_explains(Finding *f, const char *id);

/* regressions.c: notes the kernel the fact rule m names (the boot's banner, or the host's probe line). */
int regressions_note_kernel(Analysis *a, const Match *m, const char *release, bool host);
/* Names the cause REGRESSION_CAUSE_ID where a regression's evidence matched in a boot whose kernel is in
 * one of its ranges; before the symptoms are attached. */
int regressions_judge(Analysis *a);
void regressions_free(Analysis *a);

/* Matches text, a statement made of a listing pasted in the input (in the words of a probe line, so the
 * probe rules judge it), as if it were the line raw of input at lineno in epoch: its evidence shows raw, as
 * pasted. */
int analysis_feed_statement(Analysis *a, const char *input, unsigned long lineno, const char *raw,
                            unsigned epoch, const char *text);
/* pasted.c: what the listings pasted in the input show together, stated as probe lines of the paste's host
 * (a device on no driver or a host driver whose ids a pasted vfio-pci ids= lists); before the symptoms are
 * attached. */
int pasted_judge(Analysis *a);
