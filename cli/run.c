/* SPDX-License-Identifier: MIT */
/* vfioexplain run -- COMMAND...: run a VM start with its output passed through, follow the kernel log
 * and the journal meanwhile, and when it fails explain why. The exit status is the command's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "live.h"
#include "privileges.h"
#include "vm.h"
#include "watch.h"

/* One of the command's output streams: passed through as read, and cut into lines for the sieve. */
typedef struct Stream {
        int fd; /* -1 once closed */
        int out; /* where it is passed through */
        const char *name;
        char *line;
        size_t len;
        bool skipping; /* the rest of a line longer than VX_LINE_MAX */
        bool tail; /* a log file: its end is only where it has got to so far */
        unsigned long lineno;
} Stream;

static int stream_feed(Stream *s, Live *l, const char *buf, size_t n) {
        for (size_t i = 0; i < n; i++) {
                if (buf[i] != '\n') {
                        if (s->len < VX_LINE_MAX)
                                s->line[s->len++] = buf[i];
                        else
                                s->skipping = true;
                        continue;
                }
                s->lineno++;
                int r = live_feed_line(l, s->name, s->lineno, s->line, s->len);
                s->len = 0;
                s->skipping = false;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Returns 1 after reading, 0 at end (for now, or for good), or a negative errno. */
static int stream_read(Stream *s, Live *l) {
        char buf[VX_READ_CHUNK / 4];
        int r;
        ssize_t n = read(s->fd, buf, sizeof(buf));
        if (n < 0)
                return errno == EINTR || errno == EAGAIN ? 0 : -errno;
        if (n == 0 && s->tail)
                return 0;
        if (n == 0) {
                /* The last line may lack its newline. */
                if (s->len > 0) {
                        s->lineno++;
                        (void) live_feed_line(l, s->name, s->lineno, s->line, s->len);
                        s->len = 0;
                }
                close(s->fd);
                s->fd = -1;
                return 0;
        }
        /* Passed through unchanged: the user sees exactly what the command printed. */
        if (s->out >= 0)
                (void) write_all_fd(s->out, buf, (size_t) n);
        r = stream_feed(s, l, buf, (size_t) n);
        return r < 0 ? r : 1;
}

/* "virsh [OPTIONS] start NAME": libvirt sends QEMU's own errors to the domain's log, not to virsh. */
static const char *virsh_start_domain(int argc, char **argv) {
        const char *base = strrchr(argv[0], '/');
        base = base ? base + 1 : argv[0];
        if (strcmp(base, "virsh") != 0)
                return NULL;
        for (int i = 1; i + 1 < argc; i++)
                if (strcmp(argv[i], "start") == 0)
                        return argv[i + 1][0] != '-' ? argv[i + 1] : NULL;
        return NULL;
}

/* "qm start VMID" (qemu-server's CLI, which runs the start task in the foreground and prints its log): the
 * VM to check, when no --pve-vm names it. */
static const char *qm_start_vmid(int argc, char **argv) {
        const char *base = strrchr(argv[0], '/');
        unsigned vmid;
        base = base ? base + 1 : argv[0];
        if (strcmp(base, "qm") != 0 || argc < 3 || strcmp(argv[1], "start") != 0)
                return NULL;
        return pve_vmid_parse(argv[2], &vmid) ? argv[2] : NULL;
}

static int open_domain_log(const Options *o, const char *name) {
        char path[512];
        if (!name || strchr(name, '/') || name[0] == '.' || strcmp(o->sysroot, "/") != 0)
                return -1;
        if (snprintf(path, sizeof(path), "/var/log/libvirt/qemu/%s.log", name) >= (int) sizeof(path))
                return -1;
        /* Found, not named: a regular file only, followed without blocking. */
        int fd = file_open(AT_FDCWD, path, FILE_NONBLOCK);
        /* Only what this start appends. */
        if (fd >= 0)
                (void) lseek(fd, 0, SEEK_END);
        return fd;
}

static pid_t spawn(char **argv, int out[2], int err[2], const sigset_t *mask) {
        pid_t pid = fork();
        if (pid != 0)
                return pid;
        sigprocmask(SIG_SETMASK, mask, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (dup2(out[1], STDOUT_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0)
                _exit(127);
        execvp(argv[0], argv);
        int e = errno;
        dprintf(STDERR_FILENO, "vfioexplain: run: %s: %s\n", argv[0], strerror(e));
        _exit(e == ENOENT ? 127 : 126);
}

static int exit_status(int status) {
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return EXIT_INTERNAL;
}

int cmd_run(const Options *o, int argc, char **argv) {
        Live live;
        Sources src = {0};
        Stream streams[3] = {};
        StrBuf out = {0};
        sigset_t old;
        int sfd = -1, pidfd = -1, ret = EXIT_USAGE, status = 0, r;
        int po[2] = {-1, -1}, pe[2] = {-1, -1};
        pid_t pid = -1;
        bool exited = false;

        if (argc == 0) {
                errorf("usage: vfioexplain run -- COMMAND [ARG...]");
                return EXIT_USAGE;
        }
        Options ro = *o;
        if (!vm_target_named(o))
                ro.pve_vm = qm_start_vmid(argc, argv);
        o = &ro;
        if ((r = live_init(&live, o)) < 0)
                return exit_status_of(r);
        if ((sfd = signalfd_for_stop(&old)) < 0)
                goto out;
        /* Without a kernel log or journal the command's own output is still explained. */
        (void) sources_open(&src, o, true);
        if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
                errorf("pipe: %s", strerror(errno));
                goto out;
        }
        pid = spawn(argv, po, pe, &old);
        if (pid < 0) {
                errorf("fork: %s", strerror(errno));
                goto out;
        }
        /* The command has all it was started with; we keep what following it needs. */
        privileges_reduce_probed(o, "run");
        close(po[1]);
        close(pe[1]);
        po[1] = pe[1] = -1;
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        streams[0] = (Stream){.fd = po[0], .out = STDOUT_FILENO, .name = argv[0]};
        streams[1] = (Stream){.fd = pe[0], .out = STDERR_FILENO, .name = argv[0]};
        int logfd = open_domain_log(o, virsh_start_domain(argc, argv));
        streams[2] = (Stream){.fd = logfd, .out = -1, .name = "domain log", .tail = true};
        po[0] = pe[0] = -1;
        for (size_t i = 0; i < ELEMENTSOF(streams); i++)
                if (streams[i].fd >= 0 && !(streams[i].line = malloc(VX_LINE_MAX))) {
                        errorf("out of memory");
                        ret = EXIT_INTERNAL;
                        goto out;
                }

        /* Until the command has exited and closed its output; then a moment more for the kernel and the
         * journal to report what its failure caused. */
        uint64_t deadline = 0;
        for (;;) {
                struct pollfd p[8];
                size_t n = sources_pollfds(&src, p), first_stream = n;
                for (size_t i = 0; i < 2; i++)
                        p[n++] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
                p[n++] = (struct pollfd){.fd = exited ? -1 : pidfd, .events = POLLIN};
                p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
                bool open_streams = streams[0].fd >= 0 || streams[1].fd >= 0;
                int timeout = MIN(VX_RUN_TICK_MS, sources_poll_timeout(&src));
                if (exited && !open_streams) {
                        if (!deadline)
                                deadline = now_usec() + VX_RUN_GRACE_MS * 1000u;
                        if (now_usec() >= deadline)
                                break;
                }
                if (poll(p, n, timeout) < 0 && errno != EINTR) {
                        errorf("poll: %s", strerror(errno));
                        break;
                }
                if (p[n - 1].revents & POLLIN) {
                        struct signalfd_siginfo si;
                        /* The command decides how to stop; it gets the signal we got. */
                        if (read(sfd, &si, sizeof(si)) == sizeof(si) && !exited)
                                kill(pid, (int) si.ssi_signo);
                }
                for (size_t i = 0; i < 2; i++)
                        if ((p[first_stream + i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                            (r = stream_read(&streams[i], &live)) < 0)
                                goto fail;
                if (!exited && (pidfd < 0 || (p[n - 2].revents & POLLIN))) {
                        pid_t w = waitpid(pid, &status, pidfd < 0 ? WNOHANG : 0);
                        if (w == pid) {
                                exited = true;
                                /* A daemonised grandchild may hold the pipes: stop reading them soon. */
                                deadline = now_usec() + VX_RUN_GRACE_MS * 1000u;
                        }
                }
                if (exited && deadline && now_usec() >= deadline)
                        break;
                r = 0;
                while (streams[2].fd >= 0 && (r = stream_read(&streams[2], &live)) > 0)
                        ;
                if (r < 0)
                        goto fail;
                if ((r = sources_drain(&src, &live)) < 0)
                        goto fail;
        }
        for (size_t i = 0; i < 2; i++)
                while (streams[i].fd >= 0) {
                        struct pollfd p = {.fd = streams[i].fd, .events = POLLIN};
                        if (poll(&p, 1, 0) <= 0 || stream_read(&streams[i], &live) <= 0)
                                break;
                }
        (void) sources_drain(&src, &live);
        ret = exit_status(status);
        if (ret != 0) {
                if (live_summary(&live, &out) < 0) {
                        errorf("out of memory");
                        ret = EXIT_INTERNAL;
                        goto out;
                }
                /* The report could not be written: an internal error, whatever the command's status. */
                if (output_result(flush_out(&out)) < 0)
                        ret = EXIT_INTERNAL;
        }
        goto out;
fail:
        errorf("%s", r == -ENOMEM ? "out of memory" : strerror(-r));
        if (!exited && pid > 0) {
                kill(pid, SIGTERM);
                waitpid(pid, &status, 0);
        }
        ret = EXIT_INTERNAL;
out:
        for (size_t i = 0; i < ELEMENTSOF(streams); i++) {
                if (streams[i].fd >= 0)
                        close(streams[i].fd);
                free(streams[i].line);
        }
        for (int i = 0; i < 2; i++) {
                if (po[i] >= 0)
                        close(po[i]);
                if (pe[i] >= 0)
                        close(pe[i]);
        }
        if (pidfd >= 0)
                close(pidfd);
        sources_close(&src);
        if (sfd >= 0) {
                close(sfd);
                sigprocmask(SIG_SETMASK, &old, NULL);
        }
        strbuf_done(&out);
        live_done(&live);
        return ret;
}
