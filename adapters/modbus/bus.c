/*
 * bus.c - see bus.h: what Modbus TCP and RTU share (the bus thread, scheduling and back-off,
 * polling through the read plan, checking answers, sample batches, comm faults, throttled
 * logging). What differs, the framing of one request and its answer, is in the backends, tcp.c
 * and rtu.c (backend.h).
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
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define RECONNECT_MAX_MS 30000

struct device_state {
    const struct cfg_device *cfg;
    int index;
    const struct cfg_profile *profile;
    struct plan plan;
    uint16_t *regs;  /* plan.words: one buffer per block, concatenated; bits one per word */
    int *block_base; /* per block: its first word in regs */
    double *last;    /* per point: the value last sent good (deadband), NAN when none */
    int64_t timeout_ms;
    int comm_fail_after;
    int64_t next_due;
    int fails; /* consecutive failed polls */
    struct log_complain complain;
};

struct adapter {
    const struct modbus_backend *be; /* borrowed: a static const of tcp.c or rtu.c */
    const struct config *cfg;
    const struct bus_config *bus;
    char name[80];
    struct mb_link link;
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
    if (a->connected) modbus_close(a->link.ctx);
    a->connected = 0;
    a->link.rx_n = 0;
}

/* errno, or fallback when a library failed without setting it: 0 would read as success. */
static int errno_or(int fallback)
{
    return errno ? errno : fallback;
}

static void set_timeout(modbus_t *ctx, int64_t ms)
{
    modbus_set_response_timeout(ctx, (uint32_t)(ms / 1000), (uint32_t)(ms % 1000) * 1000);
}

/*
 * Opens the connection (TCP) or the serial port (RTU), with back-off between attempts.
 * Returns 0, or why it is not connected (an errno, never 0).
 */
