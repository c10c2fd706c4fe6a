/* flood.c - see flood.h. */
#include "gateway/alarms/flood.h"

int flood_count(const struct flood *f, int64_t now)
{
    int c = 0;
    for (int i = 0; i < f->n; i++)
        if (now - f->raised[i] < FLOOD_WINDOW_MS) c++;
    return c;
}

enum flood_change flood_raise(struct flood *f, int64_t now)
{
    f->raised[f->next] = now;
    f->next = (f->next + 1) % FLOOD_BEGIN;
    if (f->n < FLOOD_BEGIN) f->n++;
    if (f->active) {
        f->raised_during++;
        return FLOOD_NONE;
    }
    int c = flood_count(f, now);
    if (c < FLOOD_BEGIN) return FLOOD_NONE;
    f->active = 1;
    f->raised_during = c;
    return FLOOD_BEGAN;
}

enum flood_change flood_tick(struct flood *f, int64_t now)
{
    if (!f->active || flood_count(f, now) >= FLOOD_END) return FLOOD_NONE;
    f->active = 0;
    return FLOOD_ENDED;
}

int64_t flood_next_wake(const struct flood *f)
{
    if (!f->active) return 0;
    /* The count drops below FLOOD_END when the (FLOOD_END)-th latest raise leaves the window. */
    int64_t t[FLOOD_BEGIN];
    int n = f->n;
    for (int i = 0; i < n; i++)
        t[i] = f->raised[i];
    for (int i = 1; i < n; i++) /* sort descending: newest first (n <= 10) */
        for (int k = i; k > 0 && t[k] > t[k - 1]; k--) {
            int64_t x = t[k];
            t[k] = t[k - 1];
            t[k - 1] = x;
        }
    /* Taken up after a restart with fewer raises than it takes to last: it can end now. */
    return n >= FLOOD_END ? t[FLOOD_END - 1] + FLOOD_WINDOW_MS : 1;
}
