/*
 * mbserver.h - a simulated Modbus TCP endpoint for one bus: every device of the bus answers
 * under its unit id with its own register map, filled from the world's values with the same
 * encoder the gateway decodes with. Several clients at once. A unit id with no device, or an
 * offline device, gets no answer at all, as a dead RS-485 slave behind a gateway would.
 * Write requests are refused with ILLEGAL FUNCTION and counted: the gateway must never send one.
 * A device's fault (world.h) changes how it answers: late, under another unit id, or by closing
 * the connection.
 */
#ifndef STEWARD_MBSERVER_H
#define STEWARD_MBSERVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "simulator/world.h"

struct mbserver;

/* Listens on the bus's host:port. NULL on failure (logged). */
struct mbserver *mbserver_new(const struct config *cfg, int bus, const struct world *w);
void mbserver_free(struct mbserver *m);

/* Fills up to max pollfds (listener + clients); returns how many. */
size_t mbserver_fds(struct mbserver *m, struct pollfd *fds, size_t max);
/* Handles what poll reported for the fds mbserver_fds gave. */
void mbserver_handle(struct mbserver *m, const struct pollfd *fds, size_t n);
/* Copies the world's current values into the register maps. */
void mbserver_refresh(struct mbserver *m);
/* The clock_mono_ms at which the next late answer is due, or -1 when none waits. */
int64_t mbserver_next_late(const struct mbserver *m);
/* Sends the late answers due at now. */
void mbserver_send_late(struct mbserver *m, int64_t now);
/* Logs the requests each unit received, by function code (sim_units_report). */
void mbserver_report(const struct mbserver *m);
/* Write requests refused so far. */
uint64_t mbserver_writes_refused(const struct mbserver *m);

#endif
