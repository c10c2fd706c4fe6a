/*
 * sensors.h - the simulated MQTT sensors: publishes each sensor's state on its topic in its
 * configured format, as a Zigbee2MQTT bridge would ({"water_leak": true, "battery": 97, ...} or
 * the plain on/off string), at start, on every change and every 30 simulated seconds.
 * Uses libmosquitto's own thread (this is a test tool; the gateway never does).
 */
#ifndef STEWARD_SIM_SENSORS_H
#define STEWARD_SIM_SENSORS_H

#include "config/config.h"
#include "simulator/world.h"

struct sim_sensors;

/* Connects (asynchronously, retrying) to cfg's sensor broker. NULL on failure (logged). */
struct sim_sensors *sim_sensors_new(const struct config *cfg);
void sim_sensors_free(struct sim_sensors *s);

/* Publishes the sensors that changed in w (and clears their flags), or all when `all`. */
void sim_sensors_publish(struct sim_sensors *s, struct world *w, int all);

#endif
