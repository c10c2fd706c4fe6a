/* sensors.c - see sensors.h. */
#include "simulator/sensors.h"
#include "gateway/base/log.h"
#include "gateway/base/mqtt_client.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sim_sensors {
    const struct config *cfg;
    struct mosquitto *m;
};

struct sim_sensors *sim_sensors_new(const struct config *cfg)
{
    const struct cfg_broker *b = &cfg->sensors;
    struct sim_sensors *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->cfg = cfg;
    char id[128];
    snprintf(id, sizeof(id), "steward-sim-%s-%ld", cfg->site.id, (long)getpid());
    char err[300];
    s->m = mqtt_client_new(b, id, 1, s, err, sizeof(err));
    if (!s->m) {
        log_msg(LOG_ERROR, "sim: %s", err);
        goto fail;
    }
    mosquitto_reconnect_delay_set(s->m, 1, 5, false);
    int rc = mosquitto_connect_async(s->m, b->host, b->port, 30);
    if (rc != MOSQ_ERR_SUCCESS)
        log_msg(LOG_WARN, "sim: sensor broker %s:%d not reachable yet (%s); retrying", b->host,
                b->port, mosquitto_strerror(rc));
    if (mosquitto_loop_start(s->m) != MOSQ_ERR_SUCCESS) goto fail;
    return s;
fail:
    log_msg(LOG_ERROR, "sim: cannot set up the MQTT sensor client");
    sim_sensors_free(s);
    return NULL;
}

void sim_sensors_free(struct sim_sensors *s)
{
    if (!s) return;
    if (s->m) {
        mosquitto_disconnect(s->m);
        mosquitto_loop_stop(s->m, false);
        mosquitto_destroy(s->m);
    }
    free(s);
}

static void publish_one(struct sim_sensors *s, const struct cfg_sensor *se, int state)
{
    char payload[256];
    int wire = se->invert ? !state : state; /* an open door reports contact = false */
    if (se->plain)
        snprintf(payload, sizeof(payload), "%s", wire ? se->on : se->off);
    else
        snprintf(payload, sizeof(payload), "{\"%s\":%s,\"battery\":97,\"linkquality\":120}",
                 se->field, wire ? "true" : "false");
    mosquitto_publish(s->m, NULL, se->topic, (int)strlen(payload), payload, 1, false);
}

void sim_sensors_publish(struct sim_sensors *s, struct world *w, int all)
{
    for (size_t i = 0; i < s->cfg->n_sensors; i++) {
        const struct cfg_sensor *se = &s->cfg->sensors_in[i];
        if (!all && !w->changed[se->point]) continue;
        w->changed[se->point] = 0;
        int state = w->value[se->point] != 0;
        if (!all) log_msg(LOG_INFO, "sim: sensor %s -> %s", se->id, state ? "ON" : "off");
        publish_one(s, se, state);
    }
}
