/* SPDX-License-Identifier: MIT */
#pragma once

/* The command-line program: its options, and what its commands share. Only this program prints. */

#include <stdbool.h>

#include "fileio.h"
#include "journal.h"
#include "output.h"
#include "vfioexplain/analysis.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"
#include "vfioexplain/rules.h"

#ifndef VX_VERSION
#define VX_VERSION "0"
#endif

enum {
        EXIT_NO_CAUSE = 0,
        EXIT_CAUSE = 1,
        EXIT_USAGE = 2,
        EXIT_INTERNAL = 3,
};

typedef struct Options {
        OutputFormat format;
        bool format_set;
        int color; /* -1 auto */
        bool no_probe;
        const char *sysroot;
        const char *rules_dir;
        const char *snapshot;
        const char *output; /* -o FILE of 'snapshot' */
        JournalQuery journal; /* --file, --directory, --boot, --since, --until, --unit */
        bool journal_set; /* one of them was given */
        const char *journal_files[VX_INPUTS_MAX];
        const char *units[VX_UNITS_MAX];
        const char *domain; /* --domain NAME (of explain; of plan: the domain its commands name) */
        const char *pve_vm; /* --pve-vm ID: a Proxmox VE VM (probes/pve.h) */
        const char *incus; /* --incus NAME: an incus instance (probes/incus.h) */
        const char *incus_config; /* --incus-config FILE: its `incus config show --expanded` output */
        bool trace; /* watch --trace */
        const char *address; /* rom --address ADDR */
        bool bug_report; /* report: the bug-ticket document instead of the causes alone */
        bool redact; /* report --redact, snapshot --redact */
        const char *guest_files[VX_INPUTS_MAX]; /* --guest FILE: the VM's own logs */
        size_t n_guest_files;
        const char *guest_modules_alias; /* --guest-modules-alias FILE: the guest's modules.alias */
        bool inventory; /* rules test|list --inventory [DIR]: the message inventory */
        bool full; /* --full, -v: every cause in full, not the first alone */
        bool no_pager; /* --no-pager */
        int stdin_source; /* a StdinSource, or -1 when stdin was not asked (files were named) */
} Options;

typedef struct Input {
        const char *name;
        int fd;
        bool trace_dat; /* a trace.dat of trace-cmd record, read through libtracecmd */
} Input;

void errorf(const char *fmt, ...) _printf_(1, 2);
bool dir_exists(const char *p);
/* The rule files of this run: exactly --rules DIR, or the vendor directory with the drop-ins of /etc
 * and /run (never under --sysroot: the rules belong to the tool, not to the host it looks at). */
int rules_collect(const Options *o, Diag *d, RuleSources *ret);
/* Finds and loads the rule files; problems go to d. Without --rules, the shipped files, found unchanged,
 * come from the build's tables (analyzer/engine/rule_tables.h) instead of being parsed, but for the rules
 * commands: sources, if not NULL, receives what was found, and then every file is parsed (their examples
 * included, which the tables leave out). */
int rules_load(const Options *o, Diag *d, RuleSources *sources, RuleSet **ret);
/* The same, reporting the first problem on stderr. */
int load_rules_sources(const Options *o, RuleSources *sources, RuleSet **ret);
int load_rules(const Options *o, RuleSet **ret);
/* Output on stdout, through the last escaping step (escape_sink_append()): JSON or text, colour
 * sequences kept. Set up once the command and its format are known; VFIOEXPLAIN_STRICT_OUTPUT (the tests)
 * makes any byte that step has to escape fatal. */
void output_sink_setup(bool json, bool color);
/* Writes s to fd through that step (final: nothing follows, so nothing can complete a cut sequence). */
int output_write(int fd, const char *s, size_t len, bool final);
/* What the step still holds (a sequence cut at the end of the last write), at exit. */
void output_sink_finish(void);
int write_all(const char *s, size_t len);
/* Feeds one text input. Returns 0, -EINVAL for binary input (reported), or a read error (reported). */
/* A compressed input that could not be read (FeedReport's compression and decompress_error), in one line. */
void feed_decompress_error(const char *name, const char *format, int r, const char *why);
int feed_input(Analysis *a, const Input *in);
/* The host's facts: replayed from --snapshot, or probed under --sysroot. */
int get_facts(const Options *o, HostFacts *host);
/* get_facts for a command about the host itself (an error under --no-probe); afterwards the command keeps
 * only what it needs without probing. */
