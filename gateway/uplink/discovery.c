/* discovery.c - see discovery.h. */
#include "gateway/uplink/discovery.h"
#include "gateway/alarms/alarms.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/version.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MARK_PREFIX "ha:"

struct entry {
    char *topic, *payload;
};

struct discovery {
    const struct config *cfg;
    struct journal *journal;
    struct entry *v; /* what the configuration announces */
    size_t n, cap;
    char **before; /* topics announced before this start (marks set to 1) */
    size_t n_before, cap_before;
    char **removed; /* announced before, no longer configured: cleared at each connection */
    size_t n_removed;
    int recorded; /* the marks say what is announced now */
};

/* ---- classes from units ---- */

static int one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(s, *list)) return 1;
    return 0;
}

static int name_has(const char *name, const char *what)
{
    char low[128];
    size_t i = 0;
    for (; name && name[i] && i < sizeof(low) - 1; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[i] = '\0';
    return strstr(low, what) != NULL;
}

void discovery_classes(const char *unit, const char *name, const char **unit_out,
                       const char **device_class, const char **state_class)
{
    static const char *const volts[] = {"V", "mV", "kV", NULL};
    static const char *const amps[] = {"A", "mA", NULL};
    static const char *const watts[] = {"W", "kW", "MW", NULL};
    static const char *const energy[] = {"Wh", "kWh", "MWh", NULL};
    static const char *const va[] = {"VA", "kVA", NULL};
    static const char *const var[] = {"var", "kvar", NULL};
    static const char *const celsius[] = {"°C", "C", "degC", NULL};
    static const char *const fahrenheit[] = {"°F", "F", "degF", NULL};
    static const char *const pressure[] = {"Pa", "hPa", "kPa", "bar", "mbar", "psi", NULL};
    *unit_out = unit;
    *device_class = NULL;
    *state_class = "measurement";
    if (!unit || !*unit || !strcmp(unit, "PF")) {
        *unit_out = NULL;
        if ((unit && *unit) || name_has(name, "pf") || name_has(name, "power_factor"))
            *device_class = "power_factor";
    } else if (one_of(unit, volts)) {
        *device_class = "voltage";
    } else if (one_of(unit, amps)) {
        *device_class = "current";
    } else if (one_of(unit, watts)) {
        *device_class = "power";
    } else if (one_of(unit, energy)) {
        *device_class = "energy";
        *state_class = "total_increasing";
    } else if (one_of(unit, va)) {
        *device_class = "apparent_power";
    } else if (one_of(unit, var)) {
        *device_class = "reactive_power";
    } else if (!strcmp(unit, "Hz")) {
        *device_class = "frequency";
    } else if (one_of(unit, celsius)) {
        *device_class = "temperature";
        *unit_out = "°C";
    } else if (one_of(unit, fahrenheit)) {
        *device_class = "temperature";
        *unit_out = "°F";
    } else if (one_of(unit, pressure)) {
        *device_class = "pressure";
    } else if (!strcmp(unit, "lx")) {
        *device_class = "illuminance";
    } else if (!strcmp(unit, "%")) {
        if (name_has(name, "hum"))
            *device_class = "humidity";
        else if (name_has(name, "batt"))
            *device_class = "battery";
        else if (name_has(name, "pf") || name_has(name, "power_factor"))
            *device_class = "power_factor";
    }
}

/* ---- building the configs ---- */

/* A topic level or an identifier for Home Assistant: [a-zA-Z0-9_-], anything else as _. */
static void slug(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src && *src && i + 1 < cap; src++)
        dst[i++] = isalnum((unsigned char)*src) || *src == '-' || *src == '_' ? *src : '_';
    dst[i] = '\0';
}

static int add_entry(struct discovery *d, const char *component, const char *object_id, json_t *cfg)
{
    if (!cfg) return ST_ERR_NOMEM;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 16;
        struct entry *v = realloc(d->v, cap * sizeof(*v));
        if (!v) {
            json_decref(cfg);
            return ST_ERR_NOMEM;
        }
        d->v = v;
        d->cap = cap;
    }
    char obj[160];
    slug(obj, sizeof(obj), object_id);
    struct entry *e = &d->v[d->n];
    e->payload = json_dumps(cfg, JSON_COMPACT);
    json_decref(cfg);
    if (!e->payload || asprintf(&e->topic, "%s/%s/%s/%s/config", d->cfg->homeassistant.prefix,
                                component, d->cfg->homeassistant.node_id, obj) < 0) {
        free(e->payload);
        return ST_ERR_NOMEM;
    }
    d->n++;
    return ST_OK;
}

