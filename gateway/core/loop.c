/* loop.c - see loop.h. */
#include "gateway/core/loop.h"
#include "adapters/adapter.h"
#include "adapters/mqtt_sensors/parse.h"
#include "gateway/alarms/alarms.h"
#include "gateway/base/clock.h"
#include "gateway/uplink/commands.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/base/log.h"
#include "gateway/work/maintenance.h"
#include "gateway/uplink/mqtt_link.h"
#include "gateway/core/points.h"
#include "gateway/base/quality.h"
#include "gateway/base/queue.h"
#include "gateway/store/store.h"
#include "gateway/uplink/uplink.h"
#include "gateway/base/version.h"
#include "gateway/work/workorders.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRIM_EVERY_MS 60000 /* how often the store is checked against storage.max_size */
#define QUEUE_BATCHES 4096
#define SUPERVISE_MS 1000
#define MAX_WAIT_MS 1000

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

struct gateway {
    const struct config *cfg;
    struct store *store;
    struct points *pts;
    struct journal journal;
    struct wo_table wos;
    struct alarms alarms;
    struct commands cmds;
    struct uplink up;
    struct mqtt_link *sensor_link; /* only with a separate sensor broker */
    struct sample_queue *queue;
    struct adapter **adapters;
    const struct adapter_ops **ops;
    size_t n_adapters;
    const char **topics; /* distinct sensor topics, borrowed from the config */
    size_t n_topics;
    int *device_ok; /* per device: -1 unknown, 0 comm fault, 1 answering */
    char cmd_prefix[300];
    size_t cmd_prefix_len;
    uint64_t bad_payloads;
    struct log_complain payload_complain;
    int64_t next_supervise;
    struct maintenance maint;
    int64_t next_trim; /* monotonic: the store is kept within storage.max_size this often */
    int failed; /* a change could not even be recorded: stop, let the supervisor restart us */
};

static void note_store_error(struct gateway *g, int rc, const char *what)
{
    if (rc == ST_OK || g->failed) return;
    /* A failed disk write is not an error here (the store holds the change and retries); this is
     * a change that could not be recorded at all (out of memory), so memory and store disagree. */
    log_msg(LOG_ERROR, "core: %s failed: %s; stopping so that nothing half-recorded is published",
            what, st_strerror(rc));
    g->failed = 1;
}

/* Publishes a point's telemetry: {"value","unit","quality","ts"}. */
static void publish_telemetry(struct gateway *g, int id)
{
    const struct cfg_point *cp = &g->cfg->points[id];
    char suffix[200], payload[256], value[48], ts[CLOCK_ISO_LEN];
    snprintf(suffix, sizeof(suffix), "%s", cp->name);
    char *dot = strchr(suffix, '.');
    if (dot) *dot = '/';
    int q = g->pts->quality[id];
    if (g->pts->ts[id] == 0 && q != QUALITY_GOOD)
        snprintf(value, sizeof(value), "null");
    else if (cp->sensor >= 0)
        snprintf(value, sizeof(value), "%s", g->pts->value[id] != 0 ? "true" : "false");
    else
        snprintf(value, sizeof(value), "%.10g", g->pts->value[id]);
    char unit[80] = "null";
    if (cp->unit) snprintf(unit, sizeof(unit), "\"%.70s\"", cp->unit);
    int n =
        snprintf(payload, sizeof(payload),
                 "{\"value\":%s,\"unit\":%s,\"quality\":\"%s\",\"ts\":\"%s\"}", value, unit,
                 quality_name(q), clock_iso(g->pts->ts[id] ? g->pts->ts[id] : clock_wall_ms(), ts));
    if (n > 0 && (size_t)n < sizeof(payload)) uplink_telemetry(&g->up, suffix, payload, (size_t)n);
}

static void point_update(struct gateway *g, int id, double value, int quality, int64_t ts,
                         int64_t now_mono)
{
    if (points_set(g->pts, id, value, quality, ts, now_mono)) {
        alarms_point_changed(&g->alarms, id);
        publish_telemetry(g, id);
    }
}

