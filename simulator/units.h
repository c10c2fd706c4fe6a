/*
 * units.h - the register maps of the simulated devices of one bus, shared by the Modbus TCP
 * (mbserver.c) and RTU (rtuserver.c) servers: built from each device's profile (all four tables),
 * refreshed from the world with the gateway's own encoder, looked up by unit id. Every request
 * to a unit is counted by function code, so a test can tell how often each slave was asked and
 * that nothing but reads (1 to 4) ever arrived.
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
    uint64_t by_fc[128];   /* requests received, by function code (0x80 and up in [0]) */
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
/* The unit with this id, answering or not, or NULL when there is none. */
struct sim_unit *sim_units_find(struct sim_units *u, const struct config *cfg, int unit);
/* Counts a request with function code fc to unit (nothing when there is no such unit). */
void sim_units_count(struct sim_units *u, const struct config *cfg, int unit, int fc);
/* The answering unit with this id: NULL when there is none or its device is offline (or
 * dropping, on RTU). How it answers is w->fault[unit->device]. */
struct sim_unit *sim_units_answering(struct sim_units *u, const struct config *cfg,
                                     const struct world *w, int unit);
/* Writes into out (at least 256 bytes) a malformed reply PDU to the read request pdu (function,
 * address, count: 5 bytes) and returns its length: for the `garbage` fault. */
size_t sim_units_garbage(const uint8_t *pdu, uint8_t *out);
/* Writes into out (at least 256 bytes) the reply PDU to the request pdu of len bytes, from the
 * unit's map, and returns its length: the values for a read (function 1 to 4) within the map,
 * exception 2 (illegal data address) outside it, exception 1 (illegal function) otherwise. For
 * answers the servers frame themselves (late, or under another unit id). */
size_t sim_units_reply(const struct sim_unit *s, const uint8_t *pdu, size_t len, uint8_t *out);
/* Logs one line per unit: "sim: bus BUS unit N (DEVICE): T requests, fc1 A fc2 B fc3 C fc4 D
 * other E". */
void sim_units_report(const struct sim_units *u, const struct config *cfg, const char *bus);
/* Non-zero for the Modbus write function codes (5, 6, 15, 16, 22, 23). */
int sim_is_write(int function);

#endif
