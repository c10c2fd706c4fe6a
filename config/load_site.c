/* load_site.c - the site-wide groups: site, mqtt, storage, sensors, sla, maintenance. */
#include "config/config.h"
#include "config/load.h"
#include "config/reader.h"
#include "gateway/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)

/* ---- site, mqtt, storage ---- */

void config_load_site(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"id", "name", "timezone", NULL};
    const config_setting_t *g = rd_group(r, root, "site", "the configuration");
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
    static const char *const keys[] = {"host",      "port",     "client_id",     "topic_prefix",
                                       "keepalive", "username", "password_file", "password",
                                       "tls",       NULL};
    static const char *const tls_keys[] = {"ca_file", "cert_file", "key_file", NULL};
    rd_check_keys(r, g, keys, what);
    b->line = g ? config_setting_source_line(g) : 0;
    const config_setting_t *tls = rd_group(r, g, "tls", what);
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
        rd_error(r, pw,
                 "%s: do not write the password in the configuration; put it in a file "
                 "readable only by steward and name it with password_file",
                 what);
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

void config_load_mqtt(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"upstream", "sensors", NULL};
    const config_setting_t *g = rd_group(r, root, "mqtt", "the configuration");
    rd_check_keys(r, g, keys, "mqtt");
    const config_setting_t *up = rd_group(r, g, "upstream", "mqtt");
    char *def_id = NULL, *def_prefix = NULL, *def_sensors = NULL;
    if (asprintf(&def_id, "steward-%s", c->site.id) < 0) def_id = NULL;
    if (asprintf(&def_prefix, "steward/%s", c->site.id) < 0) def_prefix = NULL;
    load_broker(r, up, &c->upstream, "mqtt.upstream", def_id);
    rd_str(r, up, "topic_prefix", 0, def_prefix, "mqtt.upstream", &c->upstream.topic_prefix);
    const char *tp = c->upstream.topic_prefix;
    if (tp && (!*tp || strpbrk(tp, "+#") || tp[strlen(tp) - 1] == '/'))
        rd_error(r, up ? config_setting_get_member(up, "topic_prefix") : NULL,
                 "mqtt.upstream: 'topic_prefix' must be a plain topic without + # or a trailing /");
    if (asprintf(&def_sensors, "%s-sensors",
                 c->upstream.client_id ? c->upstream.client_id : "steward") < 0)
        def_sensors = NULL;
    const config_setting_t *sn = rd_group(r, g, "sensors", "mqtt");
    if (sn) {
        c->has_sensor_broker = 1;
        load_broker(r, sn, &c->sensors, "mqtt.sensors", def_sensors);
        const config_setting_t *tpx = config_setting_get_member(sn, "topic_prefix");
        if (tpx)
            rd_error(r, tpx, "mqtt.sensors: 'topic_prefix' applies to the upstream broker only");
    } else {
        copy_broker(&c->upstream, &c->sensors);
        c->sensors.client_id = def_sensors ? strdup(def_sensors) : NULL;
    }
    free(def_id);
    free(def_prefix);
    free(def_sensors);
}

void config_load_storage(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"path", "max_size", NULL};
    const config_setting_t *g = rd_group(r, root, "storage", "the configuration");
    rd_check_keys(r, g, keys, "storage");
    rd_str(r, g, "path", 0, "steward.db", "storage", &c->storage.path);
    rd_size(r, g, "max_size", 256LL * 1024 * 1024, "storage", &c->storage.max_size);
}

/* ---- sensors ---- */

void config_load_sensors(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"id",  "kind",   "topic", "field",    "payload",   "on",
                                       "off", "invert", "asset", "location", "heartbeat", NULL};
    static const char *const kinds[] = {"fire", "leak", "door", "other", NULL};
    static const char *const payloads[] = {"json", "plain", NULL};
    const config_setting_t *l = rd_list(r, root, "sensors", "the configuration");
    c->sensors_in = rd_alloc_items(l, sizeof(*c->sensors_in), &c->n_sensors);
    for (size_t i = 0; i < c->n_sensors; i++) {
        struct cfg_sensor *s = &c->sensors_in[i];
        s->point = -1;
        const config_setting_t *g = rd_item(r, l, (int)i, "sensors");
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
            rd_error(r, g,
                     "%s: 'field' (the JSON member holding the state) is required unless "
                     "payload = \"plain\"",
                     what);
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

/* ---- sla, maintenance ---- */

void config_load_sla(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"emergency", "urgent", "normal", "escalation", NULL};
    static const char *const prio_keys[] = {"notify", "respond", "resolve", NULL};
    static const struct cfg_sla_prio defaults[PRIO_WORKORDER_COUNT] = {
        {1 * MIN_MS, 15 * MIN_MS, 24 * HOUR_MS},
        {5 * MIN_MS, 30 * MIN_MS, 24 * HOUR_MS},
        {15 * MIN_MS, 24 * HOUR_MS, 48 * HOUR_MS},
    };
    static const char *const ladder[] = {"technician", "supervisor", "manager", "general_manager"};
    const config_setting_t *g = rd_group(r, root, "sla", "the configuration");
    rd_check_keys(r, g, keys, "sla");
    for (int p = 0; p < PRIO_WORKORDER_COUNT; p++) {
        char what[32];
        snprintf(what, sizeof(what), "sla.%s", priority_names[p]);
        const config_setting_t *pg = rd_group(r, g, priority_names[p], "sla");
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

void config_load_maintenance(struct reader *r, const config_setting_t *root, struct config *c)
{
    static const char *const keys[] = {"id",       "asset", "every",    "at",
                                       "category", "title", "location", NULL};
    static const char *const everys[] = {"hourly",  "daily",     "weekly",
                                         "monthly", "quarterly", "half-yearly",
                                         "yearly",  "2-yearly",  NULL};
    const config_setting_t *l = rd_list(r, root, "maintenance", "the configuration");
    c->maintenance = rd_alloc_items(l, sizeof(*c->maintenance), &c->n_maintenance);
    for (size_t i = 0; i < c->n_maintenance; i++) {
        struct cfg_maintenance *m = &c->maintenance[i];
        const config_setting_t *g = rd_item(r, l, (int)i, "maintenance");
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
        const char *why = NULL;
        if (m->every && schedule_parse(m->every, m->at, &m->when, &why) != 0) {
            const config_setting_t *at = config_setting_get_member(g, "at");
            rd_error(r, at ? at : g, "%s: at = \"%s\": %s", what, m->at ? m->at : "", why);
        }
    }
}
