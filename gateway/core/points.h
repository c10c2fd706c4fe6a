/*
 * points.h - the point table: the latest value and quality of every point of the catalog.
 *
 * Owned by the core (single thread). Indexed by catalog id (config->points). Also holds, for each
 * point, the list of alarms that read it (so a change re-evaluates only those), built once by
 * alarms.c through points_depend().
 */
#ifndef STEWARD_POINTS_H
#define STEWARD_POINTS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct points {
    size_t n;
    double *value;      /* latest engineering value */
    uint8_t *quality;   /* enum quality; QUALITY_NONE until the first reading */
    int64_t *ts;        /* wall-clock ms of the latest reading, 0 if none */
    int64_t *seen_mono; /* monotonic ms of the latest message/reading (sensor supervision) */
    /* Dependents in CSR form: the alarms reading point i are dep[dep_start[i] .. dep_start[i+1]).
     */
    int *dep_start;
    int *dep;
};

/* A table for every point of cfg, all QUALITY_NONE. NULL on allocation failure. */
struct points *points_new(const struct config *cfg);
void points_free(struct points *p); /* NULL-safe */

/* Stores a reading. Returns 1 when the value or the quality changed (so dependents must be
 * re-evaluated and telemetry published), 0 otherwise. */
int points_set(struct points *p, int id, double value, int quality, int64_t ts_ms, int64_t mono_ms);

/*
 * Builds the dependency lists from pairs (point, alarm): n pairs in point_ids[k], alarm_ids[k].
 * Replaces any previous lists. Returns 0 or ST_ERR_NOMEM.
 */
int points_depend(struct points *p, const int *point_ids, const int *alarm_ids, size_t n);

#endif
