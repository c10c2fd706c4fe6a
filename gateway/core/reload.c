/* reload.c - see reload.h. */
#include "gateway/core/reload.h"
#include "adapters/adapter.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/core/gateway.h"
#include "gateway/store/store.h"
#include "gateway/uplink/mqtt_link.h"

#include <jansson.h>
#include <string.h>

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_broker(const struct cfg_broker *a, const struct cfg_broker *b)
{
    return same(a->host, b->host) && a->port == b->port && same(a->client_id, b->client_id) &&
           same(a->topic_prefix, b->topic_prefix) && a->keepalive_ms == b->keepalive_ms &&
           same(a->username, b->username) && same(a->password_file, b->password_file) &&
           a->use_tls == b->use_tls && same(a->tls.ca_file, b->tls.ca_file) &&
           same(a->tls.cert_file, b->tls.cert_file) && same(a->tls.key_file, b->tls.key_file);
}

/* What the new configuration changes that needs a restart, or NULL. */
static const char *needs_restart(const struct config *old, const struct config *new)
{
    if (!same(old->site.id, new->site.id)) return "site.id";
    if (!same(old->site.timezone, new->site.timezone)) return "site.timezone";
    if (!same(old->storage.path, new->storage.path)) return "storage.path";
    if (!same_broker(&old->upstream, &new->upstream)) return "mqtt.upstream";
    if (old->has_sensor_broker != new->has_sensor_broker ||
        (old->has_sensor_broker && !same_broker(&old->sensors, &new->sensors)))
        return "mqtt.sensors";
    return NULL;
}

/* The new file, loaded and checked as `steward check` does; NULL (errors logged) if refused. */
static struct config *load_checked(const char *path)
{
    struct config_diag diag = {0};
    struct config *c = NULL;
    int rc = config_load(path, &c, &diag);
    if (rc == ST_OK) adapters_check(c, &diag);
    for (size_t i = 0; i < diag.n; i++)
        log_msg(LOG_ERROR, "reload: %s", diag.msgs[i]);
    if (rc == ST_OK && diag.n) {
        config_free(c);
        c = NULL;
    }
    config_diag_free(&diag);
    return c;
}

int gateway_reload(struct gateway *g, struct config **owned)
{
    const char *path = g->cfg->path;
    log_msg(LOG_INFO, "reload: SIGHUP: reading %s", path);
    struct config *c = load_checked(path);
    if (!c) {
        log_msg(LOG_ERROR, "reload: %s refused; the running configuration is kept", path);
        return 1;
    }
    const char *what = needs_restart(g->cfg, c);
    if (what) {
        log_msg(LOG_ERROR,
                "reload: %s changes %s, which needs a restart; the running "
                "configuration is kept",
                path, what);
        config_free(c);
        return 1;
    }
    /* What the old configuration did is committed first: the new one starts from the store. */
    if (store_pending(g->store)) store_commit(g->store);
    gateway_close_site(g);
    g->cfg = c;
    int rc = gateway_open_site(g);
    if (rc == ST_OK) {
        const char *const *topics;
        size_t n = mqtt_sensors_topics(g->sensors, &topics);
        uplink_rebind(&g->up, c, topics, n);
        if (g->sensor_link) {
            mqtt_link_rebind(g->sensor_link, &c->sensors);
            for (size_t i = 0; mqtt_link_connected(g->sensor_link) && i < n; i++)
                mqtt_link_subscribe(g->sensor_link, topics[i], 1);
        }
        rc = gateway_start_adapters(g);
    }
    config_free(*owned); /* nothing points into it any more */
    *owned = c;
    path = c->path;
    if (rc) {
        gateway_note(g, rc, "taking up the reloaded configuration");
        return rc;
    }
    json_t *ev = json_pack("{s:s, s:I, s:I, s:I, s:I}", "file", path, "rules",
                           (json_int_t)c->n_rules, "sensors", (json_int_t)c->n_sensors, "devices",
                           (json_int_t)c->n_devices, "maintenance", (json_int_t)c->n_maintenance);
    rc = ev ? journal_event(&g->journal, "reload", ev) : ST_ERR_NOMEM;
    json_decref(ev);
    gateway_note(g, rc, "recording the reload");
    log_msg(LOG_INFO, "reload: %s taken (%zu rules, %zu sensors, %zu devices)", path, c->n_rules,
            c->n_sensors, c->n_devices);
    return rc;
}
