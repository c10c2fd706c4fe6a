/* registry.c - the adapter kinds Steward knows (no dynamic loading). */
#include "adapters/adapter.h"
#include "adapters/modbus/bus.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

int adapters_check(const struct config *cfg, struct config_diag *diag)
{
    int errors = 0;
    for (size_t i = 0; i < cfg->n_buses; i++) {
        const struct bus_config *b = &cfg->buses[i];
        const struct adapter_ops *ops = adapter_find(adapter_kind_for_bus(b->type));
        if (ops && ops->check)
            errors += ops->check(cfg, (int)i, diag);
        else if (!ops)
            errors +=
                adapter_diag(diag, cfg, b->line, "bus '%s': no adapter serves its type", b->id);
    }
    return errors;
}

int adapters_probe(const struct config *cfg, const char *device_id, FILE *out, FILE *err)
{
    for (size_t i = 0; device_id && i < cfg->n_devices; i++) {
        const struct cfg_device *d = &cfg->devices[i];
        if (strcmp(d->id, device_id) != 0) continue;
        const struct bus_config *b = &cfg->buses[d->bus];
        const struct adapter_ops *ops = adapter_find(adapter_kind_for_bus(b->type));
        if (!ops || !ops->probe) {
            fprintf(err, "probe: bus '%s': no adapter can probe its devices\n", b->id);
            return 1;
        }
        return ops->probe(cfg, (int)i, out, err);
    }
    return 1;
}

int adapter_diag(struct config_diag *diag, const struct config *cfg, int line, const char *fmt, ...)
{
    char msg[512], *text = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!diag) return 1;
    const char *file = cfg->path ? cfg->path : "(configuration)";
    int n = line > 0 ? asprintf(&text, "%s:%d: %s", file, line, msg)
                     : asprintf(&text, "%s: %s", file, msg);
    if (n < 0) return 1;
    char **msgs = realloc(diag->msgs, (diag->n + 1) * sizeof(*msgs));
    if (!msgs) {
        free(text);
        return 1;
    }
    diag->msgs = msgs;
    diag->msgs[diag->n++] = text;
    return 1;
}
