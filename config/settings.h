/*
 * settings.h - the settings tables (private to config/, as redis src/config.c's standardConfig).
 *
 * One table per configuration group, one row per setting. A row says everything the loader and
 * the reference need: name, type, bounds, default (written as in a file, so the reference shows
 * exactly what the loader applies), whether it is required, a one-line description, and where
 * the value goes (an offset into the target struct, or an apply function). settings_read() reads
 * one libconfig group against one table; config_reference_print() (config.h) prints the tables.
 *
 * What a table does not say stays explicit in the loaders (load_*.c): checks that involve
 * several settings or items (unknown bus, duplicate ids, expressions) and defaults derived from
 * other settings (client_id from the site id, port 8883 with tls).
 *
 * The tables are static data (table_*.c), read-only, shared by every load.
 */
#ifndef STEWARD_CONFIG_SETTINGS_H
#define STEWARD_CONFIG_SETTINGS_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "config/reader.h"

enum set_type {
    SET_STRING,   /* char *, strdup'ed */
    SET_ID,       /* char *, [a-z][a-z0-9_]*, at most 64 characters */
    SET_INT,      /* int, within [min, max] */
    SET_NUMBER,   /* double; an integer is accepted */
    SET_BOOL,     /* int, 0 or 1 */
    SET_DURATION, /* int64_t milliseconds, a string with a unit; at least min, at most max */
    SET_SIZE,     /* int64_t bytes, a string with a unit; at least min, at most max */
    SET_ENUM,     /* int: the index of the value in names */
    SET_GROUP,    /* { ... }: type-checked here, read by its loader against sub */
    SET_LIST,     /* ( ... ) or [ ... ]: type-checked here; read by apply or by its loader */
};

#define SET_REQUIRED 0x1u /* flags: absent is an error (only reported when the group exists) */

#define SET_NOWHERE ((size_t)-1) /* off: no plain store (apply, or the loader reads it) */

struct setting;
struct set_table;

/* The value handed to an apply function: s for strings, identifiers and enums (the name),
 * i for integers, booleans and enum indexes, d for numbers, n for durations and sizes, list for
 * lists. A list absent from the file arrives with list NULL and s = the row's default text. */
struct set_value {
    const char *s;
    long long i;
    double d;
    int64_t n;
    const config_setting_t *list;
};

/* Stores v into target (the struct the table reads into) where a plain store does not fit, or
 * refuses it. Returns NULL, or a reason (static text) reported as "WHAT: 'NAME' REASON". */
typedef const char *(*set_apply_fn)(void *target, const struct setting *row,
                                    const struct set_value *v);

struct setting {
    const char *name;
    enum set_type type;
    unsigned flags;   /* SET_REQUIRED */
    unsigned only;    /* 0: every variant; else the bits (1 << v) of the variants it is for */
    int64_t min, max; /* SET_INT: bounds; SET_DURATION, SET_SIZE: min, and max (0: none) */
    const char *const *names; /* SET_ENUM: the allowed values, NULL-terminated */
    const char *def;          /* the default as written in a file, or NULL: none */
    const char *shown;        /* the default as the reference shows it when a loader derives it */
    const char *doc;          /* one line for the reference */
    size_t off;               /* where a plain store goes in the target, or SET_NOWHERE */
    set_apply_fn apply;       /* used instead of the plain store when not NULL */
    const struct set_table *sub; /* SET_GROUP, SET_LIST of groups: the table of its members */
};

struct set_table {
    const char *name; /* the group's path for the reference: "modbus.buses" */
    const char *doc;  /* one line for the reference */
    const char *key;  /* the row naming an item of a list ("id"), read by settings_read_key */
    int selector;     /* the SET_ENUM row whose value picks the variant, or -1 */
    const char *const *variants; /* short names of the variants ("tcp", "rtu"), or NULL */
    const char *const *scopes;   /* each variant in a message: "tcp buses" */
    const struct setting *rows;
    size_t n_rows;
};

