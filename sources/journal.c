/* SPDX-License-Identifier: MIT */
/* Reading the systemd journal with sd-journal (sd-journal(3)). Field data is copied out at once:
 * sd_journal_get_data() pointers die at the next call. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "dlopen.h"
#include "fileio.h"
#include "journal.h"
#include "journal_json.h"
#include "string_table.h"
#include "strparse.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

static void *libsystemd;
DLSYM_PROTOTYPE(sd_id128_to_string);
DLSYM_PROTOTYPE(sd_journal_add_match);
DLSYM_PROTOTYPE(sd_journal_close);
DLSYM_PROTOTYPE(sd_journal_enumerate_available_data);
DLSYM_PROTOTYPE(sd_journal_enumerate_available_unique);
DLSYM_PROTOTYPE(sd_journal_flush_matches);
DLSYM_PROTOTYPE(sd_journal_get_cursor);
DLSYM_PROTOTYPE(sd_journal_get_events);
DLSYM_PROTOTYPE(sd_journal_get_fd);
DLSYM_PROTOTYPE(sd_journal_get_monotonic_usec);
DLSYM_PROTOTYPE(sd_journal_get_realtime_usec);
DLSYM_PROTOTYPE(sd_journal_next);
DLSYM_PROTOTYPE(sd_journal_open);
DLSYM_PROTOTYPE(sd_journal_open_directory);
DLSYM_PROTOTYPE(sd_journal_open_files);
DLSYM_PROTOTYPE(sd_journal_open_files_fd);
DLSYM_PROTOTYPE(sd_journal_previous);
DLSYM_PROTOTYPE(sd_journal_process);
DLSYM_PROTOTYPE(sd_journal_query_unique);
DLSYM_PROTOTYPE(sd_journal_restart_data);
DLSYM_PROTOTYPE(sd_journal_restart_unique);
DLSYM_PROTOTYPE(sd_journal_seek_head);
DLSYM_PROTOTYPE(sd_journal_seek_realtime_usec);
DLSYM_PROTOTYPE(sd_journal_seek_tail);
DLSYM_PROTOTYPE(sd_journal_set_data_threshold);

static int dlopen_libsystemd(Diag *d) {
        const char *error = NULL;
        int r = dlopen_many_sym(&libsystemd, VX_SONAME_SYSTEMD, &error, DLSYM_ARG(sd_id128_to_string),
                                DLSYM_ARG(sd_journal_add_match), DLSYM_ARG(sd_journal_close),
                                DLSYM_ARG(sd_journal_enumerate_available_data),
                                DLSYM_ARG(sd_journal_enumerate_available_unique),
                                DLSYM_ARG(sd_journal_flush_matches), DLSYM_ARG(sd_journal_get_cursor),
                                DLSYM_ARG(sd_journal_get_events), DLSYM_ARG(sd_journal_get_fd),
                                DLSYM_ARG(sd_journal_get_monotonic_usec),
                                DLSYM_ARG(sd_journal_get_realtime_usec), DLSYM_ARG(sd_journal_next),
                                DLSYM_ARG(sd_journal_open), DLSYM_ARG(sd_journal_open_directory),
                                DLSYM_ARG(sd_journal_open_files), DLSYM_ARG(sd_journal_open_files_fd),
                                DLSYM_ARG(sd_journal_previous), DLSYM_ARG(sd_journal_process),
                                DLSYM_ARG(sd_journal_query_unique), DLSYM_ARG(sd_journal_restart_data),
                                DLSYM_ARG(sd_journal_restart_unique), DLSYM_ARG(sd_journal_seek_head),
                                DLSYM_ARG(sd_journal_seek_realtime_usec), DLSYM_ARG(sd_journal_seek_tail),
                                DLSYM_ARG(sd_journal_set_data_threshold), NULL);
        if (r < 0)
                diag_addf(d, "the journal cannot be read without libsystemd: %s", error);
        return r;
}

/* The small fields an entry is classified by, copied out of sd-journal's window. */
enum {
        FIELD_IDENTIFIER,
        FIELD_COMM,
        FIELD_HOSTNAME,
        FIELD_TRANSPORT,
        FIELD_PRIORITY,
        FIELD_UNIT,
        FIELD_MACHINE_ID,
        FIELD_PID,
        _FIELD_MAX,
};

