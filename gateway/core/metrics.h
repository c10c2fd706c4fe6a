/*
 * metrics.h - the gateway's own figures, for operators: retained on P/metrics every
 * metrics.interval (default 60 s) and at each connect:
 *   {"ts","uptime_s","devices":{ID:{"polls_ok","polls_failed","requests"}},"requests_per_s",
 *    "queue_depth","queue_dropped","outbox_backlog","commit_ms":{"p50","p99"},
 *    "sensor_messages_dropped","db_bytes","seq"...}
 * Counted by the core as samples arrive (metrics_poll); published untracked (a newer one
 * replaces it; one lost while offline is not worth the outbox).
 */
#ifndef STEWARD_METRICS_H
#define STEWARD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/base/timer.h"

struct gateway;

struct metrics {
    struct gateway *g;
    uint64_t *ok, *failed, *requests; /* per device, since start */
    size_t n;
    uint64_t requests_then; /* total requests at the last publication */
    int64_t then_mono, started_mono;
    struct timer timer;
};

/* Starts counting for g's devices and arms the publication timer. Returns 0 or ST_ERR_NOMEM. */
int metrics_init(struct metrics *m, struct gateway *g);
void metrics_cleanup(struct metrics *m);
/* One poll of device (index): answered or not, and the requests it took. */
void metrics_poll(struct metrics *m, int device, int ok, int requests);

#endif
