/*
 * bus.c - see bus.h: what Modbus TCP and RTU share (the bus thread, scheduling, polling through
 * the read plan, sample batches, comm faults, throttled logging). What differs is in the
 * backends, tcp.c and rtu.c (backend.h).
 */
#include "adapters/modbus/backend.h"
#include "adapters/modbus/bus.h"
#include "adapters/modbus/decode.h"
#include "adapters/modbus/plan.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/quality.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define RECONNECT_MAX_MS 30000

struct device_state {
    const struct cfg_device *cfg;
    int index;
    const struct cfg_profile *profile;
    struct plan plan;
    uint16_t *regs; /* one buffer per block, concatenated */
    int *block_base;
    int64_t next_due;
    int fails; /* consecutive failed polls */
    struct log_complain complain;
};

struct adapter {
    const struct modbus_backend *be; /* borrowed: a static const of tcp.c or rtu.c */
    const struct config *cfg;
    const struct bus_config *bus;
    char name[80];
    modbus_t *ctx;
    int connected;
    int conn_err; /* why the last connect failed (errno, never 0), told again during back-off */
    int64_t reconnect_at, backoff_ms;
    struct log_complain conn_complain;
    struct device_state *devs;
    size_t n_devs;
    struct sample_queue *q;
    pthread_t thread;
    int started;
    atomic_int stopping;
    int wake_fd;
    uint64_t requests,
        failed; /* read requests sent and failed; the bus thread's, read after join */
};

static void bus_disconnect(struct adapter *a)
{
    if (a->connected) modbus_close(a->ctx);
    a->connected = 0;
}

/* errno, or fallback when a library failed without setting it: 0 would read as success. */
static int errno_or(int fallback)
{
    return errno ? errno : fallback;
}

/*
 * Opens the connection (TCP) or the serial port (RTU), with back-off between attempts.
 * Returns 0, or why it is not connected (an errno, never 0).
 */
static int bus_connect(struct adapter *a, int64_t now)
{
    if (a->connected) return 0;
    if (now < a->reconnect_at) return a->conn_err;
    if (modbus_connect(a->ctx) == 0) {
        a->connected = 1;
        a->backoff_ms = 0;
        log_complain_ok(&a->conn_complain, "%s: connected", a->name);
        return 0;
    }
    a->backoff_ms = a->backoff_ms ? a->backoff_ms * 2 : 1000;
    if (a->backoff_ms > RECONNECT_MAX_MS) a->backoff_ms = RECONNECT_MAX_MS;
    a->reconnect_at = now + a->backoff_ms;
    a->conn_err = errno_or(EIO);
    log_complain(&a->conn_complain, now, LOG_WARN, "%s: cannot connect: %s", a->name,
                 modbus_strerror(a->conn_err));
    return a->conn_err;
}

static int is_exception(int err)
{
    /* The device answered with an exception about the request itself. Gateway path/target
     * exceptions mean the device behind a gateway did not answer: that is a failure. */
    return err >= EMBXILFUN && err <= EMBXMEMPAR;
}

/* Push a batch for one poll. quality < 0: per-point (from bad[]); else that quality for all. */
static void push_batch(struct adapter *a, struct device_state *d, int comm_ok, const int *bad)
{
    const struct cfg_profile *p = d->profile;
    struct sample_batch *b = sample_batch_new(p->n_points);
    if (!b) return;
    b->device = d->index;
    b->comm_ok = comm_ok;
    int64_t ts = clock_wall_ms();
    for (size_t i = 0; i < p->n_points; i++) {
        struct sample *s = &b->samples[b->n++];
        s->point = d->cfg->first_point + (int)i;
        s->ts_ms = ts;
        s->value = 0;
        if (!comm_ok) {
            s->quality = QUALITY_COMM_FAIL;
        } else if (bad[d->plan.block_of[i]]) {
            s->quality = QUALITY_BAD;
        } else {
            const uint16_t *r = &d->regs[d->block_base[d->plan.block_of[i]] + d->plan.offset_of[i]];
            s->quality =
                decode_value(&p->points[i], r, &s->value) == ST_OK ? QUALITY_GOOD : QUALITY_BAD;
        }
    }
    if (queue_push(a->q, b) == ST_ERR_FULL)
        log_msg(LOG_DEBUG, "%s: core queue full; a batch of %s was dropped", a->name, d->cfg->id);
}

/*
 * Sends the read requests of d's plan, flagging in bad[] the blocks answered with an exception.
 * Returns 0 when the device answered every request (exceptions included), or the errno / EMB*
 * value of the request that failed, after which nothing more is sent to it this poll.
 */