static const char *const field_table[_FIELD_MAX] = {
        [FIELD_IDENTIFIER] = "SYSLOG_IDENTIFIER",
        [FIELD_COMM] = "_COMM",
        [FIELD_HOSTNAME] = "_HOSTNAME",
        [FIELD_TRANSPORT] = "_TRANSPORT",
        [FIELD_PRIORITY] = "PRIORITY",
        [FIELD_UNIT] = "_SYSTEMD_UNIT",
        [FIELD_MACHINE_ID] = "_MACHINE_ID",
        [FIELD_PID] = "_PID",
};

DEFINE_PRIVATE_STRING_TABLE_LOOKUP_FROM_STRING(field)

struct Journal {
        sd_journal *j;
        /* The journal files of a root, opened by us (root_journal_files()): sd-journal reads them, we close
         * them after it. */
        int *fds;
        size_t n_fds;
        uint64_t until_usec;
        bool ended;
        char message[VX_MESSAGE_MAX];
        char fields[_FIELD_MAX][VX_JOURNAL_FIELD_MAX];
        size_t field_len[_FIELD_MAX];
        char realtime[24];
};

Journal *journal_free(Journal *j) {
        if (!j)
                return NULL;
        if (j->j)
                sym_sd_journal_close(j->j);
        for (size_t i = 0; i < j->n_fds; i++)
                close(j->fds[i]);
        free(j->fds);
        free(j);
        return NULL;
}

DEFINE_TRIVIAL_CLEANUP_FUNC(Journal *, journal_free);

static bool is_boot_id(const char *s) {
        size_t n = strlen(s);
        if (n != 32)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!span_is_xdigit(s[i]))
                        return false;
        return true;
}

int journal_parse_boot(const char *s, JournalQuery *q) {
        Span sp = span_from_str(s);
        uint64_t v;
        bool neg;

        if (is_boot_id(s)) {
                q->boot_set = true;
                for (size_t i = 0; i < 32; i++)
                        q->boot_id[i] = (char) (s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 'a' : s[i]);
                q->boot_id[32] = 0;
                q->boot_offset = 0;
                return 0;
        }
        neg = span_eat_char(&sp, '-');
        if (!neg)
                span_eat_char(&sp, '+');
        if (!span_eat_digits(&sp, 1, 4, &v) || sp.len != 0 || v > 9999)
                return -EINVAL;
        q->boot_set = true;
        q->boot_id[0] = 0;
        q->boot_offset = neg ? -(int) v : (int) v;
        return 0;
}

typedef struct Boot {
        char id[33];
        uint64_t first_usec;
} Boot;

static int cmp_boot(const void *x, const void *y) {
        const Boot *a = x, *b = y;
        return a->first_usec < b->first_usec ? -1 : a->first_usec > b->first_usec;
}

/* The boot offset counts from the newest boot back (0, -1 ...) or from the oldest forward (1, 2 ...),
 * as journalctl -b does. */
static int resolve_boot(sd_journal *j, int offset, char ret[static 33], Diag *d) {
        Boot boots[VX_JOURNAL_BOOTS_MAX];
        size_t n = 0;
        const void *data;
        size_t len;
        int r;

        r = sym_sd_journal_query_unique(j, "_BOOT_ID");
        if (r < 0)
                return r;
        for (sym_sd_journal_restart_unique(j);
             sym_sd_journal_enumerate_available_unique(j, &data, &len) > 0;) {
                const char *p = data;
                if (len != strlen("_BOOT_ID=") + 32 || n >= ELEMENTSOF(boots))
                        continue;
                memcpy(boots[n].id, p + strlen("_BOOT_ID="), 32);
                boots[n].id[32] = 0;
                n++;
        }
        sym_sd_journal_restart_unique(j);
        for (size_t i = 0; i < n; i++) {
                char match[64];
                uint64_t t = 0;
                snprintf(match, sizeof(match), "_BOOT_ID=%.32s", boots[i].id);
                sym_sd_journal_flush_matches(j);
                if (sym_sd_journal_add_match(j, match, 0) < 0 || sym_sd_journal_seek_head(j) < 0 ||
                    sym_sd_journal_next(j) <= 0 || sym_sd_journal_get_realtime_usec(j, &t) < 0)
                        t = UINT64_MAX;
                boots[i].first_usec = t;
        }
        sym_sd_journal_flush_matches(j);
        qsort(boots, n, sizeof(Boot), cmp_boot);
        long idx = offset <= 0 ? (long) n - 1 + offset : offset - 1;
        if (n == 0) {
                diag_addf(d, "the journal holds no entries");
                return -ENODATA;
        }
        if (idx < 0 || idx >= (long) n) {
                diag_addf(d, "--boot %d: the journal holds %zu boot%s", offset, n, n == 1 ? "" : "s");
                return -ENOENT;
        }
        memcpy(ret, boots[idx].id, 33);
        return 0;
}

