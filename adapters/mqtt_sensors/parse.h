/*
 * parse.h - what an MQTT sensor payload says: a message on a sensor's topic becomes a boolean.
 *
 * The MQTT client belongs to the core (gateway/uplink.c); this module only decides what a
 * payload means. Payload forms (config: payload = "json" with field, or "plain" with on/off):
 *   JSON  {"water_leak": true}  {"smoke": 1}  {"state": "ALARM"}   (field names the member;
 *         true/false, numbers (non-zero = true), or strings compared with on/off, then with
 *         "true"/"false", "ON"/"OFF", case-insensitively)
 *   plain 1 / 0, or the configured on/off strings (surrounding white space ignored)
 * invert negates the result (a door contact reports contact=false when the door is open).
 * Anything else, or a payload over SENSOR_PAYLOAD_MAX bytes, is rejected: the caller counts it,
 * logs it (throttled) and drops it.
 */
#ifndef STEWARD_MQTT_SENSOR_PARSE_H
#define STEWARD_MQTT_SENSOR_PARSE_H

#include <stddef.h>

#include "config/config.h"

#define SENSOR_PAYLOAD_MAX 4096

/* Interprets payload (len bytes, not NUL-terminated) for sensor s. Returns 0 and *state (0/1),
 * ST_ERR_TOOBIG when over the bound, or ST_ERR_INVAL (with a short reason in *why, static). */
int mqtt_sensor_parse(const struct cfg_sensor *s, const void *payload, size_t len, int *state,
                      const char **why);

#endif
