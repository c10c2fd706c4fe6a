/* loop.c - see loop.h. */
#include "gateway/core/loop.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/version.h"
#include "gateway/core/gateway.h"
#include "gateway/core/reload.h"
#include "gateway/core/samples.h"
#include "gateway/core/service.h"
#include "gateway/store/store.h"
#include "gateway/uplink/mqtt_link.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#define MAX_WAIT_MS 1000
#define QUEUE_BATCH 64 /* sample batches applied per step before the step commits */

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

/* Applies up to QUEUE_BATCH polls from the bus threads. Returns 1 when more are waiting. */
static int drain_queue(struct gateway *g, int64_t now_mono)
{
    queue_ack(g->queue);
    struct sample_batch *b;
    int n = 0;
    while (n < QUEUE_BATCH && (b = queue_pop(g->queue))) {
        n++;
        gateway_note(g, samples_apply_batch(g, b), "recording a device state");
        sample_batch_free(b);
        /* One poll is one snapshot: evaluate it before the next can overwrite an edge. */
        gateway_note(g, alarms_process(&g->alarms, now_mono, clock_wall_ms()),
                     "recording an alarm");
    }
    return n == QUEUE_BATCH;
}

/* Handles what the links received: commands under P/cmd/, otherwise sensor messages. */
static void handle_inbox(struct gateway *g)
{
    struct inbox_msg *m;
    while ((m = inbox_pop(&g->inbox))) {
        int64_t now_mono = clock_mono_ms(), now_wall = clock_wall_ms();
        if (strncmp(m->topic, g->cmd_prefix, g->cmd_prefix_len) == 0) {
            gateway_note(g,
                         commands_handle(&g->cmds, m->topic + g->cmd_prefix_len, m->payload, m->len,
                                         now_mono, now_wall),
                         "recording a command");
        } else {
            gateway_note(
                g,
                mqtt_sensors_message(g->sensors, m->topic, m->payload, m->len, now_mono, now_wall),
                "recording a sensor message");
            /* Evaluated message by message: a leak that comes and goes within one batch must
             * still raise its alarm, so edges are never merged away by batching. The commit that
             * follows still covers the whole batch at once. */
            gateway_note(g, alarms_process(&g->alarms, now_mono, now_wall), "recording an alarm");
        }
        inbox_msg_free(m);
    }
}

static void step(struct gateway *g, const sigset_t *unblocked, int *busy)
{
    int64_t now = clock_mono_ms();
    int64_t wake = timers_next(g->timers, now, clock_wall_ms());
    if (wake == 0 || wake > now + MAX_WAIT_MS) wake = now + MAX_WAIT_MS;
    if (*busy) wake = now; /* a batch is still waiting in the queue: do not sleep */

    struct pollfd fds[3];
    fds[0] = (struct pollfd){queue_fd(g->queue), POLLIN, 0};
    fds[1] = (struct pollfd){mqtt_link_fd(g->up.link), mqtt_link_events(g->up.link), 0};
    fds[2] = (struct pollfd){g->sensor_link ? mqtt_link_fd(g->sensor_link) : -1,
                             g->sensor_link ? mqtt_link_events(g->sensor_link) : 0, 0};
    int64_t wait = wake - now;
    if (wait < 0) wait = 0;
    struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
    int n = ppoll(fds, 3, &ts, unblocked);
    if (n < 0 && errno != EINTR) log_msg(LOG_ERROR, "core: poll failed: %s", strerror(errno));

    now = clock_mono_ms();
    if ((n > 0 && fds[0].revents) || *busy) *busy = drain_queue(g, now);
    if (n > 0 && fds[1].revents) mqtt_link_io(g->up.link, fds[1].revents);
    if (n > 0 && fds[2].revents) mqtt_link_io(g->sensor_link, fds[2].revents);
    handle_inbox(g);
    gateway_note(g, uplink_settle(&g->up), "marking messages delivered");
    int64_t wall = clock_wall_ms();
    gateway_note(g, timers_run(g->timers, now, wall), "running a timer");
    gateway_note(g, alarms_process(&g->alarms, now, wall), "recording an alarm");
    if (g->failed) return;
    /* Group commit: one fsync for everything this step wrote, then publish it. A failed commit
     * is held by the store and retried; P/status tells the control room meanwhile. */
    int64_t lazy = store_lazy_since(g->store);
    if (store_pending(g->store) || (lazy && now - lazy >= STORE_LAZY_MS)) {
        store_commit(g->store);
    } else if (lazy) { /* deliveries only: they ride on the next commit, or wait a second */
        gateway_note(g, timers_arm(g->timers, &g->store_retry, lazy + STORE_LAZY_MS),
                     "scheduling a commit");
    }
    if (store_failing(g->store))
        gateway_note(g, timers_arm(g->timers, &g->store_retry, store_retry_at(g->store)),
                     "scheduling a store retry");
    uplink_store_state(&g->up, store_failing(g->store));
    uplink_drain(&g->up);
}

int loop_run(const struct config *cfg)
{
    struct gateway g;
    memset(&g, 0, sizeof(g));
    g.lock_fd = -1;
    sigset_t block, unblocked;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    /* Blocked everywhere (bus threads inherit this mask); delivered only inside ppoll. */
    pthread_sigmask(SIG_BLOCK, &block, &unblocked);
    sigdelset(&unblocked, SIGINT);
    sigdelset(&unblocked, SIGTERM);
    sigdelset(&unblocked, SIGHUP);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL); /* its default action would kill the gateway */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* past a file size limit a write fails (EFBIG); the store copes */
    stop_requested = 0;

    int rc = gateway_open(&g, cfg);
    if (rc) {
        log_msg(LOG_ERROR, "core: cannot start: %s", st_strerror(rc));
        gateway_close(&g);
        return rc == ST_ERR_STATE ? 1 : 2; /* another gateway runs: a usage error, not a crash */
    }
    log_msg(LOG_INFO,
            "core: steward %s running for site %s (%zu points, %zu alarms, %zu open work orders)",
            STEWARD_VERSION, cfg->site.id, cfg->n_points, g.alarms.n, g.wos.n);
    struct service svc;
    if (service_init(&svc, &g)) g.failed = 1;
    int busy = 0;
    struct config *owned = NULL; /* a reloaded configuration, ours to free (cfg is main's) */
    while (!stop_requested && !g.failed) {
        step(&g, &unblocked, &busy);
        service_step(&svc);
        if (reload_requested) {
            reload_requested = 0;
            gateway_reload(&g, &owned);
        }
    }
    log_msg(LOG_INFO, "core: stopping");
    service_stopping(&svc);
    int failed = g.failed;
    gateway_close(&g);
    config_free(owned);
    return failed ? 2 : 0;
}
