/* SPDX-License-Identifier: MIT */
/* Runs a harness on every file given, or on every file of every directory given, once: the seed corpus
 * and the regression inputs replay in the ordinary test suite, without libFuzzer. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fileio.h"
#include "fuzz.h"
#include "vfioexplain/macro.h"

/* Larger than any harness's -max_len: a corpus file is never cut. */
#define REPLAY_FILE_MAX (8u * 1024u * 1024u)

static int replay_file(int dirfd, const char *path) {
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = file_read(dirfd, path, FILE_NAMED, REPLAY_FILE_MAX, &buf, &len);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r;
        }
        /* An exact copy, so that the sanitizers see a read past the input's end. */
        _cleanup_free_ uint8_t *data = malloc(len ? len : 1);
        if (!data)
                return -ENOMEM;
        memcpy(data, buf, len);
        (void) LLVMFuzzerTestOneInput(data, len);
        return 0;
}

static int replay_dir(const char *path, size_t *n) {
        struct dirent **names;
        int m = scandir(path, &names, NULL, alphasort);
        if (m < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        int r = 0;
        for (int i = 0; i < m; i++) {
                if (names[i]->d_name[0] != '.' && r >= 0) {
                        _cleanup_free_ char *p = NULL;
                        if (asprintf(&p, "%s/%s", path, names[i]->d_name) < 0)
                                r = -ENOMEM;
                        else if ((r = replay_file(AT_FDCWD, p)) >= 0)
                                (*n)++;
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv) {
        size_t n = 0;
        if (argc < 2) {
                fprintf(stderr, "usage: %s CORPUS-DIR|FILE...\n", argv[0]);
                return 2;
        }
        if (LLVMFuzzerInitialize)
                (void) LLVMFuzzerInitialize(&argc, &argv);
        for (int i = 1; i < argc; i++) {
                struct stat st;
                int r;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
                if (S_ISDIR(st.st_mode))
                        r = replay_dir(argv[i], &n);
                else if ((r = replay_file(AT_FDCWD, argv[i])) >= 0)
                        n++;
                if (r < 0)
                        return 1;
        }
        if (n == 0) {
                fprintf(stderr, "no corpus file found: nothing was replayed\n");
                return 1;
        }
        printf("%zu inputs replayed\n", n);
        return 0;
}
