/* plan.c - see plan.h. */
#include "adapters/modbus/plan.h"
#include "gateway/base/error.h"

#include <stdlib.h>
#include <string.h>

static const struct cfg_profile *sort_profile; /* qsort has no context argument */

static int by_table_address(const void *a, const void *b)
{
    const struct cfg_point_def *x = &sort_profile->points[*(const int *)a];
    const struct cfg_point_def *y = &sort_profile->points[*(const int *)b];
    if (x->table != y->table) return x->table < y->table ? -1 : 1;
    return x->address < y->address ? -1 : x->address > y->address;
}

int plan_build(const struct cfg_profile *p, int max_gap, struct plan *out)
{
    memset(out, 0, sizeof(*out));
    size_t n = p->n_points;
    int *order = malloc((n ? n : 1) * sizeof(int));
    out->blocks = malloc((n ? n : 1) * sizeof(*out->blocks));
    out->block_of = malloc((n ? n : 1) * sizeof(int));
    out->offset_of = malloc((n ? n : 1) * sizeof(int));
    if (!order || !out->blocks || !out->block_of || !out->offset_of) {
        free(order);
        plan_free(out);
        return ST_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = (int)i;
    sort_profile = p;
    qsort(order, n, sizeof(int), by_table_address);
    sort_profile = NULL;

    struct plan_block *cur = NULL;
    for (size_t k = 0; k < n; k++) {
        const struct cfg_point_def *d = &p->points[order[k]];
        int end = d->address + reg_type_width(d->type); /* one past the last register */
        int fits = cur && cur->table == d->table &&
                   d->address <= cur->start + cur->count + max_gap &&
                   end - cur->start <= PLAN_MAX_REGS;
        if (!fits) {
            cur = &out->blocks[out->n++];
            *cur = (struct plan_block){d->table, d->address, 0};
        }
        if (end - cur->start > cur->count) cur->count = end - cur->start;
        out->block_of[order[k]] = (int)(cur - out->blocks);
        out->offset_of[order[k]] = d->address - cur->start;
    }
    free(order);
    return ST_OK;
}

void plan_free(struct plan *pl)
{
    free(pl->blocks);
    free(pl->block_of);
    free(pl->offset_of);
    memset(pl, 0, sizeof(*pl));
}
