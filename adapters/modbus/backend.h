/*
 * backend.h - private to adapters/modbus/: what Modbus TCP and Modbus RTU do differently, as one
 * const struct modbus_backend per transport (after libmodbus's _modbus_backend), and the common
 * bus (bus.c) that tcp.c and rtu.c build their adapter_ops on. Nothing outside adapters/modbus/
 * includes this header; the adapters themselves are declared in bus.h.
 *
 * Keep the struct small: a member exists only because the two transports differ there.
 */
#ifndef STEWARD_MODBUS_BACKEND_H
#define STEWARD_MODBUS_BACKEND_H

#include <modbus.h>

#include "adapters/adapter.h"

struct modbus_backend {
    /* A new, unconnected context for the bus. NULL with errno set on failure. The caller owns
     * the result (modbus_free). */
    modbus_t *(*new_ctx)(const struct bus_config *bus);
    /* After a request failed with err (an errno or EMB* value) and the link was flushed: nonzero
     * when the link must be closed and opened again before the next request. */
    int (*reconnect_after)(int err);
    /* Checks the settings of device dev that only this transport can judge (its unit id),
     * appending "FILE:LINE: message" errors to diag (may be NULL). Returns the number of errors. */
    int (*check_device)(const struct config *cfg, const struct cfg_device *dev,
                        struct config_diag *diag);
};

/*
 * The common bus, with the meaning of struct adapter_ops (adapter.h). bus__create and bus__check
 * take the backend of the adapter calling them; the backend is borrowed for the adapter's life
 * (the instances are static const).
 */
int bus__create(const struct modbus_backend *be, const struct config *cfg, int bus,
                struct adapter **out);
int bus__start(struct adapter *a, struct sample_queue *q);
void bus__stop(struct adapter *a);
void bus__destroy(struct adapter *a);

/* Checks what is common to both transports for the devices on bus (how many read requests each
 * profile needs), then be->check_device for each of them. Returns the number of errors. */
int bus__check(const struct modbus_backend *be, const struct config *cfg, int bus,
               struct config_diag *diag);

#endif