/* journald's files: NAME.journal, and NAME.journal~ for one it did not close cleanly. */
static bool is_journal_file(const char *name) {
        size_t n = strlen(name);
        return name[0] != '.' &&
                ((n > 8 && strcmp(name + n - 8, ".journal") == 0) ||
                 (n > 9 && strcmp(name + n - 9, ".journal~") == 0));
}

/* A machine's directory: its 128-bit id in hex (systemd's journal-file layout; a namespace's
 * "ID.NAMESPACE" is not the system journal). */
static bool is_machine_dir(const char *name) {
        return strlen(name) == 32 && strspn(name, "0123456789abcdef") == 32;
}

static int add_root_file(Journal *jn, int rootfd, const char *dir, const char *name, Diag *d) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        /* Under the root, a regular file only: a link out of the root, a FIFO or a device is no journal of
         * it. */
        int fd = file_open(rootfd, path, FILE_IN_ROOT);
        if (fd < 0)
                return 0;
        if (jn->n_fds >= VX_JOURNAL_FILES_MAX) {
                close(fd);
                diag_addf(d, "more than %u journal files under the root: name some with --file",
                          VX_JOURNAL_FILES_MAX);
                return -E2BIG;
        }
        if (jn->n_fds % 64 == 0) {
                int *a = realloc(jn->fds, (jn->n_fds + 64) * sizeof(int));
                if (!a) {
                        close(fd);
                        return -ENOMEM;
                }
                jn->fds = a;
        }
        jn->fds[jn->n_fds++] = fd;
        return 0;
}

/* The files of var/log/journal and run/log/journal under the root, as sd_journal_open_directory()'s
 * SD_JOURNAL_OS_ROOT finds them (those of the directory, and of each machine's directory in it), each
 * opened under the root: sd-journal, given a directory, follows a symlink out of it
 * (root/run/log/journal -> /run/log/journal would read this host's own journal as the root's). */
static int open_root_journal(Journal *jn, const char *root, Diag *d) {
        static const char *const dirs[] = {"var/log/journal", "run/log/journal"};
        int rootfd = file_open_path(AT_FDCWD, root, FILE_DIRECTORY, NULL), r = 0;
        if (rootfd < 0) {
                diag_addf(d, "%s: cannot open the journal: %s", root, strerror(-rootfd));
                return rootfd;
        }
        for (size_t i = 0; i < ELEMENTSOF(dirs) && r >= 0; i++) {
                DIR *top = file_opendir(rootfd, dirs[i], FILE_IN_ROOT);
                struct dirent *de;
                while (top && r >= 0 && (de = readdir(top))) {
                        if (is_journal_file(de->d_name)) {
                                r = add_root_file(jn, rootfd, dirs[i], de->d_name, d);
                                continue;
                        }
                        if (!is_machine_dir(de->d_name))
                                continue;
                        _cleanup_free_ char *sub = NULL;
                        if (asprintf(&sub, "%s/%s", dirs[i], de->d_name) < 0) {
                                r = -ENOMEM;
                                break;
                        }
                        DIR *m = file_opendir(rootfd, sub, FILE_IN_ROOT);
                        struct dirent *fe;
                        while (m && r >= 0 && (fe = readdir(m)))
                                if (is_journal_file(fe->d_name))
                                        r = add_root_file(jn, rootfd, sub, fe->d_name, d);
                        if (m)
                                closedir(m);
                }
                if (top)
                        closedir(top);
        }
        close(rootfd);
        if (r < 0)
                return r;
        if (jn->n_fds == 0) {
                diag_addf(d, "%s: no journal files in var/log/journal or run/log/journal", root);
                return -ENODATA;
        }
        r = sym_sd_journal_open_files_fd(&jn->j, jn->fds, (unsigned) jn->n_fds, 0);
        if (r < 0)
                diag_addf(d, "%s: cannot open the journal: %s", root, strerror(-r));
        return r;
}

