/* SPDX-License-Identifier: MIT */
/* The command line: options, inputs, and the one place that prints. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vfioexplain/analysis.h"
#include "vfioexplain/escape.h"
#include "vfioexplain/facts.h"
#include "vfioexplain/fileio.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/output.h"
#include "vfioexplain/probe_lines.h"
#include "vfioexplain/reader.h"
#include "vfioexplain/rules.h"
#include "vfioexplain/rules_cmd.h"
#include "vfioexplain/snapshot.h"
#include <json-c/json.h>

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
} Options;

static void help(void) {
        printf("Usage: vfioexplain [OPTIONS] [FILE...]\n"
               "       vfioexplain check [ADDRESS...]    will passthrough work on this host\n"
               "       vfioexplain groups                 IOMMU groups and their viability\n"
               "       vfioexplain snapshot -o FILE       save the probed host state for a bug ticket\n"
               "       vfioexplain rules check|test|list [OPTIONS]\n"
               "\n"
               "Explains why PCI passthrough (vfio-pci, KVM/QEMU, libvirt) failed: reads QEMU stderr, "
               "dmesg,\n"
               "journalctl output, libvirt logs and virsh errors from FILEs or a pipe ('-' is stdin), and "
               "prints\n"
               "the root causes, most likely first, each with its evidence and the commands that fix it.\n"
               "\n"
               "Options:\n"
               "  --format text|markdown|json  output format (default: text)\n"
               "  --color auto|always|never    colour the text output (default: auto; NO_COLOR is "
               "honoured)\n"
               "  --no-probe                   judge from the logs alone (logs from another machine)\n"
               "  --sysroot DIR                probe the host under DIR instead of / (read-only)\n"
               "  --snapshot FILE              replay the host state saved by 'vfioexplain snapshot -o "
               "FILE'\n"
               "  --rules DIR                  load rule files from DIR (default: %s)\n"
               "  -h, --help                   this help\n"
               "  --version                    the version\n"
               "\n"
               "Exit status: 0 no failure cause found, 1 at least one cause, 2 bad usage or unreadable "
               "input.\n",
               VX_RULES_DIR);
}

static void errorf(const char *fmt, ...) _printf_(1, 2);
static void errorf(const char *fmt, ...) {
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
        fprintf(stderr, "vfioexplain: %s\n", s ? strbuf_str(&b) : "out of memory");
        free(s);
        strbuf_done(&b);
}

static bool dir_exists(const char *p) {
        struct stat st;
        return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int load_rules(const Options *o, RuleSet **ret) {
        const char *dir = o->rules_dir;
        Diag d = {0};
        if (!dir)
                dir = dir_exists(VX_RULES_DIR) ? VX_RULES_DIR : VX_SOURCE_RULES_DIR;
        int r = ruleset_load_dir(dir, &d, ret);
        if (r == -ENOMEM) {
                diag_done(&d);
                errorf("out of memory loading rules");
                return -ENOMEM;
        }
        if (r < 0) {
                size_t more = d.n - 1 + d.dropped;
                if (more > 0)
                        errorf("%s (and %zu more; see 'vfioexplain rules check --rules %s')",
                               d.n ? d.lines[0] : "bad rules", more, dir);
                else
                        errorf("%s", d.n ? d.lines[0] : "bad rules");
        }
        diag_done(&d);
        return r;
}

static int write_all(const char *s, size_t len) {
        while (len > 0) {
                ssize_t n = write(STDOUT_FILENO, s, len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                s += n;
                len -= (size_t) n;
        }
        return 0;
}

static int cmd_rules(const Options *o, int argc, char **argv) {
        RuleSet *rs = NULL;
        StrBuf out = {0};
        int r, ret;

        if (argc != 1) {
                errorf("usage: vfioexplain rules check|test|list");
                return EXIT_USAGE;
        }
        const char *verb = argv[0];
        if (strcmp(verb, "check") == 0) {
                Diag d = {0};
                const char *dir = o->rules_dir     ? o->rules_dir
                        : dir_exists(VX_RULES_DIR) ? VX_RULES_DIR
                                                   : VX_SOURCE_RULES_DIR;
                r = ruleset_load_dir(dir, &d, &rs);
                for (size_t i = 0; i < d.n; i++) {
                        StrBuf b = {0};
                        escape_append(&b, d.lines[i], strlen(d.lines[i]));
                        fprintf(stderr, "%s\n", strbuf_str(&b));
                        strbuf_done(&b);
                }
                if (d.dropped)
                        fprintf(stderr, "... and %zu more errors\n", d.dropped);
                diag_done(&d);
                if (r < 0) {
                        fprintf(stderr, "rules check: %s: invalid\n", dir);
                        return EXIT_CAUSE;
                }
                printf("rules check: %zu files, %zu causes, %zu symptoms, %zu facts, %zu rules: valid\n",
                       rs->n_files, rs->n_causes, rs->n_symptoms, rs->n_facts, rs->n_rules);
                ruleset_free(rs);
                return EXIT_NO_CAUSE;
        }
        if (strcmp(verb, "test") != 0 && strcmp(verb, "list") != 0) {
                errorf("unknown rules command '%s' (check, test or list)", verb);
                return EXIT_USAGE;
        }
        if (load_rules(o, &rs) < 0)
                return EXIT_USAGE;
        if (strcmp(verb, "list") == 0) {
                r = rules_list(rs, o->format, &out);
                ret = r < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
        } else {
                RulesTestResult res;
                r = rules_test(rs, &out, &res);
                if (r >= 0)
                        strbuf_printf(
                                &out,
                                "rules test: %zu examples, %zu counter-examples: %zu passed, %zu failed\n",
                                res.examples, res.counters, res.examples + res.counters - res.failures,
                                res.failures);
                ret = r < 0 ? EXIT_INTERNAL : res.failures ? EXIT_CAUSE : EXIT_NO_CAUSE;
        }
        if (r >= 0)
                (void) write_all(strbuf_str(&out), out.len);
        strbuf_done(&out);
        ruleset_free(rs);
        return ret;
}

typedef struct Input {
        const char *name;
        int fd;
} Input;

static bool has_journal_magic(const char *s, size_t len) {
        return len >= 8 && memcmp(s, "LPKSHHRH", 8) == 0;
}

/* Feeds one input. Returns 0, -EINVAL for binary input (reported), or a read error (reported). */
static int feed_input(Analysis *a, const Input *in) {
        LineReader rd;
        ReadLine l;
        uint64_t cut = 0, nul_lines = 0, bad_utf8 = 0;
        int r;

        if ((r = line_reader_init(&rd, in->fd)) < 0)
                return r;
        while ((r = line_reader_next(&rd, &l)) > 0) {
                if (l.lineno == 1 && has_journal_magic(l.text, l.len)) {
                        errorf("%s: a binary systemd journal file; pipe it in with 'journalctl --file %s | "
                               "vfioexplain'",
                               in->name, in->name);
                        r = -EINVAL;
                        break;
                }
                if (memchr(l.text, 0, l.len)) {
                        /* NUL in the first bytes means a binary file, not a log; later, the zeroed tail of a
                         * log that a crash cut short (common in syslog files): skip those lines, and say so.
                         */
                        if (l.offset < 4096) {
                                errorf("%s:%lu: binary data (NUL bytes), not a text log", in->name,
                                       l.lineno);
                                r = -EINVAL;
                                break;
                        }
                        nul_lines++;
                        continue;
                }
                if (l.cut)
                        cut++;
                if (!utf8_is_valid(l.text, l.len))
                        bad_utf8++;
                if ((r = analysis_feed(a, in->name, l.lineno, l.text, l.len)) < 0)
                        break;
        }
        line_reader_done(&rd);
        if (r < 0 && r != -EINVAL) {
                if (r == -ENOMEM)
                        errorf("out of memory");
                else
                        errorf("%s: read error: %s", in->name, strerror(-r));
        }
        if (r >= 0) {
                if (cut)
                        errorf("warning: %s: %llu line(s) longer than %u bytes were cut there", in->name,
                               (unsigned long long) cut, VX_LINE_MAX);
                if (nul_lines)
                        errorf("warning: %s: %llu line(s) with NUL bytes skipped", in->name,
                               (unsigned long long) nul_lines);
                if (bad_utf8)
                        errorf("warning: %s: %llu line(s) are not valid UTF-8 (shown with \\xNN escapes)",
                               in->name, (unsigned long long) bad_utf8);
        }
        return r < 0 ? r : 0;
}