static json_t *gateway_device(const struct config *cfg)
{
    char name[160];
    snprintf(name, sizeof(name), "Steward %s", cfg->site.name ? cfg->site.name : cfg->site.id);
    return json_pack("{s:[s], s:s, s:s, s:s, s:s}", "identifiers", cfg->homeassistant.node_id,
                     "name", name, "manufacturer", "Steward", "model", "edge gateway", "sw_version",
                     STEWARD_VERSION);
}

/* The Home Assistant device of an asset: the gateway's own when the asset is the site. */
static json_t *asset_device(const struct config *cfg, const char *asset, const char *location)
{
    if (!asset || !strcmp(asset, cfg->site.id)) return gateway_device(cfg);
    char id[256], s[160];
    slug(s, sizeof(s), asset);
    snprintf(id, sizeof(id), "%s_%s", cfg->homeassistant.node_id, s);
    json_t *dev =
        json_pack("{s:[s], s:s, s:s, s:s, s:s}", "identifiers", id, "name", asset, "manufacturer",
                  "Steward", "model", "asset", "via_device", cfg->homeassistant.node_id);
    if (dev && location) json_object_set_new(dev, "suggested_area", json_string(location));
    return dev;
}

/* Available while the gateway is online; a point or sensor also only while its quality is good. */
static json_t *availability(const struct config *cfg, const char *telemetry_topic)
{
    char status[300];
    snprintf(status, sizeof(status), "%s/status", cfg->upstream.topic_prefix);
    json_t *a = json_pack("[{s:s, s:s, s:s, s:s}]", "topic", status, "value_template",
                          "{{ value_json.state }}", "payload_available", "online",
                          "payload_not_available", "offline");
    if (a && telemetry_topic)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:s}", "topic", telemetry_topic, "value_template",
                         "{{ 'online' if value_json.quality == 'good' else 'offline' }}",
                         "payload_available", "online", "payload_not_available", "offline"));
    return a;
}

/* The members every config has; takes ownership of device. */
static json_t *entity(const struct discovery *d, const char *name, const char *object_id,
                      const char *state_topic, const char *value_template, json_t *device,
                      json_t *avail)
{
    char uid[256], obj[160];
    slug(obj, sizeof(obj), object_id);
    snprintf(uid, sizeof(uid), "%s_%s", d->cfg->homeassistant.node_id, obj);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s}}", "name", name, "unique_id", uid,
                          "state_topic", state_topic, "value_template", value_template, "device",
                          device, "origin", "name", "steward", "sw", STEWARD_VERSION);
    if (o && avail) {
        json_object_set_new(o, "availability", avail);
        json_object_set_new(o, "availability_mode", json_string("all"));
    } else {
        json_decref(avail);
    }
    return o;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (o && v) json_object_set_new(o, key, json_string(v));
}

static int add_gateway(struct discovery *d)
{
    char status[300];
    snprintf(status, sizeof(status), "%s/status", d->cfg->upstream.topic_prefix);
    json_t *o = entity(d, "Gateway", "status", status,
                       "{{ 'ON' if value_json.state == 'online' else 'OFF' }}",
                       gateway_device(d->cfg), NULL);
    set_str(o, "device_class", "connectivity");
    set_str(o, "entity_category", "diagnostic");
    set_str(o, "json_attributes_topic", status);
    return add_entry(d, "binary_sensor", "status", o);
}

static int add_point(struct discovery *d, const struct cfg_point *cp)
{
    const struct config *cfg = d->cfg;
    const struct cfg_device *dev = &cfg->devices[cp->device];
    char topic[400], name[160], *dot;
    snprintf(name, sizeof(name), "%s", cp->name);
    if ((dot = strchr(name, '.'))) *dot = '/';
    snprintf(topic, sizeof(topic), "%s/telemetry/%s", cfg->upstream.topic_prefix, name);
    const char *point = cp->def ? cp->def->name : cp->name;
    /* Shown under the asset's device: the point alone, or with its device when several devices
     * may share the asset. */
    if (dev->asset && strcmp(dev->asset, dev->id))
        snprintf(name, sizeof(name), "%s %s", dev->id, point);
    else
        snprintf(name, sizeof(name), "%s", point);
    const char *unit, *dc, *sc;
    discovery_classes(cp->unit, point, &unit, &dc, &sc);
    json_t *o = entity(d, name, cp->name, topic, "{{ value_json.value }}",
                       asset_device(cfg, dev->asset ? dev->asset : dev->id, dev->location),
                       availability(cfg, topic));
    set_str(o, "unit_of_measurement", unit);
    set_str(o, "device_class", dc);
    set_str(o, "state_class", sc);
    set_str(o, "json_attributes_topic", topic);
    return add_entry(d, "sensor", cp->name, o);
}

