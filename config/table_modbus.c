/* table_modbus.c - the settings tables of the modbus group: buses, profiles (register maps) and
 * their points, devices. Read by load_modbus.c. The byte orders are listed here rather than
 * asked of the decoder: the loader does not depend on an adapter. */
#include "config/config.h"
#include "config/settings.h"

#include <stdio.h>
#include <string.h>

/* ---- apply functions ---- */

/* struct bus_config keeps the parity as the character libmodbus takes. */
static const char *apply_parity(void *target, const struct setting *row, const struct set_value *v)
{
    ((struct bus_config *)target)->parity = row->names[v->i][0];
    return NULL;
}

/* The decoder reads the order as its name (struct cfg_point_def.order). */
static const char *apply_order(void *target, const struct setting *row, const struct set_value *v)
{
    struct cfg_point_def *d = target;
    snprintf(d->order, sizeof(d->order), "%s", row->names[v->i]);
    return NULL;
}

/* A scale of 0 would make every value 0: certainly a mistake. */
static const char *apply_scale(void *target, const struct setting *row, const struct set_value *v)
{
    (void)row;
    if (v->d == 0) return "cannot be 0";
    ((struct cfg_point_def *)target)->scale = v->d;
    return NULL;
}

/* A deadband is a magnitude. */
static const char *apply_deadband(void *target, const struct setting *row,
                                  const struct set_value *v)
{
    (void)row;
    if (!(v->d >= 0)) return "must be 0 or more";
    ((struct cfg_point_def *)target)->deadband = v->d;
    return NULL;
}

/* Units go into telemetry JSON as they are; keep them plain and short. */
static const char *apply_unit(void *target, const struct setting *row, const struct set_value *v)
{
    (void)row;
    int control = 0;
    for (const unsigned char *p = (const unsigned char *)v->s; *p; p++)
        control |= *p < 0x20 || *p == 0x7f;
    if (control || strpbrk(v->s, "\"\\") || strlen(v->s) > 16)
        return "must be at most 16 characters without quotes, backslashes or control characters";
    ((struct cfg_point_def *)target)->unit = strdup(v->s);
    return NULL;
}

/* ---- modbus ---- */

static const struct setting modbus_rows[] = {
    {.name = "buses",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .sub = &set_buses,
     .doc = "the Modbus TCP connections and RS-485 lines"},
    {.name = "profiles",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .sub = &set_profiles,
     .doc = "register maps, shared by devices of one model"},
    {.name = "devices",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .sub = &set_devices,
     .doc = "the devices polled"},
};
const struct set_table set_modbus = {
    .name = "modbus", .doc = "Modbus inputs (read-only)", .selector = -1, SET_ROWS(modbus_rows)};

/* ---- buses: the row `type` picks the variant, tcp (0) or rtu (1) ---- */

static const char *const bus_types[] = {"tcp", "rtu", NULL};
static const char *const bus_scopes[] = {"tcp buses", "rtu buses", NULL};
static const char *const parities[] = {"N", "E", "O", NULL};
#define TCP_ONLY (1u << BUS_TCP)
#define RTU_ONLY (1u << BUS_RTU)

