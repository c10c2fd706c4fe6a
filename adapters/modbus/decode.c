/* decode.c - see decode.h. Table-driven: one row per type, one row per byte order. */
#include "adapters/modbus/decode.h"
#include "gateway/base/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_UNSIGNED, K_SIGNED, K_FLOAT, K_BOOL };

static const struct {
    int width; /* registers */
    enum kind kind;
    int digits; /* significant digits a float carries, 0 for integers */
} types[] = {
    [REG_U16] = {1, K_UNSIGNED, 0}, [REG_I16] = {1, K_SIGNED, 0}, [REG_U32] = {2, K_UNSIGNED, 0},
    [REG_I32] = {2, K_SIGNED, 0},   [REG_F32] = {2, K_FLOAT, 7},  [REG_U64] = {4, K_UNSIGNED, 0},
    [REG_I64] = {4, K_SIGNED, 0},   [REG_F64] = {4, K_FLOAT, 15}, [REG_BOOL] = {1, K_BOOL, 0},
};
#define N_TYPES (sizeof(types) / sizeof(types[0]))

static const struct {
    const char *name;
    int reverse_words; /* least significant word first */
    int swap_bytes;    /* low byte of each word first */
} orders[] = {{"ABCD", 0, 0}, {"CDAB", 1, 0}, {"BADC", 0, 1}, {"DCBA", 1, 1}};
#define N_ORDERS (sizeof(orders) / sizeof(orders[0]))

static int type_ok(const struct cfg_point_def *def)
{
    return (unsigned)def->type < N_TYPES;
}

int decode_width(const struct cfg_point_def *def)
{
    return type_ok(def) && def->bit < 0 ? types[def->type].width : 1;
}

int decode_is_bool(const struct cfg_point_def *def)
{
    return def->bit >= 0 || def->type == REG_BOOL;
}

int decode_order_check(const char *order)
{
    for (size_t i = 0; i < N_ORDERS; i++)
        if (order && strcmp(order, orders[i].name) == 0) return ST_OK;
    return ST_ERR_INVAL;
}

static size_t order_of(const struct cfg_point_def *def)
{
    for (size_t i = 0; i < N_ORDERS; i++)
        if (strcmp(def->order, orders[i].name) == 0) return i;
    return 0; /* "" or unknown: the standard order */
}

static uint16_t swap16(uint16_t w)
{
    return (uint16_t)(w << 8 | w >> 8);
}

/* The value's bits, most significant word first, from its width words in register order. */
static uint64_t gather(const struct cfg_point_def *def, const uint16_t *regs, int width)
{
    size_t o = order_of(def);
    uint64_t u = 0;
    for (int i = 0; i < width; i++) {
        uint16_t w = regs[orders[o].reverse_words ? width - 1 - i : i];
        u = u << 16 | (orders[o].swap_bytes ? swap16(w) : w);
    }
    return u;
}

static void scatter(const struct cfg_point_def *def, uint64_t u, uint16_t *regs, int width)
{
    size_t o = order_of(def);
    for (int i = width - 1; i >= 0; i--) {
        uint16_t w = (uint16_t)u;
        regs[orders[o].reverse_words ? width - 1 - i : i] = orders[o].swap_bytes ? swap16(w) : w;
        u >>= 16;
    }
}

int decode_value(const struct cfg_point_def *def, const uint16_t *regs, double *out)
{
    if (!type_ok(def)) return ST_ERR_INVAL;
    if (def->bit >= 0) {
        *out = (regs[0] >> def->bit) & 1;
        return ST_OK;
    }
    int width = types[def->type].width;
    uint64_t u = gather(def, regs, width);
    int bits = 16 * width;
    double raw;
    switch (types[def->type].kind) {
    case K_BOOL: *out = regs[0] != 0; return ST_OK;
    case K_UNSIGNED: raw = (double)u; break;
    case K_SIGNED:
        /* Sign-extend from the type's width. */
        raw =
            bits == 64 ? (double)(int64_t)u : (double)((int64_t)(u << (64 - bits)) >> (64 - bits));
        break;
    case K_FLOAT:
        if (width == 2) {
            uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, sizeof(f));
            raw = f;
        } else {
            memcpy(&raw, &u, sizeof(raw));
        }
        break;
    default: return ST_ERR_INVAL;
    }
    double v = raw * def->scale + def->offset;
    if (!isfinite(v)) return ST_ERR_INVAL;
    *out = v;
    return ST_OK;
}

