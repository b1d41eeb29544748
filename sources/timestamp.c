/* SPDX-License-Identifier: MIT */
/* --since and --until as journalctl reads them: systemd's parse_timestamp() (src/basic/time-util.c) and
 * its time spans (parse_sec()), the same grammar, so that what works with journalctl works here. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "journal.h"
#include "vfioexplain/macro.h"

#define USEC_PER_SEC UINT64_C(1000000)
#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
#define USEC_PER_WEEK (7 * USEC_PER_DAY)
#define USEC_PER_MONTH (UINT64_C(2629800) * USEC_PER_SEC)
#define USEC_PER_YEAR (UINT64_C(31557600) * USEC_PER_SEC)
/* not-a-limit: the last moment journalctl formats, 9999-12-31 23:59:59.999999 UTC. */
#define USEC_TIMESTAMP_MAX UINT64_C(253402300799999999)

/* After a number: its unit, as systemd's extract_multiplier() lists them (the first prefix wins, so
 * "months" before "m" and "msec" before "m"). */
static const char *span_unit(const char *p, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                {"seconds", USEC_PER_SEC},
                {"second", USEC_PER_SEC},
                {"sec", USEC_PER_SEC},
                {"s", USEC_PER_SEC},
                {"minutes", USEC_PER_MINUTE},
                {"minute", USEC_PER_MINUTE},
                {"min", USEC_PER_MINUTE},
                {"months", USEC_PER_MONTH},
                {"month", USEC_PER_MONTH},
                {"M", USEC_PER_MONTH},
                {"msec", 1000},
                {"ms", 1000},
                {"m", USEC_PER_MINUTE},
                {"hours", USEC_PER_HOUR},
                {"hour", USEC_PER_HOUR},
                {"hr", USEC_PER_HOUR},
                {"h", USEC_PER_HOUR},
                {"days", USEC_PER_DAY},
                {"day", USEC_PER_DAY},
                {"d", USEC_PER_DAY},
                {"weeks", USEC_PER_WEEK},
                {"week", USEC_PER_WEEK},
                {"w", USEC_PER_WEEK},
                {"years", USEC_PER_YEAR},
                {"year", USEC_PER_YEAR},
                {"y", USEC_PER_YEAR},
                {"usec", 1},
                {"us", 1},
                {"\xce\xbcs", 1},
                {"\xc2\xb5s", 1},
        };
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                size_t n = strlen(units[i].suffix);
                if (strncmp(p, units[i].suffix, n) == 0) {
                        *ret = units[i].usec;
                        return p + n;
                }
        }
        return p;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* A time span: "5min", "2 hours", "1h 30min", "1.5d"; a bare number is seconds. */
static int parse_span(const char *t, uint64_t *ret) {
        const char *p = t;
        uint64_t usec = 0;
        bool something = false;
        for (;;) {
                while (is_space(*p))
                        p++;
                if (!*p)
                        break;
                uint64_t whole = 0;
                const char *digits = p;
                while (*p >= '0' && *p <= '9') {
                        if (whole > (UINT64_MAX - 9) / 10)
                                return -ERANGE;
                        whole = whole * 10 + (uint64_t) (*p++ - '0');
                }
                const char *frac = NULL;
                if (*p == '.') {
                        frac = ++p;
                        while (*p >= '0' && *p <= '9')
                                p++;
                        if (p == frac)
                                return -EINVAL; /* "3.", "3.sec" */
                } else if (p == digits)
                        return -EINVAL; /* "-2h" after its sign, "x" */
                /* The unit may follow after blanks ("2 hours"); with neither a unit nor a blank, what
                 * follows is no part of a span ("12x", "12.34.56"). */
                uint64_t unit = USEC_PER_SEC;
                const char *after = p;
                while (is_space(*after))
                        after++;
                const char *s = span_unit(after, &unit);
                if (s == p && *s)
                        return -EINVAL;
                p = s;
                if (whole >= UINT64_MAX / unit || usec > UINT64_MAX - whole * unit)
                        return -ERANGE;
                usec += whole * unit;
                for (uint64_t m = unit / 10; frac && *frac >= '0' && *frac <= '9'; frac++, m /= 10)
                        usec += (uint64_t) (*frac - '0') * m;
                something = true;
        }
        if (!something)
                return -EINVAL;
        *ret = usec;
        return 0;
}

static bool strip_suffix(const char *s, size_t len, const char *suffix, size_t *ret_len) {
        size_t n = strlen(suffix);
        if (len < n || strncmp(s + len - n, suffix, n) != 0)
                return false;
        *ret_len = len - n;
        return true;
}

