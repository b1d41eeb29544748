/* SPDX-License-Identifier: MIT */
/* Kernel trace events (sources/trace.c).
 *
 * What is real and what is constructed:
 *  - live: a real private instance on the running kernel's tracefs, its real iommu events enabled and read
 *    back from its enable files, its removal checked on the directory; reading an instance with no event
 *    is real (this machine has no IOMMU, so no iommu event ever fires). The live decode path is exercised
 *    with real records: a trace_marker write (a real ftrace:print record, skipped as not of interest) and,
 *    through trace_live_open_events(), a real sched:sched_process_exec of a /bin/true started here,
 *    compared character for character with the line the kernel's own trace file prints for it.
 *  - trace.dat: recorded for real at test time with trace-cmd record (sched_process_exec of /bin/true in
 *    a buffer instance), decoded, and compared with trace-cmd report's text for the same file; then cut
 *    short and corrupted, which must give a clean error.
 *  - io_page_fault: the format is the running kernel's events/iommu/io_page_fault/format, read at test
 *    time and parsed by libtraceevent; the record is CONSTRUCTED from that format's field offsets (an
 *    IOMMU fault cannot be raised without IOMMU hardware) with the values of the example in
 *    rules/iommu.rules.
 *  - intel_iommu:prq_report: the format is CONSTRUCTED by hand from TRACE_EVENT(prq_report) in the
 *    kernel's drivers/iommu/intel/trace.h (this kernel has no intel_iommu events), and so is the record.
 *  - bad files: constructed (empty, text, random bytes, a signature followed by garbage, a FIFO, a
 *    directory). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "matcher.h"
#include "skip.h"
#include "test_common.h"
#include "trace.h"
#include "trace_formats.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/line.h"

#define TRACEFS "/sys/kernel/tracing"

/* ------------------------------------------------------------------------------------------------ */

typedef struct Got {
        char *line;
        TraceEventMeta m;
        char system[64], name[64], comm[64], buffer[64];
} Got;

typedef struct Collect {
        Got *got;
        size_t n, cap;
        int stop_after; /* > 0: return -ECANCELED from the call that delivers this many */
} Collect;

/* Set while a test wants the decoder process to hang: it stops itself right after fork(). */
static volatile bool freeze_decoder;

static void stop_if_frozen(void) {
        if (freeze_decoder)
                (void) raise(SIGSTOP);
}

static int collect(const char *line, size_t len, const TraceEventMeta *m, void *userdata) {
        Collect *c = userdata;
        assert_int_equal(strlen(line), len);
        assert_null(memchr(line, '\n', len));
        if (c->n == c->cap) {
                c->cap = c->cap ? 2 * c->cap : 64;
                c->got = realloc(c->got, c->cap * sizeof(*c->got));
                assert_non_null(c->got);
        }
        Got *g = &c->got[c->n++];
        *g = (Got){.line = strdup(line), .m = *m};
        snprintf(g->system, sizeof(g->system), "%s", m->system);
        snprintf(g->name, sizeof(g->name), "%s", m->name);
        snprintf(g->comm, sizeof(g->comm), "%s", m->comm);
        snprintf(g->buffer, sizeof(g->buffer), "%s", m->buffer);
        if (c->stop_after > 0 && c->n >= (size_t) c->stop_after)
                return -ECANCELED;
        return 0;
}

static void collect_done(Collect *c) {
        for (size_t i = 0; i < c->n; i++)
                free(c->got[i].line);
        free(c->got);
        *c = (Collect){0};
}

static void print_diag(const Diag *d) {
        for (size_t i = 0; i < d->n; i++)
                print_message("diag: %s\n", d->lines[i]);
}

static char *read_text(const char *path) {
        FILE *f = fopen(path, "re");
        if (!f)
                return NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&buf, &len);
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
                fwrite(chunk, 1, n, m);
        fclose(f);
        fclose(m);
        return buf;
}

