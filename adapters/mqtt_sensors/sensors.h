/*
 * sensors.h - MQTT sensor input: which sensors a message is for, what it says (parse.h), and
 * heartbeat supervision. The MQTT client is the core's (its callbacks only queue what arrives);
 * the core hands each sensor message here in its own loop step.
 *
 * Every message on a sensor's topic that carries its state becomes a sample of that sensor's
 * point (good; 0 or 1, or the number of a numeric sensor), one per sensor listening on the topic;
 * one without the state (Zigbee2MQTT's battery or link-quality reports) is counted at debug
 * level; a malformed one is counted, logged (throttled) and dropped. A sensor with a heartbeat
 * that says nothing for that long gets a QUALITY_STALE sample once (the core raises its
 * silent_<sensor> alarm from it); its next message is good again.
 *
 * A sensor with an availability topic: "offline" there makes its point QUALITY_COMM_FAIL and is
 * told as SENSOR_OFFLINE (the core raises comm_<sensor>); "online", or any state message, clears
 * it and makes the latest value good again. A battery reported low or fine in its JSON is told
 * as SENSOR_BATTERY_LOW (battery_<sensor>).
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

/* What a sensor's status callback is told, besides its samples. */
enum sensor_status {
    SENSOR_OFFLINE,     /* its bridge says the device is offline (on) or online (off) */
    SENSOR_BATTERY_LOW, /* its battery is low (on) or fine (off) */
};

/* Told a sensor's (index into cfg->sensors_in) status; may be told the same thing again. */
typedef void (*mqtt_sensors_status_fn)(void *ctx, int sensor, enum sensor_status what, int on);

struct mqtt_sensors;

/* Sensor input for cfg; samples go to emit(ctx, ...). NULL on allocation failure. */
struct mqtt_sensors *mqtt_sensors_new(const struct config *cfg, struct timers *timers,
                                      mqtt_sensors_emit_fn emit, void *ctx, int64_t now_mono);
void mqtt_sensors_free(struct mqtt_sensors *s); /* NULL-safe */

/* Availability and battery news go to fn(ctx, ...) (the ctx of mqtt_sensors_new); none without. */
void mqtt_sensors_on_status(struct mqtt_sensors *s, mqtt_sensors_status_fn fn);

/* The distinct topics to subscribe to, state and availability (borrowed from the config);
 * returns how many. */
size_t mqtt_sensors_topics(const struct mqtt_sensors *s, const char *const **topics);

/* One message on topic (payload borrowed, len bytes). Returns 0 or the first st_err of emit. */
int mqtt_sensors_message(struct mqtt_sensors *s, const char *topic, const void *payload, size_t len,
                         int64_t now_mono, int64_t now_wall);

/* Messages dropped as malformed since start. */
uint64_t mqtt_sensors_dropped(const struct mqtt_sensors *s);
/* Messages that carried no state (a report of other attributes) since start. */
uint64_t mqtt_sensors_without_state(const struct mqtt_sensors *s);

#endif
