/* Unit tests: block-read plans (merging within max_registers / max_bits and max_gap, the limits a
 * device or profile sets) and the bus's scheduling (phase, back-off, its cap). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "adapters/modbus/bus.h"
#include "adapters/modbus/plan.h"
#include "gateway/base/error.h"

#define PT(n, t, a, ty)                                                                            \
    {                                                                                              \
        .name = (n), .table = (t), .address = (a), .type = (ty), .bit = -1                         \
    }

static const struct plan_limits defaults = {PLAN_MAX_REGS, PLAN_MAX_BITS, PLAN_DEFAULT_GAP};

static void test_plan_merges_neighbours_and_respects_tables_and_limits(void **st)
{
    (void)st;
    struct cfg_point_def pts[] = {
        PT("a", TABLE_INPUT, 0, REG_F32),
        PT("b", TABLE_INPUT, 6, REG_F32),   /* gap 4: merged */
        PT("c", TABLE_INPUT, 62, REG_F32),  /* far: new block */
        PT("d", TABLE_HOLDING, 0, REG_I16), /* other table */
        PT("e", TABLE_HOLDING, 1, REG_I16),
        PT("f", TABLE_INPUT, 63 + 120, REG_F32), /* > 125 registers from c */
    };
    struct cfg_profile p = {.id = "p", .points = pts, .n_points = 6};
    struct plan pl;
    assert_int_equal(plan_build(&p, &defaults, &pl), 0);
    assert_int_equal(pl.n, 4);
    assert_int_equal(pl.block_of[0], pl.block_of[1]);
    assert_int_equal(pl.offset_of[1], 6);
    assert_int_not_equal(pl.block_of[1], pl.block_of[2]);
    assert_int_equal(pl.block_of[3], pl.block_of[4]);
    assert_int_not_equal(pl.block_of[2], pl.block_of[5]);
    for (size_t i = 0; i < pl.n; i++)
        assert_true(pl.blocks[i].count <= PLAN_MAX_REGS);
    const struct plan_block *hb = &pl.blocks[pl.block_of[3]];
    assert_int_equal(hb->table, TABLE_HOLDING);
    assert_int_equal(hb->count, 2);
    const struct plan_block *ib = &pl.blocks[pl.block_of[0]];
    assert_int_equal(ib->start, 0);
    assert_int_equal(ib->count, 8); /* f32 at 6 needs registers 6 and 7 */
    plan_free(&pl);
}

static void test_max_gap_decides_what_is_read_over(void **st)
{
    (void)st;
    /* u16 at 0, 11 (gap 10 after register 0), 30 (gap 18 after 11). */
    struct cfg_point_def pts[] = {PT("a", TABLE_HOLDING, 0, REG_U16),
                                  PT("b", TABLE_HOLDING, 11, REG_U16),
                                  PT("c", TABLE_HOLDING, 30, REG_U16)};
    struct cfg_profile p = {.id = "p", .points = pts, .n_points = 3};
    struct plan pl;
    struct plan_limits l = defaults; /* gap 10 */
    assert_int_equal(plan_build(&p, &l, &pl), 0);
    assert_int_equal(pl.n, 2);
    assert_int_equal(pl.blocks[0].count, 12);
    plan_free(&pl);
    l.max_gap = 9;
    assert_int_equal(plan_build(&p, &l, &pl), 0);
    assert_int_equal(pl.n, 3);
    plan_free(&pl);
    l.max_gap = 18;
    assert_int_equal(plan_build(&p, &l, &pl), 0);
    assert_int_equal(pl.n, 1);
    assert_int_equal(pl.blocks[0].count, 31);
    assert_int_equal(pl.offset_of[2], 30);
    assert_int_equal(pl.words, 31);
    plan_free(&pl);
    l.max_gap = 0; /* adjacent only */
    struct cfg_point_def adj[] = {PT("a", TABLE_HOLDING, 0, REG_U32),
                                  PT("b", TABLE_HOLDING, 2, REG_U16),
                                  PT("c", TABLE_HOLDING, 4, REG_U16)};
    struct cfg_profile q = {.id = "q", .points = adj, .n_points = 3};
    assert_int_equal(plan_build(&q, &l, &pl), 0);
    assert_int_equal(pl.n, 2);
    assert_int_equal(pl.blocks[0].count, 3);
    plan_free(&pl);
}

