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
    int offline;     /* its bridge said offline, and nothing was heard since */
    int have_last;   /* a value was read since start */
    double last;     /* the latest value read */
    int64_t last_ts; /* and when (wall ms) */
};

struct mqtt_sensors {
    const struct config *cfg;
    struct timers *timers;
    mqtt_sensors_emit_fn emit;
    mqtt_sensors_status_fn status;
    void *ctx;
    const char **topics; /* distinct, borrowed from the config */
    size_t n_topics;
    struct supervised *sup; /* one per sensor */
    uint64_t dropped, without_state;
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

static void add_topic(struct mqtt_sensors *s, const char *topic)
{
    size_t k = 0;
    while (k < s->n_topics && strcmp(s->topics[k], topic) != 0)
        k++;
    if (k == s->n_topics) s->topics[s->n_topics++] = topic;
}

struct mqtt_sensors *mqtt_sensors_new(const struct config *cfg, struct timers *timers,
                                      mqtt_sensors_emit_fn emit, void *ctx, int64_t now_mono)
{
    struct mqtt_sensors *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    *s = (struct mqtt_sensors){.cfg = cfg, .timers = timers, .emit = emit, .ctx = ctx};
    size_t n = cfg->n_sensors ? cfg->n_sensors : 1;
    s->topics = calloc(2 * n, sizeof(*s->topics)); /* a state and an availability topic each */
    s->sup = calloc(n, sizeof(*s->sup));
    if (!s->topics || !s->sup) goto out_free;
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        const struct cfg_sensor *cs = &cfg->sensors_in[i];
        add_topic(s, cs->topic);
        if (cs->availability_topic) add_topic(s, cs->availability_topic);
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

void mqtt_sensors_on_status(struct mqtt_sensors *s, mqtt_sensors_status_fn fn)
{
    s->status = fn;
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

static void tell(struct mqtt_sensors *s, size_t i, enum sensor_status what, int on)
{
    if (s->status) s->status(s->ctx, (int)i, what, on);
}

/* The bridge says the device is online again: its latest value is good again at once (the
 * bridge kept it; a new state message may follow), and its heartbeat runs again. */
static int back_online(struct mqtt_sensors *s, size_t i, int64_t now_mono)
{
    struct supervised *v = &s->sup[i];
    const struct cfg_sensor *cs = &s->cfg->sensors_in[i];
    v->offline = 0;
    tell(s, i, SENSOR_OFFLINE, 0);
    int rc = ST_OK;
    if (cs->heartbeat_ms) rc = timers_arm(s->timers, &v->heartbeat, now_mono + cs->heartbeat_ms);
    if (rc == ST_OK && v->have_last) {
        struct sample smp = {cs->point, v->last, QUALITY_GOOD, v->last_ts};
        rc = s->emit(s->ctx, &smp);
    }
    return rc;
}

/* The bridge says the device is offline: its point is comm_fail (rules reading it are unknown)
 * and its comm_<sensor> alarm raised. Its heartbeat waits: offline says more than silence. */
static int gone_offline(struct mqtt_sensors *s, size_t i)
{
    struct supervised *v = &s->sup[i];
    const struct cfg_sensor *cs = &s->cfg->sensors_in[i];
    v->offline = 1;
    timers_cancel(s->timers, &v->heartbeat);
    tell(s, i, SENSOR_OFFLINE, 1);
    struct sample smp = {cs->point, v->last, QUALITY_COMM_FAIL, v->have_last ? v->last_ts : 0};
    return s->emit(s->ctx, &smp);
}

static int availability_message(struct mqtt_sensors *s, size_t i, const char *topic,
                                const void *payload, size_t len, int64_t now_mono)
{
    int online;
    const char *why = "";
    if (mqtt_sensor_availability(payload, len, &online, &why) != ST_OK) {
        s->dropped++;
        log_complain(&s->complain, now_mono, LOG_WARN,
                     "sensors: dropped an availability message for %s on %s (%zu bytes): %s; "
                     "%llu dropped so far",
                     s->cfg->sensors_in[i].id, topic, len, why, (unsigned long long)s->dropped);
        return ST_OK;
    }
    if (log_enabled(LOG_DEBUG))
        log_msg(LOG_DEBUG, "sensors: %s is %s (%s)", s->cfg->sensors_in[i].id,
                online ? "online" : "offline", topic);
    if (online) return s->sup[i].offline ? back_online(s, i, now_mono) : ST_OK;
    return gone_offline(s, i);
}

static int state_message(struct mqtt_sensors *s, size_t i, const char *topic, const void *payload,
                         size_t len, int64_t now_mono, int64_t now_wall)
{
    const struct cfg_sensor *cs = &s->cfg->sensors_in[i];
    struct supervised *v = &s->sup[i];
    struct sensor_reading r;
    const char *why = "";
    if (log_enabled(LOG_DEBUG))
        log_msg(LOG_DEBUG, "sensors: %s on %s: %.*s", cs->id, topic, len > 200 ? 200 : (int)len,
                (const char *)payload);
    if (mqtt_sensor_read(cs, payload, len, &r, &why) != ST_OK) {
        s->dropped++;
        log_complain(&s->complain, now_mono, LOG_WARN,
                     "sensors: dropped a message for %s on %s (%zu bytes): %s; %llu dropped so far",
                     cs->id, topic, len, why, (unsigned long long)s->dropped);
        return ST_OK;
    }
    if (r.battery >= 0) tell(s, i, SENSOR_BATTERY_LOW, r.battery);
    if (!r.has_value) {
        /* Zigbee2MQTT reports battery, link quality... on the same topic: normal, no state. */
        s->without_state++;
        if (log_enabled(LOG_DEBUG))
            log_msg(LOG_DEBUG,
                    "sensors: a message for %s on %s without '%s' (%zu bytes): no state; %llu so "
                    "far",
                    cs->id, topic, cs->field ? cs->field : "", len,
                    (unsigned long long)s->without_state);
        return ST_OK;
    }
    int rc = ST_OK;
    if (v->offline) { /* heard from: it is online, whatever the bridge said */
        v->offline = 0;
        tell(s, i, SENSOR_OFFLINE, 0);
    }
    if (cs->heartbeat_ms) rc = timers_arm(s->timers, &v->heartbeat, now_mono + cs->heartbeat_ms);
    v->have_last = 1;
    v->last = r.value;
    v->last_ts = now_wall;
    struct sample smp = {cs->point, r.value, QUALITY_GOOD, now_wall};
    if (rc == ST_OK) rc = s->emit(s->ctx, &smp);
    return rc;
}

int mqtt_sensors_message(struct mqtt_sensors *s, const char *topic, const void *payload, size_t len,
                         int64_t now_mono, int64_t now_wall)
{
    int rc = ST_OK;
    for (size_t i = 0; i < s->cfg->n_sensors && rc == ST_OK; i++) {
        const struct cfg_sensor *cs = &s->cfg->sensors_in[i];
        if (strcmp(cs->topic, topic) == 0)
            rc = state_message(s, i, topic, payload, len, now_mono, now_wall);
        else if (cs->availability_topic && strcmp(cs->availability_topic, topic) == 0)
            rc = availability_message(s, i, topic, payload, len, now_mono);
    }
    return rc;
}

uint64_t mqtt_sensors_dropped(const struct mqtt_sensors *s)
{
    return s->dropped;
}

uint64_t mqtt_sensors_without_state(const struct mqtt_sensors *s)
{
    return s->without_state;
}
