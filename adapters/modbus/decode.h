/*
 * decode.h - register words <-> engineering values, for every point type and byte order.
 *
 * The gateway decodes what a device returns; the simulator encodes what it serves, with the very
 * same tables, so the two cannot disagree. Pure functions, no allocation, thread-safe.
 *
 * Byte orders of 32-bit types name the four bytes of the value, most significant first, as they
 * appear in register order: "ABCD" big-endian words and bytes (Modbus standard), "CDAB" word
 * swapped, "BADC" byte swapped, "DCBA" both.
 */
#ifndef STEWARD_DECODE_H
#define STEWARD_DECODE_H

#include <stdint.h>

#include "config/config.h"

/* Validates an order string: returns 0 for the four orders above, ST_ERR_INVAL otherwise. */
int decode_order_check(const char *order);

/*
 * Decodes reg_type_width(def->type) registers at regs into *out, applying scale and offset.
 * Returns 0, or ST_ERR_INVAL when the result is not a finite number (an f32 NaN or infinity
 * from a faulty device).
 */
int decode_value(const struct cfg_point_def *def, const uint16_t *regs, double *out);

/*
 * The inverse: the registers a device holding engineering value `value` would serve. Rounds to
 * the nearest raw integer and saturates at the type's range. Used by the simulator and tests.
 */
void decode_encode(const struct cfg_point_def *def, double value, uint16_t *regs);

#endif
