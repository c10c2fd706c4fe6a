/*
 * fuzz_decode.c - libFuzzer target: register decoding and encoding (decode_value,
 * decode_encode) and block-read plans (plan_build).
 *
 * Input layout (short inputs are padded with zeros):
 *   byte 0      type (mod 5); byte 1: byte order (mod 5: the four orders, or "" for the default);
 *   bytes 2-9   scale, 10-17 offset, 18-25 a value (IEEE-754 doubles, little-endian);
 *   bytes 26-29 two registers;
 *   byte 30     the plan's gap (0..2*PLAN_DEFAULT_GAP); then 3 bytes per point of a profile
 *               (table, type, address, up to MAX_PROFILE points).
 * A scale must be finite and non-zero and an offset finite, as the configuration requires.
 * Checked: registers decode to a finite value or are refused; an integer reading (or an f32 one
 * with offset 0) well within double precision encodes back to registers that decode to the same
 * value; any finite, NaN or infinite value encodes to defined registers (NaN: 0), which decode
 * within half a scale step of the value when it is in the type's range and to the range's end
 * when it is past it; the plan keeps every point inside its block and each block within
 * PLAN_MAX_REGS registers and the address space.
 */
#include "tests/fuzz/fuzz_common.h"
#include "adapters/modbus/decode.h"
#include "adapters/modbus/plan.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 31
#define MAX_PROFILE 400

static const char *const orders[] = {"ABCD", "CDAB", "BADC", "DCBA", ""};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_threshold = LOG_ERROR;
    return 0;
}

