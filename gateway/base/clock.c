/* clock.c - see clock.h. */
#include "gateway/base/clock.h"
#include "gateway/base/error.h"

#include <stdio.h>
#include <time.h>

static int fake;
static int64_t fake_wall, fake_mono;

int64_t clock_mono_ms(void)
{
    if (fake) return fake_mono;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_wall_ms(void)
{
    if (fake) return fake_wall;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_set_fake(int64_t wall_ms)
{
    fake = 1;
    fake_wall = wall_ms;
    fake_mono = 1000000;
}

void clock_advance(int64_t delta_ms)
{
    if (!fake) return;
    fake_wall += delta_ms;
    fake_mono += delta_ms;
}

void clock_set_real(void)
{
    fake = 0;
}

char *clock_iso(int64_t wall_ms, char *buf)
{
    time_t secs = (time_t)(wall_ms / 1000);
    int ms = (int)(wall_ms % 1000);
    if (ms < 0) { /* before 1970: keep the milliseconds positive */
        ms += 1000;
        secs -= 1;
    }
    struct tm tm;
    gmtime_r(&secs, &tm);
    /* Formatted into a roomier buffer: the compiler cannot know tm's fields are small. */
    char tmp[96];
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
    snprintf(buf, CLOCK_ISO_LEN, "%.24s", tmp);
    return buf;
}

/* "+08:00" for tm's offset from UTC. */
static void offset_text(const struct tm *tm, char *buf, size_t len)
{
    long off = tm->tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    snprintf(buf, len, "%c%02ld:%02ld", sign, (off / 3600) % 100, (off / 60) % 60);
}

char *clock_local(int64_t wall_ms, char *buf)
{
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    char off[16], tmp[96];
    localtime_r(&secs, &tm);
    offset_text(&tm, off, sizeof(off));
    snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d %02d:%02d:%02d %s", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, off);
    snprintf(buf, CLOCK_LOCAL_LEN, "%.31s", tmp);
    return buf;
}

char *clock_local_hms(int64_t wall_ms, char *buf)
{
    time_t secs = (time_t)(wall_ms / 1000);
    struct tm tm;
    char off[16], tmp[64];
    localtime_r(&secs, &tm);
    offset_text(&tm, off, sizeof(off));
    snprintf(tmp, sizeof(tmp), "%02d:%02d:%02d%s", tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, off);
    snprintf(buf, CLOCK_LOCAL_LEN, "%.31s", tmp);
    return buf;
}

int clock_parse_iso(const char *s, int64_t *out)
{
    struct tm tm = {0};
    int ms = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &n) != 7 ||
        s[n] != '\0')
        return ST_ERR_INVAL;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm) * 1000 + ms;
    return ST_OK;
}

static time_t make(int year, int mon, int mday, int hour, int min, int isdst)
{
    struct tm tm = {0};
    tm.tm_year = year;
    tm.tm_mon = mon;
    tm.tm_mday = mday;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_isdst = isdst;
    return mktime(&tm);
}

/* see clock.h */
int64_t clock_local_ms(int year, int mon, int mday, int hour, int min)
{
    time_t best = make(year, mon, mday, hour, min, -1);
    for (int dst = 0; dst <= 1; dst++) {
        time_t t = make(year, mon, mday, hour, min, dst);
        struct tm back;
        if (t == (time_t)-1 || !localtime_r(&t, &back)) continue;
        /* only a reading that really is hh:mm with that daylight-saving flag counts */
        if (back.tm_hour == ((hour % 24) + 24) % 24 && back.tm_min == min && back.tm_isdst == dst &&
            t < best)
            best = t;
    }
    return (int64_t)best * 1000;
}