static void write_file(const char *path, const void *data, size_t len) {
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

/* Root and a mounted tracefs, or a loud skip. Mounts tracefs where the machine has not. */
static void need_tracefs(const char *test) {
        struct stat st;
        if (geteuid() != 0)
                skip_loudly(test, "not root: creating a tracefs instance and enabling events needs root");
        if (stat(TRACEFS "/instances", &st) < 0) {
                if (mount("nodev", TRACEFS, "tracefs", 0, NULL) < 0) {
                        char why[256];
                        snprintf(why, sizeof(why), "no tracefs at " TRACEFS " and mounting it failed: %s",
                                 strerror(errno));
                        skip_loudly(test, why);
                }
                if (stat(TRACEFS "/instances", &st) < 0)
                        skip_loudly(test, "tracefs mounted at " TRACEFS " has no instances directory");
        }
}

static bool line_is_kernel_trace(LineClassifier *lc, const char *line, const char *want_text) {
        Line l;
        line_classify(lc, line, strlen(line), &l);
        if (l.format != FORMAT_KERNEL_TRACE || l.views[0].source != SOURCE_TRACE) {
                print_message("classified as %s/%s: %s\n", line_format_to_string(l.format),
                              source_to_string(l.views[0].source), line);
                return false;
        }
        if (want_text &&
            (l.views[0].text.len != strlen(want_text) ||
             memcmp(l.views[0].text.p, want_text, l.views[0].text.len) != 0)) {
                print_message("text '%.*s', want '%s'\n", (int) l.views[0].text.len, l.views[0].text.p,
                              want_text);
                return false;
        }
        return true;
}

/* ------------------------------------------------------------------------------------------------ */
/* A field of a kernel format file: "\tfield:u64 iova;\toffset:16;\tsize:8;\tsigned:0;". */

typedef struct FieldPos {
        long offset, size;
} FieldPos;

static FieldPos format_field(const char *format, const char *name) {
        size_t nlen = strlen(name);
        for (const char *l = format; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
                const char *f = strstr(l, "field:");
                const char *end = strchr(l, '\n');
                if (!f || (end && f > end))
                        continue;
                const char *semi = strchr(f, ';');
                if (!semi || (end && semi > end) || (size_t) (semi - f) < nlen + 1)
                        continue;
                if (memcmp(semi - nlen, name, nlen) != 0 || (semi[-(long) nlen - 1] != ' '))
                        continue;
                const char *o = strstr(semi, "offset:"), *s = strstr(semi, "size:");
                assert_non_null(o);
                assert_non_null(s);
                return (FieldPos){strtol(o + 7, NULL, 10), strtol(s + 5, NULL, 10)};
        }
        fail_msg("format has no field %s", name);
        return (FieldPos){0};
}

static long format_id(const char *format) {
        const char *id = strstr(format, "\nID: ");
        assert_non_null(id);
        return strtol(id + 5, NULL, 10);
}

static void put(uint8_t *rec, FieldPos f, uint64_t v) {
        assert_true(f.size == 1 || f.size == 2 || f.size == 4 || f.size == 8);
        switch (f.size) {
        case 1: {
                uint8_t x = (uint8_t) v;
                memcpy(rec + f.offset, &x, 1);
                break;
        }
        case 2: {
                uint16_t x = (uint16_t) v;
                memcpy(rec + f.offset, &x, 2);
                break;
        }
        case 4: {
                uint32_t x = (uint32_t) v;
                memcpy(rec + f.offset, &x, 4);
                break;
        }
        default:
                memcpy(rec + f.offset, &v, 8);
        }
}

/* A __data_loc string: the text goes at *tail, the field holds (length << 16) | offset. */
static void put_str(uint8_t *rec, FieldPos f, size_t *tail, const char *s) {
        size_t n = strlen(s) + 1;
        memcpy(rec + *tail, s, n);
        put(rec, f, ((uint64_t) n << 16) | *tail);
        *tail += n;
}

/* ------------------------------------------------------------------------------------------------ */

static void test_default_events(void **state) {
        const char *const *e = trace_default_events();
        const char *want[] = {"iommu:io_page_fault", "iommu:add_device_to_group",
                              "iommu:remove_device_from_group", "iommu:attach_device_to_domain"};
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                bool found = false;
                for (size_t j = 0; e[j]; j++)
                        found = found || strcmp(e[j], want[i]) == 0;
                assert_true(found);
        }
        TraceDecoder *dec = NULL;
        const char *bad[] = {"iommu/io_page_fault", NULL};
        assert_int_equal(trace_decoder_new(bad, &dec), -EINVAL);
        const char *dots[] = {"..:io_page_fault", NULL};
        assert_int_equal(trace_decoder_new(dots, &dec), -EINVAL);
        assert_null(dec);
}

static int match_io_page_fault(const Match *m, void *userdata) {
        if (strcmp(m->rule->id, "iommu-t-io-page-fault") != 0)
                return 0;
        int *found = userdata;
        Span a = m->captures[VAR_ADDRESS], drv = m->captures[VAR_DRIVER], iova = m->captures[VAR_IOVA];
        assert_non_null(a.p);
        assert_non_null(drv.p);
        assert_non_null(iova.p);
        assert_true(a.len == 12 && memcmp(a.p, "0000:0b:00.0", 12) == 0);
        assert_true(drv.len == 8 && memcmp(drv.p, "vfio-pci", 8) == 0);
        assert_true(iova.len == 16 && memcmp(iova.p, "00000000fd8a1000", 16) == 0);
        (*found)++;
        return 0;
}

