/* SPDX-License-Identifier: MIT */
/* Kernel trace events of the IOMMU layer, from a trace.dat (libtracecmd) or a private tracefs instance
 * (libtracefs), decoded by libtraceevent into the lines the kernel's trace file prints. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event-parse.h>
#include <kbuffer.h>
#include <trace-cmd.h>
#include <trace-seq.h>
#include <tracefs.h>

#include "dlopen.h"
#include "fileio.h"
#include "strparse.h"
#include "trace.h"
#include "vfioexplain/limits.h"
#include "vfioexplain/macro.h"

#if defined(__SANITIZE_ADDRESS__)
#define VX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VX_ASAN 1
#endif
#endif

static const char *const default_events[] = {
        "iommu:io_page_fault",
        "iommu:add_device_to_group",
        "iommu:remove_device_from_group",
        "iommu:attach_device_to_domain",
        "iommu:detach_device_from_domain",
        "intel_iommu:prq_report",
        NULL,
};

const char *const *trace_default_events(void) {
        return default_events;
}

static void *libtraceevent, *libtracefs, *libtracecmd;
DLSYM_PROTOTYPE(kbuffer_curr_size);
DLSYM_PROTOTYPE(kbuffer_event_size);
DLSYM_PROTOTYPE(kbuffer_free);
DLSYM_PROTOTYPE(kbuffer_load_subbuffer);
DLSYM_PROTOTYPE(kbuffer_missed_events);
DLSYM_PROTOTYPE(kbuffer_next_event);
DLSYM_PROTOTYPE(kbuffer_read_event);
DLSYM_PROTOTYPE(tep_alloc);
DLSYM_PROTOTYPE(tep_data_comm_from_pid);
DLSYM_PROTOTYPE(tep_data_flags);
DLSYM_PROTOTYPE(tep_data_pid);
DLSYM_PROTOTYPE(tep_data_preempt_count);
DLSYM_PROTOTYPE(tep_data_type);
DLSYM_PROTOTYPE(tep_find_event);
DLSYM_PROTOTYPE(tep_find_event_by_name);
DLSYM_PROTOTYPE(tep_free);
DLSYM_PROTOTYPE(tep_get_field_raw);
DLSYM_PROTOTYPE(tep_get_field_val);
DLSYM_PROTOTYPE(tep_kbuffer);
DLSYM_PROTOTYPE(tep_override_comm);
DLSYM_PROTOTYPE(tep_parse_event);
DLSYM_PROTOTYPE(tep_parse_header_page);
DLSYM_PROTOTYPE(tep_print_event);
DLSYM_PROTOTYPE(tep_read_number);
DLSYM_PROTOTYPE(tep_register_event_handler);
DLSYM_PROTOTYPE(tep_set_loglevel);
DLSYM_PROTOTYPE(tep_set_long_size);
DLSYM_PROTOTYPE(tep_set_page_size);
DLSYM_PROTOTYPE(tep_unregister_event_handler);
DLSYM_PROTOTYPE(trace_seq_destroy);
DLSYM_PROTOTYPE(trace_seq_init);
DLSYM_PROTOTYPE(trace_seq_printf);
DLSYM_PROTOTYPE(trace_seq_reset);
DLSYM_PROTOTYPE(trace_seq_terminate);
DLSYM_PROTOTYPE(tracefs_event_file_exists);
DLSYM_PROTOTYPE(tracefs_event_file_write);
DLSYM_PROTOTYPE(tracefs_file_exists);
DLSYM_PROTOTYPE(tracefs_instance_alloc);
DLSYM_PROTOTYPE(tracefs_instance_destroy);
DLSYM_PROTOTYPE(tracefs_instance_file_read_number);
DLSYM_PROTOTYPE(tracefs_instance_file_write);
DLSYM_PROTOTYPE(tracefs_instance_free);
DLSYM_PROTOTYPE(tracefs_instance_set_buffer_size);
DLSYM_PROTOTYPE(tracefs_set_loglevel);
DLSYM_PROTOTYPE(tracefs_tracing_dir_is_mounted);
DLSYM_PROTOTYPE(tracecmd_buffer_instance_handle);
DLSYM_PROTOTYPE(tracecmd_buffer_instance_name);
DLSYM_PROTOTYPE(tracecmd_buffer_instances);
DLSYM_PROTOTYPE(tracecmd_get_tep);
DLSYM_PROTOTYPE(tracecmd_iterate_events_multi);
DLSYM_PROTOTYPE(tracecmd_open_fd);
DLSYM_PROTOTYPE(tracecmd_set_loglevel);

/* The three libraries, loaded on first use (analyzer/base/dlopen.h) and told to be quiet: library
 * code never prints, and they warn on stderr unless told not to. */