/* Microseconds after a '.', at most six digits, as parse_fractional_part_u(6). */
static bool parse_fraction(const char *p, uint64_t *ret) {
        uint64_t v = 0;
        size_t n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++)
                if (n < 6)
                        v = v * 10 + (uint64_t) (*p - '0');
        if (n == 0 || *p)
                return false;
        for (; n < 6; n++)
                v *= 10;
        *ret = v;
        return true;
}

static int usec_from_tm(struct tm *tm, bool utc, uint64_t *ret) {
        time_t t = utc ? timegm(tm) : mktime(tm);
        if (t == (time_t) -1 || t < 0)
                return -EINVAL;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return 0;
}

/* parse_timestamp_impl(): t without its time zone, read in UTC shifted by gmtoff seconds, or in local
 * time (isdst as mktime() takes it). with_tz: a zone was given, and only absolute forms are allowed. */
static int parse_impl(const char *t, bool with_tz, bool utc, int isdst, long gmtoff, uint64_t now_usec,
                      uint64_t *ret) {
        static const struct {
                const char *name;
                int nr;
        } days[] = {
                {"Sunday", 0}, {"Sun", 0},       {"Monday", 1},   {"Mon", 1},      {"Tuesday", 2},
                {"Tue", 2},    {"Wednesday", 3}, {"Wed", 3},      {"Thursday", 4}, {"Thu", 4},
                {"Friday", 5}, {"Fri", 5},       {"Saturday", 6}, {"Sat", 6},
        };
        static const char *const formats[] = {
                "%y-%m-%d %H:%M:%S",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S",
                "%b %d %H:%M:%S",
                "%y-%m-%d %H:%M",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M",
                "%y-%m-%d",
                "%Y-%m-%d",
                "%H:%M:%S",
                "%H:%M",
        };
        uint64_t usec = now_usec, plus = 0, minus = 0, fraction = 0;
        size_t len = strlen(t), k;
        int weekday = -1, r;

        if (t[0] == '@' && !with_tz)
                return parse_span(t + 1, ret);
        if (!with_tz) {
                if (strcmp(t, "now") == 0)
                        goto finish;
                if (t[0] == '+' || t[0] == '-') {
                        if ((r = parse_span(t + 1, t[0] == '+' ? &plus : &minus)) < 0)
                                return r;
                        goto finish;
                }
                bool ago = strip_suffix(t, len, " ago", &k),
                     left = !ago && strip_suffix(t, len, " left", &k);
                if (ago || left) {
                        char span[128];
                        if (k >= sizeof(span))
                                return -EINVAL;
                        memcpy(span, t, k);
                        span[k] = 0;
                        if ((r = parse_span(span, ago ? &minus : &plus)) < 0)
                                return r;
                        goto finish;
                }
        }

        time_t now = (time_t) (now_usec / USEC_PER_SEC);
        struct tm tm;
        if (!(utc ? gmtime_r(&now, &tm) : localtime_r(&now, &tm)))
                return -EINVAL;
        tm.tm_isdst = isdst;
        int shift = strcmp(t, "today") == 0   ? 0
                : strcmp(t, "yesterday") == 0 ? -1
                : strcmp(t, "tomorrow") == 0  ? 1
                                              : 2;
        if (shift != 2) {
                tm.tm_mday += shift;
                tm.tm_sec = tm.tm_min = tm.tm_hour = 0;
                goto from_tm;
        }
        for (size_t i = 0; i < ELEMENTSOF(days); i++) {
                size_t n = strlen(days[i].name);
                if (strncasecmp(t, days[i].name, n) == 0 && t[n] == ' ') {
                        weekday = days[i].nr;
                        t += n + 1;
                        break;
                }
        }
        struct tm copy = tm;
        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                tm = copy;
                const char *end = strptime(t, formats[i], &tm);
                if (!end)
                        continue;
                bool has_seconds = strstr(formats[i], "%S") != NULL;
                if (*end == '.' && has_seconds) {
                        if (!parse_fraction(end + 1, &fraction))
                                return -EINVAL;
                        goto from_tm;
                }
                if (*end)
                        continue;
                if (!has_seconds)
                        tm.tm_sec = 0;
                if (!strstr(formats[i], "%H"))
                        tm.tm_min = tm.tm_hour = 0;
                goto from_tm;
        }
        return -EINVAL;

from_tm:
        if (weekday >= 0 && tm.tm_wday != weekday)
                return -EINVAL;
        if (gmtoff < 0)
                plus = (uint64_t) -gmtoff * USEC_PER_SEC;
        else
                minus = (uint64_t) gmtoff * USEC_PER_SEC;
        if ((r = usec_from_tm(&tm, utc, &usec)) < 0)
                return r;
        usec += fraction;
