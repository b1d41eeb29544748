/* SPDX-License-Identifier: MIT */
/* What every command shares: errors on stderr, rules, the host's facts, text inputs, the report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "pager.h"
#include "progress.h"
#include <stdarg.h>

#include "escape.h"
#include "feed.h"
#include "fileio.h"
#include "rule_tables.h"
#include "snapshot.h"

void errorf(const char *fmt, ...) {
        va_list ap;
        StrBuf b = {0};
        va_start(ap, fmt);
        char *s = NULL;
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        /* File names and rule text can hold anything: never let them reach the terminal raw. */
        if (s)
                escape_append(&b, s, strlen(s));
        /* Without memory for the message, its format still says what failed. */
        fprintf(stderr, "vfioexplain: %s\n", s ? strbuf_str(&b) : fmt);
        free(s);
        strbuf_done(&b);
}

bool dir_exists(const char *p) {
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The vendor directory of an installed vfioexplain, or the source tree's for a build that is not installed.
 */
static const char *vendor_rules_dir(void) {
        return dir_exists(VX_RULES_DIR) ? VX_RULES_DIR : VX_SOURCE_RULES_DIR;
}

int rules_collect(const Options *o, Diag *d, RuleSources *ret) {
        /* Highest precedence first, as systemd orders /etc, /run and /usr. */
        static const char *const dropins[] = {VX_DROPIN_RULES_DIR, VX_RUNTIME_RULES_DIR};
        if (o->rules_dir)
                return rule_sources_collect(o->rules_dir, NULL, 0, d, ret);
        return rule_sources_collect(vendor_rules_dir(), dropins, ELEMENTSOF(dropins), d, ret);
}

/* tools/precompile_rules.c's output, built from rules/ with this binary. */
extern const uint8_t vx_precompiled_rules[];
extern const size_t vx_precompiled_rules_size;
extern const uint8_t vx_precompiled_literals[];
extern const size_t vx_precompiled_literals_size;
extern const RuleTables vx_rule_tables;

int rules_load(const Options *o, Diag *d, RuleSources *sources, RuleSet **ret) {
        _cleanup_(rule_sources_done) RuleSources s = {0};
        int r = rules_collect(o, d, &s);
        if (r < 0)
                return r;
        if (s.n == 0) {
                if (o->rules_dir)
                        diag_addf(d, "%s: no *.rules files", o->rules_dir);
                else
                        diag_addf(d, "no *.rules files in %s, %s or %s", vendor_rules_dir(),
                                  VX_DROPIN_RULES_DIR, VX_RUNTIME_RULES_DIR);
                return -EINVAL;
        }
        s.precompiled = vx_precompiled_rules;
        s.precompiled_size = vx_precompiled_rules_size;
        s.literal_db = vx_precompiled_literals;
        s.literal_db_size = vx_precompiled_literals_size;
        if (!sources && !o->rules_dir)
                s.tables = &vx_rule_tables;
        if ((r = ruleset_load_sources(&s, d, ret)) < 0)
                return r;
        if (sources) {
                *sources = s;
                s = (RuleSources){0};
        }
        return 0;
}

int load_rules_sources(const Options *o, RuleSources *sources, RuleSet **ret) {
        Diag d = {0};
        int r = rules_load(o, &d, sources, ret);
        if (r == -ENOMEM) {
                diag_done(&d);
                errorf("out of memory loading rules");
                return -ENOMEM;
        }
        if (r < 0) {
                size_t more = d.n - 1 + d.dropped;
                if (more > 0 && o->rules_dir)
                        errorf("%s (and %zu more; see 'vfioexplain rules check --rules %s')",
                               d.n ? d.lines[0] : "bad rules", more, o->rules_dir);
                else if (more > 0)
                        errorf("%s (and %zu more; see 'vfioexplain rules check')",
                               d.n ? d.lines[0] : "bad rules", more);
                else
                        errorf("%s", d.n ? d.lines[0] : "bad rules");
        }
        diag_done(&d);
        return r;
}

int load_rules(const Options *o, RuleSet **ret) {
        return load_rules_sources(o, NULL, ret);
}

/* Every byte of output passes here (but a command's own output that run passes through). */
static EscapeSink sink;
static bool sink_strict;

void output_sink_setup(bool json, bool color) {
        escape_sink_init(&sink, json, color);
        sink_strict = getenv("VFIOEXPLAIN_STRICT_OUTPUT") != NULL;
}

int output_write(int fd, const char *s, size_t len, bool final) {
        _cleanup_(strbuf_done) StrBuf b = {0};
        /* A slice at a time: the escaped copy costs a slice of memory, not another copy of the output. */
        do {
                size_t n = MIN(len, (size_t) VX_OUTPUT_PIECE_BYTES), before = sink.escaped;
                escape_sink_append(&sink, &b, s, n, final && n == len);
                if (strbuf_failed(&b))
                        return -ENOMEM;
                if (sink.escaped > before && sink_strict) {
                        /* The tests' mode: a step that wrote text it did not escape is a bug to find. */
                        fprintf(stderr,
                                "vfioexplain: internal error: %zu byte(s) of output left unescaped\n",
                                sink.escaped - before);
                        abort();
                }
                int r = write_all_fd(fd, strbuf_str(&b), b.len);
                if (r < 0)
                        return r;
                strbuf_reset(&b);
                s += n;
                len -= n;
        } while (len > 0);
        return 0;
}

int write_all(const char *s, size_t len) {
        return output_write(STDOUT_FILENO, s, len, false);
}

void output_sink_finish(void) {
        if (sink.n_pending > 0)
                (void) output_write(STDOUT_FILENO, "", 0, true);
}

static void show_bytes(uint64_t bytes, void *userdata) {
        progress_update(userdata, (double) bytes / 1e6, "MB");
}

/* A compressed input that could not be read to its end, in one line: what is wrong, and what to do. The
 * format's name is its tool's. */
void feed_decompress_error(const char *name, const char *format, int r, const char *why) {
        switch (r) {
        case -EOPNOTSUPP:
                errorf("%s: %s data, and its library cannot be loaded (%s): pipe it in through %s -dc", name,
                       format, why, format);
                break;
        case -E2BIG:
                errorf("%s: %s data that needs more than %u MiB of memory to decompress (%s): pipe it in through %s -dc",
                       name, format, VX_DECOMPRESS_MEMORY_MAX >> 20, why, format);
                break;
        case -EFBIG:
                errorf("%s: %s data refused past %llu MiB of text: it expands more than %u times its size (a decompression bomb?)",
                       name, format, (unsigned long long) (VX_DECOMPRESS_FREE_BYTES >> 20),
                       VX_DECOMPRESS_RATIO_MAX);
                break;
        case -EBADMSG:
                errorf("%s: corrupt %s data: %s", name, format, why);
                break;
        default:
                errorf("%s: read error: %s", name, strerror(-r));
        }
}

/* Feeds one input. Returns 0, -EINVAL for binary input (reported), or a read error (reported). */
int feed_input(Analysis *a, const Input *in) {
        FeedReport rep = {0};
        Progress p;
        progress_init(&p, in->name);
        int r = analysis_feed_fd_progress(a, in->name, in->fd, show_bytes, &p, &rep);
        progress_done(&p);

        if (rep.journal_file)
                errorf("%s: a binary systemd journal file; pipe it in with 'journalctl --file %s | vfioexplain'",
                       in->name, in->name);
        else if (rep.binary_line)
                errorf("%s:%lu: binary data (NUL bytes), not a text log", in->name, rep.binary_line);
        else if (r == -ENOMEM)
                errorf("out of memory");
        else if (rep.decompress_error)
                feed_decompress_error(in->name, rep.compression, r, rep.decompress_error);
        else if (r < 0 && r != -EINVAL)
                errorf("%s: read error: %s", in->name, strerror(-r));
        if (r >= 0) {
                if (rep.cut)
                        errorf("warning: %s: %llu line(s) longer than %u bytes were cut there", in->name,
                               (unsigned long long) rep.cut, VX_LINE_MAX);
                if (rep.nul_lines)
                        errorf("warning: %s: %llu line(s) with NUL bytes skipped", in->name,
                               (unsigned long long) rep.nul_lines);
                if (rep.bad_utf8)
                        errorf("warning: %s: %llu line(s) are not valid UTF-8 (shown with \\xNN escapes)",
                               in->name, (unsigned long long) rep.bad_utf8);
        }
        return r < 0 ? r : 0;
}

/* The host's facts: replayed from --snapshot, or probed under --sysroot. */
int get_facts(const Options *o, HostFacts *host) {
        if (o->snapshot) {
                _cleanup_free_ char *buf = NULL;
                size_t len;
                Diag d = {0};
                int r = file_read(AT_FDCWD, o->snapshot, FILE_NAMED, VX_SNAPSHOT_MAX, &buf, &len);
                if (r < 0) {
                        errorf("%s: %s", o->snapshot,
                               r == -EFBIG ? "larger than a snapshot can be" : strerror(-r));
                        return r;
                }
                r = facts_from_json(buf, len, o->snapshot, host, &d);
                if (r < 0)
                        errorf("%s: %s", o->snapshot, d.n ? d.lines[0] : "out of memory");
                diag_done(&d);
                return r;
        }
        int r = probe_host(o->sysroot, host);
        if (r == -ENOMEM) {
                errorf("out of memory");
                return r;
        }
        if (r < 0) {
                errorf("%s: cannot open as the system root", o->sysroot);
                return -EINVAL;
        }
        /* Package versions are for bug reports only: dpkg's database is megabytes. So is modules.alias, for
         * the modules of each device (lspci -k) that the report's groups and the snapshot show. */
        if (o->bug_report) {
                r = probe_packages(o->sysroot, host);
                if (r == -ENOENT)
                        host->packages = KNOWN_ABSENT;
                else if (r < 0)
                        host->packages_error = r;
        }
        if (o->bug_report)
                (void) probe_pci_modules(o->sysroot, host);
        return 0;
}

/* Prints the ranked causes in the chosen format; the exit status says whether there were any. */
bool use_color(const Options *o) {
        /* Asked before a pager took stdout: its pipe is no terminal, but what it shows is on one. */
        return o->color == 1 || (o->color < 0 && terminal_stdout() && !getenv("NO_COLOR"));
}

OutputOptions output_options(const Options *o, const HostFacts *host) {
        return (OutputOptions){.format = o->format,
                               .host = host,
                               .color = use_color(o),
                               .guest_layer = o->pve_vm ? GUEST_PVE
                                       : o->incus       ? GUEST_INCUS
                                                        : GUEST_LIBVIRT,
                               .guest_named = o->domain || o->pve_vm || o->incus,
                               .width = terminal_width(),
                               .full = o->full};
}

int render(const Options *o, const Analysis *a, const HostFacts *host, StrBuf *out) {
        OutputOptions oo = output_options(o, host);
        return output_render(a, &oo, out);
}

int write_out(StrBuf *out, size_t at_least) {
        if (strbuf_failed(out))
                return -ENOMEM;
        if (out->len == 0 || out->len < at_least)
                return 0;
        pager_start();
        int r = write_all(strbuf_str(out), out->len);
        strbuf_reset(out);
        return r;
}

int write_out_piece(StrBuf *out) {
        return write_out(out, VX_OUTPUT_PIECE_BYTES);
}

int output_result(int r) {
        if (r == -ENOMEM)
                errorf("out of memory");
        else if (r < 0 && r != -EPIPE)
                errorf("writing output: %s", strerror(-r));
        /* A reader that went away (| head) is no failure of ours. */
        return r == -EPIPE ? 0 : r;
}

int flush_stdout(void) {
        int r = 0;
        if (fflush(stdout) != 0 || ferror(stdout))
                r = errno > 0 ? -errno : -EIO;
        return output_result(r);
}

int exit_status_of(int r) {
        return r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
}

int print_output(StrBuf *out) {
        int r = write_out(out, 0);
        strbuf_done(out);
        return output_result(r);
}

int report(const Options *o, const Analysis *a, const HostFacts *host) {
        _cleanup_(strbuf_done) StrBuf out = {0};
        OutputOptions oo = output_options(o, host);
        size_t n;

        /* JSON written out as it is made: the facts of a host of 4096 devices are 5 MB of it. */
        oo.flush = write_out_piece;
        int r = output_render(a, &oo, &out);
        if (r >= 0)
                r = write_out(&out, 0);
        if (output_result(r) < 0)
                return EXIT_INTERNAL;
        analysis_findings(a, &n);
        return n > 0 ? EXIT_CAUSE : EXIT_NO_CAUSE;
}

static char *cursor_of(void *userdata) {
        return journal_cursor(userdata);
}

int entry_evidence(Journal *j, const JournalEntry *e, EntryEvidence *ret) {
        int n = journal_entry_format(e, ret->text, sizeof(ret->text));
        if (n < 0)
                return n;
        ret->len = (size_t) n;
        size_t k = MIN(e->unit.len, sizeof(ret->unit) - 1);
        memcpy(ret->unit, e->unit.p, k);
        ret->unit[k] = 0;
        ret->meta = (EntryMeta){
                .realtime_usec = e->realtime_usec,
                .unit = k ? ret->unit : NULL,
                .boot_id = e->boot_id[0] ? e->boot_id : NULL,
                .cursor = cursor_of,
                .userdata = j,
        };
        return 0;
}
