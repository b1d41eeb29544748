/* SPDX-License-Identifier: MIT */
/* Reading an input by blocks (analysis_feed_fd: the literal prefilter over whole buffers, then only the
 * lines that hold a literal) must give exactly what feeding every line to analysis_feed() gives: the same
 * causes, evidence, line numbers, counts and warnings, with either engine of the prefilter. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "feed.h"
#include "output.h"
#include "prefilter.h"
#include "reader.h"
#include "skip.h"
#include "test_common.h"

static char input_path[] = "/tmp/vx-feed-XXXXXX";

/* A new file made from path, a mkstemp() template, open for writing. */
static FILE *create_temp(char *path) {
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        assert_non_null(f);
        return f;
}

static void put(FILE *f, const char *s) {
        assert_int_equal(fputs(s, f) >= 0, 1);
}

static void put_file(FILE *f, const char *path) {
        FILE *in = fopen(path, "r");
        char buf[65536];
        size_t n;
        assert_non_null(in);
        while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
                assert_int_equal(fwrite(buf, 1, n, f), n);
        fclose(in);
}

/* Lines of the kinds a host log is mostly made of, none holding a rule's literal. */
static void put_filler(FILE *f, unsigned n, unsigned seed) {
        for (unsigned i = 0; i < n; i++)
                switch ((i + seed) % 4) {
                case 0:
                        fprintf(f,
                                "[%6u.%06u] e1000e 0000:00:1f.6 eno1: NIC Link is Up 1000 Mbps Full "
                                "Duplex\n",
                                i, seed);
                        break;
                case 1:
                        fprintf(f, "Nov 23 10:%02u:%02u host systemd[1]: Started session-%u.scope.\n",
                                i % 60, seed % 60, i);
                        break;
                case 2:
                        fprintf(f,
                                "2024-05-01 10:00:%02u.123+0000: %u: info : virObjectUnref:%u : "
                                "OBJECT_UNREF\n",
                                i % 60, seed, i);
                        break;
                default:
                        fprintf(f,
                                "[%6u.%06u] usb 1-%u: new high-speed USB device number %u using xhci_hcd\n",
                                i, seed, i % 8, i % 97);
                }
}

/* Every corpus log, between filler, and lines that test the edges: a CRLF line, a line that is not UTF-8,
 * journal JSON, a second boot, a line longer than VX_LINE_MAX, NUL bytes past the first 4096, and a last
 * line without a newline. Large enough (over VX_SCAN_ACCEL_AFTER) for the automatic choice to reach
 * Hyperscan. */
static int setup(void **state) {
        FILE *f = create_temp(input_path);

        put_filler(f, 100, 0);
        /* Twice, so that the second time the line memo knows the messages. */
        for (int round = 0; round < 2; round++) {
                struct dirent **list;
                int n = scandir(VX_TEST_DATA "/../../corpus", &list, NULL, alphasort);
                assert_true(n > 0);
                for (int i = 0; i < n; i++) {
                        char dir[4096];
                        snprintf(dir, sizeof(dir), "%s/%s", VX_TEST_DATA "/../../corpus", list[i]->d_name);
                        DIR *c = list[i]->d_name[0] != '.' ? opendir(dir) : NULL;
                        struct dirent *e;
                        while (c && (e = readdir(c)))
                                if (strlen(e->d_name) > 4 &&
                                    strcmp(e->d_name + strlen(e->d_name) - 4, ".log") == 0) {
                                        char path[8192];
                                        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                                        put_file(f, path);
                                        put_filler(f, 37, (unsigned) i);
                                }
                        if (c)
                                closedir(c);
                        free(list[i]);
                }
                free(list);
        }

        put(f, "[    2.000000] DMAR: IOMMU disabled\r\n");
        put(f,
            "[    2.000001] vfio-pci 0000:01:00.0: caf\xc3 BAR 3: can't reserve [mem 0xc0000000-0xcfffffff "
            "64bit "
            "pref]\n");
        put(f,
            "{\"MESSAGE\":\"vfio 0000:01:00.0: group 1 is not viable\\nsecond line\",\"SYSLOG_IDENTIFIER\":"
            "\"qemu-system-x86_64\",\"PRIORITY\":\"3\"}\n");
        put(f, "[    0.000000] Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)\n");
        put_filler(f, 40000, 7);
        for (size_t i = 0; i < VX_LINE_MAX + 100; i++)
                fputc(i % 80 == 79 ? ' ' : 'x', f);
        put(f, " DMAR: IOMMU disabled\n[    3.000000] DMAR: IOMMU disabled\n");
        fwrite("zeroed \0\0\0 tail\n", 1, 16, f);
        put(f,
            "qemu-system-x86_64: -device vfio-pci,host=0000:02:00.0: vfio 0000:02:00.0: group 2 is not "
            "viable");
        assert_int_equal(fclose(f), 0);
        return 0;
}

static int teardown(void **state) {
        unlink(input_path);
        return 0;
}

static RuleSet *load_shipped_rules(const char *scan) {
        Diag d = {0};
        RuleSet *rs = NULL;
        if (scan)
                setenv("VFIOEXPLAIN_SCAN", scan, 1);
        else
                unsetenv("VFIOEXPLAIN_SCAN");
        assert_int_equal(ruleset_load_dir(VX_TEST_DATA "/../../rules", &d, &rs), 0);
        diag_done(&d);
        unsetenv("VFIOEXPLAIN_SCAN");
        return rs;
}

typedef struct Result {
        char *json;
        AnalysisStats stats;
        FeedReport rep;
        size_t romfiles, romfiles_dropped, vga, ids;
} Result;

static Result finish(Analysis *a, FeedReport rep) {
        HostFacts host;
        StrBuf b = {0};
        OutputOptions o = {.format = OUTPUT_JSON, .host = &host};
        host_facts_init_unprobed(&host);
        assert_int_equal(analysis_finish(a), 0);
        assert_int_equal(output_render(a, &o, &b), 0);
        Result r = {.json = strdup(strbuf_str(&b)),
                    .stats = analysis_stats(a),
                    .rep = rep,
                    .romfiles = analysis_romfiles(a)->n,
                    .romfiles_dropped = analysis_romfiles(a)->dropped,
                    .vga = analysis_romfiles(a)->n_vga,
                    .ids = analysis_romfiles(a)->n_ids};
        strbuf_done(&b);
        return r;
}

