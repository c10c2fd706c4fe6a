/*
 * config.c - loads a site configuration (see config.h): syntax by libconfig, meaning by the
 * typed getters of reader.c, then the cross-references (buses, profiles, the point catalog, rule
 * expressions). Every error is collected with its line before failing.
 */
#include "config/config.h"
#include "config/reader.h"
#include "gateway/error.h"
#include "rules/expr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void diag_sort(struct config_diag *d, size_t from);

/* ---- small shared tables ---- */

static const char *const prio_names[] = {"emergency", "urgent", "normal", "info", NULL};

const char *priority_name(enum priority p)
{
    return (unsigned)p < PRIO_COUNT ? prio_names[p] : "normal";
}

int priority_parse(const char *name, enum priority *out)
{
    for (int i = 0; name && i < PRIO_COUNT; i++) {
        if (strcmp(name, prio_names[i]) == 0) {
            *out = (enum priority)i;
            return ST_OK;
        }
    }
    return ST_ERR_INVAL;
}

int reg_type_width(enum reg_type t)
{
    return t == REG_U16 || t == REG_I16 ? 1 : 2;
}

/* ---- helpers ---- */

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)

/* The list (or array) at g.key, or NULL when absent; reports a wrong type. */
static const config_setting_t *list_of(struct reader *r, const config_setting_t *g,
                                       const char *key, const char *what)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s) return NULL;
    if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
        rd_error(r, s, "%s: '%s' must be a list: ( { ... }, { ... } )", what, key);
        return NULL;
    }
    return s;
}

/* The group at g.key, or NULL when absent; reports a wrong type. */
static const config_setting_t *group_of(struct reader *r, const config_setting_t *g,
                                        const char *key, const char *what)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s) return NULL;
    if (!config_setting_is_group(s)) {
        rd_error(r, s, "%s: '%s' must be a group: { ... }", what, key);
        return NULL;
    }
    return s;
}

/* Element i of a list, which must be a group. */
static const config_setting_t *item(struct reader *r, const config_setting_t *list, int i,
                                    const char *what)
{
    const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
    if (!config_setting_is_group(e)) {
        rd_error(r, e, "each element of %s must be a group: { ... }", what);
        return NULL;
    }
    return e;
}

static void *alloc_items(const config_setting_t *list, size_t size, size_t *n)
{
    *n = list ? (size_t)config_setting_length(list) : 0;
    return calloc(*n ? *n : 1, size);
}

/* ---- site, mqtt, storage ---- */

static void load_site(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"id", "name", "timezone", NULL};
    const config_setting_t *g = group_of(r, root, "site", "the configuration");
    if (!g) {
        if (!config_setting_get_member(root, "site"))
            rd_error(r, NULL, "missing required group 'site' (site = { id = \"...\"; };)");
        c->site.id = strdup("site");
        return;
    }
    rd_check_keys(r, g, keys, "site");
    if (rd_id(r, g, "id", "site", &c->site.id)) {
        free(c->site.id);
        c->site.id = strdup("site");
    }
    rd_str(r, g, "name", 0, NULL, "site", &c->site.name);
    rd_str(r, g, "timezone", 0, NULL, "site", &c->site.timezone);
}

