/*
 * telemetry.h - a point's value as P/telemetry/DEVICE/POINT or P/telemetry/SENSOR:
 * {"value","unit","quality","ts"}, QoS 0, retained, published on change and never stored
 * (telemetry is not an alarm: the outbox is for what must not be lost).
 */
#ifndef STEWARD_TELEMETRY_H
#define STEWARD_TELEMETRY_H

#include <stdint.h>

#include "config/config.h"

struct uplink;

/*
 * Publishes point id of cfg's catalog with its value, quality and reading time (ts_ms 0: never
 * read). A boolean sensor's value is true/false (a numeric one's a number); a value never read is
 * null. Dropped when offline.
 */
void telemetry_publish(struct uplink *u, const struct config *cfg, int id, double value,
                       int quality, int64_t ts_ms);

#endif
