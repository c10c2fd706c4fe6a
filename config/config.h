/*
 * config.h - the loaded configuration of one site (shared/DESIGN.md section 5).
 *
 * config_load() parses a libconfig file, validates every setting against the settings tables
 * (settings.h, one table per group), resolves cross-references (a device's bus and profile, a
 * rule's points), and returns one immutable struct config. Nothing else in Steward reads the
 * file. The struct owns every string and array in it; config_free() releases all of it. After
 * loading, a config is read-only and may be shared by threads (a bus thread reads its bus and
 * devices).
 *
 * The point catalog: config_load builds the list of every point the site has, in a fixed order
 * (for each device in file order, each point of its profile; then each sensor). A point's index
 * in config->points is its id everywhere else: the core's value table, the rule programs, the
 * samples the adapters send.
 */
#ifndef STEWARD_CONFIG_H
#define STEWARD_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/schedule.h"
#include "gateway/base/mqtt_client.h" /* struct cfg_broker: a broker endpoint */

struct expr; /* rules/expr.h */

/* Alarm priorities, most severe first. Emergency, urgent and normal raise work orders. */
enum priority { PRIO_EMERGENCY = 0, PRIO_URGENT, PRIO_NORMAL, PRIO_INFO, PRIO_COUNT };
#define PRIO_WORKORDER_COUNT 3 /* priorities below this index raise a work order */

const char *priority_name(enum priority p);               /* "emergency"... */
int priority_parse(const char *name, enum priority *out); /* 0 or ST_ERR_INVAL */

enum bus_type { BUS_TCP, BUS_RTU };

struct bus_config {
    char *id;
    enum bus_type type;
    char *host;   /* tcp */
    int port;     /* tcp, default 502 */
    char *device; /* rtu */
    int baud;
    char parity; /* 'N', 'E', 'O' */
    int data_bits, stop_bits;
    int64_t timeout_ms;     /* response timeout, default 500 ms */
    int64_t inter_frame_ms; /* rtu: silence after each answer; 0: 3.5 characters at baud */
    int line;
};

/* The four Modbus tables: holding and input registers (function codes 3 and 4), coils and
 * discrete inputs (1 and 2). Steward only reads them. */
enum reg_table { TABLE_HOLDING, TABLE_INPUT, TABLE_COIL, TABLE_DISCRETE };
/* REG_BOOL is the type of a coil or discrete input; a register's bit is any integer type with
 * cfg_point_def.bit >= 0 (the loader sets REG_U16). */
enum reg_type { REG_U16, REG_I16, REG_U32, REG_I32, REG_F32, REG_U64, REG_I64, REG_F64, REG_BOOL };

/* Number of 16-bit registers a type occupies (1, 2 or 4; a bool is one register or one bit).
 * The Modbus adapter uses decode_width() (adapters/modbus/decode.h), which also knows bits. */
int reg_type_width(enum reg_type t);

struct cfg_point_def {
    char *name;
    enum reg_table table;
    int address; /* 0-based register address */
    enum reg_type type;
    char order[5];   /* byte order of 32/64-bit types: "ABCD" (default), "CDAB", "BADC", "DCBA" */
    double scale;    /* value = raw * scale + offset; default 1 */
    double offset;   /* default 0 */
    char *unit;      /* NULL when not set */
    int bit;         /* 0-15: the point is this bit of a u16 register (true/false); -1: none */
    int decimals;    /* published resolution in decimals; -1: from the scale and type */
    double deadband; /* changes smaller than this are not published; 0: every change */
    int line;
};

struct cfg_profile {
    char *id;
    struct cfg_point_def *points;
    size_t n_points;
    int max_registers; /* registers per read request; 0: the default (125) */
    int max_bits;      /* coils or discrete inputs per read request; 0: the default (2000) */
    int max_gap;       /* registers or bits read and discarded to join two blocks; -1: default */
    int line;
};

struct cfg_device {
    char *id;
    int bus;                /* index into config->buses */
    int unit;               /* Modbus unit (slave) id, 0..247 */
    int profile;            /* index into config->profiles */
    int64_t interval_ms;    /* poll interval, default 1 s */
    int64_t timeout_ms;     /* response timeout; 0: the bus's */
    int max_registers;      /* 0: the profile's */
    int max_bits;           /* 0: the profile's */
    int max_gap;            /* -1: the profile's */
    int comm_fail_after;    /* failed polls before comm_fail, default 3 */
    char *asset, *location; /* NULL when not set */
    int first_point; /* index of its first point in config->points; its points are contiguous */
    int line;
};

