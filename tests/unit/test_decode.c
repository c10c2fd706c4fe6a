/* Unit tests: register decoding and encoding for every type and order, resolution, the sample
 * queue. Block-read plans are in test_plan.c. */
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
#include "gateway/base/error.h"
#include "gateway/base/queue.h"

static struct cfg_point_def def(enum reg_type t, const char *order, double scale)
{
    struct cfg_point_def d = {.type = t, .scale = scale, .bit = -1, .decimals = -1};
    snprintf(d.order, sizeof(d.order), "%s", order);
    return d;
}

/* Known byte vectors: a value and the registers a device sends for it, for every type and every
 * order (for 64 bits, CDAB and DCBA reverse the order of the four words). */
static const struct vector {
    enum reg_type type;
    const char *order;
    double value;
    uint16_t regs[4];
} vectors[] = {
    {REG_U16, "ABCD", 65535, {0xFFFF}},
    {REG_U16, "ABCD", 4660, {0x1234}},
    {REG_I16, "ABCD", -1, {0xFFFF}},
    {REG_I16, "ABCD", -32768, {0x8000}},
    {REG_I16, "ABCD", 1312, {0x0520}},
    {REG_U32, "ABCD", 16909060, {0x0102, 0x0304}},
    {REG_U32, "CDAB", 16909060, {0x0304, 0x0102}},
    {REG_U32, "BADC", 16909060, {0x0201, 0x0403}},
    {REG_U32, "DCBA", 16909060, {0x0403, 0x0201}},
    {REG_U32, "ABCD", 4294967295.0, {0xFFFF, 0xFFFF}},
    {REG_I32, "ABCD", -2, {0xFFFF, 0xFFFE}},
    {REG_I32, "CDAB", -2, {0xFFFE, 0xFFFF}},
    {REG_I32, "BADC", -2, {0xFFFF, 0xFEFF}},
    {REG_I32, "DCBA", -2, {0xFEFF, 0xFFFF}},
    {REG_I32, "ABCD", -2147483648.0, {0x8000, 0x0000}},
    {REG_F32, "ABCD", 200.0, {0x4348, 0x0000}},
    {REG_F32, "CDAB", 200.0, {0x0000, 0x4348}},
    {REG_F32, "BADC", 200.0, {0x4843, 0x0000}},
    {REG_F32, "DCBA", 200.0, {0x0000, 0x4843}},
    {REG_F32, "ABCD", -1.5, {0xBFC0, 0x0000}},
    /* 0x0102030405060700: exact in a double (a sample's value) */
    {REG_U64, "ABCD", 72623859790382848.0, {0x0102, 0x0304, 0x0506, 0x0700}},
    {REG_U64, "CDAB", 72623859790382848.0, {0x0700, 0x0506, 0x0304, 0x0102}},
    {REG_U64, "BADC", 72623859790382848.0, {0x0201, 0x0403, 0x0605, 0x0007}},
    {REG_U64, "DCBA", 72623859790382848.0, {0x0007, 0x0605, 0x0403, 0x0201}},
    {REG_U64, "ABCD", 4294967296.0, {0x0000, 0x0001, 0x0000, 0x0000}},
    {REG_I64, "ABCD", -2, {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE}},
    {REG_I64, "CDAB", -2, {0xFFFE, 0xFFFF, 0xFFFF, 0xFFFF}},
    {REG_I64, "BADC", -2, {0xFFFF, 0xFFFF, 0xFFFF, 0xFEFF}},
    {REG_I64, "DCBA", -2, {0xFEFF, 0xFFFF, 0xFFFF, 0xFFFF}},
    {REG_I64, "ABCD", 1e15, {0x0003, 0x8D7E, 0xA4C6, 0x8000}},
    {REG_F64, "ABCD", 1234.5, {0x4093, 0x4A00, 0x0000, 0x0000}},
    {REG_F64, "CDAB", 1234.5, {0x0000, 0x0000, 0x4A00, 0x4093}},
    {REG_F64, "BADC", 1234.5, {0x9340, 0x004A, 0x0000, 0x0000}},
    {REG_F64, "DCBA", 1234.5, {0x0000, 0x0000, 0x004A, 0x9340}},
    {REG_F64, "ABCD", -0.1, {0xBFB9, 0x9999, 0x9999, 0x999A}},
    {REG_BOOL, "ABCD", 1, {0x0001}},
    {REG_BOOL, "ABCD", 0, {0x0000}},
};