/* The running kernel's io_page_fault format, a record constructed from its offsets. */
static void test_io_page_fault_record(void **state) {
        char *format = read_text(TRACEFS "/events/iommu/io_page_fault/format");
        if (!format) {
                if (geteuid() != 0)
                        skip_loudly("io_page_fault_record",
                                    "not root: cannot read " TRACEFS " event formats");
                need_tracefs("io_page_fault_record");
                format = read_text(TRACEFS "/events/iommu/io_page_fault/format");
                if (!format)
                        skip_loudly("io_page_fault_record",
                                    "this kernel has no iommu:io_page_fault event (CONFIG_IOMMU_API off?)");
        }
        TraceDecoder *dec = NULL;
        assert_int_equal(trace_decoder_new(NULL, &dec), 0);
        assert_int_equal(trace_decoder_parse_format(dec, "iommu", format, strlen(format)), 0);
        assert_int_equal(trace_decoder_set_comm(dec, 135, "irq/27-AMD-Vi"), 0);

        FieldPos type = format_field(format, "common_type"), flags = format_field(format, "common_flags"),
                 pc = format_field(format, "common_preempt_count"), pid = format_field(format, "common_pid"),
                 device = format_field(format, "device"), driver = format_field(format, "driver"),
                 iova = format_field(format, "iova"), fl = format_field(format, "flags");
        size_t fixed = 0;
        FieldPos all[] = {type, flags, pc, pid, device, driver, iova, fl};
        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                fixed = MAX(fixed, (size_t) (all[i].offset + all[i].size));
        uint8_t rec[256] = {0};
        size_t tail = fixed;
        put(rec, type, (uint64_t) format_id(format));
        put(rec, pid, 135);
        put_str(rec, device, &tail, "0000:0b:00.0");
        put_str(rec, driver, &tail, "vfio-pci");
        put(rec, iova, 0xfd8a1000u);
        put(rec, fl, 0x20);

        Collect c = {0};
        assert_int_equal(trace_decoder_decode(dec, rec, tail, 5123456789000ull, 4, collect, &c), 1);
        assert_int_equal(c.n, 1);
        const char *want =
                "   irq/27-AMD-Vi-135     [004] .....  5123.456789: io_page_fault: IOMMU:vfio-pci "
                "0000:0b:00.0 iova=0x00000000fd8a1000 flags=0x0020";
        assert_string_equal(c.got[0].line, want);
        assert_string_equal(c.got[0].system, "iommu");
        assert_string_equal(c.got[0].name, "io_page_fault");
        assert_string_equal(c.got[0].comm, "irq/27-AMD-Vi");
        assert_int_equal(c.got[0].m.pid, 135);
        assert_int_equal(c.got[0].m.cpu, 4);
        assert_int_equal(c.got[0].m.ts_ns, 5123456789000ull);

        /* The analyzer sees it as kernel trace text, and the shipped rule reads it. */
        LineClassifier *lc = NULL;
        assert_int_equal(line_classifier_new(&lc), 0);
        assert_true(
                line_is_kernel_trace(lc, c.got[0].line,
                                     "io_page_fault: IOMMU:vfio-pci 0000:0b:00.0 iova=0x00000000fd8a1000 "
                                     "flags=0x0020"));
        Diag d = {0};
        RuleSet *rs = NULL;
        int r = ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rs);
        print_diag(&d);
        diag_done(&d);
        assert_int_equal(r, 0);
        Matcher *mt = NULL;
        assert_int_equal(matcher_new(rs, &mt), 0);
        Line l;
        line_classify(lc, c.got[0].line, strlen(c.got[0].line), &l);
        int found = 0;
        assert_int_equal(matcher_match_line(mt, &l, match_io_page_fault, &found), 0);
        assert_int_equal(found, 1);
        matcher_free(mt);
        ruleset_free(rs);

        /* irq-info columns (trace_print_lat_fmt): irqs off, hard irq, preempt depth 1, migrate-disable 2;
         * the timestamp rounds to the nearest microsecond as ns2usecs() does. */
        put(rec, flags, 0x01 | 0x08);
        put(rec, pc, 0x21);
        put(rec, pid, 0);
        assert_int_equal(trace_decoder_decode(dec, rec, tail, 5123456789500ull, 12, collect, &c), 1);
        assert_string_equal(c.got[1].line,
                            "          <idle>-0       [012] d.h12  5123.456790: io_page_fault: "
                            "IOMMU:vfio-pci 0000:0b:00.0 iova=0x00000000fd8a1000 flags=0x0020");
        assert_true(line_is_kernel_trace(lc, c.got[1].line, NULL));
        put(rec, flags, 0x04 | 0x20 | 0x10 | 0x80);
        put(rec, pc, 0);
        assert_int_equal(trace_decoder_decode(dec, rec, tail, 1000, 0, collect, &c), 1);
        assert_non_null(strstr(c.got[2].line, "[000] bNs.. "));
        assert_true(line_is_kernel_trace(lc, c.got[2].line, NULL));
        /* An unknown pid prints as the kernel prints it. */
        put(rec, pid, 4242);
        assert_int_equal(trace_decoder_decode(dec, rec, tail, 1000, 0, collect, &c), 1);
        assert_non_null(strstr(c.got[3].line, "           <...>-4242    [000] "));

        /* Records that do not hold what their format says are not decoded. */
        TraceStats before = trace_decoder_stats(dec);
        assert_int_equal(trace_decoder_decode(dec, rec, fixed - 1, 1000, 0, collect, &c), 0);
        assert_int_equal(trace_decoder_decode(dec, rec, tail - 1, 1000, 0, collect, &c), 0);
        assert_int_equal(trace_decoder_decode(dec, rec, 4, 1000, 0, collect, &c), 0);
        uint8_t bad[256];
        memcpy(bad, rec, sizeof(bad));
        put(bad, device, (200ull << 16) | fixed);
        assert_int_equal(trace_decoder_decode(dec, bad, tail, 1000, 0, collect, &c), 0);
        /* A string whose span ends before its NUL: %s would read on past it, out of the record when it is
         * the last (found by fuzz_trace_record: a heap overflow in libtraceevent's printf). */
        put(bad, device, (uint64_t) (strlen("0000:0b:00.0") << 16) | fixed);
        assert_int_equal(trace_decoder_decode(dec, bad, tail, 1000, 0, collect, &c), 0);
        TraceStats after = trace_decoder_stats(dec);
        assert_int_equal(after.malformed - before.malformed, 5);
        /* Another event type is skipped and counted. */
        memcpy(bad, rec, sizeof(bad));
        put(bad, type, 1);
        assert_int_equal(trace_decoder_decode(dec, bad, tail, 1000, 0, collect, &c), 0);
        assert_int_equal(trace_decoder_stats(dec).skipped, before.skipped + 1);
        assert_int_equal(c.n, 4);

        /* The callback stops the decoder. */
        Collect stop = {.stop_after = 1};
        assert_int_equal(trace_decoder_decode(dec, rec, tail, 1000, 0, collect, &stop), -ECANCELED);
        collect_done(&stop);

        line_classifier_free(lc);
        collect_done(&c);
        trace_decoder_free(dec);
        free(format);
}

