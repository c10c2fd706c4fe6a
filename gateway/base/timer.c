/* timer.c - see timer.h. Two binary min-heaps of timer pointers, one per clock. */
#include "gateway/base/timer.h"
#include "gateway/base/error.h"

#include <stdlib.h>

struct heap {
    struct timer **v;
    size_t n, cap;
};

struct timers {
    struct heap mono, wall;
    struct timer **due; /* scratch for timers_run: the timers due in this run */
    size_t due_cap;
};

struct timers *timers_new(void)
{
    return calloc(1, sizeof(struct timers));
}

void timers_free(struct timers *ts)
{
    if (!ts) return;
    for (size_t i = 0; i < ts->mono.n; i++)
        ts->mono.v[i]->armed = 0;
    for (size_t i = 0; i < ts->wall.n; i++)
        ts->wall.v[i]->armed = 0;
    free(ts->mono.v);
    free(ts->wall.v);
    free(ts->due);
    free(ts);
}

void timer_init(struct timer *t, timer_fn fn, void *ctx, const char *name)
{
    *t = (struct timer){.fn = fn, .ctx = ctx, .name = name};
}

int timer_armed(const struct timer *t)
{
    return t->armed;
}

static void place(struct heap *h, size_t i, struct timer *t)
{
    h->v[i] = t;
    t->slot = i;
}

static void sift_up(struct heap *h, size_t i)
{
    struct timer *t = h->v[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent]->due <= t->due) break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void sift_down(struct heap *h, size_t i)
{
    struct timer *t = h->v[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->v[c + 1]->due < h->v[c]->due) c++;
        if (h->v[c]->due >= t->due) break;
        place(h, i, h->v[c]);
        i = c;
    }
    place(h, i, t);
}

static struct heap *heap_of(struct timers *ts, const struct timer *t)
{
    return t->wall ? &ts->wall : &ts->mono;
}

void timers_cancel(struct timers *ts, struct timer *t)
{
    if (!t->armed) return;
    struct heap *h = heap_of(ts, t);
    size_t i = t->slot;
    t->armed = 0;
    struct timer *last = h->v[--h->n];
    if (i == h->n) return;
    place(h, i, last);
    sift_down(h, i);
    sift_up(h, last->slot);
}

static int arm(struct timers *ts, struct timer *t, int64_t due, int wall)
{
    timers_cancel(ts, t);
    t->wall = wall;
    t->due = due;
    struct heap *h = heap_of(ts, t);
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct timer **v = realloc(h->v, cap * sizeof(*v));
        if (!v) return ST_ERR_NOMEM;
        h->v = v;
        h->cap = cap;
    }
    t->armed = 1;
    place(h, h->n++, t);
    sift_up(h, t->slot);
    return ST_OK;
}

int timers_arm(struct timers *ts, struct timer *t, int64_t due_mono)
{
    return arm(ts, t, due_mono, 0);
}

int timers_arm_wall(struct timers *ts, struct timer *t, int64_t due_wall)
{
    return arm(ts, t, due_wall, 1);
}

int64_t timers_next(const struct timers *ts, int64_t now_mono, int64_t now_wall)
{
    int64_t next = ts->mono.n ? ts->mono.v[0]->due : 0;
    if (ts->wall.n) {
        /* The one conversion between the clocks: a wall deadline as a monotonic wake time. */
        int64_t w = now_mono + (ts->wall.v[0]->due - now_wall);
        if (next == 0 || w < next) next = w;
    }
    return next;
}

/* Moves every timer of h due at now into ts->due (disarmed), from n_due on. */
static int collect(struct timers *ts, struct heap *h, int64_t now, size_t *n_due)
{
    while (h->n && h->v[0]->due <= now) {
        if (*n_due == ts->due_cap) {
            size_t cap = ts->due_cap ? ts->due_cap * 2 : 64;
            struct timer **v = realloc(ts->due, cap * sizeof(*v));
            if (!v) return ST_ERR_NOMEM;
            ts->due = v;
            ts->due_cap = cap;
        }
        struct timer *t = h->v[0];
        timers_cancel(ts, t);
        ts->due[(*n_due)++] = t;
    }
    return ST_OK;
}

int timers_run(struct timers *ts, int64_t now_mono, int64_t now_wall)
{
    size_t n = 0;
    int rc = collect(ts, &ts->mono, now_mono, &n);
    if (rc == ST_OK) rc = collect(ts, &ts->wall, now_wall, &n);
    for (size_t i = 0; i < n; i++) {
        struct timer *t = ts->due[i];
        /* Re-armed (or armed anew) by an earlier function of this run: it runs when next due. */
        if (t->armed) continue;
        if (rc != ST_OK) { /* after a failure: due again at once, at the next call */
            arm(ts, t, t->due, t->wall);
            continue;
        }
        int64_t again = TIMER_STOP;
        rc = t->fn(t->ctx, now_mono, now_wall, &again);
        if (again >= 0 && !t->armed) {
            int arc = arm(ts, t, (t->wall ? now_wall : now_mono) + again, t->wall);
            if (rc == ST_OK) rc = arc;
        }
    }
    return rc;
}

size_t timers_count(const struct timers *ts)
{
    return ts->mono.n + ts->wall.n;
}
