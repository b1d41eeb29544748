/* SPDX-License-Identifier: MIT */
/* The terminal's width, and a pager for a long answer, started and chosen as systemd's tools do. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "pager.h"
#include "strparse.h"
#include "vfioexplain/limits.h"

static bool stdout_tty, stderr_tty, wanted;
static unsigned width = 80;
static pid_t pager_pid;

static unsigned columns_from_env(void) {
        const char *s = getenv("COLUMNS");
        uint64_t v;
        Span sp = span_from_str(s ? s : "");
        if (s && span_eat_digits(&sp, 1, 5, &v) && sp.len == 0 && v >= VX_TEXT_WIDTH_MIN &&
            v <= VX_TEXT_WIDTH_MAX)
                return (unsigned) v;
        return 0;
}

void terminal_init(void) {
        struct winsize ws;
        unsigned w = 0;
        stdout_tty = isatty(STDOUT_FILENO);
        stderr_tty = isatty(STDERR_FILENO);
        /* A pseudo-terminal nobody sized says 0 columns: $COLUMNS (or 80) then. */
        if (stdout_tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= VX_TEXT_WIDTH_MIN)
                w = ws.ws_col > VX_TEXT_WIDTH_MAX ? VX_TEXT_WIDTH_MAX : ws.ws_col;
        if (w == 0)
                w = columns_from_env();
        width = w ? w : 80;
}

bool terminal_stdout(void) {
        return stdout_tty;
}

unsigned terminal_width(void) {
        return width;
}

void pager_want(bool want) {
        wanted = want;
}

/* A pager run with another user's privileges (sudo) must not become a way to a privileged shell: less in
 * its secure mode then, and no other pager, unless $VFIOEXPLAIN_PAGERSECURE says which, as systemd's
 * $SYSTEMD_PAGERSECURE does. The login session's owner is /proc/self/loginuid (what sd_pid_get_owner_uid()
 * reads the session of); unknown is taken as another user. */
static int env_bool(const char *name) {
        const char *s = getenv(name);
        if (!s)
                return -1;
        return strcmp(s, "1") == 0 || strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 ||
                strcmp(s, "on") == 0;
}

static bool session_owner_is_us(void) {
        char buf[16];
        uint64_t uid;
        int fd = file_open(AT_FDCWD, "/proc/self/loginuid", 0);
        if (fd < 0)
                return false;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return false;
        buf[n] = 0;
        Span sp = span_from_str(buf);
        return span_eat_digits(&sp, 1, 10, &uid) && uid != 4294967295u && uid == (uint64_t) geteuid();
}

/* In the child, with the pipe on stdin: the pager, or a copy of the input where none can be run. */
_Noreturn static void run_pager(const char *pager, bool secure, bool trust_pager) {
        /* systemd's FRSXMK without S: a fix command is never wrapped by us, and less must not chop it
         * either, or what is on the screen is not the whole command to copy. */
        const char *less = getenv("VFIOEXPLAIN_LESS");
        setenv("LESS", less ? less : "FRXMK", 1);
        const char *charset = getenv("VFIOEXPLAIN_LESSCHARSET");
        if (!charset && setlocale(LC_CTYPE, "") && strcmp(nl_langinfo(CODESET), "UTF-8") == 0)
                charset = "utf-8";
        if (charset)
                setenv("LESSCHARSET", charset, 1);
        if (secure)
                setenv("LESSSECURE", "1", 1);
        if (pager && trust_pager) {
                /* Words, as systemd splits $SYSTEMD_PAGER: "less -R" is a pager with an option. */
                char *copy = strdup(pager), *argv[16];
                size_t n = 0;
                Span rest = span_from_str(copy ? copy : ""), w;
                while (n < 15 && span_eat_word(&rest, &w)) {
                        char *word = copy + (w.p - copy);
                        word[w.len] = 0; /* a blank, or the end: the word is a string of its own */
                        argv[n++] = word;
                        if (rest.len > 0)
                                span_advance(&rest, 1);
                }
                argv[n] = NULL;
                if (n > 0)
                        execvp(argv[0], argv);
                /* A pager in the shell's syntax ("less -R | cat") is the shell's to run. One that is not
                 * there, or that we may not run (root's $PAGER in a directory of root's, after the switch to
                 * nobody), is no reason to lose the answer: the fallbacks below. */
                if (strpbrk(pager, "|&;<>()$`\\\"'*?[#~=%"))
                        execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
        }
        if (!secure) {
                /* Debian's alternative for the pager is 'pager'. */
                execlp("pager", "pager", (char *) NULL);
        }
        execlp("less", "less", (char *) NULL);
        if (!secure)
                execlp("more", "more", (char *) NULL);
        /* No pager at all: the output still reaches the terminal. */
        char buf[65536];
        ssize_t n;
        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
                for (ssize_t done = 0; n > 0 && done < n;) {
                        ssize_t k = write(STDOUT_FILENO, buf + done, (size_t) (n - done));
                        if (k < 0 && errno != EINTR)
                                _exit(EXIT_FAILURE);
                        done += k > 0 ? k : 0;
                }
        _exit(EXIT_SUCCESS);
}

void pager_start(void) {
        int fd[2];
        if (!wanted || pager_pid > 0 || !stdout_tty || !stderr_tty)
                return;
        wanted = false;
        const char *pager = getenv("VFIOEXPLAIN_PAGER");
        if (!pager)
                pager = getenv("PAGER");
        if (pager && (!pager[0] || strcmp(pager, "cat") == 0))
                return;
        const char *term = getenv("TERM");
        if (term && strcmp(term, "dumb") == 0)
                return;
        int explicit_secure = env_bool("VFIOEXPLAIN_PAGERSECURE");
        bool secure = explicit_secure >= 0 ? explicit_secure : !session_owner_is_us();
        /* A pager of the environment may not know secure mode: it runs only where none is needed, or where
         * the user said how secure to be. */
        bool trust_pager = explicit_secure >= 0 || !secure;
        if (pipe2(fd, O_CLOEXEC) < 0)
                return;
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                close(fd[0]);
                close(fd[1]);
                return;
        }
        if (pid == 0) {
                signal(SIGPIPE, SIG_DFL);
                if (dup2(fd[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                /* Closed now, not at exec: with no pager to exec, the copy below must see the end of input.
                 */
                close(fd[0]);
                close(fd[1]);
                /* The pager goes when we do, even killed. */
                if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
                        _exit(EXIT_FAILURE);
                run_pager(pager, secure, trust_pager);
        }
        fflush(stdout);
        if (dup2(fd[1], STDOUT_FILENO) < 0) {
                close(fd[0]);
                close(fd[1]);
                kill(pid, SIGTERM);
                (void) waitpid(pid, NULL, 0);
                return;
        }
        close(fd[0]);
        close(fd[1]);
        pager_pid = pid;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        /* Its input ends here: the pager shows the rest and waits for the reader to quit it. */
        fflush(stdout);
        close(STDOUT_FILENO);
        (void) kill(pager_pid, SIGCONT);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}
