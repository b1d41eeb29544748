/* SPDX-License-Identifier: MIT */
/* The commands: each one's name, function, capabilities, options and help, in one table. docs/vfioexplain.1
 * says the same at length; tests/cli/usage.sh fails when an option named here is missing from it. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "privileges.h"

#define OPT_FORMAT_ALL "  --format text|markdown|json  output format (default: text)\n"
#define OPT_COLOR \
        "  --color auto|always|never    colour the text (default: auto: on a terminal, not with NO_COLOR)\n"
#define OPT_NO_PROBE "  --no-probe                   judge from the logs alone (logs from another machine)\n"
#define OPT_SYSROOT "  --sysroot DIR                probe the host under DIR instead of / (read-only)\n"
#define OPT_SNAPSHOT "  --snapshot FILE              replay a host state saved by 'vfioexplain snapshot'\n"
#define OPT_RULES "  --rules DIR                  load the rule files of DIR only (no drop-ins)\n"
#define OPT_HELP "  -h, --help                   this help\n"
#define OPT_PAGER \
        "  --no-pager                   never page (on a terminal, a long answer goes through less)\n"
#define OPT_FULL                                                                                      \
        "  -v, --full                   every cause in full (default: the summary, the first cause\n" \
        "                               in full, the others in brief)\n"
#define OPT_JOURNAL                                                                                             \
        "  --boot [ID|OFFSET]           one boot (0 or none: the current one, -1 the one before)\n"             \
        "  --since TIME, --until TIME   as journalctl: '2026-11-23 10:00', 'yesterday', '-2h', '2 hours ago'\n" \
        "  --unit UNIT                  only entries of this systemd unit (repeatable)\n"                       \
        "  --file FILE                  read this journal file (repeatable)\n"                                  \
        "  --directory DIR              read the journal files of DIR (systemd-journal-remote: per host)\n"
#define OPT_VM                                                                                             \
        "  --domain NAME                a libvirt domain: its log, and its XML checked against the host\n" \
        "  --pve-vm ID                  a Proxmox VE VM: the task log of its last failed start, and its\n" \
        "                               config (/etc/pve/qemu-server/ID.conf) checked against the host\n"  \
        "  --incus NAME                 an incus VM: its log, and its gpu and pci devices (backup.yaml)\n" \
        "                               checked against the host\n"                                        \
        "  --incus-config FILE          with --incus: its `incus config show --expanded` output instead\n"
#define OPT_DOMAIN                                                                                          \
        OPT_VM                                                                                              \
        "  --guest FILE                 the VM's own log (dmesg, lspci -nnk, adb logcat): why the passed\n" \
        "                               device does nothing in the guest (repeatable)\n"                    \
        "  --guest-modules-alias FILE   the guest's modules.alias (default: the host's)\n"
#define EXIT_EXPLAIN                                                                                        \
        "\nExit status: 0 no failure cause found, 1 at least one cause, 2 bad usage or unreadable input,\n" \
        "3 an internal error.\n"
#define EXIT_PLAIN "\nExit status: 0 done, 2 bad usage or unreadable input, 3 an internal error.\n"

/* groups takes no words after its name. */
static int run_groups(const Options *o, int argc, char **argv) {
        return cmd_groups(o, argc);
}

