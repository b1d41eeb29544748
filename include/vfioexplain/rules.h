/* SPDX-License-Identifier: MIT */
#pragma once

/* The rule set: causes, symptoms, facts and the rules that recognise their messages, loaded from
 * rule files (docs/rule-format.md), validated, and compiled once. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "kernel_release.h"
#include "vfioexplain/limits.h"

typedef enum Strength {
        STRENGTH_POSSIBLE,
        STRENGTH_LIKELY,
        STRENGTH_CONFIRMED,
        _STRENGTH_MAX,
} Strength;

const char *strength_to_string(Strength s);

/* What a condition of a rule file (docs/rule-format.md "Conditions") is about. */
typedef enum CondSubject {
        COND_CAPTURE, /* a capture of the line: driver=nvidia, errno=EBUSY (by its symbolic name) */
        COND_CLASS, /* the device's PCI class, as the host, a pasted listing or the logs show it */
        COND_ARCH, /* the host's architecture family */
        COND_PCI_DOMAIN, /* the device's PCI domain (segment): 0000 or nonzero */
        COND_CPU, /* the host's CPU vendor */
        COND_IOMMU_LINES, /* the boot's kernel log, read from its start, has IOMMU lines or none */
        COND_LINUX, /* the host kernel's release */
        COND_QEMU, /* the QEMU version */
        COND_FACT, /* a fact holds for the device (or the host) in the boot */
        COND_CARD_FACT, /* a fact holds for another function of the device's card in the boot */
        COND_ASSIGNED, /* the input shows the device handed to vfio or a VMM (at or before the line) */
        COND_VIA, /* what the line came through before it was pasted: a container's log, a JSON record ... */
        _COND_SUBJECT_MAX,
} CondSubject;

/* NAME=VALUE|VALUE (one of the values), NAME!=VALUE|VALUE (known, and none of them), NAME>=VERSION,
 * NAME<VERSION. A term about something not known does not hold, negated or not: unknown is never "no". */
typedef struct CondTerm {
        CondSubject subject;
        int var; /* COND_CAPTURE: the capture's Var */
        bool negated;
        bool below; /* COND_LINUX, COND_QEMU: < (else >=) */
        char *values[VX_COND_VALUES_MAX]; /* canonical: errno names, class and arch names */
        size_t n_values;
        size_t facts[VX_COND_VALUES_MAX]; /* COND_FACT, COND_CARD_FACT: the fact indices of values */
        unsigned version[3];
} CondTerm;

/* Terms that must all hold; none: always. */
typedef struct Condition {
        CondTerm *terms;
        size_t n_terms;
} Condition;

typedef struct Fix {
        char *command; /* template */
        char *why; /* template */
        /* unless = CONDITION, once or more: the fix is left out where one holds for the cause's device and
         * boot (an option the command line has already, an ACS override for a group of one card) */
        Condition unless[VX_FIX_UNLESS_MAX];
        size_t n_unless;
} Fix;

/* Where in the passthrough flow a cause makes it fail: the causal order of confirmed causes (the first
 * step that fails comes first). STAGE_NONE for a cause that names none (after every stage). */
typedef enum CauseStage {
        STAGE_IOMMU, /* an IOMMU that covers the device */
        STAGE_DEVICE, /* the device itself: an endpoint that exists, answers and has a group */
        STAGE_BINDING, /* the device on vfio-pci */
        STAGE_CARD, /* the other functions of its card on vfio-pci */
        STAGE_GROUP, /* the other members of its group */
        STAGE_ACCESS, /* opening the group and device nodes */
        STAGE_CONTAINER, /* the container and its DMA mappings */
        STAGE_SETUP, /* the device's set-up in QEMU: regions, ROM, reset, interrupts */
        STAGE_GUEST, /* the guest */
        STAGE_NONE,
        _STAGE_MAX,
} CauseStage;

const char *cause_stage_to_string(CauseStage s);
int cause_stage_from_string(const char *s);

typedef struct Origin {
        char *file; /* the rule file */
        unsigned line;
} Origin;

