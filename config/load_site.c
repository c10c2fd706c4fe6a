/* load_site.c - the site-wide groups: site, mqtt, storage, sensors, sla, maintenance. The tables
 * (table_site.c, table_rules.c) read each group; what follows them here is what a table cannot
 * say: defaults derived from other settings and checks across settings. */
#include "config/config.h"
#include "config/load.h"
#include "config/reader.h"
#include "config/settings.h"
#include "gateway/base/error.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- site, mqtt, storage ---- */

/* 1 when name is a time zone of this system's database (a TZif file under TZDIR). */
static int zone_known(const char *dir, const char *name)
{
    char path[1024], magic[4];
    if (!*name || name[0] == '/' || strstr(name, "..")) return 0;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    int ok = f && fread(magic, 1, 4, f) == 4 && memcmp(magic, "TZif", 4) == 0;
    if (f) fclose(f);
    return ok;
}

/* The closest zone name in name's region folder ("Asia/Shangai" -> "Asia/Shanghai"), or "". */
static void zone_suggest(const char *dir, const char *name, char *out, size_t len)
{
    out[0] = '\0';
    const char *slash = strrchr(name, '/');
    char region[512];
    snprintf(region, sizeof(region), "%s/%.*s", dir, slash ? (int)(slash - name) : 0, name);
    DIR *d = opendir(region);
    size_t best = 3;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t dist = rd_edit_distance(e->d_name, slash ? slash + 1 : name);
        if (dist < best) {
            best = dist;
            snprintf(out, len, "%.*s%s%.64s", slash ? (int)(slash - name) % 64 : 0, name,
                     slash ? "/" : "", e->d_name);
        }
    }
    if (d) closedir(d);
}

void config_load_site(struct reader *r, const config_setting_t *root, struct config *c)
{
    const config_setting_t *g = settings_child(root, "site", SET_GROUP);
    settings_read(r, &set_site, g, "site", c, 0);
    if (!c->site.id) c->site.id = strdup("site"); /* the other defaults derive from it */
    /* A mistyped zone would run the whole SLA calendar in UTC without a word: refuse it. */
    const char *tz = c->site.timezone, *dir = getenv("TZDIR");
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    if (tz && !zone_known(dir, tz)) {
        char hint[160];
        zone_suggest(dir, tz, hint, sizeof(hint));
        rd_error(r, config_setting_get_member(g, "timezone"),
                 "site: timezone \"%s\" is not a time zone this system knows (%s)%s%s%s", tz, dir,
                 hint[0] ? "; did you mean \"" : "", hint, hint[0] ? "\"?" : "");
    }
}