static int load_libraries(Diag *d) {
        const char *error = NULL;
        int r = dlopen_many_sym(
                &libtraceevent, VX_SONAME_TRACEEVENT, &error, DLSYM_ARG(kbuffer_curr_size),
                DLSYM_ARG(kbuffer_event_size), DLSYM_ARG(kbuffer_free), DLSYM_ARG(kbuffer_load_subbuffer),
                DLSYM_ARG(kbuffer_missed_events), DLSYM_ARG(kbuffer_next_event),
                DLSYM_ARG(kbuffer_read_event), DLSYM_ARG(tep_alloc), DLSYM_ARG(tep_data_comm_from_pid),
                DLSYM_ARG(tep_data_flags), DLSYM_ARG(tep_data_pid), DLSYM_ARG(tep_data_preempt_count),
                DLSYM_ARG(tep_data_type), DLSYM_ARG(tep_find_event), DLSYM_ARG(tep_find_event_by_name),
                DLSYM_ARG(tep_free), DLSYM_ARG(tep_get_field_raw), DLSYM_ARG(tep_get_field_val),
                DLSYM_ARG(tep_kbuffer), DLSYM_ARG(tep_override_comm), DLSYM_ARG(tep_parse_event),
                DLSYM_ARG(tep_parse_header_page), DLSYM_ARG(tep_print_event), DLSYM_ARG(tep_read_number),
                DLSYM_ARG(tep_register_event_handler), DLSYM_ARG(tep_set_loglevel),
                DLSYM_ARG(tep_set_long_size), DLSYM_ARG(tep_set_page_size),
                DLSYM_ARG(tep_unregister_event_handler), DLSYM_ARG(trace_seq_destroy),
                DLSYM_ARG(trace_seq_init), DLSYM_ARG(trace_seq_printf), DLSYM_ARG(trace_seq_reset),
                DLSYM_ARG(trace_seq_terminate), NULL);
        if (r >= 0)
                r = dlopen_many_sym(
                        &libtracefs, VX_SONAME_TRACEFS, &error, DLSYM_ARG(tracefs_event_file_exists),
                        DLSYM_ARG(tracefs_event_file_write), DLSYM_ARG(tracefs_file_exists),
                        DLSYM_ARG(tracefs_instance_alloc), DLSYM_ARG(tracefs_instance_destroy),
                        DLSYM_ARG(tracefs_instance_file_read_number), DLSYM_ARG(tracefs_instance_file_write),
                        DLSYM_ARG(tracefs_instance_free), DLSYM_ARG(tracefs_instance_set_buffer_size),
                        DLSYM_ARG(tracefs_set_loglevel), DLSYM_ARG(tracefs_tracing_dir_is_mounted), NULL);
        if (r >= 0)
                r = dlopen_many_sym(
                        &libtracecmd, VX_SONAME_TRACECMD, &error, DLSYM_ARG(tracecmd_buffer_instance_handle),
                        DLSYM_ARG(tracecmd_buffer_instance_name), DLSYM_ARG(tracecmd_buffer_instances),
                        DLSYM_ARG(tracecmd_get_tep), DLSYM_ARG(tracecmd_iterate_events_multi),
                        DLSYM_ARG(tracecmd_open_fd), DLSYM_ARG(tracecmd_set_loglevel), NULL);
        if (r < 0) {
                diag_addf(
                        d,
                        "trace events cannot be read without libtraceevent, libtracefs and libtracecmd: %s",
                        error);
                return r;
        }
        sym_tep_set_loglevel(TEP_LOG_NONE);
        sym_tracefs_set_loglevel(TEP_LOG_NONE);
        sym_tracecmd_set_loglevel(TEP_LOG_NONE);
        return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * Event names: "system:event", each part a C identifier, since both become path components of tracefs. */

typedef struct EventName {
        char system[64];
        char name[64];
} EventName;

static bool is_ident(Span s) {
        if (s.len == 0 || s.len >= sizeof(((EventName *) NULL)->name))
                return false;
        for (size_t i = 0; i < s.len; i++) {
                char c = s.p[i];
                if (!(span_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
                        return false;
        }
        return true;
}

static int parse_event_names(const char *const *events, EventName **ret, size_t *ret_n) {
        size_t n = 0;
        if (!events)
                events = default_events;
        while (events[n])
                if (++n > VX_TRACE_EVENTS_MAX)
                        return -E2BIG;
        if (n == 0)
                return -EINVAL;
        _cleanup_free_ EventName *names = calloc(n, sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                Span s = span_from_str(events[i]), sys;
                if (!span_eat_until(&s, ':', &sys) || !span_eat_char(&s, ':') || !is_ident(sys) ||
                    !is_ident(s))
                        return -EINVAL;
                memcpy(names[i].system, sys.p, sys.len);
                memcpy(names[i].name, s.p, s.len);
        }
        *ret = TAKE_PTR(names);
        *ret_n = n;
        return 0;
}

/* ---------------------------------------------------------------------------------------------------------
 * The tasks' names of live events: saved_cmdlines, read again for every batch, since pids are reused
 * (pid_max can be 32768) and a name kept from an earlier read would name another task. */

typedef struct CommEntry {
        int pid;
        const char *comm;
} CommEntry;

typedef struct CommTable {
        char *text;
        CommEntry *e;
        size_t n;
} CommTable;

static void comm_table_done(CommTable *c) {
        free(c->text);
        free(c->e);
        *c = (CommTable){0};
}

static int comm_entry_cmp(const void *a, const void *b) {
        int x = ((const CommEntry *) a)->pid, y = ((const CommEntry *) b)->pid;
        return (x > y) - (x < y);
}

/* Keeps the old table when the file cannot be read. */
static void comm_table_load(CommTable *c, const char *path) {
        char *text;
        size_t len;
        if (file_read(AT_FDCWD, path, 0, VX_TRACE_CMDLINES_MAX, &text, &len) < 0)
                return;
        size_t lines = 1;
        for (size_t i = 0; i < len; i++)
                lines += text[i] == '\n';
        CommEntry *e = calloc(lines, sizeof(*e));
        if (!e) {
                free(text);
                return;
        }
        /* kernel/trace/trace_sched_switch.c saved_cmdlines_show(): "%d %s\n", pid and comm. */
        size_t n = 0;
        Span s = span_make(text, len), line;
        while (span_next_line(&s, &line) && n < lines) {
                uint64_t pid;
                if (!span_eat_digits(&line, 1, 10, &pid) || pid > INT_MAX || !span_eat_char(&line, ' ') ||
                    line.len == 0 || line.len > 64)
                        continue;
                ((char *) line.p)[line.len] = 0; /* the newline, or the NUL file_read() adds */
                e[n++] = (CommEntry){.pid = (int) pid, .comm = line.p};
        }
        qsort(e, n, sizeof(*e), comm_entry_cmp);
        comm_table_done(c);
        *c = (CommTable){.text = text, .e = e, .n = n};
}

/* kernel/trace/trace_sched_switch.c trace_find_cmdline(): "<idle>" for pid 0, "<...>" when unknown. */
static const char *comm_table_find(const CommTable *c, int pid) {
        if (pid == 0)
                return "<idle>";
        CommEntry key = {.pid = pid};
        const CommEntry *e = c->n ? bsearch(&key, c->e, c->n, sizeof(*c->e), comm_entry_cmp) : NULL;
        return e ? e->comm : "<...>";
}

/* ---------------------------------------------------------------------------------------------------------
 * The decoder. */

struct TraceDecoder {
        struct tep_handle *tep;
        bool own_tep;
        EventName *events;
        size_t n_events;
        int ids[VX_TRACE_EVENTS_MAX];
        size_t n_ids;
        bool ids_valid;
        const CommTable *comms; /* live: names from saved_cmdlines; otherwise the tep's own */
        struct trace_seq seq;
        char line[VX_TRACE_LINE_MAX + 1];
        TraceStats stats;
};

/* intel_iommu:prq_report prints its descriptor with decode_prq_descriptor(), a kernel function libtraceevent
 * cannot run, so the event's print format does not parse. Its text is rebuilt from the fields: the layout
 * is TRACE_EVENT(prq_report) in drivers/iommu/intel/trace.h, the wording decode_prq_descriptor() in
 * drivers/iommu/intel/iommu.h (Linux 5.8 and later), the bits those of the VT-d page request descriptor. */
static int print_prq_report(struct trace_seq *s, struct tep_record *rec, struct tep_event *ev,
                            void *userdata) {
        unsigned long long dw0, dw1, dw2, dw3, seq;
        int len_iommu = 0, len_dev = 0;
        const char *iommu = sym_tep_get_field_raw(s, ev, "iommu", rec, &len_iommu, 0);
        const char *dev = sym_tep_get_field_raw(s, ev, "dev", rec, &len_dev, 0);
        if (!iommu || !dev || len_iommu < 0 || len_dev < 0 ||
            sym_tep_get_field_val(s, ev, "dw0", rec, &dw0, 0) < 0 ||
            sym_tep_get_field_val(s, ev, "dw1", rec, &dw1, 0) < 0 ||
            sym_tep_get_field_val(s, ev, "dw2", rec, &dw2, 0) < 0 ||
            sym_tep_get_field_val(s, ev, "dw3", rec, &dw3, 0) < 0 ||
            sym_tep_get_field_val(s, ev, "seq", rec, &seq, 0) < 0)
                return 1; /* libtraceevent prints what it can */
        sym_trace_seq_printf(s, "%.*s/%.*s seq# %ld: ", (int) strnlen(iommu, (size_t) len_iommu), iommu,
                             (int) strnlen(dev, (size_t) len_dev), dev, (long) seq);
        sym_trace_seq_printf(s, "rid=0x%llx addr=0x%llx %c%c%c%c%c pasid=0x%llx index=0x%llx",
                             (dw0 >> 16) & 0xffffu, dw1 >> 12, dw1 & 1u ? 'r' : '-', dw1 & 2u ? 'w' : '-',
                             dw0 & (1ull << 52) ? 'x' : '-', dw0 & (1ull << 53) ? 'p' : '-',
                             dw1 & 4u ? 'l' : '-', (dw0 >> 32) & 0xfffffu, (dw1 >> 3) & 0x1ffu);
        if (dw0 & (1ull << 9))
                sym_trace_seq_printf(s, " private=0x%llx/0x%llx", dw2, dw3);
        return 0;
}

static int decoder_init(TraceDecoder *dec, struct tep_handle *tep, bool own_tep, const char *const *events) {
        int r = parse_event_names(events, &dec->events, &dec->n_events);
        if (r < 0)
                return r;
        dec->tep = tep;
        dec->own_tep = own_tep;
        sym_trace_seq_init(&dec->seq);
        if (sym_tep_register_event_handler(tep, -1, "intel_iommu", "prq_report", print_prq_report, NULL) < 0)
                return -ENOMEM;
        return 0;
}

static void decoder_done(TraceDecoder *dec) {
        if (dec->tep) {
                sym_tep_unregister_event_handler(dec->tep, -1, "intel_iommu", "prq_report", print_prq_report,
                                                 NULL);
                if (dec->own_tep)
                        sym_tep_free(dec->tep);
        }
        if (dec->seq.buffer) /* initialised */
                sym_trace_seq_destroy(&dec->seq);
        free(dec->events);
        dec->tep = NULL;
        dec->events = NULL;
}

static void decoder_resolve(TraceDecoder *dec) {
        if (dec->ids_valid)
                return;
        dec->n_ids = 0;
        for (size_t i = 0; i < dec->n_events; i++) {
                struct tep_event *ev =
                        sym_tep_find_event_by_name(dec->tep, dec->events[i].system, dec->events[i].name);
                if (ev)
                        dec->ids[dec->n_ids++] = ev->id;
        }
        dec->ids_valid = true;
}

static bool decoder_wants(TraceDecoder *dec, int id) {
        decoder_resolve(dec);
        for (size_t i = 0; i < dec->n_ids; i++)
                if (dec->ids[i] == id)
                        return true;
        return false;
}

/* libtraceevent reads fields at the offsets the format names, and dynamic strings where their __data_loc
 * points, without looking at the record's size: a record must hold every one of them. */
static bool field_fits(struct tep_handle *tep, const struct tep_format_field *f,
                       const struct tep_record *rec) {
        uint64_t end = (uint64_t) (unsigned) f->offset + (uint64_t) (unsigned) f->size;
        if (f->offset < 0 || f->size < 0 || end > (uint64_t) rec->size)
                return false;
        if (!(f->flags & TEP_FIELD_IS_DYNAMIC))
                return true;
        if (f->size != 4)
                return false;
        /* __data_loc: offset in the low 16 bits, length in the high 16; __rel_loc counts from the field's
         * end. */
        unsigned long long loc = sym_tep_read_number(tep, (const char *) rec->data + f->offset, 4);
        uint64_t off = loc & 0xffffu, len = (loc >> 16) & 0xffffu;
        if (f->flags & TEP_FIELD_IS_RELATIVE)
                off += end;
        if (off + len > (uint64_t) rec->size)
                return false;
        /* A string is printed with %s: it must end inside its own span, not wherever a NUL follows. */
        return !(f->flags & TEP_FIELD_IS_STRING) ||
                (len > 0 && memchr((const char *) rec->data + off, 0, len));
}

static bool record_fits(struct tep_handle *tep, struct tep_event *ev, const struct tep_record *rec) {
        for (const struct tep_format_field *f = ev->format.common_fields; f; f = f->next)
                if (!field_fits(tep, f, rec))
                        return false;
        for (const struct tep_format_field *f = ev->format.fields; f; f = f->next)
                if (!field_fits(tep, f, rec))
                        return false;
        return true;
}

/* The irq-info columns of kernel/trace/trace_output.c trace_print_lat_fmt(), flag values of
 * include/linux/trace_events.h enum trace_flag_type as of Linux 6.13 (0x02 was IRQS_NOSUPPORT before, set
 * only on architectures without irqflags tracing). The second nibble of preempt_count is the
 * migrate-disable depth. */
static void lat_columns(int flags, int pc, char out[static 6]) {
        unsigned f = flags < 0 ? 0u : (unsigned) flags, p = pc < 0 ? 0u : (unsigned) pc;
        bool irqs_off = f & 0x01, lazy = f & 0x02, need = f & 0x04, hard = f & 0x08, soft = f & 0x10,
             preempt = f & 0x20, nmi = f & 0x40, bh_off = f & 0x80;
        static const char hex[] = "0123456789abcdef";

        out[0] = irqs_off && bh_off ? 'D' : irqs_off ? 'd' : bh_off ? 'b' : '.';
        if (need && lazy && preempt)
                out[1] = 'B';
        else if (need && preempt)
                out[1] = 'N';
        else if (lazy && preempt)
                out[1] = 'L';
        else if (need && lazy)
                out[1] = 'b';
        else if (need)
                out[1] = 'n';
        else if (lazy)
                out[1] = 'l';
        else if (preempt)
                out[1] = 'p';
        else
                out[1] = '.';
        out[2] = nmi && hard ? 'Z' : nmi ? 'z' : hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.';
        out[3] = p & 0xfu ? hex[p & 0xfu] : '.';
        out[4] = p & 0xf0u ? hex[(p >> 4) & 0xfu] : '.';
        out[5] = 0;
}

/* Builds the line into dec->line; returns its length. */
static size_t format_line(TraceDecoder *dec, struct tep_record *rec, struct tep_event *ev, int pid,
                          const char *comm) {
        char lat[6];
        lat_columns(sym_tep_data_flags(dec->tep, rec), sym_tep_data_preempt_count(dec->tep, rec), lat);
        /* ns2usecs() in kernel/trace/trace.c rounds to the nearest microsecond. */
        uint64_t us = rec->ts / 1000u + (rec->ts % 1000u >= 500u);
        size_t cap = sizeof(dec->line);
        int n = snprintf(dec->line, cap, "%16s-%-7d [%03d] %s %5" PRIu64 ".%06" PRIu64 ": %s: ", comm, pid,
                         rec->cpu, lat, us / 1000000u, us % 1000000u, ev->name);
        size_t len = n < 0 ? 0 : MIN((size_t) n, cap - 1);
        bool cut = n >= 0 && (size_t) n >= cap;

        sym_trace_seq_reset(&dec->seq);
        sym_tep_print_event(dec->tep, &dec->seq, rec, "%s", TEP_PRINT_INFO);
        sym_trace_seq_terminate(&dec->seq);
        const char *info = dec->seq.state == TRACE_SEQ__GOOD && dec->seq.buffer ? dec->seq.buffer : "";
        size_t ilen = strlen(info);
        /* Print formats end some events with a newline (ftrace:print, prq_report's private data). */
        while (ilen > 0 && (info[ilen - 1] == '\n' || info[ilen - 1] == '\r'))
                ilen--;
        if (len + ilen > cap - 1) {
                ilen = cap - 1 - len;
                cut = true;
        }
        memcpy(dec->line + len, info, ilen);
        len += ilen;
        dec->line[len] = 0;
        /* One event is one line: a newline inside a string field must not start another. */
        for (size_t i = 0; i < len; i++)
                if (dec->line[i] == '\n' || dec->line[i] == '\r')
                        dec->line[i] = ' ';
        if (cut)
                dec->stats.cut++;
        return len;
}

/* Returns 1 if delivered, 0 if skipped, or the callback's negative value. */
static int decode_record(TraceDecoder *dec, struct tep_record *rec, const char *buffer, trace_line_fn fn,
                         void *userdata) {
        /* -1: the ring buffer lost events without counting them. */
        if (rec->missed_events != 0)
                dec->stats.lost += rec->missed_events > 0 ? (uint64_t) rec->missed_events : 1u;
        if (!rec->data || rec->size < 8) {
                dec->stats.malformed++;
                return 0;
        }
        int type = sym_tep_data_type(dec->tep, rec);
        if (!decoder_wants(dec, type)) {
                dec->stats.skipped++;
                return 0;
        }
        struct tep_event *ev = sym_tep_find_event(dec->tep, type);
        if (!ev) {
                dec->stats.skipped++;
                return 0;
        }
        if (!record_fits(dec->tep, ev, rec)) {
                dec->stats.malformed++;
                return 0;
        }
        int pid = sym_tep_data_pid(dec->tep, rec);
        const char *comm =
                dec->comms ? comm_table_find(dec->comms, pid) : sym_tep_data_comm_from_pid(dec->tep, pid);
        size_t len = format_line(dec, rec, ev, pid, comm ? comm : "<...>");
        TraceEventMeta m = {
                .ts_ns = rec->ts,
                .cpu = rec->cpu,
                .pid = pid,
                .system = ev->system ? ev->system : "",
                .name = ev->name ? ev->name : "",
                .comm = comm ? comm : "<...>",
                .buffer = buffer ? buffer : "",
        };
        dec->stats.delivered++;
        int r = fn(dec->line, len, &m, userdata);
        return r < 0 ? r : 1;
}

int trace_decoder_new(const char *const *events, TraceDecoder **ret) {
        int r = load_libraries(NULL);
        if (r < 0)
                return r;
        _cleanup_(trace_decoder_freep) TraceDecoder *dec = calloc(1, sizeof(*dec));
        if (!dec)
                return -ENOMEM;
        struct tep_handle *tep = sym_tep_alloc();
        if (!tep)
                return -ENOMEM;
        sym_tep_set_long_size(tep, (int) sizeof(long));
        sym_tep_set_page_size(tep, (int) sysconf(_SC_PAGESIZE));
        r = decoder_init(dec, tep, true, events);
        if (r < 0) {
                if (!dec->tep)
                        sym_tep_free(tep);
                return r;
        }
        *ret = TAKE_PTR(dec);
        return 0;
}

TraceDecoder *trace_decoder_free(TraceDecoder *dec) {
        if (!dec)
                return NULL;
        decoder_done(dec);
        free(dec);
        return NULL;
}

int trace_decoder_parse_format(TraceDecoder *dec, const char *system, const char *format, size_t len) {
        if (!dec || !system || !format || len == 0 || !is_ident(span_from_str(system)))
                return -EINVAL;
        enum tep_errno e = sym_tep_parse_event(dec->tep, format, len, system);
        dec->ids_valid = false;
        /* A print format libtraceevent cannot parse still leaves the fields: the event is kept and printed
         * as fields, as trace-cmd report does. */
        if (e == TEP_ERRNO__MEM_ALLOC_FAILED)
                return -ENOMEM;
        if (e != 0 && e != TEP_ERRNO__READ_PRINT_FAILED)
                return -EINVAL;
        return 0;
}

int trace_decoder_set_comm(TraceDecoder *dec, int pid, const char *comm) {
        if (!dec || !comm || pid < 0)
                return -EINVAL;
        return sym_tep_override_comm(dec->tep, comm, pid) < 0 ? -ENOMEM : 0;
}

int trace_decoder_decode(TraceDecoder *dec, const void *data, size_t size, uint64_t ts_ns, int cpu,
                         trace_line_fn fn, void *userdata) {
        if (!dec || !data || !fn || size > INT_MAX)
                return -EINVAL;
        struct tep_record rec = {
                .ts = ts_ns,
                .size = (int) size,
                .record_size = (int) size,
                .data = (void *) data,
                .cpu = cpu,
        };
        return decode_record(dec, &rec, "", fn, userdata);
}

TraceStats trace_decoder_stats(const TraceDecoder *dec) {
        return dec ? dec->stats : (TraceStats){0};
}

/* ---------------------------------------------------------------------------------------------------------
 * trace.dat: decoded in a child process that sends lines back over a pipe. The file format is
 * trace-cmd.dat(5) (Documentation/trace-cmd/trace-cmd.dat.v7.5.txt in trace-cmd); only its signature is
 * read here, the rest by libtracecmd in the child. */

enum {
        FRAME_LINE = 1,
        FRAME_DIAG,
        FRAME_END,
        FRAME_PROGRESS, /* still decoding: sent at least every VX_TRACE_DAT_BEAT_MS while records pass */
};

typedef struct Frame {
        uint32_t kind;
        uint32_t len; /* payload bytes: system, name, comm, buffer, line; or the diag text */
        uint64_t ts_ns;
        int32_t cpu, pid;
        uint32_t n_system, n_name, n_comm, n_buffer;
        int32_t error; /* FRAME_END: 0 or a negative errno */
        uint32_t pad;
        TraceStats stats; /* FRAME_END */
} Frame;

/* not-a-limit: the largest frame the decoder process sends, made of limits.h's bounds. */
#define FRAME_PAYLOAD_MAX (VX_TRACE_LINE_MAX + 4u * VX_TRACE_NAME_MAX)

/* 0 when n bytes were read, 1 at end of file before the first byte, -EPIPE at end of file after it. */
/* Reads n bytes; -ETIMEDOUT when the decoder sends nothing for VX_TRACE_DAT_STALL_MS (it hangs on a
 * crafted file: it beats while it decodes). */
static int read_all(int fd, void *buf, size_t n) {
        char *p = buf;
        size_t got = 0;
        while (got < n) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                int w = poll(&pfd, 1, VX_TRACE_DAT_STALL_MS);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                if (w == 0)
                        return -ETIMEDOUT;
                ssize_t k = read(fd, p + got, n - got);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return got == 0 ? 1 : -EPIPE;
                got += (size_t) k;
        }
        return 0;
}

typedef struct DatChild {
        int out;
        TraceDecoder dec[1 + VX_TRACE_DAT_BUFFERS_MAX];
        struct tracecmd_input *handles[1 + VX_TRACE_DAT_BUFFERS_MAX];
        const char *names[1 + VX_TRACE_DAT_BUFFERS_MAX];
        size_t n;
        int error;
        unsigned records;
        uint64_t last_beat_ms;
} DatChild;

static uint64_t monotonic_ms(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000u + (uint64_t) ts.tv_nsec / 1000000u;
}

static size_t name_len(const char *s) {
        return strnlen(s, VX_TRACE_NAME_MAX);
}

static int child_send_line(const char *line, size_t len, const TraceEventMeta *m, void *userdata) {
        DatChild *c = userdata;
        Frame f = {
                .kind = FRAME_LINE,
                .ts_ns = m->ts_ns,
                .cpu = m->cpu,
                .pid = m->pid,
                .n_system = (uint32_t) name_len(m->system),
                .n_name = (uint32_t) name_len(m->name),
                .n_comm = (uint32_t) name_len(m->comm),
                .n_buffer = (uint32_t) name_len(m->buffer),
        };
        f.len = f.n_system + f.n_name + f.n_comm + f.n_buffer + (uint32_t) len;
        int r = write_all_fd(c->out, &f, sizeof(f));
        if (r >= 0)
                r = write_all_fd(c->out, m->system, f.n_system);
        if (r >= 0)
                r = write_all_fd(c->out, m->name, f.n_name);
        if (r >= 0)
                r = write_all_fd(c->out, m->comm, f.n_comm);
        if (r >= 0)
                r = write_all_fd(c->out, m->buffer, f.n_buffer);
        if (r >= 0)
                r = write_all_fd(c->out, line, len);
        return r;
}

_printf_(2, 3) static void child_diag(int out, const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (n < 0)
                return;
        Frame f = {.kind = FRAME_DIAG, .len = (uint32_t) MIN((size_t) n, sizeof(msg) - 1)};
        if (write_all_fd(out, &f, sizeof(f)) >= 0)
                (void) write_all_fd(out, msg, f.len);
}

static int child_record(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *userdata) {
        DatChild *c = userdata;
        /* A file of many records none of which is wanted sends no line for long: beat meanwhile. */
        if (++c->records % 256 == 0 && monotonic_ms() - c->last_beat_ms >= VX_TRACE_DAT_BEAT_MS) {
                Frame f = {.kind = FRAME_PROGRESS};
                c->last_beat_ms = monotonic_ms();
                if (write_all_fd(c->out, &f, sizeof(f)) < 0)
                        return 1;
        }
        for (size_t i = 0; i < c->n; i++)
                if (c->handles[i] == h) {
                        int r = decode_record(&c->dec[i], rec, c->names[i], child_send_line, c);
                        if (r < 0) {
                                c->error = r;
                                return 1; /* stops the iteration */
                        }
                        return 0;
                }
        return 0;
}

static int child_decode(int fd, const char *const *events, DatChild *c) {
        struct tracecmd_input *top =
                sym_tracecmd_open_fd(fd, TRACECMD_FL_LOAD_NO_PLUGINS | TRACECMD_FL_LOAD_NO_SYSTEM_PLUGINS);
        if (!top) {
                child_diag(c->out, "cut short or damaged: libtracecmd cannot read its headers");
                return -EBADMSG;
        }
        c->handles[0] = top;
        c->names[0] = "";
        c->n = 1;
        int nb = sym_tracecmd_buffer_instances(top);
        if (nb > (int) VX_TRACE_DAT_BUFFERS_MAX) {
                child_diag(c->out, "%d buffer instances, only the first %u are read", nb,
                           VX_TRACE_DAT_BUFFERS_MAX);
                nb = (int) VX_TRACE_DAT_BUFFERS_MAX;
        }
        for (int i = 0; i < nb; i++) {
                struct tracecmd_input *b = sym_tracecmd_buffer_instance_handle(top, i);
                const char *name = sym_tracecmd_buffer_instance_name(top, i);
                if (!b) {
                        child_diag(c->out, "buffer instance %d cannot be read: cut short or damaged", i);
                        return -EBADMSG;
                }
                c->handles[c->n] = b;
                c->names[c->n] = name ? name : "";
                c->n++;
        }
        for (size_t i = 0; i < c->n; i++) {
                int r = decoder_init(&c->dec[i], sym_tracecmd_get_tep(c->handles[i]), false, events);
                if (r < 0)
                        return r;
        }
        int r = sym_tracecmd_iterate_events_multi(c->handles, (int) c->n, child_record, c);
        if (c->error < 0)
                return c->error;
        if (r < 0) {
                child_diag(c->out, "cut short or damaged: libtracecmd cannot read its event data");
                return -EBADMSG;
        }
        return 0;
}

/* Keeps only the two fds the child needs, so that it holds no file of the caller open (a tracefs instance
 * whose files are open cannot be removed). */
static void child_close_others(int a, int b) {
        int lo = MIN(a, b), hi = MAX(a, b);
        if (lo > 3)
                (void) close_range(3, (unsigned) lo - 1, 0);
        if (hi > lo + 1)
                (void) close_range((unsigned) lo + 1, (unsigned) hi - 1, 0);
        (void) close_range((unsigned) hi + 1, ~0u, 0);
}

_Noreturn static void child_main(int fd, int out, const char *const *events, pid_t parent) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(1);
        /* A crash in the libraries must end this process: the caller's handlers (a test framework's
         * longjmp out of SIGSEGV, say) would carry on running the caller's code in it. */
        for (int sig = 1; sig < SIGRTMIN; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void) signal(sig, SIG_DFL);
        child_close_others(fd, out);
        /* A damaged file may crash it: that is reported, not dumped. */
        (void) setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
#ifndef VX_ASAN
        /* Heap and private mappings, not the file's: AddressSanitizer's shadow already exceeds any limit. */
        struct rlimit rl = {VX_TRACE_DAT_MEMORY_MAX, VX_TRACE_DAT_MEMORY_MAX};
        (void) setrlimit(RLIMIT_DATA, &rl);
#endif
        DatChild *c = calloc(1, sizeof(*c));
        int r = -ENOMEM;
        if (c) {
                c->out = out;
                c->last_beat_ms = monotonic_ms();
                r = child_decode(fd, events, c);
        }
        Frame f = {.kind = FRAME_END, .error = r};
        for (size_t i = 0; c && i < c->n; i++) {
                TraceStats s = c->dec[i].stats;
                f.stats.delivered += s.delivered;
                f.stats.skipped += s.skipped;
                f.stats.lost += s.lost;
                f.stats.cut += s.cut;
                f.stats.malformed += s.malformed;
        }
        (void) write_all_fd(out, &f, sizeof(f));
        /* _exit: neither the caller's atexit handlers nor stdio buffers belong to this process. */
        _exit(0);
}

static bool span_is_clean(const char *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) p[i] < 0x20 || p[i] == 0x7f)
                        return false;
        return true;
}