static void test_every_type_and_order_decodes_and_encodes_its_known_vectors(void **st)
{
    (void)st;
    int seen_type[REG_BOOL + 1] = {0};
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const struct vector *t = &vectors[i];
        struct cfg_point_def d = def(t->type, t->order, 1);
        double v = 12345;
        assert_int_equal(decode_value(&d, t->regs, &v), ST_OK);
        if (v != t->value)
            fail_msg("vector %zu (%s): decoded %.17g, not %.17g", i, t->order, v, t->value);
        uint16_t regs[4] = {0xDEAD, 0xDEAD, 0xDEAD, 0xDEAD};
        decode_encode(&d, t->value, regs);
        int w = decode_width(&d);
        for (int k = 0; k < w; k++)
            if (regs[k] != t->regs[k])
                fail_msg("vector %zu (%s): word %d encoded 0x%04X, not 0x%04X", i, t->order, k,
                         regs[k], t->regs[k]);
        for (int k = w; k < 4; k++)
            assert_int_equal(regs[k], 0xDEAD); /* nothing beyond the point's width */
        seen_type[t->type] = 1;
    }
    for (int t = 0; t <= REG_BOOL; t++)
        assert_true(seen_type[t]);
}

static void test_widths_cover_one_two_and_four_registers(void **st)
{
    (void)st;
    const int widths[] = {[REG_U16] = 1, [REG_I16] = 1, [REG_U32] = 2, [REG_I32] = 2, [REG_F32] = 2,
                          [REG_U64] = 4, [REG_I64] = 4, [REG_F64] = 4, [REG_BOOL] = 1};
    for (int t = 0; t <= REG_BOOL; t++) {
        struct cfg_point_def d = def((enum reg_type)t, "ABCD", 1);
        assert_int_equal(decode_width(&d), widths[t]);
    }
    struct cfg_point_def b = def(REG_U16, "ABCD", 1);
    b.bit = 4;
    assert_int_equal(decode_width(&b), 1);
    assert_true(decode_is_bool(&b));
    assert_false(decode_is_bool(&(struct cfg_point_def){.type = REG_U16, .bit = -1}));
}

