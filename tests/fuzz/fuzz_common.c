/* fuzz_common.c - see fuzz_common.h. */
#include "tests/fuzz/fuzz_common.h"
#include "adapters/modbus/plan.h"
#include "gateway/base/error.h"

#include <sanitizer/lsan_interface.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_broken(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz invariant broken: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    FUZZ_CHECK(s, "out of memory");
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

void fuzz_check_plan(const struct cfg_profile *p, const struct plan_limits *lim)
{
    struct plan pl;
    FUZZ_CHECK(plan_build(p, lim, &pl) == ST_OK, "plan_build failed");
    FUZZ_CHECK(pl.n <= p->n_points, "%zu blocks for %zu points", pl.n, p->n_points);
    for (size_t i = 0; i < pl.n; i++) {
        const struct plan_block *b = &pl.blocks[i];
        int bits = b->table == TABLE_COIL || b->table == TABLE_DISCRETE;
        int max = bits ? lim->max_bits : lim->max_registers;
        FUZZ_CHECK(b->count >= 1 && b->count <= max, "block %zu: %d %s, limit %d", i, b->count,
                   bits ? "bits" : "registers", max);
        FUZZ_CHECK(b->start >= 0 && b->start + b->count <= 65536,
                   "block %zu: registers %d..%d outside the address space", i, b->start,
                   b->start + b->count - 1);
    }
    for (size_t k = 0; k < p->n_points; k++) {
        const struct cfg_point_def *d = &p->points[k];
        int b = pl.block_of[k], off = pl.offset_of[k];
        FUZZ_CHECK(b >= 0 && (size_t)b < pl.n, "point %zu in block %d of %zu", k, b, pl.n);
        const struct plan_block *blk = &pl.blocks[b];
        FUZZ_CHECK(blk->table == d->table, "point %zu read from the other table", k);
        FUZZ_CHECK(off >= 0 && off + reg_type_width(d->type) <= blk->count,
                   "point %zu (address %d, width %d) outside its block %d..%d", k, d->address,
                   reg_type_width(d->type), blk->start, blk->start + blk->count - 1);
        FUZZ_CHECK(blk->start + off == d->address, "point %zu read at %d, not its address %d", k,
                   blk->start + off, d->address);
    }
    plan_free(&pl);
}

struct config *fuzz_demo_config(void)
{
    struct config *cfg = NULL;
    struct config_diag diag = {0};
    if (config_load("config/examples/demo.cfg", &cfg, &diag) != ST_OK) {
        for (size_t i = 0; i < diag.n; i++)
            fprintf(stderr, "%s\n", diag.msgs[i]);
        fuzz_broken("cannot load config/examples/demo.cfg (run from the repository root)");
    }
    config_diag_free(&diag);
    return cfg;
}

void fuzz_leak_check(void)
{
    static unsigned long calls;
    if (++calls % FUZZ_LEAK_CHECK_EVERY == 0)
        FUZZ_CHECK(!__lsan_do_recoverable_leak_check(),
                   "memory leaked within the last %d inputs (the report above)",
                   FUZZ_LEAK_CHECK_EVERY);
}