/* Row helpers: the type, and an offset checked at compile time against the member's C type, so
 * a row cannot store a double into an int. An enum member must be int-sized. */
#define SET_OFF_(T, f, ctype) (offsetof(T, f) + 0 * sizeof(char[_Generic(((T *)0)->f, ctype : 1)]))
#define SET_OFF_ENUM_(T, f)                                                                        \
    (offsetof(T, f) + 0 * sizeof(char[sizeof(((T *)0)->f) == sizeof(int) ? 1 : -1]))
#define SET_STR(T, f) .type = SET_STRING, .off = SET_OFF_(T, f, char *)
#define SET_IDENT(T, f) .type = SET_ID, .off = SET_OFF_(T, f, char *)
#define SET_INTEGER(T, f, lo, hi)                                                                  \
    .type = SET_INT, .off = SET_OFF_(T, f, int), .min = (lo), .max = (hi)
#define SET_NUM(T, f) .type = SET_NUMBER, .off = SET_OFF_(T, f, double)
#define SET_BOOLEAN(T, f) .type = SET_BOOL, .off = SET_OFF_(T, f, int)
#define SET_DUR(T, f, lo) .type = SET_DURATION, .off = SET_OFF_(T, f, int64_t), .min = (lo)
#define SET_SZ(T, f, lo) .type = SET_SIZE, .off = SET_OFF_(T, f, int64_t), .min = (lo)
#define SET_ONE_OF(T, f, nm) .type = SET_ENUM, .off = SET_OFF_ENUM_(T, f), .names = (nm)
#define SET_ROWS(a) .rows = (a), .n_rows = sizeof(a) / sizeof((a)[0])

/*
 * Reads the key row of an item of a list (t->key) into target and returns its value (borrowed
 * from target), or NULL after reporting it missing or invalid (what names the item, e.g. "bus"):
 * the caller then skips the item, since every other message names it by its key.
 */
const char *settings_read_key(struct reader *r, const struct set_table *t,
                              const config_setting_t *g, const char *what, void *target);

/* The bounds of row as text for messages and the reference ("1 to 65535", "at least 5s"), or ""
 * when it has none. Writes into buf of len bytes and returns buf. */
char *settings_bounds(const struct setting *row, char *buf, size_t len);

/*
 * Reads group g against table t into target: unknown settings (with the closest known name),
 * types, bounds, required settings, then defaults for what is absent. Every error is reported
 * through r with its line; what names the group in messages ("bus 'rs485_1'"). g may be NULL
 * (the group is absent): then only the defaults apply. The key row, if any, is left to
 * settings_read_key. variant selects the rows of t->only when t has no selector (e.g. 0 for the
 * upstream broker); with a selector the selector's value decides, and when that value is
 * invalid, the variant rows are skipped. Strings stored are owned by target's owner.
 */
void settings_read(struct reader *r, const struct set_table *t, const config_setting_t *g,
                   const char *what, void *target, int variant);

/* The member key of g when it is a group (SET_GROUP) or list (SET_LIST) as type says, else NULL.
 * Silent: settings_read has already reported a wrong type. */
const config_setting_t *settings_child(const config_setting_t *g, const char *key,
                                       enum set_type type);

/* The tables (table_site.c, table_modbus.c, table_rules.c, table_commands.c). set_root is the whole
 * file. */
extern const struct set_table set_root, set_site, set_mqtt, set_broker, set_tls, set_storage;
extern const struct set_table set_sla, set_sla_prio[3], set_maintenance;
extern const struct set_table set_modbus, set_buses, set_profiles, set_points, set_devices;
extern const struct set_table set_sensors, set_rules;
extern const struct set_table set_operators, set_commands, set_metrics,
    set_chatter;                                 /* table_commands.c */
extern const struct set_table set_homeassistant; /* table_ha.c */

#endif
