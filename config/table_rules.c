/* table_rules.c - the settings tables of what raises alarms: the MQTT sensors and the rules.
 * Read by load_site.c (sensors) and load_rules.c (rules). */
#include "config/config.h"
#include "config/load.h"
#include "config/settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A sensor subscribes to exactly one topic: a wildcard would mix several sensors' states. */
static const char *apply_topic(void *target, const struct setting *row, const struct set_value *v)
{
    (void)row;
    if (!*v->s || strpbrk(v->s, "+#")) return "must be one topic, without the wildcards + or #";
    ((struct cfg_sensor *)target)->topic = strdup(v->s);
    return NULL;
}

/* The bridge's availability topic: one topic too. */
static const char *apply_availability_topic(void *target, const struct setting *row,
                                            const struct set_value *v)
{
    (void)row;
    if (!*v->s || strpbrk(v->s, "+#")) return "must be one topic, without the wildcards + or #";
    struct cfg_sensor *s = target;
    free(s->availability_topic);
    s->availability_topic = strdup(v->s);
    return NULL;
}

/* availability = true: Zigbee2MQTT's TOPIC/availability, unless a topic was given. The topic and
 * availability_topic rows come first, so both are known here. */
static const char *apply_availability(void *target, const struct setting *row,
                                      const struct set_value *v)
{
    (void)row;
    struct cfg_sensor *s = target;
    s->availability = (int)v->i;
    if (v->i && !s->availability_topic && s->topic &&
        asprintf(&s->availability_topic, "%s/availability", s->topic) < 0)
        s->availability_topic = NULL;
    return NULL;
}

/* A numeric sensor's unit goes into telemetry JSON as it is (as a Modbus point's does). The type
 * row comes first, so it is known here. */
static const char *apply_sensor_unit(void *target, const struct setting *row,
                                     const struct set_value *v)
{
    (void)row;
    struct cfg_sensor *s = target;
    int control = 0;
    for (const unsigned char *p = (const unsigned char *)v->s; *p; p++)
        control |= *p < 0x20 || *p == 0x7f;
    if (!s->numeric) return "applies to type = \"number\" only";
    if (control || strpbrk(v->s, "\"\\") || strlen(v->s) > 16)
        return "must be at most 16 characters without quotes, backslashes or control characters";
    s->unit = strdup(v->s);
    return NULL;
}

/* ---- sensors ---- */

static const char *const kinds[] = {"fire", "leak", "door", "other", NULL};
static const char *const payloads[] = {"json", "plain", NULL}; /* index 1 sets cfg_sensor.plain */
static const char *const types[] = {"bool", "number", NULL};   /* index 1 sets cfg_sensor.numeric */

