/* load_modbus.c - the modbus group: buses, profiles (register maps) and devices. The tables of
 * table_modbus.c read each item; the checks here involve several settings or items. */
#include "config/config.h"
#include "config/load.h"
#include "config/reader.h"
#include "config/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void load_buses(struct reader *r, const config_setting_t *mb, struct config *c)
{
    const config_setting_t *l = settings_child(mb, "buses", SET_LIST);
    c->buses = rd_alloc_items(l, sizeof(*c->buses), &c->n_buses);
    for (size_t i = 0; i < c->n_buses; i++) {
        struct bus_config *b = &c->buses[i];
        const config_setting_t *g = rd_item(r, l, (int)i, "modbus.buses");
        b->line = g ? config_setting_source_line(g) : 0;
        if (!g || !settings_read_key(r, &set_buses, g, "bus", b)) continue;
        char what[96];
        snprintf(what, sizeof(what), "bus '%s'", b->id);
        settings_read(r, &set_buses, g, what, b, 0);
    }
}

/* Registers (or bits) a point occupies: as decode_width() in adapters/modbus/decode.c, which the
 * loader does not include (it depends on no adapter). */
static int point_width(const struct cfg_point_def *d)
{
    switch (d->type) {
    case REG_U32:
    case REG_I32:
    case REG_F32: return 2;
    case REG_U64:
    case REG_I64:
    case REG_F64: return 4;
    default: return 1;
    }
}

static int is_bit_table(enum reg_table t)
{
    return t == TABLE_COIL || t == TABLE_DISCRETE;
}

/* What only several settings of one point say together: the type a table or a bit implies, the
 * types a table accepts, the address range the width leaves. */
static void check_point(struct reader *r, const config_setting_t *g, struct cfg_point_def *d,
                        const char *pw)
{
    int typed = (int)d->type >= 0;
    if (is_bit_table(d->table)) {
        if (!typed) d->type = REG_BOOL;
        if (d->type != REG_BOOL)
            rd_error(r, config_setting_get_member(g, "type"),
                     "%s: coils and discrete inputs are single bits: 'type' must be \"bool\"", pw);
        if (d->bit >= 0)
            rd_error(r, config_setting_get_member(g, "bit"),
                     "%s: 'bit' selects a bit of a register; a %s is one bit already", pw,
                     d->table == TABLE_COIL ? "coil" : "discrete input");
    } else if (d->bit >= 0) {
        if (!typed) d->type = REG_U16;
        if (d->type != REG_U16)
            rd_error(r, config_setting_get_member(g, "type"),
                     "%s: 'bit' takes a bit of a u16 register: 'type' must be \"u16\"", pw);
    } else if (!typed) {
        rd_error(r, g, "%s: missing required setting 'type'", pw);
        d->type = REG_U16;
    } else if (d->type == REG_BOOL) {
        rd_error(r, config_setting_get_member(g, "type"),
                 "%s: 'type' = \"bool\" is for coils and discrete inputs; a register's bit is "
                 "'bit = N'",
                 pw);
    }
    int w = point_width(d);
    if (d->address > 65536 - w)
        rd_error(r, config_setting_get_member(g, "address"),
                 "%s: 'address' = %d is out of range (0 to %d: a %d-register value)", pw,
                 d->address, 65536 - w, w);
}

