/*
 * bench_backlog - store-and-forward (DESIGN.md section 8): the gateway starts with 100 000
 * undelivered messages in its outbox (as after a long broker outage) and drains them at QoS 1.
 * Timed from the gateway's start until a subscriber has all of them, and until the outbox is
 * empty (every PUBACK recorded). The baseline, in the same run against the same broker and the
 * same subscriber: a bare libmosquitto client publishing 100 000 QoS 1 messages from memory with
 * the same in-flight window, until the subscriber has all of them. Prints numbers only.
 */
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/base/error.h"
#include "gateway/store/store.h"
#include "tests/integration/harness.h"

#define N 100000
#define WINDOW 256 /* the gateway's in-flight window (uplink.c) */

static const char cfg_text[] =
    "site = { id = \"bl\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/bl\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n";

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits until sub has n messages on filter; returns the time it happened, or -1. */
static double wait_all(struct h_sub *sub, const char *filter, int n, int timeout_ms)
{
    return h_sub_wait_count(sub, filter, NULL, NULL, n, timeout_ms) >= n ? h_now() : -1;
}

static double bare_publish(int port, struct h_sub *sub)
{
    struct mosquitto *m = mosquitto_new(NULL, true, NULL);
    if (!m) return -1;
    mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
    mosquitto_max_inflight_messages_set(m, WINDOW);
    if (mosquitto_connect(m, "127.0.0.1", port, 30) || mosquitto_loop_start(m)) {
        mosquitto_destroy(m);
        return -1;
    }
    double t0 = h_now();
    char payload[96];
    for (int i = 0; i < N; i++) {
        int len = snprintf(payload, sizeof(payload), "{\"type\":\"bench\",\"seq\":%d}", i + 1);
        mosquitto_publish(m, NULL, "bare/events", len, payload, 1, false);
    }
    double t1 = wait_all(sub, "bare/events", N, 120000);
    mosquitto_disconnect(m);
    mosquitto_loop_stop(m, false);
    mosquitto_destroy(m);
    return t1 < 0 ? -1 : t1 - t0;
}

/* Fills the gateway's database with N undelivered messages, through the real store. */
static int fill_outbox(const char *db)
{
    struct store *s;
    if (store_open(db, 0, &s) != ST_OK) return -1;
    char payload[96];
    for (int i = 0; i < N; i++) {
        int len = snprintf(payload, sizeof(payload), "{\"type\":\"bench\",\"seq\":%d}", i + 1);
        if (store_outbox_add(s, "steward/bl/events", payload, (size_t)len, 1, 0, NULL) != ST_OK)
            break;
    }
    int rc = store_commit(s) == ST_OK && store_outbox_count(s) == N ? 0 : -1;
    store_close(s);
    return rc;
}

/* Waits (bounded) until the outbox of db is empty; returns the time, or -1. */
static double wait_outbox_empty(const char *db, int timeout_ms)
{
    for (double end = h_now() + timeout_ms / 1000.0; h_now() < end; sleep_ms(20)) {
        struct store *s;
        if (store_open(db, 1, &s) != ST_OK) continue;
        int64_t n = store_outbox_count(s);
        store_close(s);
        if (n == 0) return h_now();
    }
    return -1;
}

int main(void)
{
    mosquitto_lib_init();
    struct h_env *e = h_env_new();
    if (!e || h_broker_start(e) < 0) return 1;
    char cfg[256], db[256];
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "bl.cfg", cfg_text));
    snprintf(db, sizeof(db), "%s", h_path(e, "steward.db"));
    static const char *const topics[] = {"steward/bl/events", "bare/events", NULL};
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    if (!sub || fill_outbox(db) != 0) {
        fprintf(stderr, "bench_backlog: setup failed\n");
        return 1;
    }

    double bare = bare_publish(e->mqtt_port, sub);
    double t0 = h_now();
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    /* N backlog rows, then the restart event the gateway adds at start. */
    double t_recv = gw > 0 ? wait_all(sub, "steward/bl/events", N + 1, 120000) : -1;
    double t_empty = t_recv > 0 ? wait_outbox_empty(db, 60000) : -1;
    if (t_recv < 0 || t_empty < 0 || bare < 0) {
        fprintf(stderr, "bench_backlog: incomplete (bare %.2f s, received %.2f s, empty %.2f s)\n",
                bare, t_recv < 0 ? -1 : t_recv - t0, t_empty < 0 ? -1 : t_empty - t0);
        h_dump_logs(e);
        return 1;
    }
    printf("store-and-forward backlog of %d QoS 1 messages (window %d):\n", N, WINDOW);
    printf("  steward: all received in %.2f s (%.0f msg/s), outbox empty after %.2f s (target >= "
           "10 000 msg/s)\n",
           t_recv - t0, N / (t_recv - t0), t_empty - t0);
    printf("  bare libmosquitto client publishing from memory: %.2f s (%.0f msg/s)\n", bare,
           N / bare);
    printf("  ratio steward/bare msg/s: %.2f\n", bare / (t_recv - t0));
    h_sub_free(sub);
    h_cleanup_all();
    free(e);
    mosquitto_lib_cleanup();
    return 0;
}