static const struct setting sensor_rows[] = {
    {.name = "id",
     SET_IDENT(struct cfg_sensor, id),
     .flags = SET_REQUIRED,
     .doc = "the sensor's id, also its point's name"},
    {.name = "kind",
     SET_ONE_OF(struct cfg_sensor, kind, kinds),
     .flags = SET_REQUIRED,
     .doc = "what it detects"},
    {.name = "topic",
     .type = SET_STRING,
     .off = SET_NOWHERE,
     .apply = apply_topic,
     .flags = SET_REQUIRED,
     .doc = "the topic it publishes its state to; no wildcards"},
    {.name = "field",
     SET_STR(struct cfg_sensor, field),
     .shown = "required with `payload = \"json\"`",
     .doc = "the JSON member holding the state, e.g. `smoke`"},
    {.name = "payload",
     SET_ONE_OF(struct cfg_sensor, plain, payloads),
     .def = "json",
     .doc = "a JSON object, or a plain payload compared with `on` and `off`"},
    {.name = "on",
     SET_STR(struct cfg_sensor, on),
     .def = "1",
     .doc = "the plain payload meaning true"},
    {.name = "off",
     SET_STR(struct cfg_sensor, off),
     .def = "0",
     .doc = "the plain payload meaning false"},
    {.name = "invert",
     SET_BOOLEAN(struct cfg_sensor, invert),
     .def = "false",
     .doc = "the state is the negation of the payload (a door contact: closed is true)"},
    {.name = "asset",
     SET_STR(struct cfg_sensor, asset),
     .shown = "the sensor id",
     .doc = "asset tag on its alarms and work orders"},
    {.name = "location",
     SET_STR(struct cfg_sensor, location),
     .doc = "where it is, on its alarms and work orders"},
    {.name = "heartbeat",
     SET_DUR(struct cfg_sensor, heartbeat_ms, 1000),
     .shown = "not supervised",
     .doc = "raise `silent_ID` when nothing arrives for this long"},
    {.name = "type",
     SET_ONE_OF(struct cfg_sensor, numeric, types),
     .def = "bool",
     .doc = "a boolean state, or a number (temperature, humidity...) usable in rules"},
    {.name = "unit",
     .type = SET_STRING,
     .off = SET_NOWHERE,
     .apply = apply_sensor_unit,
     .doc = "`type = \"number\"`: the unit in telemetry, e.g. `°C`; at most 16 characters"},
    {.name = "availability_topic",
     .type = SET_STRING,
     .off = SET_NOWHERE,
     .apply = apply_availability_topic,
     .shown = "`TOPIC/availability` with `availability`",
     .doc = "`online`/`offline` (or `{\"state\": ...}`) here raise and clear `comm_ID`"},
    {.name = "availability",
     .type = SET_BOOL,
     .off = SET_NOWHERE,
     .apply = apply_availability,
     .def = "false",
     .doc = "supervise the bridge's availability topic (Zigbee2MQTT: `TOPIC/availability`)"},
    {.name = "battery",
     SET_BOOLEAN(struct cfg_sensor, battery),
     .def = "true",
     .doc = "JSON payloads: `battery_low` or `battery` below `battery_min` raise `battery_ID`"},
    {.name = "battery_min",
     SET_INTEGER(struct cfg_sensor, battery_min, 1, 100),
     .def = "20",
     .doc = "the battery percent below which it is low"},
};
const struct set_table set_sensors = {.name = "sensors",
                                      .doc = "one group per MQTT sensor",
                                      .key = "id",
                                      .selector = -1,
                                      SET_ROWS(sensor_rows)};

/* ---- rules ---- */

static const struct setting rule_rows[] = {
    {.name = "id",
     SET_IDENT(struct cfg_rule, id),
     .flags = SET_REQUIRED,
     .doc = "the alarm's id; not `comm_DEVICE` or `silent_SENSOR` (built-in alarms)"},
    {.name = "when",
     SET_STR(struct cfg_rule, when),
     .flags = SET_REQUIRED,
     .doc = "the expression that raises the alarm"},
    {.name = "clear",
     SET_STR(struct cfg_rule, clear),
     .shown = "`when` is false",
     .doc = "the expression that clears it (hysteresis)"},
    {.name = "on_delay",
     SET_DUR(struct cfg_rule, on_delay_ms, 0),
     .def = "0s",
     .doc = "`when` must hold this long to raise"},
    {.name = "off_delay",
     SET_DUR(struct cfg_rule, off_delay_ms, 0),
     .def = "0s",
     .doc = "`clear` must hold this long to clear"},
    {.name = "latch",
     SET_BOOLEAN(struct cfg_rule, latch),
     .def = "false",
     .doc = "stays active through acknowledgements until reset (`P/cmd/reset`) after it cleared "
            "(fire)"},
    {.name = "realarm",
     SET_DUR(struct cfg_rule, realarm_ms, 60000),
     .shown = "never",
     .doc = "publish the alarm again this often while it stays active and unacknowledged"},
    {.name = "deadband",
     SET_NUM(struct cfg_rule, deadband),
     .def = "0",
     .doc = "without `clear`: clears only when `when` is false by this margin (each comparison's "
            "limit moved by it)"},
    {.name = "priority",
     SET_ONE_OF(struct cfg_rule, priority, priority_names),
     .flags = SET_REQUIRED,
     .doc = "emergency, urgent and normal raise work orders"},
    {.name = "category",
     SET_STR(struct cfg_rule, category),
     .flags = SET_REQUIRED,
     .doc = "the trade of its work order, e.g. `electrical`"},
    {.name = "title",
     SET_STR(struct cfg_rule, title),
     .flags = SET_REQUIRED,
     .doc = "the alarm's and work order's title"},
    {.name = "asset",
     SET_STR(struct cfg_rule, asset),
     .shown = "the first point's",
     .doc = "asset tag on the alarm and work order"},
    {.name = "location",
     SET_STR(struct cfg_rule, location),
     .shown = "the first point's",
     .doc = "where, on the alarm and work order"},
};
const struct set_table set_rules = {.name = "rules",
                                    .doc = "one group per alarm rule",
                                    .key = "id",
                                    .selector = -1,
                                    SET_ROWS(rule_rows)};
