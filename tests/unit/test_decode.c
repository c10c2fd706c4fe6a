/* Unit tests: register decoding and encoding, block-read plans, the sample queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "adapters/modbus/decode.h"
#include "adapters/modbus/plan.h"
#include "gateway/base/error.h"
#include "gateway/base/queue.h"

static struct cfg_point_def def(enum reg_type t, const char *order, double scale)
{
    struct cfg_point_def d = {.type = t, .scale = scale};
    snprintf(d.order, sizeof(d.order), "%s", order);
    return d;
}

static void test_known_register_patterns(void **st)
{
    (void)st;
    double v;
    struct cfg_point_def d = def(REG_F32, "ABCD", 1);
    uint16_t f200[2] = {0x4348, 0x0000};
    assert_int_equal(decode_value(&d, f200, &v), 0);
    assert_true(v == 200.0);
    d = def(REG_F32, "CDAB", 1);
    uint16_t f200_swapped[2] = {0x0000, 0x4348};
    assert_int_equal(decode_value(&d, f200_swapped, &v), 0);
    assert_true(v == 200.0);
    d = def(REG_F32, "BADC", 1);
    uint16_t f200_bytes[2] = {0x4843, 0x0000};
    assert_int_equal(decode_value(&d, f200_bytes, &v), 0);
    assert_true(v == 200.0);
    d = def(REG_I16, "ABCD", 0.1);
    uint16_t t[1] = {1312};
    assert_int_equal(decode_value(&d, t, &v), 0);
    assert_true(fabs(v - 131.2) < 1e-9);
    uint16_t minus1[1] = {0xFFFF};
    assert_int_equal(decode_value(&d, minus1, &v), 0);
    assert_true(fabs(v + 0.1) < 1e-9);
    d = def(REG_U16, "ABCD", 1);
    assert_int_equal(decode_value(&d, minus1, &v), 0);
    assert_true(v == 65535);
    d = def(REG_U32, "ABCD", 1);
    uint16_t big[2] = {0x0001, 0x0002};
    assert_int_equal(decode_value(&d, big, &v), 0);
    assert_true(v == 65538);
    d = def(REG_I32, "DCBA", 1);
    uint16_t neg[2] = {0xFEFF, 0xFFFF}; /* -2 as bytes FF FF FF FE, all reversed */
    assert_int_equal(decode_value(&d, neg, &v), 0);
    assert_true(v == -2);
}

static void test_nan_from_a_faulty_device_is_rejected(void **st)
{
    (void)st;
    double v = 7;
    struct cfg_point_def d = def(REG_F32, "ABCD", 1);
    uint16_t nan[2] = {0x7FC0, 0x0000}, inf[2] = {0x7F80, 0x0000};
    assert_int_equal(decode_value(&d, nan, &v), ST_ERR_INVAL);
    assert_int_equal(decode_value(&d, inf, &v), ST_ERR_INVAL);
    assert_true(v == 7);
}

static void test_every_type_and_order_round_trips_with_scale_and_offset(void **st)
{
    (void)st;
    const char *orders[] = {"ABCD", "CDAB", "BADC", "DCBA"};
    const enum reg_type types[] = {REG_U16, REG_I16, REG_U32, REG_I32, REG_F32};
    const double samples[] = {0, 1, 42.5, 230.1, 1234.5};
    for (int t = 0; t < 5; t++)
        for (int o = 0; o < 4; o++)
            for (int s = 0; s < 5; s++) {
                struct cfg_point_def d = def(types[t], orders[o], 0.1);
                d.offset = -10;
                uint16_t regs[2] = {0, 0};
                double v;
                decode_encode(&d, samples[s], regs);
                assert_int_equal(decode_value(&d, regs, &v), 0);
                if (fabs(v - samples[s]) > 0.051)
                    fail_msg("type %d order %s: %g came back as %g", t, orders[o], samples[s], v);
            }
}

static void test_encode_saturates_at_the_type_range(void **st)
{
    (void)st;
    struct cfg_point_def d = def(REG_I16, "ABCD", 1);
    uint16_t r[1];
    double v;
    decode_encode(&d, 1e9, r);
    decode_value(&d, r, &v);
    assert_true(v == 32767);
    d = def(REG_U16, "ABCD", 1);
    decode_encode(&d, -5, r);
    decode_value(&d, r, &v);
    assert_true(v == 0);
    assert_int_equal(decode_order_check("ABDC"), ST_ERR_INVAL);
    assert_int_equal(decode_order_check("CDAB"), ST_OK);
}

