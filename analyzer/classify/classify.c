/* SPDX-License-Identifier: MIT */
/* Line classification: recognises each log format by its prefix and strips it. No I/O. */
#define _GNU_SOURCE
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "journal_json.h"
#include "json_object.h"
#include "pci_address.h"
#include "string_table.h"
#include "swar.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/line.h"
#include "vfioexplain/macro.h"

struct LineClassifier {
        char *scratch; /* decoded journal JSON message */
        JournalJsonFields json;
};

int line_classifier_new(LineClassifier **ret) {
        _cleanup_free_ LineClassifier *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->scratch = malloc(VX_MESSAGE_MAX + 1);
        if (!c->scratch)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

LineClassifier *line_classifier_free(LineClassifier *c) {
        if (!c)
                return NULL;
        if (c->json.root)
                json_object_put(c->json.root);
        free(c->scratch);
        free(c);
        return NULL;
}

static const char *const source_table[_SOURCE_MAX] = {
        [SOURCE_KERNEL] = "kernel", [SOURCE_QEMU] = "qemu",       [SOURCE_LIBVIRT] = "libvirt",
        [SOURCE_TRACE] = "trace",   [SOURCE_JOURNAL] = "journal", [SOURCE_GUEST] = "guest",
        [SOURCE_PROBE] = "probe",   [SOURCE_SHELL] = "shell",     [SOURCE_UNKNOWN] = "unknown",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(source, Source)
/* "unknown" is what a line without a prefix is, never a source a rule names. */
DEFINE_STRING_TABLE_LOOKUP_FROM_STRING_BELOW(source, SOURCE_UNKNOWN)

static const char *const line_format_table[_FORMAT_MAX] = {
        [FORMAT_BARE] = "bare",
        [FORMAT_DMESG] = "dmesg",
        [FORMAT_DMESG_CTIME] = "dmesg-ctime",
        [FORMAT_DMESG_DECODE] = "dmesg-decode",
        [FORMAT_DMESG_RAW] = "dmesg-raw",
        [FORMAT_KMSG] = "kmsg",
        [FORMAT_JOURNAL_SHORT] = "journal",
        [FORMAT_JOURNAL_JSON] = "journal-json",
        [FORMAT_JOURNAL_ENTRY] = "journal",
        [FORMAT_AUDIT] = "audit",
        [FORMAT_QEMU] = "qemu",
        [FORMAT_LIBVIRT_LOG] = "libvirt-log",
        [FORMAT_VIRSH] = "virsh",
        [FORMAT_QEMU_TRACE] = "qemu-trace",
        [FORMAT_KERNEL_TRACE] = "kernel-trace",
        [FORMAT_LOGCAT] = "logcat",
        [FORMAT_QMP] = "qmp",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(line_format, LineFormat)

static bool is_lower_word_char(char c) {
        return (c >= 'a' && c <= 'z') || span_is_digit(c) || c == '_';
}

/* How many decimal digits p starts with, at most max (at most 19: no overflow), and *value theirs. */
static size_t digits_at(const char *p, const char *end, size_t max, uint64_t *value) {
        uint64_t v = 0;
        size_t n = 0;
        for (; p + n < end && n < max && span_is_digit(p[n]); n++)
                v = v * 10 + (uint64_t) (p[n] - '0');
        *value = v;
        return n;
}

/* The kernel's own "[%5lu.%06lu]" (printk.c print_time(), and dmesg's), checked 8 bytes at a time at its
 * fixed places: the general loops were half the cost of a line the line memo knows. */
static inline bool eat_fixed_mono_stamp(Span *s, double *mono) {
        const uint64_t sec_bytes = UINT64_C(0x0000808080808000), frac_bytes = UINT64_C(0x0080808080808000);
        const char *p = s->p;

        if (s->len < 14 || p[0] != '[' || p[6] != '.' || p[13] != ']')
                return false;
        uint64_t head = swar_load_le64(p), tail = swar_load_le64(p + 6); /* "[    1.2", ".234567]" */
        uint64_t digits = swar_digit_bytes(head) & sec_bytes,
                 blanks = swar_bytes_equal(head, ' ') & sec_bytes;
        /* Blanks, then digits up to the '.': no blank after the first digit. */
        if ((digits | blanks) != sec_bytes || blanks >= (digits & -digits) ||
            (swar_digit_bytes(tail) & frac_bytes) != frac_bytes)
                return false;
        if (mono) {
                const char *sec_start = p + 1;
                uint64_t sec, frac;
                while (*sec_start == ' ')
                        sec_start++;
                (void) digits_at(sec_start, p + 6, 5, &sec);
                (void) digits_at(p + 7, p + 13, 6, &frac);
                *mono = (double) sec + (double) frac / 1e6;
        }
        span_advance(s, 14);
        return true;
}

/* "[    1.234567]" seconds since boot, of any width. Every dmesg line starts with one: written out, without
 * the general eaters' saturation (twelve and nine digits cannot overflow). */
static bool eat_any_mono_stamp(Span *s, double *mono) {
        const char *p = s->p, *end = s->p + s->len;
        size_t n_sec, n_frac;
        uint64_t sec, frac;

        if (p == end || *p != '[')
                return false;
        for (p++; p < end && (*p == ' ' || *p == '\t'); p++)
                ;
        if ((n_sec = digits_at(p, end, 12, &sec)) == 0 || (p += n_sec) == end || *p != '.')
                return false;
        if ((n_frac = digits_at(++p, end, 9, &frac)) == 0)
                return false;
        p += n_frac;
        /* dmesg -d appends the delta: [    1.234567 <    0.000012>] */
        if (p < end && *p == ' ') {
                if (++p == end || *p != '<')
                        return false;
                const char *gt = memchr(p, '>', (size_t) (end - p));
                if (!gt)
                        return false;
                p = gt + 1;
        }
        if (p == end || *p != ']')
                return false;
        if (mono) {
                /* One division by an exact power of ten: a division per digit was a tenth of the time of
                 * every kernel line. */
                static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
                *mono = (double) sec + (double) frac / scale[n_frac];
        }
        span_advance(s, (size_t) (p + 1 - s->p));
        return true;
}

static bool eat_mono_stamp(Span *s, double *mono) {
        return eat_fixed_mono_stamp(s, mono) || eat_any_mono_stamp(s, mono);
}

static bool eat_month(Span *s) {
        static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        /* Tried on the first bytes of most lines: those that cannot start a month's name go at once. */
        if (s->len < 3 || !strchr("JFMASOND", s->p[0]) || s->p[0] == 0)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(months); i++)
                if (span_eat_literal(s, months[i]))
                        return true;
        return false;
}

static bool eat_weekday(Span *s) {
        static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
        for (size_t i = 0; i < ELEMENTSOF(days); i++)
                if (span_eat_literal(s, days[i]))
                        return true;
        return false;
}

static bool eat_hms(Span *s) {
        Span t = *s;
        if (!span_eat_digits(&t, 2, 2, NULL) || !span_eat_char(&t, ':') ||
            !span_eat_digits(&t, 2, 2, NULL) || !span_eat_char(&t, ':') || !span_eat_digits(&t, 2, 2, NULL))
                return false;
        *s = t;
        return true;
}

/* dmesg -T: "[Mon Nov 23 19:49:55 2026]"; the day of month is space padded. */
static bool eat_ctime_stamp(Span *s) {
        Span t = *s;
        if (!span_eat_char(&t, '[') || !eat_weekday(&t) || !span_eat_char(&t, ' ') || !eat_month(&t) ||
            !span_eat_char(&t, ' '))
                return false;
        span_eat_blanks(&t);
        if (!span_eat_digits(&t, 1, 2, NULL) || !span_eat_char(&t, ' ') || !eat_hms(&t) ||
            !span_eat_char(&t, ' ') || !span_eat_digits(&t, 4, 4, NULL) || !span_eat_char(&t, ']'))
                return false;
        *s = t;
        return true;
}

/* dmesg -H: "[Nov23 19:49]" or "[  +0.000123]". */
static bool eat_human_stamp(Span *s) {
        Span t = *s;
        if (!span_eat_char(&t, '['))
                return false;
        if (eat_month(&t)) {
                if (!span_eat_digits(&t, 1, 2, NULL) || !span_eat_char(&t, ' ') ||
                    !span_eat_digits(&t, 2, 2, NULL) || !span_eat_char(&t, ':') ||
                    !span_eat_digits(&t, 2, 2, NULL))
                        return false;
        } else {
                span_eat_blanks(&t);
                if (!span_eat_char(&t, '+') || !span_eat_digits(&t, 1, 12, NULL) ||
                    !span_eat_char(&t, '.') || !span_eat_digits(&t, 1, 9, NULL))
                        return false;
        }
        if (!span_eat_char(&t, ']'))
                return false;
        *s = t;
        return true;
}

/* "2026-11-23T19:49:55[.123456](Z|+0000|+00:00)" as journalctl short-iso, QEMU -msg timestamp=on, rsyslog.
 */
static bool eat_iso_stamp(Span *s, bool need_t) {
        Span t = *s;
        if (!span_eat_digits(&t, 4, 4, NULL) || !span_eat_char(&t, '-') ||
            !span_eat_digits(&t, 2, 2, NULL) || !span_eat_char(&t, '-') || !span_eat_digits(&t, 2, 2, NULL))
                return false;
        if (!span_eat_char(&t, 'T') && (need_t || !span_eat_char(&t, ' ')))
                return false;
        if (!eat_hms(&t))
                return false;
        if (span_eat_char(&t, '.') && !span_eat_digits(&t, 1, 9, NULL))
                return false;
        if (!span_eat_char(&t, 'Z')) {
                if (!span_eat_char(&t, '+') && !span_eat_char(&t, '-'))
                        return false;
                if (!span_eat_digits(&t, 2, 2, NULL))
                        return false;
                span_eat_char(&t, ':');
                if (!span_eat_digits(&t, 2, 2, NULL))
                        return false;
        }
        *s = t;
        return true;
}

/* journalctl short: "Nov 23 19:49:55[.123456]" */
static bool eat_syslog_stamp(Span *s) {
        Span t = *s;
        if (!eat_month(&t) || !span_eat_char(&t, ' '))
                return false;
        span_eat_blanks(&t);
        if (!span_eat_digits(&t, 1, 2, NULL) || !span_eat_char(&t, ' ') || !eat_hms(&t))
                return false;
        if (span_eat_char(&t, '.') && !span_eat_digits(&t, 1, 9, NULL))
                return false;
        *s = t;
        return true;
}

static bool is_ident_char(char c) {
        return c > ' ' && c != '[' && c != ']' && c != ':' && (unsigned char) c < 0x7f;
}

/* qemu-system-x86_64, qemu-kvm (RHEL), kvm (Proxmox's wrapper name), qemu-8.2-system-x86_64 (versioned
 * builds side by side), qemu. */
static bool ident_is_qemu(Span ident) {
        if (span_starts_with(ident, "qemu-system-") || span_equals(ident, "qemu-kvm") ||
            span_equals(ident, "qemu") || span_equals(ident, "kvm"))
                return true;
        return span_starts_with(ident, "qemu-") && span_find(ident, "-system-") != NULL;
}

static Source source_of_ident(Span ident) {
        if (span_equals(ident, "kernel") || span_equals(ident, "audit"))
                return SOURCE_KERNEL;
        /* Proxmox VE's QEMU, once daemonized, writes its stderr to the journal as "QEMU" (pve-qemu's patch
         * "PVE: redirect stderr to journal when daemonized", sd_journal_stream_fd("QEMU", LOG_ERR, 0)). */
        if (ident_is_qemu(ident) || span_equals(ident, "QEMU"))
                return SOURCE_QEMU;
        if (span_equals(ident, "libvirtd") || span_equals(ident, "virtqemud") ||
            span_equals(ident, "virtproxyd") || span_equals(ident, "virtnodedevd") ||
            span_equals(ident, "libvirt") || span_equals(ident, "virsh"))
                return SOURCE_LIBVIRT;
        return SOURCE_JOURNAL;
}

/* "host ident[pid]: " after a journal timestamp. The identifier must be "kernel" or carry a [pid] when
 * strict, so that a dmesg message such as "pci 0000:00:01.0: ..." is not mistaken for one. */
/* "ident[pid]: " or "kernel: " at s: the journal's identifier, l's ident once eaten. */
static bool eat_bare_ident(Span *s, Line *l) {
        Span t = *s, ident;
        bool pid = false;

        ident.p = t.p;
        while (t.len > 0 && is_ident_char(t.p[0]))
                span_advance(&t, 1);
        ident.len = (size_t) (t.p - ident.p);
        if (ident.len == 0)
                return false;
        if (span_eat_char(&t, '[')) {
                if (!span_eat_digits(&t, 1, 10, NULL) || !span_eat_char(&t, ']'))
                        return false;
                pid = true;
        }
        if (!span_eat_char(&t, ':') || (!pid && !span_equals(ident, "kernel")))
                return false;
        span_eat_char(&t, ' ');
        l->host = (Span){0};
        l->ident = ident;
        *s = t;
        return true;
}

/* "ident[pid]: " or "kernel: " with no host before it: journalctl --no-hostname (journalctl -k -o
 * short-monotonic --no-hostname is a common "dmesg" alias). Without a pid only "kernel" is taken, so that
 * "2024-...Z qemu-system-x86_64: ..." stays QEMU's own -msg timestamp=on line. */
static bool eat_ident_no_host(Span *s, Line *l) {
        Span t = *s;

        if (!span_eat_char(&t, ' ') || !eat_bare_ident(&t, l))
                return false;
        *s = t;
        return true;
}

static bool eat_host_ident(Span *s, bool strict, Line *l) {
        Span t = *s, host, ident;
        bool pid = false;

        if (eat_ident_no_host(s, l))
                return true;
        if (!span_eat_char(&t, ' '))
                return false;
        host.p = t.p;
        while (t.len > 0 && t.p[0] != ' ' && (unsigned char) t.p[0] > ' ')
                span_advance(&t, 1);
        host.len = (size_t) (t.p - host.p);
        /* "2024-...Z qemu-system-x86_64: mlockall: ..." is QEMU with -msg timestamp=on, not a host. */
        if (host.len == 0 || host.p[host.len - 1] == ':' || !span_eat_char(&t, ' '))
                return false;
        ident.p = t.p;
        while (t.len > 0 && is_ident_char(t.p[0]))
                span_advance(&t, 1);
        ident.len = (size_t) (t.p - ident.p);
        if (ident.len == 0)
                return false;
        if (span_eat_char(&t, '[')) {
                if (!span_eat_digits(&t, 1, 10, NULL) || !span_eat_char(&t, ']'))
                        return false;
                pid = true;
        }
        if (!span_eat_char(&t, ':'))
                return false;
        if (strict && !pid && !span_equals(ident, "kernel"))
                return false;
        span_eat_char(&t, ' ');
        l->host = host;
        l->ident = ident;
        *s = t;
        return true;
}

static void set_view(Line *l, Source src, Span text) {
        l->views[0] = (LineView){.source = src, .text = text};
        l->n_views = 1;
}

static void add_view(Line *l, Source src, Span text) {
        if (l->n_views < ELEMENTSOF(l->views))
                l->views[l->n_views++] = (LineView){.source = src, .text = text};
}

/* QEMU's address of the assigned device in an option location: host=01:00.0, "host":"0000:01:00.0",
 * or sysfsdev=/sys/bus/pci/devices/0000:01:00.0. */
static void location_address(Line *l) {
        Span loc = l->location, v;
        const char *p;

        if ((p = span_find(loc, "host="))) {
                v = span_make(p + 5, loc.len - (size_t) (p + 5 - loc.p));
                const char *e = memchr(v.p, ',', v.len);
                if (e)
                        v.len = (size_t) (e - v.p);
        } else if ((p = span_find(loc, "\"host\":\""))) {
                v = span_make(p + 8, loc.len - (size_t) (p + 8 - loc.p));
                const char *e = memchr(v.p, '"', v.len);
                if (!e)
                        return;
                v.len = (size_t) (e - v.p);
        } else if ((p = span_find(loc, "/sys/bus/pci/devices/"))) {
                v = span_make(p + 21, loc.len - (size_t) (p + 21 - loc.p));
                size_t n = 0;
                while (n < v.len && v.p[n] != ',' && v.p[n] != '"' && v.p[n] != '/')
                        n++;
                v.len = n;
        } else
                return;
        (void) pci_address_normalize(v.p, v.len, l->location_address);
}

/* util/qemu-error.c print_loc() of a line read from a -readconfig file (LOC_FILE), right after the program
 * name: ":FILE:LINE: ", or ":FILE: " where the line is 0. incus and LXD give QEMU its devices that way, so
 * every error of their VMs' devices has it. On success *s is past it and *ret is "FILE:LINE". */
static bool eat_file_location(Span *s, Span *ret) {
        Span t = *s, loc;
        if (!span_eat_char(&t, ':') || !span_eat_until_literal(&t, ": ", &loc) || loc.len == 0 ||
            memchr(loc.p, ' ', loc.len))
                return false;
        const char *colon = memrchr(loc.p, ':', loc.len);
        if (colon) {
                Span num = span_make(colon + 1, loc.len - (size_t) (colon + 1 - loc.p));
                if (colon == loc.p || num.len == 0)
                        return false;
                for (size_t i = 0; i < num.len; i++)
                        if (!span_is_digit(num.p[i]))
                                return false;
        } else if (!memchr(loc.p, '/', loc.len))
                return false;
        span_advance(&t, 2);
        *s = t;
        *ret = loc;
        return true;
}

/* After an optional ISO time: "qemu-system-x86_64: " (or a path to it), then an optional option location. */
static bool parse_qemu(Span s, Line *l, bool with_stamp) {
        Span t = s, stamp = {0}, prog;

        if (with_stamp) {
                Span before = t;
                if (eat_iso_stamp(&t, true)) {
                        stamp = span_make(before.p, (size_t) (t.p - before.p));
                        if (!span_eat_char(&t, ' '))
                                return false;
                }
        }
        prog.p = t.p;
        while (t.len > 0 && t.p[0] != ':' && t.p[0] != ' ')
                span_advance(&t, 1);
        prog.len = (size_t) (t.p - prog.p);
        Span file_loc = {0};
        if (!span_eat_literal(&t, ": ") && !eat_file_location(&t, &file_loc))
                return false;
        const char *slash = memrchr(prog.p, '/', prog.len);
        Span base = slash ? span_make(slash + 1, prog.len - (size_t) (slash + 1 - prog.p)) : prog;
        if (!ident_is_qemu(base))
                return false;

        l->format = FORMAT_QEMU;
        l->ident = base;
        if (stamp.len > 0)
                l->stamp = stamp;
        if (file_loc.len > 0) {
                l->location = file_loc;
                set_view(l, SOURCE_QEMU, t);
                return true;
        }
        /* error_print_loc(): "-device vfio-pci,host=...: " or "-device {json}: " */
        if (t.len > 1 && t.p[0] == '-' && t.p[1] != ' ') {
                Span loc;
                Span u = t;
                if (span_eat_until_literal(&u, ": ", &loc) && memchr(loc.p, ' ', loc.len)) {
                        l->location = loc;
                        span_advance(&u, 2);
                        t = u;
                        location_address(l);
                }
        }
        set_view(l, SOURCE_QEMU, t);
        return true;
}

/* QEMU's error for a QMP command that libvirt quotes: "unable to execute QEMU command '%s': %s" (libvirt
 * src/qemu/qemu_monitor_json.c qemuMonitorJSONCheckError(), qemuMonitorJSONCheckErrorFull() since 7.x), as a
 * device_add of a hot-plugged device fails ("... 'device_add': vfio 0000:01:00.0: error getting device from
 * group 12: Invalid argument"). QEMU's text has no program name there; it is QEMU's message all the same. */
static void add_qmp_error(Line *l, Span msg) {
        static const char lead[] = "unable to execute QEMU command '";
        const char *p = span_find(msg, lead);
        if (!p)
                return;
        Span t = span_make(p + sizeof(lead) - 1, msg.len - (size_t) (p + sizeof(lead) - 1 - msg.p)), cmd;
        if (!span_eat_until_literal(&t, "': ", &cmd) || cmd.len == 0 || memchr(cmd.p, ' ', cmd.len))
                return;
        span_advance(&t, 3);
        if (t.len)
                add_view(l, SOURCE_QEMU, t);
}

/* QEMU text that libvirt or virsh quotes inside its own message. */
static void add_embedded_qemu(Line *l) {
        Span msg = l->views[0].text;
        const char *p = span_find(msg, "qemu-system-");
        if (!p)
                p = span_find(msg, "qemu-kvm: ");
        if (!p) {
                add_qmp_error(l, msg);
                return;
        }
        Line q = {0};
        if (!parse_qemu(span_make(p, msg.len - (size_t) (p - msg.p)), &q, false))
                return;
        add_view(l, SOURCE_QEMU, q.views[0].text);
        if (!l->location.len) {
                l->location = q.location;
                memcpy(l->location_address, q.location_address, sizeof(l->location_address));
        }
}

/* The view of a message a journal or syslog line carries from src: QEMU's own location prefix taken off, and
 * the QEMU text a libvirt message quotes as a view of its own. */
static bool parse_libvirt_log(Span s, Line *l);

static void set_message_view(Line *l, Source src, Span msg) {
        if (src == SOURCE_LIBVIRT) {
                /* libvirtd's stderr in the journal or syslog (log_outputs "...:stderr", a Qubes dom0) keeps
                 * libvirt's own prefix: "libvirtd[8423]: 2017-10-19 10:37:17.260+0000: 8443: error :
                 * virPCIDeviceReset:1002 : internal error: ...". */
                Line own = {.priority = -1, .mono = -1};
                if (parse_libvirt_log(msg, &own)) {
                        msg = own.views[0].text;
                        if (own.priority >= 0)
                                l->priority = own.priority;
                }
        }
        if (src == SOURCE_QEMU) {
                Line q = {0};
                if (parse_qemu(msg, &q, true)) {
                        l->location = q.location;
                        memcpy(l->location_address, q.location_address, sizeof(l->location_address));
                        msg = q.views[0].text;
                }
        }
        set_view(l, src, msg);
        if (src == SOURCE_LIBVIRT)
                add_embedded_qemu(l);
}

/* dmesg -x "kern  :err   : " */
static bool eat_decode_prefix(Span *s, int *prio) {
        static const char *const levels[] = {"emerg", "alert",  "crit", "err",
                                             "warn",  "notice", "info", "debug"};
        Span t = *s, fac;
        if (!span_eat_until(&t, ':', &fac) || fac.len < 2 || fac.len > 8)
                return false;
        for (size_t i = 0; i < fac.len; i++)
                if (!(fac.p[i] >= 'a' && fac.p[i] <= 'z') && !span_is_digit(fac.p[i]) && fac.p[i] != ' ')
                        return false;
        span_advance(&t, 1);
        for (size_t i = 0; i < ELEMENTSOF(levels); i++) {
                Span u = t;
                if (span_eat_literal(&u, levels[i])) {
                        span_eat_blanks(&u);
                        if (!span_eat_literal(&u, ": "))
                                return false;
                        *prio = (int) i;
                        *s = u;
                        return true;
                }
        }
        return false;
}

/* A kernel line once its stamp (before[0..t)) is eaten. */
static void kernel_after_stamp(Span before, Span t, double mono, Line *l, LineFormat format) {
        l->stamp = span_make(before.p, (size_t) (t.p - before.p));
        l->mono = mono;
        span_eat_char(&t, ' ');
        l->format = format;
        set_view(l, SOURCE_KERNEL, t);
}

static bool parse_kernel_stamped(Span t, Line *l, LineFormat format) {
        Span before = t;
        double mono = -1;

        bool ctime = false;
        if (eat_mono_stamp(&t, &mono) || (ctime = eat_ctime_stamp(&t)) || eat_human_stamp(&t)) {
                if (ctime && format == FORMAT_DMESG)
                        format = FORMAT_DMESG_CTIME;
                kernel_after_stamp(before, t, mono, l, format);
                return true;
        }
        return false;
}

/* /dev/kmsg: "PRI,SEQ,USEC,FLAGS[,...];MESSAGE" */
static bool parse_kmsg(Span s, Line *l) {
        Span t = s, rest;
        uint64_t pri, usec;
        if (!span_eat_digits(&t, 1, 5, &pri) || !span_eat_char(&t, ',') ||
            !span_eat_digits(&t, 1, 20, NULL) || !span_eat_char(&t, ',') ||
            !span_eat_digits(&t, 1, 20, &usec) || !span_eat_char(&t, ','))
                return false;
        if (!span_eat_until(&t, ';', &rest) || rest.len == 0 || rest.len > 32)
                return false;
        l->stamp = span_make(s.p, (size_t) (t.p - s.p));
        span_advance(&t, 1);
        l->format = FORMAT_KMSG;
        l->priority = (int) (pri & 7);
        l->mono = (double) usec / 1e6;
        set_view(l, SOURCE_KERNEL, t);
        return true;
}

/* Kernel trace text: "  task-1234   [001] d.h1. 12345.678901: event: args" */
static bool parse_kernel_trace(Span s, Line *l) {
        Span t = s;
        const char *br = span_find(t, " [");
        if (!br || br == t.p)
                return false;
        span_advance(&t, (size_t) (br - t.p) + 2);
        if (!span_eat_digits(&t, 3, 4, NULL) || !span_eat_char(&t, ']') || span_eat_blanks(&t) == 0)
                return false;
        /* Optional irq-flags column: 4 or 5 characters of [.a-zA-Z0-9] */
        Span u = t;
        if (!span_eat_digits(&u, 1, 12, NULL) || !span_eat_char(&u, '.')) {
                size_t n = 0;
                while (n < t.len && t.p[n] != ' ')
                        n++;
                if (n < 3 || n > 6)
                        return false;
                span_advance(&t, n);
                span_eat_blanks(&t);
        }
        Span stamp_start = t;
        if (!span_eat_digits(&t, 1, 12, NULL) || !span_eat_char(&t, '.') ||
            !span_eat_digits(&t, 1, 9, NULL) || !span_eat_literal(&t, ": "))
                return false;
        Span ev = t;
        size_t n = 0;
        while (n < ev.len && is_lower_word_char(ev.p[n]))
                n++;
        if (n == 0 || n >= ev.len || ev.p[n] != ':')
                return false;
        l->format = FORMAT_KERNEL_TRACE;
        l->stamp = span_make(stamp_start.p, (size_t) (t.p - stamp_start.p) - 2);
        set_view(l, SOURCE_TRACE, t);
        return true;
}

/* QEMU -trace with the log backend: "1234@1700000000.123456:vfio_x args" or a bare "vfio_x args". */
static bool parse_qemu_trace(Span s, Line *l) {
        Span t = s;
        Span u = s;
        if (span_eat_digits(&u, 1, 10, NULL) && span_eat_char(&u, '@') && span_eat_digits(&u, 1, 12, NULL) &&
            span_eat_char(&u, '.') && span_eat_digits(&u, 1, 9, NULL) && span_eat_char(&u, ':')) {
                l->stamp = span_make(s.p, (size_t) (u.p - s.p) - 1);
                t = u;
        } else if (!span_starts_with(t, "vfio_"))
                return false;
        size_t n = 0;
        while (n < t.len && is_lower_word_char(t.p[n]))
                n++;
        if (n < 3 || (n < t.len && t.p[n] != ' '))
                return false;
        l->format = FORMAT_QEMU_TRACE;
        set_view(l, SOURCE_TRACE, t);
        return true;
}

/* libvirt: "2024-05-01 10:00:00.123+0000: 1234: error : virFoo:123 : msg" or "...+0000: starting up ..." */
static bool parse_libvirt_log(Span s, Line *l) {
        Span t = s;
        if (!eat_iso_stamp(&t, false) || !span_eat_literal(&t, ": "))
                return false;
        l->stamp = span_make(s.p, (size_t) (t.p - s.p) - 2);
        l->format = FORMAT_LIBVIRT_LOG;
        Span u = t, func;
        if (span_eat_digits(&u, 1, 20, NULL) && span_eat_literal(&u, ": ")) {
                static const char *const levels[] = {"debug", "info", "warning", "error"};
                for (size_t i = 0; i < ELEMENTSOF(levels); i++) {
                        Span w = u;
                        if (!span_eat_literal(&w, levels[i]))
                                continue;
                        span_eat_blanks(&w);
                        if (!span_eat_literal(&w, ": ") || !span_eat_until_literal(&w, " : ", &func))
                                break;
                        span_advance(&w, 3);
                        l->priority = i == 0 ? 7 : i == 1 ? 6 : i == 2 ? 4 : 3;
                        l->ident = func;
                        t = w;
                        break;
                }
        }
        set_view(l, SOURCE_LIBVIRT, t);
        add_embedded_qemu(l);
        return true;
}

/* The message of a journal line at t, its identifier eaten. */
static void journal_after_ident(Span t, double mono, Line *l) {
        l->format = FORMAT_JOURNAL_SHORT;
        l->mono = mono;
        Source src = source_of_ident(l->ident);
        if (src == SOURCE_KERNEL) {
                /* syslog daemons of old kept the kernel's own "[    1.234567] " */
                Span k = t;
                double m;
                if (eat_mono_stamp(&k, &m)) {
                        span_eat_char(&k, ' ');
                        l->mono = m;
                        t = k;
                }
        }
        set_message_view(l, src, t);
}

/* The rest of a journal line once its stamp (before[0..t)) is eaten; mono >= 0 for short-monotonic's. */
static bool journal_short_after_stamp(Span before, Span t, double mono, Line *l) {
        bool strict = mono >= 0; /* short-monotonic looks like dmesg */

        l->stamp = span_make(before.p, (size_t) (t.p - before.p));
        if (!eat_host_ident(&t, strict, l))
                return false;
        journal_after_ident(t, mono, l);
        return true;
}

/* A journal line whose stamp and host were cut off ("kernel: vfio-pci 0000:04:00.0: ...", "libvirtd[812]:
 * ..."): copied from the middle of a line, or by a forum's or a blog's quote. Only "kernel" and an
 * identifier with its [pid] are taken: "qemu-system-x86_64: " is QEMU's own prefix. */
static bool parse_journal_cut(Span s, Line *l) {
        Line cut = *l;
        /* the journal writes a blank after the colon */
        if (!eat_bare_ident(&s, &cut) || s.p[-1] != ' ')
                return false;
        *l = cut;
        journal_after_ident(s, -1, l);
        return true;
}

static bool parse_journal_short(Span s, Line *l) {
        Span t = s;
        double mono = -1;

        if (!eat_syslog_stamp(&t) && !eat_iso_stamp(&t, true) && !eat_mono_stamp(&t, &mono))
                return false;
        return journal_short_after_stamp(s, t, mono, l);
}

/* Android's log priority letters (liblog logprint.cpp filterPriToChar()), as syslog levels. */
static int logcat_priority(char c) {
        switch (c) {
        case 'V':
        case 'D':
                return 7;
        case 'I':
                return 6;
        case 'W':
                return 4;
        case 'E':
                return 3;
        case 'F':
                return 2;
        case 'S':
                return 7;
        default:
                return -2;
        }
}

/* "PRI/tag     ( 1234): " of logcat's brief and time formats (liblog logprint.cpp
 * android_log_formatLogLine(): "%c/%-8s(%5d): "). */
static bool eat_logcat_brief(Span *s, Line *l) {
        Span t = *s, tag;
        int prio;
        if (t.len < 3 || (prio = logcat_priority(t.p[0])) < -1 || t.p[1] != '/')
                return false;
        span_advance(&t, 2);
        if (!span_eat_until(&t, '(', &tag) || tag.len == 0 || !span_eat_char(&t, '('))
                return false;
        span_eat_blanks(&t);
        if (!span_eat_digits(&t, 1, 10, NULL) || !span_eat_literal(&t, "): "))
                return false;
        while (tag.len > 0 && tag.p[tag.len - 1] == ' ')
                tag.len--;
        if (tag.len == 0)
                return false;
        l->priority = prio;
        l->ident = tag;
        *s = t;
        return true;
}

/* adb logcat: threadtime (the default since Android 7, "%s %5d %5d %c %-8s: "), time
 * ("%s %c/%-8s(%5d): ") and brief, after liblog logprint.cpp android_log_formatLogLine(); the time is
 * "%m-%d %H:%M:%S" and ".%03ld". Only an Android system prints these, so they are the guest's. */
static bool parse_logcat(Span s, Line *l) {
        Span t = s;
        if (span_is_digit(t.p[0])) {
                if (!span_eat_digits(&t, 2, 2, NULL) || !span_eat_char(&t, '-') ||
                    !span_eat_digits(&t, 2, 2, NULL) || !span_eat_char(&t, ' ') || !eat_hms(&t) ||
                    !span_eat_char(&t, '.') || !span_eat_digits(&t, 3, 3, NULL))
                        return false;
                l->stamp = span_make(s.p, (size_t) (t.p - s.p));
                if (span_eat_blanks(&t) == 0)
                        return false;
                Span u = t, tag;
                if (span_eat_digits(&u, 1, 10, NULL)) {
                        /* threadtime: pid, tid, priority, the tag padded to 8, ": " */
                        int prio;
                        if (span_eat_blanks(&u) == 0 || !span_eat_digits(&u, 1, 10, NULL) ||
                            !span_eat_char(&u, ' ') || u.len < 2 || (prio = logcat_priority(u.p[0])) < -1 ||
                            u.p[1] != ' ')
                                return false;
                        span_advance(&u, 2);
                        if (!span_eat_until_literal(&u, ": ", &tag))
                                return false;
                        while (tag.len > 0 && tag.p[tag.len - 1] == ' ')
                                tag.len--;
                        if (tag.len == 0)
                                return false;
                        span_advance(&u, 2);
                        l->priority = prio;
                        l->ident = tag;
                        t = u;
                } else if (!eat_logcat_brief(&t, l))
                        return false;
        } else if (!eat_logcat_brief(&t, l))
                return false;
        l->format = FORMAT_LOGCAT;
        set_view(l, SOURCE_GUEST, t);
        return true;
}

void line_as_guest(Line *l) {
        for (size_t v = 0; v < l->n_views; v++)
                l->views[v].source = SOURCE_GUEST;
}

/* A journal entry's own fields say which software wrote it; its message needs no prefix parsing. */
static void classify_fields(const LineFields *f, LineFormat format, Line *l) {
        l->format = format;
        l->priority = f->priority;
        l->host = f->hostname;
        l->ident = f->identifier;
        l->stamp = f->realtime;
        Span msg = f->message;
        /* A journal message may end in a newline; the rules see a line. */
        while (msg.len > 0 && (msg.p[msg.len - 1] == '\n' || msg.p[msg.len - 1] == '\r'))
                msg.len--;
        Source src;
        if (f->kernel_transport)
                src = SOURCE_KERNEL;
        else
                src = source_of_ident(f->identifier);
        set_message_view(l, src, msg);
}

static bool parse_json(LineClassifier *c, Span s, Line *l) {
        JournalJsonFields *f = &c->json;
        if (journal_json_parse(s.p, s.len, c->scratch, VX_MESSAGE_MAX, f) < 0)
                return false;
        classify_fields(&f->fields, FORMAT_JOURNAL_JSON, l);
        return true;
}

/* QEMU's QMP error reply as people paste it from a QMP session or a stubdomain's trace (the monitor prints
 * the object on one line): {"id": ..., "error": {"class": "GenericError", "desc": "msg"}}. The desc is the
 * text QEMU's own error report would have printed. */
static bool parse_qmp_reply(LineClassifier *c, Span s, Line *l) {
        struct json_object *root, *error, *desc;

        if (!span_find(s, "\"error\"") || json_object_parse_whole(s.p, s.len, 8, &root) < 0)
                return false;
        if (!json_object_object_get_ex(root, "error", &error) ||
            !json_object_is_type(error, json_type_object) ||
            !json_object_object_get_ex(error, "desc", &desc) ||
            !json_object_is_type(desc, json_type_string)) {
                json_object_put(root);
                return false;
        }
        size_t n = MIN((size_t) json_object_get_string_len(desc), (size_t) VX_MESSAGE_MAX);
        memcpy(c->scratch, json_object_get_string(desc), n);
        json_object_put(root);
        l->format = FORMAT_QMP;
        l->priority = 3;
        set_message_view(l, SOURCE_QEMU, span_make(c->scratch, n));
        return true;
}

void line_classify_fields(const LineFields *f, Line *ret) {
        Line l = {.priority = -1, .mono = -1};
        classify_fields(f, FORMAT_JOURNAL_ENTRY, &l);
        *ret = l;
}

const LineFields *line_classifier_json_fields(const LineClassifier *c, const Line *l) {
        return l->format == FORMAT_JOURNAL_JSON ? &c->json.fields : NULL;
}

size_t line_dmesg_stamp_len(const char *buf, size_t len) {
        Span t = span_make(buf, len);
        return eat_mono_stamp(&t, NULL) ? (size_t) (t.p - buf) : 0;
}

void line_classify(LineClassifier *c, const char *buf, size_t len, Line *ret) {
        Line l = {.priority = -1, .mono = -1};
        Span s = span_make(buf, len);

        /* A CR of a CRLF file, and trailing blanks, are never part of the message. */
        while (s.len > 0 && (s.p[s.len - 1] == '\r' || s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
                s.len--;

        if (s.len > 0 && s.p[0] == '{' && (parse_json(c, s, &l) || parse_qmp_reply(c, s, &l)))
                goto done;

        if (s.len > 2 && s.p[0] == '<') {
                Span t = s;
                uint64_t pri;
                if (span_eat_char(&t, '<') && span_eat_digits(&t, 1, 4, &pri) && span_eat_char(&t, '>')) {
                        l.priority = (int) (pri & 7);
                        if (!parse_kernel_stamped(t, &l, FORMAT_DMESG_RAW)) {
                                l.format = FORMAT_DMESG_RAW;
                                set_view(&l, SOURCE_KERNEL, t);
                        }
                        goto done;
                }
        }

        if (s.len > 0 && s.p[0] == '[') {
                /* journalctl -o short-monotonic or dmesg: the same stamp, eaten once. */
                Span t = s;
                double mono;
                if (eat_mono_stamp(&t, &mono)) {
                        if (!journal_short_after_stamp(s, t, mono, &l)) {
                                l = (Line){.priority = -1, .mono = -1};
                                kernel_after_stamp(s, t, mono, &l, FORMAT_DMESG);
                        }
                        goto done;
                }
                if (parse_kernel_stamped(s, &l, FORMAT_DMESG))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
        }

        if (s.len > 0 && span_is_digit(s.p[0])) {
                if (parse_kmsg(s, &l))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
                if (parse_qemu_trace(s, &l))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
                if (parse_journal_short(s, &l))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
                if (parse_libvirt_log(s, &l))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
                if (parse_qemu(s, &l, true))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
                if (parse_logcat(s, &l))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
        }

        if (s.len > 0 && s.p[0] >= 'A' && s.p[0] <= 'Z') {
                if (parse_journal_short(s, &l))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
                if (parse_logcat(s, &l))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
        }

        {
                Span t = s;
                int prio;
                if (eat_decode_prefix(&t, &prio)) {
                        l.priority = prio;
                        if (!parse_kernel_stamped(t, &l, FORMAT_DMESG_DECODE)) {
                                l.format = FORMAT_DMESG_DECODE;
                                set_view(&l, SOURCE_KERNEL, t);
                        }
                        goto done;
                }
        }

        if (s.len > 0 && is_ident_char(s.p[0]) && parse_journal_cut(s, &l))
                goto done;
        l = (Line){.priority = -1, .mono = -1};

        if (span_starts_with(s, "type=")) {
                l.format = FORMAT_AUDIT;
                set_view(&l, SOURCE_KERNEL, s);
                goto done;
        }

        if (span_starts_with(s, "error: ")) {
                l.format = FORMAT_VIRSH;
                l.priority = 3;
                set_view(&l, SOURCE_LIBVIRT, span_make(s.p + 7, s.len - 7));
                add_embedded_qemu(&l);
                goto done;
        }

        if (parse_qemu(s, &l, false)) {
                /* "kvm: " is Proxmox's QEMU and the kernel's kvm module (pr_fmt "kvm: ") alike: without a
                 * stamp to tell them apart, the line is offered as both. */
                if (span_equals(l.ident, "kvm") && l.location.len == 0)
                        add_view(&l, SOURCE_KERNEL, s);
                goto done;
        }
        l = (Line){.priority = -1, .mono = -1};

        if (parse_qemu_trace(s, &l))
                goto done;
        l = (Line){.priority = -1, .mono = -1};

        {
                Span t = s;
                span_eat_blanks(&t);
                if (parse_kernel_trace(t, &l))
                        goto done;
                l = (Line){.priority = -1, .mono = -1};
        }

        l.format = FORMAT_BARE;
        set_view(&l, SOURCE_UNKNOWN, s);
        add_embedded_qemu(&l);
done:
        *ret = l;
}