static void load_broker(struct reader *r, const config_setting_t *g, struct cfg_broker *b,
                        const char *what, const char *default_id)
{
    static const char *const keys[] = {"host", "port", "client_id", "topic_prefix", "keepalive",
                                       "username", "password_file", "password", "tls", NULL};
    static const char *const tls_keys[] = {"ca_file", "cert_file", "key_file", NULL};
    rd_check_keys(r, g, keys, what);
    b->line = g ? config_setting_source_line(g) : 0;
    const config_setting_t *tls = group_of(r, g, "tls", what);
    if (tls) {
        b->use_tls = 1;
        rd_check_keys(r, tls, tls_keys, "tls");
        rd_str(r, tls, "ca_file", 0, NULL, "tls", &b->tls.ca_file);
        rd_str(r, tls, "cert_file", 0, NULL, "tls", &b->tls.cert_file);
        rd_str(r, tls, "key_file", 0, NULL, "tls", &b->tls.key_file);
        if (!b->tls.ca_file) rd_error(r, tls, "tls: 'ca_file' is required to verify the broker");
        if (!b->tls.cert_file != !b->tls.key_file)
            rd_error(r, tls, "tls: 'cert_file' and 'key_file' go together");
    }
    rd_str(r, g, "host", 0, "127.0.0.1", what, &b->host);
    rd_int(r, g, "port", 1, 65535, b->use_tls ? 8883 : 1883, what, &b->port);
    rd_str(r, g, "client_id", 0, default_id, what, &b->client_id);
    rd_duration(r, g, "keepalive", 30000, 5000, what, &b->keepalive_ms);
    rd_str(r, g, "username", 0, NULL, what, &b->username);
    rd_str(r, g, "password_file", 0, NULL, what, &b->password_file);
    const config_setting_t *pw = g ? config_setting_get_member(g, "password") : NULL;
    if (pw)
        rd_error(r, pw, "%s: do not write the password in the configuration; put it in a file "
                 "readable only by steward and name it with password_file", what);
}

static void copy_broker(const struct cfg_broker *from, struct cfg_broker *to)
{
    to->host = from->host ? strdup(from->host) : NULL;
    to->port = from->port;
    to->keepalive_ms = from->keepalive_ms;
    to->username = from->username ? strdup(from->username) : NULL;
    to->password_file = from->password_file ? strdup(from->password_file) : NULL;
    to->use_tls = from->use_tls;
    to->tls.ca_file = from->tls.ca_file ? strdup(from->tls.ca_file) : NULL;
    to->tls.cert_file = from->tls.cert_file ? strdup(from->tls.cert_file) : NULL;
    to->tls.key_file = from->tls.key_file ? strdup(from->tls.key_file) : NULL;
    to->line = from->line;
}

static void load_mqtt(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"upstream", "sensors", NULL};
    const config_setting_t *g = group_of(r, root, "mqtt", "the configuration");
    rd_check_keys(r, g, keys, "mqtt");
    const config_setting_t *up = group_of(r, g, "upstream", "mqtt");
    char *def_id = NULL, *def_prefix = NULL, *def_sensors = NULL;
    if (asprintf(&def_id, "steward-%s", c->site.id) < 0) def_id = NULL;
    if (asprintf(&def_prefix, "steward/%s", c->site.id) < 0) def_prefix = NULL;
    load_broker(r, up, &c->upstream, "mqtt.upstream", def_id);
    rd_str(r, up, "topic_prefix", 0, def_prefix, "mqtt.upstream", &c->upstream.topic_prefix);
    const char *tp = c->upstream.topic_prefix;
    if (tp && (!*tp || strpbrk(tp, "+#") || tp[strlen(tp) - 1] == '/'))
        rd_error(r, up ? config_setting_get_member(up, "topic_prefix") : NULL,
                 "mqtt.upstream: 'topic_prefix' must be a plain topic without + # or a trailing /");
    if (asprintf(&def_sensors, "%s-sensors", c->upstream.client_id ? c->upstream.client_id : "steward") < 0)
        def_sensors = NULL;
    const config_setting_t *sn = group_of(r, g, "sensors", "mqtt");
    if (sn) {
        c->has_sensor_broker = 1;
        load_broker(r, sn, &c->sensors, "mqtt.sensors", def_sensors);
        const config_setting_t *tpx = config_setting_get_member(sn, "topic_prefix");
        if (tpx) rd_error(r, tpx, "mqtt.sensors: 'topic_prefix' applies to the upstream broker only");
    } else {
        copy_broker(&c->upstream, &c->sensors);
        c->sensors.client_id = def_sensors ? strdup(def_sensors) : NULL;
    }
    free(def_id);
    free(def_prefix);
    free(def_sensors);
}

static void load_storage(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"path", "max_size", NULL};
    const config_setting_t *g = group_of(r, root, "storage", "the configuration");
    rd_check_keys(r, g, keys, "storage");
    rd_str(r, g, "path", 0, "steward.db", "storage", &c->storage.path);
    rd_size(r, g, "max_size", 256LL * 1024 * 1024, "storage", &c->storage.max_size);
}

