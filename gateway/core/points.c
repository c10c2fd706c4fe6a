/* points.c - see points.h. */
#include "gateway/core/points.h"
#include "gateway/base/quality.h"

#include <stdlib.h>

struct points *points_new(const struct config *cfg)
{
    struct points *p = calloc(1, sizeof(*p));
    if (!p) return NULL;
    p->n = cfg->n_points;
    size_t n = p->n ? p->n : 1;
    p->value = calloc(n, sizeof(*p->value));
    p->quality = malloc(n * sizeof(*p->quality));
    p->ts = calloc(n, sizeof(*p->ts));
    if (!p->value || !p->quality || !p->ts) {
        points_free(p);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        p->quality[i] = QUALITY_NONE;
    return p;
}

void points_free(struct points *p)
{
    if (!p) return;
    free(p->value);
    free(p->quality);
    free(p->ts);
    free(p);
}

int points_set(struct points *p, int id, double value, int quality, int64_t ts_ms)
{
    if (id < 0 || (size_t)id >= p->n) return 0;
    int changed = p->quality[id] != quality || (quality == QUALITY_GOOD && p->value[id] != value);
    if (quality == QUALITY_GOOD) p->value[id] = value;
    p->quality[id] = (uint8_t)quality;
    p->ts[id] = ts_ms;
    return changed;
}
