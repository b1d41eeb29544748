/* SPDX-License-Identifier: MIT */
/* A Linux errno in any of the forms the stack prints it, to its symbolic name, for conditions on it. */
#include <string.h>
#include <strings.h>

#include "errno_name.h"
#include "strparse.h"
#include "vfioexplain/macro.h"

/* Linux's numbers (include/uapi/asm-generic/errno-base.h, errno.h; the kernel-internal ones of
 * include/linux/errno.h) and glibc's strerror() texts (sysdeps/gnu/errlist.h), which QEMU's
 * error_setg_errno() and libvirt's virReportSystemError() print after a colon. */
static const struct {
        const char *name;
        int number;
        const char *message;
} errnos[] = {
        {"EPERM", 1, "Operation not permitted"},
        {"ENOENT", 2, "No such file or directory"},
        {"ESRCH", 3, "No such process"},
        {"EINTR", 4, "Interrupted system call"},
        {"EIO", 5, "Input/output error"},
        {"ENXIO", 6, "No such device or address"},
        {"E2BIG", 7, "Argument list too long"},
        {"ENOEXEC", 8, "Exec format error"},
        {"EBADF", 9, "Bad file descriptor"},
        {"EAGAIN", 11, "Resource temporarily unavailable"},
        {"ENOMEM", 12, "Cannot allocate memory"},
        {"EACCES", 13, "Permission denied"},
        {"EFAULT", 14, "Bad address"},
        {"EBUSY", 16, "Device or resource busy"},
        {"EEXIST", 17, "File exists"},
        {"EXDEV", 18, "Invalid cross-device link"},
        {"ENODEV", 19, "No such device"},
        {"ENOTDIR", 20, "Not a directory"},
        {"EISDIR", 21, "Is a directory"},
        {"EINVAL", 22, "Invalid argument"},
        {"ENFILE", 23, "Too many open files in system"},
        {"EMFILE", 24, "Too many open files"},
        {"ENOTTY", 25, "Inappropriate ioctl for device"},
        {"EFBIG", 27, "File too large"},
        {"ENOSPC", 28, "No space left on device"},
        {"EROFS", 30, "Read-only file system"},
        {"EPIPE", 32, "Broken pipe"},
        {"ERANGE", 34, "Numerical result out of range"},
        {"EDEADLK", 35, "Resource deadlock avoided"},
        {"ENOSYS", 38, "Function not implemented"},
        {"ENOTEMPTY", 39, "Directory not empty"},
        {"ELOOP", 40, "Too many levels of symbolic links"},
        {"ENODATA", 61, "No data available"},
        {"ETIME", 62, "Timer expired"},
        {"EOVERFLOW", 75, "Value too large for defined data type"},
        {"EOPNOTSUPP", 95, "Operation not supported"},
        {"EADDRINUSE", 98, "Address already in use"},
        {"ETIMEDOUT", 110, "Connection timed out"},
        {"EALREADY", 114, "Operation already in progress"},
        {"EINPROGRESS", 115, "Operation now in progress"},
        {"ECANCELED", 125, "Operation canceled"},
        {"EPROBE_DEFER", 517, NULL},
        {"ENOTSUPP", 524, NULL},
};

const char *errno_name_of(const char *s, size_t len) {
        Span t = span_make(s, len);
        uint64_t n;

        span_trim(&t);
        if (t.len == 0)
                return NULL;
        Span digits = t;
        (void) span_eat_char(&digits, '-');
        if (digits.len > 0 && span_is_digit(digits.p[0])) {
                Span d = digits;
                if (span_eat_digits(&d, 1, 4, &n) && d.len == 0) {
                        for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
                                if ((uint64_t) errnos[i].number == n)
                                        return errnos[i].name;
                        return NULL;
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(errnos); i++) {
                if (strlen(errnos[i].name) == t.len && memcmp(errnos[i].name, t.p, t.len) == 0)
                        return errnos[i].name;
                /* strerror() texts as printed, whatever their case after a paste */
                if (errnos[i].message && strlen(errnos[i].message) == t.len &&
                    strncasecmp(errnos[i].message, t.p, t.len) == 0)
                        return errnos[i].name;
        }
        return NULL;
}

bool errno_name_known(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
                if (strcmp(errnos[i].name, name) == 0)
                        return true;
        /* EWOULDBLOCK is EAGAIN and ENOTSUP is EOPNOTSUPP on Linux: a rule names the one the table has. */
        return false;
}