/* ---- modbus ---- */

static void load_buses(struct reader *r, const config_setting_t *mb, struct config *c)
{
    static const char *const keys[] = {"id", "type", "host", "port", "device", "baud", "parity",
                                       "data_bits", "stop_bits", "timeout", NULL};
    static const char *const types[] = {"tcp", "rtu", NULL};
    static const char *const parities[] = {"N", "E", "O", NULL};
    const config_setting_t *l = list_of(r, mb, "buses", "modbus");
    c->buses = alloc_items(l, sizeof(*c->buses), &c->n_buses);
    for (size_t i = 0; i < c->n_buses; i++) {
        struct bus_config *b = &c->buses[i];
        const config_setting_t *g = item(r, l, (int)i, "modbus.buses");
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

static int order_valid(const char *o)
{
    return !strcmp(o, "ABCD") || !strcmp(o, "CDAB") || !strcmp(o, "BADC") || !strcmp(o, "DCBA");
}

static void load_profile_points(struct reader *r, const config_setting_t *pg, struct cfg_profile *p)
{
    static const char *const keys[] = {"name", "table", "address", "type", "order",
                                       "scale", "offset", "unit", NULL};
    static const char *const tables[] = {"holding", "input", NULL};
    static const char *const types[] = {"u16", "i16", "u32", "i32", "f32", NULL};
    char what[128];
    snprintf(what, sizeof(what), "profile '%s'", p->id);
    const config_setting_t *l = list_of(r, pg, "points", what);
    if (!l) rd_error(r, pg, "%s: missing required setting 'points'", what);
    p->points = alloc_items(l, sizeof(*p->points), &p->n_points);
    for (size_t i = 0; i < p->n_points; i++) {
        struct cfg_point_def *d = &p->points[i];
        const config_setting_t *g = item(r, l, (int)i, what);
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
                rd_error(r, g, "%s: duplicate point name (first on line %d)", pw, p->points[k].line);
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
        if (order && !order_valid(order))
            rd_error(r, config_setting_get_member(g, "order"),
                     "%s: 'order' = \"%s\" is not one of ABCD, CDAB, BADC, DCBA", pw, order);
        else if (order)
            snprintf(d->order, sizeof(d->order), "%s", order);
        free(order);
        rd_double(r, g, "scale", 1, pw, &d->scale);
        if (d->scale == 0) rd_error(r, config_setting_get_member(g, "scale"), "%s: 'scale' cannot be 0", pw);
        rd_double(r, g, "offset", 0, pw, &d->offset);
        rd_str(r, g, "unit", 0, NULL, pw, &d->unit);
    }
}

static void load_profiles(struct reader *r, const config_setting_t *mb, struct config *c)
{
    static const char *const keys[] = {"id", "points", NULL};
    const config_setting_t *l = list_of(r, mb, "profiles", "modbus");
    c->profiles = alloc_items(l, sizeof(*c->profiles), &c->n_profiles);
    for (size_t i = 0; i < c->n_profiles; i++) {
        struct cfg_profile *p = &c->profiles[i];
        const config_setting_t *g = item(r, l, (int)i, "modbus.profiles");
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
    static const char *const keys[] = {"id", "bus", "unit", "profile", "interval",
                                       "asset", "location", NULL};
    const config_setting_t *l = list_of(r, mb, "devices", "modbus");
    c->devices = alloc_items(l, sizeof(*c->devices), &c->n_devices);
    for (size_t i = 0; i < c->n_devices; i++) {
        struct cfg_device *d = &c->devices[i];
        d->bus = d->profile = -1;
        const config_setting_t *g = item(r, l, (int)i, "modbus.devices");
        if (!g) continue;
        d->line = config_setting_source_line(g);
        if (rd_id(r, g, "id", "device", &d->id)) continue;
        char what[96];
        snprintf(what, sizeof(what), "device '%s'", d->id);
        rd_check_keys(r, g, keys, what);
        char *bus = NULL, *prof = NULL;
        if (rd_str(r, g, "bus", 1, NULL, what, &bus) == 0 && bus &&
            (d->bus = find_bus(c, bus)) < 0)
            rd_error(r, config_setting_get_member(g, "bus"), "%s: unknown bus '%s'", what, bus);
        if (rd_str(r, g, "profile", 1, NULL, what, &prof) == 0 && prof &&
            (d->profile = find_profile(c, prof)) < 0)
            rd_error(r, config_setting_get_member(g, "profile"), "%s: unknown profile '%s'", what,
                     prof);
        free(bus);
        free(prof);
        if (!config_setting_get_member(g, "unit")) rd_error(r, g, "%s: missing required setting 'unit'", what);
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

static void load_modbus(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"buses", "profiles", "devices", NULL};
    const config_setting_t *g = group_of(r, root, "modbus", "the configuration");
    rd_check_keys(r, g, keys, "modbus");
    load_buses(r, g, c);
    load_profiles(r, g, c);
    load_devices(r, g, c);
}

/* ---- sensors ---- */

static void load_sensors(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"id", "kind", "topic", "field", "payload", "on", "off",
                                       "invert", "asset", "location", "heartbeat", NULL};
    static const char *const kinds[] = {"fire", "leak", "door", "other", NULL};
    static const char *const payloads[] = {"json", "plain", NULL};
    const config_setting_t *l = list_of(r, root, "sensors", "the configuration");
    c->sensors_in = alloc_items(l, sizeof(*c->sensors_in), &c->n_sensors);
    for (size_t i = 0; i < c->n_sensors; i++) {
        struct cfg_sensor *s = &c->sensors_in[i];
        s->point = -1;
        const config_setting_t *g = item(r, l, (int)i, "sensors");
        if (!g) continue;
        s->line = config_setting_source_line(g);
        if (rd_id(r, g, "id", "sensor", &s->id)) continue;
        char what[96];
        snprintf(what, sizeof(what), "sensor '%s'", s->id);
        rd_check_keys(r, g, keys, what);
        int k = 0, pl = 0;
        rd_enum(r, g, "kind", kinds, 1, 0, what, &k);
        s->kind = (enum sensor_kind)k;
        if (rd_str(r, g, "topic", 1, NULL, what, &s->topic) == 0 && s->topic &&
            (!*s->topic || strpbrk(s->topic, "+#")))
            rd_error(r, config_setting_get_member(g, "topic"),
                     "%s: 'topic' must be one topic, without the wildcards + or #", what);
        rd_enum(r, g, "payload", payloads, 0, 0, what, &pl);
        s->plain = pl == 1;
        rd_str(r, g, "field", 0, NULL, what, &s->field);
        if (!s->plain && !s->field)
            rd_error(r, g, "%s: 'field' (the JSON member holding the state) is required unless "
                     "payload = \"plain\"", what);
        if (s->plain && s->field)
            rd_error(r, config_setting_get_member(g, "field"),
                     "%s: 'field' does not apply to payload = \"plain\"", what);
        rd_str(r, g, "on", 0, "1", what, &s->on);
        rd_str(r, g, "off", 0, "0", what, &s->off);
        rd_bool(r, g, "invert", 0, what, &s->invert);
        rd_str(r, g, "asset", 0, NULL, what, &s->asset);
        rd_str(r, g, "location", 0, NULL, what, &s->location);
        rd_duration(r, g, "heartbeat", 0, 1000, what, &s->heartbeat_ms);
    }
}

/* ---- the point catalog ---- */

static int build_catalog(struct reader *r, struct config *c)
{
    size_t n = c->n_sensors;
    for (size_t i = 0; i < c->n_devices; i++)
        if (c->devices[i].profile >= 0) n += c->profiles[c->devices[i].profile].n_points;
    c->points = calloc(n ? n : 1, sizeof(*c->points));
    if (!c->points) return ST_ERR_NOMEM;
    for (size_t i = 0; i < c->n_devices; i++) {
        struct cfg_device *d = &c->devices[i];
        d->first_point = (int)c->n_points;
        if (d->profile < 0 || !d->id) continue;
        const struct cfg_profile *p = &c->profiles[d->profile];
        for (size_t k = 0; k < p->n_points; k++) {
            struct cfg_point *cp = &c->points[c->n_points];
            if (!p->points[k].name || asprintf(&cp->name, "%s.%s", d->id, p->points[k].name) < 0)
                continue;
            cp->device = (int)i;
            cp->sensor = -1;
            cp->def = &p->points[k];
            cp->unit = p->points[k].unit;
            c->n_points++;
        }
    }
    for (size_t i = 0; i < c->n_sensors; i++) {
        struct cfg_sensor *s = &c->sensors_in[i];
        if (!s->id) continue;
        for (size_t k = 0; k < c->n_devices; k++)
            if (c->devices[k].id && !strcmp(c->devices[k].id, s->id))
                rd_error_line(r, s->line, "id '%s' is used by a device (line %d) and a sensor",
                              s->id, c->devices[k].line);
        struct cfg_point *cp = &c->points[c->n_points];
        cp->name = strdup(s->id);
        cp->device = -1;
        cp->sensor = (int)i;
        s->point = (int)c->n_points++;
    }
    return ST_OK;
}

int config_point_find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_points; i++)
        if (!strcmp(cfg->points[i].name, name)) return (int)i;
    return -1;
}

int config_device_find(const struct config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->n_devices; i++)
        if (cfg->devices[i].id && !strcmp(cfg->devices[i].id, id)) return (int)i;
    return -1;
}

