/* SPDX-License-Identifier: MIT */
#pragma once

/* snapshot -o FILE leaves FILE as it was (or absent) unless the whole document was made: a failure on the
 * way (the redaction's limit, a probe, out of memory) must not leave an empty or cut FILE behind. The
 * process forks: the child goes on to probe, drop its privileges and write the document into a pipe; the
 * parent, as root with nothing but cap_dac_override, reads it and creates FILE (root's) only once the child
 * has exited 0. */

#define OUTPUT_WRITTEN_BY_US (-1000)

/* In the child: the fd to write the document to (>= 0). In the parent, once all is over:
 * OUTPUT_WRITTEN_BY_US, and *ret_status the exit status (the child's, or the writer's own failure, said).
 * A negative errno when nothing could be started (FILE's directory missing, no fork). */
int output_file_when_whole(const char *path, int *ret_status);