static double get_double(const uint8_t *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

/* The range of the raw integer a type holds. */
static void int_range(enum reg_type t, double *lo, double *hi)
{
    switch (t) {
    case REG_U16: *lo = 0, *hi = 65535; break;
    case REG_I16: *lo = -32768, *hi = 32767; break;
    case REG_U32: *lo = 0, *hi = 4294967295.0; break;
    default: *lo = -2147483648.0, *hi = 2147483647.0; break;
    }
}

/* Scale and offset mild enough that raw -> value -> raw loses less than a quarter of a step. */
static int well_conditioned(const struct cfg_point_def *d)
{
    double s = fabs(d->scale);
    return s > 1e-280 && s < 1e280 && fabs(d->offset) < s * 1099511627776.0; /* 2^40 */
}

static void check_registers(const struct cfg_point_def *d, const uint16_t regs[2])
{
    double v = 0;
    if (decode_value(d, regs, &v) != ST_OK) return;
    FUZZ_CHECK(isfinite(v), "decoded %g", v);
    int exact = d->type == REG_F32 ? d->offset == 0 : 1;
    if (!exact || !well_conditioned(d)) return;
    if (d->type == REG_F32) {
        double raw = v / d->scale; /* the float it came from, to double precision */
        if (!(fabs(raw) >= FLT_MIN || raw == 0) || fabs(v) < DBL_MIN) return; /* underflowed */
    }
    uint16_t back[2] = {0, 0};
    decode_encode(d, v, back);
    double v2 = 0;
    FUZZ_CHECK(decode_value(d, back, &v2) == ST_OK && v2 == v,
               "type %d order '%s' scale %a offset %a: %04x %04x -> %a -> %04x %04x -> %a", d->type,
               d->order, d->scale, d->offset, regs[0], regs[1], v, back[0], back[1], v2);
}

static void check_value(const struct cfg_point_def *d, double x)
{
    uint16_t regs[2] = {0xdead, 0xbeef};
    decode_encode(d, x, regs); /* must be defined for every x, NaN and infinities included */
    double y = 0;
    int rc = decode_value(d, regs, &y);
    double raw = (x - d->offset) / d->scale;
    if (d->type == REG_F32) {
        if (rc != ST_OK || !well_conditioned(d) || !isfinite(raw) || fabs(raw) > FLT_MAX ||
            fabs(raw) < FLT_MIN)
            return; /* an f32 NaN or infinity is refused by decode_value: that is its contract */
        double tol = fabs(raw) * 1.2e-7 * fabs(d->scale) + 1e-9 * (fabs(x) + fabs(d->offset));
        FUZZ_CHECK(fabs(y - x) <= tol, "f32 scale %a offset %a: %a came back as %a", d->scale,
                   d->offset, x, y);
        return;
    }
    /* Integer types: the registers hold the rounded raw value clamped to the type's range (0 for
     * NaN), computed here the way decode_encode must, so decoding them gives exactly expect. */
    double lo, hi;
    int_range(d->type, &lo, &hi);
    double r = isnan(raw) ? 0 : fmin(fmax(round(raw), lo), hi);
    double expect = r * d->scale + d->offset;
    if (!isfinite(expect)) {
        FUZZ_CHECK(rc == ST_ERR_INVAL, "type %d: %a decoded to %a, beyond a double", d->type, x, y);
        return;
    }
    FUZZ_CHECK(rc == ST_OK && y == expect,
               "type %d scale %a offset %a: %a encoded as %04x %04x = %a, not %a", d->type,
               d->scale, d->offset, x, regs[0], regs[1], y, expect);
    if (well_conditioned(d) && isfinite(x) && round(raw) >= lo && round(raw) <= hi) {
        double slack = 1e-9 * (fabs(x) + fabs(d->offset) + fabs(d->scale));
        FUZZ_CHECK(fabs(y - x) <= fabs(d->scale) * 0.5 + slack,
                   "type %d scale %a offset %a: %a came back as %a", d->type, d->scale, d->offset,
                   x, y);
    }
}

static void check_plan(const uint8_t *p, size_t size, int max_gap)
{
    size_t n = size / 3 < MAX_PROFILE ? size / 3 : MAX_PROFILE;
    struct cfg_point_def *pts = calloc(n ? n : 1, sizeof(*pts));
    FUZZ_CHECK(pts, "out of memory");
    for (size_t i = 0; i < n; i++, p += 3) {
        pts[i].table = p[0] & 1 ? TABLE_INPUT : TABLE_HOLDING;
        pts[i].type = (enum reg_type)((p[0] >> 1) % 5);
        /* Addresses as the configuration allows them: the last register inside 0..65535. Byte 0's
         * high bits pick a region (low, high, the very end) so neighbours and edges both occur. */
        int a = p[1] << 8 | p[2];
        if (p[0] >> 5 == 1) a &= 0x3ff;
        if (p[0] >> 5 == 2) a = 65536 - 1024 + (a & 0x3ff);
        pts[i].address =
            a > 65536 - reg_type_width(pts[i].type) ? 65536 - reg_type_width(pts[i].type) : a;
        pts[i].scale = 1;
        pts[i].bit = -1;
        pts[i].decimals = -1;
        memcpy(pts[i].order, "ABCD", 5);
    }
    struct cfg_profile prof = {.id = "fuzz", .points = pts, .n_points = n};
    struct plan_limits lim = {PLAN_MAX_REGS, PLAN_MAX_BITS, max_gap};
    fuzz_check_plan(&prof, &lim);
    free(pts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t h[HEADER] = {0};
    memcpy(h, data, size < HEADER ? size : HEADER);
    struct cfg_point_def d = {
        .name = "p", .type = (enum reg_type)(h[0] % 5), .bit = -1, .decimals = -1};
    snprintf(d.order, sizeof(d.order), "%s", orders[h[1] % 5]);
    d.scale = get_double(h + 2);
    d.offset = get_double(h + 10);
    if (!isfinite(d.scale) || d.scale == 0) d.scale = 1;
    if (!isfinite(d.offset)) d.offset = 0;
    double x = get_double(h + 18);
    uint16_t regs[2] = {(uint16_t)(h[26] << 8 | h[27]), (uint16_t)(h[28] << 8 | h[29])};
    check_registers(&d, regs);
    check_value(&d, x);
    check_value(&d, NAN);
    check_value(&d, INFINITY);
    check_value(&d, -INFINITY);
    if (size > HEADER) check_plan(data + HEADER, size - HEADER, h[30] % (2 * PLAN_DEFAULT_GAP + 1));
    return 0;
}
