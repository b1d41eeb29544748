/* SPDX-License-Identifier: MIT */
/* --help of every command and 'vfioexplain help [COMMAND]', from the table of commands (commands.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

bool help_is_command(const char *name) {
        return command_find(name);
}

const char *help_command_names(void) {
        static char names[256];
        if (!names[0]) {
                size_t n = 0;
                for (size_t i = 0; i < n_commands && n < sizeof(names); i++)
                        n += (size_t) snprintf(names + n, sizeof(names) - n, "%s%s", i ? ", " : "",
                                               commands[i].name);
        }
        return names;
}

static void global_help(void) {
        printf("Usage: vfioexplain [OPTIONS] [FILE...]\n"
               "       vfioexplain COMMAND [OPTIONS] [ARG...]\n"
               "       vfioexplain help [COMMAND]\n"
               "\n"
               "Explains why PCI passthrough (vfio-pci, KVM/QEMU, libvirt) failed: the root causes, most\n"
               "likely first, each with its evidence and the commands that fix it.\n"
               "\n"
               "Commands:\n");
        for (size_t i = 0; i < n_commands; i++)
                printf("  %-10s %s\n", commands[i].name, commands[i].summary);
        printf("\n"
               "Options of every command:\n"
               "%s\n"
               "'vfioexplain COMMAND --help' describes one command; 'man vfioexplain' all of them.\n"
               "%s",
               commands_common_options, commands_exit_status);
}

int help_print(const char *command) {
        if (!command) {
                global_help();
                return 0;
        }
        const Command *c = command_find(command);
        if (!c)
                return -ENOENT;
        fputs(c->help, stdout);
        return 0;
}

int cmd_help(int argc, char **argv) {
        if (argc > 1) {
                errorf("usage: vfioexplain help [COMMAND]");
                return EXIT_USAGE;
        }
        if (help_print(argc ? argv[0] : NULL) < 0) {
                errorf("help: no command '%s'; 'vfioexplain help' lists them", argv[0]);
                return EXIT_USAGE;
        }
        return flush_stdout() < 0 ? EXIT_INTERNAL : EXIT_NO_CAUSE;
}