typedef struct CauseDef {
        char *id, *title, *means;
        bool host_scope;
        Fix fixes[VX_FIXES_MAX];
        size_t n_fixes;
        size_t explains[VX_LIST_ITEMS_MAX]; /* cause indices */
        size_t n_explains;
        size_t refuted_by[VX_LIST_ITEMS_MAX]; /* fact indices */
        size_t n_refuted_by;
        /* ruled-out-by: facts that rule the cause out also where a line points at it short of stating it */
        size_t ruled_out_by[VX_LIST_ITEMS_MAX]; /* fact indices */
        size_t n_ruled_out_by;
        CauseStage stage;
        /* possible-unless: a finding of the cause is at most possible unless one holds for a line of it */
        Condition possible_unless[VX_FIX_UNLESS_MAX];
        size_t n_possible_unless;
        /* doubt: in words, why a finding for which no possible-unless holds is in doubt (the outputs show
         * it) */
        char *doubt;
        Origin at;
} CauseDef;

/* A log of a when's given or miss lines, read as one input. */
typedef struct WhenExample {
        char **lines;
        size_t n_lines;
        unsigned at_line;
} WhenExample;

/* when = CONDITION => CAUSE... !CAUSE...: where the condition holds for a line of the symptom, it points at
 * the causes named (by how many terms the condition has) and not at those marked !. */
typedef struct SuggestWhen {
        Condition cond;
        size_t causes[VX_LIST_ITEMS_MAX]; /* cause indices, each also in suggests */
        size_t n_causes;
        size_t excludes[VX_LIST_ITEMS_MAX];
        size_t n_excludes;
        WhenExample *given; /* logs where it holds */
        size_t n_given;
        WhenExample *miss; /* near misses: logs of the symptom where it does not */
        size_t n_miss;
        unsigned at_line;
} SuggestWhen;

typedef struct SymptomDef {
        char *id, *title;
        bool generic; /* a consequence of any failure: explained by whatever cause is found */
        /* A normal line that tells something about a device ("setting as boot VGA device"): evidence for a
         * cause found otherwise for that device, never a suggestion on its own. */
        bool corroborates;
        size_t suggests[VX_LIST_ITEMS_MAX]; /* cause indices; their order says nothing */
        size_t n_suggests;
        SuggestWhen *whens;
        size_t n_whens;
        Origin at;
} SymptomDef;

typedef enum RuleKind {
        RULE_CAUSE,
        RULE_SYMPTOM,
        RULE_FACT,
} RuleKind;

typedef struct RuleExample {
        char *line;
        unsigned at_line;
        char *expect[VX_CAPTURES_MAX]; /* "name=value" */
        size_t n_expect;
} RuleExample;

typedef struct RuleDef {
        char *id;
        unsigned source_mask; /* 1 << Source */
        RuleKind kind;
        size_t target; /* cause, symptom or fact index */
        Strength strength;
        /* it reads a line of a host listing people paste with their logs (lspci -k, lsmod, ls -l /dev/vfio,
         * virt-host-validate ...): what it matches is a fact of the host the paste came from */
        bool pasted;
        char *contents[VX_CONTENTS_PER_RULE_MAX];
        size_t n_contents;
        size_t fast_content; /* the longest content: the one the prefilter looks for */
        char *pattern;
        unsigned pattern_line, pattern_col;
        struct pcre2_real_code_8 *code;
        /* JIT compiled when the prefilter first lets a line through to the rule (matcher.c), not at load:
         * most rules never see a line, and compiling them all would cost more than a short log takes to
         * read. */
        bool jit_tried;
        bool jit;
        int capture_group[VX_CAPTURES_MAX]; /* pcre2 group number per capture slot */
        int capture_var[VX_CAPTURES_MAX]; /* vocabulary index per capture slot */
        size_t n_captures;
        char *explain;
        Fix fixes[VX_FIXES_MAX];
        size_t n_fixes;
        char **versions;
        size_t n_versions;
        char **origins;
        size_t n_origins;
        RuleExample *examples;
        size_t n_examples;
        RuleExample *counters;
        size_t n_counters;
        Origin at;
} RuleDef;

/* A kernel regression that breaks passthrough (docs/rule-format.md "[regression ID]"): the releases that
 * carry it, as half-open ranges [from, to), the releases that have its fix, and the rules whose match is the
 * failure it causes. The cause REGRESSION_CAUSE_ID is named only through these, never by a rule or a
 * symptom's suggestion. */
#define REGRESSION_CAUSE_ID "host-kernel-regression"

typedef struct ReleaseRange {
        KernelRelease from, to;
} ReleaseRange;

typedef struct RegressionDef {
        char *id, *title, *means;
        ReleaseRange affected[VX_REGRESSION_RANGES_MAX];
        size_t n_affected;
        KernelRelease fixed_in[VX_REGRESSION_RANGES_MAX];
        size_t n_fixed_in;
        size_t evidence[VX_LIST_ITEMS_MAX]; /* rule indices */
        size_t n_evidence;
        char **introduced, **fixed_by, **reports; /* "SHA ("subject")", and URLs */
        size_t n_introduced, n_fixed_by, n_reports;
        Origin at;
} RegressionDef;