/* The reference: every line through analysis_feed(), with the checks feed_input() made before blocks. */
static Result by_lines_from(const RuleSet *rs, const char *path, bool memo) {
        Analysis *a;
        LineReader rd;
        ReadLine l;
        FeedReport rep = {0};
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(analysis_new(rs, &a), 0);
        analysis_set_line_memo(a, memo);
        assert_int_equal(line_reader_init(&rd, fd), 0);
        while (line_reader_next(&rd, &l) > 0) {
                if (memchr(l.text, 0, l.len)) {
                        assert_true(l.offset >= 4096);
                        rep.nul_lines++;
                        continue;
                }
                if (l.cut)
                        rep.cut++;
                if (!utf8_is_valid(l.text, l.len))
                        rep.bad_utf8++;
                assert_int_equal(analysis_feed(a, path, l.lineno, l.text, l.len), 0);
        }
        line_reader_done(&rd);
        close(fd);
        Result r = finish(a, rep);
        analysis_free(a);
        return r;
}

/* The reference has the line memo off: what a remembered line does must be what matching it does. */
static Result by_lines(const RuleSet *rs) {
        return by_lines_from(rs, input_path, false);
}

static Result by_blocks_from(const RuleSet *rs, const char *path) {
        Analysis *a;
        FeedReport rep;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(analysis_new(rs, &a), 0);
        assert_int_equal(analysis_feed_fd(a, path, fd, &rep), 0);
        close(fd);
        Result r = finish(a, rep);
        analysis_free(a);
        return r;
}

static Result by_blocks(const RuleSet *rs) {
        return by_blocks_from(rs, input_path);
}

static void assert_same(Result x, Result y) {
        assert_string_equal(x.json, y.json);
        assert_int_equal(x.stats.lines, y.stats.lines);
        assert_int_equal(x.stats.matched_lines, y.stats.matched_lines);
        assert_int_equal(x.stats.limit_hits, y.stats.limit_hits);
        assert_int_equal(x.romfiles, y.romfiles);
        assert_int_equal(x.romfiles_dropped, y.romfiles_dropped);
        assert_int_equal(x.vga, y.vga);
        assert_int_equal(x.ids, y.ids);
        assert_int_equal(x.rep.cut, y.rep.cut);
        assert_int_equal(x.rep.nul_lines, y.rep.nul_lines);
        assert_int_equal(x.rep.bad_utf8, y.rep.bad_utf8);
        assert_int_equal(y.rep.binary_line, 0);
        assert_false(y.rep.journal_file);
}

static void check_engine(const char *scan, const char *engine) {
        RuleSet *rs = load_shipped_rules(scan);
        Result ref = by_lines(rs);
        Result got = by_blocks(rs);
        assert_same(ref, got);
        /* The input is not trivial: causes found, and every edge line seen. */
        assert_non_null(strstr(ref.json, "\"id\":"));
        assert_true(ref.stats.matched_lines > 100);
        assert_int_equal(ref.rep.cut, 1);
        assert_int_equal(ref.rep.nul_lines, 1);
        assert_true(ref.rep.bad_utf8 >= 1);
        assert_string_equal(prefilter_engine(rs->prefilter), engine);
        free(ref.json);
        free(got.json);
        ruleset_free(rs);
}

static void test_portable(void **state) {
        check_engine("portable", "aho-corasick");
}

static void test_automatic(void **state) {
#ifdef VX_HAVE_HYPERSCAN
        check_engine(NULL, "hyperscan");
#else
        print_message("built without Hyperscan: the automatic choice is the automaton\n");
        check_engine(NULL, "aho-corasick");
#endif
}

static void test_hyperscan_from_first_byte(void **state) {
#ifdef VX_HAVE_HYPERSCAN
        check_engine("hyperscan", "hyperscan");
#else
        skip_loudly("hyperscan_from_first_byte",
                    "built without Hyperscan (libhs): there is no Hyperscan engine to test");
#endif
}

/* Issue 24 #13: the same input with every line ended by a lone '\r' (the CRLF line kept) is read as the same
 * lines, by blocks as by lines, with the same causes, counts and warnings. */
static char *replace_all(const char *s, const char *from, const char *to) {
        StrBuf b = {0};
        for (const char *p; (p = strstr(s, from)); s = p + strlen(from)) {
                strbuf_append(&b, s, (size_t) (p - s));
                strbuf_puts(&b, to);
        }
        strbuf_puts(&b, s);
        return strbuf_steal(&b);
}

static void test_cr_line_ends(void **state) {
        RuleSet *rs = load_shipped_rules(NULL);
        char lf_path[] = "/tmp/vx-feed-lf-XXXXXX", cr_path[] = "/tmp/vx-feed-cr-XXXXXX";
        FILE *lf_out = create_temp(lf_path), *cr_out = create_temp(cr_path), *in = fopen(input_path, "r");
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        assert_non_null(in);
        while ((len = getline(&line, &cap, in)) > 0) {
                /* A line with a lone '\r' inside (a typescript's redrawn prompt) is two lines where every
                 * lone
                 * '\r' ends one: in neither copy. The others end in a lone '\r', but the CRLF line, which
                 * stays CRLF in an input of CR ends. */
                size_t body = line[len - 1] == '\n' ? (size_t) len - 1 : (size_t) len;
                bool crlf = body > 0 && line[body - 1] == '\r';
                if (memchr(line, '\r', crlf ? body - 1 : body))
                        continue;
                assert_int_equal(fwrite(line, 1, body, lf_out), body);
                assert_int_equal(fputc('\n', lf_out), '\n');
                assert_int_equal(fwrite(line, 1, body, cr_out), body);
                assert_int_equal(fputc(crlf ? '\n' : '\r', cr_out), crlf ? '\n' : '\r');
        }
        free(line);
        fclose(in);
        assert_int_equal(fclose(lf_out), 0);
        assert_int_equal(fclose(cr_out), 0);

        Result lf = by_lines_from(rs, lf_path, false), lines = by_lines_from(rs, cr_path, false),
               blocks = by_blocks_from(rs, cr_path);
        assert_same(lines, blocks);
        char *json = replace_all(blocks.json, cr_path, lf_path);
        assert_string_equal(json, lf.json);
        assert_true(lf.stats.lines > 1000);
        assert_int_equal(blocks.stats.lines, lf.stats.lines);
        assert_int_equal(blocks.stats.matched_lines, lf.stats.matched_lines);
        assert_int_equal(blocks.rep.cut, lf.rep.cut);
        assert_int_equal(blocks.rep.nul_lines, lf.rep.nul_lines);
        assert_int_equal(blocks.rep.bad_utf8, lf.rep.bad_utf8);
        free(json);
        free(lf.json);
        free(lines.json);
        free(blocks.json);
        unlink(lf_path);
        unlink(cr_path);
        ruleset_free(rs);
}

/* Lines that say again what earlier lines said: each must do what matching it does, whether the line memo
 * knows its message or not. Each part fails if replaying misses one thing matching does: the group a device
 * was last seen in, a hit counted again, a hit dropped when the list is full, a cause's evidence counted per
 * line, and a new boot. */
