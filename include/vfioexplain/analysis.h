/* SPDX-License-Identifier: MIT */
#pragma once

/* Correlation and ranking: matched lines in, ranked root causes out. Memory stays bounded whatever
 * the input size: repeated evidence is counted, not kept. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vfioexplain/pci_address.h"

#include "matcher.h"
#include "prefilter.h"
#include "vfioexplain/line.h"
#include "vfioexplain/romfile_refs.h"
#include "vfioexplain/rules.h"

typedef struct Evidence {
        Source source;
        const char *input; /* input name, owned by the Analysis */
        unsigned long line;
        char *text; /* the line as read, cut at VX_EVIDENCE_TEXT_MAX */
        char **vars; /* this line's own captures (_VAR_CAPTURE_MAX slots), NULL if none */
        bool cut;
        uint64_t realtime_usec; /* journal entries: when it was logged; 0 otherwise */
        char *unit; /* journal entries: the systemd unit that logged it, NULL if none */
        char *cursor; /* journal entries: where to find it again (journalctl --cursor) */
        /* what the line came through before it reached the rules ("markdown quote, logfmt msg"), the command
         * a shell's reply answered; NULL for a line read as the software printed it */
        char *context;
        size_t rule;
        uint64_t seq;
        unsigned epoch;
        /* a statement made of a host listing pasted in the input (lspci, a group listing, lsmod ...): a fact
         * of the host the paste came from, not of this one; text is the listing's line */
        bool pasted;
} Evidence;

typedef struct Finding {
        size_t cause;
        PciAddress device; /* "" for a host-wide cause or when no line names the device */
        char group[12]; /* "" unless known */
        Strength confidence;
        long score;
        Evidence *evidence;
        size_t n_evidence;
        size_t more_evidence; /* matching lines beyond those kept */
        char *vars[_VAR_CAPTURE_MAX];
        const char *explains[VX_LIST_ITEMS_MAX]; /* symptom and cause ids it accounts for */
        size_t n_explains;
        bool direct; /* some evidence names this cause itself, not only a symptom */
        bool host_confirmed; /* confirmed because the host shows what a line points at */
        /* confirmed because a listing pasted in the input shows what a line points at: a fact of the host
         * the paste came from, not of this one */
        bool pasted_confirmed;
        bool tied; /* the evidence weighs it as it weighs the cause ranked next to it */
        /* possible only: its cause's possible-unless holds for none of its lines (an IOMMU fault of a
         * device no line shows assigned); ranked after the other causes of its confidence */
        bool doubted;
        bool folded;
        uint64_t first_seq;
        unsigned rank;
        /* The cause REGRESSION_CAUSE_ID: the regression of rules/regressions.rules found, the kernel of the
         * boot as the log or the host named it, and the releases its fixes name (kernel.org's). */
        const RegressionDef *regression;
        char kernel[VX_KERNEL_RELEASE_MAX + 1];
        KernelVendor kernel_vendor;
        char fixed_release[32], last_good[32];
} Finding;

typedef struct Analysis Analysis;

/* A CPU vendor as the input or the host shows it (bits of the analysis's HostContext.cpu_mask). */
typedef enum AnalysisCpu {
        ANALYSIS_CPU_INTEL,
        ANALYSIS_CPU_AMD,
        ANALYSIS_CPU_OTHER,
} AnalysisCpu;

/* A PCI device as the input shows it (a kernel line of its enumeration, a pasted listing) and as the host
 * the input is judged against shows it; -1 where not known. */
typedef struct DeviceNote {
        PciAddress address;
        int vendor, device; /* from the input */
        int class_code; /* from the input: 24 bits */
        unsigned long line; /* the input line that showed it, 0 if none */
        int host_class; /* from the host */
        bool vf; /* an SR-IOV virtual function (the host, or its name in a listing) */
        /* made by a pasted lspci listing: the input and boot it was pasted in (NULL: by another line) */
        const char *listed_input;
        unsigned listed_epoch;
        /* that listing showed QEMU's own devices: it is a guest's, not a listing of the host (ignored) */
        bool guest;
} DeviceNote;

int analysis_new(const RuleSet *rs, Analysis **ret);
Analysis *analysis_free(Analysis *a);