int config_rule_find(const struct config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->n_rules; i++)
        if (cfg->rules[i].id && !strcmp(cfg->rules[i].id, id)) return (int)i;
    return -1;
}

/* ---- rules ---- */

static int resolve_point(void *ctx, const char *name)
{
    return config_point_find(ctx, name);
}

static void compile_expr(struct reader *r, const config_setting_t *g, struct config *c,
                         const char *key, const char *rule, const char *src, struct expr **out)
{
    char err[256];
    if (expr_compile(src, resolve_point, c, out, err, sizeof(err)) != ST_OK)
        rd_error(r, config_setting_get_member(g, key), "rule '%s': %s: %s", rule, key, err);
}

/* A rule's asset and location default to those of the first point it reads. */
static void rule_place(struct config *c, struct cfg_rule *ru)
{
    const int *ids;
    const char *asset = NULL, *loc = NULL;
    if (ru->when_expr && expr_points(ru->when_expr, &ids) > 0) {
        const struct cfg_point *p = &c->points[ids[0]];
        if (p->device >= 0) {
            asset = c->devices[p->device].asset ? c->devices[p->device].asset : c->devices[p->device].id;
            loc = c->devices[p->device].location;
        } else {
            asset = c->sensors_in[p->sensor].asset ? c->sensors_in[p->sensor].asset : c->sensors_in[p->sensor].id;
            loc = c->sensors_in[p->sensor].location;
        }
    }
    if (!ru->asset) ru->asset = strdup(asset ? asset : c->site.id);
    if (!ru->location && loc) ru->location = strdup(loc);
}

