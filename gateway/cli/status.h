/*
 * status.h - `steward status`: what an engineer on site wants to see, read from the database
 * (so it works while the gateway runs, and after it stopped): devices and their communication
 * quality, active alarms, and open work orders with the time left to each SLA deadline.
 */
#ifndef STEWARD_STATUS_H
#define STEWARD_STATUS_H

#include <stdio.h>

#include "config/config.h"

/* Prints the status of cfg's site to out. Returns the exit code: 0, or 2 when the database
 * cannot be read (message on stderr). */
int status_print(const struct config *cfg, FILE *out);

/* Formats a signed time difference compactly: "14m05s", "2h03m", "3d04h", with a leading '-'
 * when negative. Returns buf. */
char *status_span(long long ms, char *buf, size_t len);

#endif