/* The simulator may hold NaN or an infinity for a point (a scenario "set nan", a ramp over
 * infinities); encoding it must give defined registers, never convert NaN to an integer. */
static void test_nan_and_infinities_encode_to_defined_registers(void **st)
{
    (void)st;
    const enum reg_type ints[] = {REG_U16, REG_I16, REG_U32, REG_I32};
    for (int t = 0; t < 4; t++) {
        struct cfg_point_def d = def(ints[t], "ABCD", 1);
        uint16_t r[2] = {0xAAAA, 0xAAAA};
        double v = 7;
        decode_encode(&d, NAN, r);
        assert_int_equal(decode_value(&d, r, &v), 0);
        assert_true(v == 0);
    }
    struct cfg_point_def d = def(REG_U16, "ABCD", 1);
    uint16_t r[2];
    double v;
    decode_encode(&d, INFINITY, r);
    decode_value(&d, r, &v);
    assert_true(v == 65535);
    d = def(REG_I16, "ABCD", 0.1);
    decode_encode(&d, -INFINITY, r);
    decode_value(&d, r, &v);
    assert_true(fabs(v + 3276.8) < 1e-9);
    d = def(REG_I32, "CDAB", 1);
    decode_encode(&d, INFINITY, r);
    decode_value(&d, r, &v);
    assert_true(v == 2147483647.0);
    d = def(REG_U32, "DCBA", 1);
    d.offset = INFINITY; /* inf - inf is NaN */
    decode_encode(&d, INFINITY, r);
    assert_true(r[0] == 0 && r[1] == 0);
    d = def(REG_F32, "ABCD", 1); /* a float NaN is served as one, and the decoder refuses it */
    decode_encode(&d, NAN, r);
    assert_int_equal(decode_value(&d, r, &v), ST_ERR_INVAL);
}

static void test_plan_merges_neighbours_and_respects_tables_and_limits(void **st)
{
    (void)st;
    struct cfg_point_def pts[] = {
        {.name = "a", .table = TABLE_INPUT, .address = 0, .type = REG_F32},
        {.name = "b", .table = TABLE_INPUT, .address = 6, .type = REG_F32},   /* gap 4: merged */
        {.name = "c", .table = TABLE_INPUT, .address = 62, .type = REG_F32},  /* far: new block */
        {.name = "d", .table = TABLE_HOLDING, .address = 0, .type = REG_I16}, /* other table */
        {.name = "e", .table = TABLE_HOLDING, .address = 1, .type = REG_I16},
        {.name = "f", .table = TABLE_INPUT, .address = 63 + 120, .type = REG_F32}, /* > 125 regs */
    };
    struct cfg_profile p = {.id = "p", .points = pts, .n_points = 6};
    struct plan pl;
    assert_int_equal(plan_build(&p, PLAN_MAX_GAP, &pl), 0);
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

static void test_queue_keeps_order_wakes_the_core_and_drops_when_full(void **st)
{
    (void)st;
    struct sample_queue *q = queue_new(2);
    assert_non_null(q);
    struct pollfd pfd = {queue_fd(q), POLLIN, 0};
    assert_int_equal(poll(&pfd, 1, 0), 0);
    for (int i = 0; i < 3; i++) {
        struct sample_batch *b = sample_batch_new(1);
        b->device = i;
        assert_int_equal(queue_push(q, b), i < 2 ? ST_OK : ST_ERR_FULL);
    }
    assert_int_equal(poll(&pfd, 1, 0), 1);
    queue_ack(q);
    assert_int_equal(queue_dropped(q), 1);
    struct sample_batch *b = queue_pop(q);
    assert_int_equal(b->device, 0);
    sample_batch_free(b);
    b = queue_pop(q);
    assert_int_equal(b->device, 1);
    sample_batch_free(b);
    assert_null(queue_pop(q));
    queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_register_patterns),
        cmocka_unit_test(test_nan_from_a_faulty_device_is_rejected),
        cmocka_unit_test(test_every_type_and_order_round_trips_with_scale_and_offset),
        cmocka_unit_test(test_encode_saturates_at_the_type_range),
        cmocka_unit_test(test_nan_and_infinities_encode_to_defined_registers),
        cmocka_unit_test(test_plan_merges_neighbours_and_respects_tables_and_limits),
        cmocka_unit_test(test_queue_keeps_order_wakes_the_core_and_drops_when_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