static int add_sensor(struct discovery *d, const struct cfg_sensor *s)
{
    const struct config *cfg = d->cfg;
    char topic[400];
    snprintf(topic, sizeof(topic), "%s/telemetry/%s", cfg->upstream.topic_prefix, s->id);
    json_t *dev = asset_device(cfg, s->asset ? s->asset : s->id, s->location);
    if (s->numeric) {
        const char *unit, *dc, *sc;
        discovery_classes(s->unit, s->field ? s->field : s->id, &unit, &dc, &sc);
        json_t *o =
            entity(d, s->id, s->id, topic, "{{ value_json.value }}", dev, availability(cfg, topic));
        set_str(o, "unit_of_measurement", unit);
        set_str(o, "device_class", dc);
        set_str(o, "state_class", sc);
        set_str(o, "json_attributes_topic", topic);
        return add_entry(d, "sensor", s->id, o);
    }
    static const char *const classes[] = {"smoke", "moisture", "door", NULL}; /* by kind */
    json_t *o = entity(d, s->id, s->id, topic, "{{ 'ON' if value_json.value else 'OFF' }}", dev,
                       availability(cfg, topic));
    set_str(o, "device_class", (unsigned)s->kind < 3 ? classes[s->kind] : NULL);
    set_str(o, "json_attributes_topic", topic);
    return add_entry(d, "binary_sensor", s->id, o);
}

/* A built-in alarm without an asset belongs to its device's or sensor's (the id after the
 * prefix: comm_DEVICE, comm_SENSOR, silent_SENSOR, battery_SENSOR). */
static void alarm_place(const struct config *cfg, const struct alarm *al, const char **asset,
                        const char **location)
{
    *asset = al->asset;
    *location = al->location;
    if (*asset || al->kind == ALARM_KIND_RULE) return;
    const char *of = strchr(al->id, '_');
    if (!of) return;
    of++;
    int k = config_device_find(cfg, of);
    if (k >= 0) {
        *asset = cfg->devices[k].asset ? cfg->devices[k].asset : cfg->devices[k].id;
        return;
    }
    for (size_t i = 0; i < cfg->n_sensors; i++)
        if (cfg->sensors_in[i].id && !strcmp(cfg->sensors_in[i].id, of))
            *asset = cfg->sensors_in[i].id;
}

static int add_alarm(struct discovery *d, const struct alarm *al)
{
    const struct config *cfg = d->cfg;
    char topic[400], obj[200];
    snprintf(topic, sizeof(topic), "%s/alarms/%s", cfg->upstream.topic_prefix, al->id);
    snprintf(obj, sizeof(obj), "alarm_%s", al->id);
    const char *asset, *location;
    alarm_place(cfg, al, &asset, &location);
    json_t *o = entity(d, al->title ? al->title : al->id, obj, topic,
                       "{{ 'OFF' if value_json.state == 'normal' else 'ON' }}",
                       asset_device(cfg, asset, location), availability(cfg, NULL));
    set_str(o, "device_class", "problem");
    set_str(o, "json_attributes_topic", topic);
    return add_entry(d, "binary_sensor", obj, o);
}

static int build(struct discovery *d, const struct alarms *alarms)
{
    const struct config *cfg = d->cfg;
    int rc = add_gateway(d);
    for (size_t i = 0; i < cfg->n_points && rc == ST_OK; i++)
        if (cfg->points[i].device >= 0) rc = add_point(d, &cfg->points[i]);
    for (size_t i = 0; i < cfg->n_sensors && rc == ST_OK; i++)
        rc = add_sensor(d, &cfg->sensors_in[i]);
    for (size_t i = 0; alarms && i < alarms->n && rc == ST_OK; i++)
        rc = add_alarm(d, &alarms->v[i]);
    return rc;
}

