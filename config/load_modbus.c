/* load_modbus.c - the modbus group: buses, profiles (register maps) and devices. */
#include "adapters/modbus/decode.h"
#include "config/config.h"
#include "config/load.h"
#include "config/reader.h"
#include "gateway/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- modbus ---- */

static void load_buses(struct reader *r, const config_setting_t *mb, struct config *c)
{
    static const char *const keys[] = {"id",        "type",    "host",   "port",
                                       "device",    "baud",    "parity", "data_bits",
                                       "stop_bits", "timeout", NULL};
    static const char *const types[] = {"tcp", "rtu", NULL};
    static const char *const parities[] = {"N", "E", "O", NULL};
    const config_setting_t *l = rd_list(r, mb, "buses", "modbus");
    c->buses = rd_alloc_items(l, sizeof(*c->buses), &c->n_buses);
    for (size_t i = 0; i < c->n_buses; i++) {
        struct bus_config *b = &c->buses[i];
        const config_setting_t *g = rd_item(r, l, (int)i, "modbus.buses");
        b->line = g ? config_setting_source_line(g) : 0;
        if (!g) continue;
        if (rd_id(r, g, "id", "bus", &b->id)) continue;
        char what[96];
        snprintf(what, sizeof(what), "bus '%s'", b->id);
        rd_check_keys(r, g, keys, what);
        int t = 0, par = 0;
        rd_enum(r, g, "type", types, 1, 0, what, &t);
        b->type = (enum bus_type)t;
        rd_duration(r, g, "timeout", 500, 10, what, &b->timeout_ms);
        if (b->type == BUS_TCP) {
            rd_str(r, g, "host", 0, "127.0.0.1", what, &b->host);
            rd_int(r, g, "port", 1, 65535, 502, what, &b->port);
        } else {
            rd_str(r, g, "device", 1, NULL, what, &b->device);
            rd_int(r, g, "baud", 300, 921600, 9600, what, &b->baud);
            rd_enum(r, g, "parity", parities, 0, 0, what, &par);
            b->parity = "NEO"[par];
            rd_int(r, g, "data_bits", 7, 8, 8, what, &b->data_bits);
            rd_int(r, g, "stop_bits", 1, 2, 1, what, &b->stop_bits);
        }
    }
}

static void load_profile_points(struct reader *r, const config_setting_t *pg, struct cfg_profile *p)
{
    static const char *const keys[] = {"name",  "table",  "address", "type", "order",
                                       "scale", "offset", "unit",    NULL};
    static const char *const tables[] = {"holding", "input", NULL};
    static const char *const types[] = {"u16", "i16", "u32", "i32", "f32", NULL};
    char what[128];
    snprintf(what, sizeof(what), "profile '%s'", p->id);
    const config_setting_t *l = rd_list(r, pg, "points", what);
    if (!l) rd_error(r, pg, "%s: missing required setting 'points'", what);
    p->points = rd_alloc_items(l, sizeof(*p->points), &p->n_points);
    for (size_t i = 0; i < p->n_points; i++) {
        struct cfg_point_def *d = &p->points[i];
        const config_setting_t *g = rd_item(r, l, (int)i, what);
        d->scale = 1;
        snprintf(d->order, sizeof(d->order), "ABCD");
        if (!g) continue;
        d->line = config_setting_source_line(g);
        if (rd_id(r, g, "name", what, &d->name)) continue;
        char pw[192];
        snprintf(pw, sizeof(pw), "point '%s' of profile '%s'", d->name, p->id);
        rd_check_keys(r, g, keys, pw);
        for (size_t k = 0; k < i; k++)
            if (p->points[k].name && !strcmp(p->points[k].name, d->name))
                rd_error(r, g, "%s: duplicate point name (first on line %d)", pw,
                         p->points[k].line);
        int t = 0, ty = 0;
        rd_enum(r, g, "table", tables, 1, 0, pw, &t);
        d->table = (enum reg_table)t;
        rd_enum(r, g, "type", types, 1, 0, pw, &ty);
        d->type = (enum reg_type)ty;
        if (config_setting_get_member(g, "address") == NULL)
            rd_error(r, g, "%s: missing required setting 'address'", pw);
        rd_int(r, g, "address", 0, 65536 - reg_type_width(d->type), 0, pw, &d->address);
        char *order = NULL;
        rd_str(r, g, "order", 0, "ABCD", pw, &order);
        if (order && decode_order_check(order) != ST_OK)
            rd_error(r, config_setting_get_member(g, "order"),
                     "%s: 'order' = \"%s\" is not one of ABCD, CDAB, BADC, DCBA", pw, order);
        else if (order)
            snprintf(d->order, sizeof(d->order), "%s", order);
        free(order);
        rd_double(r, g, "scale", 1, pw, &d->scale);
        if (d->scale == 0)
            rd_error(r, config_setting_get_member(g, "scale"), "%s: 'scale' cannot be 0", pw);
        rd_double(r, g, "offset", 0, pw, &d->offset);
        rd_str(r, g, "unit", 0, NULL, pw, &d->unit);
        /* Units go into telemetry JSON as they are; keep them plain and short. */
        if (d->unit && (strpbrk(d->unit, "\"\\") || strlen(d->unit) > 16))
            rd_error(r, config_setting_get_member(g, "unit"),
                     "%s: 'unit' must be at most 16 characters without quotes or backslashes", pw);
    }
}