static void test_a_bit_of_a_status_register_is_true_or_false_and_encodes_alone(void **st)
{
    (void)st;
    struct cfg_point_def d = def(REG_U16, "ABCD", 0.1); /* scale does not apply to a bit */
    d.offset = 5;
    uint16_t status[1] = {0x8009}; /* bits 0, 3 and 15 */
    const int expect[16] = {1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    for (int b = 0; b < 16; b++) {
        d.bit = b;
        double v = -1;
        assert_int_equal(decode_value(&d, status, &v), ST_OK);
        assert_true(v == expect[b]);
    }
    uint16_t r[1] = {0x00F0};
    d.bit = 2;
    decode_encode(&d, 1, r);
    assert_int_equal(r[0], 0x00F4);
    d.bit = 5;
    decode_encode(&d, 0, r);
    assert_int_equal(r[0], 0x00D4); /* only bit 5 cleared */
}

static void test_nan_from_a_faulty_device_is_rejected(void **st)
{
    (void)st;
    double v = 7;
    struct cfg_point_def d = def(REG_F32, "ABCD", 1);
    uint16_t nan[2] = {0x7FC0, 0x0000}, inf[2] = {0x7F80, 0x0000};
    assert_int_equal(decode_value(&d, nan, &v), ST_ERR_INVAL);
    assert_int_equal(decode_value(&d, inf, &v), ST_ERR_INVAL);
    d = def(REG_F64, "ABCD", 1);
    uint16_t nan64[4] = {0x7FF8, 0, 0, 0}, inf64[4] = {0xFFF0, 0, 0, 0};
    assert_int_equal(decode_value(&d, nan64, &v), ST_ERR_INVAL);
    assert_int_equal(decode_value(&d, inf64, &v), ST_ERR_INVAL);
    assert_true(v == 7);
}

static void test_every_type_and_order_round_trips_with_scale_and_offset(void **st)
{
    (void)st;
    const char *orders[] = {"ABCD", "CDAB", "BADC", "DCBA"};
    const enum reg_type types[] = {REG_U16, REG_I16, REG_U32, REG_I32,
                                   REG_F32, REG_U64, REG_I64, REG_F64};
    const double samples[] = {0, 1, 42.5, 230.1, 1234.5};
    for (int t = 0; t < 8; t++)
        for (int o = 0; o < 4; o++)
            for (int s = 0; s < 5; s++) {
                struct cfg_point_def d = def(types[t], orders[o], 0.1);
                d.offset = -10;
                uint16_t regs[4] = {0, 0, 0, 0};
                double v;
                decode_encode(&d, samples[s], regs);
                assert_int_equal(decode_value(&d, regs, &v), 0);
                v = decode_round(&d, v);
                if (v != samples[s])
                    fail_msg("type %d order %s: %.17g came back as %.17g", t, orders[o], samples[s],
                             v);
            }
}

static void test_values_are_published_at_the_resolution_the_device_meant(void **st)
{
    (void)st;
    char text[64];
    /* 1352 x 0.1 is 135.20000000000002 in binary arithmetic; the point has 1 decimal. */
    struct cfg_point_def d = def(REG_I16, "ABCD", 0.1);
    uint16_t r[2] = {1352};
    double v;
    assert_int_equal(decode_value(&d, r, &v), ST_OK);
    snprintf(text, sizeof(text), "%.17g", v);
    assert_string_equal(text, "135.20000000000002"); /* what an unrounded decode would say */
    assert_int_equal(decode_decimals(&d), 1);
    v = decode_round(&d, v);
    assert_true(v == 135.2);
    snprintf(text, sizeof(text), "%.15g", v);
    assert_string_equal(text, "135.2");
    /* Decimals from the scale and offset, or as set. */
    d = def(REG_U16, "ABCD", 0.01);
    assert_int_equal(decode_decimals(&d), 2);
    d = def(REG_U16, "ABCD", 1);
    assert_int_equal(decode_decimals(&d), 0);
    d.offset = -273.15;
    assert_int_equal(decode_decimals(&d), 2);
    d = def(REG_U16, "ABCD", 0.25);
    assert_int_equal(decode_decimals(&d), 2);
    d.decimals = 1;
    assert_int_equal(decode_decimals(&d), 1);
    assert_true(decode_round(&d, 0.25 * 3) == 0.8);
    /* f32: 7 significant digits, so 230.1 (230.100006103515625 as a float) is 230.1. */
    d = def(REG_F32, "ABCD", 1);
    assert_int_equal(decode_decimals(&d), -1);
    decode_encode(&d, 230.1, r);
    assert_int_equal(decode_value(&d, r, &v), ST_OK);
    assert_true(v != 230.1);
    assert_true(decode_round(&d, v) == 230.1);
    assert_true(decode_round(&d, 0.8500000238418579) == 0.85);
    /* f64 keeps 15 digits; never "-0". */
    d = def(REG_F64, "ABCD", 1);
    assert_true(decode_round(&d, 0.1 + 0.2) == 0.3);
    d = def(REG_I16, "ABCD", 0.1);
    v = decode_round(&d, -0.04);
    snprintf(text, sizeof(text), "%g", v);
    assert_string_equal(text, "0");
}

static void test_encode_saturates_at_the_type_range(void **st)
{
    (void)st;
    struct cfg_point_def d = def(REG_I16, "ABCD", 1);
    uint16_t r[4];
    double v;
    decode_encode(&d, 1e9, r);
    decode_value(&d, r, &v);
    assert_true(v == 32767);
    d = def(REG_U16, "ABCD", 1);
    decode_encode(&d, -5, r);
    decode_value(&d, r, &v);
    assert_true(v == 0);
    d = def(REG_I64, "ABCD", 1);
    decode_encode(&d, -1e30, r);
    decode_value(&d, r, &v);
    assert_true(v == -9223372036854775808.0);
    d = def(REG_U64, "DCBA", 1);
    decode_encode(&d, 1e30, r);
    decode_value(&d, r, &v);
    assert_true(v == 18446744073709549568.0);
    assert_int_equal(decode_order_check("ABDC"), ST_ERR_INVAL);
    assert_int_equal(decode_order_check("CDAB"), ST_OK);
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

/* The simulator may hold NaN or an infinity for a point (a scenario "set nan", a ramp over
 * infinities); encoding it must give defined registers, never convert NaN to an integer. */
static void test_nan_and_infinities_encode_to_defined_registers(void **st)
{
    (void)st;
    const enum reg_type ints[] = {REG_U16, REG_I16, REG_U32, REG_I32, REG_U64, REG_I64};
    for (int t = 0; t < 6; t++) {
        struct cfg_point_def d = def(ints[t], "ABCD", 1);
        uint16_t r[4] = {0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA};
        double v = 7;
        decode_encode(&d, NAN, r);
        assert_int_equal(decode_value(&d, r, &v), 0);
        assert_true(v == 0);
    }
    struct cfg_point_def d = def(REG_U16, "ABCD", 1);
    uint16_t r[4];
    double v;
    decode_encode(&d, INFINITY, r);
    decode_value(&d, r, &v);
    assert_true(v == 65535);
    d = def(REG_I32, "CDAB", 1);
    decode_encode(&d, INFINITY, r);
    decode_value(&d, r, &v);
    assert_true(v == 2147483647.0);
    d = def(REG_F32, "ABCD", 1); /* a float NaN is served as one, and the decoder refuses it */
    decode_encode(&d, NAN, r);
    assert_int_equal(decode_value(&d, r, &v), ST_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_and_order_decodes_and_encodes_its_known_vectors),
        cmocka_unit_test(test_widths_cover_one_two_and_four_registers),
        cmocka_unit_test(test_a_bit_of_a_status_register_is_true_or_false_and_encodes_alone),
        cmocka_unit_test(test_nan_from_a_faulty_device_is_rejected),
        cmocka_unit_test(test_every_type_and_order_round_trips_with_scale_and_offset),
        cmocka_unit_test(test_values_are_published_at_the_resolution_the_device_meant),
        cmocka_unit_test(test_encode_saturates_at_the_type_range),
        cmocka_unit_test(test_nan_and_infinities_encode_to_defined_registers),
        cmocka_unit_test(test_queue_keeps_order_wakes_the_core_and_drops_when_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
