/* plan.c - see plan.h. */
#include "adapters/modbus/plan.h"
#include "adapters/modbus/decode.h"
#include "gateway/base/error.h"

#include <stdlib.h>
#include <string.h>

struct plan_limits plan_limits_for(const struct cfg_device *dev, const struct cfg_profile *p)
{
    struct plan_limits l = {PLAN_MAX_REGS, PLAN_MAX_BITS, PLAN_DEFAULT_GAP};
    if (p && p->max_registers > 0) l.max_registers = p->max_registers;
    if (p && p->max_bits > 0) l.max_bits = p->max_bits;
    if (p && p->max_gap >= 0) l.max_gap = p->max_gap;
    if (dev && dev->max_registers > 0) l.max_registers = dev->max_registers;
    if (dev && dev->max_bits > 0) l.max_bits = dev->max_bits;
    if (dev && dev->max_gap >= 0) l.max_gap = dev->max_gap;
    if (l.max_registers > PLAN_MAX_REGS) l.max_registers = PLAN_MAX_REGS;
    if (l.max_bits > PLAN_MAX_BITS) l.max_bits = PLAN_MAX_BITS;
    return l;
}

static int by_table_address(const void *a, const void *b, void *arg)
{
    const struct cfg_profile *p = arg;
    const struct cfg_point_def *x = &p->points[*(const int *)a];
    const struct cfg_point_def *y = &p->points[*(const int *)b];
    if (x->table != y->table) return x->table < y->table ? -1 : 1;
    return x->address < y->address ? -1 : x->address > y->address;
}

int plan_build(const struct cfg_profile *p, const struct plan_limits *lim, struct plan *out)
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
    qsort_r(order, n, sizeof(int), by_table_address, (void *)p);

    struct plan_block *cur = NULL;
    for (size_t k = 0; k < n; k++) {
        const struct cfg_point_def *d = &p->points[order[k]];
        int bits = d->table == TABLE_COIL || d->table == TABLE_DISCRETE;
        int max = bits ? lim->max_bits : lim->max_registers;
        int end = d->address + decode_width(d); /* one past the last register */
        int fits = cur && cur->table == d->table &&
                   d->address <= cur->start + cur->count + lim->max_gap && end - cur->start <= max;
        if (!fits) {
            cur = &out->blocks[out->n++];
            *cur = (struct plan_block){d->table, d->address, 0};
        }
        if (end - cur->start > cur->count) cur->count = end - cur->start;
        out->block_of[order[k]] = (int)(cur - out->blocks);
        out->offset_of[order[k]] = d->address - cur->start;
    }
    for (size_t k = 0; k < out->n; k++)
        out->words += out->blocks[k].count;
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