static void test_prq_report(void **state) {
        TraceDecoder *dec = NULL;
        assert_int_equal(trace_decoder_new(NULL, &dec), 0);
        assert_int_equal(trace_decoder_parse_format(dec, "intel_iommu", trace_format_prq_report,
                                                    strlen(trace_format_prq_report)),
                         0);
        uint8_t rec[512] = {0};
        size_t tail = 60;
        put(rec, (FieldPos){0, 2}, 1500);
        put(rec, (FieldPos){4, 4}, 77);
        /* rid 00:02.0 (0x10), PASID 5, private data present; address 0x7f1234000, read and write, index 3.
         */
        put(rec, (FieldPos){8, 8}, (0x10ull << 16) | (5ull << 32) | (1ull << 9));
        put(rec, (FieldPos){16, 8}, (0x7f1234ull << 12) | (3ull << 3) | 1u | 2u);
        put(rec, (FieldPos){24, 8}, 0x11);
        put(rec, (FieldPos){32, 8}, 0x22);
        put(rec, (FieldPos){40, 8}, 7);
        put_str(rec, (FieldPos){48, 4}, &tail, "dmar0");
        put_str(rec, (FieldPos){52, 4}, &tail, "0000:00:02.0");
        char buff[256] = {0};
        memcpy(rec + tail, buff, sizeof(buff));
        put(rec, (FieldPos){56, 4}, (256ull << 16) | tail);
        tail += sizeof(buff);

        Collect c = {0};
        assert_int_equal(trace_decoder_decode(dec, rec, tail, 2000000000ull, 1, collect, &c), 1);
        assert_int_equal(c.n, 1);
        assert_non_null(strstr(c.got[0].line,
                               "[001] .....     2.000000: prq_report: dmar0/0000:00:02.0 seq# 7: "
                               "rid=0x10 addr=0x7f1234 rw--- pasid=0x5 index=0x3 "
                               "private=0x11/0x22"));
        assert_string_equal(c.got[0].system, "intel_iommu");
        LineClassifier *lc = NULL;
        assert_int_equal(line_classifier_new(&lc), 0);
        assert_true(line_is_kernel_trace(lc, c.got[0].line, NULL));
        line_classifier_free(lc);
        collect_done(&c);
        trace_decoder_free(dec);
}

/* ------------------------------------------------------------------------------------------------ */
/* trace.dat */

static char tmpdir[] = "/tmp/vx-trace-XXXXXX";

/* A failed assertion leaves its test at once: the instance it opened is removed here. */
static TraceLive *live;

static int live_teardown(void **state) {
        live = trace_live_free(live);
        char dir[128];
        snprintf(dir, sizeof(dir), TRACEFS "/instances/vfioexplain-%d", (int) getpid());
        (void) rmdir(dir);
        return 0;
}

static int group_setup(void **state) {
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int group_teardown(void **state) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        return system(cmd) == 0 ? 0 : -1;
}

static void expect_bad(const char *path, int want, const char *want_diag) {
        Collect c = {0};
        Diag d = {0};
        TraceStats st = {0};
        int r = trace_read_dat_events(path, NULL, collect, &c, &st, &d);
        if (r != want || d.n != 1 || (want_diag && !strstr(d.lines[0], want_diag))) {
                print_diag(&d);
                fail_msg("%s: got %d (%zu diag lines), want %d and one line with '%s'", path, r, d.n, want,
                         want_diag ? want_diag : "");
        }
        assert_int_equal(c.n, 0);
        diag_done(&d);
        collect_done(&c);
}

static void test_dat_bad_files(void **state) {
        char path[256];
        snprintf(path, sizeof(path), "%s/none.dat", tmpdir);
        expect_bad(path, -ENOENT, "cannot open");
        expect_bad(tmpdir, -EISDIR, "cannot read");

        snprintf(path, sizeof(path), "%s/empty.dat", tmpdir);
        write_file(path, "", 0);
        expect_bad(path, -EBADMSG, "empty");

        snprintf(path, sizeof(path), "%s/text.dat", tmpdir);
        const char *text = "[    1.000000] DMAR: IOMMU enabled\n";
        write_file(path, text, strlen(text));
        expect_bad(path, -EBADMSG, "not a trace.dat");

        snprintf(path, sizeof(path), "%s/random.dat", tmpdir);
        uint8_t junk[65536];
        srand(7);
        for (size_t i = 0; i < sizeof(junk); i++)
                junk[i] = (uint8_t) rand();
        write_file(path, junk, sizeof(junk));
        expect_bad(path, -EBADMSG, "not a trace.dat");

        /* The signature, then garbage: libtracecmd's own parser meets it, in the child. */
        static const char magic[10] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
        memcpy(junk, magic, sizeof(magic));
        snprintf(path, sizeof(path), "%s/sig-junk.dat", tmpdir);
        write_file(path, junk, sizeof(junk));
        expect_bad(path, -EBADMSG, NULL);
        snprintf(path, sizeof(path), "%s/sig-only.dat", tmpdir);
        write_file(path, "\x17\x08\x44tracing6", 11);
        expect_bad(path, -EBADMSG, NULL);

        snprintf(path, sizeof(path), "%s/fifo.dat", tmpdir);
        assert_int_equal(mkfifo(path, 0600), 0);
        expect_bad(path, -ESPIPE, "not a regular file");
}

static bool have_trace_cmd(void) {
        return system("command -v trace-cmd >/dev/null 2>&1") == 0;
}

/* Records sched_process_exec of /bin/true with trace-cmd into a buffer instance of its own. trace-cmd report
 * is the oracle that the recording holds it: trace-cmd 3.1 on a locked-down kernel (this machine's) now and
 * then loses a buffer's data when the command is short, so a recording without it is made again. */
