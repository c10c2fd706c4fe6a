/*
 * gateway.h - the gateway assembled: every piece of mutable state the core owns, and how it is
 * put together at start and taken apart at stop. The loop (loop.c) drives it; samples.c applies
 * what the adapters and the sensors report.
 *
 * Built once by gateway_open in dependency order (store and journal; points; work orders; alarms;
 * their state restored from the store; maintenance; the restart event committed; the queue, the
 * MQTT links and the sensor input; last the adapters' threads) and closed in the reverse order
 * by gateway_close, which is safe on a half-opened gateway.
 */
#ifndef STEWARD_GATEWAY_H
#define STEWARD_GATEWAY_H

#include <stddef.h>

#include "adapters/adapter.h"
#include "adapters/mqtt_sensors/sensors.h"
#include "config/config.h"
#include "gateway/alarms/alarms.h"
#include "gateway/base/queue.h"
#include "gateway/base/timer.h"
#include "gateway/core/metrics.h"
#include "gateway/store/journal.h"
#include "gateway/uplink/commands.h"
#include "gateway/uplink/inbox.h"
#include "gateway/uplink/uplink.h"
#include "gateway/work/maintenance.h"
#include "gateway/work/workorders.h"

struct gateway {
    const struct config *cfg; /* borrowed */
    struct timers *timers;    /* the one timer registry */
    struct store *store;
    struct journal journal;
    struct points *pts;
    struct wo_table wos;
    struct alarms alarms;
    struct commands cmds;
    struct uplink up;
    struct mqtt_link *sensor_link; /* only with a separate sensor broker */
    struct inbox inbox;            /* what both links received, for the next loop step */
    struct mqtt_sensors *sensors;
    struct sample_queue *queue;
    struct adapter **adapters;
    const struct adapter_ops **ops;
    size_t n_adapters;
    int *device_ok; /* per device: -1 unknown, 0 comm fault, 1 answering */
    char cmd_prefix[300];
    size_t cmd_prefix_len;
    struct maintenance maint;
    struct metrics metrics;
    struct timer trim;                 /* keeps the store within storage.max_size */
    struct timer store_retry;          /* wakes the loop when a held commit is due again */
    struct timer up_tick, sensor_tick; /* keepalives and reconnects of the links */
    int failed;       /* a change could not even be recorded: stop, let the supervisor restart us */
    int lock_fd;      /* the database's lock (store/lock.h), -1 when not held */
    long lock_holder; /* when another gateway holds it: its PID (gateway_open returned ST_ERR_STATE)
                       */
};

/* Assembles the gateway for cfg (borrowed) into g (zeroed by the caller). Returns 0 or an
 * st_err (logged): ST_ERR_STATE when another gateway runs on the same database (its PID in
 * g->lock_holder). Call gateway_close either way. */
int gateway_open(struct gateway *g, const struct config *cfg);
/* Stops the adapters, commits what is pending (unless a change failed), says offline, frees. */
void gateway_close(struct gateway *g);

/*
 * What derives from the configuration (points, work orders, alarms and their state restored from
 * the store, who may command, maintenance, the sensor input; then the adapters' threads) is
 * opened and closed apart from the rest (store, links, queue, timers), so that a reload
 * (reload.c) can build it anew from another configuration while the links stay up.
 */
int gateway_open_site(struct gateway *g);
int gateway_start_adapters(struct gateway *g);
void gateway_close_site(struct gateway *g); /* stops the adapters first; safe when half open */

/* A change could not be recorded (rc not 0): logged once, and the gateway stops (g->failed). */
void gateway_note(struct gateway *g, int rc, const char *what);

#endif
