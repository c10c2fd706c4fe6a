/*
 * points.h - the point table: the latest value and quality of every point of the catalog.
 *
 * Owned by the core (single thread). Indexed by catalog id (config->points). The alarms read the
 * value and quality arrays directly (borrowed: see struct alarm_inputs in alarms.h).
 */
#ifndef STEWARD_POINTS_H
#define STEWARD_POINTS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct points {
    size_t n;
    double *value;    /* latest engineering value */
    uint8_t *quality; /* enum quality; QUALITY_NONE until the first reading */
    int64_t *ts;      /* wall-clock ms of the latest reading, 0 if none */
};

/* A table for every point of cfg, all QUALITY_NONE. NULL on allocation failure. */
struct points *points_new(const struct config *cfg);
void points_free(struct points *p); /* NULL-safe */

/* Stores a reading. Returns 1 when the value or the quality changed (so dependents must be
 * re-evaluated and telemetry published), 0 otherwise (also for an id out of range). */
int points_set(struct points *p, int id, double value, int quality, int64_t ts_ms);

#endif