/* Reads the child's frames until its end frame; the child ran libraries on untrusted input, so every
 * length is checked before use. */
static int parent_read(int in, const char *path, trace_line_fn fn, void *userdata, TraceStats *stats,
                       Diag *d, bool *ret_end, bool *ret_stopped) {
        _cleanup_free_ char *payload = malloc(FRAME_PAYLOAD_MAX + 1);
        if (!payload)
                return -ENOMEM;
        for (;;) {
                Frame f;
                int r = read_all(in, &f, sizeof(f));
                if (r == 1)
                        return 0; /* the caller looks at why the child ended */
                if (r < 0)
                        return r == -EPIPE ? 0 : r;
                if (f.kind == FRAME_PROGRESS)
                        continue;
                if (f.kind == FRAME_END) {
                        *stats = f.stats;
                        *ret_end = true;
                        return f.error < 0 ? f.error : 0;
                }
                if (f.len > FRAME_PAYLOAD_MAX)
                        return -EBADMSG;
                r = read_all(in, payload, f.len);
                if (r != 0)
                        return r == -ETIMEDOUT ? r : 0;
                payload[f.len] = 0;
                if (f.kind == FRAME_DIAG) {
                        if (span_is_clean(payload, f.len))
                                diag_addf(d, "%s: %s", path, payload);
                        continue;
                }
                if (f.kind != FRAME_LINE || f.n_system > VX_TRACE_NAME_MAX || f.n_name > VX_TRACE_NAME_MAX ||
                    f.n_comm > VX_TRACE_NAME_MAX || f.n_buffer > VX_TRACE_NAME_MAX)
                        return -EBADMSG;
                uint64_t names = (uint64_t) f.n_system + f.n_name + f.n_comm + f.n_buffer;
                if (names > f.len || f.len - names > VX_TRACE_LINE_MAX)
                        return -EBADMSG;
                /* Each part is NUL-terminated in place: the separators are shifted into a second buffer. */
                char parts[4][VX_TRACE_NAME_MAX + 1];
                const uint32_t lens[4] = {f.n_system, f.n_name, f.n_comm, f.n_buffer};
                size_t at = 0;
                for (size_t i = 0; i < 4; i++) {
                        memcpy(parts[i], payload + at, lens[i]);
                        parts[i][lens[i]] = 0;
                        if (strlen(parts[i]) != lens[i])
                                return -EBADMSG;
                        at += lens[i];
                }
                size_t len = f.len - at;
                if (memchr(payload + at, 0, len))
                        return -EBADMSG;
                TraceEventMeta m = {
                        .ts_ns = f.ts_ns,
                        .cpu = f.cpu,
                        .pid = f.pid,
                        .system = parts[0],
                        .name = parts[1],
                        .comm = parts[2],
                        .buffer = parts[3],
                };
                r = fn(payload + at, len, &m, userdata);
                if (r < 0) {
                        *ret_stopped = true;
                        return r;
                }
        }
}