static void test_line_memo(void **state) {
        enum { DEVICES = 200 };
        RuleSet *rs = load_shipped_rules(NULL);
        char path[] = "/tmp/vx-feed-memo-XXXXXX";
        FILE *f = create_temp(path);
        for (int boot = 0; boot < 2; boot++) {
                if (boot)
                        put(f,
                            "[    0.000000] Linux version 6.1.0-13-amd64 "
                            "(debian-kernel@lists.debian.org)\n");
                for (int i = 0; i < 20; i++) {
                        put(f,
                            "[    5.000000] vfio-pci 0000:01:00.0: not ready 65535ms after FLR; giving "
                            "up\n");
                        put(f, "qemu-system-x86_64: vfio 0000:01:00.0: group 5 is not viable\n");
                }
                /* 0000:01:00.0 was in group 5, then 6, then in 5 again: a message said before. */
                put(f, "[    0.100000] pci 0000:01:00.0: Adding to iommu group 5\n");
                put(f, "[    0.200000] pci 0000:01:00.0: Adding to iommu group 6\n");
                put(f, "[    0.300000] pci 0000:01:00.0: Adding to iommu group 5\n");
                /* QEMU's stderr in the journal, shown by journalctl -o short-monotonic (QEMU's warn_report()
                 * puts its program name and the option's location first, util/qemu-error.c print_loc();
                 * hw/vfio/pci.c words the warning), a message no rule matches. Each line is scanned for the
                 * ROM file it names, with or without the memo: once the list is full, each is counted as
                 * dropped. (Such a line is longer than a memo key holds today; were it not, replaying it by
                 * its dmesg key would skip the scan, which analysis.c's feed_line() prevents.) */
                for (unsigned rom = 0; rom < VX_ROMFILE_REFS_MAX + 3; rom++)
                        fprintf(f,
                                "[%s   10.%06u] host qemu-system-x86_64[77]: qemu-system-x86_64: -device "
                                "vfio-pci,host=0000:02:00.0,romfile=/srv/rom-%u.bin: warning: vfio "
                                "0000:02:00.0: "
                                "Could not enable error recovery for the device\n",
                                rom % 2 ? "" : "  ", rom, MIN(rom, VX_ROMFILE_REFS_MAX));
                /* A group named with leading zeros (no kernel does, a crafted log can): the link is
                 * remembered as the kernel's decimal, so this one is matched each time, or its name would
                 * change. */
                put(f, "[    0.400000] pci 0000:04:00.0: Adding to iommu group 007\n");
                put(f, "[    0.500000] pci 0000:04:00.0: Adding to iommu group 007\n");
                put(f, "[    6.000000] vfio-pci 0000:04:00.0: not ready 65535ms after FLR; giving up\n");
                /* A host's worth of devices, each named three times. */
                for (int round = 0; round < 3; round++)
                        for (unsigned d = 0; d < DEVICES; d++)
                                fprintf(f, "[    0.%06u] pci 0000:%02x:00.0: Adding to iommu group %u\n", d,
                                        d + 0x10, d + 20);
        }
        assert_int_equal(fclose(f), 0);

        Result ref = by_lines_from(rs, path, false);
        Result by_lines_memo = by_lines_from(rs, path, true);
        Result got = by_blocks_from(rs, path);
        assert_same(ref, by_lines_memo);
        assert_same(ref, got);
        assert_int_equal(ref.stats.remembered_lines, 0);
        assert_int_equal(ref.romfiles, VX_ROMFILE_REFS_MAX);
        assert_int_equal(ref.romfiles_dropped, 2 * 3);
        /* All but each boot's first of a message; not the cause's lines, which are evidence each. */
        assert_true(got.stats.remembered_lines >= 2 * (1 + 2 * DEVICES + 19));
        assert_true(got.stats.remembered_lines < got.stats.matched_lines - 2 * 20);
        assert_non_null(strstr(ref.json, "\"group\": \"5\""));
        assert_non_null(strstr(ref.json, "\"group\": \"007\""));
        assert_null(strstr(ref.json, "\"group\": \"6\""));
        assert_non_null(strstr(ref.json, "\"more_evidence\":"));
        free(ref.json);
        free(by_lines_memo.json);
        free(got.json);
        unlink(path);
        ruleset_free(rs);
}

/* The marked lines of a block are fed VX_FEED_BATCH at a time, their memo keys made before the first of them
 * is fed: a key made before a boot banner of the same batch names the boot before. Here 0000:09:00.0's
 * group is said in both boots, and the second boot's failed probe (-EINVAL: suggesting, among others,
 * platform-iommu-unsupported) is refuted by the second boot's own fact only: a line replayed by the first
 * boot's key would not record it. The banner takes each place in a batch in turn. */
