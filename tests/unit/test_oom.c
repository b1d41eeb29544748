/* SPDX-License-Identifier: MIT */
/* Out of memory at every allocation of an analysis, SQLite's way (src/test_malloc.c there): a wrapper of
 * malloc() and its kin fails the Nth allocation, for every N from the first to the last that the analysis
 * of a corpus case makes (feeding its logs, correlating, rendering text and JSON). Each run must end in
 * -ENOMEM, or in the very report of a run with all the memory it wanted, and leave nothing allocated. The
 * linker routes the calls of this program and of the analyzer's libraries through the wrapper
 * (-Wl,--wrap=malloc ..., tests/CMakeLists.txt); json-c's, PCRE2's and Hyperscan's own are not failed.
 * OOM_TRACE=1 goes on past a bad run and prints where its failed allocation was made (addresses for
 * addr2line -f -i -e test_oom, under setarch -R). */
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "feed.h"
#include "output.h"
#include "test_common.h"
#include "vfioexplain/facts.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* The allocations made while armed, as an open-addressing set (deleted slots marked), so that a leak is
 * any pointer still in it when the analysis is freed. */
#define LIVE_SLOTS (1u << 18)
#define TOMBSTONE ((void *) 1)
static void **live;
static unsigned long *live_nr; /* which allocation of the run made it */
static size_t n_live;
static bool armed;
static unsigned long allocations; /* while armed */
static unsigned long fail_at; /* the allocation that fails, from 1; 0: none */
static bool failed; /* fail_at was reached */
static void *failed_at[8]; /* where, for a report (OOM_TRACE=1) */
static int n_failed_at;

static size_t slot_of(const void *p) {
        uint64_t h = (uint64_t) (uintptr_t) p * UINT64_C(0x9e3779b97f4a7c15);
        return (size_t) (h >> 40) & (LIVE_SLOTS - 1);
}

static void live_add(void *p) {
        size_t i = slot_of(p);
        while (live[i] && live[i] != TOMBSTONE)
                i = (i + 1) & (LIVE_SLOTS - 1);
        live[i] = p;
        live_nr[i] = allocations;
        n_live++;
        if (n_live > LIVE_SLOTS / 2) {
                fprintf(stderr, "test_oom: more live allocations than the set holds\n");
                abort();
        }
}

static bool live_remove(void *p) {
        for (size_t i = slot_of(p); live[i]; i = (i + 1) & (LIVE_SLOTS - 1))
                if (live[i] == p) {
                        live[i] = TOMBSTONE;
                        n_live--;
                        return true;
                }
        return false;
}

/* The first allocation of the run still live, to break on in a debugger (allocations == N). */
static unsigned long first_live(void) {
        unsigned long first = ULONG_MAX;
        for (size_t i = 0; i < LIVE_SLOTS; i++)
                if (live[i] && live[i] != TOMBSTONE && live_nr[i] < first)
                        first = live_nr[i];
        return first;
}

/* Whether this allocation is the one to fail. */
static bool fail_this(void) {
        if (!armed)
                return false;
        allocations++;
        if (fail_at && allocations == fail_at) {
                failed = true;
                if (getenv("OOM_TRACE"))
                        n_failed_at = backtrace(failed_at, 8);
                return true;
        }
        return false;
}

void *__wrap_malloc(size_t size) {
        if (fail_this())
                return NULL;
        void *p = __real_malloc(size);
        if (p && armed)
                live_add(p);
        return p;
}

void *__wrap_calloc(size_t n, size_t size) {
        if (fail_this())
                return NULL;
        void *p = __real_calloc(n, size);
        if (p && armed)
                live_add(p);
        return p;
}

void *__wrap_realloc(void *old, size_t size) {
        if (fail_this())
                return NULL;
        /* A block allocated before the run (the rule set's) stays out of the set when it moves. */
        bool tracked = old && live && live_remove(old);
        void *p = __real_realloc(old, size);
        if (!p && tracked)
                live_add(old);
        else if (p && armed && (tracked || !old))
                live_add(p);
        return p;
}

void __wrap_free(void *p) {
        if (p && live)
                (void) live_remove(p);
        __real_free(p);
}

char *__wrap_strdup(const char *s) {
        size_t n = strlen(s);
        char *p = __wrap_malloc(n + 1);
        if (p)
                memcpy(p, s, n + 1);
        return p;
}

char *__wrap_strndup(const char *s, size_t n) {
        size_t len = strnlen(s, n);
        char *p = __wrap_malloc(len + 1);
        if (p) {
                memcpy(p, s, len);
                p[len] = 0;
        }
        return p;
}

static const RuleSet *rules;

/* The analysis as vfioexplain --no-probe FILE... runs it: each log fed, the causes ranked, the report
 * rendered as text and as JSON into *ret. Returns 0 or a negative errno. */