static int open_dat(const char *path, Diag *d) {
        /* A regular file only: libtracecmd seeks in it, and a FIFO or device is never opened. */
        int r, fd = file_open(AT_FDCWD, path, 0);
        if (fd < 0) {
                if (fd == -EINVAL)
                        diag_addf(
                                d,
                                "%s: not a regular file: libtracecmd seeks in a trace.dat, save it to a file",
                                path);
                else
                        diag_addf(d, "%s: cannot %s: %s", path, fd == -EISDIR ? "read" : "open",
                                  strerror(-fd));
                return fd == -EINVAL ? -ESPIPE : fd;
        }
        /* trace-cmd.dat(5): every version starts with 0x17 0x08 0x44 and "tracing". */
        static const char magic[10] = {0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g'};
        char head[sizeof(magic)];
        ssize_t n = pread(fd, head, sizeof(head), 0);
        if (n < 0) {
                r = -errno;
                diag_addf(d, "%s: cannot read: %s", path, strerror(-r));
                close(fd);
                return r;
        }
        if ((size_t) n < sizeof(magic) || memcmp(head, magic, sizeof(magic)) != 0) {
                diag_addf(d, "%s: not a trace.dat file (no trace-cmd signature)%s", path,
                          n == 0 ? ": it is empty" : "");
                close(fd);
                return -EBADMSG;
        }
        return fd;
}

int trace_read_dat_events(const char *path, const char *const *events, trace_line_fn fn, void *userdata,
                          TraceStats *ret_stats, Diag *d) {
        EventName *names;
        size_t n_names;
        if (!path || !fn)
                return -EINVAL;
        int r = parse_event_names(events, &names, &n_names);
        if (r < 0) {
                diag_addf(d, "trace events: invalid list of system:event names");
                return r;
        }
        free(names);
        if ((r = load_libraries(d)) < 0)
                return r;

        int fd = open_dat(path, d);
        if (fd < 0)
                return fd;
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        pid_t parent = getpid();
        pid_t pid = fork();
        if (pid < 0) {
                r = -errno;
                close(fd);
                close(p[0]);
                close(p[1]);
                diag_addf(d, "%s: cannot start the trace.dat decoder: %s", path, strerror(-r));
                return r;
        }
        if (pid == 0) {
                close(p[0]);
                child_main(fd, p[1], events, parent);
        }
        close(fd);
        close(p[1]);

        TraceStats stats = {0};
        bool end = false, stopped = false;
        size_t diags = d ? d->n + d->dropped : 0;
        r = parent_read(p[0], path, fn, userdata, &stats, d, &end, &stopped);
        close(p[0]);
        /* The child may still be writing when the callback stopped: it is ours to end. */
        if (!end)
                (void) kill(pid, SIGKILL);
        int status = 0;
        pid_t w;
        while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
                ;
        if (!end && !stopped) {
                /* Neither an end frame nor a stop by the callback: the decoder died on this file, or
                 * sent what it must not. */
                if (r == -ETIMEDOUT)
                        diag_addf(
                                d,
                                "%s: damaged trace.dat: the decoder made no progress for %u s and was ended",
                                path, VX_TRACE_DAT_STALL_MS / 1000u);
                else if (r >= 0 && w == pid && WIFSIGNALED(status))
                        diag_addf(d, "%s: damaged trace.dat: the decoder died of signal %d (%s)", path,
                                  WTERMSIG(status), strsignal(WTERMSIG(status)));
                else
                        diag_addf(d, "%s: damaged trace.dat: the decoder stopped without finishing", path);
                r = r < 0 && r != -EBADMSG && r != -EPIPE ? r : -EBADMSG;
        } else if (r < 0 && !stopped && d && d->n + d->dropped == diags)
                diag_addf(d, "%s: cannot read the trace.dat: %s", path, strerror(-r));
        if (ret_stats)
                *ret_stats = stats;
        if (r < 0)
                return r;
        return stats.delivered > INT_MAX ? INT_MAX : (int) stats.delivered;
}

int trace_read_dat(const char *path, trace_line_fn fn, void *userdata, Diag *d) {
        return trace_read_dat_events(path, NULL, fn, userdata, NULL, d);
}

/* ---------------------------------------------------------------------------------------------------------
 * Live: a private instance, its per-CPU raw pipes decoded with the instance's own format files. */

typedef struct LiveCpu {
        int cpu;
        int fd;
        char *page;
        struct kbuffer *kbuf;
        void *data; /* the next record of the loaded sub-buffer, NULL when none */
        unsigned long long ts;
        long long missed;
        bool drained; /* the kernel had nothing more in this read call */
} LiveCpu;

struct TraceLive {
        struct tracefs_instance *inst;
        char *tracing_dir;
        char *dir; /* the instance's directory */
        EventName *enabled;
        size_t n_enabled;
        TraceDecoder dec;
        CommTable comms;
        LiveCpu *cpus;
        size_t n_cpus, cap_cpus;
        size_t subbuf;
        int epfd, evfd;
        bool created, closed;
};

static void load_cmdlines(TraceLive *t) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/saved_cmdlines", t->tracing_dir) >= 0)
                comm_table_load(&t->comms, path);
}

