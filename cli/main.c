/* SPDX-License-Identifier: MIT */
/* The command line: options and the command they name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "pager.h"
#include "privileges.h"

/* A word a person means as a command rather than a file: lowercase letters and dashes, no path, no
 * extension. */
static bool looks_like_command(const char *w) {
        size_t n = strspn(w, "abcdefghijklmnopqrstuvwxyz-");
        return n > 0 && w[n] == 0 && w[0] != '-';
}

/* An option error names the option as it was typed: "--form" for an abbreviation of --format, "-o" for the
 * short one. typed is the word getopt stopped at, opt the option's short name (0 for an unknown long one).
 */
static void option_error(const struct option *longopts, const char *typed, int opt, bool missing_value) {
        if (strncmp(typed, "--", 2) == 0) {
                size_t n = strcspn(typed, "=");
                if (missing_value)
                        errorf("%.*s: needs a value; see --help", (int) n, typed);
                else if (opt && typed[n] == '=')
                        errorf("%.*s: takes no value; see --help", (int) n, typed);
                else {
                        /* An abbreviation of more than one long option is as unknown as a misspelling. */
                        char which[256] = "";
                        size_t k = 0, matches = 0;
                        for (const struct option *l = longopts; l->name; l++)
                                if (n > 2 && strncmp(l->name, typed + 2, n - 2) == 0) {
                                        matches++;
                                        k += (size_t) snprintf(which + k,
                                                               k < sizeof(which) ? sizeof(which) - k : 0,
                                                               "%s--%s", matches > 1 ? ", " : "", l->name);
                                }
                        if (matches > 1 && k < sizeof(which))
                                errorf("%.*s: ambiguous, could be %s; see --help", (int) n, typed, which);
                        else
                                errorf("%.*s: unknown option; see --help", (int) n, typed);
                }
        } else if (missing_value)
                errorf("-%c: needs a value; see --help", opt);
        else
                errorf("-%c: unknown option; see --help", opt ? opt : '?');
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                {"format", required_argument, NULL, 'f'},
                {"color", required_argument, NULL, 'c'},
                {"no-probe", no_argument, NULL, 'n'},
                {"sysroot", required_argument, NULL, 's'},
                {"rules", required_argument, NULL, 'r'},
                {"snapshot", required_argument, NULL, 'S'},
                {"output", required_argument, NULL, 'o'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {"file", required_argument, NULL, 'F'},
                {"directory", required_argument, NULL, 'D'},
                {"boot", optional_argument, NULL, 'b'},
                {"since", required_argument, NULL, 'A'},
                {"until", required_argument, NULL, 'U'},
                {"unit", required_argument, NULL, 'u'},
                {"domain", required_argument, NULL, 'd'},
                {"pve-vm", required_argument, NULL, 'P'},
                {"incus", required_argument, NULL, 'X'},
                {"incus-config", required_argument, NULL, 'C'},
                {"trace", no_argument, NULL, 'T'},
                {"address", required_argument, NULL, 'a'},
                {"redact", no_argument, NULL, 'R'},
                {"guest", required_argument, NULL, 'G'},
                {"guest-modules-alias", required_argument, NULL, 'M'},
                {"inventory", no_argument, NULL, 'I'},
                {"full", no_argument, NULL, 'v'},
                {"no-pager", no_argument, NULL, 'N'},
                {},
        };
        struct timespec now;
        uint64_t now_usec;
        bool help = false;
        Options o = {.format = OUTPUT_TEXT, .color = -1, .sysroot = "/", .stdin_source = -1};
        int c;

        /* A closed pipe ends the output quietly instead of killing us mid-write. */
        signal(SIGPIPE, SIG_IGN);
        /* glibc raises its mmap threshold to the size of each mapped block freed (the line memo of a
         * second host, a report's buffer), after which tables made whole but touched only as they fill
         * (an analysis's findings and symptoms) come from the heap, cleared, and stay resident: 45 MB
         * instead of 10 for 64 hosts of a journal. A fixed threshold keeps them mapped. */
        mallopt(M_MMAP_THRESHOLD, VX_MALLOC_MMAP_THRESHOLD);
        opterr = 0;
        clock_gettime(CLOCK_REALTIME, &now);
        now_usec = (uint64_t) now.tv_sec * 1000000u + (uint64_t) now.tv_nsec / 1000u;
        o.journal.files = o.journal_files;
        o.journal.units = o.units;
        terminal_init();
        while ((c = getopt_long(argc, argv, ":hvo:", longopts, NULL)) >= 0) {
                switch (c) {
                case 'F':
                        if (o.journal.n_files >= ELEMENTSOF(o.journal_files)) {
                                errorf("--file: at most %zu journal files", ELEMENTSOF(o.journal_files));
                                return EXIT_USAGE;
                        }
                        o.journal_files[o.journal.n_files++] = optarg;
                        o.journal_set = true;
                        break;
                case 'G':
                        if (o.n_guest_files >= ELEMENTSOF(o.guest_files)) {
                                errorf("--guest: at most %zu guest files", ELEMENTSOF(o.guest_files));
                                return EXIT_USAGE;
                        }
                        o.guest_files[o.n_guest_files++] = optarg;
                        break;
                case 'M':
                        o.guest_modules_alias = optarg;
                        break;
                case 'D':
                        o.journal.directory = optarg;
                        o.journal_set = true;
                        break;
                case 'b': {
                        /* journalctl takes "-b -1" as well as "-b=-1": so do we, when the next word is a
                         * boot. */
                        const char *arg = optarg;
                        JournalQuery probe = {0};
                        if (!arg && optind < argc && journal_parse_boot(argv[optind], &probe) >= 0)
                                arg = argv[optind++];
                        if (!arg) {
                                o.journal.boot_set = true;
                                o.journal.boot_offset = 0;
                        } else if (journal_parse_boot(arg, &o.journal) < 0) {
                                errorf("--boot: expected a boot id (32 hex digits) or an offset (0, -1 ...), not '%s'",
                                       arg);
                                return EXIT_USAGE;
                        }
                        o.journal_set = true;
                        break;
                }
                case 'A':
                case 'U':
                        if (journal_parse_time(optarg, now_usec,
                                               c == 'A' ? &o.journal.since_usec : &o.journal.until_usec) <
                            0) {
                                errorf("--%s: expected a time as journalctl takes it ('2026-11-23 10:00', 'yesterday', '-2h', '2 hours ago', '@EPOCH'), not '%s'",
                                       c == 'A' ? "since" : "until", optarg);
                                return EXIT_USAGE;
                        }
                        /* '@0' is a time asked for, where 0 in JournalQuery means none: no entry is stamped
                         * in the epoch's first microsecond, so 1 selects the same entries. */
                        if (c == 'A' && o.journal.since_usec == 0)
                                o.journal.since_usec = 1;
                        if (c == 'U' && o.journal.until_usec == 0)
                                o.journal.until_usec = 1;
                        o.journal_set = true;
                        break;
                case 'u':
                        if (o.journal.n_units >= ELEMENTSOF(o.units)) {
                                errorf("--unit: at most %zu units", ELEMENTSOF(o.units));
                                return EXIT_USAGE;
                        }
                        o.units[o.journal.n_units++] = optarg;
                        o.journal_set = true;
                        break;
                case 'd':
                        o.domain = optarg;
                        break;
                case 'P':
                        o.pve_vm = optarg;
                        break;
                case 'X':
                        o.incus = optarg;
                        break;
                case 'C':
                        o.incus_config = optarg;
                        break;
                case 'T':
                        o.trace = true;
                        break;
                case 'a':
                        o.address = optarg;
                        break;
                case 'I':
                        o.inventory = true;
                        break;
                case 'R':
                        o.redact = true;
                        break;
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
                        /* The command it is about may come after it: "vfioexplain --help check". */
                        help = true;
                        break;
                case 'v':
                        o.full = true;
                        break;
                case 'N':
                        o.no_pager = true;
                        break;
                case 'V':
                        printf("vfioexplain %s\n", VX_VERSION);
                        return flush_stdout() < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
                case ':':
                        option_error(longopts, argv[optind - 1], optopt, true);
                        return EXIT_USAGE;
                default:
                        option_error(longopts, argv[optind - 1], optopt, false);
                        return EXIT_USAGE;
                }
        }
        argc -= optind;
        argv += optind;
        if (help) {
                (void) help_print(argc > 0 && help_is_command(argv[0]) ? argv[0] : NULL);
                return flush_stdout() < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
        }
        o.journal.sysroot = o.sysroot;
        if (o.journal.n_files > 0 && o.journal.directory) {
                errorf("--file and --directory: name journal files or one directory, not both");
                return EXIT_USAGE;
        }
        /* The command a word names; none is explain. */
        const Command *command = command_find(argc > 0 ? argv[0] : NULL);
        const Command *target = command ?: command_find("explain");
        if (o.redact && !(target->options & COMMAND_OPTION_REDACT)) {
                errorf("--redact is an option of %s", command_names_taking(COMMAND_OPTION_REDACT));
                return EXIT_USAGE;
        }
        if (o.inventory && !(target->options & COMMAND_OPTION_INVENTORY)) {
                errorf("--inventory is an option of %s", command_names_taking(COMMAND_OPTION_INVENTORY));
                return EXIT_USAGE;
        }
        if (o.guest_modules_alias && o.n_guest_files == 0) {
                errorf("--guest-modules-alias: name the guest's logs with --guest FILE");
                return EXIT_USAGE;
        }
        if (o.n_guest_files > 0 && !(target->options & COMMAND_OPTION_GUEST)) {
                errorf("--guest is an option of %s", command_names_taking(COMMAND_OPTION_GUEST));
                return EXIT_USAGE;
        }
        if (!!o.domain + !!o.pve_vm + !!o.incus > 1) {
                errorf("--domain, --pve-vm and --incus each name a VM: give one");
                return EXIT_USAGE;
        }
        if (o.incus_config && !o.incus) {
                errorf("--incus-config FILE: name the instance with --incus NAME");
                return EXIT_USAGE;
        }
        if (argc > 0 && strcmp(argv[0], "help") == 0)
                return cmd_help(argc - 1, argv + 1);
        if (argc > 0 && !command && looks_like_command(argv[0]) &&
            faccessat(AT_FDCWD, argv[0], F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
                errorf("unknown command '%s' (commands: %s); to read a file of that name use ./%s", argv[0],
                       help_command_names(), argv[0]);
                return EXIT_USAGE;
        }
        /* What is read once and then answered goes through a pager on a terminal; what follows a stream
         * (watch, run) or writes a file (snapshot) does not. */
        if (target->paged && !o.no_pager)
                pager_want(true);
        atexit(pager_close);
        /* Everything written goes through the last escaping step; a snapshot is JSON whatever --format says
         * (help has returned above: it is text). Registered after pager_close, so it runs before it: what
         * the escaper still holds reaches the pager before the pager is waited for. */
        output_sink_setup(o.format == OUTPUT_JSON || strcmp(target->name, "snapshot") == 0,
                          o.format == OUTPUT_TEXT && use_color(&o));
        atexit(output_sink_finish);
        /* Whether stdin brings a log is asked before privileges are reduced: telling a command of our own
         * pipeline from sshd means looking at other processes' open files. */
        bool explains = strcmp(target->name, "explain") == 0 || strcmp(target->name, "report") == 0;
        int operands = argc - (command ? 1 : 0);
        if (explains && operands == 0 && !o.journal_set && !o.domain && o.n_guest_files == 0)
                o.stdin_source = stdin_source();
        /* run keeps everything until its command is started: the command needs what it needs (cmd_run
         * reduces its own afterwards). */
        if (strcmp(target->name, "run") != 0) {
                Privileges p = privileges_for(&o, target->name);
                privileges_reduce(&p, false);
        }
        if (command)
                return command->run(&o, argc - 1, argv + 1);
        return target->run(&o, argc, argv);
}
