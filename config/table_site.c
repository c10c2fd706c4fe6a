/* table_site.c - the settings tables of the site-wide groups: the top level, site, mqtt (both
 * brokers and their tls), storage, sla and maintenance. Read by load_site.c. */
#include "config/config.h"
#include "config/duration.h"
#include "config/settings.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables of this file only (the loader finds them through their rows). */
extern const struct set_table set_sla_after_hours, set_sla_follow_up, set_review;

/* ---- apply functions: stores that are more than a copy ---- */

/* The upstream topic prefix starts every topic Steward publishes and subscribes to. */
static const char *apply_topic_prefix(void *target, const struct setting *row,
                                      const struct set_value *v)
{
    (void)row;
    const char *tp = v->s;
    if (!*tp || strpbrk(tp, "+#") || tp[strlen(tp) - 1] == '/')
        return "must be a plain topic without + # or a trailing /";
    ((struct cfg_broker *)target)->topic_prefix = strdup(tp);
    return NULL;
}

/* The escalation ladder is an array of names; the default is the row's text, comma-separated. */
static const char *apply_ladder(void *target, const struct setting *row, const struct set_value *v)
{
    (void)row;
    struct cfg_sla *sla = target;
    char *copy = v->list ? NULL : strdup(v->s), *save = NULL;
    size_t n = v->list ? (size_t)config_setting_length(v->list) : 1;
    for (const char *p = copy; p && *p; p++)
        n += *p == ',';
    if (v->list && n == 0) return "needs at least one rung";
    sla->escalation = calloc(n ? n : 1, sizeof(char *));
    const char *name = copy ? strtok_r(copy, ", ", &save) : NULL;
    for (size_t i = 0; sla->escalation && i < n; i++) {
        if (v->list) name = config_setting_get_string_elem(v->list, (int)i);
        if (!name) {
            free(copy);
            return "entries must be strings";
        }
        sla->escalation[sla->n_escalation++] = strdup(name);
        if (copy) name = strtok_r(NULL, ", ", &save);
    }
    free(copy);
    return NULL;
}

/* "HH:MM" (local time of day) into the int minutes at row->off. */
static const char *apply_hhmm(void *target, const struct setting *row, const struct set_value *v)
{
    unsigned h, m;
    char end;
    if (!v->s || sscanf(v->s, "%2u:%2u%c", &h, &m, &end) != 2 || h > 23 || m > 59 ||
        strlen(v->s) != 5)
        return "must be a local time of day \"HH:MM\", e.g. \"22:30\"";
    *(int *)(void *)((char *)target + row->off) = (int)(h * 60 + m);
    return NULL;
}

/* Follow-up times per category: a list of "CATEGORY=DURATION" (the default is the row's text,
 * comma-separated). */
static const char *apply_follow_up_categories(void *target, const struct setting *row,
                                              const struct set_value *v)
{
    (void)row;
    struct cfg_sla_follow_up *f = target;
    char *copy = v->list ? NULL : strdup(v->s), *save = NULL;
    int n = v->list ? config_setting_length(v->list) : 0;
    const char *item = copy ? strtok_r(copy, ", ", &save) : NULL;
    const char *why = NULL;
    for (int i = 0; !why && (v->list ? i < n : item != NULL); i++) {
        if (v->list) item = config_setting_get_string_elem(v->list, i);
        const char *eq = item ? strchr(item, '=') : NULL;
        int64_t ms;
        if (!eq || eq == item || (size_t)(eq - item) >= sizeof(f->cat[0].category) ||
            duration_parse(eq + 1, &ms) != 0 || ms <= 0)
            why = "entries must be \"CATEGORY=DURATION\", e.g. \"home_repair=30d\"";
        else if (f->n_cat == SLA_FOLLOW_UP_CATEGORIES)
            why = "has more than 16 entries";
        else {
            snprintf(f->cat[f->n_cat].category, sizeof(f->cat[0].category), "%.*s",
                     (int)(eq - item), item);
            f->cat[f->n_cat++].ms = ms;
        }
        if (copy) item = strtok_r(NULL, ", ", &save);
    }
    free(copy);
    return why;
}

/* A task keeps the name of its period (the scheduler parses every + at together). */
static const char *apply_every(void *target, const struct setting *row, const struct set_value *v)
{
    ((struct cfg_maintenance *)target)->every = strdup(row->names[v->i]);
    return NULL;
}