static void record_dat(const char *path, const char *instance, const char *options) {
        char cmd[1024], log[300];
        snprintf(log, sizeof(log), "%s/record.log", tmpdir);
        for (int attempt = 0; attempt < 5; attempt++) {
                /* --no-filter and -d: a locked-down kernel refuses the function tracer's set_ftrace_pid, on
                 * which trace-cmd 3.1 otherwise crashes; neither changes the recorded events. trace-cmd may
                 * still exit non-zero at the end there: the file is what counts. */
                snprintf(cmd, sizeof(cmd),
                         "trace-cmd record %s --no-filter -d -B %s -e sched:sched_process_exec -o %s "
                         "/bin/sh -c 'sleep 0.1; /bin/true; sleep 0.1' >%s 2>&1",
                         options, instance, path, log);
                int r = system(cmd);
                char dir[256];
                snprintf(dir, sizeof(dir), TRACEFS "/instances/%s", instance);
                (void) rmdir(dir); /* trace-cmd leaves it behind when it fails at the end */
                snprintf(cmd, sizeof(cmd),
                         "trace-cmd report -i %s 2>/dev/null | grep -q 'filename=/bin/true '", path);
                if (system(cmd) == 0)
                        return;
                char *l = read_text(log);
                print_message("trace-cmd record exited %d, no exec of /bin/true in %s:\n%s\n", r, path,
                              l ? l : "");
                free(l);
        }
        fail_msg("trace-cmd record never recorded the exec of /bin/true");
}

/* "vfioexplain-test-1:            true-1234  [001]  123.456789: sched_process_exec:   filename=..." ->
 * "true-1234 [001] 123.456789: sched_process_exec: filename=...": the fields, without the padding. */
static void squeeze(const char *in, char *out, size_t size) {
        size_t o = 0;
        bool space = true;
        for (const char *p = in; *p && o + 1 < size; p++) {
                if (*p == ' ') {
                        if (!space)
                                out[o++] = ' ';
                        space = true;
                        continue;
                }
                out[o++] = *p;
                space = false;
        }
        while (o > 0 && out[o - 1] == ' ')
                o--;
        out[o] = 0;
}

/* Our line without its irq-info column, squeezed. */
static void squeeze_ours(const char *line, char *out, size_t size) {
        char tmp[VX_TRACE_LINE_MAX + 1];
        snprintf(tmp, sizeof(tmp), "%s", line);
        char *br = strstr(tmp, "] ");
        assert_non_null(br);
        memmove(br + 1, br + 7, strlen(br + 7) + 1); /* "] ..... 12.3" -> "] 12.3" */
        squeeze(tmp, out, size);
}

/* Random bytes overwritten, as on a bad disk: a clean error or lines, never a crash. pages > 0: only the
 * headers and first records of the file's last pages, where version 6 keeps the ring-buffer pages;
 * otherwise anywhere. */
static void corrupt_rounds(const uint8_t *data, size_t size, size_t pages, int rounds,
                           const char *const *events) {
        char path[256];
        snprintf(path, sizeof(path), "%s/corrupt.dat", tmpdir);
        uint8_t *copy = malloc(size);
        assert_non_null(copy);
        int errors = 0, deaths = 0;
        srand(1);
        for (int round = 0; round < rounds; round++) {
                memcpy(copy, data, size);
                for (int j = 0; j < 1 + round % 8; j++) {
                        size_t at = (size_t) rand() % size;
                        if (pages > 0 && size >= pages * 4096u)
                                at = (size / 4096u - 1u - (size_t) rand() % pages) * 4096u +
                                        (size_t) rand() % 256u;
                        copy[at] = (uint8_t) rand();
                }
                write_file(path, copy, size);
                Diag dc = {0};
                Collect cc = {0};
                int r = trace_read_dat_events(path, events, collect, &cc, NULL, &dc);
                if (r < 0 && dc.n == 0)
                        fail_msg("corruption round %d: error %d without a diagnostic", round, r);
                if (r >= 0)
                        assert_int_equal((size_t) r, cc.n);
                errors += r < 0;
                deaths += dc.n > 0 && strstr(dc.lines[0], "the decoder died") != NULL;
                diag_done(&dc);
                collect_done(&cc);
        }
        print_message("%d corrupted copies: %d refused, %d of them killed the decoder process\n", rounds,
                      errors, deaths);
        free(copy);
}

