/* gateway.c - see gateway.h. */
#include "gateway/core/gateway.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/version.h"
#include "gateway/core/points.h"
#include "gateway/core/samples.h"
#include "gateway/store/lock.h"
#include "gateway/store/store.h"
#include "gateway/uplink/discovery.h"
#include "gateway/uplink/mqtt_link.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_BATCHES 4096
#define TRIM_EVERY_MS 60000 /* how often the store is checked against storage.max_size */

void gateway_note(struct gateway *g, int rc, const char *what)
{
    if (rc == ST_OK || g->failed) return;
    /* A failed disk write is not an error here (the store holds the change and retries); this is
     * a change that could not be recorded at all (out of memory), so memory and store disagree. */
    log_msg(LOG_ERROR, "core: %s failed: %s; stopping so that nothing half-recorded is published",
            what, st_strerror(rc));
    g->failed = 1;
}

/* Every message from either broker, queued by the links' callbacks for the loop step. */
static void on_message(void *ctx, const char *topic, const void *payload, size_t len)
{
    struct gateway *g = ctx;
    inbox_push(&g->inbox, topic, payload, len);
}

static int on_sensor_sample(void *ctx, const struct sample *s)
{
    return samples_apply(ctx, s);
}

/* A sensor's bridge availability and battery drive its built-in alarms. */
static void on_sensor_status(void *ctx, int sensor, enum sensor_status what, int on)
{
    struct gateway *g = ctx;
    if (what == SENSOR_OFFLINE)
        alarms_sensor_comm(&g->alarms, sensor, on);
    else
        alarms_sensor_battery(&g->alarms, sensor, on);
}

static void sensor_link_connected(void *ctx)
{
    struct gateway *g = ctx;
    const char *const *topics;
    size_t n = mqtt_sensors_topics(g->sensors, &topics);
    for (size_t i = 0; i < n; i++)
        mqtt_link_subscribe(g->sensor_link, topics[i], 1);
}

static int trim_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono, (void)now_wall;
    struct gateway *g = ctx;
    *again = TRIM_EVERY_MS;
    return store_trim(g->store, g->cfg->storage.max_size);
}

/* Nothing to do but wake the loop: its commit retries the held changes, or commits the waiting
 * deliveries, when due. */
static int store_retry_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)ctx, (void)now_mono, (void)now_wall, (void)again;
    return ST_OK;
}

static int link_due(struct mqtt_link *l, struct timers *ts, struct timer *t, int64_t now_mono)
{
    return timers_arm(ts, t, mqtt_link_tick(l, now_mono));
}

static int up_tick_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_wall, (void)again;
    struct gateway *g = ctx;
    return link_due(g->up.link, g->timers, &g->up_tick, now_mono);
}

static int sensor_tick_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_wall, (void)again;
    struct gateway *g = ctx;
    return link_due(g->sensor_link, g->timers, &g->sensor_tick, now_mono);
}

int gateway_start_adapters(struct gateway *g)
{
    size_t n = g->cfg->n_buses ? g->cfg->n_buses : 1;
    g->adapters = calloc(n, sizeof(*g->adapters));
    g->ops = calloc(n, sizeof(*g->ops));
    if (!g->adapters || !g->ops) return ST_ERR_NOMEM;
    for (size_t i = 0; i < g->cfg->n_buses; i++) {
        const struct adapter_ops *ops = adapter_find(adapter_kind_for_bus(g->cfg->buses[i].type));
        if (!ops) return ST_ERR_CONFIG;
        int rc = ops->create(g->cfg, (int)i, &g->adapters[i]);
        if (rc) return rc;
        g->ops[i] = ops;
        g->n_adapters = i + 1;
        rc = ops->start(g->adapters[i], g->queue);
        if (rc) return rc;
    }
    return ST_OK;
}

static void stop_adapters(struct gateway *g)
{
    for (size_t i = 0; i < g->n_adapters; i++) {
        if (!g->ops[i]) continue;
        g->ops[i]->stop(g->adapters[i]);
        g->ops[i]->destroy(g->adapters[i]);
        g->adapters[i] = NULL;
    }
    g->n_adapters = 0;
}

/* The restart event, committed before anything else is published. */
static int record_restart(struct gateway *g)
{
    json_t *ev = json_pack("{s:s, s:I}", "version", STEWARD_VERSION, "undelivered",
                           (json_int_t)store_outbox_count(g->store));
    if (!ev) return ST_ERR_NOMEM;
    int rc = journal_event(&g->journal, "restart", ev);
    json_decref(ev);
    /* On a full disk the store holds it and retries: start anyway (the loop tells P/status). */
    if (rc == ST_OK) store_commit(g->store);
    return rc;
}

/* The links, the sensor input and their timers. */
static int open_links(struct gateway *g)
{
    const struct config *cfg = g->cfg;
    int64_t now = clock_mono_ms();
    const char *const *topics;
    size_t n_topics = mqtt_sensors_topics(g->sensors, &topics);
    /* Sensors on the upstream broker are subscribed by the uplink at each connect. */
    int shared = !cfg->has_sensor_broker;
    int rc = uplink_init(&g->up, cfg, g->store, on_message, g, shared ? topics : NULL,
                         shared ? n_topics : 0);
    if (rc) return rc;
    /* Home Assistant discovery, announced by the uplink at each connect. */
    if ((rc = discovery_new(cfg, &g->alarms, g->store, &g->journal, &g->up.discovery))) return rc;
    timer_init(&g->up_tick, up_tick_due, g, "upstream link");
    if ((rc = timers_arm(g->timers, &g->up_tick, now))) return rc;
    if (!shared && n_topics) {
        struct mqtt_link_cb cb = {g, sensor_link_connected, NULL, on_message, NULL};
        g->sensor_link =
            mqtt_link_new(&cfg->sensors, cfg->sensors.client_id, NULL, 20, &cb, "sensors");
        if (!g->sensor_link) return ST_ERR_MQTT;
        timer_init(&g->sensor_tick, sensor_tick_due, g, "sensor link");
        if ((rc = timers_arm(g->timers, &g->sensor_tick, now))) return rc;
    }
    return ST_OK;
}

