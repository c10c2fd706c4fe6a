/*
 * flood.h - alarm-flood detection (ISA-18.2, DOMAIN.md): a flood is FLOOD_BEGIN or more alarms
 * raised within FLOOD_WINDOW_MS (10 in 10 minutes, the rate past which one operator can no longer
 * handle each alarm); it ends when the raises within the window fall below FLOOD_END (5). The
 * control room learns both ends as events, so it can switch to its flood procedure (look at the
 * highest priorities first) and back.
 *
 * Pure logic on the monotonic times the caller passes in; owned by alarms.c.
 */
#ifndef STEWARD_FLOOD_H
#define STEWARD_FLOOD_H

#include <stdint.h>

#define FLOOD_WINDOW_MS (10 * 60 * 1000LL)
#define FLOOD_BEGIN 10
#define FLOOD_END 5

struct flood {
    int64_t raised[FLOOD_BEGIN]; /* ring of the latest raise times: enough to see FLOOD_BEGIN */
    int next;                    /* where the next raise goes */
    int n;                       /* raises recorded, at most FLOOD_BEGIN */
    int active;                  /* a flood is going on */
    int raised_during;           /* raises since the flood began (those that began it included) */
};

enum flood_change { FLOOD_NONE = 0, FLOOD_BEGAN, FLOOD_ENDED };

/* Counts a raise at now. Returns FLOOD_BEGAN when it starts a flood. */
enum flood_change flood_raise(struct flood *f, int64_t now);
/* As time passes: returns FLOOD_ENDED when the raises within the window fall below FLOOD_END. */
enum flood_change flood_tick(struct flood *f, int64_t now);
/* The raises within the window ending at now (at most FLOOD_BEGIN). */
int flood_count(const struct flood *f, int64_t now);
/* The monotonic time flood_tick may end the flood, or 0 when no flood is going on. */
int64_t flood_next_wake(const struct flood *f);

#endif
