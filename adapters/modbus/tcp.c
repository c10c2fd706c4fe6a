/* tcp.c - the Modbus TCP backend and its adapter (bus.h): one TCP endpoint per bus. */
#include "adapters/modbus/backend.h"
#include "adapters/modbus/bus.h"

#include <stdio.h>

static modbus_t *tcp_new_ctx(const struct bus_config *bus)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", bus->port);
    return modbus_new_tcp_pi(bus->host, port);
}

/* The reply to a request that timed out can still arrive after the flush and make the next
 * request fail on its transaction id; a fresh connection leaves it behind, and costs little on a
 * TCP endpoint. So every failure starts over. */
static int tcp_reconnect_after(int err)
{
    (void)err;
    return 1;
}

/* libmodbus accepts 0-247 and MODBUS_TCP_SLAVE (255) on TCP; modbus_set_slave refuses the rest. */
static int tcp_check_device(const struct config *cfg, const struct cfg_device *dev,
                            struct config_diag *diag)
{
    if ((dev->unit >= 0 && dev->unit <= 247) || dev->unit == MODBUS_TCP_SLAVE) return 0;
    return adapter_diag(diag, cfg, dev->line,
                        "device '%s': 'unit' = %d is not a Modbus TCP unit id (0-247, or 255)",
                        dev->id, dev->unit);
}

static const struct modbus_backend tcp_backend = {tcp_new_ctx, tcp_reconnect_after,
                                                  tcp_check_device};

static int tcp_create(const struct config *cfg, int bus, struct adapter **out)
{
    return bus__create(&tcp_backend, cfg, bus, out);
}

static int tcp_check(const struct config *cfg, int bus, struct config_diag *diag)
{
    return bus__check(&tcp_backend, cfg, bus, diag);
}

const struct adapter_ops modbus_tcp_adapter = {"modbus-tcp", tcp_create,   bus__start,
                                               bus__stop,    bus__destroy, tcp_check};