const Command commands[] = {
        {.name = "explain",
         .paged = true,
         .run = cmd_explain,
         .caps = PRIV_CAP(CAP_SYSLOG),
         .probes = true,
         .options = COMMAND_OPTION_GUEST,
         .summary = "explain the logs given, piped in, or this boot's journal (the default command)",
         .help = "Usage: vfioexplain [explain] [OPTIONS] [FILE...]\n"
                 "\n"
                 "Reads QEMU stderr, dmesg, journalctl output, libvirt logs and virsh errors from FILEs or a pipe\n"
                 "('-' is stdin) and prints the root causes, most likely first, each with its evidence and the\n"
                 "commands that fix it. With no FILE and nothing piped in, it reads this boot's journal (or\n"
                 "/dev/kmsg). The live host confirms or rules out what the logs suggest unless --no-probe.\n"
                 "\n"
                 "Options:\n" OPT_JOURNAL OPT_DOMAIN OPT_FULL OPT_FORMAT_ALL OPT_COLOR OPT_PAGER OPT_NO_PROBE
                         OPT_SYSROOT OPT_SNAPSHOT OPT_RULES OPT_HELP EXIT_EXPLAIN},
        {.name = "check",
         .paged = true,
         .run = cmd_check,
         .caps = 0,
         .probes = true,
         .options = 0,
         .summary = "will passthrough work on this host: every blocker with its fix, no logs needed",
         .help = "Usage: vfioexplain check [OPTIONS] [ADDRESS...]\n"
                 "\n"
                 "Probes the host. With ADDRESS (0000:01:00.0 or 01:00.0): the device and the rest of its IOMMU\n"
                 "group, a verdict for each, every blocker with its fix, or \"ready\" when nothing blocks. With\n"
                 "none: a verdict for each device a user would pass (GPUs and their cards' functions, USB, NVMe,\n"
                 "network and add-in controllers), leaving out what the host runs on (its root file system,\n"
                 "its default route). With a VM: its passthrough devices, judged with its configuration.\n"
                 "\n"
                 "Options:\n" OPT_VM OPT_FULL OPT_FORMAT_ALL OPT_COLOR OPT_PAGER OPT_SYSROOT OPT_SNAPSHOT
                         OPT_RULES OPT_HELP EXIT_EXPLAIN},
        {.name = "groups",
         .paged = true,
         .run = run_groups,
         .caps = 0,
         .probes = true,
         .options = 0,
         .summary = "IOMMU groups: members, ids, names, drivers, viability",
         .help = "Usage: vfioexplain groups [OPTIONS]\n"
                 "\n"
                 "Lists every IOMMU group of the host with its devices as lspci -nnk names them (class, vendor\n"
                 "and device, the driver in use, the kernel modules), and whether the group can be passed\n"
                 "through as it is.\n"
                 "\n"
                 "Options:\n"
                 "  --format text|json           output format (default: text)\n" OPT_PAGER OPT_SYSROOT
                         OPT_SNAPSHOT OPT_HELP EXIT_PLAIN},
        {.name = "plan",
         .paged = true,
         .run = cmd_plan,
         .caps = 0,
         .probes = true,
         .options = 0,
         .summary = "the steps, XML and QEMU options to pass these devices through on this host",
         .help = "Usage: vfioexplain plan [OPTIONS] ADDRESS...\n"
                 "\n"
                 "Prints the exact steps to pass the PCI devices at ADDRESS through on this host: the group\n"
                 "members to take along, the kernel command line, the vfio-pci binding, the libvirt <hostdev>\n"
                 "XML and the QEMU -device options; for a Proxmox VE VM, the qm set lines that add them.\n"
                 "\n"
                 "Options:\n"
                 "  --domain NAME                the libvirt domain the commands name (default: a DOMAIN\n"
                 "                               variable the plan sets first)\n"
                 "  --pve-vm ID                  the Proxmox VE VM to add the devices to (hostpciN lines)\n" OPT_FORMAT_ALL
                         OPT_COLOR OPT_PAGER OPT_SYSROOT OPT_SNAPSHOT OPT_RULES OPT_HELP
                 "\nExit status: 0 a plan, 1 a blocker no step removes, 2 bad usage, 3 an internal error.\n"},
        {.name = "watch",
         .run = cmd_watch,
         .caps = PRIV_CAP(CAP_SYSLOG),
         .probes = true,
         .follows = true,
         .options = 0,
         .summary = "follow the journal and /dev/kmsg, explain failures as they happen",
         .help = "Usage: vfioexplain watch [OPTIONS]\n"
                 "\n"
                 "Follows /dev/kmsg and the journal (or the journal files named) and prints each root cause\n"
                 "once, when found, then an update when it gains evidence. SIGINT or SIGTERM end it with a\n"
                 "summary. Progress and the summary's heading go to stderr.\n"
                 "\n"
                 "Options:\n"
                 "  --trace                      also kernel IOMMU trace events (a private tracefs instance)\n"
                 "  --unit UNIT                  only entries of this systemd unit (repeatable)\n"
                 "  --file FILE                  follow this journal file (repeatable)\n"
                 "  --directory DIR              follow the journal files of DIR, new hosts as they appear\n"
                 "  --format text|json           text, or JSON lines (one object per event)\n" OPT_VM
                         OPT_COLOR OPT_NO_PROBE OPT_SYSROOT OPT_RULES OPT_HELP
                 "\nExit status: 0 no cause seen, 1 at least one cause seen, 2 bad usage, 3 an internal error.\n"},
        {.name = "run",
         .run = cmd_run,
         .caps = PRIV_CAP(CAP_SYSLOG) | PRIV_CAP(CAP_KILL),
         .probes = true,
         .follows = true,
         .options = 0,
         .summary = "run a VM start, explain it if it fails",
         .help = "Usage: vfioexplain run [OPTIONS] -- COMMAND [ARG...]\n"
                 "\n"
                 "Runs COMMAND (virsh start NAME, qm start ID, or a QEMU command line) with its output passed\n"
                 "through, follows /dev/kmsg, the journal and, for 'virsh start NAME', the domain's log\n"
                 "meanwhile, and prints the report after its output if it fails, with the VM's devices checked\n"
                 "('qm start ID' names its VM itself). SIGINT and SIGTERM are passed to COMMAND.\n"
                 "\n"
                 "Options:\n" OPT_VM OPT_FULL OPT_FORMAT_ALL OPT_COLOR OPT_NO_PROBE OPT_SYSROOT OPT_RULES
                         OPT_HELP
                 "\nExit status: COMMAND's own (128+N if signal N ended it); 2 bad usage.\n"},
        {.name = "report",
         .paged = true,
         .run = cmd_report,
         .caps = PRIV_CAP(CAP_SYSLOG),
         .probes = true,
         .options = COMMAND_OPTION_REDACT | COMMAND_OPTION_GUEST,
         .summary = "one Markdown or JSON document for a bug ticket",
         .help = "Usage: vfioexplain report [OPTIONS] [FILE...]\n"
                 "\n"
                 "Writes one document for a bug ticket: the host (distribution, kernel, CPU, IOMMU, kernel\n"
                 "command line, QEMU and libvirt versions), the devices in question, the causes found in the\n"
                 "logs given (or this boot's journal) with evidence and fixes, and the IOMMU groups, all\n"
                 "evidence and the host snapshot in collapsed sections. Markdown (default) or JSON.\n"
                 "\n"
                 "Options:\n"
                 "  --redact                     replace host names, user names, MAC addresses, serial\n"
                 "                               numbers, UUIDs and machine/boot ids by stable tokens\n"
                 "  --format markdown|json       output format (default: markdown)\n" OPT_JOURNAL OPT_DOMAIN
                         OPT_PAGER OPT_NO_PROBE OPT_SYSROOT OPT_SNAPSHOT OPT_RULES OPT_HELP EXIT_EXPLAIN},
        {.name = "snapshot",
         .run = cmd_snapshot,
         .caps = 0,
         .probes = true,
         .options = COMMAND_OPTION_REDACT,
         .summary = "save the probed host state to one file",
         .help = "Usage: vfioexplain snapshot [OPTIONS] -o FILE\n"
                 "\n"
                 "Writes the probed host state as JSON (the 'facts' of --format json) to FILE ('-' for stdout),\n"
                 "for a bug ticket or to replay any command elsewhere with --snapshot FILE.\n"
                 "\n"
                 "Options:\n"
                 "  -o, --output FILE            where to write it ('-': stdout)\n"
                 "  --redact                     replace host names, user names, MAC addresses, serial\n"
                 "                               numbers, UUIDs and machine/boot ids by the tokens of\n"
                 "                               'report --redact'\n" OPT_SYSROOT OPT_HELP EXIT_PLAIN},
        {.name = "rom",
         .paged = true,
         .run = cmd_rom,
         .caps = 0,
         .probes = true,
         .options = 0,
         .summary = "judge a VBIOS / option ROM file, or say how to dump one",
         .help = "Usage: vfioexplain rom [OPTIONS] [FILE]\n"
                 "\n"
                 "Reads a PCI option ROM file without running it: its images, whether SeaBIOS and OVMF can use\n"
                 "it, and what is wrong with it. With no FILE, prints the commands that dump this host's GPU\n"
                 "ROMs through sysfs (and runs none of them).\n"
                 "\n"
                 "Options:\n"
                 "  --address ADDR               the device the ROM is for: a ROM for another device is wrong\n"
                 "  --format text|json           output format (default: text)\n" OPT_PAGER OPT_SYSROOT
                         OPT_HELP
                 "\nExit status: 0 the ROM is usable, 1 something is wrong with it, 2 bad usage or unreadable\n"
                 "input, 3 an internal error.\n"},
        {.name = "rules",
         .paged = true,
         .run = cmd_rules,
         .caps = 0,
         .probes = false,
         .options = COMMAND_OPTION_INVENTORY,
         .summary = "check, test or list the rule files",
         .help = "Usage: vfioexplain rules check|test|list [OPTIONS]\n"
                 "       vfioexplain rules test|list --inventory [DIR]\n"
                 "\n"
                 "  check                        validate the rule files (errors as FILE:LINE:COLUMN)\n"
                 "  test                         run every rule's examples and counter-examples\n"
                 "  list                         every cause known, and where each rule file came from\n"
                 "  test --inventory [DIR]       the message inventory (DIR/*.tsv, default: the rules' inventory/):\n"
                 "                               each row's rule, and what its example gives alone\n"
                 "  list --inventory [DIR]       the inventory's messages per program, cause and file\n"
                 "                               (markdown: the per-program table of README.md)\n"
                 "\n"
                 "Rule files are the *.rules of " VX_RULES_DIR ",\n"
                 "replaced or masked (an empty file or a symlink to /dev/null) by files of the same name in\n" VX_DROPIN_RULES_DIR
                 " and " VX_RUNTIME_RULES_DIR ".\n"
                 "\n"
                 "Options:\n" OPT_RULES
                 "  --format text|json|markdown  output of 'list' (default: text)\n" OPT_PAGER OPT_HELP
                 "\nExit status: 0 valid / all passed, 1 invalid / a test failed, 2 bad usage.\n"},
};

const size_t n_commands = ELEMENTSOF(commands);

const char commands_common_options[] =
        OPT_FORMAT_ALL OPT_COLOR OPT_PAGER OPT_NO_PROBE OPT_SYSROOT OPT_SNAPSHOT OPT_RULES OPT_HELP
        "  --version                    the version\n";
const char commands_exit_status[] = EXIT_EXPLAIN;

const Command *command_find(const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < n_commands; i++)
                if (strcmp(commands[i].name, name) == 0)
                        return &commands[i];
        return NULL;
}

const char *command_names_taking(CommandOption option) {
        static char names[256];
        size_t n = 0, count = 0, total = 0;
        for (size_t i = 0; i < n_commands; i++)
                total += (commands[i].options & option) != 0;
        names[0] = 0;
        for (size_t i = 0; i < n_commands && n < sizeof(names); i++) {
                if (!(commands[i].options & option))
                        continue;
                count++;
                n += (size_t) snprintf(names + n, sizeof(names) - n, "%s'vfioexplain %s'",
                                       count == 1               ? ""
                                               : count == total ? " and "
                                                                : ", ",
                                       commands[i].name);
        }
        return names;
}