static void test_max_registers_splits_and_never_cuts_a_value(void **st)
{
    (void)st;
    /* 40 f32 in a row: 80 registers. */
    struct cfg_point_def pts[40];
    char names[40][16];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "p%d", i);
        pts[i] = (struct cfg_point_def)PT(names[i], TABLE_INPUT, 2 * i, REG_F32);
    }
    struct cfg_profile p = {.id = "p", .points = pts, .n_points = 40};
    struct plan pl;
    struct plan_limits l = defaults;
    assert_int_equal(plan_build(&p, &l, &pl), 0);
    assert_int_equal(pl.n, 1);
    plan_free(&pl);
    l.max_registers = 25; /* a device that takes fewer: 12 floats per request */
    assert_int_equal(plan_build(&p, &l, &pl), 0);
    assert_int_equal(pl.n, 4);
    for (size_t k = 0; k < pl.n; k++) {
        assert_true(pl.blocks[k].count <= 25);
        assert_int_equal(pl.blocks[k].count % 2, 0); /* no float split across two requests */
    }
    plan_free(&pl);
    /* 64-bit values and 125 registers: 31 of them fit in one request (124 registers). */
    struct cfg_point_def big[32];
    for (int i = 0; i < 32; i++)
        big[i] = (struct cfg_point_def)PT(names[i], TABLE_HOLDING, 4 * i, REG_F64);
    struct cfg_profile b = {.id = "b", .points = big, .n_points = 32};
    assert_int_equal(plan_build(&b, &defaults, &pl), 0);
    assert_int_equal(pl.n, 2);
    assert_int_equal(pl.blocks[0].count, 124);
    assert_int_equal(pl.blocks[1].count, 4);
    plan_free(&pl);
}

static void test_coils_and_discrete_inputs_merge_by_bits_up_to_2000(void **st)
{
    (void)st;
    struct cfg_point_def pts[] = {
        {.name = "c0", .table = TABLE_COIL, .address = 0, .type = REG_BOOL, .bit = -1},
        {.name = "c5", .table = TABLE_COIL, .address = 5, .type = REG_BOOL, .bit = -1},
        {.name = "c1999", .table = TABLE_COIL, .address = 1999, .type = REG_BOOL, .bit = -1},
        {.name = "c2000", .table = TABLE_COIL, .address = 2000, .type = REG_BOOL, .bit = -1},
        {.name = "d3", .table = TABLE_DISCRETE, .address = 3, .type = REG_BOOL, .bit = -1},
        /* three bits of one status register share one register read */
        {.name = "s0", .table = TABLE_HOLDING, .address = 9, .type = REG_U16, .bit = 0},
        {.name = "s1", .table = TABLE_HOLDING, .address = 9, .type = REG_U16, .bit = 1},
        {.name = "s7", .table = TABLE_HOLDING, .address = 9, .type = REG_U16, .bit = 7},
    };
    struct cfg_profile p = {.id = "p", .points = pts, .n_points = 8};
    struct plan pl;
    struct plan_limits l = defaults;
    l.max_gap = 2000;
    assert_int_equal(plan_build(&p, &l, &pl), 0);
    /* coils 0..1999 (2000 bits), coil 2000 alone, the discrete input, the register */
    assert_int_equal(pl.n, 4);
    assert_int_equal(pl.blocks[pl.block_of[0]].count, 2000);
    assert_int_equal(pl.block_of[0], pl.block_of[2]);
    assert_int_not_equal(pl.block_of[2], pl.block_of[3]);
    assert_int_equal(pl.blocks[pl.block_of[4]].table, TABLE_DISCRETE);
    assert_int_equal(pl.block_of[5], pl.block_of[7]);
    assert_int_equal(pl.blocks[pl.block_of[5]].count, 1);
    plan_free(&pl);
    l.max_bits = 8;
    l.max_gap = 10;
    assert_int_equal(plan_build(&p, &l, &pl), 0);
    assert_int_equal(pl.blocks[pl.block_of[0]].count, 6); /* coils 0 and 5 */
    plan_free(&pl);
}

