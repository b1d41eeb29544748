/* SPDX-License-Identifier: MIT */
#pragma once

/* The terminal the output goes to: its width, and a pager for output longer than the screen, as
 * systemd's tools page (less with FRSXMK, $VFIOEXPLAIN_PAGER or $PAGER, never when piped). */

#include <stdbool.h>

/* Remembers whether stdout and stderr are a terminal and how wide it is, before a pager takes stdout.
 * Called once, first thing. */
void terminal_init(void);
/* stdout was a terminal when the program started (the pager's pipe is not one). */
bool terminal_stdout(void);
/* The width to wrap text at: the terminal's (TIOCGWINSZ), else $COLUMNS, else 80. */
unsigned terminal_width(void);

/* The command's output goes through a pager when it is written (pager_start()): only when stdout and
 * stderr are terminals, and not with --no-pager, $VFIOEXPLAIN_PAGER or $PAGER empty or "cat". */
void pager_want(bool want);
/* Starts the pager if one is wanted and none runs yet: stdout becomes the pipe to it. Without a pager
 * that can be started, output goes to stdout as it is. */
void pager_start(void);
/* Ends the output and waits for the pager to quit (called at exit). */
void pager_close(void);