static void load_rules(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"id", "when", "clear", "on_delay", "off_delay", "latch",
                                       "priority", "category", "title", "asset", "location", NULL};
    const config_setting_t *l = list_of(r, root, "rules", "the configuration");
    c->rules = alloc_items(l, sizeof(*c->rules), &c->n_rules);
    for (size_t i = 0; i < c->n_rules; i++) {
        struct cfg_rule *ru = &c->rules[i];
        const config_setting_t *g = item(r, l, (int)i, "rules");
        if (!g) continue;
        ru->line = config_setting_source_line(g);
        if (rd_id(r, g, "id", "rule", &ru->id)) continue;
        char what[96];
        snprintf(what, sizeof(what), "rule '%s'", ru->id);
        rd_check_keys(r, g, keys, what);
        for (size_t k = 0; k < i; k++)
            if (c->rules[k].id && !strcmp(c->rules[k].id, ru->id))
                rd_error(r, g, "%s: duplicate rule id (first on line %d)", what, c->rules[k].line);
        if (!strncmp(ru->id, "comm_", 5) && config_device_find(c, ru->id + 5) >= 0)
            rd_error(r, g, "%s: the id is taken by the built-in alarm of device '%s'", what, ru->id + 5);
        for (size_t k = 0; k < c->n_sensors; k++)
            if (!strncmp(ru->id, "silent_", 7) && c->sensors_in[k].id && !strcmp(ru->id + 7, c->sensors_in[k].id))
                rd_error(r, g, "%s: the id is taken by the built-in alarm of sensor '%s'", what, ru->id + 7);
        if (rd_str(r, g, "when", 1, NULL, what, &ru->when) == 0 && ru->when)
            compile_expr(r, g, c, "when", ru->id, ru->when, &ru->when_expr);
        if (rd_str(r, g, "clear", 0, NULL, what, &ru->clear) == 0 && ru->clear)
            compile_expr(r, g, c, "clear", ru->id, ru->clear, &ru->clear_expr);
        rd_duration(r, g, "on_delay", 0, 0, what, &ru->on_delay_ms);
        rd_duration(r, g, "off_delay", 0, 0, what, &ru->off_delay_ms);
        rd_bool(r, g, "latch", 0, what, &ru->latch);
        int p = PRIO_NORMAL;
        rd_enum(r, g, "priority", prio_names, 1, PRIO_NORMAL, what, &p);
        ru->priority = (enum priority)p;
        rd_str(r, g, "category", 1, NULL, what, &ru->category);
        rd_str(r, g, "title", 1, NULL, what, &ru->title);
        rd_str(r, g, "asset", 0, NULL, what, &ru->asset);
        rd_str(r, g, "location", 0, NULL, what, &ru->location);
        rule_place(c, ru);
    }
}