static void test_dat_recorded(void **state) {
        need_tracefs("dat_recorded");
        if (!have_trace_cmd())
                skip_loudly("dat_recorded", "trace-cmd is not installed (tests/deps.sh installs it)");
        char path[256], instance[64];
        snprintf(path, sizeof(path), "%s/rec.dat", tmpdir);
        snprintf(instance, sizeof(instance), "vfioexplain-test-%d", (int) getpid());
        record_dat(path, instance, "");

        const char *exec[] = {"sched:sched_process_exec", NULL};
        Collect c = {0};
        Diag d = {0};
        TraceStats st = {0};
        int r = trace_read_dat_events(path, exec, collect, &c, &st, &d);
        print_diag(&d);
        assert_true(r > 0);
        assert_int_equal((size_t) r, c.n);
        assert_int_equal(st.delivered, c.n);
        LineClassifier *lc = NULL;
        assert_int_equal(line_classifier_new(&lc), 0);
        bool saw_true = false;
        for (size_t i = 0; i < c.n; i++) {
                assert_string_equal(c.got[i].buffer, instance);
                assert_string_equal(c.got[i].name, "sched_process_exec");
                assert_true(line_is_kernel_trace(lc, c.got[i].line, NULL));
                if (strstr(c.got[i].line, ": sched_process_exec: filename=/bin/true pid="))
                        saw_true = true;
        }
        assert_true(saw_true);

        /* The same events as trace-cmd report prints them from the same file. */
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "trace-cmd report -i %s 2>/dev/null", path);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char buf[VX_TRACE_LINE_MAX], a[VX_TRACE_LINE_MAX], b[VX_TRACE_LINE_MAX];
        size_t k = 0, prefix = strlen(instance) + 1;
        while (fgets(buf, sizeof(buf), p)) {
                buf[strcspn(buf, "\n")] = 0;
                if (strncmp(buf, instance, prefix - 1) != 0 || buf[prefix - 1] != ':')
                        continue; /* the "cpus=2" header and the top buffer's lines */
                assert_true(k < c.n);
                squeeze(buf + prefix, a, sizeof(a));
                squeeze_ours(c.got[k].line, b, sizeof(b));
                assert_string_equal(b, a);
                k++;
        }
        pclose(p);
        assert_int_equal(k, c.n);
        collect_done(&c);
        diag_done(&d);

        /* The events of interest: none fires on this machine, every record is skipped and counted. */
        r = trace_read_dat_events(path, NULL, collect, &c, &st, &d);
        print_diag(&d);
        assert_int_equal(r, 0);
        assert_int_equal(c.n, 0);
        assert_true(st.skipped > 0);
        assert_int_equal(trace_read_dat(path, collect, &c, &d), 0);
        assert_int_equal(d.n, 0);

        /* The callback stops the reader, and the decoder process is ended. */
        Collect stop = {.stop_after = 1};
        assert_int_equal(trace_read_dat_events(path, exec, collect, &stop, NULL, &d), -ECANCELED);
        assert_int_equal(stop.n, 1);
        collect_done(&stop);

        /* A decoder that hangs (here: stopped as soon as it is forked) is ended after
         * VX_TRACE_DAT_STALL_MS with one diagnostic. */
        Collect frozen = {0};
        Diag dz = {0};
        assert_int_equal(pthread_atfork(NULL, NULL, stop_if_frozen), 0);
        freeze_decoder = true;
        r = trace_read_dat_events(path, exec, collect, &frozen, NULL, &dz);
        freeze_decoder = false;
        print_diag(&dz);
        assert_int_equal(r, -ETIMEDOUT);
        assert_int_equal(dz.n, 1);
        assert_non_null(strstr(dz.lines[0], "the decoder made no progress"));
        assert_int_equal(frozen.n, 0);
        diag_done(&dz);
        collect_done(&frozen);

        /* Cut short, anywhere: a clean error or the events before the cut, never a crash. */
        FILE *f = fopen(path, "re");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        long size = ftell(f);
        rewind(f);
        uint8_t *data = malloc((size_t) size);
        assert_int_equal(fread(data, 1, (size_t) size, f), (size_t) size);
        fclose(f);
        char cut[256];
        snprintf(cut, sizeof(cut), "%s/cut.dat", tmpdir);
        const long cuts[] = {11,       16,       64,       100,         512,        4096,
                             size / 8, size / 4, size / 2, size - 4096, size - 100, size - 1};
        for (size_t i = 0; i < ELEMENTSOF(cuts); i++) {
                if (cuts[i] <= 0 || cuts[i] >= size)
                        continue;
                write_file(cut, data, (size_t) cuts[i]);
                Diag dc = {0};
                Collect cc = {0};
                r = trace_read_dat_events(cut, exec, collect, &cc, NULL, &dc);
                if (r < 0 && dc.n == 0)
                        fail_msg("cut at %ld: error %d without a diagnostic", cuts[i], r);
                if (cuts[i] <= 4096 && r >= 0)
                        fail_msg("cut at %ld: read as a whole trace.dat", cuts[i]);
                diag_done(&dc);
                collect_done(&cc);
        }
        corrupt_rounds(data, (size_t) size, 0, 40, exec);
        free(data);

        /* File version 6 keeps the ring-buffer pages uncompressed at the end of the file: corrupted
         * there, they reach kbuffer and the event parsers of libtraceevent, which crash on some (the
         * decoder process dies, the reader reports it). */
        snprintf(path, sizeof(path), "%s/rec6.dat", tmpdir);
        record_dat(path, instance, "--file-version 6");
        r = trace_read_dat_events(path, exec, collect, &c, NULL, &d);
        print_diag(&d);
        assert_true(r > 0);
        collect_done(&c);
        diag_done(&d);
        f = fopen(path, "re");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        rewind(f);
        data = malloc((size_t) size);
        assert_int_equal(fread(data, 1, (size_t) size, f), (size_t) size);
        fclose(f);
        corrupt_rounds(data, (size_t) size, 8, 40, exec);
        free(data);
        line_classifier_free(lc);
}

/* ------------------------------------------------------------------------------------------------ */
/* Live */

static char *instance_file(const char *dir, const char *rel) {
        char *path = NULL;
        assert_true(asprintf(&path, "%s/%s", dir, rel) > 0);
        char *s = read_text(path);
        free(path);
        return s;
}

