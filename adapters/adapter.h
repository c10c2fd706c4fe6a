/*
 * adapter.h - the interface every southbound adapter implements (DESIGN.md section 3).
 *
 * One const struct adapter_ops per kind, listed in registry.c; no dynamic loading. An adapter
 * instance serves one bus: create() reads the bus and its devices from the configuration
 * (borrowed: the config must outlive the adapter), start() spawns the adapter's own thread which
 * pushes sample batches to the queue, stop() asks the thread to finish and joins it (safe to call
 * twice, and before start), destroy() frees it (NULL-safe).
 *
 * Extension of DESIGN.md: create() takes the whole configuration and the bus index instead of a
 * bus_config alone, because a bus thread also needs the devices on its bus and their profiles.
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
};

/* The ops for a kind, or NULL when the kind is unknown. */
const struct adapter_ops *adapter_find(const char *kind);

/* The adapter kind serving a bus type: "modbus-tcp" or "modbus-rtu". */
const char *adapter_kind_for_bus(enum bus_type type);

#endif