static int bus_connect(struct adapter *a, int64_t now)
{
    if (a->connected) return 0;
    if (now < a->reconnect_at) return a->conn_err;
    set_timeout(a->link.ctx, a->bus->timeout_ms); /* libmodbus bounds a TCP connect by it */
    if (modbus_connect(a->link.ctx) == 0) {
        a->connected = 1;
        a->backoff_ms = 0;
        a->link.rx_n = 0;
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

/* The EMB* value of exception code c, so modbus_strerror names it ("Illegal data address"). */
static int exception_err(int c)
{
    return (c >= 1 && c <= 8) || c == 10 || c == 11 ? MODBUS_ENOBASE + c : EMBBADEXC;
}

static const uint8_t function_of[] = {
    [TABLE_HOLDING] = MODBUS_FC_READ_HOLDING_REGISTERS,
    [TABLE_INPUT] = MODBUS_FC_READ_INPUT_REGISTERS,
    [TABLE_COIL] = MODBUS_FC_READ_COILS,
    [TABLE_DISCRETE] = MODBUS_FC_READ_DISCRETE_INPUTS,
};

/*
 * One read request for block blk to unit on link l (connected) into dst (blk->count words),
 * waiting at most timeout_ms. Returns 0, an exception's EMB* value (the device answered:
 * is_exception), or why no valid answer came. The gateway's polls and bus__probe both read
 * through it.
 */
static int transact_block(const struct modbus_backend *be, struct mb_link *l, int unit,
                          int64_t timeout_ms, const struct plan_block *blk, uint16_t *dst)
{
    /* Read-only by design: function codes 1 to 4 are the only requests ever built. */
    uint8_t fc = function_of[blk->table];
    uint8_t req[5] = {fc, (uint8_t)(blk->start >> 8), (uint8_t)blk->start,
                      (uint8_t)(blk->count >> 8), (uint8_t)blk->count};
    uint8_t rsp[MB_PDU_MAX];
    int len = 0;
    int err = be->transact(l, unit, req, sizeof(req), rsp, &len, timeout_ms);
    if (err) return err;
    if (len == 2 && rsp[0] == (fc | 0x80)) return exception_err(rsp[1]);
    int bits = fc == MODBUS_FC_READ_COILS || fc == MODBUS_FC_READ_DISCRETE_INPUTS;
    int bytes = bits ? (blk->count + 7) / 8 : 2 * blk->count;
    /* An answer to another function, or with another number of values, is not this answer. */
    if (len < 2 || rsp[0] != fc || rsp[1] != bytes || len != 2 + bytes) return EMBBADDATA;
    for (int i = 0; i < blk->count; i++)
        dst[i] = bits ? (uint16_t)((rsp[2 + i / 8] >> (i % 8)) & 1)
                      : (uint16_t)(rsp[2 + 2 * i] << 8 | rsp[3 + 2 * i]);
    return 0;
}

static int read_block(struct adapter *a, struct device_state *d, const struct plan_block *blk,
                      uint16_t *dst)
{
    return transact_block(a->be, &a->link, d->cfg->unit, d->timeout_ms, blk, dst);
}

/* Push a batch for one poll: every point comm_fail when !comm_ok, else decoded, per block bad. */
static void push_batch(struct adapter *a, struct device_state *d, int comm_ok, const int *bad,
                       int requests)
{
    const struct cfg_profile *p = d->profile;
    struct sample_batch *b = sample_batch_new(p->n_points);
    if (!b) return;
    b->device = d->index;
    b->comm_ok = comm_ok;
    b->requests = requests;
    int64_t ts = clock_wall_ms();
    for (size_t i = 0; i < p->n_points; i++) {
        const struct cfg_point_def *def = &p->points[i];
        struct sample *s = &b->samples[b->n++];
        s->point = d->cfg->first_point + (int)i;
        s->ts_ms = ts;
        s->value = 0;
        s->quality = comm_ok ? QUALITY_BAD : QUALITY_COMM_FAIL;
        double v;
        int k = d->plan.block_of[i];
        if (!comm_ok || bad[k] ||
            decode_value(def, &d->regs[d->block_base[k] + d->plan.offset_of[i]], &v) != ST_OK) {
            d->last[i] = NAN; /* the next good value is published whatever its change */
            continue;
        }
        v = decode_round(def, v);
        /* Within the deadband the point keeps the value last published: the sample still
         * refreshes it, but the core sees no change, so nothing is published or evaluated. */
        if (def->deadband > 0 && !isnan(d->last[i]) && fabs(v - d->last[i]) < def->deadband)
            v = d->last[i];
        d->last[i] = v;
        s->value = v;
        s->quality = QUALITY_GOOD;
    }
    if (queue_push(a->q, b) == ST_ERR_FULL)
        log_msg(LOG_DEBUG, "%s: core queue full; a batch of %s was dropped", a->name, d->cfg->id);
}

/*
 * Sends the read requests of d's plan, flagging in bad[] the blocks answered with an exception.
 * Returns 0 when the device answered every request (exceptions included), or the errno / EMB*
 * value of the request that failed, after which nothing more is sent to it this poll (it is
 * sidelined for the rest of its cycle). *sent counts the requests sent.
 */
static int read_blocks(struct adapter *a, struct device_state *d, int64_t now, int *bad, int *sent)
{
    for (size_t k = 0; k < d->plan.n; k++) {
        const struct plan_block *blk = &d->plan.blocks[k];
        int err = read_block(a, d, blk, &d->regs[d->block_base[k]]);
        a->requests++;
        (*sent)++;
        if (!err) continue;
        a->failed++;
        if (is_exception(err)) {
            bad[k] = 1;
            log_complain(&d->complain, now, LOG_WARN,
                         "%s: device %s: exception \"%s\" reading %d %s at %d", a->name, d->cfg->id,
                         modbus_strerror(err), blk->count,
                         blk->table >= TABLE_COIL ? "bits" : "registers", blk->start);
            continue;
        }
        /* Drop whatever a confused or late device may still send; the backend says whether the
         * link itself must start over (TCP: always, so no late answer can follow). */
        if (a->connected) modbus_flush(a->link.ctx);
        if (a->be->reconnect_after(err)) bus_disconnect(a);
        return err;
    }
    return 0;
}

static void poll_device(struct adapter *a, struct device_state *d, int64_t now)
{
    int bad[PLAN_MAX_BLOCKS] = {0}; /* per block */
    const char *what = "";
    int err, sent = 0;
    unsigned long refused = a->link.refused;
    if (d->plan.n > PLAN_MAX_BLOCKS) {
        /* adapters_check refuses such a profile; started anyway, the device fails every poll,
         * loudly, rather than being skipped in silence. */
        what = "its profile needs more read requests than a poll may send: ";
        err = EMBMDATA;
    } else if ((err = bus_connect(a, now)) == 0) {
        if (modbus_set_slave(a->link.ctx, d->cfg->unit) != 0) {
            /* libmodbus refuses a unit id its transport cannot address (adapters_check does
             * too); nothing is sent under another unit's id. */
            what = "cannot address its unit: ";
            err = errno_or(EINVAL);
        } else {
            err = read_blocks(a, d, now, bad, &sent);
        }
    }
    if (!err) {
        if (d->fails >= d->comm_fail_after)
            log_msg(LOG_INFO, "%s: device %s answers again", a->name, d->cfg->id);
        d->fails = 0;
        int any_bad = 0;
        for (size_t k = 0; k < d->plan.n; k++)
            any_bad |= bad[k];
        if (!any_bad)
            log_complain_ok(&d->complain, "%s: device %s reads cleanly again", a->name, d->cfg->id);
        push_batch(a, d, 1, bad, sent);
        return;
    }
    d->fails++;
    char why[64] = "";
    if (a->link.refused != refused)
        snprintf(why, sizeof(why), " (refused an answer from unit %d)", a->link.last_refused_unit);
    log_complain(&d->complain, now, LOG_WARN, "%s: device %s (unit %d): %s%s%s (%d failed poll%s)",
                 a->name, d->cfg->id, d->cfg->unit, what, modbus_strerror(err), why, d->fails,
                 d->fails == 1 ? "" : "s");
    /* Until then its points keep their last good values; a value it did not send is never
     * published as good. */
    if (d->fails >= d->comm_fail_after) push_batch(a, d, 0, bad, sent);
}

int64_t bus_next_delay(int64_t interval_ms, int fails)
{
    if (fails <= 0) return interval_ms;
    int64_t cap = interval_ms > BUS_BACKOFF_MAX_MS ? interval_ms : BUS_BACKOFF_MAX_MS;
    int64_t delay = interval_ms;
    for (int i = 1; i < fails && delay < cap; i++)
        delay *= 2;
    return delay < cap ? delay : cap;
}

int64_t bus_reschedule(int64_t due, int64_t now, int64_t interval_ms, int64_t timeout_ms, int fails)
{
    if (fails > 0) {
        /* An RTU answer carries no transaction id: one arriving late while the same device is
         * asked again would pass for the new answer. Retrying no sooner than two timeouts after
         * the failure leaves answers up to three timeouts late to arrive while the line serves
         * another unit (refused by unit id) or is idle (flushed before the next request). */
        int64_t delay = bus_next_delay(interval_ms, fails);
        return now + (delay > 2 * timeout_ms ? delay : 2 * timeout_ms);
    }
    due += interval_ms;
    /* Kept on its phase, so a poll delayed by another device's timeout costs no poll; fallen
     * further behind, polled once at once rather than in a burst. */
    return due < now ? now : due;
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
    /* Each pass polls at most one device; bounded by stopping, checked every pass. */
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
        next->next_due = bus_reschedule(next->next_due, clock_mono_ms(), next->cfg->interval_ms,
                                        next->timeout_ms, next->fails);
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
    a->link.bus = a->bus;
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
        d->timeout_ms = dc->timeout_ms > 0 ? dc->timeout_ms : a->bus->timeout_ms;
        d->comm_fail_after = dc->comm_fail_after > 0 ? dc->comm_fail_after : BUS_FAULT_POLLS;
        struct plan_limits lim = plan_limits_for(dc, d->profile);
        if (plan_build(d->profile, &lim, &d->plan)) goto out_free;
        d->block_base = calloc(d->plan.n ? d->plan.n : 1, sizeof(int));
        int total = 0;
        for (size_t k = 0; d->block_base && k < d->plan.n; k++) {
            d->block_base[k] = total;
            total += d->plan.blocks[k].count;
        }
        d->regs = calloc((size_t)(total ? total : 1), sizeof(uint16_t));
        d->last = malloc((d->profile->n_points ? d->profile->n_points : 1) * sizeof(double));
        if (!d->block_base || !d->regs || !d->last) goto out_free;
        for (size_t k = 0; k < d->profile->n_points; k++)
            d->last[k] = NAN;
    }
    a->link.ctx = be->new_ctx(a->bus);
    if (!a->link.ctx) {
        log_msg(LOG_ERROR, "%s: cannot create the Modbus context: %s", a->name,
                modbus_strerror(errno));
        rc = ST_ERR_MODBUS;
        goto out_free;
    }
    set_timeout(a->link.ctx, a->bus->timeout_ms);
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
    log_msg(LOG_INFO, "%s: stopped after %llu read requests (%llu failed, %lu answers refused)",
            a->name, (unsigned long long)a->requests, (unsigned long long)a->failed,
            a->link.refused);
}

void bus__destroy(struct adapter *a)
{
    if (!a) return;
    bus__stop(a);
    if (a->link.ctx) modbus_free(a->link.ctx);
    a->link.ctx = NULL;
    for (size_t i = 0; a->devs && i < a->n_devs; i++) {
        plan_free(&a->devs[i].plan);
        free(a->devs[i].regs);
        free(a->devs[i].block_base);
        free(a->devs[i].last);
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
        struct plan_limits lim = plan_limits_for(d, p);
        struct plan pl;
        if (plan_build(p, &lim, &pl) != ST_OK) {
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
        for (size_t k = 0; k < p->n_points; k++) {
            const struct cfg_point_def *def = &p->points[k];
            if (decode_width(def) > lim.max_registers)
                errors += adapter_diag(diag, cfg, def->line,
                                       "device '%s': point '%s' takes %d registers, more than "
                                       "its 'max_registers' = %d allows in one request",
                                       d->id, def->name, decode_width(def), lim.max_registers);
        }
        plan_free(&pl);
    }
    return errors;
}

/* ---- bus__probe: one read of one device, printed (`steward probe`) ---- */

static double probe_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static const char *const table_words[] = {
    [TABLE_HOLDING] = "holding registers",
    [TABLE_INPUT] = "input registers",
    [TABLE_COIL] = "coils",
    [TABLE_DISCRETE] = "discrete inputs",
};

/* The words of one answer, 8 to a line, each line led by the address of its first. */
static void probe_raw(FILE *out, const struct plan_block *blk, const uint16_t *w)
{
    int bits = blk->table >= TABLE_COIL, per = bits ? 16 : 8;
    for (int i = 0; i < blk->count; i += per) {
        fprintf(out, "    %5d:", blk->start + i);
        for (int j = i; j < blk->count && j < i + per; j++)
            fprintf(out, bits ? " %x" : " %04x", w[j]);
        fputc('\n', out);
    }
}

/* Why a request got no valid answer, in words. */
static void probe_why(char *buf, size_t size, int err, int64_t timeout_ms, const struct mb_link *l,
                      unsigned long refused)
{
    if (err == ETIMEDOUT)
        snprintf(buf, size, "no answer within %lld ms", (long long)timeout_ms);
    else if (err == EMBBADSLAVE && l->refused != refused)
        snprintf(buf, size, "no answer within %lld ms (refused an answer from unit %d)",
                 (long long)timeout_ms, l->last_refused_unit);
    else
        snprintf(buf, size, "%s", modbus_strerror(err));
}

int bus__probe(const struct modbus_backend *be, const struct config *cfg, int device, FILE *out,
               FILE *err)
{
    const struct cfg_device *dc = &cfg->devices[device];
    const struct bus_config *bus = &cfg->buses[dc->bus];
    const struct cfg_profile *p = &cfg->profiles[dc->profile];
    int64_t timeout_ms = dc->timeout_ms > 0 ? dc->timeout_ms : bus->timeout_ms;
    char who[256], where[160];
    snprintf(who, sizeof(who), "%s (unit %d on bus %s)", dc->id, dc->unit, bus->id);
    if (bus->type == BUS_RTU)
        snprintf(where, sizeof(where), "%s", bus->device ? bus->device : "(no device)");
    else
        snprintf(where, sizeof(where), "%s:%d", bus->host ? bus->host : "127.0.0.1", bus->port);

    struct plan_limits lim = plan_limits_for(dc, p);
    struct plan pl;
    if (plan_build(p, &lim, &pl) != ST_OK) {
        fprintf(err, "probe: %s: out of memory\n", who);
        return 2;
    }
    if (pl.n > PLAN_MAX_BLOCKS) {
        fprintf(err,
                "probe: %s: its profile needs %zu read requests, more than the %d a poll "
                "may send (see steward check)\n",
                who, pl.n, PLAN_MAX_BLOCKS);
        plan_free(&pl);
        return 1;
    }
    int code = 2;
    uint16_t *regs = calloc((size_t)(pl.words > 0 ? pl.words : 1), sizeof(*regs));
    int *base = calloc(pl.n ? pl.n : 1, sizeof(*base));
    int *res = calloc(pl.n ? pl.n : 1, sizeof(*res));
    struct mb_link link = {0};
    link.bus = bus;
    int connected = 0;
    if (!regs || !base || !res) {
        fprintf(err, "probe: %s: out of memory\n", who);
        goto out;
    }
    for (size_t k = 1; k < pl.n; k++)
        base[k] = base[k - 1] + pl.blocks[k - 1].count;

    fprintf(out, "device %s: unit %d on bus %s (%s %s), profile %s, timeout %lld ms\n", dc->id,
            dc->unit, bus->id, bus->type == BUS_RTU ? "rtu" : "tcp", where, p->id,
            (long long)timeout_ms);
    fflush(out); /* before any error on err, so the two read in order when they share a file */
    link.ctx = be->new_ctx(bus);
    if (!link.ctx) {
        fprintf(err, "probe: %s: cannot create the Modbus context: %s\n", who,
                modbus_strerror(errno_or(EINVAL)));
        goto out;
    }
    set_timeout(link.ctx, timeout_ms); /* libmodbus bounds a TCP connect by it */
    errno = 0;
    if (modbus_connect(link.ctx) != 0) {
        fprintf(err, "probe: %s: cannot connect to %s: %s\n", who, where,
                modbus_strerror(errno_or(EIO)));
        goto out;
    }
    connected = 1;
    if (modbus_set_slave(link.ctx, dc->unit) != 0) {
        fprintf(err, "probe: %s: cannot address its unit: %s\n", who,
                modbus_strerror(errno_or(EINVAL)));
        code = 1;
        goto out;
    }
    int sent = 0;
    for (size_t k = 0; k < pl.n; k++) {
        const struct plan_block *blk = &pl.blocks[k];
        unsigned long refused = link.refused;
        double t0 = probe_now_ms();
        int e = transact_block(be, &link, dc->unit, timeout_ms, blk, &regs[base[k]]);
        double ms = probe_now_ms() - t0;
        sent++;
        fprintf(out, "request %zu: fc %d (read %s) start %d count %d: %.1f ms", k + 1,
                function_of[blk->table], table_words[blk->table], blk->start, blk->count, ms);
        if (!e) {
            fputc('\n', out);
            probe_raw(out, blk, &regs[base[k]]);
            continue;
        }
        if (is_exception(e)) {
            res[k] = e;
            fprintf(out, ", exception \"%s\"\n", modbus_strerror(e));
            continue;
        }
        char why[160];
        probe_why(why, sizeof(why), e, timeout_ms, &link, refused);
        fprintf(out, ", %s\n", why);
        fflush(out);
        fprintf(err, "probe: %s: %s\n", who, why);
        goto out;
    }

    fprintf(out, "points:\n");
    int width = 0;
    for (size_t i = 0; i < p->n_points; i++) {
        int n = (int)strlen(p->points[i].name);
        if (n > width) width = n;
    }
    for (size_t i = 0; i < p->n_points; i++) {
        const struct cfg_point_def *def = &p->points[i];
        int k = pl.block_of[i];
        double v;
        fprintf(out, "  %-*s  ", width, def->name);
        if (res[k]) {
            fprintf(out, "bad: exception \"%s\" (request %d)\n", modbus_strerror(res[k]), k + 1);
        } else if (decode_value(def, &regs[base[k] + pl.offset_of[i]], &v) != ST_OK) {
            fprintf(out, "bad: not a finite number\n");
        } else {
            /* As the gateway publishes it (telemetry.c): rounded to the point's resolution, a
             * number with 10 significant digits, a bool as true or false. */
            v = decode_round(def, v);
            if (decode_is_bool(def))
                fprintf(out, "%s", v != 0 ? "true" : "false");
            else
                fprintf(out, "%.10g", v);
            fprintf(out, "%s%s\n", def->unit ? " " : "", def->unit ? def->unit : "");
        }
    }
    fprintf(out, "requests: %d\n", sent);
    code = fflush(out) == 0 ? 0 : 2;
out:
    if (link.ctx) {
        if (connected) modbus_close(link.ctx);
        modbus_free(link.ctx);
    }
    free(regs);
    free(base);
    free(res);
    plan_free(&pl);
    return code;
}