/* Feeds one line read from input (a name: a path, "-" or "journal") at line number lineno. raw is
 * the line as read (kept as evidence text). Returns 0 or -ENOMEM. */
int analysis_feed(Analysis *a, const char *input, unsigned long lineno, const char *raw, size_t len);

/* A line the log prefilter marked in a block of lines (analyzer/analysis/feed.c). */
typedef struct MarkedLine {
        const char *raw;
        size_t len;
        const PrefilterHit
                *hits; /* its occurrences, their ends relative to raw (NULL: it is scanned again) */
        size_t n_hits;
        unsigned long lineno;
        uint64_t skipped; /* the lines just before it that were not marked */
} MarkedLine;

/* Feeds lines[0..n), marked lines in order, each as analysis_skip_lines() of the lines skipped before it
 * and analysis_feed() of it would. Several at once let the line memo fetch what their look-ups read before
 * the first of them. */
int analysis_feed_marked_lines(Analysis *a, const char *input, const MarkedLine *lines, size_t n);

/* The block whose lines analysis_feed_marked_lines() was given is about to go away (the reader reads the
 * next one): what the analysis points into in it is copied. */
void analysis_feed_block_end(Analysis *a);

/* From now on the lines fed are the guest's (a VM's dmesg, logcat, lspci given with --guest): their
 * kernel lines are not the host kernel's, and only guest rules see them. */
void analysis_set_guest(Analysis *a, bool guest);

/* The analysis's own copy of an input name (NULL without memory): a reader that feeds many lines passes
 * it, and each line then finds its input without comparing names. */
const char *analysis_intern_input(Analysis *a, const char *input);

/* The bounds of limits.h on what an analysis keeps, shared by the analyses of one input (one for each host
 * of a journal directory, cli/hosts.c): together they keep no more findings, symptoms, facts and group
 * links than one analysis may, and what finds no room is counted as dropped, as for one. */
typedef struct AnalysisBudget {
        size_t findings, symptoms, facts, links;
} AnalysisBudget;

/* From now on (before anything is fed) a counts what it keeps against budget, which outlives it. */
void analysis_share_budget(Analysis *a, AnalysisBudget *budget);

/* A line whose message was matched before in the same boot and input has what that match did done again
 * (analyzer/analysis/line_memo.c), unless this turns it off (the tests compare both ways). */
void analysis_set_line_memo(Analysis *a, bool on);

/* Counts n lines of input that hold none of the rules' literals (nor the boot banner): no rule can match
 * them, so they are read but not classified. Returns 0 or -ENOMEM. */
int analysis_skip_lines(Analysis *a, const char *input, uint64_t n);

/* Where a journal entry came from, kept with it when it becomes evidence. */
typedef struct EntryMeta {
        uint64_t realtime_usec;
        const char *unit; /* NULL if none */
        const char *boot_id; /* a new boot starts a new epoch: facts of one boot say nothing of another */
        char *(*cursor)(void *userdata); /* asked only for entries kept as evidence; malloc()ed */
        void *userdata;
} EntryMeta;

/* Feeds one journal entry, classified by its fields; raw is the text shown as its evidence. */
int analysis_feed_entry(Analysis *a, const char *input, unsigned long lineno, const LineFields *f,
                        const char *raw, size_t len, const EntryMeta *meta);

/* Feeds one line of probed host state (probe_lines.h). It is matched only by rules of source probe. */
int analysis_feed_probe(Analysis *a, const char *text, size_t len);

/* The devices the input so far names (findings and symptoms), for the probes to look at. */
size_t analysis_devices(const Analysis *a, PciAddress *out, size_t max);

/* The romfile= paths the input so far names for assigned devices (romfile_refs.h). */
const RomfileRefs *analysis_romfiles(const Analysis *a);

/* Correlates and ranks. After this, analysis_findings() lists the causes, rank 1 first. */
int analysis_finish(Analysis *a);

const Finding *const *analysis_findings(const Analysis *a, size_t *n);

/* A cause a symptom suggested that a fact of the same boot rules out (refuted-by): dropped from the causes,
 * shown as ruled out with that fact. */