/* Into an integer type's range. NaN (a simulated value that is no number) has no integer, and
 * converting it is undefined: it encodes as 0. Infinities saturate like any value out of range. */
static double clamp(double v, double lo, double hi)
{
    if (isnan(v)) return 0;
    return v < lo ? lo : v > hi ? hi : v;
}

void decode_encode(const struct cfg_point_def *def, double value, uint16_t *regs)
{
    if (!type_ok(def)) return;
    if (def->bit >= 0) {
        uint16_t m = (uint16_t)(1u << def->bit);
        regs[0] = value != 0 ? regs[0] | m : (uint16_t)(regs[0] & ~m);
        return;
    }
    int width = types[def->type].width;
    int bits = 16 * width;
    double raw = (value - def->offset) / (def->scale ? def->scale : 1);
    uint64_t u = 0;
    switch (types[def->type].kind) {
    case K_BOOL: regs[0] = value != 0; return;
    case K_UNSIGNED: {
        /* The largest double below 2^bits; 2^64 itself would not convert. */
        double hi = bits == 64 ? 18446744073709549568.0 : ldexp(1, bits) - 1;
        u = (uint64_t)clamp(round(raw), 0, hi);
        break;
    }
    case K_SIGNED: {
        double hi = bits == 64 ? 9223372036854774784.0 : ldexp(1, bits - 1) - 1;
        double lo = -ldexp(1, bits - 1);
        u = (uint64_t)(int64_t)clamp(round(raw), lo, hi);
        if (bits < 64) u &= (UINT64_C(1) << bits) - 1;
        break;
    }
    case K_FLOAT:
        if (width == 2) {
            float f = (float)raw;
            uint32_t u32;
            memcpy(&u32, &f, sizeof(u32));
            u = u32;
        } else {
            memcpy(&u, &raw, sizeof(u));
        }
        break;
    }
    scatter(def, u, regs, width);
}

/* The decimals of x: the fewest (up to 15) for which x is a whole number of 10^-d. */
static int decimals_of(double x)
{
    x = fabs(x);
    double p = 1;
    for (int d = 0; d <= 15; d++, p *= 10) {
        double scaled = x * p;
        if (fabs(scaled - round(scaled)) <= 1e-9 * (scaled > 1 ? scaled : 1)) return d;
    }
    return 15;
}

int decode_decimals(const struct cfg_point_def *def)
{
    if (def->decimals >= 0) return def->decimals;
    if (decode_is_bool(def)) return 0;
    if (type_ok(def) && types[def->type].kind == K_FLOAT) return -1;
    int a = decimals_of(def->scale), b = decimals_of(def->offset);
    return a > b ? a : b;
}

double decode_round(const struct cfg_point_def *def, double value)
{
    if (decode_is_bool(def) || !isfinite(value)) return value;
    int d = decode_decimals(def);
    if (d < 0) {
        /* Significant digits: printf rounds correctly, strtod returns the nearest double. */
        char text[40];
        snprintf(text, sizeof(text), "%.*g", types[def->type].digits, value);
        return strtod(text, NULL);
    }
    double p = 1;
    for (int i = 0; i < d; i++)
        p *= 10; /* exact up to 10^22 */
    double scaled = value * p;
    if (!(fabs(scaled) < 9007199254740992.0)) return value; /* already coarser than 10^-d */
    /* round() gives an exact integer; dividing two exact doubles gives the double nearest the
     * decimal number. */
    double r = round(scaled) / p;
    return r == 0 ? 0 : r; /* never "-0" */
}
