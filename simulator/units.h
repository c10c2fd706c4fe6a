/*
 * units.h - the register maps of the simulated devices of one bus, shared by the Modbus TCP
 * (mbserver.c) and RTU (rtuserver.c) servers: built from each device's profile, refreshed from the
 * world with the gateway's own encoder, looked up by unit id.
 */
#ifndef STEWARD_SIM_UNITS_H
#define STEWARD_SIM_UNITS_H

#include <modbus.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "simulator/world.h"

struct sim_unit {
    int device;            /* index into config->devices */
    modbus_mapping_t *map; /* owned */
};

struct sim_units {
    struct sim_unit *v;
    size_t n;
};

/* The maps of every device on bus. Returns 0 or ST_ERR_NOMEM. */
int sim_units_init(struct sim_units *u, const struct config *cfg, int bus);
void sim_units_cleanup(struct sim_units *u);
/* Encodes the world's current values into every map. */
void sim_units_refresh(struct sim_units *u, const struct config *cfg, const struct world *w);
/* The answering unit with this id: NULL when there is none or its device is offline. How it
 * answers is w->fault[unit->device]. */
struct sim_unit *sim_units_answering(struct sim_units *u, const struct config *cfg,
                                     const struct world *w, int unit);
/* Writes into out (at least 256 bytes) a malformed reply PDU to the read request pdu (function,
 * address, count: 5 bytes) and returns its length: for the `garbage` fault. */
size_t sim_units_garbage(const uint8_t *pdu, uint8_t *out);
/* Non-zero for the Modbus write function codes (5, 6, 15, 16, 22, 23). */
int sim_is_write(int function);

#endif
