/*
 * bench_sustained - the sustained alarm rate (DESIGN.md section 8: >= 5 000 raises/s for 10 s,
 * 0 lost, p99 printed).
 *
 * The real gateway with SENSORS zigbee2mqtt-style leak sensors ({"water_leak": true|false}, one
 * topic each) and one emergency rule per sensor, against a real mosquitto on loopback. One
 * libmosquitto client (QoS 1, one connection, the library's thread for its I/O) offers RATE
 * raises/s for SECONDS s: it toggles the sensors in turn, each raise (a sensor going true) half a
 * round after the false that cleared the previous one, and keeps each raise's send time. A leak
 * alarm with no clear delay goes active_unack on true and rtn_unack on false, and raises again
 * from rtn_unack on the next true: every true is one raise.
 *
 * A counting subscriber on P/events (leaner than the harness's, which keeps every message)
 * de-duplicates on seq and counts the "raised" alarm events per alarm; the k-th raise of sensor i
 * is matched with the k-th raised event of alarm i for the latency. Prints offered, delivered,
 * lost, duplicates, the achieved rate and p50/p99; asserts nothing about time (exit 0 when the
 * targets are missed, 1 only when the set-up fails). Every loop is bounded in count and time.
 */
#include <jansson.h>
#include <mosquitto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/integration/harness.h"

#define SENSORS 50
#define RATE 5000  /* raises offered per second */
#define SECONDS 10 /* for this long */
#define RAISES (RATE * SECONDS)
#define PER_SENSOR (RAISES / SENSORS)
#define MAX_K (PER_SENSOR + 8) /* raised events kept per alarm: the warm-up's and a few spare */
#define MAX_SEQ (64L * 1024 * 1024) /* past this a seq is not believed (nor de-duplicated) */
#define STALL_MS 5000  /* the wait for the last raises ends when none arrived for this long */
#define DRAIN_MS 25000 /* and at most this long after the last one was sent */

#define PREFIX "steward/sustained"
#define CLIENT_ID "steward-sustained"
#define EVENTS_ID "bench-sustained-events"

/* ---- the counting subscriber ---- */

struct counter {
    struct mosquitto *m;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int subscribed;
    unsigned char *seen; /* by seq: 1 once an event with that seq arrived */
    size_t seen_cap;
    long long messages, duplicates, unparsed, extra;
    long long raised_total, cleared_total;
    int raised[SENSORS];   /* distinct raised events per alarm */
    double *arrival;       /* [SENSORS][MAX_K]: arrival of each alarm's k-th raised event */
    double last_raised_at; /* arrival of the latest raised event */
};

/* Marks seq seen; returns 1 when it already was, 0 when new or not believable. */
static int counter_seen(struct counter *c, long long seq)
{
    if (seq < 0 || seq >= MAX_SEQ) return 0;
    if ((size_t)seq >= c->seen_cap) {
        size_t cap = c->seen_cap ? c->seen_cap : 65536;
        while (cap <= (size_t)seq)
            cap *= 2;
        unsigned char *v = realloc(c->seen, cap);
        if (!v) return 0;
        memset(v + c->seen_cap, 0, cap - c->seen_cap);
        c->seen = v;
        c->seen_cap = cap;
    }
    if (c->seen[seq]) return 1;
    c->seen[seq] = 1;
    return 0;
}

static void counter_on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct counter *c = obj;
    double now = h_now();
    json_error_t err;
    json_t *o = json_loadb(msg->payload, (size_t)msg->payloadlen, 0, &err);
    const char *type = json_string_value(json_object_get(o, "type"));
    const char *tr = json_string_value(json_object_get(o, "transition"));
    const char *alarm = json_string_value(json_object_get(o, "alarm"));
    json_t *seq = json_object_get(o, "seq");
    pthread_mutex_lock(&c->lock);
    c->messages++;
    if (!o || !json_is_integer(seq)) {
        c->unparsed++;
    } else if (counter_seen(c, (long long)json_integer_value(seq))) {
        c->duplicates++;
    } else if (type && !strcmp(type, "alarm") && tr && alarm) {
        int i = -1;
        if (!strcmp(tr, "cleared")) c->cleared_total++;
        if (!strcmp(tr, "raised") && sscanf(alarm, "leak_%d", &i) == 1 && i >= 0 && i < SENSORS) {
            if (c->raised[i] < MAX_K)
                c->arrival[i * MAX_K + c->raised[i]] = now;
            else
                c->extra++;
            c->raised[i]++;
            c->raised_total++;
            c->last_raised_at = now;
            pthread_cond_broadcast(&c->cond);
        }
    }
    pthread_mutex_unlock(&c->lock);
    json_decref(o);
}