enum sensor_kind { SENSOR_FIRE, SENSOR_LEAK, SENSOR_DOOR, SENSOR_OTHER };

struct cfg_sensor {
    char *id;
    enum sensor_kind kind;
    char *topic;
    char *field;    /* JSON field holding the state; NULL with payload = "plain" */
    int plain;      /* payload = "plain": the whole payload is compared with on/off */
    char *on, *off; /* plain payloads meaning true / false; defaults "1" / "0" */
    int invert;     /* the state is the negation of what the payload says */
    char *asset, *location;
    int64_t heartbeat_ms; /* 0: not supervised */
    int point;            /* its index in config->points */
    int line;
    int numeric;              /* type = "number": the field is a number, the point numeric */
    char *unit;               /* numeric sensors: the unit in telemetry, or NULL */
    char *availability_topic; /* drives comm_<sensor> ("online"/"offline"), or NULL */
    int availability;         /* availability = true: the topic is TOPIC/availability */
    int battery;              /* watch battery_low / battery in its JSON: battery_<sensor> */
    int battery_min;          /* battery below this percent is low; default 20 */
};

struct cfg_rule {
    char *id;
    char *when;              /* source text */
    char *clear;             /* NULL: clears when `when` is false */
    struct expr *when_expr;  /* compiled; owned */
    struct expr *clear_expr; /* compiled, NULL when no clear; owned */
    int64_t on_delay_ms;
    int64_t off_delay_ms;
    int latch;
    int64_t realarm_ms; /* 0: never */
    double deadband;    /* without clear: the margin by which `when` must be false to clear */
    enum priority priority;
    char *category;
    char *title;
    char *asset, *location; /* explicit, or taken from the first point the rule reads */
    int line;
};

struct cfg_sla_prio {
    int64_t notify_ms, respond_ms, resolve_ms;
};

/* After hours (DOMAIN.md section 4): an emergency raised in [from, to) local time (the window
 * may cross midnight) must have someone on site within respond_ms. from == to: no window. */
struct cfg_sla_after_hours {
    int from_min, to_min; /* minutes after local midnight */
    int64_t respond_ms;
};

#define SLA_FOLLOW_UP_CATEGORIES 16
/* Follow-up visits: a resolved repair is followed up within after_ms (0: 3 days), or its
 * category's own time. */
struct cfg_sla_follow_up {
    int64_t after_ms;
    struct {
        char category[64];
        int64_t ms;
    } cat[SLA_FOLLOW_UP_CATEGORIES];
    size_t n_cat;
};

struct cfg_sla {
    struct cfg_sla_prio prio[PRIO_WORKORDER_COUNT];
    char **escalation; /* the ladder, lowest first */
    size_t n_escalation;
    struct cfg_sla_after_hours after_hours;
    struct cfg_sla_follow_up follow_up;
    int report_at_min; /* review.report_at: the morning report, minutes after local midnight */
};

struct cfg_maintenance {
    char *id, *asset, *every, *at, *category, *title, *location;
    struct schedule when; /* every + at, parsed (schedule.h) */
    int line;
};

/* What an operator may command (operators list; roles in the file: "ack", "shelve", "reset",
 * "workorder", "cancel", "out_of_service"). */
enum operator_role {
    ROLE_ACK = 1u << 0,            /* acknowledge alarms */
    ROLE_SHELVE = 1u << 1,         /* shelve and unshelve alarms */
    ROLE_RESET = 1u << 2,          /* reset latched alarms */
    ROLE_WORKORDER = 1u << 3,      /* change a work order's status */
    ROLE_CANCEL = 1u << 4,         /* cancel an emergency work order */
    ROLE_OUT_OF_SERVICE = 1u << 5, /* take an emergency alarm out of service */
};
extern const char *const operator_role_names[]; /* indexed by bit position, NULL-terminated */

struct cfg_operator {
    char *name;     /* who signs or is named in "by": printable, no spaces, at most 63 bytes */
    unsigned roles; /* enum operator_role bits */
    char *key_file; /* HMAC key for signed commands (a private file), or NULL */
    int line;
};

/* One point of the catalog. */
struct cfg_point {
    char *name;                      /* "device.point" or the sensor id */
    int device;                      /* index into config->devices, or -1 for a sensor */
    int sensor;                      /* index into config->sensors, or -1 for a Modbus point */
    const struct cfg_point_def *def; /* Modbus definition (borrowed from its profile), or NULL */
    const char *unit;                /* borrowed; NULL when none */
};