static bool dir_exists(const char *path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int poll_ready(int fd, int timeout_ms) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r;
        while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
                ;
        return r;
}

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void test_live_instance(void **state) {
        need_tracefs("live_instance");
        Diag d = {0};
        int r = trace_live_open(NULL, &live, &d);
        print_diag(&d);
        assert_int_equal(r, 0);
        assert_int_equal(d.n, 0);
        char dir[512];
        snprintf(dir, sizeof(dir), "%s", trace_live_instance_dir(live));
        char want[128];
        snprintf(want, sizeof(want), TRACEFS "/instances/vfioexplain-%d", (int) getpid());
        assert_string_equal(dir, want);
        assert_true(dir_exists(dir));

        /* Every iommu event of interest this kernel has is enabled in the instance, and nothing else. */
        const char *on[] = {"io_page_fault", "add_device_to_group", "remove_device_from_group",
                            "attach_device_to_domain", "detach_device_from_domain"};
        size_t n_on = 0;
        for (size_t i = 0; i < ELEMENTSOF(on); i++) {
                char rel[128];
                snprintf(rel, sizeof(rel), "events/iommu/%s/enable", on[i]);
                char *v = instance_file(dir, rel);
                if (!v) {
                        assert_true(strcmp(on[i], "detach_device_from_domain") == 0); /* gone in Linux 6.x */
                        continue;
                }
                assert_string_equal(v, "1\n");
                free(v);
                n_on++;
        }
        assert_true(n_on >= 4);
        char *v = instance_file(dir, "events/iommu/map/enable");
        if (v)
                assert_string_equal(v, "0\n");
        free(v);
        v = instance_file(dir, "buffer_percent");
        assert_non_null(v);
        assert_string_equal(v, "0\n");
        free(v);
        v = instance_file(dir, "buffer_size_kb");
        assert_non_null(v);
        /* The kernel rounds up to whole sub-buffers with their headers. */
        assert_in_range(strtol(v, NULL, 10), VX_TRACE_BUFFER_KB, 2 * VX_TRACE_BUFFER_KB);
        free(v);
        /* The top instance is untouched. */
        v = read_text(TRACEFS "/events/iommu/io_page_fault/enable");
        assert_non_null(v);
        assert_string_equal(v, "0\n");
        free(v);

        /* Nothing fires here: nothing to poll, and reading returns at once. */
        int fd = trace_live_fd(live);
        assert_true(fd >= 0);
        assert_int_equal(poll_ready(fd, 0), 0);
        Collect c = {0};
        double t0 = now_s();
        assert_int_equal(trace_live_read(live, collect, &c), 0);
        assert_int_equal(trace_live_read(live, collect, &c), 0);
        assert_true(now_s() - t0 < 1.0);
        assert_int_equal(c.n, 0);

        /* A real record of another event (a trace_marker write in the instance): poll() wakes at once (the
         * instance's buffer_percent is 0), it is read and skipped, and the fd is quiet again. */
        char marker[600];
        snprintf(marker, sizeof(marker), "%s/trace_marker", dir);
        write_file(marker, "vfioexplain test marker", 23);
        assert_int_equal(poll_ready(fd, 5000), 1);
        TraceStats before = trace_live_stats(live);
        assert_int_equal(trace_live_read(live, collect, &c), 0);
        assert_int_equal(c.n, 0);
        assert_int_equal(trace_live_stats(live).skipped, before.skipped + 1);
        assert_int_equal(poll_ready(fd, 0), 0);
        /* A burst larger than one read: VX_TRACE_READ_EVENTS_MAX records per call, and the fd stays
         * readable while records already taken from the kernel wait. */
        int mfd = open(marker, O_WRONLY | O_CLOEXEC);
        assert_true(mfd >= 0);
        for (unsigned i = 0; i < VX_TRACE_READ_EVENTS_MAX + 300; i++)
                assert_int_equal(write(mfd, "burst", 5), 5);
        close(mfd);
        assert_int_equal(poll_ready(fd, 5000), 1);
        before = trace_live_stats(live);
        assert_int_equal(trace_live_read(live, collect, &c), 0);
        assert_int_equal(trace_live_stats(live).skipped, before.skipped + VX_TRACE_READ_EVENTS_MAX);
        assert_int_equal(poll_ready(fd, 0), 1);
        assert_int_equal(trace_live_read(live, collect, &c), 0);
        assert_int_equal(trace_live_stats(live).skipped, before.skipped + VX_TRACE_READ_EVENTS_MAX + 300);
        assert_int_equal(trace_live_stats(live).lost, 0);
        assert_int_equal(poll_ready(fd, 0), 0);
        before = trace_live_stats(live);
        /* And wakes again for the next one. */
        write_file(marker, "vfioexplain test marker 2", 25);
        assert_int_equal(poll_ready(fd, 5000), 1);
        assert_int_equal(trace_live_read(live, collect, &c), 0);
        assert_int_equal(trace_live_stats(live).skipped, before.skipped + 1);
        assert_int_equal(poll_ready(fd, 0), 0);

        /* Closing disables the events and removes the instance; again is harmless. */
        assert_int_equal(trace_live_close(live), 0);
        assert_false(dir_exists(dir));
        assert_int_equal(trace_live_close(live), 0);
        assert_int_equal(trace_live_read(live, collect, &c), -EBADF);
        assert_int_equal(trace_live_fd(live), -EBADF);
        live = trace_live_free(live);
        assert_null(live);
        assert_null(trace_live_free(NULL));
        collect_done(&c);
        diag_done(&d);

        /* Freed without closing first: removed too. */
        assert_int_equal(trace_live_open(NULL, &live, &d), 0);
        assert_true(dir_exists(dir));
        live = trace_live_free(live);
        assert_false(dir_exists(dir));
}

static void test_live_refusals(void **state) {
        need_tracefs("live_refusals");
        Diag d = {0};
        /* An instance of our name left over: never taken over. */
        char dir[256];
        snprintf(dir, sizeof(dir), TRACEFS "/instances/vfioexplain-%d", (int) getpid());
        assert_int_equal(mkdir(dir, 0750), 0);
        assert_int_equal(trace_live_open(NULL, &live, &d), -EEXIST);
        assert_null(live);
        assert_int_equal(d.n, 1);
        assert_non_null(strstr(d.lines[0], "rmdir"));
        assert_int_equal(rmdir(dir), 0);
        diag_done(&d);

        assert_int_equal(trace_live_open(tmpdir, &live, &d), -ENOENT);
        assert_int_equal(d.n, 1);
        diag_done(&d);

        const char *none[] = {"iommu:no_such_event", NULL};
        assert_int_equal(trace_live_open_events(NULL, none, &live, &d), -ENOENT);
        assert_int_equal(d.n, 1);
        assert_false(dir_exists(dir)); /* removed on the way out */
        diag_done(&d);
}

