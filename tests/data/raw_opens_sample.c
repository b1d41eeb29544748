/* SPDX-License-Identifier: MIT */
/* What tests/checksrc.py must refuse as an open outside fileio.c (the lines marked so) and let pass. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>

static void sample(const char *path) {
        int fd = open(path, O_RDONLY); // banned
        int at = openat(AT_FDCWD, path, O_RDONLY); // banned
        FILE *f = fopen(path, "r"); // banned
        DIR *d = opendir(path); // banned
        long two = syscall(SYS_openat2, AT_FDCWD, path, 0, 0); // banned
        int r = sym_sd_journal_open_directory(&j, path, 0); // banned
        r = sym_tracecmd_open(path, 0); // banned
        /* raw-open: a path checked before, for a library that takes only a path */
        r = sym_sd_journal_open_files(&j, paths, 0);
        r = sym_sd_journal_open_files_fd(&j, fds, 1, 0);
        r = sym_tracecmd_open_fd(fd, 0);
        file_open(AT_FDCWD, path, 0);
        errorf("cannot open(%s)", path);
        /* open(path) in a comment calls nothing */
}
