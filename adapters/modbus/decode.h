/*
 * decode.h - register words <-> engineering values, for every point type and byte order.
 *
 * The gateway decodes what a device returns; the simulator encodes what it serves, with the very
 * same tables, so the two cannot disagree. Pure functions, no allocation, thread-safe.
 *
 * Registers are 16-bit words as libmodbus returns them (the first byte on the wire is the high
 * byte). Coils and discrete inputs arrive one bit per word (0 or 1), so one buffer type serves
 * every table.
 *
 * Byte orders name the bytes of the value, most significant first, as they appear in register
 * order. For 32 bits: "ABCD" big-endian words and bytes (the Modbus standard), "CDAB" word
 * swapped, "BADC" byte swapped, "DCBA" both. For 64 bits the same two rules apply to four words:
 * CDAB and DCBA reverse the order of the words (the least significant word first), BADC and DCBA
 * swap the two bytes of each word. So DCBA is little-endian throughout.
 *
 * Types: u16 i16 (one register), u32 i32 f32 (two), u64 i64 f64 (four), bool (a coil or discrete
 * input, 0 or 1), and a point with bit >= 0 (one bit of a u16 register, 0 or 1). Scale and offset
 * apply to numbers only: a bool or a bit is 0 or 1 as read. u64 and i64 beyond 2^53 lose their
 * lowest bits in the double every sample carries.
 */
#ifndef STEWARD_DECODE_H
#define STEWARD_DECODE_H

#include <stdint.h>

#include "config/config.h"

/* The longest point: four registers (64 bits). */
#define DECODE_MAX_WIDTH 4

/* Registers (or bits, in the coil and discrete tables) the point occupies: 1, 2 or 4. */
int decode_width(const struct cfg_point_def *def);

/* Non-zero when the point's value is true/false (a coil, a discrete input, a register's bit). */
int decode_is_bool(const struct cfg_point_def *def);

/* Validates an order string: returns 0 for the four orders above, ST_ERR_INVAL otherwise. */
int decode_order_check(const char *order);

/*
 * Decodes decode_width(def) words at regs into *out, applying scale and offset (numbers) or the
 * bit (bits). Does not round (see decode_round). Returns 0, or ST_ERR_INVAL when the result is
 * not a finite number (an f32/f64 NaN or infinity from a faulty device); *out is then untouched.
 */
int decode_value(const struct cfg_point_def *def, const uint16_t *regs, double *out);

/*
 * The exact inverse: writes into regs the decode_width(def) words a device holding engineering
 * value `value` would serve, so that decode_value gives value back (to the raw type's
 * resolution). Rounds to the nearest raw integer and saturates at the type's range. A bit point
 * changes only its bit of regs[0] (the other bits are kept); a bool writes 1 or 0. Used by the
 * simulator and the tests.
 */
void decode_encode(const struct cfg_point_def *def, double value, uint16_t *regs);

/*
 * The decimals a point is published with: def->decimals when set, else those of its scale and
 * offset (0.1 -> 1, 0.25 -> 2, 1 -> 0). -1 for a float without `decimals`: rounded to
 * significant digits instead (f32: 7, f64: 15).
 */
int decode_decimals(const struct cfg_point_def *def);

/*
 * value at the point's resolution (decode_decimals): the double nearest to the decimal number
 * the device meant, so 1352 x 0.1 gives 135.2, never 135.20000000000002. Bools and bits are
 * returned as they are.
 */
double decode_round(const struct cfg_point_def *def, double value);

#endif
