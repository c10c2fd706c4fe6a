/*
 * rtuserver.h - a simulated RS-485 line for one RTU bus: the simulator opens a pseudo-terminal
 * pair, links the given path to its slave side (the gateway's configured `device`), and answers
 * Modbus RTU frames on the master side for every device of the bus, by unit id. Frames are
 * delimited by line silence, as on a real line; a bad CRC, a unit with no device, or an offline
 * device get no answer. Write requests are refused with ILLEGAL FUNCTION and counted.
 */
#ifndef STEWARD_RTUSERVER_H
#define STEWARD_RTUSERVER_H

#include <poll.h>
#include <stdint.h>

#include "config/config.h"
#include "simulator/world.h"

struct rtuserver;

/* Opens the pty pair and links link_path to its slave. NULL on failure (logged). */
struct rtuserver *rtuserver_new(const struct config *cfg, int bus, const struct world *w,
                                const char *link_path);
void rtuserver_free(struct rtuserver *r); /* removes the link */

/* The master fd to poll for POLLIN. */
int rtuserver_fd(const struct rtuserver *r);
/* Reads the frame that is arriving (waits for the line to fall silent) and answers it. */
void rtuserver_handle(struct rtuserver *r);
/* Copies the world's values into the register maps. */
void rtuserver_refresh(struct rtuserver *r);
uint64_t rtuserver_writes_refused(const struct rtuserver *r);
/* Late answers (the `slow` fault), as mbserver_next_late / mbserver_send_late. */
int64_t rtuserver_next_late(const struct rtuserver *r);
void rtuserver_send_late(struct rtuserver *r, int64_t now);
/* Logs the requests each unit received, by function code (sim_units_report). */
void rtuserver_report(const struct rtuserver *r);

#endif