static int read_instance_file(TraceLive *t, const char *rel, char **ret, size_t *ret_len) {
        _cleanup_free_ char *path = NULL;
        if (asprintf(&path, "%s/%s", t->dir, rel) < 0)
                return -ENOMEM;
        return file_read(AT_FDCWD, path, 0, VX_PROBE_FILE_MAX, ret, ret_len);
}

static int load_formats(TraceLive *t, Diag *d) {
        _cleanup_free_ char *header = NULL;
        size_t len;
        int r = read_instance_file(t, "events/header_page", &header, &len);
        if (r < 0) {
                diag_addf(d, "%s/events/header_page: cannot read: %s", t->dir, strerror(-r));
                return r;
        }
        if (sym_tep_parse_header_page(t->dec.tep, header, (unsigned long) len, (int) sizeof(long)) < 0) {
                diag_addf(d, "%s/events/header_page: libtraceevent cannot parse it", t->dir);
                return -EBADMSG;
        }
        for (size_t i = 0; i < t->n_enabled; i++) {
                _cleanup_free_ char *rel = NULL, *format = NULL;
                if (asprintf(&rel, "events/%s/%s/format", t->enabled[i].system, t->enabled[i].name) < 0)
                        return -ENOMEM;
                r = read_instance_file(t, rel, &format, &len);
                if (r >= 0)
                        r = trace_decoder_parse_format(&t->dec, t->enabled[i].system, format, len);
                if (r < 0) {
                        diag_addf(d, "%s/%s: cannot read the event's format: %s", t->dir, rel, strerror(-r));
                        return r;
                }
        }
        return 0;
}