static void load_broker(struct reader *r, const config_setting_t *g, struct cfg_broker *b,
                        const char *what, int variant)
{
    char tls_what[64];
    snprintf(tls_what, sizeof(tls_what), "%s.tls", what);
    settings_read(r, &set_broker, g, what, b, variant);
    b->line = g ? config_setting_source_line(g) : 0;
    const config_setting_t *tls = settings_child(g, "tls", SET_GROUP);
    if (tls) {
        b->use_tls = 1;
        settings_read(r, &set_tls, tls, tls_what, &b->tls, 0);
        if (!b->tls.cert_file != !b->tls.key_file)
            rd_error(r, tls, "%s: 'cert_file' and 'key_file' go together", tls_what);
        if (!config_setting_get_member(g, "port")) b->port = 8883;
    }
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

/* A derived default, before + from + after, unless the file gave a value. */
static void derive(char **field, const char *before, const char *from, const char *after)
{
    if (!*field && asprintf(field, "%s%s%s", before, from, after) < 0) *field = NULL;
}

void config_load_mqtt(struct reader *r, const config_setting_t *root, struct config *c)
{
    const config_setting_t *g = settings_child(root, "mqtt", SET_GROUP);
    settings_read(r, &set_mqtt, g, "mqtt", c, 0);
    load_broker(r, settings_child(g, "upstream", SET_GROUP), &c->upstream, "mqtt.upstream", 0);
    derive(&c->upstream.client_id, "steward-", c->site.id, "");
    derive(&c->upstream.topic_prefix, "steward/", c->site.id, "");
    const char *up_id = c->upstream.client_id ? c->upstream.client_id : "steward";
    const config_setting_t *sn = settings_child(g, "sensors", SET_GROUP);
    if (sn) {
        c->has_sensor_broker = 1;
        load_broker(r, sn, &c->sensors, "mqtt.sensors", 1);
    } else {
        copy_broker(&c->upstream, &c->sensors);
    }
    derive(&c->sensors.client_id, "", up_id, "-sensors");
}

void config_load_storage(struct reader *r, const config_setting_t *root, struct config *c)
{
    settings_read(r, &set_storage, settings_child(root, "storage", SET_GROUP), "storage", c, 0);
}

/* ---- sensors ---- */

void config_load_sensors(struct reader *r, const config_setting_t *root, struct config *c)
{
    const config_setting_t *l = settings_child(root, "sensors", SET_LIST);
    c->sensors_in = rd_alloc_items(l, sizeof(*c->sensors_in), &c->n_sensors);
    for (size_t i = 0; i < c->n_sensors; i++) {
        struct cfg_sensor *s = &c->sensors_in[i];
        s->point = -1;
        const config_setting_t *g = rd_item(r, l, (int)i, "sensors");
        if (!g) continue;
        s->line = config_setting_source_line(g);
        if (!settings_read_key(r, &set_sensors, g, "sensor", s)) continue;
        char what[96];
        snprintf(what, sizeof(what), "sensor '%s'", s->id);
        settings_read(r, &set_sensors, g, what, s, 0);
        if (!s->plain && !s->field)
            rd_error(r, g,
                     "%s: 'field' (the JSON member holding the state) is required unless "
                     "payload = \"plain\"",
                     what);
        if (s->plain && s->field)
            rd_error(r, config_setting_get_member(g, "field"),
                     "%s: 'field' does not apply to payload = \"plain\"", what);
    }
}

/* ---- sla, maintenance ---- */

/* The table of a group row of t (the sla and review tables are found through their rows). */
static const struct set_table *sub_table(const struct set_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_rows; i++)
        if (strcmp(t->rows[i].name, name) == 0) return t->rows[i].sub;
    return NULL;
}

void config_load_sla(struct reader *r, const config_setting_t *root, struct config *c)
{
    const config_setting_t *g = settings_child(root, "sla", SET_GROUP);
    settings_read(r, &set_sla, g, "sla", &c->sla, 0);
    settings_read(r, sub_table(&set_sla, "after_hours"),
                  settings_child(g, "after_hours", SET_GROUP), "sla.after_hours",
                  &c->sla.after_hours, 0);
    settings_read(r, sub_table(&set_sla, "follow_up"), settings_child(g, "follow_up", SET_GROUP),
                  "sla.follow_up", &c->sla.follow_up, 0);
    settings_read(r, sub_table(&set_root, "review"), settings_child(root, "review", SET_GROUP),
                  "review", &c->sla, 0);
    for (int p = 0; p < PRIO_WORKORDER_COUNT; p++) {
        char what[32];
        snprintf(what, sizeof(what), "sla.%s", priority_names[p]);
        settings_read(r, &set_sla_prio[p], settings_child(g, priority_names[p], SET_GROUP), what,
                      &c->sla.prio[p], 0);
    }
}

void config_load_maintenance(struct reader *r, const config_setting_t *root, struct config *c)
{
    const config_setting_t *l = settings_child(root, "maintenance", SET_LIST);
    c->maintenance = rd_alloc_items(l, sizeof(*c->maintenance), &c->n_maintenance);
    for (size_t i = 0; i < c->n_maintenance; i++) {
        struct cfg_maintenance *m = &c->maintenance[i];
        const config_setting_t *g = rd_item(r, l, (int)i, "maintenance");
        if (!g) continue;
        m->line = config_setting_source_line(g);
        if (!settings_read_key(r, &set_maintenance, g, "maintenance", m)) continue;
        char what[96];
        snprintf(what, sizeof(what), "maintenance '%s'", m->id);
        settings_read(r, &set_maintenance, g, what, m, 0);
        const char *why = NULL;
        if (m->every && schedule_parse(m->every, m->at, &m->when, &why) != 0) {
            const config_setting_t *at = config_setting_get_member(g, "at");
            rd_error(r, at ? at : g, "%s: at = \"%s\": %s", what, m->at ? m->at : "", why);
        }
    }
}
