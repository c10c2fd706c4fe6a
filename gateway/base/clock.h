/*
 * clock.h - the time the gateway runs on, injectable for tests.
 *
 * Two clocks: monotonic milliseconds for timers and delays (never jumps), and wall-clock
 * milliseconds since the Unix epoch (UTC) for timestamps and SLA deadlines. A test sets a fake
 * clock with clock_set_fake() and moves it with clock_advance(); both clocks then move together.
 * Not thread-safe while faked (tests are single-threaded); the real clock is.
 */
#ifndef STEWARD_CLOCK_H
#define STEWARD_CLOCK_H

#include <stddef.h>
#include <stdint.h>

int64_t clock_mono_ms(void); /* monotonic, for timers */
int64_t clock_wall_ms(void); /* UTC milliseconds since 1970-01-01 */

/* Switches to a fake clock whose wall time is wall_ms (monotonic starts at 1000000). */
void clock_set_fake(int64_t wall_ms);
/* Advances the fake clock by delta_ms. No-op on the real clock. */
void clock_advance(int64_t delta_ms);
/* Back to the real clock. */
void clock_set_real(void);

/* Formats wall_ms as "2026-11-22T14:03:11.208Z" into buf (at least CLOCK_ISO_LEN bytes). */
#define CLOCK_ISO_LEN 25
char *clock_iso(int64_t wall_ms, char *buf);

/*
 * Times for people, in the process's local time zone (the site's: `steward` sets TZ from
 * site.timezone) with its offset, never a bare UTC time: clock_local writes
 * "2026-11-22 22:03:11 +08:00", clock_local_hms "22:03:11+08:00", into buf (at least
 * CLOCK_LOCAL_LEN bytes). Return buf. JSON payloads keep UTC (clock_iso).
 */
#define CLOCK_LOCAL_LEN 32
char *clock_local(int64_t wall_ms, char *buf);
char *clock_local_hms(int64_t wall_ms, char *buf);

/* Parses the format of clock_iso back to milliseconds. Returns 0 or ST_ERR_INVAL. */
int clock_parse_iso(const char *s, int64_t *out);

/*
 * The wall time (ms) of local hh:mm on year (since 1900) / mon (0-11) / mday, in the process's
 * time zone; any field may be out of range (mktime normalises: mday + 1 is the next day). When
 * daylight saving time ends, that wall time happens twice: the earlier instant is taken, always,
 * so that a calendar time is one instant whichever side of the change it is asked from. When it
 * begins, a wall time that does not exist becomes the one an hour later. For the maintenance
 * calendar and the daily review.
 */
int64_t clock_local_ms(int year, int mon, int mday, int hour, int min);

#endif
