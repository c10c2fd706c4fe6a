/* live.c - see live.h. */
#include "gateway/cli/live.h"
#include "gateway/base/clock.h"
#include "gateway/base/mqtt_client.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LIVE_MAX 20000 /* retained telemetry messages kept at most */
#define QUIET_MS 300   /* retained copies come at once after SUBACK: this long without any = done */

struct ctx {
    struct live *l;
    const char *status_topic;
    int subscribed;
    int64_t last;
};

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
    (void)m, (void)mid, (void)n, (void)granted;
    struct ctx *c = obj;
    c->subscribed++;
    c->last = clock_mono_ms();
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct ctx *c = obj;
    struct live *l = c->l;
    c->last = clock_mono_ms();
    if (!msg->retain || msg->payloadlen <= 0) return;
    char *p = strndup(msg->payload, (size_t)msg->payloadlen);
    if (!p) return;
    if (strcmp(msg->topic, c->status_topic) == 0) {
        free(l->status);
        l->status = p;
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **t = cap <= LIVE_MAX ? realloc(l->topic, cap * sizeof(*t)) : NULL;
        char **v = t ? realloc(l->payload, cap * sizeof(*v)) : NULL;
        if (t) l->topic = t;
        if (!t || !v) {
            free(p);
            return;
        }
        l->payload = v;
        l->cap = cap;
    }
    l->topic[l->n] = strdup(msg->topic);
    l->payload[l->n++] = p;
}

int live_fetch(const struct config *cfg, int timeout_ms, struct live *out)
{
    memset(out, 0, sizeof(*out));
    const struct cfg_broker *b = &cfg->upstream;
    char id[96], status_topic[320], tele[320];
    snprintf(id, sizeof(id), "%.60s-status-%ld", b->client_id, (long)getpid());
    snprintf(status_topic, sizeof(status_topic), "%s/status", b->topic_prefix);
    snprintf(tele, sizeof(tele), "%s/telemetry/#", b->topic_prefix);
    struct ctx c = {out, status_topic, 0, 0};
    struct mosquitto *m = mqtt_client_new(b, id, 1, &c, out->error, sizeof(out->error));
    if (!m) return -1;
    mosquitto_subscribe_callback_set(m, on_subscribe);
    mosquitto_message_callback_set(m, on_message);
    int rc = mosquitto_connect(m, b->host, b->port, 10);
    if (rc != MOSQ_ERR_SUCCESS) {
        snprintf(out->error, sizeof(out->error), "cannot reach the broker %s:%d: %s", b->host,
                 b->port, mosquitto_strerror(rc));
        mosquitto_destroy(m);
        return -1;
    }
    mosquitto_subscribe(m, NULL, status_topic, 0);
    mosquitto_subscribe(m, NULL, tele, 0);
    int64_t end = clock_mono_ms() + timeout_ms;
    while (clock_mono_ms() < end) {
        if (mosquitto_loop(m, 50, 1) != MOSQ_ERR_SUCCESS) break;
        if (c.subscribed >= 2 && clock_mono_ms() - c.last >= QUIET_MS) break;
    }
    out->reached = c.subscribed >= 2;
    mosquitto_disconnect(m);
    mosquitto_destroy(m);
    if (!out->reached) snprintf(out->error, sizeof(out->error), "the broker did not answer");
    return out->reached ? 0 : -1;
}

void live_free(struct live *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->topic[i]);
        free(l->payload[i]);
    }
    free(l->topic);
    free(l->payload);
    free(l->status);
    memset(l, 0, sizeof(*l));
}
