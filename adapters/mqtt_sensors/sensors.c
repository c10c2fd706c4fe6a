/* sensors.c - see sensors.h. */
#include "adapters/mqtt_sensors/sensors.h"
#include "adapters/mqtt_sensors/parse.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/quality.h"

#include <stdlib.h>
#include <string.h>

struct supervised {
    struct mqtt_sensors *s;
    size_t index; /* into cfg->sensors_in */
    struct timer heartbeat;
};

struct mqtt_sensors {
    const struct config *cfg;
    struct timers *timers;
    mqtt_sensors_emit_fn emit;
    void *ctx;
    const char **topics; /* distinct, borrowed from the config */
    size_t n_topics;
    struct supervised *sup; /* one per sensor (used when it has a heartbeat) */
    uint64_t dropped;
    struct log_complain complain;
};

/* Said nothing within its heartbeat: stale, once, until its next message. */
static int heartbeat_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono, (void)again;
    struct supervised *v = ctx;
    const struct cfg_sensor *cs = &v->s->cfg->sensors_in[v->index];
    struct sample smp = {cs->point, 0, QUALITY_STALE, now_wall};
    return v->s->emit(v->s->ctx, &smp);
}

struct mqtt_sensors *mqtt_sensors_new(const struct config *cfg, struct timers *timers,
                                      mqtt_sensors_emit_fn emit, void *ctx, int64_t now_mono)
{
    struct mqtt_sensors *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    *s = (struct mqtt_sensors){.cfg = cfg, .timers = timers, .emit = emit, .ctx = ctx};
    size_t n = cfg->n_sensors ? cfg->n_sensors : 1;
    s->topics = calloc(n, sizeof(*s->topics));
    s->sup = calloc(n, sizeof(*s->sup));
    if (!s->topics || !s->sup) goto out_free;
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        const struct cfg_sensor *cs = &cfg->sensors_in[i];
        size_t k = 0;
        while (k < s->n_topics && strcmp(s->topics[k], cs->topic) != 0)
            k++;
        if (k == s->n_topics) s->topics[s->n_topics++] = cs->topic;
        s->sup[i] = (struct supervised){.s = s, .index = i};
        timer_init(&s->sup[i].heartbeat, heartbeat_due, &s->sup[i], "sensor heartbeat");
        /* Supervised from the start: silent that long after start is silent. */
        if (cs->heartbeat_ms &&
            timers_arm(timers, &s->sup[i].heartbeat, now_mono + cs->heartbeat_ms))
            goto out_free;
    }
    return s;
out_free:
    mqtt_sensors_free(s);
    return NULL;
}

void mqtt_sensors_free(struct mqtt_sensors *s)
{
    if (!s) return;
    for (size_t i = 0; s->sup && i < s->cfg->n_sensors; i++)
        timers_cancel(s->timers, &s->sup[i].heartbeat);
    free(s->sup);
    free(s->topics);
    free(s);
}

size_t mqtt_sensors_topics(const struct mqtt_sensors *s, const char *const **topics)
{
    *topics = s->topics;
    return s->n_topics;
}

int mqtt_sensors_message(struct mqtt_sensors *s, const char *topic, const void *payload, size_t len,
                         int64_t now_mono, int64_t now_wall)
{
    int rc = ST_OK;
    for (size_t i = 0; i < s->cfg->n_sensors && rc == ST_OK; i++) {
        const struct cfg_sensor *cs = &s->cfg->sensors_in[i];
        if (strcmp(cs->topic, topic) != 0) continue;
        int state;
        const char *why = "";
        if (log_enabled(LOG_DEBUG))
            log_msg(LOG_DEBUG, "sensors: %s on %s: %.*s", cs->id, topic, len > 200 ? 200 : (int)len,
                    (const char *)payload);
        if (mqtt_sensor_parse(cs, payload, len, &state, &why) != ST_OK) {
            s->dropped++;
            log_complain(
                &s->complain, now_mono, LOG_WARN,
                "sensors: dropped a message for %s on %s (%zu bytes): %s; %llu dropped so far",
                cs->id, topic, len, why, (unsigned long long)s->dropped);
            continue;
        }
        if (cs->heartbeat_ms)
            rc = timers_arm(s->timers, &s->sup[i].heartbeat, now_mono + cs->heartbeat_ms);
        struct sample smp = {cs->point, state, QUALITY_GOOD, now_wall};
        if (rc == ST_OK) rc = s->emit(s->ctx, &smp);
    }
    return rc;
}

uint64_t mqtt_sensors_dropped(const struct mqtt_sensors *s)
{
    return s->dropped;
}