/* ---- what was announced ---- */

static int read_mark(void *ctx, const char *name, int64_t value)
{
    struct discovery *d = ctx;
    if (value != 1) return 0;
    if (d->n_before == d->cap_before) {
        size_t cap = d->cap_before ? 2 * d->cap_before : 16;
        char **v = realloc(d->before, cap * sizeof(*v));
        if (!v) return ST_ERR_NOMEM;
        d->before = v;
        d->cap_before = cap;
    }
    if (!(d->before[d->n_before] = strdup(name + strlen(MARK_PREFIX)))) return ST_ERR_NOMEM;
    d->n_before++;
    return 0;
}

static int configured(const struct discovery *d, const char *topic)
{
    for (size_t i = 0; i < d->n; i++)
        if (!strcmp(d->v[i].topic, topic)) return 1;
    return 0;
}

int discovery_new(const struct config *cfg, const struct alarms *alarms, struct store *s,
                  struct journal *j, struct discovery **out)
{
    *out = NULL;
    struct discovery *d = calloc(1, sizeof(*d));
    if (!d) return ST_ERR_NOMEM;
    d->cfg = cfg;
    d->journal = j;
    int rc = cfg->homeassistant.discovery ? build(d, alarms) : ST_OK;
    if (rc == ST_OK && s) rc = store_mark_each(s, MARK_PREFIX, read_mark, d);
    if (rc == ST_OK && d->n_before) {
        d->removed = calloc(d->n_before, sizeof(*d->removed));
        if (!d->removed) rc = ST_ERR_NOMEM;
    }
    for (size_t i = 0; rc == ST_OK && i < d->n_before; i++)
        if (!configured(d, d->before[i])) d->removed[d->n_removed++] = d->before[i];
    if (rc) {
        discovery_free(d);
        return rc;
    }
    *out = d;
    return ST_OK;
}

void discovery_free(struct discovery *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].topic);
        free(d->v[i].payload);
    }
    free(d->v);
    for (size_t i = 0; i < d->n_before; i++)
        free(d->before[i]);
    free(d->before);
    free(d->removed); /* its strings are before's */
    free(d);
}

static int was_announced(const struct discovery *d, const char *topic)
{
    for (size_t i = 0; i < d->n_before; i++)
        if (!strcmp(d->before[i], topic)) return 1;
    return 0;
}

static int mark(struct discovery *d, const char *topic, int64_t value)
{
    char *name;
    if (asprintf(&name, "%s%s", MARK_PREFIX, topic) < 0) return ST_ERR_NOMEM;
    int rc = d->journal ? journal_mark(d->journal, name, value) : ST_OK;
    free(name);
    return rc;
}

int discovery_announce(struct discovery *d, discovery_publish_fn fn, void *ctx)
{
    int rc = ST_OK;
    for (size_t i = 0; i < d->n && rc == ST_OK; i++)
        rc = fn(ctx, d->v[i].topic, d->v[i].payload, strlen(d->v[i].payload));
    /* Cleared again at every connection of this run: an empty retained message is harmless, and
     * one lost with a connection is sent again. */
    for (size_t i = 0; i < d->n_removed && rc == ST_OK; i++)
        rc = fn(ctx, d->removed[i], "", 0);
    if (rc || d->recorded) return rc;
    for (size_t i = 0; i < d->n && rc == ST_OK; i++)
        if (!was_announced(d, d->v[i].topic)) rc = mark(d, d->v[i].topic, 1);
    for (size_t i = 0; i < d->n_removed && rc == ST_OK; i++)
        rc = mark(d, d->removed[i], 0);
    if (rc == ST_OK) {
        d->recorded = 1;
        if (d->n || d->n_removed)
            log_msg(LOG_INFO, "discovery: %zu Home Assistant entities announced, %zu removed", d->n,
                    d->n_removed);
    }
    return rc;
}

size_t discovery_count(const struct discovery *d)
{
    return d->n;
}

const char *discovery_topic(const struct discovery *d, size_t i)
{
    return i < d->n ? d->v[i].topic : NULL;
}

const char *discovery_payload(const struct discovery *d, size_t i)
{
    return i < d->n ? d->v[i].payload : NULL;
}

size_t discovery_removed(const struct discovery *d)
{
    return d->n_removed;
}