static size_t subbuf_size(TraceLive *t) {
        long long kb;
        /* buffer_subbuf_size_kb exists from Linux 6.8; before it a sub-buffer is one page. */
        if (sym_tracefs_instance_file_read_number(t->inst, "buffer_subbuf_size_kb", &kb) == 0 && kb > 0 &&
            (unsigned long long) kb * 1024u <= VX_TRACE_SUBBUF_MAX)
                return (size_t) kb * 1024u;
        long ps = sysconf(_SC_PAGESIZE);
        return ps > 0 ? (size_t) ps : 4096u;
}

static int open_cpus(TraceLive *t, Diag *d) {
        _cleanup_free_ char *per_cpu = NULL;
        if (asprintf(&per_cpu, "%s/per_cpu", t->dir) < 0)
                return -ENOMEM;
        DIR *dir = file_opendir(AT_FDCWD, per_cpu, 0);
        if (!dir) {
                int r = -errno;
                diag_addf(d, "%s: cannot read: %s", per_cpu, strerror(-r));
                return r;
        }
        int r = 0;
        struct dirent *de;
        while ((de = readdir(dir))) {
                Span s = span_from_str(de->d_name);
                uint64_t cpu;
                if (!span_eat_literal(&s, "cpu") || !span_eat_digits(&s, 1, 5, &cpu) || s.len != 0)
                        continue;
                if (t->n_cpus >= VX_TRACE_CPUS_MAX)
                        break;
                if (t->n_cpus == t->cap_cpus) {
                        size_t cap = t->cap_cpus ? 2 * t->cap_cpus : 16;
                        LiveCpu *a = realloc(t->cpus, cap * sizeof(*a));
                        if (!a) {
                                r = -ENOMEM;
                                break;
                        }
                        t->cpus = a;
                        t->cap_cpus = cap;
                }
                LiveCpu *c = &t->cpus[t->n_cpus];
                *c = (LiveCpu){.cpu = (int) cpu, .fd = -1};
                _cleanup_free_ char *path = NULL;
                if (asprintf(&path, "%s/%s/trace_pipe_raw", per_cpu, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                c->fd = file_open(AT_FDCWD, path, FILE_NONBLOCK);
                if (c->fd < 0) {
                        r = c->fd;
                        diag_addf(d, "%s: cannot open: %s", path, strerror(-r));
                        break;
                }
                t->n_cpus++;
                c->page = malloc(t->subbuf);
                c->kbuf = sym_tep_kbuffer(t->dec.tep);
                if (!c->page || !c->kbuf) {
                        r = -ENOMEM;
                        break;
                }
                struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t) t->n_cpus};
                if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
                        r = -errno;
                        diag_addf(d, "%s: cannot poll: %s", path, strerror(-r));
                        break;
                }
        }
        closedir(dir);
        if (r >= 0 && t->n_cpus == 0) {
                diag_addf(d, "%s: no per-CPU buffers", per_cpu);
                r = -ENOENT;
        }
        return r;
}