static const struct setting bus_rows[] = {
    {.name = "id",
     SET_IDENT(struct bus_config, id),
     .flags = SET_REQUIRED,
     .doc = "the bus's id, named by its devices"},
    {.name = "type",
     SET_ONE_OF(struct bus_config, type, bus_types),
     .flags = SET_REQUIRED,
     .doc = "Modbus TCP, or RTU over a serial line"},
    {.name = "timeout",
     SET_DUR(struct bus_config, timeout_ms, 10),
     .def = "500ms",
     .doc = "response timeout of one request"},
    {.name = "host",
     SET_STR(struct bus_config, host),
     .only = TCP_ONLY,
     .def = "127.0.0.1",
     .doc = "the device's or gateway's host name or address"},
    {.name = "port",
     SET_INTEGER(struct bus_config, port, 1, 65535),
     .only = TCP_ONLY,
     .def = "502",
     .doc = "its TCP port"},
    {.name = "device",
     SET_STR(struct bus_config, device),
     .only = RTU_ONLY,
     .flags = SET_REQUIRED,
     .doc = "the serial device, e.g. `/dev/ttyUSB0`"},
    {.name = "baud",
     SET_INTEGER(struct bus_config, baud, 300, 921600),
     .only = RTU_ONLY,
     .def = "9600",
     .doc = "line speed"},
    {.name = "parity",
     .type = SET_ENUM,
     .names = parities,
     .off = SET_NOWHERE,
     .apply = apply_parity,
     .only = RTU_ONLY,
     .def = "N",
     .doc = "none, even or odd"},
    {.name = "data_bits",
     SET_INTEGER(struct bus_config, data_bits, 7, 8),
     .only = RTU_ONLY,
     .def = "8",
     .doc = "data bits per character"},
    {.name = "stop_bits",
     SET_INTEGER(struct bus_config, stop_bits, 1, 2),
     .only = RTU_ONLY,
     .def = "1",
     .doc = "stop bits per character"},
    {.name = "inter_frame",
     SET_DUR(struct bus_config, inter_frame_ms, 1),
     .only = RTU_ONLY,
     .shown = "3.5 characters at `baud` (1.75 ms above 19200)",
     .doc = "silence the master leaves on the line after each answer before the next request"},
};
const struct set_table set_buses = {.name = "modbus.buses",
                                    .doc = "one group per bus",
                                    .key = "id",
                                    .selector = 1,
                                    .variants = bus_types,
                                    .scopes = bus_scopes,
                                    SET_ROWS(bus_rows)};

/* ---- profiles and their points ---- */

static const struct setting profile_rows[] = {
    {.name = "id",
     SET_IDENT(struct cfg_profile, id),
     .flags = SET_REQUIRED,
     .doc = "the profile's id, named by devices"},
    {.name = "points",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .flags = SET_REQUIRED,
     .sub = &set_points,
     .doc = "its points"},
    {.name = "max_registers",
     SET_INTEGER(struct cfg_profile, max_registers, 1, 125),
     .shown = "125",
     .doc = "registers one read request may ask for (a device may accept fewer)"},
    {.name = "max_bits",
     SET_INTEGER(struct cfg_profile, max_bits, 1, 2000),
     .shown = "2000",
     .doc = "coils or discrete inputs one read request may ask for"},
    {.name = "max_gap",
     SET_INTEGER(struct cfg_profile, max_gap, 0, 2000),
     .shown = "10",
     .doc = "unused registers (or bits) read and discarded to join two blocks into one request"},
};
const struct set_table set_profiles = {.name = "modbus.profiles",
                                       .doc = "one group per register map",
                                       .key = "id",
                                       .selector = -1,
                                       SET_ROWS(profile_rows)};

static const char *const tables[] = {"holding", "input", "coil", "discrete", NULL};
static const char *const reg_types[] = {"u16", "i16", "u32", "i32",  "f32",
                                        "u64", "i64", "f64", "bool", NULL};
static const char *const orders[] = {"ABCD", "CDAB", "BADC", "DCBA", NULL};

