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
 * Extension of DESIGN.md: create() takes the whole configuration and the bus index instead of a
 * bus_config alone, because a bus thread also needs the devices on its bus and their profiles;
 * and check(), because a second adapter (RTU beside TCP) accepts different settings.
 */
#ifndef STEWARD_ADAPTER_H
#define STEWARD_ADAPTER_H

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
 * For check() implementations: appends "FILE:LINE: message" (FILE is cfg->path; "FILE: message"
 * when line <= 0) to diag, which may be NULL. A message that cannot be allocated is lost but the
 * error still counts. Returns 1, the number of errors it adds: `errors += adapter_diag(...)`.
 */
int adapter_diag(struct config_diag *diag, const struct config *cfg, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