static int analyze(const char *const *files, size_t n_files, char **ret) {
        Analysis *a = NULL;
        StrBuf out = {0};
        HostFacts host;
        int r;

        host_facts_init_unprobed(&host);
        r = analysis_new(rules, &a);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_files && r >= 0; i++) {
                FeedReport rep;
                int fd = open(files[i], O_RDONLY | O_CLOEXEC);
                assert_true(fd >= 0);
                r = analysis_feed_fd(a, files[i], fd, &rep);
                close(fd);
        }
        if (r >= 0)
                r = analysis_finish(a);
        OutputOptions o = {.format = OUTPUT_TEXT, .host = &host};
        if (r >= 0)
                r = output_render(a, &o, &out);
        o.format = OUTPUT_JSON;
        if (r >= 0)
                r = output_render(a, &o, &out);
        if (r >= 0 && strbuf_failed(&out))
                r = -ENOMEM;
        if (r >= 0) {
                /* The test's own copy, around the wrapper (the compiler knows strdup() reads no flag of
                 * ours). */
                *ret = __real_malloc(out.len + 1);
                assert_non_null(*ret);
                memcpy(*ret, strbuf_str(&out), out.len + 1);
        }
        strbuf_done(&out);
        analysis_free(a);
        return r;
}

/* Says, under OOM_TRACE=1, where the allocation that failed was made (addr2line -f -e test_oom ADDR...). */
static void trace_failure(void) {
        if (!getenv("OOM_TRACE"))
                return;
        fprintf(stderr, "OOM_TRACE");
        for (int i = 2; i < n_failed_at; i++)
                fprintf(stderr, " %p", failed_at[i]);
        fprintf(stderr, "\n");
}

static void run_case(const char *name) {
        char dir[512], paths[8][600];
        const char *files[8];
        size_t n = 0;
        static const char *const logs[] = {"journal.log", "qemu.log",  "libvirt.log", "dmesg.log",
                                           "kernel.log",  "virsh.log", "input.log",   "guest.log"};

        snprintf(dir, sizeof(dir), VX_TEST_DATA "/../../corpus/%s", name);
        for (size_t i = 0; i < ELEMENTSOF(logs); i++) {
                snprintf(paths[n], sizeof(paths[n]), "%s/%s", dir, logs[i]);
                if (access(paths[n], R_OK) == 0) {
                        files[n] = paths[n];
                        n++;
                }
        }
        assert_true(n > 0);

        /* What a case before this one left (its test stopped at a failure) is not this one's. */
        memset(live, 0, LIVE_SLOTS * sizeof(void *));
        n_live = 0;

        /* The run with all the memory it wants: its report, and how many allocations it makes. */
        char *want = NULL;
        allocations = fail_at = 0;
        failed = false;
        armed = true;
        assert_int_equal(analyze(files, n, &want), 0);
        armed = false;
        if (n_live != 0)
                fail_msg("%s: %zu allocations leaked, the first of them allocation %lu", name, n_live,
                         first_live());
        unsigned long total = allocations, nomem = 0, absorbed = 0;
        assert_true(total > 100);

        for (fail_at = 1; fail_at <= total; fail_at++) {
                char *got = NULL;
                allocations = 0;
                failed = false;
                armed = true;
                int r = analyze(files, n, &got);
                armed = false;
                if (getenv("OOM_TRACE") && (r == 0 ? strcmp(got, want) != 0 : r != -ENOMEM))
                        trace_failure();
                if (getenv("OOM_TRACE")) {
                        free(got);
                        continue;
                }
                if (!failed)
                        fail_msg("%s: allocation %lu of %lu was never made", name, fail_at, total);
                if (r == -ENOMEM)
                        nomem++;
                else if (r == 0) {
                        /* A failure some code can do without (a cache not grown) may not change the answer.
                         */
                        if (strcmp(got, want) != 0)
                                fail_msg("%s: allocation %lu of %lu failed: no error, and another report",
                                         name, fail_at, total);
                        absorbed++;
                } else
                        fail_msg("%s: allocation %lu of %lu failed: %s, not -ENOMEM", name, fail_at, total,
                                 strerror(-r));
                free(got);
                if (n_live != 0)
                        fail_msg("%s: allocation %lu of %lu failed: %zu allocations leaked", name, fail_at,
                                 total, n_live);
        }
        print_message("%s: %lu allocations, each failed in turn: %lu gave -ENOMEM, %lu the same report\n",
                      name, total, nomem, absorbed);
        free(want);
}

static void test_group_companion(void **state) {
        run_case("group-companion-unbound-3-rtx2070-usbc-iommufd");
}

static void test_iommu_off(void **state) {
        run_case("iommu-off-kernel-2-amd-iommu-off");
}

static int setup(void **state) {
        Diag d = {0};
        RuleSet *rs = NULL;
        live = __real_calloc(LIVE_SLOTS, sizeof(void *));
        live_nr = __real_calloc(LIVE_SLOTS, sizeof(unsigned long));
        if (!live || !live_nr)
                return -1;
        int r = ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rs);
        diag_done(&d);
        rules = rs;
        return r;
}

static int teardown(void **state) {
        ruleset_free((RuleSet *) rules);
        __real_free(live);
        __real_free(live_nr);
        live = NULL;
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_group_companion),
                cmocka_unit_test(test_iommu_off),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
