/*
 * review.h - when the service standard's daily review (晨会, DOMAIN.md) looks at an order again.
 *
 *   An order raised before 17:00 and not resolved the same day is raised again before the 09:00
 *   meeting next day (at REVIEW_MORNING, 08:30) and reported to the general manager. One raised
 *   at or after 17:00 and not resolved by 12:00 next day is raised again at 12:00 with a deadline
 *   of 17:00 that day. An order still unresolved after its review is reviewed again every
 *   following morning. A review held late (the gateway was down) keeps the standard's times: a
 *   noon review's deadline is 17:00 of the day it was due, which may have passed already.
 *
 * Times are wall-clock milliseconds; "day", "17:00" and the rest are in the process's local time
 * zone, which `steward run` sets from site.timezone. Pure functions.
 */
#ifndef STEWARD_REVIEW_H
#define STEWARD_REVIEW_H

#include <stdint.h>

#define REVIEW_CUTOFF_HOUR 17 /* raised before this hour: reviewed next morning */
#define REVIEW_MORNING_HOUR 8 /* the morning review, before the 09:00 meeting */
#define REVIEW_MORNING_MIN 30
#define REVIEW_NOON_HOUR 12     /* raised after the cut-off: reviewed at noon next day... */
#define REVIEW_DEADLINE_HOUR 17 /* ...with a deadline of 17:00 that day */

enum review_kind {
    REVIEW_MORNING, /* reported to the general manager */
    REVIEW_NOON     /* a deadline of 17:00 that day */
};

/* "morning" or "noon", and back (anything else reads as morning). */
const char *review_kind_name(enum review_kind k);
enum review_kind review_kind_parse(const char *name);

/* The first review of an order created at created_ms, and its kind. */
int64_t review_first(int64_t created_ms, enum review_kind *kind);
/* The review after one held at ms (perhaps late, after a restart): the first REVIEW_MORNING
 * strictly after ms, today's if it is still to come. */
int64_t review_after(int64_t ms);
/* 17:00 local on the day of at_ms: the deadline a noon review sets. */
int64_t review_deadline(int64_t at_ms);

#endif