static void load_profiles(struct reader *r, const config_setting_t *mb, struct config *c)
{
    static const char *const keys[] = {"id", "points", NULL};
    const config_setting_t *l = rd_list(r, mb, "profiles", "modbus");
    c->profiles = rd_alloc_items(l, sizeof(*c->profiles), &c->n_profiles);
    for (size_t i = 0; i < c->n_profiles; i++) {
        struct cfg_profile *p = &c->profiles[i];
        const config_setting_t *g = rd_item(r, l, (int)i, "modbus.profiles");
        if (!g) continue;
        p->line = config_setting_source_line(g);
        if (rd_id(r, g, "id", "profile", &p->id)) continue;
        char what[96];
        snprintf(what, sizeof(what), "profile '%s'", p->id);
        rd_check_keys(r, g, keys, what);
        load_profile_points(r, g, p);
    }
}

static int find_bus(const struct config *c, const char *id)
{
    for (size_t i = 0; id && i < c->n_buses; i++)
        if (c->buses[i].id && !strcmp(c->buses[i].id, id)) return (int)i;
    return -1;
}

static int find_profile(const struct config *c, const char *id)
{
    for (size_t i = 0; id && i < c->n_profiles; i++)
        if (c->profiles[i].id && !strcmp(c->profiles[i].id, id)) return (int)i;
    return -1;
}

static void load_devices(struct reader *r, const config_setting_t *mb, struct config *c)
{
    static const char *const keys[] = {"id",       "bus",   "unit",     "profile",
                                       "interval", "asset", "location", NULL};
    const config_setting_t *l = rd_list(r, mb, "devices", "modbus");
    c->devices = rd_alloc_items(l, sizeof(*c->devices), &c->n_devices);
    for (size_t i = 0; i < c->n_devices; i++) {
        struct cfg_device *d = &c->devices[i];
        d->bus = d->profile = -1;
        const config_setting_t *g = rd_item(r, l, (int)i, "modbus.devices");
        if (!g) continue;
        d->line = config_setting_source_line(g);
        if (rd_id(r, g, "id", "device", &d->id)) continue;
        char what[96];
        snprintf(what, sizeof(what), "device '%s'", d->id);
        rd_check_keys(r, g, keys, what);
        char *bus = NULL, *prof = NULL;
        if (rd_str(r, g, "bus", 1, NULL, what, &bus) == 0 && bus && (d->bus = find_bus(c, bus)) < 0)
            rd_error(r, config_setting_get_member(g, "bus"), "%s: unknown bus '%s'", what, bus);
        if (rd_str(r, g, "profile", 1, NULL, what, &prof) == 0 && prof &&
            (d->profile = find_profile(c, prof)) < 0)
            rd_error(r, config_setting_get_member(g, "profile"), "%s: unknown profile '%s'", what,
                     prof);
        free(bus);
        free(prof);
        if (!config_setting_get_member(g, "unit"))
            rd_error(r, g, "%s: missing required setting 'unit'", what);
        rd_int(r, g, "unit", 0, 255, 1, what, &d->unit);
        rd_duration(r, g, "interval", 1000, 100, what, &d->interval_ms);
        rd_str(r, g, "asset", 0, NULL, what, &d->asset);
        rd_str(r, g, "location", 0, NULL, what, &d->location);
        for (size_t k = 0; k < i; k++)
            if (d->bus >= 0 && c->devices[k].bus == d->bus && c->devices[k].unit == d->unit)
                rd_error(r, g, "%s: bus '%s' unit %d is already used by device '%s' (line %d)",
                         what, c->buses[d->bus].id, d->unit, c->devices[k].id, c->devices[k].line);
    }
}

void config_load_modbus(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"buses", "profiles", "devices", NULL};
    const config_setting_t *g = rd_group(r, root, "modbus", "the configuration");
    rd_check_keys(r, g, keys, "modbus");
    load_buses(r, g, c);
    load_profiles(r, g, c);
    load_devices(r, g, c);
}