int probe_or_fail(const Options *o, const char *command, HostFacts *host);
/* For the commands about the PCI devices: an error (said) when they could not be read, which is not the
 * same as a host without any. */
int require_pci(const Options *o, const HostFacts *host);
bool use_color(const Options *o);
OutputOptions output_options(const Options *o, const HostFacts *host);
/* The ranked causes in the chosen format. */
int render(const Options *o, const Analysis *a, const HostFacts *host, StrBuf *out);
/* Writes out to stdout and frees it; a failure is reported (a closed pipe is not one). */
int print_output(StrBuf *out);
/* Output made a piece at a time: writes out what out holds once that is at least at_least bytes (0: any)
 * and empties it. Returns 0, -ENOMEM if out failed to grow, or write()'s error (-EPIPE: the reader is
 * gone). Says nothing: output_result() does. */
int write_out(StrBuf *out, size_t at_least);
/* write_out() of a piece of VX_OUTPUT_PIECE_BYTES or more: OutputOptions.flush of a document written to
 * stdout as it is made. */
int write_out_piece(StrBuf *out);
/* Flushes what printf() wrote to stdout: 0, or the write error (said on stderr); a reader gone is none. */
int flush_stdout(void);
/* The exit status of a command that failed with r (already said): out of memory is an internal error
 * (EXIT_INTERNAL), anything else the input's or the usage's (EXIT_USAGE). */
int exit_status_of(int r);
/* What became of output that ended with r: says what failed, if anything did, and returns r, or 0 for a
 * reader that went away (| head), no failure of ours. */
int output_result(int r);

/* A PCI device's address, ids, class and name as JSON, for the commands to add their own fields to. */
struct json_object *pci_device_json(const PciDevice *d);
/* The IOMMU groups of host and their members into out: text, or (json) a JSON array as json-c pretty-prints
 * it depth levels deep, written a group at a time, flush (if not NULL) called after each group. Returns 0 or
 * a negative errno (flush's). */
int groups_render(const HostFacts *host, bool json, size_t depth, output_flush_fn flush, StrBuf *out);

/* A journal entry as evidence: its text as journalctl shows it, and its unit, time and cursor. meta
 * points into the struct and at j. */
typedef struct EntryEvidence {
        char text[VX_EVIDENCE_TEXT_MAX + 1];
        size_t len;
        char unit[VX_JOURNAL_FIELD_MAX + 1];
        EntryMeta meta;
} EntryEvidence;

int entry_evidence(Journal *j, const JournalEntry *e, EntryEvidence *ret);

/* Prints the ranked causes in the chosen format; returns the exit status. */
int report(const Options *o, const Analysis *a, const HostFacts *host);

int cmd_report(const Options *o, int argc, char **argv);
/* --help of a command (NULL: the global one) on stdout; -ENOENT for no such command. */
int help_print(const char *command);
bool help_is_command(const char *name);
/* "explain, check, ...": the command words, for an error message. */
const char *help_command_names(void);
int cmd_help(int argc, char **argv);

/* What stdin brings when no file is named: a log (read it), or nothing (a terminal, /dev/null, an empty
 * file, a pipe closed at once, or one nobody wrote to within VX_STDIN_SILENT_MS while no command of our
 * pipeline holds it): then this boot's journal is read. */
typedef enum StdinSource {
        STDIN_TERMINAL,
        STDIN_LOG,
        STDIN_EMPTY,
        STDIN_SILENT,
} StdinSource;
StdinSource stdin_source(void);

int cmd_explain(const Options *o, int argc, char **argv);
/* Feeds the --guest files into a, as the guest's lines, with a statement for each of the guest's PCI
 * devices that its lspci -nnk shows without a driver. Returns 0 or a negative errno (reported). */
int feed_guest_files(Analysis *a, const Options *o);
int cmd_check(const Options *o, int argc, char **argv);
int cmd_check_vm(const Options *o, int argc, char **argv);
int cmd_groups(const Options *o, int argc);
int cmd_snapshot(const Options *o, int argc, char **argv);
int cmd_rules(const Options *o, int argc, char **argv);
int cmd_watch(const Options *o, int argc, char **argv);
int cmd_run(const Options *o, int argc, char **argv);
int cmd_rom(const Options *o, int argc, char **argv);
int cmd_plan(const Options *o, int argc, char **argv);