static int open_journal(const JournalQuery *q, Journal *jn, Diag *d) {
        sd_journal **ret = &jn->j;
        int r;
        if (q->n_files > 0) {
                if (q->n_files > VX_INPUTS_MAX)
                        return -E2BIG;
                const char *paths[VX_INPUTS_MAX + 1];
                for (size_t i = 0; i < q->n_files; i++)
                        paths[i] = q->files[i];
                paths[q->n_files] = NULL;
                /* raw-open: the files the user named (--file), as journalctl --file reads them. */
                r = sym_sd_journal_open_files(ret, paths, 0);
                if (r < 0)
                        diag_addf(d, "%s%s: not a readable journal file: %s", q->files[0],
                                  q->n_files > 1 ? " (or another --file)" : "", strerror(-r));
                return r;
        }
        if (q->directory) {
                /* raw-open: the directory the user named (--directory), as journalctl --directory reads it.
                 */
                r = sym_sd_journal_open_directory(ret, q->directory, 0);
                if (r < 0)
                        diag_addf(d, "%s: cannot open as a journal directory: %s", q->directory,
                                  strerror(-r));
                return r;
        }
        const char *root = q->sysroot ? q->sysroot : "/";
        if (strcmp(root, "/") != 0)
                return open_root_journal(jn, root, d);
        /* raw-open: this host's own journal, where journald keeps it (root's directories), followed as it
         * rotates. */
        r = sym_sd_journal_open(ret, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0)
                diag_addf(d, "%s: cannot open the journal: %s", root, strerror(-r));
        return r;
}

int journal_open(const JournalQuery *q, Journal **ret, Diag *d) {
        int r = dlopen_libsystemd(d);
        if (r < 0)
                return r;

        _cleanup_(journal_freep) Journal *j = calloc(1, sizeof(Journal));
        char boot[33] = "";

        if (!j)
                return -ENOMEM;
        if ((r = open_journal(q, j, d)) < 0)
                return r;
        /* Bounds what sd-journal hands us of any one field; the message is cut again when copied. */
        (void) sym_sd_journal_set_data_threshold(j->j, VX_MESSAGE_MAX);

        if (q->boot_set) {
                if (q->boot_id[0])
                        memcpy(boot, q->boot_id, sizeof(boot));
                else if ((r = resolve_boot(j->j, q->boot_offset, boot, d)) < 0)
                        return r;
        }
        /* Matches on one field are ORed, on different fields ANDed: (boot) AND (unit OR unit ...). */
        if (boot[0]) {
                char match[64];
                snprintf(match, sizeof(match), "_BOOT_ID=%.32s", boot);
                if ((r = sym_sd_journal_add_match(j->j, match, 0)) < 0)
                        return r;
        }
        for (size_t i = 0; i < q->n_units; i++) {
                _cleanup_free_ char *m = NULL;
                if (asprintf(&m, "_SYSTEMD_UNIT=%s", q->units[i]) < 0)
                        return -ENOMEM;
                if ((r = sym_sd_journal_add_match(j->j, m, 0)) < 0)
                        return r;
        }
        if (q->tail) {
                r = sym_sd_journal_seek_tail(j->j);
                /* seek_tail places us after the last entry only once we step back onto it. */
                if (r >= 0)
                        r = sym_sd_journal_previous(j->j);
        } else if (q->since_usec)
                r = sym_sd_journal_seek_realtime_usec(j->j, q->since_usec);
        else
                r = sym_sd_journal_seek_head(j->j);
        if (r < 0)
                return r;
        j->until_usec = q->until_usec;
        *ret = TAKE_PTR(j);
        return 0;
}

static void copy_entry_field(Journal *j, int f, const char *data, size_t len) {
        size_t n = MIN(len, (size_t) VX_JOURNAL_FIELD_MAX - 1);
        memcpy(j->fields[f], data, n);
        j->fields[f][n] = 0;
        j->field_len[f] = n;
}

static Span field(const Journal *j, int f) {
        return span_make(j->fields[f], j->field_len[f]);
}