static void test_limits_come_from_the_device_then_the_profile_then_the_defaults(void **st)
{
    (void)st;
    struct cfg_profile p = {.id = "p", .max_gap = -1};
    struct cfg_device d = {.id = "d", .max_gap = -1};
    struct plan_limits l = plan_limits_for(&d, &p);
    assert_int_equal(l.max_registers, 125);
    assert_int_equal(l.max_bits, 2000);
    assert_int_equal(l.max_gap, 10);
    p.max_registers = 60;
    p.max_gap = 0;
    l = plan_limits_for(&d, &p);
    assert_int_equal(l.max_registers, 60);
    assert_int_equal(l.max_gap, 0);
    d.max_registers = 20;
    d.max_gap = 4;
    d.max_bits = 100;
    l = plan_limits_for(&d, &p);
    assert_int_equal(l.max_registers, 20);
    assert_int_equal(l.max_gap, 4);
    assert_int_equal(l.max_bits, 100);
    l = plan_limits_for(NULL, NULL);
    assert_int_equal(l.max_registers, 125);
}

static void test_a_failing_device_backs_off_exponentially_up_to_a_cap(void **st)
{
    (void)st;
    assert_int_equal(bus_next_delay(200, 0), 200);
    assert_int_equal(bus_next_delay(200, 1), 200);
    assert_int_equal(bus_next_delay(200, 2), 400);
    assert_int_equal(bus_next_delay(200, 3), 800);
    assert_int_equal(bus_next_delay(200, 5), 3200);
    assert_int_equal(bus_next_delay(200, 6), BUS_BACKOFF_MAX_MS);
    assert_int_equal(bus_next_delay(200, 1000), BUS_BACKOFF_MAX_MS);
    /* A device polled less often than the cap is never polled less often than its interval. */
    assert_int_equal(bus_next_delay(60000, 4), 60000);
}

static void test_an_answering_device_keeps_its_phase_and_never_bursts(void **st)
{
    (void)st;
    /* Due at 1000, polled late at 1150 because another device timed out: still due at 1200. */
    assert_int_equal(bus_reschedule(1000, 1150, 200, 500, 0), 1200);
    /* Held up for longer than its interval: polled at once, once, then on from there. */
    assert_int_equal(bus_reschedule(1000, 1700, 200, 500, 0), 1700);
    /* Failed: from now, after its back-off, and never sooner than two timeouts. */
    assert_int_equal(bus_reschedule(1000, 1300, 200, 100, 3), 1300 + 800);
    assert_int_equal(bus_reschedule(1000, 1300, 200, 150, 1), 1300 + 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plan_merges_neighbours_and_respects_tables_and_limits),
        cmocka_unit_test(test_max_gap_decides_what_is_read_over),
        cmocka_unit_test(test_max_registers_splits_and_never_cuts_a_value),
        cmocka_unit_test(test_coils_and_discrete_inputs_merge_by_bits_up_to_2000),
        cmocka_unit_test(test_limits_come_from_the_device_then_the_profile_then_the_defaults),
        cmocka_unit_test(test_a_failing_device_backs_off_exponentially_up_to_a_cap),
        cmocka_unit_test(test_an_answering_device_keeps_its_phase_and_never_bursts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
