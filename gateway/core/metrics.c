/* metrics.c - see metrics.h. */
#include "gateway/core/metrics.h"
#include "adapters/mqtt_sensors/sensors.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/queue.h"
#include "gateway/core/gateway.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static json_t *figures(struct metrics *m, int64_t now_mono, int64_t now_wall)
{
    struct gateway *g = m->g;
    json_t *o = json_object(), *dev = json_object(), *commit = json_object();
    if (!o || !dev || !commit) {
        json_decref(o);
        json_decref(dev);
        json_decref(commit);
        return NULL;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < m->n && i < g->cfg->n_devices; i++) {
        json_object_set_new(dev, g->cfg->devices[i].id,
                            json_pack("{s:I, s:I, s:I}", "polls_ok", (json_int_t)m->ok[i],
                                      "polls_failed", (json_int_t)m->failed[i], "requests",
                                      (json_int_t)m->requests[i]));
        total += m->requests[i];
    }
    double secs = (double)(now_mono - m->then_mono) / 1000.0;
    int64_t p50, p99;
    store_commit_latency(g->store, &p50, &p99);
    json_object_set_new(commit, "p50", json_real((double)p50 / 1000.0));
    json_object_set_new(commit, "p99", json_real((double)p99 / 1000.0));
    journal_set_time(o, "ts", now_wall);
    json_object_set_new(o, "uptime_s", json_integer((now_mono - m->started_mono) / 1000));
    json_object_set_new(o, "devices", dev);
    json_object_set_new(o, "requests_per_s",
                        json_real(secs > 0 ? (double)(total - m->requests_then) / secs : 0));
    json_object_set_new(o, "queue_depth", json_integer((json_int_t)queue_depth(g->queue)));
    json_object_set_new(o, "queue_dropped", json_integer((json_int_t)queue_dropped(g->queue)));
    json_object_set_new(o, "outbox_backlog", json_integer(store_outbox_count(g->store)));
    json_object_set_new(o, "commit_ms", commit);
    json_object_set_new(o, "sensor_messages_dropped",
                        json_integer((json_int_t)mqtt_sensors_dropped(g->sensors)));
    json_object_set_new(o, "db_bytes", json_integer(store_size(g->store)));
    m->requests_then = total;
    m->then_mono = now_mono;
    return o;
}

static int metrics_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    struct metrics *m = ctx;
    *again = m->g->cfg->metrics.interval_ms ? m->g->cfg->metrics.interval_ms : 60000;
    json_t *o = figures(m, now_mono, now_wall);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (text) uplink_publish_info(&m->g->up, "metrics", text, strlen(text));
    free(text);
    return ST_OK; /* figures lost while offline are not worth an error */
}

int metrics_init(struct metrics *m, struct gateway *g)
{
    memset(m, 0, sizeof(*m));
    m->g = g;
    m->n = g->cfg->n_devices;
    size_t n = m->n ? m->n : 1;
    m->ok = calloc(n, sizeof(*m->ok));
    m->failed = calloc(n, sizeof(*m->failed));
    m->requests = calloc(n, sizeof(*m->requests));
    if (!m->ok || !m->failed || !m->requests) return ST_ERR_NOMEM;
    m->started_mono = m->then_mono = clock_mono_ms();
    timer_init(&m->timer, metrics_due, m, "metrics");
    /* The first a few seconds after start (the link is up by then), then every interval. */
    return timers_arm(g->timers, &m->timer, m->started_mono + 5000);
}

void metrics_cleanup(struct metrics *m)
{
    if (m->g && m->g->timers) timers_cancel(m->g->timers, &m->timer);
    free(m->ok);
    free(m->failed);
    free(m->requests);
    m->ok = m->failed = m->requests = NULL;
    m->n = 0;
}

void metrics_poll(struct metrics *m, int device, int ok, int requests)
{
    if (device < 0 || (size_t)device >= m->n) return;
    if (ok)
        m->ok[device]++;
    else
        m->failed[device]++;
    if (requests > 0) m->requests[device] += (uint64_t)requests;
}
