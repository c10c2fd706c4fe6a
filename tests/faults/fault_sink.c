/* fault_sink.c - the counting sink on P/events: persistent session, de-duplicated on seq. */
#include "tests/faults/faults.h"

#include <jansson.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SEQ (16L * 1024 * 1024) /* past this a seq is not believed (nor de-duplicated) */

struct f_sink {
    struct mosquitto *m;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int subscribed;
    unsigned char *seen; /* by seq: 1 once an event with that seq arrived */
    size_t seen_cap;
    long long max_seq; /* the highest seq delivered so far */
    struct f_sink_stats st;
};

/* Marks seq seen; returns 1 when it already was, 0 when new, -1 when not believable. */
static int sink_seen(struct f_sink *s, long long seq)
{
    if (seq < 0 || seq >= MAX_SEQ) return -1;
    if ((size_t)seq >= s->seen_cap) {
        size_t cap = s->seen_cap ? s->seen_cap : 65536;
        while (cap <= (size_t)seq)
            cap *= 2;
        unsigned char *v = realloc(s->seen, cap);
        if (!v) return -1;
        memset(v + s->seen_cap, 0, cap - s->seen_cap);
        s->seen = v;
        s->seen_cap = cap;
    }
    if (s->seen[seq]) return 1;
    s->seen[seq] = 1;
    return 0;
}

static void sink_count(struct f_sink *s, json_t *o)
{
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!type) return;
    if (!strcmp(type, "alarm")) {
        const char *tr = json_string_value(json_object_get(o, "transition"));
        const char *alarm = json_string_value(json_object_get(o, "alarm"));
        int i = -1;
        if (tr && alarm && !strcmp(tr, "raised") && sscanf(alarm, "leak_%d", &i) == 1 && i >= 0 &&
            i < F_SENSORS) {
            s->st.raised[i]++;
            s->st.raised_total++;
        }
    } else if (!strcmp(type, "flood")) {
        const char *state = json_string_value(json_object_get(o, "state"));
        if (state && !strcmp(state, "begin")) s->st.flood_begin++;
        if (state && !strcmp(state, "end")) s->st.flood_end++;
    } else if (!strcmp(type, "restart")) {
        s->st.restarts++;
    }
}

static void sink_on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct f_sink *s = obj;
    json_error_t err;
    json_t *o = json_loadb(msg->payload, (size_t)msg->payloadlen, 0, &err);
    json_t *seq = json_object_get(o, "seq");
    pthread_mutex_lock(&s->lock);
    s->st.messages++;
    if (!o || !json_is_integer(seq)) {
        s->st.unparsed++;
    } else {
        long long q = (long long)json_integer_value(seq);
        int seen = sink_seen(s, q);
        if (seen == 1) {
            s->st.duplicates++;
        } else if (seen == 0) {
            if (q < s->max_seq) s->st.out_of_order++;
            if (q > s->max_seq) s->max_seq = q;
            sink_count(s, o);
            s->st.last_at = h_now();
            if (s->st.first_at == 0) s->st.first_at = s->st.last_at;
            pthread_cond_broadcast(&s->cond);
        } else {
            s->st.unparsed++;
        }
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(o);
}

static void sink_on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *q)
{
    (void)m, (void)mid, (void)n, (void)q;
    struct f_sink *s = obj;
    pthread_mutex_lock(&s->lock);
    s->subscribed = 1;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
}

struct f_sink *f_sink_new(int port, const char *id)
{
    struct f_sink *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->max_seq = -1;
    /* A persistent session: what the gateway publishes while the sink is reconnecting (after a
     * broker restart) is kept for it. */
    s->m = mosquitto_new(id, false, s);
    if (!s->m) goto fail;
    mosquitto_int_option(s->m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_message_callback_set(s->m, sink_on_message);
    mosquitto_subscribe_callback_set(s->m, sink_on_subscribe);
    mosquitto_reconnect_delay_set(s->m, 1, 1, false);
    if (mosquitto_connect(s->m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_subscribe(s->m, NULL, F_PREFIX "/events", 1) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(s->m) != MOSQ_ERR_SUCCESS)
        goto fail;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < 50 && !s->subscribed; i++) { /* bounded: 50 x 100 ms */
        struct timespec ts;
        h_deadline_in(&ts, 100);
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    int ok = s->subscribed;
    pthread_mutex_unlock(&s->lock);
    if (ok) return s;
fail:
    f_sink_free(s);
    return NULL;
}

void f_sink_free(struct f_sink *s)
{
    if (!s) return;
    if (s->m) {
        mosquitto_disconnect(s->m);
        mosquitto_loop_stop(s->m, false);
        mosquitto_destroy(s->m);
        s->m = NULL;
    }
    free(s->seen);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->cond);
    free(s);
}

void f_sink_stats(struct f_sink *s, struct f_sink_stats *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->st;
    pthread_mutex_unlock(&s->lock);
}

void f_sink_mark(struct f_sink *s)
{
    pthread_mutex_lock(&s->lock);
    s->st.first_at = 0;
    pthread_mutex_unlock(&s->lock);
}

long long f_sink_wait_raised(struct f_sink *s, long long n, int stall_ms, int max_ms)
{
    double end = h_now() + max_ms / 1000.0;
    pthread_mutex_lock(&s->lock);
    long long last_n = s->st.messages;
    double last_change = h_now();
    for (int i = 0; i < max_ms / 50 + 1 && s->st.raised_total < n; i++) { /* bounded */
        double now = h_now();
        if (now >= end || now - last_change >= stall_ms / 1000.0) break;
        struct timespec ts;
        h_deadline_in(&ts, 50);
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
        if (s->st.messages != last_n) {
            last_n = s->st.messages;
            last_change = h_now();
        }
    }
    long long got = s->st.raised_total;
    pthread_mutex_unlock(&s->lock);
    return got;
}

int f_sink_wait_flood(struct f_sink *s, int begin, int end, int max_ms)
{
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < max_ms / 100 + 1; i++) { /* bounded: max_ms / 100 waits of 100 ms */
        if (s->st.flood_begin >= begin && s->st.flood_end >= end) break;
        struct timespec ts;
        h_deadline_in(&ts, 100);
        pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    }
    int ok = s->st.flood_begin >= begin && s->st.flood_end >= end;
    pthread_mutex_unlock(&s->lock);
    return ok ? 0 : -1;
}
