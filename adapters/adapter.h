/*
 * adapter.h - the interface every southbound adapter implements (DESIGN.md section 3).
 *
 * One const struct adapter_ops per kind, listed in registry.c; no dynamic loading. An adapter
 * instance serves one bus: create() reads the bus and its devices from the configuration
 * (borrowed: the config must outlive the adapter), start() spawns the adapter's own thread which
 * pushes sample batches to the queue, stop() asks the thread to finish and joins it (safe to call
 * twice, and before start), destroy() frees it (NULL-safe).
 *
 * check() judges the settings of one bus and its devices that only the adapter knows (the config
 * loader checks syntax, bounds and references, not what a transport or a device accepts). It
 * appends every error to diag as "FILE:LINE: message" (cfg->path and the bus's or device's line;
 * diag may be NULL) and returns how many it found, 0 when the adapter can serve the bus as
 * configured. It reads cfg only (borrowed), starts nothing, and may be called without create().
 * NULL for an adapter with nothing of its own to check.
 *
 * probe() reads one device once on a connection of its own, for commissioning (`steward
 * probe`): see adapters_probe. It may be called without create(), beside a running gateway.
 *
 * Extension of DESIGN.md: create() takes the whole configuration and the bus index instead of a
 * bus_config alone, because a bus thread also needs the devices on its bus and their profiles;
 * and check(), because a second adapter (RTU beside TCP) accepts different settings.
 */
#ifndef STEWARD_ADAPTER_H
#define STEWARD_ADAPTER_H

#include <stdio.h>

#include "config/config.h"
#include "gateway/base/queue.h"

struct adapter;

struct adapter_ops {
    const char *kind; /* "modbus-tcp", "modbus-rtu" */
    int (*create)(const struct config *cfg, int bus, struct adapter **out);
    int (*start)(struct adapter *a, struct sample_queue *q);
    void (*stop)(struct adapter *a);
    void (*destroy)(struct adapter *a);
    int (*check)(const struct config *cfg, int bus, struct config_diag *diag);
    /* One read of device index `device` of cfg, printed to out (see adapters_probe); errors to
     * err. Returns 0, 1 or 2 as adapters_probe. NULL for an adapter that cannot probe. */
    int (*probe)(const struct config *cfg, int device, FILE *out, FILE *err);
};

/* The ops for a kind, or NULL when the kind is unknown. */
const struct adapter_ops *adapter_find(const char *kind);

/* The adapter kind serving a bus type: "modbus-tcp" or "modbus-rtu". */
const char *adapter_kind_for_bus(enum bus_type type);

/*
 * Runs the check() of the adapter serving each bus of cfg (a loaded, valid configuration, see
 * config_load; borrowed). Appends every error to diag as "FILE:LINE: message", after whatever diag
 * already holds (diag may be NULL; the caller owns it, release with config_diag_free). Returns the
 * total number of errors, 0 when every adapter can serve its bus as configured. On a nonzero
 * count the caller refuses the configuration as it refuses a config_load error.
 */
int adapters_check(const struct config *cfg, struct config_diag *diag);

/*
 * `steward probe`: reads the device with id device_id of cfg (a loaded, valid configuration;
 * borrowed) once, through the adapter serving its bus, on a connection of its own and with the
 * device's timeout, sending only read requests, exactly those of a poll. Prints to out each
 * request (function code, start, count, its time in ms), the raw words of each answer in hex,
 * every point of the device's profile as the gateway would publish it (value and unit; a point
 * whose request was answered with an exception says so) and the number of requests; errors go
 * to err. Returns the exit code: 0 when the device answered every request (exceptions
 * included), 1 when cfg has no such device (nothing printed) or it cannot be probed as
 * configured, 2 when it could not be read (no connection, no answer within its timeout).
 */
int adapters_probe(const struct config *cfg, const char *device_id, FILE *out, FILE *err);

/*
 * For check() implementations: appends "FILE:LINE: message" (FILE is cfg->path; "FILE: message"
 * when line <= 0) to diag, which may be NULL. A message that cannot be allocated is lost but the
 * error still counts. Returns 1, the number of errors it adds: `errors += adapter_diag(...)`.
 */
int adapter_diag(struct config_diag *diag, const struct config *cfg, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
