/* raise_window.c - see raise_window.h. */
#include "gateway/cli/raise_window.h"
#include "gateway/base/error.h"

#include <stdlib.h>
#include <string.h>

int raise_window_add(struct raise_window *w, int64_t ts, int64_t window_ms)
{
    if (w->n == w->cap && w->lo) { /* drop what left the window before growing */
        memmove(w->times, w->times + w->lo, (w->n - w->lo) * sizeof(*w->times));
        w->n -= w->lo;
        w->lo = 0;
    }
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 8;
        int64_t *nv = realloc(w->times, nc * sizeof(*nv));
        if (!nv) return ST_ERR_NOMEM;
        w->times = nv;
        w->cap = nc;
    }
    w->times[w->n++] = ts;
    while (ts - w->times[w->lo] >= window_ms)
        w->lo++;
    int within = (int)(w->n - w->lo);
    if (within > w->max) {
        w->max = within;
        w->max_at = ts;
    }
    return ST_OK;
}

void raise_window_free(struct raise_window *w)
{
    free(w->times);
    memset(w, 0, sizeof(*w));
}
