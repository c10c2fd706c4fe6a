/* samples.c - see samples.h. */
#include "gateway/core/samples.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/quality.h"
#include "gateway/core/gateway.h"
#include "gateway/core/points.h"
#include "gateway/uplink/telemetry.h"

int samples_apply(struct gateway *g, const struct sample *s)
{
    struct points *p = g->pts;
    if (s->point < 0 || (size_t)s->point >= p->n) return ST_OK;
    if (points_set(p, s->point, s->value, s->quality, s->ts_ms)) {
        alarms_point_changed(&g->alarms, s->point);
        telemetry_publish(&g->up, g->cfg, s->point, p->value[s->point], p->quality[s->point],
                          p->ts[s->point]);
    }
    int sensor = g->cfg->points[s->point].sensor;
    if (sensor >= 0 && g->cfg->sensors_in[sensor].heartbeat_ms)
        alarms_sensor_silent(&g->alarms, sensor, s->quality == QUALITY_STALE);
    return ST_OK;
}

int samples_apply_batch(struct gateway *g, const struct sample_batch *b)
{
    int rc = ST_OK;
    if (b->device >= 0 && (size_t)b->device < g->cfg->n_devices) {
        int ok = b->comm_ok != 0;
        metrics_poll(&g->metrics, b->device, ok, b->requests);
        if (log_enabled(LOG_DEBUG))
            log_msg(LOG_DEBUG, "core: poll of %s: %s, %zu points, %d requests",
                    g->cfg->devices[b->device].id, ok ? "answered" : "no answer", b->n,
                    b->requests);
        if (g->device_ok[b->device] != ok) {
            g->device_ok[b->device] = ok;
            alarms_device_comm(&g->alarms, b->device, ok);
            rc = journal_device(&g->journal, g->cfg->devices[b->device].id,
                                ok ? "good" : "comm_fail", clock_wall_ms());
        }
    }
    for (size_t i = 0; i < b->n && rc == ST_OK; i++)
        rc = samples_apply(g, &b->samples[i]);
    return rc;
}