finish:
        if (usec > UINT64_MAX - plus)
                return -ERANGE;
        usec += plus;
        if (usec < minus)
                return -EINVAL;
        usec -= minus;
        if (usec > USEC_TIMESTAMP_MAX)
                return -EINVAL;
        *ret = usec;
        return 0;
}

/* "+05:30", "-0300", "+06": an offset from UTC in seconds, as strptime("%z") reads it. */
static bool parse_offset(const char *s, long *ret) {
        struct tm tm = {0};
        const char *end = strptime(s, "%z", &tm);
        if (!end || *end || (s[0] != '+' && s[0] != '-'))
                return false;
        *ret = tm.tm_gmtoff;
        return true;
}

/* A time zone of the tz database ("Europe/Berlin"): the name is safe as a path below zoneinfo, and a TZif
 * file is there. */
static bool zone_valid(const char *tz) {
        if (!tz[0] || tz[0] == '/' || strlen(tz) > 255 || strstr(tz, ".."))
                return false;
        for (const char *p = tz; *p; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                      strchr("/-_+", *p)))
                        return false;
        char path[300], magic[4];
        snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
        int fd = file_open(AT_FDCWD, path, 0);
        if (fd < 0)
                return false;
        bool ok = read(fd, magic, sizeof(magic)) == (ssize_t) sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
        close(fd);
        return ok;
}

/* The time before a zone of the local tz database or a local zone abbreviation (CET, CEST). */
static int parse_with_zone(const char *t, const char *tz, uint64_t now_usec, uint64_t *ret) {
        tzset();
        for (int j = 0; j <= 1; j++)
                if (tzname[j] && tzname[j][0] && strcmp(tz, tzname[j]) == 0)
                        return parse_impl(t, true, false, j, 0, now_usec, ret);
        if (!zone_valid(tz))
                return -EINVAL;
        /* Read in that zone: TZ for the time of the call, then as it was. */
        const char *old = getenv("TZ");
        char *saved = old ? strdup(old) : NULL, zone[300];
        if (old && !saved)
                return -ENOMEM;
        snprintf(zone, sizeof(zone), ":%s", tz);
        setenv("TZ", zone, 1);
        tzset();
        int r = parse_impl(t, true, false, -1, 0, now_usec, ret);
        if (saved)
                setenv("TZ", saved, 1);
        else
                unsetenv("TZ");
        tzset();
        free(saved);
        return r;
}

int journal_parse_time(const char *s, uint64_t now_usec, uint64_t *ret) {
        char t[256];
        size_t len = strlen(s);
        long gmtoff;
        uint64_t v;
        if (len == 0 || len >= sizeof(t))
                return -EINVAL;
        memcpy(t, s, len + 1);

        /* "1985-04-12T23:20:50.52Z" */
        if (len > 2 && t[len - 1] == 'Z') {
                t[len - 1] = 0;
                if (parse_impl(t, true, true, -1, 0, now_usec, &v) >= 0)
                        goto done;
                t[len - 1] = 'Z';
        }
        /* "1990-12-31T15:59:60-08:00": an offset welded to the time. */
        if (len > 7 && (t[len - 6] == '+' || t[len - 6] == '-') && t[len - 7] != ' ' &&
            parse_offset(t + len - 6, &gmtoff)) {
                t[len - 6] = 0;
                if (parse_impl(t, true, true, -1, gmtoff, now_usec, &v) < 0)
                        return -EINVAL;
                goto done;
        }
        char *tz = strrchr(t, ' ');
        if (!tz) {
                if (parse_impl(t, false, false, -1, 0, now_usec, &v) < 0)
                        return -EINVAL;
                goto done;
        }
        *tz++ = 0;
        if (strcmp(tz, "UTC") == 0) {
                if (parse_impl(t, true, true, -1, 0, now_usec, &v) < 0)
                        return -EINVAL;
        } else if (parse_offset(tz, &gmtoff)) {
                if (parse_impl(t, true, true, -1, gmtoff, now_usec, &v) < 0)
                        return -EINVAL;
        } else if (parse_with_zone(t, tz, now_usec, &v) < 0) {
                /* The last word was no zone: all of it is the time ("2 hours ago", "2024-01-01 10:00"). */
                tz[-1] = ' ';
                if (parse_impl(t, false, false, -1, 0, now_usec, &v) < 0)
                        return -EINVAL;
        }
done:
        *ret = v;
        return 0;
}
