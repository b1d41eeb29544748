/* SPDX-License-Identifier: MIT */
/* Replays one corpus case (corpus/README.md): runs vfioexplain on the case's logs and compares the
 * causes it prints, in order, and its exit status with the case's expectations. RULES_DIR "-": no --rules,
 * the rules vfioexplain finds itself (the build's tables of them, when they are the shipped files). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 64
#define MAX_CAUSES 64

static int is_log(const struct dirent *de) {
        size_t n = strlen(de->d_name);
        return n > 4 && strcmp(de->d_name + n - 4, ".log") == 0;
}

static char *trim(char *s) {
        while (*s == ' ' || *s == '\t')
                s++;
        size_t n = strlen(s);
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
                s[--n] = 0;
        return s;
}

int main(int argc, char **argv) {
        if (argc != 4) {
                fprintf(stderr, "usage: corpus_runner VFIOEXPLAIN RULES_DIR CASE_DIR\n");
                return 2;
        }
        const char *bin = argv[1], *rules = argv[2], *dir = argv[3];
        char path[4096], line[8192];
        char *expected[MAX_CAUSES];
        size_t n_expected = 0;
        bool expected_tied[MAX_CAUSES] = {false};
        char *expected_strength[MAX_CAUSES]; /* NULL: any */
        char *extra[MAX_ARGS];
        size_t n_extra = 0;
        int want_exit = -1;
        bool have_args = false;

        snprintf(path, sizeof(path), "%s/case", dir);
        FILE *f = fopen(path, "re");
        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return 1;
        }
        unsigned lineno = 0;
        while (fgets(line, sizeof(line), f)) {
                lineno++;
                char *s = trim(line);
                if (!*s || *s == '#')
                        continue;
                char *eq = strchr(s, '=');
                if (!eq) {
                        fprintf(stderr, "%s:%u: expected key = value\n", path, lineno);
                        return 1;
                }
                *eq = 0;
                char *key = trim(s), *val = trim(eq + 1);
                if (strcmp(key, "cause") == 0 && n_expected < MAX_CAUSES) {
                        /* "ID DEVICE [tied] [STRENGTH]" with runs of blanks folded */
                        char id[128], dev[64], w[2][16] = {"", ""};
                        int k = sscanf(val, "%127s %63s %15s %15s", id, dev, w[0], w[1]);
                        bool bad = k < 2;
                        expected_strength[n_expected] = NULL;
                        for (int t = 0; t + 2 < k && !bad; t++) {
                                if (t == 0 && strcmp(w[t], "tied") == 0)
                                        expected_tied[n_expected] = true;
                                else if (strcmp(w[t], "confirmed") == 0 || strcmp(w[t], "likely") == 0 ||
                                         strcmp(w[t], "possible") == 0)
                                        expected_strength[n_expected] = strdup(w[t]);
                                else
                                        bad = true;
                        }
                        if (bad || (k == 4 && !expected_strength[n_expected])) {
                                fprintf(stderr,
                                        "%s:%u: expected 'cause = ID DEVICE [tied] [confirmed|likely|possible]'\n",
                                        path, lineno);
                                return 1;
                        }
                        asprintf(&expected[n_expected++], "%s %s", id, dev);
                } else if (strcmp(key, "exit") == 0)
                        want_exit = atoi(val);
                else if (strcmp(key, "args") == 0) {
                        have_args = true;
                        for (char *tok = strtok(val, " "); tok && n_extra < MAX_ARGS;
                             tok = strtok(NULL, " "))
                                extra[n_extra++] = strdup(tok);
                } else {
                        fprintf(stderr, "%s:%u: unknown key %s\n", path, lineno, key);
                        return 1;
                }
        }
        fclose(f);
        if (want_exit < 0) {
                fprintf(stderr, "%s: no 'exit =' line\n", path);
                return 1;
        }
        if (!have_args)
                extra[n_extra++] = strdup("--no-probe");

        struct dirent **logs;
        int n_logs = scandir(dir, &logs, is_log, alphasort);
        if (n_logs <= 0) {
                fprintf(stderr, "%s: no *.log inputs\n", dir);
                return 1;
        }
        char *args[MAX_ARGS + 80];
        size_t na = 0;
        args[na++] = (char *) bin;
        args[na++] = "--format";
        args[na++] = "json";
        if (strcmp(rules, "-") != 0) {
                args[na++] = "--rules";
                args[na++] = (char *) rules;
        }
        for (size_t i = 0; i < n_extra; i++)
                args[na++] = extra[i];
        size_t owned = na; /* the args from here on are this function's to free */
        /* NAME.guest.log is the VM's own log: given with --guest; a guest.alias is its modules.alias. */
        for (int i = 0; i < n_logs && na < MAX_ARGS + 76; i++) {
                size_t len = strlen(logs[i]->d_name);
                if (len > 10 && strcmp(logs[i]->d_name + len - 10, ".guest.log") == 0)
                        args[na++] = strdup("--guest");
                asprintf(&args[na++], "%s/%s", dir, logs[i]->d_name);
        }
        snprintf(path, sizeof(path), "%s/guest.alias", dir);
        if (access(path, F_OK) == 0) {
                args[na++] = strdup("--guest-modules-alias");
                args[na++] = strdup(path);
        }
        args[na] = NULL;

        int pipefd[2];
        if (pipe(pipefd) < 0)
                return 1;
        pid_t pid = fork();
        if (pid == 0) {
                dup2(pipefd[1], STDOUT_FILENO);
                close(pipefd[0]);
                close(pipefd[1]);
                execv(bin, args);
                _exit(127);
        }
        close(pipefd[1]);
        size_t cap = 65536, len = 0;
        char *out = malloc(cap);
        ssize_t n;
        while ((n = read(pipefd[0], out + len, cap - len - 1)) > 0) {
                len += (size_t) n;
                if (cap - len < 4096)
                        out = realloc(out, cap *= 2);
        }
        out[len] = 0;
        close(pipefd[0]);
        int status;
        waitpid(pid, &status, 0);
        int got_exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

        int failed = 0;
        char *got[MAX_CAUSES];
        char *got_weight[MAX_CAUSES]; /* confidence and score: what a tie is between */
        char *got_strength[MAX_CAUSES];
        bool got_tied[MAX_CAUSES];
        size_t n_got = 0;
        struct json_object *root = json_tokener_parse(out), *causes;
        if (!root || !json_object_object_get_ex(root, "causes", &causes)) {
                fprintf(stderr, "%s: output is not vfioexplain JSON:\n%s\n", dir, out);
                return 1;
        }
        for (size_t i = 0; i < json_object_array_length(causes) && n_got < MAX_CAUSES; i++) {
                struct json_object *c = json_object_array_get_idx(causes, i), *id, *dev, *tied, *conf,
                                   *score;
                json_object_object_get_ex(c, "id", &id);
                json_object_object_get_ex(c, "device", &dev);
                json_object_object_get_ex(c, "confidence", &conf);
                json_object_object_get_ex(c, "score", &score);
                got_tied[n_got] =
                        json_object_object_get_ex(c, "tied", &tied) && json_object_get_boolean(tied);
                asprintf(&got_weight[n_got], "%s %s", json_object_get_string(conf),
                         json_object_get_string(score));
                got_strength[n_got] = strdup(json_object_get_string(conf));
                asprintf(&got[n_got++], "%s %s", json_object_get_string(id),
                         dev ? json_object_get_string(dev) : "-");
        }
        if (got_exit != want_exit) {
                fprintf(stderr, "%s: exit status %d, want %d\n", dir, got_exit, want_exit);
                failed = 1;
        }
        size_t m = n_got > n_expected ? n_got : n_expected;
        if (n_got != n_expected)
                failed = 1;
        /* A run of expected causes marked tied must be a tie in the output (the same confidence and score,
         * each said to be tied), in any order within it; every other cause in its very place, not tied. The
         * output's weights tell two ties in a row apart. */
        for (size_t i = 0; i < n_expected && i < n_got && !failed;) {
                size_t j = i + 1;
                if (!expected_tied[i]) {
                        failed = strcmp(got[i], expected[i]) != 0 || got_tied[i];
                        i = j;
                        continue;
                }
                while (j < n_expected && expected_tied[j] && j < n_got &&
                       strcmp(got_weight[j], got_weight[i]) == 0)
                        j++;
                for (size_t k = i; k < j && !failed; k++) {
                        bool found = false;
                        for (size_t l = i; l < j && !found; l++)
                                found = strcmp(got[l], expected[k]) == 0;
                        failed = !found || !got_tied[k] || j - i < 2;
                }
                if (j < n_got && got_tied[j] && strcmp(got_weight[j], got_weight[i]) == 0)
                        failed = 1; /* the output's tie goes on past the case's */
                i = j;
        }
        /* A cause whose strength the case names has it, wherever a tie puts it. */
        for (size_t i = 0; i < n_expected && !failed; i++)
                for (size_t g = 0; g < n_got && expected_strength[i]; g++)
                        if (strcmp(got[g], expected[i]) == 0 &&
                            strcmp(got_strength[g], expected_strength[i]) != 0) {
                                fprintf(stderr, "%s: %s is %s, want %s\n", dir, got[g], got_strength[g],
                                        expected_strength[i]);
                                failed = 1;
                        }
        if (failed) {
                fprintf(stderr, "%s: causes differ (rank: got | want)\n", dir);
                for (size_t i = 0; i < m; i++)
                        fprintf(stderr, "  %zu: %-45s %-5s | %s %s\n", i + 1, i < n_got ? got[i] : "(none)",
                                i < n_got && got_tied[i] ? "tied" : "",
                                i < n_expected ? expected[i] : "(none)",
                                i < n_expected && expected_tied[i] ? "tied" : "");
                return 1;
        }
        printf("%s: %zu cause(s) as expected\n", dir, n_got);
        json_object_put(root);
        free(out);
        for (size_t i = 0; i < n_got; i++) {
                free(got[i]);
                free(got_weight[i]);
                free(got_strength[i]);
        }
        for (size_t i = 0; i < n_expected; i++) {
                free(expected[i]);
                free(expected_strength[i]);
        }
        for (size_t i = 0; i < n_extra; i++)
                free(extra[i]);
        for (size_t i = owned; i < na; i++)
                free(args[i]);
        for (int i = 0; i < n_logs; i++)
                free(logs[i]);
        free(logs);
        return 0;
}