typedef struct Prefilter Prefilter;
struct RuleTables;

/* The kernel's first line of a boot ("Linux version 6.1.0-13-amd64 ..."): it starts a new epoch of the
 * analysis. */
#define KERNEL_BOOT_BANNER "Linux version "

/* The literals of a shell transcript's lines that make events (analysis.c shell_step()): a sysfs path, a
 * builtin's "write error", driverctl, Python's OSError ("[Errno 19] No such device"). A line that holds none
 * of them changes no transcript's state. */
#define PREFILTER_SHELL_LITERALS "/sys/", "write error", "driverctl", "[Errno "

/* kmod's lsmod line of the module vfio: its name padded to 19 columns, a blank, then the size right-aligned
 * in 8 (tools/lsmod.c "%-19s %8ld  %d"): at least 16 blanks after the name. */
#define LSMOD_VFIO_LINE "vfio                "

/* bash's builtin as typed to show the locked-memory limit (analysis/context.c note_ulimit_l()); the line
 * after one that holds it is read too (its reply, a bare number). */
#define ULIMIT_L_COMMAND "ulimit -l"

/* Extra literals a program prints, in each of its spellings, and nobody types: looked for only as written.
 * In the other cases literal_case_ok() takes, "IOMMU group " would be found in every kernel line "Adding to
 * iommu group N" (one in eight of a boot's log), each occurrence judged and listed for nothing. lspci -nn's
 * class names before their code, and modprobe.d's keywords, which modprobe reads only in lower case, are the
 * same. */
#define PREFILTER_EXACT_LITERALS                                                                     \
        "IOMMU Group ", "IOMMU group ", "controller [0", "bridge [06", "device [04", "options vfio", \
                "softdep ", "lsmod", LSMOD_VFIO_LINE, ULIMIT_L_COMMAND

/* Lines that matter without matching a rule, so the prefilter looks for these beside the rules' literals
 * (as patterns n_rules and up): the boot banner, what romfile_refs_scan() collects from QEMU command
 * lines (romfile=, x-vga=, the id= of a -device vfio-pci that a -set names, and the UEFI firmware drive:
 * pflash or -bios), the commands and replies of a shell transcript's sysfs writes, and what
 * analyzer/analysis/context.c notes of the host: the IOMMU driver's lines (DMAR, AMD-Vi, an SMMU's), the
 * kernel's enumeration of each PCI device ("[10de:1b80] type 00 class 0x030000") and libvirt's line at each
 * start of a domain (its QEMU and kernel versions and host name), pasted IOMMU group listings, the header of
 * a device in a pasted lspci -nn ("VGA compatible controller [0300]: ", "PCI bridge [0604]: "), a pasted
 * modprobe.d's vfio-pci options and softdeps, and a pasted `lsmod | grep vfio`: its command, the line of
 * vfio and any line naming vfio_pci; the command of a pasted `ulimit -l`; and a CRI log record that is a
 * part of a line ("stderr P "), which the records after it continue. */
#define PREFILTER_EXTRA_LITERALS                                                                          \
        {                                                                                                 \
                KERNEL_BOOT_BANNER, "romfile", "pflash", "-bios ", "vfio-pci", "x-vga", "DMAR", "AMD-Vi", \
                        "smmu", "] type 0", "starting up libvirt version: ", "-vm:", "@vm:", "vfio_pci",  \
                        "stdout P ", "stderr P ", PREFILTER_EXACT_LITERALS, PREFILTER_SHELL_LITERALS      \
        }

/* What a pattern of the log prefilter is besides a rule's literal. */
enum {
        PATTERN_ALONE = 1 << 0, /* a line that holds it alone may match: an extra literal, or a rule of it
                                 * has no other content */
        PATTERN_SHELL = 1 << 1, /* one of PREFILTER_SHELL_LITERALS */
};

/* A prefilter's pattern numbers to rules: pattern p is the fast content of rules[start[p] .. start[p + 1])
 * (of none, for an extra literal), flags[p] its PATTERN_* flags. A literal several rules share is one
 * pattern, looked for once. */
typedef struct PatternRules {
        size_t *start;
        size_t *rules;
        uint8_t *flags;
} PatternRules;

