/*
 * timer.h - the one timer registry of the gateway (after redis ae.c's time events).
 *
 * A module embeds a struct timer in what it times (an alarm's on-delay, a work order's next
 * deadline, a sensor's heartbeat...), initialises it once with timer_init, and arms it with the
 * monotonic time it is due (timers_arm) or the wall-clock time (timers_arm_wall: SLA deadlines,
 * the daily review, the maintenance calendar). The core's loop sleeps until timers_next() and
 * then calls timers_run(), which calls each due timer's function; the function returns the delay
 * until it runs again, or TIMER_STOP. Nothing else keeps a list of deadlines to scan.
 *
 * Wall-clock timers are kept apart and compared with the wall clock when they are run, so a
 * clock that jumps (NTP, a manual change) fires them at their wall time; timers_next() converts
 * the earliest of them to the monotonic clock, the only place where the two clocks meet.
 *
 * A min-heap per clock: arming, cancelling and running are O(log n). Single-threaded (the core).
 * A struct timer must stay where it is (not be moved by realloc) while armed.
 */
#ifndef STEWARD_TIMER_H
#define STEWARD_TIMER_H

#include <stddef.h>
#include <stdint.h>

#define TIMER_STOP (-1) /* returned by a timer function: do not run again */

struct timer;

/*
 * Called when t is due, with both clocks' current time. Returns 0 or a negative st_err (the run
 * stops and timers_run returns it; the timer is not re-armed unless *again_ms was set). Sets
 * *again_ms (preset to TIMER_STOP) to run again that many ms later, on the timer's own clock; or
 * re-arms t itself. The function may arm and cancel any timer, t included.
 */
typedef int (*timer_fn)(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again_ms);

struct timer {
    int64_t due;      /* on its clock (monotonic or wall ms) */
    size_t slot;      /* position in its heap, while armed */
    int armed;        /* 0: not in a heap */
    int wall;         /* 1: due is wall-clock time */
    timer_fn fn;      /* borrowed */
    void *ctx;        /* borrowed */
    const char *name; /* static, for debugging */
};

struct timers;

/* A new, empty registry. NULL on allocation failure. */
struct timers *timers_new(void);
/* Frees the registry (the timers themselves belong to their modules). NULL-safe. */
void timers_free(struct timers *ts);

void timer_init(struct timer *t, timer_fn fn, void *ctx, const char *name);

/* (Re)arms t for the monotonic time due_mono. Returns 0 or ST_ERR_NOMEM. */
int timers_arm(struct timers *ts, struct timer *t, int64_t due_mono);
/* (Re)arms t for the wall-clock time due_wall (UTC ms). Returns 0 or ST_ERR_NOMEM. */
int timers_arm_wall(struct timers *ts, struct timer *t, int64_t due_wall);
/* Disarms t; no-op when it is not armed. */
void timers_cancel(struct timers *ts, struct timer *t);
/* Non-zero while t is armed. */
int timer_armed(const struct timer *t);

/* The monotonic time the earliest timer is due (wall timers converted), or 0 when none. */
int64_t timers_next(const struct timers *ts, int64_t now_mono, int64_t now_wall);

/*
 * Runs every timer due at now_mono / now_wall, earliest first, each at most once per call (a
 * timer re-armed for a time already past runs at the next call). Returns 0 or the first st_err a
 * timer function returned (the remaining due timers run at the next call).
 */
int timers_run(struct timers *ts, int64_t now_mono, int64_t now_wall);

/* Armed timers, for tests and the log. */
size_t timers_count(const struct timers *ts);

#endif
