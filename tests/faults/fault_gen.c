/* fault_gen.c - the generator: stamped leak raises at QoS 1, each PUBACK recorded. */
#include "tests/faults/faults.h"

#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MID_MAX 65536

/* What a message id in flight carries: a raise of sensor (kind RAISE), or anything else. */
enum { MID_FREE = 0, MID_RAISE, MID_OTHER };

struct f_gen {
    struct mosquitto *m;
    pthread_mutex_t lock;
    unsigned char mid_kind[MID_MAX];
    unsigned char mid_sensor[MID_MAX];
    long long stamp;
    int next; /* the sensor the next burst pulse goes to */
    struct f_gen_stats st;
};

static void gen_on_publish(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    struct f_gen *g = obj;
    pthread_mutex_lock(&g->lock);
    if (mid > 0 && mid < MID_MAX && g->mid_kind[mid] != MID_FREE) {
        if (g->mid_kind[mid] == MID_RAISE) {
            g->st.raises_acked++;
            g->st.acked_per[g->mid_sensor[mid]]++;
        }
        g->mid_kind[mid] = MID_FREE;
        g->st.acked++;
    }
    pthread_mutex_unlock(&g->lock);
}

struct f_gen *f_gen_new(int port)
{
    struct f_gen *g = calloc(1, sizeof(*g));
    if (!g) return NULL;
    pthread_mutex_init(&g->lock, NULL);
    g->m = mosquitto_new(NULL, true, g);
    if (!g->m) goto fail;
    mosquitto_int_option(g->m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_max_inflight_messages_set(g->m, 0); /* no window: bursts go out as offered */
    mosquitto_publish_callback_set(g->m, gen_on_publish);
    if (mosquitto_connect(g->m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(g->m) != MOSQ_ERR_SUCCESS)
        goto fail;
    return g;
fail:
    f_gen_free(g);
    return NULL;
}

void f_gen_free(struct f_gen *g)
{
    if (!g) return;
    if (g->m) {
        mosquitto_disconnect(g->m);
        mosquitto_loop_stop(g->m, false);
        mosquitto_destroy(g->m);
        g->m = NULL;
    }
    pthread_mutex_destroy(&g->lock);
    free(g);
}

/* Publishes under the lock, so that the PUBACK callback finds the message id recorded. */
static int gen_publish(struct f_gen *g, const char *topic, const void *p, size_t len, int kind,
                       int sensor)
{
    int mid = 0;
    pthread_mutex_lock(&g->lock);
    int rc = mosquitto_publish(g->m, &mid, topic, (int)len, p, 1, false);
    g->st.messages++;
    if (kind == MID_RAISE) g->st.raises++;
    if (rc == MOSQ_ERR_SUCCESS && mid > 0 && mid < MID_MAX) {
        g->mid_kind[mid] = (unsigned char)kind;
        g->mid_sensor[mid] = (unsigned char)(sensor < 0 ? 0 : sensor);
    } else {
        g->st.refused++;
    }
    pthread_mutex_unlock(&g->lock);
    return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

int f_gen_pulse(struct f_gen *g, int sensor)
{
    char topic[64], on[96];
    static const char off[] = "{\"water_leak\":false}";
    snprintf(topic, sizeof(topic), "faults/leak/%02d", sensor);
    int n = snprintf(on, sizeof(on), "{\"water_leak\":true,\"stamp\":%lld}", ++g->stamp);
    int rc = gen_publish(g, topic, on, (size_t)n, MID_RAISE, sensor);
    if (gen_publish(g, topic, off, strlen(off), MID_OTHER, sensor) != 0) rc = -1;
    return rc;
}

void f_gen_burst(struct f_gen *g, int n, int span_ms)
{
    int step = n > 0 && span_ms > 0 ? span_ms * 1000 / n : 0; /* microseconds between pulses */
    for (int i = 0; i < n; i++) {
        f_gen_pulse(g, g->next);
        g->next = (g->next + 1) % F_SENSORS;
        if (step > 0) {
            struct timespec ts = {step / 1000000, (long)(step % 1000000) * 1000L};
            nanosleep(&ts, NULL);
        }
    }
}

int f_gen_raw(struct f_gen *g, const char *topic, const void *payload, size_t len)
{
    return gen_publish(g, topic, payload, len, MID_OTHER, -1);
}

int f_gen_wait_acks(struct f_gen *g, int max_ms)
{
    for (int i = 0; i <= max_ms / 10; i++) { /* bounded: max_ms / 10 naps of 10 ms */
        pthread_mutex_lock(&g->lock);
        int done = g->st.acked >= g->st.messages - g->st.refused;
        pthread_mutex_unlock(&g->lock);
        if (done) return 0;
        f_nap_ms(10);
    }
    return -1;
}

void f_gen_stats(struct f_gen *g, struct f_gen_stats *out)
{
    pthread_mutex_lock(&g->lock);
    *out = g->st;
    pthread_mutex_unlock(&g->lock);
}

void f_nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
