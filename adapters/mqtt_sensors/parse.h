/*
 * parse.h - what an MQTT sensor payload says: a message on a sensor's topic becomes a reading.
 *
 * The MQTT client belongs to the core (gateway/uplink.c); this module only decides what a
 * payload means. Payload forms (config: payload = "json" with field, or "plain" with on/off):
 *   JSON  {"water_leak": true}  {"smoke": 1}  {"state": "ALARM"}   (field names the member;
 *         true/false, numbers (non-zero = true), or strings compared with on/off, then with
 *         "true"/"false", "ON"/"OFF", case-insensitively)
 *   plain 1 / 0, or the configured on/off strings (surrounding white space ignored)
 * invert negates the result (a door contact reports contact=false when the door is open).
 * A numeric sensor (type = "number") reads a JSON number ({"temperature": 21.5}), or a plain
 * payload that is one number ("21.5"); invert does not apply to it.
 *
 * Zigbee2MQTT publishes every attribute of a device on its topic: a message without the field
 * (a battery report, a link-quality update), or with the field null, is normal and carries no
 * value. Its battery is read from the same JSON: `battery_low` (boolean) or `battery` (percent,
 * low below the sensor's battery_min), when the sensor's battery supervision is on.
 * Anything else, or a payload over SENSOR_PAYLOAD_MAX bytes, is rejected: the caller counts it,
 * logs it (throttled) and drops it.
 *
 * The availability topic of a bridge says "online" or "offline", plain or as {"state": ...}.
 */
#ifndef STEWARD_MQTT_SENSOR_PARSE_H
#define STEWARD_MQTT_SENSOR_PARSE_H

#include <stddef.h>

#include "config/config.h"

#define SENSOR_PAYLOAD_MAX 4096

/* What one message says. */
struct sensor_reading {
    int has_value; /* the field was there with a usable value */
    double value;  /* 0 or 1 for a boolean sensor; the number for a numeric one */
    int battery;   /* -1: nothing about the battery; 0: fine; 1: low */
};

/*
 * Reads payload (len bytes, not NUL-terminated) for sensor s into *r. Returns 0 (r->has_value
 * says whether it carried the state: without it, the message is a report of something else),
 * ST_ERR_TOOBIG when over the bound, or ST_ERR_INVAL (with a short reason in *why, static) for a
 * payload that is not of the sensor's form or whose field holds an unusable value.
 */
int mqtt_sensor_read(const struct cfg_sensor *s, const void *payload, size_t len,
                     struct sensor_reading *r, const char **why);

/* Interprets payload for sensor s as a state. Returns 0 and *state (0/1; a numeric sensor's
 * non-zero value is 1), ST_ERR_TOOBIG when over the bound, or ST_ERR_INVAL (with a short reason
 * in *why, static), also when the message carries no state ("field missing"). */
int mqtt_sensor_parse(const struct cfg_sensor *s, const void *payload, size_t len, int *state,
                      const char **why);

/* An availability payload: returns 0 with *online 1 or 0, or ST_ERR_INVAL (reason in *why). */
int mqtt_sensor_availability(const void *payload, size_t len, int *online, const char **why);

#endif
