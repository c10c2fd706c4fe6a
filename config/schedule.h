/*
 * schedule.h - the calendar of planned maintenance (DOMAIN.md: weekly generator checks, yearly
 * transformer tests...): when each occurrence of an `every` + `at` falls, in local time.
 *
 *   every          at (default)         occurrences
 *   hourly         ":MM"   (":00")      every hour at minute MM
 *   daily          "HH:MM" ("09:00")    every day
 *   weekly         "Ddd HH:MM" ("Mon 09:00")   Ddd one of Mon Tue Wed Thu Fri Sat Sun
 *   monthly        "D HH:MM" ("1 09:00")        day D (1-28) of every month
 *   quarterly, half-yearly, yearly, 2-yearly
 *                  "MM-DD HH:MM" ("01-01 09:00")  day DD (1-28) of month MM and of every 3, 6,
 *                                 12 or 24 months from it (2-yearly: MM of even years)
 *
 * Times are wall-clock milliseconds; the local time zone is the process's (site.timezone).
 * Pure functions; the config loader uses schedule_parse to check `at` (FILE:LINE errors).
 */
#ifndef STEWARD_CONFIG_SCHEDULE_H
#define STEWARD_CONFIG_SCHEDULE_H

#include <stdint.h>

struct schedule {
    int months;       /* period in months (1, 3, 6, 12, 24), or 0 for the others */
    int unit_hours;   /* period in hours when months is 0: 1 (hourly), 24, 168 (weekly) */
    int month;        /* 1-12: the first month of the cycle (months >= 3) */
    int mday;         /* 1-28 (months >= 1) */
    int wday;         /* 0 (Sunday)-6 (weekly) */
    int hour, minute; /* hour unused for hourly */
};

/* Parses every (one of the names above) and at (NULL: the default). Returns 0, or -1 with a
 * short reason in *why (static text). */
int schedule_parse(const char *every, const char *at, struct schedule *out, const char **why);
/* The first occurrence strictly after t. */
int64_t schedule_next(const struct schedule *s, int64_t t);
/* The last occurrence at or before t. */
int64_t schedule_prev(const struct schedule *s, int64_t t);

#endif