static int find_tracing_dir(const char *tracefs_dir, char **ret, Diag *d) {
        const char *dir = tracefs_dir;
        if (!dir) {
                /* Cached: libtracefs hands out a new string on every call and never frees it. */
                static const char *mounted;
                if (!mounted && sym_tracefs_tracing_dir_is_mounted(false, &mounted) != 1)
                        mounted = NULL;
                if (!mounted) {
                        diag_addf(d, "tracefs is not mounted: mount -t tracefs nodev /sys/kernel/tracing");
                        return -ENOENT;
                }
                dir = mounted;
        }
        struct stat st;
        _cleanup_free_ char *instances = NULL;
        if (asprintf(&instances, "%s/instances", dir) < 0)
                return -ENOMEM;
        if (stat(instances, &st) < 0 || !S_ISDIR(st.st_mode)) {
                int r = errno == EACCES || errno == EPERM ? -errno : -ENOENT;
                diag_addf(d, "%s: not a tracefs directory with instances%s", dir,
                          r == -ENOENT ? "" : " (permission denied: tracing needs root)");
                return r;
        }
        char *s = strdup(dir);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int create_instance(TraceLive *t, Diag *d) {
        char name[64];
        snprintf(name, sizeof(name), "vfioexplain-%d", (int) getpid());
        if (asprintf(&t->dir, "%s/instances/%s", t->tracing_dir, name) < 0)
                return -ENOMEM;
        /* tracefs_instance_create() would stat, then mkdir: an instance left over under this name would be
         * taken over silently. mkdir here fails on it. */
        if (mkdir(t->dir, 0750) < 0) {
                int r = -errno;
                if (r == -EEXIST)
                        diag_addf(
                                d,
                                "%s exists: left over by a vfioexplain that was killed; remove it: rmdir %s",
                                t->dir, t->dir);
                else
                        diag_addf(d, "%s: cannot create the tracefs instance: %s%s", t->dir, strerror(-r),
                                  r == -EACCES || r == -EPERM ? " (tracing needs root)" : "");
                return r;
        }
        t->created = true;
        t->inst = sym_tracefs_instance_alloc(t->tracing_dir, name);
        if (!t->inst)
                return -ENOMEM;
        return 0;
}

static int configure_instance(TraceLive *t, const EventName *want, size_t n_want, Diag *d) {
        /* A small buffer: an instance starts with the size of the top one, per CPU. Best effort. */
        (void) sym_tracefs_instance_set_buffer_size(t->inst, VX_TRACE_BUFFER_KB, -1);
        /* Linux 5.1 and later wake readers only when the buffer is buffer_percent full (50 by default): a
         * single fault would never wake poll(). */
        if (sym_tracefs_file_exists(t->inst, "buffer_percent") &&
            sym_tracefs_instance_file_write(t->inst, "buffer_percent", "0") < 0) {
                int r = errno > 0 ? -errno : -EIO;
                diag_addf(d, "%s/buffer_percent: cannot set it to 0: %s", t->dir, strerror(-r));
                return r;
        }
        t->enabled = calloc(n_want, sizeof(*t->enabled));
        if (!t->enabled)
                return -ENOMEM;
        for (size_t i = 0; i < n_want; i++) {
                if (!sym_tracefs_event_file_exists(t->inst, want[i].system, want[i].name, "enable"))
                        continue;
                if (sym_tracefs_event_file_write(t->inst, want[i].system, want[i].name, "enable", "1") < 0) {
                        int r = errno > 0 ? -errno : -EIO;
                        diag_addf(d, "%s: cannot enable %s:%s: %s", t->dir, want[i].system, want[i].name,
                                  strerror(-r));
                        return r;
                }
                t->enabled[t->n_enabled++] = want[i];
        }
        if (t->n_enabled == 0) {
                diag_addf(d, "%s: this kernel has none of the trace events asked for (%s:%s%s)",
                          t->tracing_dir, want[0].system, want[0].name, n_want > 1 ? ", ..." : "");
                return -ENOENT;
        }
        return 0;
}

int trace_live_open_events(const char *tracefs_dir, const char *const *events, TraceLive **ret, Diag *d) {
        if (!ret)
                return -EINVAL;
        int r = load_libraries(d);
        if (r < 0)
                return r;
        _cleanup_free_ EventName *want = NULL;
        size_t n_want;
        r = parse_event_names(events, &want, &n_want);
        if (r < 0) {
                diag_addf(d, "trace events: invalid list of system:event names");
                return r;
        }
        _cleanup_(trace_live_freep) TraceLive *t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->epfd = t->evfd = -1;
        r = find_tracing_dir(tracefs_dir, &t->tracing_dir, d);
        if (r < 0)
                return r;
        r = create_instance(t, d);
        if (r < 0)
                return r;
        r = configure_instance(t, want, n_want, d);
        if (r < 0)
                return r;

        const char *names[VX_TRACE_EVENTS_MAX + 1];
        char(*full)[2 * sizeof(want[0].system)] = calloc(t->n_enabled, sizeof(*full));
        if (!full)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_enabled; i++) {
                snprintf(full[i], sizeof(full[i]), "%s:%s", t->enabled[i].system, t->enabled[i].name);
                names[i] = full[i];
        }
        names[t->n_enabled] = NULL;
        struct tep_handle *tep = sym_tep_alloc();
        r = tep ? decoder_init(&t->dec, tep, true, names) : -ENOMEM;
        free(full);
        if (r < 0) {
                if (tep && !t->dec.tep)
                        sym_tep_free(tep);
                return r;
        }
        sym_tep_set_long_size(tep, (int) sizeof(long));
        sym_tep_set_page_size(tep, (int) sysconf(_SC_PAGESIZE));
        r = load_formats(t, d);
        if (r < 0)
                return r;
        t->dec.comms = &t->comms;

        t->subbuf = subbuf_size(t);
        t->epfd = epoll_create1(EPOLL_CLOEXEC);
        t->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (t->epfd < 0 || t->evfd < 0)
                return -errno;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0};
        if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->evfd, &ev) < 0)
                return -errno;
        r = open_cpus(t, d);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

