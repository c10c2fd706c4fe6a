/*
 * config.c - loads a site configuration (see config.h): syntax by libconfig, meaning by the
 * settings tables (settings.h), then the cross-references (buses, profiles, the point catalog, rule
 * expressions). Every error is collected with its line before failing.
 */
#include "config/config.h"
#include "config/load.h"
#include "config/reader.h"
#include "config/settings.h"
#include "gateway/base/error.h"
#include "rules/expr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void diag_sort(struct config_diag *d, size_t from);

/* ---- small shared tables ---- */

const char *const priority_names[] = {"emergency", "urgent", "normal", "info", NULL};

const char *priority_name(enum priority p)
{
    return (unsigned)p < PRIO_COUNT ? priority_names[p] : "normal";
}

int priority_parse(const char *name, enum priority *out)
{
    for (int i = 0; name && i < PRIO_COUNT; i++) {
        if (strcmp(name, priority_names[i]) == 0) {
            *out = (enum priority)i;
            return ST_OK;
        }
    }
    return ST_ERR_INVAL;
}

int reg_type_width(enum reg_type t)
{
    switch (t) {
    case REG_U16:
    case REG_I16:
    case REG_BOOL: return 1;
    case REG_U64:
    case REG_I64:
    case REG_F64: return 4;
    default: return 2;
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
        cp->unit = s->unit;
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

int config_sensor_builtin(const struct config *cfg, const char *id)
{
    for (size_t k = 0; k < cfg->n_sensors; k++) {
        const struct cfg_sensor *s = &cfg->sensors_in[k];
        if (!s->id) continue;
        if (s->availability_topic && !strncmp(id, "comm_", 5) && !strcmp(id + 5, s->id))
            return (int)k;
        if (s->battery && !s->plain && !strncmp(id, "battery_", 8) && !strcmp(id + 8, s->id))
            return (int)k;
    }
    return -1;
}

/* Duplicate ids among items of one kind. */
#define CHECK_DUPS(r, arr, n, label)                                                               \
    for (size_t i_ = 0; i_ < (n); i_++)                                                            \
        for (size_t k_ = 0; k_ < i_; k_++)                                                         \
            if ((arr)[i_].id && (arr)[k_].id && !strcmp((arr)[i_].id, (arr)[k_].id))               \
    rd_error_line((r), (arr)[i_].line, "duplicate %s id '%s' (first on line %d)", (label),         \
                  (arr)[i_].id, (arr)[k_].line)

/* A task raises its orders under its id as an alarm does (dedup key SITE/ASSET/ID): it must not
 * share one with a rule or a built-in alarm, or their orders would merge. */
static void check_task_ids(struct reader *r, const struct config *c)
{
    for (size_t i = 0; i < c->n_maintenance; i++) {
        const char *id = c->maintenance[i].id;
        if (!id) continue;
        int clash = config_rule_find(c, id) >= 0;
        if (!strncmp(id, "comm_", 5)) clash |= config_device_find(c, id + 5) >= 0;
        for (size_t k = 0; !strncmp(id, "silent_", 7) && k < c->n_sensors; k++)
            clash |= c->sensors_in[k].id && !strcmp(c->sensors_in[k].id, id + 7);
        clash |= config_sensor_builtin(c, id) >= 0;
        if (clash)
            rd_error_line(r, c->maintenance[i].line,
                          "maintenance id '%s' is also an alarm's id: their work orders would "
                          "merge; choose another",
                          id);
    }
}

/* *p made absolute against dir (when it is relative); dir has no trailing slash. */
static void resolve(char **p, const char *dir)
{
    if (!*p || !**p || (*p)[0] == '/') return;
    char *abs = NULL;
    if (asprintf(&abs, "%s/%s", dir, *p) < 0) return;
    free(*p);
    *p = abs;
}

/*
 * Relative paths, as documented: storage.path against the state directory under systemd
 * (STATE_DIRECTORY, set by StateDirectory=; the first of a list), else against the
 * configuration file's folder; every other file (secrets, TLS, keys) against that folder. So a
 * service never writes its database into whatever directory it happened to start in.
 */
static void resolve_paths(struct config *c, const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    if (dir[0] != '/') { /* the folder itself relative: against the working directory, now */
        char cwd[2048], rel[2048];
        snprintf(rel, sizeof(rel), "%.2000s", dir);
        if (getcwd(cwd, sizeof(cwd))) snprintf(dir, sizeof(dir), "%.2000s/%.2000s", cwd, rel);
    }
    char state[4096] = "";
    const char *sd = getenv("STATE_DIRECTORY");
    if (sd && sd[0] == '/') snprintf(state, sizeof(state), "%.*s", (int)strcspn(sd, ":"), sd);
    resolve(&c->storage.path, state[0] ? state : dir);
    struct cfg_broker *b[2] = {&c->upstream, &c->sensors};
    for (int i = 0; i < 2; i++) {
        resolve(&b[i]->password_file, dir);
        resolve(&b[i]->tls.ca_file, dir);
        resolve(&b[i]->tls.cert_file, dir);
        resolve(&b[i]->tls.key_file, dir);
    }
    for (size_t i = 0; i < c->n_operators; i++)
        resolve(&c->operators[i].key_file, dir);
}

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
                         config_error_line(&lc), config_error_text(&lc)) >= 0 &&
                diag) {
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
    settings_read(&r, &set_root, root, "the configuration", c, 0);
    config_load_site(&r, root, c);
    config_load_mqtt(&r, root, c);
    config_load_storage(&r, root, c);
    config_load_modbus(&r, root, c);
    config_load_sensors(&r, root, c);
    CHECK_DUPS(&r, c->buses, c->n_buses, "bus");
    CHECK_DUPS(&r, c->profiles, c->n_profiles, "profile");
    CHECK_DUPS(&r, c->devices, c->n_devices, "device");
    CHECK_DUPS(&r, c->sensors_in, c->n_sensors, "sensor");
    int rc = build_catalog(&r, c);
    if (rc == ST_OK) {
        config_load_rules(&r, root, c);
        config_load_sla(&r, root, c);
        config_load_maintenance(&r, root, c);
        config_load_commands(&r, root, c);
        config_load_homeassistant(&r, root, c);
        CHECK_DUPS(&r, c->maintenance, c->n_maintenance, "maintenance");
        check_task_ids(&r, c);
    }
    config_destroy(&lc);
    diag_sort(diag, first_diag);
    if (rc == ST_OK && r.errors) rc = ST_ERR_CONFIG;
    if (rc) {
        config_free(c);
        return rc;
    }
    resolve_paths(c, path);
    *out = c;
    return ST_OK;
}

struct config *config_load_report(const char *path, FILE *err)
{
    struct config_diag diag = {0};
    struct config *cfg = NULL;
    int rc = config_load(path, &cfg, &diag);
    for (size_t i = 0; i < diag.n; i++)
        fprintf(err, "%s\n", diag.msgs[i]);
    config_diag_free(&diag);
    return rc == ST_OK ? cfg : NULL;
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
        free(s->unit);
        free(s->availability_topic);
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
    for (size_t i = 0; i < c->sla.n_escalation; i++)
        free(c->sla.escalation[i]);
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
    for (size_t i = 0; i < c->n_operators; i++) {
        free(c->operators[i].name);
        free(c->operators[i].key_file);
    }
    free(c->operators);
    free(c->rates);
    for (size_t i = 0; i < c->n_points; i++)
        free(c->points[i].name);
    free(c->points);
    free(c->homeassistant.prefix);
    free(c->homeassistant.node_id);
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
    for (size_t i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    d->msgs = NULL;
    d->n = 0;
}