static int read_blocks(struct adapter *a, struct device_state *d, int64_t now, int *bad)
{
    for (size_t k = 0; k < d->plan.n; k++) {
        const struct plan_block *blk = &d->plan.blocks[k];
        uint16_t *dst = &d->regs[d->block_base[k]];
        /* Read-only by design: function codes 3 and 4 are the only requests sent. */
        int rc = blk->table == TABLE_HOLDING
                     ? modbus_read_registers(a->ctx, blk->start, blk->count, dst)
                     : modbus_read_input_registers(a->ctx, blk->start, blk->count, dst);
        a->requests++;
        if (rc == blk->count) continue;
        a->failed++;
        int err = rc < 0 ? errno_or(EIO) : EMBMDATA;
        if (rc < 0 && is_exception(err)) {
            bad[k] = 1;
            log_complain(&d->complain, now, LOG_WARN,
                         "%s: device %s: %s reading %d registers at %d", a->name, d->cfg->id,
                         modbus_strerror(err), blk->count, blk->start);
            continue;
        }
        /* Drop whatever a confused or late device may still send; the backend says whether the
         * link itself must start over. */
        modbus_flush(a->ctx);
        if (a->be->reconnect_after(err)) bus_disconnect(a);
        return err;
    }
    return 0;
}

static void poll_device(struct adapter *a, struct device_state *d, int64_t now)
{
    int bad[PLAN_MAX_BLOCKS] = {0}; /* per block */
    const char *what = "";
    int err;
    if (d->plan.n > PLAN_MAX_BLOCKS) {
        /* adapters_check refuses such a profile; started anyway, the device fails every poll,
         * loudly, rather than being skipped in silence. */
        what = "its profile needs more read requests than a poll may send: ";
        err = EMBMDATA;
    } else if ((err = bus_connect(a, now)) == 0) {
        if (modbus_set_slave(a->ctx, d->cfg->unit) != 0) {
            /* The context still holds the previous device's unit: reading would ask that one. */
            what = "cannot address its unit: ";
            err = errno_or(EINVAL);
        } else {
            err = read_blocks(a, d, now, bad);
        }
    }
    if (!err) {
        if (d->fails >= BUS_FAULT_POLLS)
            log_msg(LOG_INFO, "%s: device %s answers again", a->name, d->cfg->id);
        d->fails = 0;
        int any_bad = 0;
        for (size_t k = 0; k < d->plan.n; k++)
            any_bad |= bad[k];
        if (!any_bad)
            log_complain_ok(&d->complain, "%s: device %s reads cleanly again", a->name, d->cfg->id);
        push_batch(a, d, 1, bad);
        return;
    }
    d->fails++;
    log_complain(&d->complain, now, LOG_WARN, "%s: device %s (unit %d): %s%s (%d failed poll%s)",
                 a->name, d->cfg->id, d->cfg->unit, what, modbus_strerror(err), d->fails,
                 d->fails == 1 ? "" : "s");
    if (d->fails >= BUS_FAULT_POLLS) push_batch(a, d, 0, bad);
}

static void *bus_thread(void *arg)
{
    struct adapter *a = arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals are the core's business */
    int64_t now = clock_mono_ms();
    for (size_t i = 0; i < a->n_devs; i++)
        a->devs[i].next_due = now;
    while (!atomic_load(&a->stopping)) {
        struct device_state *next = NULL;
        for (size_t i = 0; i < a->n_devs; i++)
            if (!next || a->devs[i].next_due < next->next_due) next = &a->devs[i];
        if (!next) break;
        now = clock_mono_ms();
        if (next->next_due > now) {
            struct pollfd pfd = {a->wake_fd, POLLIN, 0};
            int64_t wait = next->next_due - now;
            poll(&pfd, 1, wait > 1000 ? 1000 : (int)wait);
            continue;
        }
        poll_device(a, next, now);
        int64_t interval = next->cfg->interval_ms;
        if (next->fails >= BUS_FAULT_POLLS && interval < BUS_SIDELINE_MS)
            interval = BUS_SIDELINE_MS;
        next->next_due += interval;
        now = clock_mono_ms();
        if (next->next_due < now)
            next->next_due = now + interval; /* fell behind: skip, don't burst */
    }
    bus_disconnect(a);
    return NULL;
}