/* ---- sla, maintenance ---- */

static void load_sla(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"emergency", "urgent", "normal", "escalation", NULL};
    static const char *const prio_keys[] = {"notify", "respond", "resolve", NULL};
    static const struct cfg_sla_prio defaults[PRIO_WORKORDER_COUNT] = {
        {1 * MIN_MS, 15 * MIN_MS, 24 * HOUR_MS},
        {5 * MIN_MS, 30 * MIN_MS, 24 * HOUR_MS},
        {15 * MIN_MS, 24 * HOUR_MS, 48 * HOUR_MS},
    };
    static const char *const ladder[] = {"technician", "supervisor", "manager", "general_manager"};
    const config_setting_t *g = group_of(r, root, "sla", "the configuration");
    rd_check_keys(r, g, keys, "sla");
    for (int p = 0; p < PRIO_WORKORDER_COUNT; p++) {
        char what[32];
        snprintf(what, sizeof(what), "sla.%s", prio_names[p]);
        const config_setting_t *pg = group_of(r, g, prio_names[p], "sla");
        rd_check_keys(r, pg, prio_keys, what);
        struct cfg_sla_prio *row = &c->sla.prio[p];
        rd_duration(r, pg, "notify", defaults[p].notify_ms, 1000, what, &row->notify_ms);
        rd_duration(r, pg, "respond", defaults[p].respond_ms, 1000, what, &row->respond_ms);
        rd_duration(r, pg, "resolve", defaults[p].resolve_ms, 1000, what, &row->resolve_ms);
    }
    const config_setting_t *esc = g ? config_setting_get_member(g, "escalation") : NULL;
    if (esc && !config_setting_is_array(esc) && !config_setting_is_list(esc)) {
        rd_error(r, esc, "sla: 'escalation' must be an array of names: [ \"technician\", ... ]");
        esc = NULL;
    }
    size_t n = esc ? (size_t)config_setting_length(esc) : 4;
    if (esc && n == 0) rd_error(r, esc, "sla: 'escalation' needs at least one rung");
    c->sla.escalation = calloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; c->sla.escalation && i < n; i++) {
        const char *v = esc ? config_setting_get_string_elem(esc, (int)i) : ladder[i];
        if (!v) {
            rd_error(r, esc, "sla: 'escalation' entries must be strings");
            break;
        }
        c->sla.escalation[c->sla.n_escalation++] = strdup(v);
    }
}

