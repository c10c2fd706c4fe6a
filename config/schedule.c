/* schedule.c - see schedule.h. */
#include "config/schedule.h"
#include "gateway/base/clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

int schedule_parse(const char *every, const char *at, struct schedule *out, const char **why)
{
    static const struct {
        const char *name;
        int months, unit_hours;
        const char *def;
    } kinds[] = {{"hourly", 0, 1, ":00"},
                 {"daily", 0, 24, "09:00"},
                 {"weekly", 0, 168, "Mon 09:00"},
                 {"monthly", 1, 0, "1 09:00"},
                 {"quarterly", 3, 0, "01-01 09:00"},
                 {"half-yearly", 6, 0, "01-01 09:00"},
                 {"yearly", 12, 0, "01-01 09:00"},
                 {"2-yearly", 24, 0, "01-01 09:00"}};
    memset(out, 0, sizeof(*out));
    int k = -1;
    for (int i = 0; i < (int)(sizeof(kinds) / sizeof(kinds[0])); i++)
        if (every && strcmp(every, kinds[i].name) == 0) k = i;
    if (k < 0) return *why = "unknown 'every'", -1;
    out->months = kinds[k].months;
    out->unit_hours = kinds[k].unit_hours;
    out->month = 1;
    out->mday = 1;
    if (!at) at = kinds[k].def;
    char day[4] = "", rest;
    int n = 0;
    if (out->unit_hours == 1) {
        n = sscanf(at, ":%2d%c", &out->minute, &rest) == 1 && strlen(at) == 3;
        if (!n) return *why = "expected \":MM\" for an hourly task", -1;
    } else if (out->unit_hours == 24) {
        n = sscanf(at, "%2d:%2d%c", &out->hour, &out->minute, &rest) == 2 && strlen(at) == 5;
        if (!n) return *why = "expected \"HH:MM\" for a daily task", -1;
    } else if (out->unit_hours == 168) {
        n = sscanf(at, "%3s %2d:%2d%c", day, &out->hour, &out->minute, &rest) == 3 &&
            strlen(at) == 9;
        out->wday = -1;
        for (int d = 0; n && d < 7; d++)
            if (strcmp(day, days[d]) == 0) out->wday = d;
        if (!n || out->wday < 0)
            return *why = "expected \"Ddd HH:MM\" (Mon..Sun) for a weekly task", -1;
    } else if (out->months == 1) {
        n = sscanf(at, "%2d %2d:%2d%c", &out->mday, &out->hour, &out->minute, &rest) == 3 &&
            at[0] >= '0' && at[0] <= '9' && strlen(at) == (out->mday >= 10 ? 8u : 7u);
        if (!n || out->mday < 1 || out->mday > 28)
            return *why = "expected \"D HH:MM\" with D from 1 to 28 for a monthly task", -1;
    } else {
        n = sscanf(at, "%2d-%2d %2d:%2d%c", &out->month, &out->mday, &out->hour, &out->minute,
                   &rest) == 4 &&
            strlen(at) == 11;
        if (!n || out->month < 1 || out->month > 12 || out->mday < 1 || out->mday > 28)
            return *why = "expected \"MM-DD HH:MM\" with DD from 1 to 28", -1;
    }
    if (out->hour < 0 || out->hour > 23 || out->minute < 0 || out->minute > 59)
        return *why = "the time of day is out of range", -1;
    return 0;
}

/* The occurrence in the period that contains t (the one whose cycle t falls in), plus `shift`
 * periods. */
static int64_t occurrence(const struct schedule *s, int64_t t, int shift)
{
    time_t secs = (time_t)(t / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    if (s->unit_hours == 1)
        return clock_local_ms(tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour + shift, s->minute);
    if (s->unit_hours == 24)
        return clock_local_ms(tm.tm_year, tm.tm_mon, tm.tm_mday + shift, s->hour, s->minute);
    if (s->unit_hours == 168) {
        int back = (tm.tm_wday - s->wday + 7) % 7; /* days since this week's weekday */
        return clock_local_ms(tm.tm_year, tm.tm_mon, tm.tm_mday - back + 7 * shift, s->hour,
                              s->minute);
    }
    /* Month cycles counted from s->month of the year 2000 (even, for 2-yearly). */
    int now_m = (tm.tm_year - 100) * 12 + tm.tm_mon, first = s->month - 1;
    int since = ((now_m - first) % s->months + s->months) % s->months;
    int m = now_m - since + shift * s->months; /* months since January 2000 */
    return clock_local_ms(100 + m / 12, m % 12, s->mday, s->hour, s->minute);
}

int64_t schedule_next(const struct schedule *s, int64_t t)
{
    int64_t c = occurrence(s, t, 0);
    for (int shift = 1; c <= t && shift < 4; shift++) /* at most one period on; DST margin */
        c = occurrence(s, t, shift);
    return c;
}

int64_t schedule_prev(const struct schedule *s, int64_t t)
{
    int64_t c = occurrence(s, t, 0);
    for (int shift = -1; c > t && shift > -4; shift--)
        c = occurrence(s, t, shift);
    return c;
}
