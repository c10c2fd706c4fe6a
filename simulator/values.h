/*
 * values.h - plausible readings for simulated points, guessed from the point's name and unit,
 * with small deterministic noise (a PRNG seeded by --seed).
 */
#ifndef STEWARD_VALUES_H
#define STEWARD_VALUES_H

#include <stdint.h>

#include "config/config.h"

/* The resting value of point p (a sensor's is 0: no alarm). */
double values_baseline(const struct config *cfg, int point);

/* The noise amplitude around the baseline (0 for sensors, energy counters and unknowns). */
double values_noise(const struct config *cfg, int point);

/* A deterministic uniform number in [-1, 1) from *state (xorshift64; seed it non-zero). */
double values_rand(uint64_t *state);

#endif