struct config {
    char *path; /* the file it was loaded from */
    struct {
        char *id, *name, *timezone; /* timezone NULL: the system's */
    } site;
    struct cfg_broker upstream;
    struct cfg_broker sensors; /* copy of upstream's connection settings when not set */
    int has_sensor_broker;     /* mqtt.sensors was given */
    struct {
        char *path;       /* absolute: resolved by config_load (see resolve_paths) */
        int64_t max_size; /* bytes; default 256 MB */
    } storage;
    struct bus_config *buses;
    size_t n_buses;
    struct cfg_profile *profiles;
    size_t n_profiles;
    struct cfg_device *devices;
    size_t n_devices;
    struct cfg_sensor *sensors_in; /* the MQTT sensors (the `sensors` list) */
    size_t n_sensors;
    struct cfg_rule *rules;
    size_t n_rules;
    struct cfg_sla sla;
    struct cfg_maintenance *maintenance;
    size_t n_maintenance;
    struct cfg_operator *operators; /* who may command; none: anyone on P/cmd/ may */
    size_t n_operators;
    int has_operators; /* an operators list was given (even an empty one: nobody may command) */
    struct {
        int64_t interval_ms; /* P/metrics every this often, default 60 s */
    } metrics;
    struct {
        int count;         /* more raises than this within window: chattering (default 5) */
        int64_t window_ms; /* default 10 min */
    } chatter;
    struct {
        int require_signature;       /* commands must be JWS (HS256) signed by an operator's key */
        int64_t shelve_max_ms;       /* total shelving of one alarm within any 24 h, default 24 h */
        int64_t signature_window_ms; /* a signed command's iat within this of now, default 5 min */
    } commands;
    struct cfg_rate { /* a rate(point, window) some rule reads: its slot is its index */
        int point;
        int64_t window_ms;
    } * rates;
    size_t n_rates;
    struct cfg_point *points; /* the catalog */
    size_t n_points;
    struct {
        int discovery; /* announce the site's entities to Home Assistant (MQTT discovery) */
        char *prefix;  /* its discovery prefix, default "homeassistant" */
        char *node_id; /* the node id in discovery topics, default "steward_SITE" */
    } homeassistant;
};

/*
 * Diagnostics: every error found, in file order where possible, each formatted
 * "FILE:LINE: message" (or "FILE: message" when no line applies). Owned by the caller;
 * zero-initialise, release with config_diag_free().
 */
struct config_diag {
    char **msgs;
    size_t n;
};
void config_diag_free(struct config_diag *d);

/*
 * Loads and validates the file at path. On success returns 0 and *out owns a new config (free it
 * with config_free). On failure returns ST_ERR_CONFIG (or ST_ERR_IO when the file cannot be read),
 * *out is NULL, and diag holds every error found (not only the first). diag may be NULL.
 */
int config_load(const char *path, struct config **out, struct config_diag *diag);

/* config_load for a command line: prints every error to err as "FILE:LINE: message" and
 * returns the config, or NULL when it is invalid. */
struct config *config_load_report(const char *path, FILE *err);

/*
 * Prints the configuration reference as Markdown to out: one table per group (columns setting,
 * type, default, allowed, description), generated from the settings tables alone, so it always
 * says what config_load applies. `steward config-reference` prints it; README.md carries a copy
 * between `<!-- config-reference:begin -->` and `<!-- config-reference:end -->`, which
 * tests/unit/test_config_reference.c keeps equal to it. Write errors are the caller's to check
 * (ferror(out)).
 */
void config_reference_print(FILE *out);

/* Frees everything a config owns. NULL-safe. */
void config_free(struct config *cfg);

/* The index of the point named name in the catalog, or -1. */
int config_point_find(const struct config *cfg, const char *name);

/* Index of the device / sensor / rule / bus with this id, or -1. */
int config_device_find(const struct config *cfg, const char *id);
int config_rule_find(const struct config *cfg, const char *id);
/* The sensor whose built-in comm_<sensor> (availability) or battery_<sensor> alarm has this id,
 * or -1. */
int config_sensor_builtin(const struct config *cfg, const char *id);
/* Index of the operator with this name, or -1. */
int config_operator_find(const struct config *cfg, const char *name);

#endif