static void apply_batch(struct gateway *g, const struct sample_batch *b, int64_t now_mono)
{
    if (b->device >= 0 && (size_t)b->device < g->cfg->n_devices) {
        int ok = b->comm_ok != 0;
        if (g->device_ok[b->device] != ok) {
            g->device_ok[b->device] = ok;
            alarms_device_comm(&g->alarms, b->device, ok);
            note_store_error(g,
                             store_device_put(g->store, g->cfg->devices[b->device].id,
                                              ok ? "good" : "comm_fail", clock_wall_ms()),
                             "recording device state");
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        const struct sample *s = &b->samples[i];
        if (s->point >= 0 && (size_t)s->point < g->pts->n)
            point_update(g, s->point, s->value, s->quality, s->ts_ms, now_mono);
    }
}

static void drain_queue(struct gateway *g, int64_t now_mono)
{
    queue_ack(g->queue);
    struct sample_batch *b;
    while ((b = queue_pop(g->queue))) {
        apply_batch(g, b, now_mono);
        sample_batch_free(b);
        /* One poll is one snapshot: evaluate it before the next can overwrite an edge. */
        note_store_error(g, alarms_process(&g->alarms, now_mono, clock_wall_ms()),
                         "recording an alarm");
    }
}

static void sensor_message(struct gateway *g, const char *topic, const void *payload, size_t len)
{
    int64_t now_mono = clock_mono_ms(), now_wall = clock_wall_ms();
    for (size_t i = 0; i < g->cfg->n_sensors; i++) {
        const struct cfg_sensor *s = &g->cfg->sensors_in[i];
        if (strcmp(s->topic, topic) != 0) continue;
        int state;
        const char *why = "";
        if (mqtt_sensor_parse(s, payload, len, &state, &why) != ST_OK) {
            g->bad_payloads++;
            log_complain(
                &g->payload_complain, now_mono, LOG_WARN,
                "sensors: dropped a message for %s on %s (%zu bytes): %s; %llu dropped so far",
                s->id, topic, len, why, (unsigned long long)g->bad_payloads);
            continue;
        }
        point_update(g, s->point, state, QUALITY_GOOD, now_wall, now_mono);
        if (s->heartbeat_ms) alarms_sensor_silent(&g->alarms, (int)i, 0);
    }
    /* Evaluate now, message by message: a leak that comes and goes within one loop iteration
     * must still raise its alarm, so edges are never merged away by batching. The commit that
     * follows at the end of the iteration still covers all of them at once. */
    note_store_error(g, alarms_process(&g->alarms, now_mono, now_wall), "recording an alarm");
}

/* Every message from either broker: commands under P/cmd/, otherwise sensor topics. */
static void on_message(void *ctx, const char *topic, const void *payload, size_t len)
{
    struct gateway *g = ctx;
    if (strncmp(topic, g->cmd_prefix, g->cmd_prefix_len) == 0) {
        int rc = commands_handle(&g->cmds, topic + g->cmd_prefix_len, payload, len, clock_mono_ms(),
                                 clock_wall_ms());
        note_store_error(g, rc, "recording a command");
        return;
    }
    sensor_message(g, topic, payload, len);
}

static void sensor_link_connected(void *ctx)
{
    struct gateway *g = ctx;
    for (size_t i = 0; i < g->n_topics; i++)
        mqtt_link_subscribe(g->sensor_link, g->topics[i], 1);
}

/* Sensors with a heartbeat that have said nothing for that long become stale and raise
 * silent_<sensor>. */
static void supervise(struct gateway *g, int64_t now_mono)
{
    if (now_mono < g->next_supervise) return;
    g->next_supervise = now_mono + SUPERVISE_MS;
    for (size_t i = 0; i < g->cfg->n_sensors; i++) {
        const struct cfg_sensor *s = &g->cfg->sensors_in[i];
        if (!s->heartbeat_ms || now_mono - g->pts->seen_mono[s->point] < s->heartbeat_ms) continue;
        if (g->pts->quality[s->point] != QUALITY_STALE) {
            g->pts->quality[s->point] = QUALITY_STALE;
            alarms_point_changed(&g->alarms, s->point);
            publish_telemetry(g, s->point);
        }
        alarms_sensor_silent(&g->alarms, (int)i, 1);
    }
}

static int collect_topics(struct gateway *g)
{
    g->topics = calloc(g->cfg->n_sensors ? g->cfg->n_sensors : 1, sizeof(*g->topics));
    if (!g->topics) return ST_ERR_NOMEM;
    for (size_t i = 0; i < g->cfg->n_sensors; i++) {
        const char *t = g->cfg->sensors_in[i].topic;
        size_t k = 0;
        while (k < g->n_topics && strcmp(g->topics[k], t) != 0)
            k++;
        if (k == g->n_topics) g->topics[g->n_topics++] = t;
    }
    return ST_OK;
}

static int start_adapters(struct gateway *g)
{
    g->adapters = calloc(g->cfg->n_buses ? g->cfg->n_buses : 1, sizeof(*g->adapters));
    g->ops = calloc(g->cfg->n_buses ? g->cfg->n_buses : 1, sizeof(*g->ops));
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

static int gateway_open(struct gateway *g, const struct config *cfg)
{
    g->cfg = cfg;
    int rc = store_open(cfg->storage.path, 0, &g->store);
    if (rc) return rc;
    g->journal = (struct journal){g->store, cfg->upstream.topic_prefix};
    g->pts = points_new(cfg);
    g->device_ok = malloc((cfg->n_devices ? cfg->n_devices : 1) * sizeof(int));
    if (!g->pts || !g->device_ok) return ST_ERR_NOMEM;
    for (size_t i = 0; i < cfg->n_devices; i++)
        g->device_ok[i] = -1;
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < cfg->n_points; i++)
        g->pts->seen_mono[i] = now;
    wo_init(&g->wos, cfg, &g->journal);
    if ((rc = alarms_init(&g->alarms, cfg, g->pts, &g->journal, &g->wos))) return rc;
    g->cmds = (struct commands){&g->alarms, &g->wos, &g->journal, 0};
    if ((rc = wo_restore(&g->wos, g->store)) || (rc = alarms_restore(&g->alarms, g->store)))
        return rc;
    if ((rc = maintenance_init(&g->maint, cfg, &g->wos, g->store, clock_wall_ms()))) return rc;
    snprintf(g->cmd_prefix, sizeof(g->cmd_prefix), "%s/cmd/", cfg->upstream.topic_prefix);
    g->cmd_prefix_len = strlen(g->cmd_prefix);
    if ((rc = collect_topics(g))) return rc;

    json_t *ev = json_pack("{s:s, s:I}", "version", STEWARD_VERSION, "undelivered",
                           (json_int_t)store_outbox_count(g->store));
    if (!ev) return ST_ERR_NOMEM;
    rc = journal_event(&g->journal, "restart", ev);
    json_decref(ev);
    if (rc) return rc;
    /* On a full disk the store holds it and retries: start anyway (the loop's first iteration
     * tells P/status). */
    store_commit(g->store);

    if (!(g->queue = queue_new(QUEUE_BATCHES))) return ST_ERR_NOMEM;
    /* Sensors on the upstream broker are subscribed by the uplink at each connect. */
    int shared = !cfg->has_sensor_broker;
    rc = uplink_init(&g->up, cfg, g->store, on_message, g, shared ? g->topics : NULL,
                     shared ? g->n_topics : 0);
    if (rc) return rc;
    if (!shared && g->n_topics) {
        struct mqtt_link_cb cb = {g, sensor_link_connected, NULL, on_message, NULL};
        g->sensor_link =
            mqtt_link_new(&cfg->sensors, cfg->sensors.client_id, NULL, 20, &cb, "sensors");
        if (!g->sensor_link) return ST_ERR_MQTT;
    }
    return start_adapters(g);
}

static void gateway_close(struct gateway *g)
{
    stop_adapters(g);
    /* After a change that could not be recorded the group may hold half an alarm (its state
     * without its outbox row): never commit that; store_close drops it, the restart re-derives. */
    if (g->store && store_pending(g->store) && !g->failed) store_flush(g->store);
    if (g->up.link) uplink_cleanup(&g->up);
    mqtt_link_free(g->sensor_link);
    queue_free(g->queue);
    alarms_cleanup(&g->alarms);
    maintenance_cleanup(&g->maint);
    wo_cleanup(&g->wos);
    points_free(g->pts);
    store_close(g->store);
    free(g->adapters);
    free(g->ops);
    free(g->topics);
    free(g->device_ok);
}

static int64_t earliest(int64_t a, int64_t b)
{
    return a == 0 ? b : (b == 0 || a < b) ? a : b;
}

/* A wall-clock deadline (0: none) as a monotonic wake time. */
static int64_t wall_deadline(int64_t now_mono, int64_t due_wall)
{
    return due_wall ? now_mono + (due_wall - clock_wall_ms()) : 0;
}

static void iterate(struct gateway *g, const sigset_t *unblocked)
{
    int64_t now = clock_mono_ms();
    int64_t wake = now + MAX_WAIT_MS;
    wake = earliest(wake, alarms_next_wake(&g->alarms));
    wake = earliest(wake, store_retry_at(g->store));
    wake = earliest(wake, wall_deadline(now, wo_next_due(&g->wos)));
    wake = earliest(wake, wall_deadline(now, maintenance_next_due(&g->maint)));
    wake = earliest(wake, mqtt_link_tick(g->up.link, now));
    if (g->sensor_link) wake = earliest(wake, mqtt_link_tick(g->sensor_link, now));

    struct pollfd fds[3];
    fds[0] = (struct pollfd){queue_fd(g->queue), POLLIN, 0};
    fds[1] = (struct pollfd){mqtt_link_fd(g->up.link), mqtt_link_events(g->up.link), 0};
    fds[2] = (struct pollfd){g->sensor_link ? mqtt_link_fd(g->sensor_link) : -1,
                             g->sensor_link ? mqtt_link_events(g->sensor_link) : 0, 0};
    int64_t wait = wake - now;
    if (wait < 0) wait = 0;
    struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
    int n = ppoll(fds, 3, &ts, unblocked);
    if (n < 0 && errno != EINTR) log_msg(LOG_ERROR, "core: poll failed: %s", strerror(errno));

    now = clock_mono_ms();
    if (n > 0 && fds[0].revents) drain_queue(g, now);
    if (n > 0 && fds[1].revents) mqtt_link_io(g->up.link, fds[1].revents);
    if (n > 0 && fds[2].revents) mqtt_link_io(g->sensor_link, fds[2].revents);
    supervise(g, now);
    int64_t wall = clock_wall_ms();
    note_store_error(g, alarms_process(&g->alarms, now, wall), "recording an alarm");
    note_store_error(g, wo_tick(&g->wos, wall), "escalating a work order");
    note_store_error(g, maintenance_tick(&g->maint, wall), "raising planned maintenance");
    if (now >= g->next_trim) {
        g->next_trim = now + TRIM_EVERY_MS;
        note_store_error(g, store_trim(g->store, g->cfg->storage.max_size), "trimming the store");
    }
    if (g->failed) return;
    /* Group commit: one fsync for everything this iteration wrote, then publish it. A failed
     * commit is held by the store and retried; P/status tells the control room meanwhile. */
    if (store_pending(g->store)) store_commit(g->store);
    uplink_store_state(&g->up, store_failing(g->store));
    uplink_drain(&g->up);
}

int loop_run(const struct config *cfg)
{
    struct gateway g;
    memset(&g, 0, sizeof(g));
    sigset_t block, unblocked;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    /* Blocked everywhere (bus threads inherit this mask); delivered only inside ppoll. */
    pthread_sigmask(SIG_BLOCK, &block, &unblocked);
    sigdelset(&unblocked, SIGINT);
    sigdelset(&unblocked, SIGTERM);
    sigdelset(&unblocked, SIGHUP);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* its default action would kill the gateway */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* past a file size limit a write fails (EFBIG); the store copes */
    stop_requested = 0;

    int rc = gateway_open(&g, cfg);
    if (rc) {
        log_msg(LOG_ERROR, "core: cannot start: %s", st_strerror(rc));
        gateway_close(&g);
        return 2;
    }
    log_msg(LOG_INFO,
            "core: steward %s running for site %s (%zu points, %zu alarms, %zu open work orders)",
            STEWARD_VERSION, cfg->site.id, cfg->n_points, g.alarms.n, g.wos.n);
    while (!stop_requested && !g.failed)
        iterate(&g, &unblocked);
    log_msg(LOG_INFO, "core: stopping");
    int failed = g.failed;
    gateway_close(&g);
    return failed ? 2 : 0;
}
