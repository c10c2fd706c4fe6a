/* rtuserver.c - see rtuserver.h. */
#include "simulator/rtuserver.h"
#include "gateway/base/clock.h"
#include "gateway/base/log.h"
#include "simulator/units.h"

#include <errno.h>
#include <fcntl.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define SILENCE_MS 5 /* far longer than 3.5 characters at any baud rate a pty imitates */
#define MAX_LATE 16

struct late {
    size_t len;
    int64_t due; /* clock_mono_ms */
    uint8_t frame[1 + 256 + 2];
};

struct rtuserver {
    const struct config *cfg;
    const struct world *w;
    const struct bus_config *bus;
    int master, slave; /* the slave stays open so the master never reads EIO between clients */
    char link[256];
    modbus_t *ctx; /* only for modbus_reply: its socket is the master fd */
    struct sim_units units;
    uint64_t writes_refused;
    struct late late[MAX_LATE];
    size_t n_late;
};

static uint16_t crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA001) : (uint16_t)(crc >> 1);
    }
    return crc;
}

struct rtuserver *rtuserver_new(const struct config *cfg, int bus, const struct world *w,
                                const char *link_path)
{
    struct rtuserver *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->cfg = cfg;
    r->w = w;
    r->bus = &cfg->buses[bus];
    r->master = r->slave = -1;
    snprintf(r->link, sizeof(r->link), "%s", link_path);
    if (sim_units_init(&r->units, cfg, bus)) goto fail;
    char slave_name[128];
    r->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (r->master < 0 || grantpt(r->master) || unlockpt(r->master) ||
        ptsname_r(r->master, slave_name, sizeof(slave_name))) {
        log_msg(LOG_ERROR, "sim: bus %s: cannot open a pty pair: %s", r->bus->id, strerror(errno));
        goto fail;
    }
    r->slave = open(slave_name, O_RDWR | O_NOCTTY);
    struct termios t;
    if (r->slave < 0 || tcgetattr(r->slave, &t)) goto fail;
    cfmakeraw(&t);
    tcsetattr(r->slave, TCSANOW, &t);
    unlink(r->link); /* a link left by an earlier run */
    if (symlink(slave_name, r->link)) {
        log_msg(LOG_ERROR, "sim: bus %s: cannot link %s to %s: %s", r->bus->id, r->link, slave_name,
                strerror(errno));
        r->link[0] = '\0';
        goto fail;
    }
    r->ctx = modbus_new_rtu(slave_name, 9600, 'N', 8, 1);
    if (!r->ctx) goto fail;
    modbus_set_socket(r->ctx, r->master);
    log_msg(LOG_INFO, "sim: bus %s: Modbus RTU on %s (-> %s), %zu device%s", r->bus->id, r->link,
            slave_name, r->units.n, r->units.n == 1 ? "" : "s");
    rtuserver_refresh(r);
    return r;
fail:
    rtuserver_free(r);
    return NULL;
}

void rtuserver_free(struct rtuserver *r)
{
    if (!r) return;
    if (r->ctx) {
        modbus_set_socket(r->ctx, -1); /* the fd is ours to close */
        modbus_free(r->ctx);
    }
    if (r->link[0]) unlink(r->link);
    if (r->slave >= 0) close(r->slave);
    if (r->master >= 0) close(r->master);
    sim_units_cleanup(&r->units);
    free(r);
}

int rtuserver_fd(const struct rtuserver *r)
{
    return r->master;
}

void rtuserver_handle(struct rtuserver *r)
{
    uint8_t frame[MODBUS_RTU_MAX_ADU_LENGTH];
    size_t n = 0;
    for (;;) { /* read until the line falls silent; bounded by the frame size */
        ssize_t got = read(r->master, frame + n, sizeof(frame) - n);
        if (got <= 0) break;
        n += (size_t)got;
        struct pollfd p = {r->master, POLLIN, 0};
        if (n == sizeof(frame) || poll(&p, 1, SILENCE_MS) <= 0) break;
    }
    if (n < 4 || crc16(frame, n - 2) != (uint16_t)(frame[n - 2] | frame[n - 1] << 8)) return;
    int unit = frame[0], fc = frame[1];
    sim_units_count(&r->units, r->cfg, unit, fc);
    struct sim_unit *u = sim_units_answering(&r->units, r->cfg, r->w, unit);
    if (!u || r->w->fault[u->device] == SIM_DROP) return; /* a dead slave: silence */
    modbus_set_slave(r->ctx, unit);
    if (sim_is_write(fc)) {
        r->writes_refused++;
        log_msg(LOG_WARN, "sim: bus %s: refused a WRITE (function %d) to unit %d", r->bus->id, fc,
                unit);
        modbus_reply_exception(r->ctx, frame, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
        return;
    }
    switch (r->w->fault[u->device]) {
    case SIM_GARBAGE: {
        uint8_t g[1 + 256 + 2];
        size_t len = 1 + sim_units_garbage(&frame[1], &g[1]);
        g[0] = (uint8_t)unit;
        uint16_t crc = crc16(g, len);
        g[len++] = (uint8_t)(crc & 0xff);
        g[len++] = (uint8_t)(crc >> 8);
        if (write(r->master, g, len) < 0) log_msg(LOG_DEBUG, "sim: write: %s", strerror(errno));
        return;
    }
    case SIM_EXCEPTION:
        modbus_reply_exception(r->ctx, frame, MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE);
        return;
    case SIM_SLOW:
    case SIM_WRONG_UNIT: {
        /* Framed here: late (the master has given up, and may be asking another slave), or
         * under another unit id. */
        struct late l = {.due = clock_mono_ms()};
        int slow = r->w->fault[u->device] == SIM_SLOW;
        if (slow) l.due += r->w->slow_ms[u->device];
        l.frame[0] = (uint8_t)(slow ? unit : unit == 247 ? 1 : unit + 1);
        l.len = 1 + sim_units_reply(u, &frame[1], n - 3, &l.frame[1]);
        uint16_t crc = crc16(l.frame, l.len);
        l.frame[l.len++] = (uint8_t)(crc & 0xff);
        l.frame[l.len++] = (uint8_t)(crc >> 8);
        if (!slow) {
            if (write(r->master, l.frame, l.len) < 0)
                log_msg(LOG_DEBUG, "sim: write: %s", strerror(errno));
        } else if (r->n_late < MAX_LATE) {
            r->late[r->n_late++] = l;
        }
        return;
    }
    default: modbus_reply(r->ctx, frame, (int)n, u->map);
    }
}

int64_t rtuserver_next_late(const struct rtuserver *r)
{
    int64_t due = -1;
    for (size_t i = 0; i < r->n_late; i++)
        if (due < 0 || r->late[i].due < due) due = r->late[i].due;
    return due;
}

void rtuserver_send_late(struct rtuserver *r, int64_t now)
{
    for (size_t i = 0; i < r->n_late;) {
        if (r->late[i].due > now) {
            i++;
            continue;
        }
        if (write(r->master, r->late[i].frame, r->late[i].len) < 0)
            log_msg(LOG_DEBUG, "sim: write: %s", strerror(errno));
        r->late[i] = r->late[--r->n_late];
    }
}

void rtuserver_report(const struct rtuserver *r)
{
    sim_units_report(&r->units, r->cfg, r->bus->id);
}

void rtuserver_refresh(struct rtuserver *r)
{
    sim_units_refresh(&r->units, r->cfg, r->w);
}

uint64_t rtuserver_writes_refused(const struct rtuserver *r)
{
    return r->writes_refused;
}