static void test_line_memo_new_boot_in_batch(void **state) {
        RuleSet *rs = load_shipped_rules(NULL);
        for (unsigned pad = 0; pad < VX_FEED_BATCH; pad++) {
                char path[] = "/tmp/vx-feed-boot-XXXXXX";
                FILE *f = create_temp(path);
                put_filler(f, 3, 0);
                put(f, "[    0.100000] pci 0000:09:00.0: Adding to iommu group 30\n");
                for (unsigned i = 0; i < pad; i++)
                        fprintf(f, "[    0.2%05u] pci 0000:%02x:00.0: Adding to iommu group %u\n", i,
                                i + 0x10, i + 40);
                put(f, "[    0.000000] Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)\n");
                put(f, "[    0.100000] pci 0000:09:00.0: Adding to iommu group 30\n");
                put(f, "[    5.417431] vfio-pci: probe of 0000:09:00.0 failed with error -22\n");
                put_filler(f, 3, 1);
                assert_int_equal(fclose(f), 0);

                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                /* ruled out, and shown so: not among the causes */
                const char *ruled_out = strstr(ref.json, "\"ruled_out\"");
                assert_non_null(ruled_out);
                assert_true(strstr(ref.json, "platform-iommu-unsupported") > ruled_out);
                /* The second boot's line was not replayed by the first boot's key. */
                assert_int_equal(got.stats.remembered_lines, 0);
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* The same: a key made before a line of the same batch judged the input a guest's ("Hypervisor detected:
 * KVM") names the host's reading of its line. Here a guest's dmesg pasted twice in one boot (no banner
 * between), the second copy's lines read as the guest's: the guest's fact line of the second copy is matched
 * again, not replayed by the first copy's key. The fact line takes each place in a batch in turn. */
static void test_line_memo_guest_judged_in_batch(void **state) {
        RuleSet *rs = load_shipped_rules(NULL);
        for (unsigned pad = 0; pad < VX_FEED_BATCH; pad++) {
                char path[] = "/tmp/vx-feed-guest-XXXXXX";
                FILE *f = create_temp(path);
                put_filler(f, 3, 0);
                for (unsigned i = 0; i < pad; i++)
                        fprintf(f, "[    0.2%05u] pci 0000:%02x:00.0: Adding to iommu group %u\n", i,
                                i + 0x10, i + 40);
                for (int copy = 0; copy < 2; copy++) {
                        put(f, "[    0.000000] Hypervisor detected: KVM\n");
                        put(f, "[    3.254986] amdgpu: probe of 0000:00:05.0 failed with error -22\n");
                }
                put_filler(f, 3, 1);
                assert_int_equal(fclose(f), 0);

                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* Issue 21: a pasted `lsmod | grep vfio` (and a guest's lspci -k) is judged from its command, the line of
 * vfio and the lines that name vfio_pci, which the prefilter marks; the grep's other lines
 * (vfio_iommu_type1, iommufd) and the lines between (filler, a command with no literal) are not marked. By
 * blocks as by lines, with vfio_pci absent and present. */
static void test_lsmod_grep_by_blocks(void **state) {
        RuleSet *rs = load_shipped_rules(NULL);
        for (int loaded = 0; loaded <= 1; loaded++) {
                char path[] = "/tmp/vx-feed-lsmod-XXXXXX";
                FILE *f = create_temp(path);
                put_filler(f, 5, 0);
                put(f, "[user@arch ~]$ lsmod | grep vfio\n");
                if (loaded)
                        put(f, "vfio_pci               16384  0\n");
                put(f, "vfio_iommu_type1       45056  0\n");
                put(f,
                    loaded ? "vfio                   69632  2 vfio_iommu_type1,vfio_pci\n"
                           : "vfio                   69632  1 vfio_iommu_type1\n");
                put(f, "iommufd               102400  1 vfio\n[user@arch ~]$ uname -r\n6.6.8-arch1-1\n");
                /* and a guest's lspci -k (told by Red Hat's vendor name in a header joined with its lines)
                 */
                put(f,
                    "options vfio-pci ids=10de:1b80\n01:00.0 VGA compatible controller [0300]: NVIDIA "
                    "Corporation GP104 [10de:1b80] (rev a1)\n\tKernel driver in use: nvidia\n00:03.0 Ethernet "
                    "controller: Red Hat, Inc. Virtio network device\n\tKernel driver in use: virtio-pci\n");
                put(f,
                    "qemu-system-x86_64: -device vfio-pci,host=01:00.0: vfio 0000:01:00.0: failed to open "
                    "/dev/vfio/1: No such file or directory\n");
                put_filler(f, 5, 1);
                assert_int_equal(fclose(f), 0);

                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                /* the statement of the pasted listing, its rule's explanation */
                assert_int_equal(strstr(got.json, "lists vfio as a loaded module and no vfio_pci") != NULL,
                                 !loaded);
                assert_null(strstr(got.json, "\"vfio-ids-not-applied\""));
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* A line of nothing but literals (QEMU's -drive if=pflash, said 100 times), 7 bytes an occurrence. */
static void put_dense(FILE *f) {
        put(f, "[    1.000000]");
        for (int i = 0; i < 100; i++)
                put(f, " pflash");
        put(f, "\n");
}

/* Past VX_PREFILTER_HITS_MAX occurrences in a buffer, prefilter_mark() marks them in its bitmap instead of
 * listing them: every one, those it had listed included, whichever engine found them. */
static void test_hits_overflow_marks_every_occurrence(void **state) {
        static const char *const engines[] = {"portable", "hyperscan"};
        char *buf;
        size_t len;
        FILE *f = open_memstream(&buf, &len);
        assert_non_null(f);
        while (ftell(f) < (long) (VX_PREFILTER_HITS_MAX * 8))
                put_dense(f);
        assert_int_equal(fclose(f), 0);
        uint64_t *ends = calloc((len + 63) / 64, sizeof(uint64_t));
        uint64_t *listed = calloc((len + 63) / 64, sizeof(uint64_t));
        assert_non_null(ends);
        assert_non_null(listed);

        for (size_t e = 0; e < ELEMENTSOF(engines); e++) {
#ifndef VX_HAVE_HYPERSCAN
                if (strcmp(engines[e], "hyperscan") == 0) {
                        print_message("built without Hyperscan: the overflow is tested with the automaton "
                                      "only\n");
                        continue;
                }
#endif
                RuleSet *rs = load_shipped_rules(engines[e]);
                PrefilterHits hits = {0};
                /* The reference: each line alone, few enough to be listed. */
                memset(listed, 0, (len + 63) / 64 * sizeof(uint64_t));
                size_t n_listed = 0;
                for (size_t at = 0; at < len;) {
                        size_t line = (size_t) ((char *) memchr(buf + at, '\n', len - at) - buf) + 1 - at;
                        memset(ends, 0xff, (len + 63) / 64 * sizeof(uint64_t));
                        prefilter_mark(rs->prefilter, buf + at, line, ends, &hits);
                        assert_false(hits.overflow);
                        for (size_t i = 0; i < hits.n; i++) {
                                size_t last = at + hits.hits[i].end - 1;
                                listed[last / 64] |= UINT64_C(1) << (last % 64);
                        }
                        n_listed += hits.n;
                        at += line;
                }
                assert_true(n_listed > VX_PREFILTER_HITS_MAX);
                /* The bitmap is the callee's to clear. */
                memset(ends, 0xff, (len + 63) / 64 * sizeof(uint64_t));
                prefilter_mark(rs->prefilter, buf, len, ends, &hits);
                assert_true(hits.overflow);
                assert_int_equal(hits.n, 0);
                assert_memory_equal(ends, listed, (len + 63) / 64 * sizeof(uint64_t));
                assert_string_equal(prefilter_engine(rs->prefilter),
                                    strcmp(engines[e], "hyperscan") == 0 ? "hyperscan" : "aho-corasick");
                prefilter_hits_done(&hits);
                ruleset_free(rs);
        }
        free(ends);
        free(listed);
        free(buf);
}

/* Blocks whose occurrences overflow the list are read as the others are: their marked lines, found in the
 * bitmap, each scanned again. Failures are said among the dense lines, before and after a block's list
 * overflows. */
static void test_hits_overflow_feed(void **state) {
#ifdef VX_HAVE_HYPERSCAN
        static const char *const engines[] = {"portable", "hyperscan"};
#else
        static const char *const engines[] = {"portable"};
        print_message("built without Hyperscan: the overflow is read with the automaton only\n");
#endif
        char path[] = "/tmp/vx-feed-dense-XXXXXX";
        FILE *f = create_temp(path);
        put_filler(f, 3, 0);
        for (unsigned i = 0; i < 2000; i++) {
                put_dense(f);
                if (i % 97 == 0)
                        fprintf(f, "[    5.%06u] vfio-pci: probe of 0000:%02x:00.0 failed with error -22\n",
                                i, i / 97 + 1);
                if (i % 89 == 0)
                        fprintf(f, "[    0.%06u] pci 0000:%02x:00.0: Adding to iommu group %u\n", i,
                                i / 89 + 1, i / 89 + 3);
        }
        put_filler(f, 3, 1);
        assert_int_equal(fclose(f), 0);

        for (size_t e = 0; e < ELEMENTSOF(engines); e++) {
                RuleSet *rs = load_shipped_rules(engines[e]);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                assert_int_equal(got.stats.matched_lines, 21 + 23);
                assert_non_null(strstr(got.json, "0000:15:00.0"));
                free(ref.json);
                free(got.json);
                ruleset_free(rs);
        }
        unlink(path);
}

/* A line hard-wrapped with an indent is joined to the line before it, also where a block of the reader ends
 * between them (the last line of a block is held until the next block shows whether it is continued). Lines
 * of 64 bytes: the reader fills its whole buffer, so every block ends after the same number of lines, and
 * each pair's head is a block's last line. The head holds no literal: nothing else has it read. */
static void test_continuation_across_blocks(void **state) {
        static const char head[] = "vfio 0000:01:00.0:", cont[] = "    group 1 is not viable";
        char path[] = "/tmp/vx-feed-join-XXXXXX";
        FILE *f = create_temp(path);
        unsigned pairs = 0;
        const unsigned per_block = (VX_LINE_MAX + VX_READ_CHUNK) / 64;
        for (unsigned i = 1; i <= 4 * per_block + 100; i++) {
                char filler[64];
                bool is_head = i % per_block == 0, is_cont = i > 1 && (i - 1) % per_block == 0;
                snprintf(filler, sizeof(filler), "[%12u.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up",
                         i);
                fprintf(f, "%-63s\n", is_head ? head : is_cont ? cont : filler);
                pairs += is_cont;
        }
        fclose(f);
        RuleSet *rs = load_shipped_rules(NULL);
        Result ref = by_lines_from(rs, path, false);
        Result got = by_blocks_from(rs, path);
        assert_same(ref, got);
        /* the first pair, across the first block's end, joined: its head is the evidence */
        assert_int_equal(pairs, 4);
        assert_non_null(strstr(got.json, "group-companion-unbound"));
        char want[32];
        snprintf(want, sizeof(want), "\"line\": %u,", per_block);
        assert_non_null(strstr(got.json, want));
        free(ref.json);
        free(got.json);
        ruleset_free(rs);
        unlink(path);
}

/* Issue 21: a pasted `ulimit -l` is read from its command and the line after it, a bare number or
 * "unlimited" that no literal marks: by blocks as by lines, inside a block and where a block ends between
 * them (64-byte lines, the one before the command longer by what the command is shorter: the command is a
 * block's last line; neither it nor its reply padded, and there a number, which no reading of a wrap takes
 * as the line before going on). */
static void test_ulimit_l_across_blocks(void **state) {
        const unsigned per_block = (VX_LINE_MAX + VX_READ_CHUNK) / 64;
        RuleSet *rs = load_shipped_rules(NULL);
        for (unsigned at = 5; at <= per_block; at += per_block - 5) {
                char path[] = "/tmp/vx-feed-ulimit-XXXXXX";
                FILE *f = create_temp(path);
                for (unsigned i = 1; i <= per_block + 10; i++) {
                        char filler[64];
                        snprintf(filler, sizeof(filler),
                                 "[%12u.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up", i);
                        if (i == at)
                                put(f, "$ ulimit -l\n");
                        else if (i == at + 1)
                                put(f, at == 5 ? "unlimited\n" : "8192\n");
                        else
                                fprintf(f, "%-*s\n", i + 1 == at ? 63 + 64 - 12 : 63, filler);
                }
                put(f,
                    "qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: VFIO_MAP_DMA failed: Cannot "
                    "allocate memory\n");
                fclose(f);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                /* the reply read: memlock-limit ruled out by it, or confirmed */
                assert_non_null(strstr(got.json, at == 5 ? "\"memlock-unlimited\"" : "limit at 8192 KiB"));
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* A line hard-wrapped without an indent (a mail client's wrap: a word too long for the line) is joined to
 * the line before it the same way, also where a block ends between them. Lines of 128 bytes (blanks after
 * the text): every block ends after the same number of lines, and each pair's head is a block's last line.
 */
static void test_wrap_across_blocks(void **state) {
        static const char
                head[] = "qemu-system-x86_64: -device",
                cont[] = "vfio-pci,host=0000:01:00.0,id=hostdev0: vfio 0000:01:00.0: group 1 is not viable";
        char path[] = "/tmp/vx-feed-wrap-XXXXXX";
        FILE *f = create_temp(path);
        unsigned pairs = 0;
        const unsigned per_block = (VX_LINE_MAX + VX_READ_CHUNK) / 128;
        for (unsigned i = 1; i <= 4 * per_block + 100; i++) {
                char filler[128];
                bool is_head = i % per_block == 0, is_cont = i > 1 && (i - 1) % per_block == 0;
                snprintf(filler, sizeof(filler), "[%12u.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up",
                         i);
                fprintf(f, "%-127s\n", is_head ? head : is_cont ? cont : filler);
                pairs += is_cont;
        }
        fclose(f);
        RuleSet *rs = load_shipped_rules(NULL);
        Result ref = by_lines_from(rs, path, false);
        Result got = by_blocks_from(rs, path);
        assert_same(ref, got);
        /* the pairs joined: the head is the evidence, with the line after it */
        assert_int_equal(pairs, 4);
        assert_non_null(strstr(got.json, "joined with the 1 line after it"));
        char want[32];
        snprintf(want, sizeof(want), "\"line\": %u,", per_block);
        assert_non_null(strstr(got.json, want));
        free(ref.json);
        free(got.json);
        ruleset_free(rs);
        unlink(path);
}

/* A message hard-wrapped by the person who pasted it, as three real reports show it (field3 rows 09, 17, 29:
 * a PR's text indented and wrapped, a subprocess's quoted stderr with a blank line between its rows, a fence
 * wrapped mid-phrase), reaches its rule read either way; a blank line outside a quote, and two records, are
 * never joined. want NULL: nothing joined. */
static void test_hard_wraps(void **state) {
        static const struct {
                const char *text, *want;
        } cases[] = {
                {"This is to address the following error,  seen with the latest qemu:\n\n"
                 "  qemu-system-x86_64: We need to set caching-mode=on for intel-iommu to enable\n"
                 "  device assignment with IOMMU protection.\n\nSigned-off-by: A B <a@b.c>\n",
                 "viommu-caching-mode"},
                {"stdout: \"\"\n\nstderr: \"Start failed: internal error: Unable to reset PCI device 0000:01:00.0:\n\n"
                 "internal error: Active 0000:01:00.1 devices on bus with 0000:01:00.0, not\n\n"
                 "doing bus reset, see /var/log/libvirt/libxl-driver.log for details\"\n\nthen I looked\n",
                 "reset-unsupported"},
                {"```\ninternal error: QEMU unexpectedly closed the monitor: ...\n"
                 "vfio 0000:xx:00.0: failed to setup container for group N: memory listener\n"
                 "initialization failed: Region ram-node0: vfio_container_dma_map(...) = -12\n"
                 "(Cannot allocate memory)\n```\n",
                 "dma-entry-limit"},
                /* libvirt's log line broken inside its error class ("Requested operation is not" /
                 * "valid:"): the second line starts with a word and a colon, as a message does, but goes on
                 * with the first; DPDK's EAL lines, each its own, are not joined */
                {"2024-04-09 20:31:07.402+0000: 1417: error : virHostdevPreparePCIDevicesImpl:783 : Requested "
                 "operation is not\nvalid: Unmanaged PCI device 0000:01:00.0 must be manually detached from the "
                 "host\n",
                 "not-bound-to-vfio"},
                {"EAL: Cannot open /dev/vfio/9: Permission denied, and the application then went on with\n"
                 "EAL: Failed to open VFIO group 9\n",
                 NULL},
                /* the same rows without the quote that holds them together: paragraphs */
                {"Start failed: internal error: Unable to reset PCI device 0000:01:00.0:\n\n"
                 "internal error: Active 0000:01:00.1 devices on bus with 0000:01:00.0, not\n\n"
                 "doing bus reset, see /var/log/libvirt/libxl-driver.log for details\n",
                 NULL},
                {"  qemu-system-x86_64: We need to set caching-mode=on for intel-iommu to enable\n\n"
                 "  device assignment with IOMMU protection.\n",
                 NULL},
                /* a quote left open by one record: the next record after a blank line is no part of it */
                {"stderr: \"Start failed: internal error: Unable to reset PCI device 0000:01:00.0: internal "
                 "error: Active 0000:01:00.1 devices on bus with 0000:01:00.0, not\n\n"
                 "Dec 07 10:00:01 host kernel: doing bus reset\n",
                 NULL},
        };
        RuleSet *rs = load_shipped_rules(NULL);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char path[] = "/tmp/vx-feed-hardwrap-XXXXXX";
                FILE *f = create_temp(path);
                put(f, cases[i].text);
                assert_int_equal(fclose(f), 0);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                if (cases[i].want)
                        assert_non_null(strstr(got.json, cases[i].want));
                else if (strstr(got.json, "joined with"))
                        fail_msg("case %zu: lines that are not one message joined: %s", i, got.json);
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* A quoted message with a blank line between its rows is joined also where a block ends at the head or at
 * the blank line (lines of 256 bytes, blanks after the text: every block ends after the same number of
 * lines). The rows hold libvirt's reason ("not doing bus reset") only together. */
static void test_blank_line_across_blocks(void **state) {
        static const char head[] =
                "stderr: \"Start failed: internal error: Unable to reset PCI device 0000:01:00.0: "
                "internal error: Active 0000:01:00.1 devices on bus with 0000:01:00.0, not",
                          cont[] = "doing bus reset, see /var/log/libvirt/libxl-driver.log for details\"";
        const unsigned per_block = (VX_LINE_MAX + VX_READ_CHUNK) / 256;
        RuleSet *rs = load_shipped_rules(NULL);
        for (unsigned last = 0; last < 2; last++) { /* the block's last line: the head, the blank line */
                char path[] = "/tmp/vx-feed-blank-XXXXXX";
                FILE *f = create_temp(path);
                for (unsigned i = 1; i <= 2 * per_block + 10; i++) {
                        char filler[256];
                        unsigned at = (i + last) % per_block; /* 0: the head */
                        snprintf(filler, sizeof(filler),
                                 "[%12u.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up", i);
                        fprintf(f, "%-255s\n", at == 0 ? head : at == 1 ? "" : at == 2 ? cont : filler);
                }
                assert_int_equal(fclose(f), 0);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                assert_non_null(strstr(got.json, "reset-unsupported"));
                /* each head matched alone ("Unable to reset PCI device") and joined with the rows after it
                 */
                assert_int_equal(got.stats.matched_lines, 2 * 2);
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* A terminal's wrap copied as blanks that cuts a rule's literal ("with non-zero us" / "age count!") in a
 * line that holds no other: the line is read by blocks as it is line by line, where the stage joins its
 * rows. */
static void test_padded_wrap_across_literal(void **state) {
        static const char msg[] =
                "[  904.330127] NVRM: Attempting to remove minor device 1 with non-zero usage count!";
        const char *cut = strstr(msg, "age count!");
        char path[] = "/tmp/vx-feed-padded-XXXXXX";
        FILE *f = create_temp(path);
        for (unsigned i = 1; i <= 3000; i++) {
                if (i % 1000 == 0)
                        fprintf(f, "%-*.*s%s\n", (int) (cut - msg) + 88, (int) (cut - msg), msg, cut);
                else
                        fprintf(f, "[%12u.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up\n", i);
        }
        assert_int_equal(fclose(f), 0);
        RuleSet *rs = load_shipped_rules(NULL);
        Result ref = by_lines_from(rs, path, false);
        Result got = by_blocks_from(rs, path);
        assert_same(ref, got);
        assert_int_equal(got.stats.matched_lines, 3);
        free(ref.json);
        free(got.json);
        ruleset_free(rs);
        unlink(path);
}

/* containerd's and CRI-O's records of a line written in parts ("P" up to "F"): the parts are one line,
 * joined without a blank, read either way, also where a block ends after a part (the part the block's last
 * line: every line before it 64 bytes, one filler line taking up the rest). The parts of one stream only. */
static void test_cri_partial_lines(void **state) {
        static const char part[] =
                "2024-05-01T10:00:00.101938111+00:00 stderr P qemu-system-x86_64: -device "
                "vfio-pci,host=0000:01:00.0,id=hostdev0: vfio 0000:01:00.0: group 1 is not vi",
                          rest[] = "2024-05-01T10:00:00.101952222+00:00 stderr F able\n",
                          other[] = "2024-05-01T10:00:00.101952222+00:00 stdout F able\n";
        const size_t block = VX_LINE_MAX + VX_READ_CHUNK, part_len = strlen(part) + 1;
        RuleSet *rs = load_shipped_rules(NULL);
        for (unsigned shape = 0; shape < 5; shape++) {
                char path[] = "/tmp/vx-feed-cri-XXXXXX";
                FILE *f = create_temp(path);
                if (shape == 3) { /* the part is the last line of the reader's first block */
                        size_t k = (block - part_len - 64) / 64, fill = block - part_len - 64 * k;
                        for (size_t i = 0; i < k; i++)
                                fprintf(f, "[%12zu.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up   \n",
                                        i);
                        fprintf(f, "%-*s\n", (int) fill - 1,
                                "[    9.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up");
                }
                /* 4: a part that holds no other literal than its tag's */
                fprintf(f, "%s\n%s",
                        shape == 4 ? "2024-05-01T10:00:00.101938111+00:00 stderr P vfio 0000:01:00.0: gro"
                                   : part,
                        shape == 1           ? other
                                : shape == 2 ? "viable, the user wrote\n"
                                : shape == 4
                                ? "2024-05-01T10:00:00.101952222+00:00 stderr F up 1 is not viable\n"
                                : rest);
                for (unsigned i = 0; i < 10; i++)
                        fprintf(f, "[%12u.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up   \n", i);
                assert_int_equal(fclose(f), 0);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                /* the parts matched only together: the line of "group 1 is not viable" */
                bool joined = shape == 0 || shape >= 3;
                assert_int_equal(got.stats.matched_lines, joined);
                assert_int_equal(strstr(got.json, "joined with the 1 line after it") != NULL, joined);
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* A CRI part as long as containerd writes them (VX_CRI_PART_MAX, its max_container_log_line_size default) is
 * joined with the record that ends its line; one byte more, which containerd does not write as a part, is
 * read alone. The line: a Go program's logfmt record of a failed start, QEMU's captured warnings in a field
 * of their own (escaped newlines between them) that fill the part, and QEMU's error last, cut by the part's
 * end inside "viable". */
static void test_cri_part_bound(void **state) {
        static const char
                head[] = "time=\"2024-05-01T10:00:00Z\" level=error msg=\"VM start failed\" output=\"",
                warning[] = "qemu-system-x86_64: warning: host doesn't support requested feature: "
                            "CPUID.07H:EBX.hle [bit 4]\\n",
                error[] = "\" error=\"qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0: "
                          "vfio 0000:01:00.0: group 1 is not vi";
        RuleSet *rs = load_shipped_rules(NULL);
        for (size_t extra = 0; extra < 2; extra++) {
                size_t part = VX_CRI_PART_MAX + extra, fill = part - strlen(head) - strlen(error);
                char *content = malloc(part + 1);
                assert_non_null(content);
                char *o = stpcpy(content, head);
                for (size_t i = 0; i < fill; i++)
                        *o++ = warning[i % strlen(warning)];
                if (o[-1] == '\\') /* no escape of the field's closing quote */
                        o[-1] = ' ';
                strcpy(o, error);
                assert_int_equal(strlen(content), part);
                char path[] = "/tmp/vx-feed-cri-bound-XXXXXX";
                FILE *f = create_temp(path);
                fprintf(f, "2024-05-01T10:00:00.101938111+00:00 stderr P %s\n", content);
                put(f, "2024-05-01T10:00:00.101952222+00:00 stderr F able\"\n");
                assert_int_equal(fclose(f), 0);
                free(content);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                assert_int_equal(got.stats.matched_lines, extra == 0);
                assert_int_equal(strstr(got.json, "joined with the 1 line after it") != NULL, extra == 0);
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* A line longer than two parts: containerd's whole parts (VX_CRI_PART_MAX) three to six of them, CRI-O's of
 * 8 KiB twelve, the line a Go program's logfmt record whose error field, last, the last part cuts inside
 * "viable". Joined either way, the record's keys of the first part and the error of the last ones are read
 * whole, also where the line is longer than the join holds and the parts between are let go; a record of the
 * other stream around it is no part of it. A line whose first part is longer than a part is read alone. */
static void test_cri_many_parts(void **state) {
        static const char
                head[] = "time=\"2024-05-01T10:00:00Z\" level=error msg=\"VM start failed\" output=\"",
                warning[] = "qemu-system-x86_64: warning: host doesn't support requested feature: "
                            "CPUID.07H:EBX.hle [bit 4]\\n",
                error[] = "\" error=\"qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0,id=hostdev0: "
                          "vfio 0000:01:00.0: group 1 is not vi";
        static const struct {
                size_t part, parts;
                bool read;
        } cases[] = {
                {VX_CRI_PART_MAX, 3, true}, {VX_CRI_PART_MAX, 4, true},      {VX_CRI_PART_MAX, 6, true},
                {8192, 12, true},           {VX_CRI_PART_MAX + 1, 3, false},
        };
        RuleSet *rs = load_shipped_rules(NULL);
        for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
                size_t part = cases[c].part, total = part * cases[c].parts,
                       fill = total - strlen(head) - strlen(error);
                char *content = malloc(total + 1);
                assert_non_null(content);
                char *o = stpcpy(content, head);
                for (size_t i = 0; i < fill; i++)
                        *o++ = warning[i % strlen(warning)];
                if (o[-1] == '\\') /* no escape of the field's closing quote */
                        o[-1] = ' ';
                strcpy(o, error);
                assert_int_equal(strlen(content), total);
                char path[] = "/tmp/vx-feed-cri-parts-XXXXXX";
                FILE *f = create_temp(path);
                put(f, "2024-05-01T10:00:00.100000000+00:00 stdout F starting\n");
                for (size_t i = 0; i < cases[c].parts; i++)
                        fprintf(f, "2024-05-01T10:00:00.101938%03zu+00:00 stderr P %.*s\n", i, (int) part,
                                content + i * part);
                put(f, "2024-05-01T10:00:00.101952222+00:00 stderr F able\"\n");
                put(f, "2024-05-01T10:00:01.000000000+00:00 stdout F done\n");
                assert_int_equal(fclose(f), 0);
                free(content);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                assert_int_equal(got.stats.matched_lines, cases[c].read);
                assert_int_equal(strstr(got.json, "not-bound-to-vfio") != NULL, cases[c].read);
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* A JSON log record broken by hand where its keys start (kubevirt/kubevirt#7371: a virt-launcher record in
 * four lines, after "msg":, a comma and "reason":) is joined without blanks and read whole, either way; so
 * is one broken before its commas and its closing brace. Never joined: whole records on lines of their own,
 * a record left open before a new one, a line after a record that closed, a quoted message after a line of
 * prose that ends with a colon. want NULL: nothing joined. */
static void test_json_records(void **state) {
        static const char reason[] =
                "\"virError(Code=55, Domain=0, Message='Requested operation is not valid: Unmanaged PCI device "
                "0000:c3:1b.1 must be manually detached from the host')\"";
        /* "%s" in a line: the reason */
        static const struct {
                const char *text[5], *want;
        } cases[] = {
                {{"{\"component\":\"virt-launcher\",\"kind\":\"\",\"level\":\"error\",\"msg\":",
                  "\"Failed to start VirtualMachineInstance with flags 0.\",\"name\":\"win2016\",",
                  "\"namespace\":\"admin\",\"pos\":\"manager.go:928\",\"reason\":",
                  "%s,\"timestamp\":\"2022-03-16T07:08:41.629668Z\",\"uid\":\"3f45d7ed-da5a-4e1d-a813-"
                  "d5193fd27763\"}"},
                 "joined with the 3 lines after it"},
                {{"{\"component\":\"virt-launcher\",\"level\":\"error\",\"msg\":\"Failed to start "
                  "VirtualMachineInstance with flags 0.\"",
                  ",\"reason\":%s", "}"},
                 "joined with the 2 lines after it"},
                {{"{\"component\":\"virt-launcher\",\"level\":\"error\",\"msg\":\"Failed to start "
                  "VirtualMachineInstance with flags 0.\",\"reason\":%s}",
                  "{\"component\":\"virt-launcher\",\"level\":\"info\",\"msg\":\"Domain started.\"}"},
                 NULL},
                {{"{\"component\":\"virt-launcher\",\"level\":\"error\",\"msg\":",
                  "{\"component\":\"virt-launcher\",\"level\":\"error\",\"reason\":%s}"},
                 NULL},
                {{"{\"component\":\"virt-launcher\",\"level\":\"error\"}", ",\"reason\":%s}"}, NULL},
                {{"The VMI does not start, virt-launcher says:", "%s"}, NULL},
        };
        RuleSet *rs = load_shipped_rules(NULL);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char path[] = "/tmp/vx-feed-json-XXXXXX";
                FILE *f = create_temp(path);
                for (size_t l = 0; l < ELEMENTSOF(cases[i].text) && cases[i].text[l]; l++) {
                        const char *t = cases[i].text[l], *at = strstr(t, "%s");
                        if (at)
                                fprintf(f, "%.*s%s%s\n", (int) (at - t), t, reason, at + 2);
                        else
                                fprintf(f, "%s\n", t);
                }
                assert_int_equal(fclose(f), 0);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                /* the message read in every case: alone where a line holds all of it */
                if (!strstr(got.json, "not-bound-to-vfio") && i != 4)
                        fail_msg("case %zu: the message was not read: %s", i, got.json);
                if (cases[i].want)
                        assert_non_null(strstr(got.json, cases[i].want));
                else if (strstr(got.json, "joined with"))
                        fail_msg("case %zu: lines that are not one record joined: %s", i, got.json);
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* A JSON record broken by hand whose lines a block of the reader ends between: the block after holds no
 * line that starts with '{' (which would have it read line by line), so its first lines are read because
 * they go on with the block before's last (lines of 256 bytes, blanks after the text: every block ends after
 * the same number of lines). last: the record's first line or its second is the first block's last. */
static void test_json_record_across_blocks(void **state) {
        static const char *const record[] = {
                "{\"component\":\"virt-launcher\",\"level\":\"error\",\"msg\":\"Failed to start "
                "VirtualMachineInstance with flags 0.\",",
                "\"name\":\"win2016\",\"namespace\":\"admin\",\"reason\":",
                "\"virError(Code=55, Domain=0, Message='Requested operation is not valid: Unmanaged PCI device "
                "0000:c3:1b.1 must be manually detached from the host')\",\"uid\":\"3f45d7ed\"}",
        };
        const unsigned per_block = (VX_LINE_MAX + VX_READ_CHUNK) / 256;
        RuleSet *rs = load_shipped_rules(NULL);
        for (unsigned last = 0; last < 2; last++) {
                char path[] = "/tmp/vx-feed-json-blocks-XXXXXX";
                FILE *f = create_temp(path);
                for (unsigned i = 1; i <= 2 * per_block + 10; i++) {
                        char filler[256];
                        unsigned at = i + last - per_block; /* 0: the record's first line */
                        snprintf(filler, sizeof(filler),
                                 "[%12u.000000] e1000e 0000:00:1f.6 eno1: NIC Link is Up", i);
                        fprintf(f, "%-255s\n", i + last >= per_block && at < 3 ? record[at] : filler);
                }
                assert_int_equal(fclose(f), 0);
                Result ref = by_lines_from(rs, path, false);
                Result got = by_blocks_from(rs, path);
                assert_same(ref, got);
                assert_non_null(strstr(got.json, "not-bound-to-vfio"));
                assert_non_null(strstr(got.json, "joined with the 2 lines after it"));
                free(ref.json);
                free(got.json);
                unlink(path);
        }
        ruleset_free(rs);
}

/* The binary cases stop reading and say why, as the line-by-line reading did. */
static void test_binary(void **state) {
        RuleSet *rs = load_shipped_rules(NULL);
        char path[] = "/tmp/vx-feed-bin-XXXXXX";
        static const struct {
                const char *data;
                size_t len;
                unsigned long binary_line;
                bool journal;
        } cases[] = {
                {"LPKSHHRH\0\0\0\0more\n", 17, 0, true},
                {"first line\nsecond \0 line\nthird\n", 31, 2, false},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int fd = mkstemp(path);
                assert_true(fd >= 0);
                unlink(path);
                strcpy(path + strlen(path) - 6, "XXXXXX");
                assert_int_equal(write(fd, cases[i].data, cases[i].len), (ssize_t) cases[i].len);
                assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
                Analysis *a;
                FeedReport rep;
                assert_int_equal(analysis_new(rs, &a), 0);
                assert_int_equal(analysis_feed_fd(a, "bin", fd, &rep), -EINVAL);
                assert_int_equal(rep.binary_line, cases[i].binary_line);
                assert_int_equal(rep.journal_file, cases[i].journal);
                analysis_free(a);
                close(fd);
        }
        ruleset_free(rs);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_portable),
                cmocka_unit_test(test_cr_line_ends),
                cmocka_unit_test(test_automatic),
                cmocka_unit_test(test_hyperscan_from_first_byte),
                cmocka_unit_test(test_line_memo),
                cmocka_unit_test(test_line_memo_new_boot_in_batch),
                cmocka_unit_test(test_line_memo_guest_judged_in_batch),
                cmocka_unit_test(test_lsmod_grep_by_blocks),
                cmocka_unit_test(test_hits_overflow_marks_every_occurrence),
                cmocka_unit_test(test_hits_overflow_feed),
                cmocka_unit_test(test_binary),
                cmocka_unit_test(test_continuation_across_blocks),
                cmocka_unit_test(test_ulimit_l_across_blocks),
                cmocka_unit_test(test_wrap_across_blocks),
                cmocka_unit_test(test_hard_wraps),
                cmocka_unit_test(test_blank_line_across_blocks),
                cmocka_unit_test(test_padded_wrap_across_literal),
                cmocka_unit_test(test_cri_partial_lines),
                cmocka_unit_test(test_cri_part_bound),
                cmocka_unit_test(test_cri_many_parts),
                cmocka_unit_test(test_json_records),
                cmocka_unit_test(test_json_record_across_blocks),
        };
        return tests_exit_status(cmocka_run_group_tests(tests, setup, teardown));
}