static const struct setting point_rows[] = {
    {.name = "name",
     SET_IDENT(struct cfg_point_def, name),
     .flags = SET_REQUIRED,
     .doc = "the point's name: `DEVICE.NAME` in rules and telemetry"},
    {.name = "table",
     SET_ONE_OF(struct cfg_point_def, table, tables),
     .flags = SET_REQUIRED,
     .doc = "holding (function 3) or input (function 4) registers, coils (1) or discrete "
            "inputs (2); only read, never written"},
    {.name = "address",
     SET_INTEGER(struct cfg_point_def, address, 0, 65535),
     .flags = SET_REQUIRED,
     .doc = "0-based register (or coil, or discrete input) address"},
    {.name = "type",
     SET_ONE_OF(struct cfg_point_def, type, reg_types),
     .shown = "`bool` for coils and discrete inputs, `u16` with `bit`; else required",
     .doc = "integer of 16 (one register), 32 (two) or 64 bits (four), IEEE-754 float of 32 or "
            "64 bits, or `bool` (coils and discrete inputs)"},
    {.name = "bit",
     SET_INTEGER(struct cfg_point_def, bit, 0, 15),
     .shown = "none",
     .doc = "take only this bit (0 = least significant) of a u16 register: true or false"},
    {.name = "order",
     .type = SET_ENUM,
     .names = orders,
     .off = SET_NOWHERE,
     .apply = apply_order,
     .def = "ABCD",
     .doc = "byte order of 32- and 64-bit values, most significant byte first; for 64 bits CDAB "
            "and DCBA reverse the order of the four words"},
    {.name = "scale",
     .type = SET_NUMBER,
     .off = SET_NOWHERE,
     .apply = apply_scale,
     .def = "1",
     .doc = "value = raw * scale + offset; not 0"},
    {.name = "offset",
     SET_NUM(struct cfg_point_def, offset),
     .def = "0",
     .doc = "added after scaling"},
    {.name = "decimals",
     SET_INTEGER(struct cfg_point_def, decimals, 0, 15),
     .shown = "those of `scale` and `offset` (0.1: 1); f32: 7 significant digits, f64: 15",
     .doc = "the value is rounded to this many decimals before it is published or stored"},
    {.name = "deadband",
     .type = SET_NUMBER,
     .off = SET_NOWHERE,
     .apply = apply_deadband,
     .def = "0",
     .doc = "a change smaller than this keeps the last value published (the point stays fresh)"},
    {.name = "unit",
     .type = SET_STRING,
     .off = SET_NOWHERE,
     .apply = apply_unit,
     .doc = "engineering unit in telemetry; at most 16 characters, no quotes"},
};
const struct set_table set_points = {.name = "modbus.profiles[].points",
                                     .doc = "one group per point",
                                     .key = "name",
                                     .selector = -1,
                                     SET_ROWS(point_rows)};

/* ---- devices ---- */

static const struct setting device_rows[] = {
    {.name = "id",
     SET_IDENT(struct cfg_device, id),
     .flags = SET_REQUIRED,
     .doc = "the device's id: the first part of its points' names"},
    {.name = "bus",
     .type = SET_ID,
     .off = SET_NOWHERE,
     .flags = SET_REQUIRED,
     .doc = "the id of its bus"},
    {.name = "unit",
     SET_INTEGER(struct cfg_device, unit, 0, 255),
     .flags = SET_REQUIRED,
     .doc = "Modbus unit (slave) id; one device per unit on a bus"},
    {.name = "profile",
     .type = SET_ID,
     .off = SET_NOWHERE,
     .flags = SET_REQUIRED,
     .doc = "the id of its register map"},
    {.name = "interval",
     SET_DUR(struct cfg_device, interval_ms, 100),
     .def = "1s",
     .doc = "poll interval"},
    {.name = "timeout",
     SET_DUR(struct cfg_device, timeout_ms, 10),
     .shown = "the bus's `timeout`",
     .doc = "response timeout of one request to this device"},
    {.name = "max_registers",
     SET_INTEGER(struct cfg_device, max_registers, 1, 125),
     .shown = "the profile's",
     .doc = "registers one read request may ask for"},
    {.name = "max_bits",
     SET_INTEGER(struct cfg_device, max_bits, 1, 2000),
     .shown = "the profile's",
     .doc = "coils or discrete inputs one read request may ask for"},
    {.name = "max_gap",
     SET_INTEGER(struct cfg_device, max_gap, 0, 2000),
     .shown = "the profile's",
     .doc = "unused registers (or bits) read and discarded to join two blocks"},
    {.name = "comm_fail_after",
     SET_INTEGER(struct cfg_device, comm_fail_after, 1, 100),
     .def = "3",
     .doc = "failed polls in a row after which its points are `comm_fail` and `comm_DEVICE` "
            "is raised"},
    {.name = "asset",
     SET_STR(struct cfg_device, asset),
     .shown = "the device id",
     .doc = "asset tag on its alarms and work orders"},
    {.name = "location",
     SET_STR(struct cfg_device, location),
     .doc = "where it is, on its alarms and work orders"},
};
const struct set_table set_devices = {.name = "modbus.devices",
                                      .doc = "one group per device",
                                      .key = "id",
                                      .selector = -1,
                                      SET_ROWS(device_rows)};
