/* registry.c - the adapter kinds Steward knows (no dynamic loading). */
#include "adapters/adapter.h"
#include "adapters/modbus/bus.h"

#include <string.h>

static const struct adapter_ops *const adapters[] = {&modbus_tcp_adapter, &modbus_rtu_adapter};

const struct adapter_ops *adapter_find(const char *kind)
{
    for (size_t i = 0; i < sizeof(adapters) / sizeof(adapters[0]); i++)
        if (kind && strcmp(adapters[i]->kind, kind) == 0) return adapters[i];
    return NULL;
}

const char *adapter_kind_for_bus(enum bus_type type)
{
    return type == BUS_RTU ? "modbus-rtu" : "modbus-tcp";
}