static void load_maintenance(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"id", "asset", "every", "at", "category", "title",
                                       "location", NULL};
    static const char *const everys[] = {"hourly", "daily", "weekly", "monthly", "quarterly",
                                         "half-yearly", "yearly", "2-yearly", NULL};
    const config_setting_t *l = list_of(r, root, "maintenance", "the configuration");
    c->maintenance = alloc_items(l, sizeof(*c->maintenance), &c->n_maintenance);
    for (size_t i = 0; i < c->n_maintenance; i++) {
        struct cfg_maintenance *m = &c->maintenance[i];
        const config_setting_t *g = item(r, l, (int)i, "maintenance");
        if (!g) continue;
        m->line = config_setting_source_line(g);
        if (rd_id(r, g, "id", "maintenance", &m->id)) continue;
        char what[96];
        snprintf(what, sizeof(what), "maintenance '%s'", m->id);
        rd_check_keys(r, g, keys, what);
        int e = 0;
        if (rd_enum(r, g, "every", everys, 1, 0, what, &e) == 0) m->every = strdup(everys[e]);
        rd_str(r, g, "asset", 1, NULL, what, &m->asset);
        rd_str(r, g, "at", 0, NULL, what, &m->at);
        rd_str(r, g, "category", 1, NULL, what, &m->category);
        rd_str(r, g, "title", 1, NULL, what, &m->title);
        rd_str(r, g, "location", 0, NULL, what, &m->location);
    }
}

/* Duplicate ids among items of one kind. */
#define CHECK_DUPS(r, arr, n, label)                                                            \
    for (size_t i_ = 0; i_ < (n); i_++)                                                         \
        for (size_t k_ = 0; k_ < i_; k_++)                                                      \
            if ((arr)[i_].id && (arr)[k_].id && !strcmp((arr)[i_].id, (arr)[k_].id))            \
                rd_error_line((r), (arr)[i_].line, "duplicate %s id '%s' (first on line %d)",     \
                              (label), (arr)[i_].id, (arr)[k_].line)

int config_load(const char *path, struct config **out, struct config_diag *diag)
{
    *out = NULL;
    struct reader r = {path, diag, 0};
    size_t first_diag = diag ? diag->n : 0;
    config_t lc;
    config_init(&lc);
    if (!config_read_file(&lc, path)) {
        int rc = ST_ERR_CONFIG;
        if (config_error_type(&lc) == CONFIG_ERR_FILE_IO) {
            rd_error(&r, NULL, "cannot read: %s", strerror(errno));
            rc = ST_ERR_IO;
        } else {
            char *line = NULL;
            if (asprintf(&line, "%s:%d: %s", config_error_file(&lc) ? config_error_file(&lc) : path,
                         config_error_line(&lc), config_error_text(&lc)) >= 0 && diag) {
                char **m = realloc(diag->msgs, (diag->n + 1) * sizeof(*m));
                if (m) {
                    diag->msgs = m;
                    diag->msgs[diag->n++] = line;
                    line = NULL;
                }
            }
            free(line);
        }
        config_destroy(&lc);
        return rc;
    }
    struct config *c = calloc(1, sizeof(*c));
    if (!c) {
        config_destroy(&lc);
        return ST_ERR_NOMEM;
    }
    c->path = strdup(path);
    const config_setting_t *root = config_root_setting(&lc);
    static const char *const keys[] = {"site", "mqtt", "storage", "modbus", "sensors",
                                       "rules", "sla", "maintenance", NULL};
    rd_check_keys(&r, root, keys, "the configuration");
    load_site(&r, root, c);
    load_mqtt(&r, root, c);
    load_storage(&r, root, c);
    load_modbus(&r, root, c);
    load_sensors(&r, root, c);
    CHECK_DUPS(&r, c->buses, c->n_buses, "bus");
    CHECK_DUPS(&r, c->profiles, c->n_profiles, "profile");
    CHECK_DUPS(&r, c->devices, c->n_devices, "device");
    CHECK_DUPS(&r, c->sensors_in, c->n_sensors, "sensor");
    int rc = build_catalog(&r, c);
    if (rc == ST_OK) {
        load_rules(&r, root, c);
        load_sla(&r, root, c);
        load_maintenance(&r, root, c);
        CHECK_DUPS(&r, c->maintenance, c->n_maintenance, "maintenance");
    }
    config_destroy(&lc);
    diag_sort(diag, first_diag);
    if (rc == ST_OK && r.errors) rc = ST_ERR_CONFIG;
    if (rc) {
        config_free(c);
        return rc;
    }
    *out = c;
    return ST_OK;
}