int trace_live_open(const char *tracefs_dir, TraceLive **ret, Diag *d) {
        return trace_live_open_events(tracefs_dir, NULL, ret, d);
}

int trace_live_fd(TraceLive *t) {
        return t && !t->closed ? t->epfd : -EBADF;
}

/* Loads the next sub-buffer of c; returns 0 (c->data is then the first record, or c->drained is set) or a
 * negative errno. */
static int live_cpu_load(TraceLive *t, LiveCpu *c) {
        for (;;) {
                ssize_t n = read(c->fd, c->page, t->subbuf);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                c->drained = true;
                                return 0;
                        }
                        return -errno;
                }
                size_t lsize = sizeof(long), start = 8 + lsize;
                if ((size_t) n < start) {
                        c->drained = true;
                        return 0;
                }
                /* The sub-buffer header (events/header_page): u64 timestamp, then commit, whose low 27 bits
                 * are the bytes of data and whose top bits flag missed events, their count stored after the
                 * data. kbuffer trusts it: it must lie within what was read. */
                uint64_t commit;
                if (lsize == 8)
                        memcpy(&commit, c->page + 8, 8);
                else {
                        uint32_t c32;
                        memcpy(&c32, c->page + 8, 4);
                        commit = c32;
                }
                /* kernel/trace/ring_buffer.c: RB_MISSED_EVENTS is bit 31, RB_MISSED_STORED bit 30. */
                size_t size = (size_t) (commit & ((1ull << 27) - 1));
                bool stored = commit & (1ull << 30);
                if (start + size + (stored ? lsize : 0) > (size_t) n ||
                    sym_kbuffer_load_subbuffer(c->kbuf, c->page) < 0) {
                        t->dec.stats.malformed++;
                        continue;
                }
                c->missed = sym_kbuffer_missed_events(c->kbuf);
                c->data = sym_kbuffer_read_event(c->kbuf, &c->ts);
                if (c->data)
                        return 0;
        }
}

int trace_live_read(TraceLive *t, trace_line_fn fn, void *userdata) {
        if (!t || !fn)
                return -EINVAL;
        if (t->closed)
                return -EBADF;
        for (size_t i = 0; i < t->n_cpus; i++)
                t->cpus[i].drained = false;
        bool cmdlines = false;
        int delivered = 0, r = 0;
        for (unsigned n = 0; n < VX_TRACE_READ_EVENTS_MAX; n++) {
                LiveCpu *best = NULL;
                for (size_t i = 0; i < t->n_cpus; i++) {
                        LiveCpu *c = &t->cpus[i];
                        if (!c->data && !c->drained) {
                                r = live_cpu_load(t, c);
                                if (r < 0)
                                        return r;
                        }
                        if (c->data && (!best || c->ts < best->ts))
                                best = c;
                }
                if (!best)
                        break;
                struct tep_record rec = {
                        .ts = best->ts,
                        .data = best->data,
                        .size = sym_kbuffer_event_size(best->kbuf),
                        .record_size = sym_kbuffer_curr_size(best->kbuf),
                        .cpu = best->cpu,
                        .missed_events = best->missed,
                };
                best->missed = 0;
                best->data = sym_kbuffer_next_event(best->kbuf, &best->ts);
                if (!cmdlines) {
                        load_cmdlines(t);
                        cmdlines = true;
                }
                r = decode_record(&t->dec, &rec, "", fn, userdata);
                if (r < 0)
                        break;
                delivered += r;
        }
        /* Records read from the kernel and not yet delivered keep the fd readable through the eventfd. */
        bool pending = false;
        for (size_t i = 0; i < t->n_cpus; i++)
                pending = pending || t->cpus[i].data;
        uint64_t v = 1;
        ssize_t k = pending ? write(t->evfd, &v, sizeof(v)) : read(t->evfd, &v, sizeof(v));
        (void) k; /* EAGAIN: the flag was already as wanted */
        return r < 0 ? r : delivered;
}

TraceStats trace_live_stats(const TraceLive *t) {
        return t ? t->dec.stats : (TraceStats){0};
}

const char *trace_live_instance_dir(const TraceLive *t) {
        return t ? t->dir : NULL;
}

int trace_live_close(TraceLive *t) {
        if (!t || t->closed)
                return 0;
        if (t->inst)
                for (size_t i = 0; i < t->n_enabled; i++)
                        (void) sym_tracefs_event_file_write(t->inst, t->enabled[i].system,
                                                            t->enabled[i].name, "enable", "0");
        /* rmdir fails with EBUSY while any file of the instance is open. */
        for (size_t i = 0; i < t->n_cpus; i++)
                if (t->cpus[i].fd >= 0) {
                        close(t->cpus[i].fd);
                        t->cpus[i].fd = -1;
                }
        if (t->epfd >= 0)
                close(t->epfd);
        if (t->evfd >= 0)
                close(t->evfd);
        t->epfd = t->evfd = -1;
        if (t->created) {
                int r = 0;
                for (int attempt = 0; attempt < 50; attempt++) {
                        r = t->inst ? sym_tracefs_instance_destroy(t->inst) : rmdir(t->dir);
                        if (r >= 0 || errno != EBUSY)
                                break;
                        /* A reader of the instance still closing its file: give it a moment. */
                        nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
                }
                if (r < 0 && errno != ENOENT)
                        return errno > 0 ? -errno : -EIO;
                t->created = false;
        }
        t->closed = true;
        return 0;
}

TraceLive *trace_live_free(TraceLive *t) {
        if (!t)
                return NULL;
        (void) trace_live_close(t);
        for (size_t i = 0; i < t->n_cpus; i++) {
                free(t->cpus[i].page);
                if (t->cpus[i].kbuf)
                        sym_kbuffer_free(t->cpus[i].kbuf);
        }
        free(t->cpus);
        decoder_done(&t->dec);
        comm_table_done(&t->comms);
        if (t->inst)
                sym_tracefs_instance_free(t->inst);
        free(t->enabled);
        free(t->dir);
        free(t->tracing_dir);
        free(t);
        return NULL;
}
