/* rtu.c - the Modbus RTU backend and its adapter (bus.h): one serial line per bus. */
#include "adapters/modbus/backend.h"
#include "adapters/modbus/bus.h"

#include <errno.h>

static modbus_t *rtu_new_ctx(const struct bus_config *bus)
{
    return modbus_new_rtu(bus->device, bus->baud, bus->parity, bus->data_bits, bus->stop_bits);
}

/* On a serial line a timeout or a garbled frame is one slave's problem: the flush has emptied
 * the line and the next slave can be asked at once. Only a port that itself failed (a USB
 * adapter unplugged) is reopened. */
static int rtu_reconnect_after(int err)
{
    return err == ECONNRESET || err == EPIPE || err == EBADF || err == ECONNREFUSED;
}

/* 0 is the broadcast address, which no slave answers, and libmodbus refuses anything above 247. */
static int rtu_check_device(const struct config *cfg, const struct cfg_device *dev,
                            struct config_diag *diag)
{
    if (dev->unit >= 1 && dev->unit <= 247) return 0;
    return adapter_diag(diag, cfg, dev->line,
                        "device '%s': 'unit' = %d is not a Modbus RTU slave address (1-247%s)",
                        dev->id, dev->unit,
                        dev->unit == 0 ? "; 0 is broadcast, never answered" : "");
}

static const struct modbus_backend rtu_backend = {rtu_new_ctx, rtu_reconnect_after,
                                                  rtu_check_device};

static int rtu_create(const struct config *cfg, int bus, struct adapter **out)
{
    return bus__create(&rtu_backend, cfg, bus, out);
}

static int rtu_check(const struct config *cfg, int bus, struct config_diag *diag)
{
    return bus__check(&rtu_backend, cfg, bus, diag);
}

const struct adapter_ops modbus_rtu_adapter = {"modbus-rtu", rtu_create,   bus__start,
                                               bus__stop,    bus__destroy, rtu_check};