static void free_broker(struct cfg_broker *b)
{
    free(b->host);
    free(b->client_id);
    free(b->topic_prefix);
    free(b->username);
    free(b->password_file);
    free(b->tls.ca_file);
    free(b->tls.cert_file);
    free(b->tls.key_file);
}

void config_free(struct config *c)
{
    if (!c) return;
    free(c->path);
    free(c->site.id);
    free(c->site.name);
    free(c->site.timezone);
    free_broker(&c->upstream);
    free_broker(&c->sensors);
    free(c->storage.path);
    for (size_t i = 0; i < c->n_buses; i++) {
        free(c->buses[i].id);
        free(c->buses[i].host);
        free(c->buses[i].device);
    }
    free(c->buses);
    for (size_t i = 0; i < c->n_profiles; i++) {
        for (size_t k = 0; k < c->profiles[i].n_points; k++) {
            free(c->profiles[i].points[k].name);
            free(c->profiles[i].points[k].unit);
        }
        free(c->profiles[i].points);
        free(c->profiles[i].id);
    }
    free(c->profiles);
    for (size_t i = 0; i < c->n_devices; i++) {
        free(c->devices[i].id);
        free(c->devices[i].asset);
        free(c->devices[i].location);
    }
    free(c->devices);
    for (size_t i = 0; i < c->n_sensors; i++) {
        struct cfg_sensor *s = &c->sensors_in[i];
        free(s->id);
        free(s->topic);
        free(s->field);
        free(s->on);
        free(s->off);
        free(s->asset);
        free(s->location);
    }
    free(c->sensors_in);
    for (size_t i = 0; i < c->n_rules; i++) {
        struct cfg_rule *ru = &c->rules[i];
        free(ru->id);
        free(ru->when);
        free(ru->clear);
        expr_free(ru->when_expr);
        expr_free(ru->clear_expr);
        free(ru->category);
        free(ru->title);
        free(ru->asset);
        free(ru->location);
    }
    free(c->rules);
    for (size_t i = 0; i < c->sla.n_escalation; i++) free(c->sla.escalation[i]);
    free(c->sla.escalation);
    for (size_t i = 0; i < c->n_maintenance; i++) {
        struct cfg_maintenance *m = &c->maintenance[i];
        free(m->id);
        free(m->asset);
        free(m->every);
        free(m->at);
        free(m->category);
        free(m->title);
        free(m->location);
    }
    free(c->maintenance);
    for (size_t i = 0; i < c->n_points; i++) free(c->points[i].name);
    free(c->points);
    free(c);
}

/* The line number in "FILE:LINE: message", or 0. */
static long diag_line(const char *m)
{
    const char *colon = strchr(m, ':');
    return colon ? strtol(colon + 1, NULL, 10) : 0;
}

/* Stable insertion sort by line, so errors read top to bottom like the file. */
static void diag_sort(struct config_diag *d, size_t from)
{
    for (size_t i = from + 1; d && i < d->n; i++) {
        char *m = d->msgs[i];
        size_t k = i;
        while (k > from && diag_line(d->msgs[k - 1]) > diag_line(m)) {
            d->msgs[k] = d->msgs[k - 1];
            k--;
        }
        d->msgs[k] = m;
    }
}

void config_diag_free(struct config_diag *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) free(d->msgs[i]);
    free(d->msgs);
    d->msgs = NULL;
    d->n = 0;
}