/* The host's facts: replayed from --snapshot, or probed under --sysroot. */
static int get_facts(const Options *o, HostFacts *host) {
        if (o->snapshot) {
                _cleanup_free_ char *buf = NULL;
                size_t len;
                Diag d = {0};
                int r = read_file_bounded(AT_FDCWD, o->snapshot, VX_SNAPSHOT_MAX, &buf, &len);
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
        if (probe_host(o->sysroot, host) < 0) {
                errorf("%s: cannot open as the system root", o->sysroot);
                return -EINVAL;
        }
        return 0;
}

/* Prints the ranked causes in the chosen format; the exit status says whether there were any. */
static int report(const Options *o, const Analysis *a, const HostFacts *host) {
        OutputOptions oo = {.format = o->format, .host = host};
        StrBuf out = {0};
        size_t n;
        int r;

        oo.color = o->color == 1 || (o->color < 0 && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
        if (output_render(a, &oo, &out) < 0) {
                strbuf_done(&out);
                errorf("out of memory");
                return EXIT_INTERNAL;
        }
        r = write_all(strbuf_str(&out), out.len);
        strbuf_done(&out);
        if (r < 0 && r != -EPIPE) {
                errorf("writing output: %s", strerror(-r));
                return EXIT_INTERNAL;
        }
        analysis_findings(a, &n);
        return n > 0 ? EXIT_CAUSE : EXIT_NO_CAUSE;
}

static int feed_probe_line(const char *line, size_t len, void *userdata) {
        return analysis_feed_probe(userdata, line, len);
}

/* The host's state, for the devices named (or, with none, those the logs so far name). */
static int feed_probes(Analysis *a, const HostFacts *host, char (*devices)[16], size_t n) {
        char seen[64][16];
        if (!devices) {
                n = analysis_devices(a, seen, ELEMENTSOF(seen));
                devices = seen;
        }
        return probe_lines(host, devices, n, feed_probe_line, a);
}

static int cmd_explain(const Options *o, int argc, char **argv) {
        Input inputs[VX_INPUTS_MAX];
        size_t n_inputs = 0;
        RuleSet *rs = NULL;
        Analysis *a = NULL;
        HostFacts host = {0};
        int ret = EXIT_USAGE, r;

        if ((size_t) argc > VX_INPUTS_MAX) {
                errorf("too many inputs (%d, at most %u)", argc, VX_INPUTS_MAX);
                return EXIT_USAGE;
        }
        if (argc == 0) {
                if (isatty(STDIN_FILENO)) {
                        errorf("no input: pipe a log in (qemu-system-x86_64 ... 2>&1 | vfioexplain, "
                               "journalctl -b | vfioexplain) or name log files; see --help");
                        return EXIT_USAGE;
                }
                inputs[n_inputs++] = (Input){.name = "-", .fd = STDIN_FILENO};
        }
        for (int i = 0; i < argc; i++) {
                if (strcmp(argv[i], "-") == 0) {
                        inputs[n_inputs++] = (Input){.name = "-", .fd = STDIN_FILENO};
                        continue;
                }
                int fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NOCTTY);
                struct stat st;
                if (fd < 0) {
                        errorf("%s: %s", argv[i], strerror(errno));
                        goto out;
                }
                if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
                        errorf("%s: %s", argv[i], S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno));
                        close(fd);
                        goto out;
                }
                inputs[n_inputs++] = (Input){.name = argv[i], .fd = fd};
        }

        if (load_rules(o, &rs) < 0)
                goto out;
        if (o->no_probe)
                host_facts_init_unprobed(&host);
        else if (get_facts(o, &host) < 0)
                goto out;
        if ((r = analysis_new(rs, &a)) < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        for (size_t i = 0; i < n_inputs; i++) {
                r = feed_input(a, &inputs[i]);
                if (r < 0) {
                        ret = r == -ENOMEM ? EXIT_INTERNAL : EXIT_USAGE;
                        goto out;
                }
        }
        if (!o->no_probe && feed_probes(a, &host, NULL, 0) < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        if (analysis_finish(a) < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        ret = report(o, a, &host);
out:
        for (size_t i = 0; i < n_inputs; i++)
                if (inputs[i].fd != STDIN_FILENO)
                        close(inputs[i].fd);
        analysis_free(a);
        ruleset_free(rs);
        host_facts_done(&host);
        return ret;
}

static int probe_or_fail(const Options *o, HostFacts *host) {
        if (o->no_probe) {
                errorf("--no-probe: this command is about the host itself");
                return -EINVAL;
        }
        return get_facts(o, host);
}

/* vfioexplain snapshot -o FILE: the probed state as one file, for a bug ticket or a replay elsewhere. */
static int cmd_snapshot(const Options *o, int argc, char **argv) {
        HostFacts host = {0};
        const char *path = NULL;
        int ret = EXIT_USAGE;

        path = o->output;
        if (!path || argc != 0) {
                errorf("usage: vfioexplain snapshot -o FILE ('-' for stdout)");
                return EXIT_USAGE;
        }
        if (probe_or_fail(o, &host) < 0)
                return EXIT_USAGE;
        struct json_object *j = facts_to_json(&host);
        const char *text = j
                ? json_object_to_json_string_ext(j,
                                                 JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE)
                : NULL;
        if (!text) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        int fd = strcmp(path, "-") == 0
                ? STDOUT_FILENO
                : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
                errorf("%s: %s", path, strerror(errno));
                goto out;
        }
        int r = 0;
        for (size_t len = strlen(text), done = 0; done < len && r >= 0;) {
                ssize_t n = write(fd, text + done, len - done);
                if (n < 0 && errno != EINTR)
                        r = -errno;
                else if (n > 0)
                        done += (size_t) n;
        }
        if (r >= 0 && write(fd, "\n", 1) != 1)
                r = -errno;
        if (fd != STDOUT_FILENO && close(fd) < 0 && r >= 0)
                r = -errno;
        if (r < 0) {
                errorf("%s: %s", path, strerror(-r));
                goto out;
        }
        ret = EXIT_NO_CAUSE;
out:
        json_object_put(j);
        host_facts_done(&host);
        return ret;
}

/* vfioexplain check [ADDRESS...]: the host alone, no logs. */
static int cmd_check(const Options *o, int argc, char **argv) {
        char devices[64][16];
        size_t n = 0;
        RuleSet *rs = NULL;
        Analysis *a = NULL;
        HostFacts host = {0};
        int ret = EXIT_USAGE;

        if ((size_t) argc > ELEMENTSOF(devices)) {
                errorf("too many addresses (at most %zu)", ELEMENTSOF(devices));
                return EXIT_USAGE;
        }
        for (int i = 0; i < argc; i++)
                if (pci_address_normalize(argv[i], strlen(argv[i]), devices[n++]) < 0) {
                        errorf("'%s' is not a PCI address (expected 0000:01:00.0 or 01:00.0)", argv[i]);
                        return EXIT_USAGE;
                }
        if (probe_or_fail(o, &host) < 0)
                goto out;
        if (n == 0)
                n = probe_vfio_devices(&host, devices, ELEMENTSOF(devices));
        if (load_rules(o, &rs) < 0)
                goto out;
        if (analysis_new(rs, &a) < 0 || feed_probes(a, &host, devices, n) < 0 || analysis_finish(a) < 0) {
                errorf("out of memory");
                ret = EXIT_INTERNAL;
                goto out;
        }
        ret = report(o, a, &host);
out:
        analysis_free(a);
        ruleset_free(rs);
        host_facts_done(&host);
        return ret;
}

static int cmp_group(const void *x, const void *y) {
        const PciDevice *a = *(const PciDevice *const *) x, *b = *(const PciDevice *const *) y;
        if (a->group != b->group)
                return a->group == KNOWN_PRESENT ? -1 : 1;
        if (a->group_id != b->group_id)
                return a->group_id < b->group_id ? -1 : 1;
        return strcmp(a->address, b->address);
}

/* vfioexplain groups: every IOMMU group, its members, and whether it can be passed through. */
static int cmd_groups(const Options *o, int argc) {
        HostFacts host = {0};
        StrBuf out = {0};
        if (argc != 0) {
                errorf("usage: vfioexplain groups");
                return EXIT_USAGE;
        }
        if (probe_or_fail(o, &host) < 0)
                return EXIT_USAGE;
        const PciDevice **order = calloc(host.n_devices + 1, sizeof(PciDevice *));
        if (!order) {
                host_facts_done(&host);
                return EXIT_INTERNAL;
        }
        for (size_t i = 0; i < host.n_devices; i++)
                order[i] = &host.devices[i];
        qsort(order, host.n_devices, sizeof(PciDevice *), cmp_group);

        bool json = o->format == OUTPUT_JSON;
        struct json_object *jgroups = json ? json_object_new_array() : NULL;
        for (size_t i = 0; i < host.n_devices;) {
                const PciDevice *first = order[i];
                size_t j = i;
                bool viable = true;
                while (j < host.n_devices && order[j]->group == first->group &&
                       (first->group != KNOWN_PRESENT || order[j]->group_id == first->group_id)) {
                        viable = viable && !pci_device_blocks_group(order[j]);
                        j++;
                }
                bool grouped = first->group == KNOWN_PRESENT;
                struct json_object *jg = NULL, *jdevs = NULL;
                if (json) {
                        jg = json_object_new_object();
                        jdevs = json_object_new_array();
                        json_object_object_add(jg, "group",
                                               grouped ? json_object_new_int64(first->group_id) : NULL);
                        json_object_object_add(jg, "viable", json_object_new_boolean(grouped && viable));
                        json_object_object_add(jg, "devices", jdevs);
                        json_object_array_add(jgroups, jg);
                } else if (grouped)
                        strbuf_printf(
                                &out, "IOMMU group %u: %s\n", first->group_id,
                                viable ? "viable (every member on vfio-pci, pci-stub, pcieport or none)"
                                       : "not viable while the members marked * keep their host driver");
                else
                        strbuf_puts(&out, "No IOMMU group (cannot be passed through):\n");
                for (size_t k = i; k < j; k++) {
                        const PciDevice *d = order[k];
                        const char *drv = d->driver == KNOWN_PRESENT ? d->driver_name : "none";
                        char id[16];
                        if (json) {
                                struct json_object *jd = json_object_new_object();
                                json_object_object_add(jd, "address", json_object_new_string(d->address));
                                snprintf(id, sizeof(id), "%04x", d->vendor);
                                json_object_object_add(jd, "vendor", json_object_new_string(id));
                                snprintf(id, sizeof(id), "%04x", d->device);
                                json_object_object_add(jd, "device", json_object_new_string(id));
                                snprintf(id, sizeof(id), "%06x", d->class_code);
                                json_object_object_add(jd, "class", json_object_new_string(id));
                                json_object_object_add(
                                        jd, "type",
                                        json_object_new_string(d->bridge ? "bridge" : "endpoint"));
                                json_object_object_add(jd, "driver", json_text(drv));
                                json_object_object_add(jd, "name", json_text(d->name));
                                json_object_object_add(jd, "blocks",
                                                       json_object_new_boolean(pci_device_blocks_group(d)));
                                json_object_array_add(jdevs, jd);
                                continue;
                        }
                        strbuf_printf(&out, "  %c %s [%04x:%04x] class %06x %-8s driver ",
                                      grouped && pci_device_blocks_group(d) ? '*' : ' ', d->address,
                                      d->vendor, d->device, d->class_code,
                                      d->bridge ? "bridge" : "endpoint");
                        /* Names come from the tree under the root: never raw to the terminal. */
                        escape_append(&out, drv, strlen(drv));
                        strbuf_putc(&out, ' ');
                        escape_append(&out, d->name, strlen(d->name));
                        strbuf_putc(&out, '\n');
                }
                i = j;
        }
        if (json) {
                struct json_object *root = json_object_new_object();
                json_object_object_add(root, "version", json_object_new_int(1));
                json_object_object_add(root, "groups", jgroups);
                strbuf_puts(&out,
                            json_object_to_json_string_ext(root,
                                                           JSON_C_TO_STRING_PRETTY |
                                                                   JSON_C_TO_STRING_SPACED |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
                strbuf_putc(&out, '\n');
                json_object_put(root);
        } else if (host.n_devices == 0)
                strbuf_puts(&out, "No PCI devices found under the root.\n");
        (void) write_all(strbuf_str(&out), out.len);
        free(order);
        strbuf_done(&out);
        host_facts_done(&host);
        return EXIT_NO_CAUSE;
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                {"format", required_argument, NULL, 'f'}, {"color", required_argument, NULL, 'c'},
                {"no-probe", no_argument, NULL, 'n'},     {"sysroot", required_argument, NULL, 's'},
                {"rules", required_argument, NULL, 'r'},  {"snapshot", required_argument, NULL, 'S'},
                {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},      {},
        };
        Options o = {.format = OUTPUT_TEXT, .color = -1, .sysroot = "/"};
        int c;

        /* A closed pipe ends the output quietly instead of killing us mid-write. */
        signal(SIGPIPE, SIG_IGN);
        opterr = 0;
        while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) >= 0) {
                switch (c) {
                case 'f':
                        if (output_format_from_string(optarg, &o.format) < 0) {
                                errorf("--format: expected text, markdown or json, not '%s'", optarg);
                                return EXIT_USAGE;
                        }
                        o.format_set = true;
                        break;
                case 'c':
                        if (strcmp(optarg, "auto") == 0)
                                o.color = -1;
                        else if (strcmp(optarg, "always") == 0)
                                o.color = 1;
                        else if (strcmp(optarg, "never") == 0)
                                o.color = 0;
                        else {
                                errorf("--color: expected auto, always or never, not '%s'", optarg);
                                return EXIT_USAGE;
                        }
                        break;
                case 'n':
                        o.no_probe = true;
                        break;
                case 's':
                        o.sysroot = optarg;
                        break;
                case 'r':
                        o.rules_dir = optarg;
                        break;
                case 'S':
                        o.snapshot = optarg;
                        break;
                case 'o':
                        o.output = optarg;
                        break;
                case 'h':
                        help();
                        return EXIT_NO_CAUSE;
                case 'V':
                        printf("vfioexplain %s\n", VX_VERSION);
                        return EXIT_NO_CAUSE;
                default:
                        if (optopt)
                                errorf("option -%c: unknown or missing its argument; see --help", optopt);
                        else
                                errorf("%s: unknown option or missing argument; see --help",
                                       argv[optind - 1]);
                        return EXIT_USAGE;
                }
        }
        argc -= optind;
        argv += optind;
        if (argc > 0 && strcmp(argv[0], "rules") == 0)
                return cmd_rules(&o, argc - 1, argv + 1);
        if (argc > 0 && strcmp(argv[0], "check") == 0)
                return cmd_check(&o, argc - 1, argv + 1);
        if (argc > 0 && strcmp(argv[0], "groups") == 0)
                return cmd_groups(&o, argc - 1);
        if (argc > 0 && strcmp(argv[0], "snapshot") == 0)
                return cmd_snapshot(&o, argc - 1, argv + 1);
        static const char *const later[] = {"plan", "watch", "run", "report"};
        for (size_t i = 0; argc > 0 && i < ELEMENTSOF(later); i++)
                if (strcmp(argv[0], later[i]) == 0) {
                        errorf("'%s' is not in this version yet; name a log file as ./%s to read one of "
                               "that name",
                               argv[0], argv[0]);
                        return EXIT_USAGE;
                }
        return cmd_explain(&o, argc, argv);
}
