/*
 * reload.h - SIGHUP: the configuration file is read again and, if it is valid, the running
 * gateway takes it without a restart.
 *
 * The new file is loaded and checked first (the loader's and the adapters' checks, as `steward
 * check` does); a file with errors is refused, every error logged with its FILE:LINE, and the
 * running configuration kept. What a reload may change live: rules, sensors, Modbus buses,
 * profiles and devices, the SLA table and escalation ladder, planned maintenance, operators and
 * commands. What needs a restart (a reload that changes it is refused, saying so): the site id
 * and time zone, the MQTT brokers (upstream and sensors), and storage.path. On a reload the
 * adapters are stopped and started again, the alarms and open work orders are taken up from the
 * store as after a restart (an alarm that is still active stays active, its order keeps its SLA
 * clock), and a `reload` event says what was loaded. The MQTT links stay connected.
 */
#ifndef STEWARD_RELOAD_H
#define STEWARD_RELOAD_H

#include "config/config.h"

struct gateway;

/*
 * Reloads g's configuration from its file. On success g runs the new configuration, *owned
 * (the configuration the loop must free, NULL for the one main owns) is replaced by it and the
 * previous owned one freed; returns 0. Returns 1 when the new file was refused (the running
 * configuration is kept), or a negative st_err when taking it failed half way (g->failed: the
 * supervisor restarts the gateway from its store).
 */
int gateway_reload(struct gateway *g, struct config **owned);

#endif