typedef struct RuleSet {
        CauseDef *causes;
        size_t n_causes;
        SymptomDef *symptoms;
        size_t n_symptoms;
        char **facts; /* fact ids, defined by the rules that produce them */
        size_t n_facts;
        RuleDef *rules;
        size_t n_rules;
        RegressionDef *regressions;
        size_t n_regressions;
        size_t regression_cause; /* the cause REGRESSION_CAUSE_ID, SIZE_MAX when no file defines it */
        size_t n_precompiled; /* rules whose pattern came compiled from RuleSources.precompiled */
        uint32_t max_groups; /* 1 + the most capture groups of any rule's pattern: a match data's size */
        char **files; /* the files loaded, in order */
        size_t n_files;
        /* Logs are scanned for the fast content of every rule a log line can match, then
         * PREFILTER_EXTRA_LITERALS; probe lines (a few dozen per run) for those of the rules that read probe
         * lines. A rule that reads probe lines only is never looked for in a log. */
        Prefilter *prefilter;
        PatternRules prefilter_rules;
        Prefilter *probe_prefilter;
        PatternRules probe_prefilter_rules;
        struct pcre2_real_match_context_8 *match_context;
        struct pcre2_real_jit_stack_8 *jit_stack;
        /* The build's tables (analyzer/engine/rule_tables.h) whose definitions these are, or NULL: then
         * everything above is the set's own. */
        const struct RuleTables *tables;
} RuleSet;

/* One file name of the rule lookup: the file that wins it, and the files of the same name it shadows. */
typedef struct RuleSource {
        char *name; /* "iommu.rules" */
        char *path; /* the winning file, in the directory of highest precedence that has the name */
        bool masked; /* the winner is empty or a symlink to /dev/null: nothing of this name is loaded */
        char **shadowed; /* the same name in directories of lower precedence, highest first */
        size_t n_shadowed;
} RuleSource;

typedef struct RuleSources {
        RuleSource *items; /* sorted by name: the order files load in */
        size_t n;
        /* Patterns compiled at build time (analyzer/engine/pattern_cache.h), or NULL: set by the caller
         * of ruleset_load_sources(). A blob that cannot be used means compiling every pattern, as without.
         */
        const uint8_t *precompiled;
        size_t precompiled_size;
        /* The Hyperscan database of the shipped rules' literals, compiled at build time
         * (analyzer/engine/prefilter.h prefilter_set_literal_db()), or NULL: taken only by a rule set with
         * exactly those literals, which the rest compile when they need it. */
        const uint8_t *literal_db;
        size_t literal_db_size;
        /* The shipped rule set parsed at build time (analyzer/engine/rule_tables.h), or NULL: taken when the
         * files to load are exactly the ones it was built from; otherwise they are parsed. */
        const struct RuleTables *tables;
} RuleSources;

/* The rule files to load, as systemd finds configuration files: the union of the *.rules names of
 * the vendor directory and of the drop-in directories (given highest precedence first); a name in a
 * drop-in directory replaces the same name below it, and an empty file or a symlink to /dev/null
 * masks it. The vendor directory must be readable; a drop-in directory that does not exist is
 * skipped. Reports to diag and returns -EINVAL on an unreadable directory, -ENOMEM; *ret untouched
 * on failure. */
int rule_sources_collect(const char *vendor, const char *const *dropins, size_t n_dropins, Diag *diag,
                         RuleSources *ret);
void rule_sources_done(RuleSources *s);
/* Loads the files that rule_sources_collect found (masked names are skipped), as ruleset_load_files. */
int ruleset_load_sources(const RuleSources *s, Diag *diag, RuleSet **ret);

/* Loads every *.rules file of dir (in name order), validates the whole set and compiles it.
 * Errors go to diag as "file:line:column: message"; on any error returns -EINVAL and *ret is untouched. */
int ruleset_load_dir(const char *dir, Diag *diag, RuleSet **ret);
/* The same for explicit files (tests, fuzzers). */
int ruleset_load_files(char **paths, size_t n, Diag *diag, RuleSet **ret);
/* Parses one file's text as a whole rule set, cross-references validated (the rule-file fuzzer's entry). */
int ruleset_parse_buffer(RuleSet *rs, const char *name, const char *buf, size_t len, Diag *diag);
RuleSet *ruleset_free(RuleSet *rs);

int ruleset_find_cause(const RuleSet *rs, const char *id);
/* Makes sure r, a rule of rs, has its code: a set from the build's tables decodes each rule's on the first
 * line the prefilter lets through to it (most rules never see one). 0, -ENOMEM. */
int ruleset_rule_code(const RuleSet *rs, RuleDef *r);