int gateway_open_site(struct gateway *g)
{
    const struct config *cfg = g->cfg;
    int rc;
    g->journal = (struct journal){g->store, cfg->upstream.topic_prefix};
    g->pts = points_new(cfg);
    g->device_ok = malloc((cfg->n_devices ? cfg->n_devices : 1) * sizeof(int));
    if (!g->pts || !g->device_ok) return ST_ERR_NOMEM;
    for (size_t i = 0; i < cfg->n_devices; i++)
        g->device_ok[i] = -1;
    wo_init(&g->wos, cfg, &g->journal, g->timers);
    struct alarm_inputs in = {g->pts->value, g->pts->quality, g->pts->n};
    if ((rc = alarms_init(&g->alarms, cfg, in, &g->journal, &g->wos, g->timers))) return rc;
    g->cmds = (struct commands){.alarms = &g->alarms, .wos = &g->wos, .journal = &g->journal};
    if ((rc = authority_init(&g->cmds.auth, cfg, g->store, &g->journal))) return rc;
    if ((rc = wo_restore(&g->wos, g->store)) || (rc = alarms_restore(&g->alarms, g->store)))
        return rc;
    if ((rc = maintenance_init(&g->maint, cfg, &g->wos, &g->journal, g->store, g->timers,
                               clock_wall_ms())))
        return rc;
    g->sensors = mqtt_sensors_new(cfg, g->timers, on_sensor_sample, g, clock_mono_ms());
    if (!g->sensors) return ST_ERR_NOMEM;
    mqtt_sensors_on_status(g->sensors, on_sensor_status);
    return metrics_init(&g->metrics, g);
}

void gateway_close_site(struct gateway *g)
{
    stop_adapters(g);
    /* Polls of the devices just stopped name points of this configuration: not for the next. */
    struct sample_batch *b;
    while (g->queue && (b = queue_pop(g->queue)))
        sample_batch_free(b);
    metrics_cleanup(&g->metrics);
    mqtt_sensors_free(g->sensors);
    g->sensors = NULL;
    authority_cleanup(&g->cmds.auth);
    alarms_cleanup(&g->alarms);
    maintenance_cleanup(&g->maint);
    wo_cleanup(&g->wos);
    points_free(g->pts);
    g->pts = NULL;
    free(g->adapters);
    free(g->ops);
    free(g->device_ok);
    g->adapters = NULL;
    g->ops = NULL;
    g->device_ok = NULL;
}

int gateway_open(struct gateway *g, const struct config *cfg)
{
    g->cfg = cfg;
    pid_t holder;
    if ((g->lock_fd = store_lock(cfg->storage.path, &holder)) < 0) {
        g->lock_holder = holder;
        if (holder >= 0) {
            log_msg(LOG_ERROR, "core: another steward (PID %ld) is running on %s", (long)holder,
                    cfg->storage.path);
            return ST_ERR_STATE;
        }
        log_msg(LOG_ERROR, "core: cannot lock %s.lock: %s", cfg->storage.path, strerror(errno));
        return ST_ERR_IO;
    }
    if (!(g->timers = timers_new())) return ST_ERR_NOMEM;
    int rc = store_open(cfg->storage.path, 0, &g->store);
    if (rc || (rc = gateway_open_site(g))) return rc;
    snprintf(g->cmd_prefix, sizeof(g->cmd_prefix), "%s/cmd/", cfg->upstream.topic_prefix);
    g->cmd_prefix_len = strlen(g->cmd_prefix);
    timer_init(&g->trim, trim_due, g, "store trim");
    timer_init(&g->store_retry, store_retry_due, g, "store retry");
    if ((rc = timers_arm(g->timers, &g->trim, clock_mono_ms()))) return rc;
    if ((rc = record_restart(g))) return rc;
    if (!(g->queue = queue_new(QUEUE_BATCHES))) return ST_ERR_NOMEM;
    if ((rc = open_links(g))) return rc;
    return gateway_start_adapters(g);
}

void gateway_close(struct gateway *g)
{
    stop_adapters(g);
    /* After a change that could not be recorded the group may hold half an alarm (its state
     * without its outbox row): never commit that; store_close drops it, the restart re-derives. */
    if (g->store && (store_pending(g->store) || store_lazy_since(g->store)) && !g->failed)
        store_flush(g->store);
    if (g->up.link) uplink_cleanup(&g->up);
    mqtt_link_free(g->sensor_link);
    g->sensor_link = NULL;
    gateway_close_site(g);
    inbox_clear(&g->inbox);
    queue_free(g->queue);
    g->queue = NULL;
    store_close(g->store);
    g->store = NULL;
    timers_free(g->timers);
    g->timers = NULL;
    store_unlock(g->lock_fd); /* last: the database is closed */
    g->lock_fd = -1;
}