typedef struct RuledOutCause {
        size_t cause;
        const char *device; /* "" for none */
        size_t fact;
        /* the line of a listing pasted in the input that stated the fact (a fact of the paste's host), NULL
         * if none did */
        const char *pasted_input;
        unsigned long pasted_line;
} RuledOutCause;

/* After analysis_finish(): the ruled-out causes, at most max into out; returns how many there are. */
size_t analysis_ruled_out(const Analysis *a, RuledOutCause *out, size_t max);

/* Whether fix (of f's cause or of a rule of its evidence) applies to f: its unless condition does not hold
 * for f's device and latest boot. */
bool analysis_fix_applies(const Analysis *a, const Finding *f, const Fix *fix);

/* After analysis_finish(): whether when `when` of symptom holds for some line of it (rules test). */
bool analysis_when_held(const Analysis *a, size_t symptom, size_t when);
/* Whether some line of symptom was read (rules test: a near miss must be the symptom's line). */
bool analysis_symptom_seen(const Analysis *a, size_t symptom);
/* Whether a line of the input stated the fact named id (a fact id of the rules), in any boot. */
bool analysis_fact_seen(const Analysis *a, const char *id);

/* What the host the input is judged against shows of itself (probes or a snapshot), for conditions on the
 * architecture (an ArchFamily, -1 unknown), CPU vendor (an AnalysisCpu, -1) and kernel release (NULL).
 * No command calls it yet: with probes, conditions see what the logs show only. */
void analysis_note_host(Analysis *a, int arch, int cpu, const char *kernel_release);
/* A PCI device's ids and class as a pasted listing or the host shows it (DeviceNote: -1 unknown). Returns 0
 * or -ENOMEM. */
int analysis_note_device(Analysis *a, const DeviceNote *d);

/* Why the input was judged as another machine's (judge_analysis()): what of it is not the host it was to be
 * judged against. This host's facts then take no part in its diagnosis. */
typedef struct OtherHost {
        char hostname[65]; /* a host name the input shows, none of which is this host's; "" if none */
        char host_hostname[65]; /* this host's name, "" if unknown */
        char machine_id[33]; /* journal entries of another machine: its _MACHINE_ID; "" if not so */
        /* the devices the input shows with their vendor:device ids: as here, or absent here or another
         * device here; the first of the latter with its ids */
        unsigned devices_here, devices_not_here;
        PciAddress device;
        int vendor, device_id;
} OtherHost;

typedef struct AnalysisStats {
        uint64_t lines;
        uint64_t probe_lines;
        uint64_t matched_lines;
        uint64_t remembered_lines; /* lines whose message the line memo knew: not matched again */
        uint64_t limit_hits;
        /* matches not kept because a bound was reached (VX_FINDINGS_MAX, VX_SYMPTOMS_MAX, VX_FACTS_MAX):
         * the causes found may then be incomplete */
        uint64_t dropped;
        size_t inputs;
        /* The kernel lines of an input that its own lines show were taken inside a VM (a "DMI:" line naming
         * QEMU, "Hypervisor detected: KVM"), read from that line on as the guest's: the first such input and
         * the line that showed it. */
        const char *guest_input;
        unsigned long guest_line;
        const OtherHost *other_host; /* NULL unless judged as another machine's input */
} AnalysisStats;

AnalysisStats analysis_stats(const Analysis *a);
/* Marks a as another machine's input (analysis_stats()'s other_host), judged without this host's facts. */
void analysis_set_other_host(Analysis *a, const OtherHost *o);
/* What the input shows of the host it comes from: the i-th host name its lines name (a syslog line's, a
 * journal entry's _HOSTNAME, libvirt's "hostname:", a shell prompt's), NULL past the last; the devices it
 * names (a DeviceNote's vendor is >= 0 where the input showed its ids). */
const char *analysis_input_hostname(const Analysis *a, size_t i);
const DeviceNote *analysis_input_devices(const Analysis *a, size_t *n);
/* A count that grows whenever a line tells the analysis something of its host beside the rules' matches (a
 * device and its class, a host name, a group listing, a boot, the architecture, a romfile=, the guest's
 * kernel log starting): watch and run keep such lines to judge again, with those a rule matched. */
uint64_t analysis_context_told(const Analysis *a);
const RuleSet *analysis_rules(const Analysis *a);
