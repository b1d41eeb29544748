/* SPDX-License-Identifier: MIT */
#pragma once

/* The commands, in one table that main.c (which one runs), help.c (what --help says) and privileges.c
 * (what each one keeps of root's capabilities) read. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"

/* The options that only some commands take; given to another command, they are refused. The other
 * options are every command's (the global --help lists them), or read only by the commands whose --help
 * names them. */
typedef enum CommandOption {
        COMMAND_OPTION_REDACT = 1u << 0, /* --redact */
        COMMAND_OPTION_GUEST = 1u << 1, /* --guest FILE, --guest-modules-alias FILE */
        COMMAND_OPTION_INVENTORY = 1u << 2, /* --inventory (rules test and rules list) */
} CommandOption;

typedef struct Command {
        const char *name;
        int (*run)(const Options *o, int argc, char **argv); /* argv[0] is the first word after the name */
        uint64_t caps; /* the capabilities it keeps beyond cap_dac_read_search (privileges.h); those that
                        * depend on its options are privileges_for()'s */
        bool probes; /* it probes the live host: keeps PRIV_PROBE too, unless --no-probe or --snapshot */
        bool follows; /* it probes again while it follows: keeps PRIV_PROBE after the first probing */
        bool paged; /* its answer goes through a pager on a terminal (not what follows a stream, not a file)
                     */
        unsigned options; /* the CommandOption flags it takes */
        const char *summary; /* one line of the global --help */
        const char *help; /* its --help */
} Command;

extern const Command commands[];
extern const size_t n_commands;
/* The options of every command, as the global --help lists them. */
extern const char commands_common_options[];
/* What the exit status of the default command (explain) says, for the global --help. */
extern const char commands_exit_status[];

/* The command of that name, NULL if none. */
const Command *command_find(const char *name);
/* "'vfioexplain A' and 'vfioexplain B'": the commands that take option, for an error message. */
const char *command_names_taking(CommandOption option);