/* ---- the top level ---- */

static const struct setting root_rows[] = {
    {.name = "site",
     .type = SET_GROUP,
     .flags = SET_REQUIRED,
     .off = SET_NOWHERE,
     .sub = &set_site,
     .doc = "the site this gateway serves"},
    {.name = "mqtt",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_mqtt,
     .doc = "the MQTT brokers"},
    {.name = "storage",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_storage,
     .doc = "the local database"},
    {.name = "modbus",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_modbus,
     .doc = "Modbus buses, register maps and devices"},
    {.name = "sensors",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .sub = &set_sensors,
     .doc = "MQTT sensors, each a boolean point named by its id"},
    {.name = "rules",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .sub = &set_rules,
     .doc = "alarm rules over points"},
    {.name = "sla",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_sla,
     .doc = "work-order deadlines per priority and the escalation ladder"},
    {.name = "review",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_review,
     .doc = "the daily review's morning report"},
    {.name = "maintenance",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .sub = &set_maintenance,
     .doc = "planned work orders"},
    {.name = "operators",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .sub = &set_operators,
     .doc = "who may command the gateway, with their roles and keys"},
    {.name = "commands",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_commands,
     .doc = "signed commands and the shelving limit"},
    {.name = "metrics",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_metrics,
     .doc = "the gateway's metrics"},
    {.name = "chatter",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_chatter,
     .doc = "when an alarm is chattering"},
    {.name = "homeassistant",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_homeassistant,
     .doc = "Home Assistant MQTT discovery"},
};
const struct set_table set_root = {.name = "top level",
                                   .doc = "the groups of a configuration file",
                                   .selector = -1,
                                   SET_ROWS(root_rows)};

/* ---- site ---- */

static const struct setting site_rows[] = {
    {.name = "id",
     SET_IDENT(struct config, site.id),
     .flags = SET_REQUIRED,
     .doc = "the site's id: in topics, client ids and work-order keys"},
    {.name = "name", SET_STR(struct config, site.name), .doc = "the site's name for people"},
    {.name = "timezone",
     SET_STR(struct config, site.timezone),
     .shown = "the machine's",
     .doc = "e.g. `\"Asia/Shanghai\"`: for `hour()`, `weekday()`, the daily review and the "
            "maintenance calendar"},
};
const struct set_table set_site = {
    .name = "site", .doc = "the site (required)", .selector = -1, SET_ROWS(site_rows)};

/* ---- mqtt ---- */

static const struct setting mqtt_rows[] = {
    {.name = "upstream",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_broker,
     .doc = "the broker the control room, the CMMS and dashboards use"},
    {.name = "sensors",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_broker,
     .shown = "the upstream broker",
     .doc = "a separate site broker for the sensors"},
};
const struct set_table set_mqtt = {
    .name = "mqtt", .doc = "the MQTT brokers", .selector = -1, SET_ROWS(mqtt_rows)};

/* Variant 0 is the upstream broker, 1 the sensors broker (the loader says which). */
static const char *const broker_variants[] = {"upstream", "sensors", NULL};
static const char *const broker_scopes[] = {"the upstream broker", "the sensors broker", NULL};

static const struct setting broker_rows[] = {
    {.name = "host",
     SET_STR(struct cfg_broker, host),
     .def = "127.0.0.1",
     .doc = "the broker's host name or address"},
    {.name = "port",
     SET_INTEGER(struct cfg_broker, port, 1, 65535),
     .def = "1883",
     .shown = "1883 (8883 with `tls`)",
     .doc = "the broker's TCP port"},
    {.name = "client_id",
     SET_STR(struct cfg_broker, client_id),
     .shown = "`steward-SITE` (sensors: upstream's + `-sensors`)",
     .doc = "the MQTT client id; unique per broker"},
    {.name = "topic_prefix",
     .type = SET_STRING,
     .off = SET_NOWHERE,
     .only = 1u << 0,
     .apply = apply_topic_prefix,
     .shown = "`steward/SITE`",
     .doc = "starts every topic of the gateway; no `+`, `#` or trailing `/`"},
    {.name = "keepalive",
     SET_DUR(struct cfg_broker, keepalive_ms, 5000),
     .def = "30s",
     .doc = "MQTT keepalive"},
    {.name = "username", SET_STR(struct cfg_broker, username), .doc = "MQTT user name"},
    {.name = "password_file",
     SET_STR(struct cfg_broker, password_file),
     .doc = "a file holding the password, readable only by steward"},
    {.name = "password",
     .type = SET_STRING,
     .off = SET_NOWHERE,
     .doc = "refused: a password is never written in the configuration; use `password_file`"},
    {.name = "tls",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_tls,
     .shown = "no TLS",
     .doc = "connect with TLS, verifying the broker"},
};
const struct set_table set_broker = {.name = "mqtt.upstream, mqtt.sensors",
                                     .doc = "one broker",
                                     .selector = -1,
                                     .variants = broker_variants,
                                     .scopes = broker_scopes,
                                     SET_ROWS(broker_rows)};