/* The real decode path, live: an event that fires here, compared with the kernel's own text of it. */
static void test_live_decode_real(void **state) {
        need_tracefs("live_decode_real");
        const char *exec[] = {"sched:sched_process_exec", NULL};
        Diag d = {0};
        int r = trace_live_open_events(NULL, exec, &live, &d);
        print_diag(&d);
        assert_int_equal(r, 0);

        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                execl("/bin/true", "true", (char *) NULL);
                _exit(127);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(poll_ready(trace_live_fd(live), 5000), 1);

        /* The kernel's text, read before the records are consumed. */
        char *kernel = instance_file(trace_live_instance_dir(live), "trace");
        assert_non_null(kernel);
        char needle[64];
        snprintf(needle, sizeof(needle), " pid=%d old_pid=%d", (int) pid, (int) pid);
        char *kline = NULL;
        for (char *l = strtok(kernel, "\n"); l; l = strtok(NULL, "\n"))
                if (l[0] != '#' && strstr(l, needle) && strstr(l, "sched_process_exec: filename=/bin/true"))
                        kline = l;
        assert_non_null(kline);

        Collect c = {0};
        for (int i = 0; i < 50; i++) {
                r = trace_live_read(live, collect, &c);
                assert_true(r >= 0);
                if (poll_ready(trace_live_fd(live), 0) == 0)
                        break;
        }
        const Got *mine = NULL;
        for (size_t i = 0; i < c.n; i++)
                if (c.got[i].m.pid == pid)
                        mine = &c.got[i];
        assert_non_null(mine);
        assert_string_equal(mine->system, "sched");
        assert_string_equal(mine->name, "sched_process_exec");
        /* Identical but for the comm, which a busy machine may have pushed out of saved_cmdlines between
         * the kernel's read and ours. */
        const char *k_tail = strstr(kline, "-"), *m_tail = strstr(mine->line, "-");
        char pidpart[32];
        snprintf(pidpart, sizeof(pidpart), "-%d ", (int) pid);
        k_tail = strstr(kline, pidpart);
        m_tail = strstr(mine->line, pidpart);
        assert_non_null(k_tail);
        assert_non_null(m_tail);
        assert_string_equal(m_tail, k_tail);
        if (strcmp(mine->comm, "<...>") != 0)
                assert_string_equal(mine->line, kline);
        LineClassifier *lc = NULL;
        assert_int_equal(line_classifier_new(&lc), 0);
        assert_true(line_is_kernel_trace(lc, mine->line, NULL));
        line_classifier_free(lc);

        free(kernel);
        collect_done(&c);
        diag_done(&d);
        live = trace_live_free(live);
}

/* The caller's pattern: SIGTERM arrives through a signalfd, the loop frees the instance. */
static void test_live_signal(void **state) {
        need_tracefs("live_signal");
        int p[2];
        assert_int_equal(pipe(p), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(p[0]);
                sigset_t ss;
                sigemptyset(&ss);
                sigaddset(&ss, SIGTERM);
                sigaddset(&ss, SIGINT);
                sigprocmask(SIG_BLOCK, &ss, NULL);
                int sfd = signalfd(-1, &ss, SFD_CLOEXEC);
                TraceLive *t = NULL;
                Diag d = {0};
                if (sfd < 0 || trace_live_open(NULL, &t, &d) < 0)
                        _exit(2);
                const char *dir = trace_live_instance_dir(t);
                if (write(p[1], dir, strlen(dir) + 1) < 0)
                        _exit(3);
                close(p[1]);
                struct pollfd pf[2] = {{.fd = sfd, .events = POLLIN},
                                       {.fd = trace_live_fd(t), .events = POLLIN}};
                for (;;) {
                        if (poll(pf, 2, 20000) <= 0)
                                _exit(4);
                        if (pf[0].revents) {
                                struct signalfd_siginfo si;
                                if (read(sfd, &si, sizeof(si)) != sizeof(si))
                                        _exit(5);
                                t = trace_live_free(t);
                                diag_done(&d);
                                _exit(si.ssi_signo == SIGTERM ? 0 : 6);
                        }
                        Collect c = {0};
                        (void) trace_live_read(t, collect, &c);
                        collect_done(&c);
                }
        }
        close(p[1]);
        char dir[512] = {0};
        ssize_t n = read(p[0], dir, sizeof(dir) - 1);
        close(p[0]);
        assert_true(n > 0);
        assert_true(dir_exists(dir));
        assert_int_equal(kill(pid, SIGTERM), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_false(dir_exists(dir));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_default_events),
                cmocka_unit_test(test_io_page_fault_record),
                cmocka_unit_test(test_prq_report),
                cmocka_unit_test(test_dat_bad_files),
                cmocka_unit_test_teardown(test_dat_recorded, live_teardown),
                cmocka_unit_test_teardown(test_live_instance, live_teardown),
                cmocka_unit_test_teardown(test_live_refusals, live_teardown),
                cmocka_unit_test_teardown(test_live_decode_real, live_teardown),
                cmocka_unit_test_teardown(test_live_signal, live_teardown),
        };
        return tests_exit_status(cmocka_run_group_tests(tests, group_setup, group_teardown));
}