int journal_next(Journal *j, JournalEntry *ret) {
        const void *data;
        size_t len;
        int r;

        for (;;) {
                if (j->ended)
                        return 0;
                r = sym_sd_journal_next(j->j);
                if (r <= 0)
                        return r;
                uint64_t realtime = 0, mono = 0;
                sd_id128_t boot;
                if (sym_sd_journal_get_realtime_usec(j->j, &realtime) < 0)
                        continue;
                if (j->until_usec && realtime > j->until_usec) {
                        j->ended = true;
                        return 0;
                }
                bool have_message = false;
                size_t msg_len = 0;
                memset(j->field_len, 0, sizeof(j->field_len));
                sym_sd_journal_restart_data(j->j);
                while ((r = sym_sd_journal_enumerate_available_data(j->j, &data, &len)) > 0) {
                        const char *p = data;
                        const char *eq = memchr(p, '=', len);
                        if (!eq)
                                continue;
                        size_t klen = (size_t) (eq - p), vlen = len - klen - 1;
                        if (klen == 7 && memcmp(p, "MESSAGE", 7) == 0) {
                                msg_len = MIN(vlen, (size_t) VX_MESSAGE_MAX);
                                memcpy(j->message, eq + 1, msg_len);
                                have_message = true;
                                continue;
                        }
                        int f = field_from_string(p, klen);
                        if (f >= 0)
                                copy_entry_field(j, f, eq + 1, vlen);
                }
                if (!have_message)
                        continue;

                JournalEntry e = {.realtime_usec = realtime};
                if (sym_sd_journal_get_monotonic_usec(j->j, &mono, &boot) >= 0)
                        sym_sd_id128_to_string(boot, e.boot_id);
                snprintf(j->realtime, sizeof(j->realtime), "%llu", (unsigned long long) realtime);
                e.fields = (LineFields){
                        .message = span_make(j->message, msg_len),
                        .identifier = j->field_len[FIELD_IDENTIFIER] ? field(j, FIELD_IDENTIFIER)
                                                                     : field(j, FIELD_COMM),
                        .hostname = field(j, FIELD_HOSTNAME),
                        .realtime = span_from_str(j->realtime),
                        .priority = line_priority_of(field(j, FIELD_PRIORITY)),
                        .kernel_transport = line_transport_is_kernel(field(j, FIELD_TRANSPORT)),
                };
                if (j->field_len[FIELD_MACHINE_ID] == 32 && is_boot_id(j->fields[FIELD_MACHINE_ID]))
                        memcpy(e.machine_id, j->fields[FIELD_MACHINE_ID], 33);
                e.unit = field(j, FIELD_UNIT);
                e.comm = field(j, FIELD_COMM);
                e.pid = field(j, FIELD_PID);
                *ret = e;
                return 1;
        }
}

char *journal_cursor(Journal *j) {
        char *c = NULL;
        return sym_sd_journal_get_cursor(j->j, &c) < 0 ? NULL : c;
}

int journal_fd(Journal *j) {
        return sym_sd_journal_get_fd(j->j);
}

int journal_events(Journal *j) {
        return sym_sd_journal_get_events(j->j);
}

int journal_process(Journal *j) {
        int r = sym_sd_journal_process(j->j);
        return r < 0 ? r : r != SD_JOURNAL_NOP;
}

int journal_entry_format(const JournalEntry *e, char *buf, size_t size) {
        time_t t = (time_t) (e->realtime_usec / 1000000u);
        struct tm tm;
        char stamp[40], zone[8];
        const LineFields *f = &e->fields;

        if (!localtime_r(&t, &tm) || strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
            strftime(zone, sizeof(zone), "%z", &tm) != 5)
                return -EINVAL;
        /* journalctl -o short-iso-precise: 2026-11-23T21:08:09.123456+00:00 host ident[pid]: message */
        Span host = f->hostname.len ? f->hostname : span_from_str("-");
        Span ident = f->identifier.len ? f->identifier : span_from_str("unknown");
        int n = snprintf(buf, size, "%s.%06u%.3s:%s %.*s %.*s", stamp,
                         (unsigned) (e->realtime_usec % 1000000u), zone, zone + 3, (int) host.len, host.p,
                         (int) ident.len, ident.p);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        int m = e->pid.len && !f->kernel_transport ? snprintf(buf + n, size - (size_t) n, "[%.*s]",
                                                              (int) MIN(e->pid.len, (size_t) 16), e->pid.p)
                                                   : 0;
        if (m < 0 || (size_t) (n + m) >= size)
                return -ENOBUFS;
        n += m;
        size_t room = size - (size_t) n;
        if (room < 3)
                return -ENOBUFS;
        memcpy(buf + n, ": ", 2);
        n += 2;
        size_t k = MIN(f->message.len, size - (size_t) n - 1);
        memcpy(buf + n, f->message.p, k);
        n += (int) k;
        buf[n] = 0;
        return n;
}
