/*
 * sensors.h - MQTT sensor input: which sensors a message is for, what it says (parse.h), and
 * heartbeat supervision. The MQTT client is the core's (its callbacks only queue what arrives);
 * the core hands each sensor message here in its own loop step.
 *
 * Every message on a sensor's topic becomes a sample of that sensor's point (good, 0 or 1), one
 * per sensor listening on the topic; a malformed one is counted, logged (throttled) and dropped.
 * A sensor with a heartbeat that says nothing for that long gets a QUALITY_STALE sample once (the
 * core raises its silent_<sensor> alarm from it); its next message is good again.
 *
 * Owned by the core; borrows the config and the timer registry (one timer per supervised
 * sensor). Single-threaded.
 */
#ifndef STEWARD_MQTT_SENSORS_H
#define STEWARD_MQTT_SENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "gateway/base/queue.h"
#include "gateway/base/timer.h"

/* Takes one sample (borrowed for the call). Returns 0 or an st_err, which is passed back. */
typedef int (*mqtt_sensors_emit_fn)(void *ctx, const struct sample *s);

struct mqtt_sensors;

/* Sensor input for cfg; samples go to emit(ctx, ...). NULL on allocation failure. */
struct mqtt_sensors *mqtt_sensors_new(const struct config *cfg, struct timers *timers,
                                      mqtt_sensors_emit_fn emit, void *ctx, int64_t now_mono);
void mqtt_sensors_free(struct mqtt_sensors *s); /* NULL-safe */

/* The distinct topics to subscribe to (borrowed from the config); returns how many. */
size_t mqtt_sensors_topics(const struct mqtt_sensors *s, const char *const **topics);

/* One message on topic (payload borrowed, len bytes). Returns 0 or the first st_err of emit. */
int mqtt_sensors_message(struct mqtt_sensors *s, const char *topic, const void *payload, size_t len,
                         int64_t now_mono, int64_t now_wall);

/* Messages dropped as malformed since start. */
uint64_t mqtt_sensors_dropped(const struct mqtt_sensors *s);

#endif