static const struct setting tls_rows[] = {
    {.name = "ca_file",
     SET_STR(struct cfg_tls, ca_file),
     .flags = SET_REQUIRED,
     .doc = "CA certificates (PEM) that verify the broker"},
    {.name = "cert_file",
     SET_STR(struct cfg_tls, cert_file),
     .doc = "client certificate (PEM); goes with `key_file`"},
    {.name = "key_file",
     SET_STR(struct cfg_tls, key_file),
     .doc = "client private key (PEM); goes with `cert_file`"},
};
const struct set_table set_tls = {.name = "mqtt.upstream.tls, mqtt.sensors.tls",
                                  .doc = "TLS to one broker",
                                  .selector = -1,
                                  SET_ROWS(tls_rows)};

/* ---- storage ---- */

static const struct setting storage_rows[] = {
    {.name = "path",
     SET_STR(struct config, storage.path),
     .def = "steward.db",
     .doc = "the SQLite database; a relative path is in the state directory under systemd, "
            "else beside the configuration file"},
    {.name = "max_size",
     SET_SZ(struct config, storage.max_size, 1),
     .def = "256MB",
     .doc = "checked every minute; above it the oldest events, then the longest-closed work "
            "orders, are removed down to 90 %"},
};
const struct set_table set_storage = {
    .name = "storage", .doc = "the local database", .selector = -1, SET_ROWS(storage_rows)};

/* ---- sla ---- */

static const struct setting sla_rows[] = {
    {.name = "emergency",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_sla_prio[0],
     .doc = "deadlines of emergency work orders"},
    {.name = "urgent",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_sla_prio[1],
     .doc = "deadlines of urgent work orders"},
    {.name = "normal",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_sla_prio[2],
     .doc = "deadlines of normal work orders"},
    {.name = "escalation",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .apply = apply_ladder,
     .def = "technician, supervisor, manager, general_manager",
     .doc = "the escalation ladder, lowest rung first"},
    {.name = "after_hours",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_sla_after_hours,
     .doc = "the night window, when an emergency needs someone on site sooner"},
    {.name = "follow_up",
     .type = SET_GROUP,
     .off = SET_NOWHERE,
     .sub = &set_sla_follow_up,
     .doc = "follow-up visits after a repair is resolved"},
};
const struct set_table set_sla = {
    .name = "sla", .doc = "service levels of work orders", .selector = -1, SET_ROWS(sla_rows)};

/* One table per priority, since each has its own defaults (DOMAIN.md). */
#define SLA_NOTIFY(d)                                                                              \
    {                                                                                              \
        .name = "notify", SET_DUR(struct cfg_sla_prio, notify_ms, 1000), .def = (d),               \
        .doc = "first notification after the order is raised"                                      \
    }
#define SLA_RESPOND(d)                                                                             \
    {                                                                                              \
        .name = "respond", SET_DUR(struct cfg_sla_prio, respond_ms, 1000), .def = (d),             \
        .doc = "deadline for someone to take the order"                                            \
    }
#define SLA_RESOLVE(d)                                                                             \
    {                                                                                              \
        .name = "resolve", SET_DUR(struct cfg_sla_prio, resolve_ms, 1000), .def = (d),             \
        .doc = "deadline for the order to be done"                                                 \
    }

static const struct setting sla_emergency_rows[] = {SLA_NOTIFY("1m"), SLA_RESPOND("15m"),
                                                    SLA_RESOLVE("24h")};
static const struct setting sla_urgent_rows[] = {SLA_NOTIFY("5m"), SLA_RESPOND("30m"),
                                                 SLA_RESOLVE("24h")};