static void counter_on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *q)
{
    (void)m, (void)mid, (void)n, (void)q;
    struct counter *c = obj;
    pthread_mutex_lock(&c->lock);
    c->subscribed = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static void counter_free(struct counter *c)
{
    if (!c) return;
    if (c->m) {
        mosquitto_disconnect(c->m);
        mosquitto_loop_stop(c->m, false);
        mosquitto_destroy(c->m);
        c->m = NULL;
    }
    free(c->seen);
    free(c->arrival);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
}

/* A subscriber to topic (QoS 1) on its own connection and thread; NULL on failure. */
static struct counter *counter_new(int port, const char *topic)
{
    struct counter *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->arrival = calloc((size_t)SENSORS * MAX_K, sizeof(double));
    c->m = mosquitto_new(EVENTS_ID, true, c);
    if (!c->arrival || !c->m) goto fail;
    mosquitto_int_option(c->m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_message_callback_set(c->m, counter_on_message);
    mosquitto_subscribe_callback_set(c->m, counter_on_subscribe);
    if (mosquitto_connect(c->m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_subscribe(c->m, NULL, topic, 1) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(c->m) != MOSQ_ERR_SUCCESS)
        goto fail;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < 50 && !c->subscribed; i++) { /* bounded: 50 x 100 ms */
        struct timespec ts;
        h_deadline_in(&ts, 100);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
    }
    int ok = c->subscribed;
    pthread_mutex_unlock(&c->lock);
    if (ok) return c;
fail:
    counter_free(c);
    return NULL;
}

/*
 * Waits until at least n raised events were counted in all, none arrived for stall_ms, or
 * max_ms passed. Returns the count.
 */
static long long counter_wait_raised(struct counter *c, long long n, int stall_ms, int max_ms)
{
    double end = h_now() + max_ms / 1000.0;
    pthread_mutex_lock(&c->lock);
    long long last_n = c->raised_total;
    double last_change = h_now();
    while (c->raised_total < n) {
        double now = h_now();
        if (now >= end || now - last_change >= stall_ms / 1000.0) break;
        struct timespec ts;
        h_deadline_in(&ts, 100);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
        if (c->raised_total != last_n) {
            last_n = c->raised_total;
            last_change = h_now();
        }
    }
    long long got = c->raised_total;
    pthread_mutex_unlock(&c->lock);
    return got;
}

/* Waits (bounded) until the subscriber counted at least n cleared events. */
static long long counter_wait_cleared(struct counter *c, long long n, int max_ms)
{
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < max_ms / 100 && c->cleared_total < n; i++) {
        struct timespec ts;
        h_deadline_in(&ts, 100);
        pthread_cond_timedwait(&c->cond, &c->lock, &ts);
    }
    long long got = c->cleared_total;
    pthread_mutex_unlock(&c->lock);
    return got;
}

/* ---- the sender ---- */

struct sender {
    struct mosquitto *m;
    pthread_mutex_t lock;
    long long published, acked, failed;
};

static void sender_on_publish(struct mosquitto *m, void *obj, int mid)
{
    (void)m, (void)mid;
    struct sender *s = obj;
    pthread_mutex_lock(&s->lock);
    s->acked++;
    pthread_mutex_unlock(&s->lock);
}

static void sender_set(struct sender *s, int sensor, int on)
{
    char topic[64];
    snprintf(topic, sizeof(topic), "bench/sustained/leak%02d", sensor);
    const char *p = on ? "{\"water_leak\":true}" : "{\"water_leak\":false}";
    int rc = mosquitto_publish(s->m, NULL, topic, (int)strlen(p), p, 1, false);
    pthread_mutex_lock(&s->lock);
    if (rc == MOSQ_ERR_SUCCESS)
        s->published++;
    else
        s->failed++;
    pthread_mutex_unlock(&s->lock);
}

/* Waits (bounded) until every message published so far was acknowledged. */
static void sender_wait_acks(struct sender *s, int max_ms)
{
    for (int i = 0; i < max_ms / 10; i++) {
        pthread_mutex_lock(&s->lock);
        int done = s->acked >= s->published;
        pthread_mutex_unlock(&s->lock);
        if (done) return;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static void sleep_until(double t)
{
    double now = h_now();
    if (t <= now) return;
    double d = t - now;
    struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
}

/*
 * Offers RAISES raises at RATE per second: slot r raises sensor r % SENSORS (its k = r / SENSORS
 * th raise), after clearing the sensor raised half a round before. sent[i * PER_SENSOR + k] gets
 * each raise's send time. Returns the time the first one was sent.
 */
static double sender_run(struct sender *s, double *sent, double *last_sent)
{
    const int half = SENSORS / 2;
    double t0 = h_now() + 0.01;
    for (int r = 0; r < RAISES; r++) {
        sleep_until(t0 + (double)r / RATE);
        if (r >= half) sender_set(s, (r - half) % SENSORS, 0);
        int i = r % SENSORS, k = r / SENSORS;
        sent[i * PER_SENSOR + k] = h_now();
        sender_set(s, i, 1);
    }
    *last_sent = h_now();
    for (int r = RAISES - half; r < RAISES; r++) /* the last raises' clears, outside the count */
        sender_set(s, r % SENSORS, 0);
    return t0;
}

/* ---- results ---- */

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The p-quantile of the n sorted values, in ms. */
static double pct(const double *v, int n, double p)
{
    int i = (int)(p * (n - 1) + 0.5);
    return v[i] * 1000.0;
}

/* The store's statistics from the gateway's log (the last complete `store: closed after N
 * commits, P pages written` line). Returns 0, or -1 when there is none. */
static int store_stats(const char *log_path, long long *commits, long long *pages)
{
    static const char needle[] = "store: closed after ";
    char *text = h_read_file(log_path);
    int rc = -1;
    for (const char *p = text ? strstr(text, needle) : NULL; p; p = strstr(p + 1, needle)) {
        long long c, n;
        int end = 0; /* set only when the whole line matched, "pages written" included */
        if (sscanf(p, "store: closed after %lld commits, %lld pages written%n", &c, &n, &end) ==
                2 &&
            end > 0) {
            *commits = c;
            *pages = n;
            rc = 0;
        }
    }
    free(text);
    return rc;
}

/* Prints the clients the broker dropped queued messages for (mosquitto's max_queued_messages,
 * 1000 by default): a raise lost there never reached the gateway. */
static void print_broker_drops(const struct h_env *e)
{
    static const char needle[] = "Outgoing messages are being dropped for client ";
    char *text = h_read_file(h_path(e, "mosquitto.log"));
    int n = 0;
    for (const char *p = text ? strstr(text, needle) : NULL; p && n < 20;
         p = strstr(p + 1, needle)) {
        const char *id = p + strlen(needle);
        int len = (int)strcspn(id, "\n");
        if (len > 0 && id[len - 1] == '.') len--;
        printf("  broker:                 dropped messages queued for %.*s%s\n", len, id,
               !strncmp(id, CLIENT_ID, strlen(CLIENT_ID)) ? " (the gateway's input)" : "");
        n++;
    }
    if (text && !n) printf("  broker:                 dropped no queued message\n");
    free(text);
}

static char *config_text(void)
{
    size_t cap = 4096 + (size_t)SENSORS * 512, len = 0;
    char *t = malloc(cap);
    if (!t) return NULL;
    len += (size_t)snprintf(t + len, cap - len,
                            "site = { id = \"sustained\"; };\n"
                            "mqtt = { upstream = { port = @MQTT_PORT@; client_id = \"%s\"; "
                            "topic_prefix = \"%s\"; }; };\n"
                            "storage = { path = \"@DB@\"; };\n",
                            CLIENT_ID, PREFIX);
    h_append_leak_site(t, cap, &len, SENSORS, "bench/sustained/leak");
    return t;
}

int main(void)
{
    mosquitto_lib_init();
    struct h_env *e = h_env_new();
    if (!e || h_broker_start(e) < 0) {
        fprintf(stderr, "bench_sustained: cannot start mosquitto\n");
        return 1;
    }
    char *text = config_text();
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", text ? h_write_config(e, "sustained.cfg", text) : "");
    free(text);
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    struct counter *c = gw > 0 ? counter_new(e->mqtt_port, PREFIX "/events") : NULL;
    struct sender s = {0};
    pthread_mutex_init(&s.lock, NULL);
    s.m = mosquitto_new(NULL, true, &s);
    double *sent = calloc((size_t)RAISES, sizeof(double));
    if (!c || !s.m || !sent) {
        fprintf(stderr, "bench_sustained: cannot start the gateway or the clients\n");
        h_dump_logs(e);
        return 1;
    }
    mosquitto_int_option(s.m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_max_inflight_messages_set(s.m, 0); /* no window: the offered rate is the schedule */
    mosquitto_publish_callback_set(s.m, sender_on_publish);
    if (mosquitto_connect(s.m, "127.0.0.1", e->mqtt_port, 30) != MOSQ_ERR_SUCCESS ||
        mosquitto_loop_start(s.m) != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "bench_sustained: the sender cannot connect\n");
        return 1;
    }

    /* Warm-up: one raise and one clear per sensor, so that every work order is open and every
     * alarm is in rtn_unack, as in the run. */
    for (int i = 0; i < SENSORS; i++)
        sender_set(&s, i, 1);
    long long warm = counter_wait_raised(c, SENSORS, STALL_MS, 10000);
    for (int i = 0; i < SENSORS; i++)
        sender_set(&s, i, 0);
    long long warm_cleared = counter_wait_cleared(c, SENSORS, 10000);
    sender_wait_acks(&s, 5000);
    if (warm < SENSORS || warm_cleared < SENSORS) {
        fprintf(stderr, "bench_sustained: warm-up: %lld of %d raised, %lld cleared\n", warm,
                SENSORS, warm_cleared);
        h_dump_logs(e);
        return 1;
    }
    int base[SENSORS];
    long long dup_before;
    pthread_mutex_lock(&c->lock);
    memcpy(base, c->raised, sizeof(base));
    dup_before = c->duplicates;
    pthread_mutex_unlock(&c->lock);

    double last_sent = 0;
    double t0 = sender_run(&s, sent, &last_sent);
    counter_wait_raised(c, warm + RAISES, STALL_MS, DRAIN_MS);
    sender_wait_acks(&s, 5000);

    /* Match and count under the lock, then stop everything. */
    double *lat = calloc((size_t)RAISES, sizeof(double));
    int matched = 0;
    long long delivered = 0, dups, extra, messages;
    double last_at;
    pthread_mutex_lock(&c->lock);
    for (int i = 0; i < SENSORS; i++) {
        int n = c->raised[i] - base[i];
        delivered += n;
        for (int k = 0; k < n && k < PER_SENSOR && base[i] + k < MAX_K && lat; k++)
            lat[matched++] = c->arrival[i * MAX_K + base[i] + k] - sent[i * PER_SENSOR + k];
    }
    dups = c->duplicates - dup_before;
    extra = c->extra;
    messages = c->messages;
    last_at = c->last_raised_at;
    pthread_mutex_unlock(&c->lock);
    mosquitto_disconnect(s.m);
    mosquitto_loop_stop(s.m, false);
    mosquitto_destroy(s.m);
    counter_free(c);
    h_stop(gw, 10000);

    double span = last_at > t0 ? last_at - t0 : 0;
    printf("sustained alarm rate: %d leak sensors, %d emergency rules, QoS 1, offered %d raises/s "
           "for %d s\n",
           SENSORS, SENSORS, RATE, SECONDS);
    printf("  offered raises:         %d (sent in %.2f s, %lld messages with the clears; "
           "%lld not accepted by the client)\n",
           RAISES, last_sent - t0, s.published, s.failed);
    printf("  delivered raises:       %lld distinct (%lld events on %s/events in all)\n", delivered,
           messages, PREFIX);
    printf("  lost:                   %lld\n", (long long)RAISES - delivered);
    printf("  duplicates seen:        %lld%s\n", dups,
           extra ? " (and more raised events than the table keeps)" : "");
    printf("  achieved rate:          %.0f raises/s (delivered / %.2f s until the last arrived; "
           "target >= %d, 0 lost)\n",
           span > 0 ? (double)delivered / span : 0.0, span, RATE);
    if (matched) {
        qsort(lat, (size_t)matched, sizeof(*lat), cmp);
        printf("  latency send -> raised: p50 %.2f ms  p99 %.2f ms  max %.2f ms (%d matched%s)\n",
               pct(lat, matched, 0.5), pct(lat, matched, 0.99), pct(lat, matched, 1.0), matched,
               delivered < RAISES ? "; k-th raise with k-th event: a loss shifts its sensor's pairs"
                                  : "");
    } else {
        printf("  latency send -> raised: n/a (nothing delivered)\n");
    }
    long long commits = 0, pages = 0;
    if (store_stats(h_path(e, "steward.log"), &commits, &pages) == 0 && commits > 0)
        printf("  store:                  %lld commits, %lld pages: %.2f pages and %.3f commits "
               "per raise offered\n",
               commits, pages, (double)pages / RAISES, (double)commits / RAISES);
    else
        printf("  store:                  n/a (no store statistics in the log)\n");
    print_broker_drops(e);
    fflush(stdout);

    free(lat);
    free(sent);
    pthread_mutex_destroy(&s.lock);
    h_cleanup_all();
    free(e);
    mosquitto_lib_cleanup();
    return 0;
}
