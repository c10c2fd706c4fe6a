/* decode.c - see decode.h. */
#include "adapters/modbus/decode.h"
#include "gateway/base/error.h"

#include <math.h>
#include <string.h>

int decode_order_check(const char *order)
{
    static const char *const orders[] = {"ABCD", "CDAB", "BADC", "DCBA"};
    for (size_t i = 0; i < 4; i++)
        if (order && strcmp(order, orders[i]) == 0) return ST_OK;
    return ST_ERR_INVAL;
}

/* The four bytes in wire order, and the value's bytes A (most significant) to D.
 * Each order names which value byte sits at wire positions 0..3. */
static void wire_to_abcd(const char *order, const uint8_t wire[4], uint8_t abcd[4])
{
    for (int i = 0; i < 4; i++)
        abcd[order[i] - 'A'] = wire[i];
}

static void abcd_to_wire(const char *order, const uint8_t abcd[4], uint8_t wire[4])
{
    for (int i = 0; i < 4; i++)
        wire[i] = abcd[order[i] - 'A'];
}

static uint32_t raw32(const struct cfg_point_def *def, const uint16_t *regs)
{
    uint8_t wire[4] = {(uint8_t)(regs[0] >> 8), (uint8_t)regs[0], (uint8_t)(regs[1] >> 8),
                       (uint8_t)regs[1]};
    uint8_t v[4];
    wire_to_abcd(def->order[0] ? def->order : "ABCD", wire, v);
    return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

int decode_value(const struct cfg_point_def *def, const uint16_t *regs, double *out)
{
    double raw;
    uint32_t u;
    float f;
    switch (def->type) {
    case REG_U16: raw = regs[0]; break;
    case REG_I16: raw = (int16_t)regs[0]; break;
    case REG_U32: raw = raw32(def, regs); break;
    case REG_I32: raw = (int32_t)raw32(def, regs); break;
    case REG_F32:
        u = raw32(def, regs);
        memcpy(&f, &u, sizeof(f));
        raw = f;
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
    double raw = (value - def->offset) / (def->scale ? def->scale : 1);
    uint32_t u = 0;
    switch (def->type) {
    case REG_U16: regs[0] = (uint16_t)clamp(round(raw), 0, 65535); return;
    case REG_I16: regs[0] = (uint16_t)(int16_t)clamp(round(raw), -32768, 32767); return;
    case REG_U32: u = (uint32_t)clamp(round(raw), 0, 4294967295.0); break;
    case REG_I32: u = (uint32_t)(int32_t)clamp(round(raw), -2147483648.0, 2147483647.0); break;
    case REG_F32: {
        float f = (float)raw;
        memcpy(&u, &f, sizeof(u));
        break;
    }
    }
    uint8_t v[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    uint8_t wire[4];
    abcd_to_wire(def->order[0] ? def->order : "ABCD", v, wire);
    regs[0] = (uint16_t)(wire[0] << 8 | wire[1]);
    regs[1] = (uint16_t)(wire[2] << 8 | wire[3]);
}