static const struct setting sla_normal_rows[] = {SLA_NOTIFY("15m"), SLA_RESPOND("24h"),
                                                 SLA_RESOLVE("48h")};
const struct set_table set_sla_prio[3] = {
    {.name = "sla.emergency",
     .doc = "emergency orders",
     .selector = -1,
     SET_ROWS(sla_emergency_rows)},
    {.name = "sla.urgent", .doc = "urgent orders", .selector = -1, SET_ROWS(sla_urgent_rows)},
    {.name = "sla.normal", .doc = "normal orders", .selector = -1, SET_ROWS(sla_normal_rows)},
};

static const struct setting sla_after_hours_rows[] = {
    {.name = "from",
     .type = SET_STRING,
     .off = offsetof(struct cfg_sla_after_hours, from_min),
     .apply = apply_hhmm,
     .def = "22:30",
     .doc = "start of the window, local time `HH:MM` (from = to: no window)"},
    {.name = "to",
     .type = SET_STRING,
     .off = offsetof(struct cfg_sla_after_hours, to_min),
     .apply = apply_hhmm,
     .def = "07:00",
     .doc = "end of the window (excluded), local time; before `from`: it crosses midnight"},
    {.name = "respond",
     SET_DUR(struct cfg_sla_after_hours, respond_ms, 1000),
     .def = "10m",
     .doc = "an emergency raised inside the window: on site within this"},
};
const struct set_table set_sla_after_hours = {.name = "sla.after_hours",
                                              .doc = "after hours (site time zone)",
                                              .selector = -1,
                                              SET_ROWS(sla_after_hours_rows)};

static const struct setting sla_follow_up_rows[] = {
    {.name = "after",
     SET_DUR(struct cfg_sla_follow_up, after_ms, 60000),
     .def = "3d",
     .doc = "a resolved repair is followed up within this (`follow_up_by`)"},
    {.name = "categories",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .apply = apply_follow_up_categories,
     .def = "home_repair=30d",
     .doc = "per category, `\"CATEGORY=DURATION\"` entries that replace `after`"},
};
const struct set_table set_sla_follow_up = {.name = "sla.follow_up",
                                            .doc = "follow-up visits",
                                            .selector = -1,
                                            SET_ROWS(sla_follow_up_rows)};

/* ---- review ---- */

static const struct setting review_rows[] = {
    {.name = "report_at",
     .type = SET_STRING,
     .off = offsetof(struct cfg_sla, report_at_min),
     .apply = apply_hhmm,
     .def = "09:00",
     .doc = "the morning report `P/reports/daily` (retained), local time `HH:MM`"},
};
const struct set_table set_review = {
    .name = "review", .doc = "the daily review", .selector = -1, SET_ROWS(review_rows)};

/* ---- maintenance ---- */

static const char *const everys[] = {"hourly",      "daily",  "weekly",   "monthly", "quarterly",
                                     "half-yearly", "yearly", "2-yearly", NULL};

static const struct setting maintenance_rows[] = {
    {.name = "id",
     SET_IDENT(struct cfg_maintenance, id),
     .flags = SET_REQUIRED,
     .doc = "the task's id; also its work orders' key"},
    {.name = "asset",
     SET_STR(struct cfg_maintenance, asset),
     .flags = SET_REQUIRED,
     .doc = "the asset maintained"},
    {.name = "every",
     .type = SET_ENUM,
     .names = everys,
     .off = SET_NOWHERE,
     .apply = apply_every,
     .flags = SET_REQUIRED,
     .doc = "the period"},
    {.name = "at",
     SET_STR(struct cfg_maintenance, at),
     .shown = "`:00`, `09:00`, `Mon 09:00`, `1 09:00` or `01-01 09:00` by `every`",
     .doc = "when in the period (see *Planned maintenance*)"},
    {.name = "category",
     SET_STR(struct cfg_maintenance, category),
     .flags = SET_REQUIRED,
     .doc = "the work order's category"},
    {.name = "title",
     SET_STR(struct cfg_maintenance, title),
     .flags = SET_REQUIRED,
     .doc = "the work order's title"},
    {.name = "location",
     SET_STR(struct cfg_maintenance, location),
     .doc = "where the work is done"},
};
const struct set_table set_maintenance = {.name = "maintenance",
                                          .doc = "one group per planned task",
                                          .key = "id",
                                          .selector = -1,
                                          SET_ROWS(maintenance_rows)};
