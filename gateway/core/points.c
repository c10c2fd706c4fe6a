/* points.c - see points.h. */
#include "gateway/core/points.h"
#include "gateway/base/error.h"
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
    p->seen_mono = calloc(n, sizeof(*p->seen_mono));
    p->dep_start = calloc(n + 1, sizeof(*p->dep_start));
    if (!p->value || !p->quality || !p->ts || !p->seen_mono || !p->dep_start) {
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
    free(p->seen_mono);
    free(p->dep_start);
    free(p->dep);
    free(p);
}

int points_set(struct points *p, int id, double value, int quality, int64_t ts_ms, int64_t mono_ms)
{
    if (id < 0 || (size_t)id >= p->n) return 0;
    int changed = p->quality[id] != quality || (quality == QUALITY_GOOD && p->value[id] != value);
    if (quality == QUALITY_GOOD) p->value[id] = value;
    p->quality[id] = (uint8_t)quality;
    p->ts[id] = ts_ms;
    p->seen_mono[id] = mono_ms;
    return changed;
}

int points_depend(struct points *p, const int *point_ids, const int *alarm_ids, size_t n)
{
    int *dep = malloc((n ? n : 1) * sizeof(*dep));
    if (!dep) return ST_ERR_NOMEM;
    int *start = p->dep_start;
    for (size_t i = 0; i <= p->n; i++)
        start[i] = 0;
    /* Counting sort by point id: count, prefix-sum, place. */
    for (size_t k = 0; k < n; k++)
        start[point_ids[k] + 1]++;
    for (size_t i = 0; i < p->n; i++)
        start[i + 1] += start[i];
    int *fill = calloc(p->n ? p->n : 1, sizeof(*fill));
    if (!fill) {
        free(dep);
        return ST_ERR_NOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        int pt = point_ids[k];
        dep[start[pt] + fill[pt]++] = alarm_ids[k];
    }
    free(fill);
    free(p->dep);
    p->dep = dep;
    return ST_OK;
}
