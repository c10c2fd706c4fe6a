/* review.c - see review.h. */
#include "gateway/work/review.h"
#include "gateway/base/clock.h"

#include <string.h>
#include <time.h>

/* hh:mm local time, `days` days after the local day of ms. */
static int64_t local_at(int64_t ms, int days, int hour, int min)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    return clock_local_ms(tm.tm_year, tm.tm_mon, tm.tm_mday + days, hour, min);
}

int64_t review_first(int64_t created_ms, enum review_kind *kind)
{
    time_t secs = (time_t)(created_ms / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    if (tm.tm_hour < REVIEW_CUTOFF_HOUR) {
        *kind = REVIEW_MORNING;
        return local_at(created_ms, 1, REVIEW_MORNING_HOUR, REVIEW_MORNING_MIN);
    }
    *kind = REVIEW_NOON;
    return local_at(created_ms, 1, REVIEW_NOON_HOUR, 0);
}

int64_t review_after(int64_t ms)
{
    int64_t today = local_at(ms, 0, REVIEW_MORNING_HOUR, REVIEW_MORNING_MIN);
    return today > ms ? today : local_at(ms, 1, REVIEW_MORNING_HOUR, REVIEW_MORNING_MIN);
}

int64_t review_deadline(int64_t at_ms)
{
    return local_at(at_ms, 0, REVIEW_DEADLINE_HOUR, 0);
}

const char *review_kind_name(enum review_kind k)
{
    return k == REVIEW_NOON ? "noon" : "morning";
}

enum review_kind review_kind_parse(const char *name)
{
    return name && strcmp(name, "noon") == 0 ? REVIEW_NOON : REVIEW_MORNING;
}
