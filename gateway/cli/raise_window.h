/*
 * raise_window.h - the most raises of one alarm within any window of chatter.window, over a
 * history read in time order: how `steward rules test` and `steward report alarms` find
 * chattering alarms after the fact, with the site's own chatter settings (the gateway's alarm
 * engine marks them live, gateway/alarms/alarms.c). Owned by gateway/cli/.
 */
#ifndef STEWARD_RAISE_WINDOW_H
#define STEWARD_RAISE_WINDOW_H

#include <stddef.h>
#include <stdint.h>

struct raise_window {
    int64_t *times; /* the raises still within the window of the latest, from times[lo] */
    size_t n, cap, lo;
    int max;        /* the most raises within one window so far */
    int64_t max_at; /* when that was reached (wall ms) */
};

/* Counts a raise at ts (not before the previous one) within windows of window_ms. Returns 0 or
 * ST_ERR_NOMEM (the raise is then not counted). */
int raise_window_add(struct raise_window *w, int64_t ts, int64_t window_ms);
void raise_window_free(struct raise_window *w); /* the struct may be reused, zeroed */

#endif