static void load_profile_points(struct reader *r, const config_setting_t *pg, struct cfg_profile *p)
{
    char what[128];
    snprintf(what, sizeof(what), "profile '%s'", p->id);
    const config_setting_t *l = settings_child(pg, "points", SET_LIST);
    p->points = rd_alloc_items(l, sizeof(*p->points), &p->n_points);
    for (size_t i = 0; i < p->n_points; i++) {
        struct cfg_point_def *d = &p->points[i];
        const config_setting_t *g = rd_item(r, l, (int)i, what);
        d->scale = 1; /* a point skipped for a bad name still decodes sanely */
        snprintf(d->order, sizeof(d->order), "ABCD");
        d->bit = d->decimals = -1;
        d->type = REG_U16;
        if (!g) continue;
        d->line = config_setting_source_line(g);
        if (!settings_read_key(r, &set_points, g, what, d)) continue;
        char pw[192];
        snprintf(pw, sizeof(pw), "point '%s' of profile '%s'", d->name, p->id);
        d->type = (enum reg_type) - 1; /* absent: implied by the table or bit (check_point) */
        settings_read(r, &set_points, g, pw, d, 0);
        for (size_t k = 0; k < i; k++)
            if (p->points[k].name && !strcmp(p->points[k].name, d->name))
                rd_error(r, g, "%s: duplicate point name (first on line %d)", pw,
                         p->points[k].line);
        check_point(r, g, d, pw);
    }
}

static void load_profiles(struct reader *r, const config_setting_t *mb, struct config *c)
{
    const config_setting_t *l = settings_child(mb, "profiles", SET_LIST);
    c->profiles = rd_alloc_items(l, sizeof(*c->profiles), &c->n_profiles);
    for (size_t i = 0; i < c->n_profiles; i++) {
        struct cfg_profile *p = &c->profiles[i];
        const config_setting_t *g = rd_item(r, l, (int)i, "modbus.profiles");
        p->max_gap = -1;
        if (!g) continue;
        p->line = config_setting_source_line(g);
        if (!settings_read_key(r, &set_profiles, g, "profile", p)) continue;
        char what[96];
        snprintf(what, sizeof(what), "profile '%s'", p->id);
        settings_read(r, &set_profiles, g, what, p, 0);
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

/* The string value of g.key, or NULL (absent or not a string: the table reported it). */
static const char *string_of(const config_setting_t *g, const char *key)
{
    const char *v = NULL;
    return config_setting_lookup_string(g, key, &v) == CONFIG_TRUE ? v : NULL;
}

static void load_devices(struct reader *r, const config_setting_t *mb, struct config *c)
{
    const config_setting_t *l = settings_child(mb, "devices", SET_LIST);
    c->devices = rd_alloc_items(l, sizeof(*c->devices), &c->n_devices);
    for (size_t i = 0; i < c->n_devices; i++) {
        struct cfg_device *d = &c->devices[i];
        d->bus = d->profile = -1;
        d->max_gap = -1;
        const config_setting_t *g = rd_item(r, l, (int)i, "modbus.devices");
        if (!g) continue;
        d->line = config_setting_source_line(g);
        if (!settings_read_key(r, &set_devices, g, "device", d)) continue;
        char what[96];
        snprintf(what, sizeof(what), "device '%s'", d->id);
        settings_read(r, &set_devices, g, what, d, 0);
        const char *bus = string_of(g, "bus"), *prof = string_of(g, "profile");
        if (bus && rd_valid_id(bus) && (d->bus = find_bus(c, bus)) < 0)
            rd_error(r, config_setting_get_member(g, "bus"), "%s: unknown bus '%s'", what, bus);
        if (prof && rd_valid_id(prof) && (d->profile = find_profile(c, prof)) < 0)
            rd_error(r, config_setting_get_member(g, "profile"), "%s: unknown profile '%s'", what,
                     prof);
        for (size_t k = 0; k < i; k++)
            if (d->bus >= 0 && c->devices[k].bus == d->bus && c->devices[k].unit == d->unit)
                rd_error(r, g, "%s: bus '%s' unit %d is already used by device '%s' (line %d)",
                         what, c->buses[d->bus].id, d->unit, c->devices[k].id, c->devices[k].line);
    }
}

void config_load_modbus(struct reader *r, const config_setting_t *root, struct config *c)
{
    const config_setting_t *g = settings_child(root, "modbus", SET_GROUP);
    settings_read(r, &set_modbus, g, "modbus", c, 0);
    load_buses(r, g, c);
    load_profiles(r, g, c);
    load_devices(r, g, c);
}
