/*
 * watch.h - `steward watch`: a readable live view of what the gateway publishes upstream
 * (status, alarms, work orders, events), one line per message, for an engineer at a terminal and
 * for `make demo`. It is an ordinary MQTT subscriber: it shows exactly what the control room and
 * the CMMS receive.
 */
#ifndef STEWARD_WATCH_H
#define STEWARD_WATCH_H

#include <stdio.h>

#include "config/config.h"

/* Formats one message as a line (without newline) into buf. Returns 0, or -1 when the message
 * is not one to show (telemetry, command results, cleared retained copies). Pure; unit-tested. */
int watch_format(const char *prefix, const char *topic, const char *payload, size_t len, char *buf,
                 size_t buflen);

/* Subscribes to cfg's upstream broker and prints until SIGINT/SIGTERM, or until seconds have
 * passed (0: no limit). Returns the exit code (2 when the broker cannot be reached). */
int watch_run(const struct config *cfg, int seconds, FILE *out);

#endif