int bus__create(const struct modbus_backend *be, const struct config *cfg, int bus,
                struct adapter **out)
{
    struct adapter *a = calloc(1, sizeof(*a));
    if (!a) return ST_ERR_NOMEM;
    a->be = be;
    a->cfg = cfg;
    a->bus = &cfg->buses[bus];
    a->wake_fd = -1;
    snprintf(a->name, sizeof(a->name), "modbus[%s]", a->bus->id);
    int rc = ST_ERR_NOMEM;
    a->devs = calloc(cfg->n_devices ? cfg->n_devices : 1, sizeof(*a->devs));
    if (!a->devs) goto out_free;
    for (size_t i = 0; i < cfg->n_devices; i++) {
        const struct cfg_device *dc = &cfg->devices[i];
        if (dc->bus != bus) continue;
        struct device_state *d = &a->devs[a->n_devs++];
        d->cfg = dc;
        d->index = (int)i;
        d->profile = &cfg->profiles[dc->profile];
        if (plan_build(d->profile, PLAN_MAX_GAP, &d->plan)) goto out_free;
        d->block_base = calloc(d->plan.n ? d->plan.n : 1, sizeof(int));
        int total = 0;
        for (size_t k = 0; d->block_base && k < d->plan.n; k++) {
            d->block_base[k] = total;
            total += d->plan.blocks[k].count;
        }
        d->regs = calloc((size_t)(total ? total : 1), sizeof(uint16_t));
        if (!d->block_base || !d->regs) goto out_free;
    }
    a->ctx = be->new_ctx(a->bus);
    if (!a->ctx) {
        log_msg(LOG_ERROR, "%s: cannot create the Modbus context: %s", a->name,
                modbus_strerror(errno));
        rc = ST_ERR_MODBUS;
        goto out_free;
    }
    modbus_set_response_timeout(a->ctx, (uint32_t)(a->bus->timeout_ms / 1000),
                                (uint32_t)(a->bus->timeout_ms % 1000) * 1000);
    a->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (a->wake_fd < 0) {
        rc = ST_ERR_IO;
        goto out_free;
    }
    *out = a;
    return ST_OK;
out_free:
    bus__destroy(a);
    return rc;
}

int bus__start(struct adapter *a, struct sample_queue *q)
{
    a->q = q;
    if (a->n_devs == 0) return ST_OK; /* a bus without devices has nothing to do */
    int rc = pthread_create(&a->thread, NULL, bus_thread, a);
    if (rc) {
        log_msg(LOG_ERROR, "%s: cannot start its thread: %s", a->name, strerror(rc));
        return ST_ERR_IO;
    }
    a->started = 1;
    log_msg(LOG_INFO, "%s: polling %zu device%s", a->name, a->n_devs, a->n_devs == 1 ? "" : "s");
    return ST_OK;
}

void bus__stop(struct adapter *a)
{
    if (!a || !a->started) return;
    atomic_store(&a->stopping, 1);
    uint64_t one = 1;
    ssize_t w = write(a->wake_fd, &one, sizeof(one));
    (void)w;
    pthread_join(a->thread, NULL);
    a->started = 0;
    log_msg(LOG_INFO, "%s: stopped after %llu read requests (%llu failed)", a->name,
            (unsigned long long)a->requests, (unsigned long long)a->failed);
}

void bus__destroy(struct adapter *a)
{
    if (!a) return;
    bus__stop(a);
    if (a->ctx) modbus_free(a->ctx);
    a->ctx = NULL;
    for (size_t i = 0; a->devs && i < a->n_devs; i++) {
        plan_free(&a->devs[i].plan);
        free(a->devs[i].regs);
        free(a->devs[i].block_base);
    }
    free(a->devs);
    if (a->wake_fd >= 0) close(a->wake_fd);
    free(a);
}

int bus__check(const struct modbus_backend *be, const struct config *cfg, int bus,
               struct config_diag *diag)
{
    int errors = 0;
    for (size_t i = 0; i < cfg->n_devices; i++) {
        const struct cfg_device *d = &cfg->devices[i];
        if (d->bus != bus) continue;
        errors += be->check_device(cfg, d, diag);
        if (d->profile < 0 || (size_t)d->profile >= cfg->n_profiles) continue;
        const struct cfg_profile *p = &cfg->profiles[d->profile];
        struct plan pl;
        if (plan_build(p, PLAN_MAX_GAP, &pl) != ST_OK) {
            errors += adapter_diag(diag, cfg, d->line,
                                   "device '%s': out of memory planning its reads", d->id);
            continue;
        }
        if (pl.n > PLAN_MAX_BLOCKS)
            errors +=
                adapter_diag(diag, cfg, d->line,
                             "device '%s': profile '%s' (line %d) needs %zu read requests per "
                             "poll, more than the %d one device may be sent; place its points in "
                             "fewer runs of nearby registers",
                             d->id, p->id, p->line, pl.n, PLAN_MAX_BLOCKS);
        plan_free(&pl);
    }
    return errors;
}
