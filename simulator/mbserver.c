/* mbserver.c - see mbserver.h. */
#include "simulator/mbserver.h"
#include "gateway/base/clock.h"
#include "gateway/base/log.h"
#include "simulator/units.h"

#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_CLIENTS 32
#define MAX_LATE 64 /* late answers waiting to be sent */

struct late {
    int fd;
    size_t len;
    int64_t due; /* clock_mono_ms */
    uint8_t adu[7 + 256];
};

struct mbserver {
    const struct config *cfg;
    const struct world *w;
    const struct bus_config *bus;
    modbus_t *ctx;
    int listen_fd;
    int clients[MAX_CLIENTS];
    size_t n_clients;
    struct sim_units units;
    uint64_t writes_refused;
    struct late late[MAX_LATE];
    size_t n_late;
};

struct mbserver *mbserver_new(const struct config *cfg, int bus, const struct world *w)
{
    struct mbserver *m = calloc(1, sizeof(*m));
    if (!m) return NULL;
    m->cfg = cfg;
    m->w = w;
    m->bus = &cfg->buses[bus];
    m->listen_fd = -1;
    if (sim_units_init(&m->units, cfg, bus)) goto fail;
    char port[16];
    snprintf(port, sizeof(port), "%d", m->bus->port);
    m->ctx = modbus_new_tcp_pi(m->bus->host, port);
    if (!m->ctx) goto fail;
    m->listen_fd = modbus_tcp_pi_listen(m->ctx, 16);
    if (m->listen_fd < 0) {
        log_msg(LOG_ERROR, "sim: bus %s: cannot listen on %s:%d: %s", m->bus->id, m->bus->host,
                m->bus->port, modbus_strerror(errno));
        goto fail;
    }
    log_msg(LOG_INFO, "sim: bus %s: Modbus TCP on %s:%d, %zu device%s", m->bus->id, m->bus->host,
            m->bus->port, m->units.n, m->units.n == 1 ? "" : "s");
    mbserver_refresh(m);
    return m;
fail:
    mbserver_free(m);
    return NULL;
}

void mbserver_free(struct mbserver *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->n_clients; i++)
        close(m->clients[i]);
    if (m->listen_fd >= 0) close(m->listen_fd);
    if (m->ctx) modbus_free(m->ctx);
    sim_units_cleanup(&m->units);
    free(m);
}

size_t mbserver_fds(struct mbserver *m, struct pollfd *fds, size_t max)
{
    size_t n = 0;
    if (n < max) fds[n++] = (struct pollfd){m->listen_fd, POLLIN, 0};
    for (size_t i = 0; i < m->n_clients && n < max; i++)
        fds[n++] = (struct pollfd){m->clients[i], POLLIN, 0};
    return n;
}

static void drop_client(struct mbserver *m, size_t i)
{
    for (size_t k = 0; k < m->n_late;) /* its fd number may be reused by the next client */
        if (m->late[k].fd == m->clients[i])
            m->late[k] = m->late[--m->n_late];
        else
            k++;
    close(m->clients[i]);
    m->clients[i] = m->clients[--m->n_clients];
}

static void drop_fd(struct mbserver *m, int fd)
{
    for (size_t i = 0; i < m->n_clients; i++)
        if (m->clients[i] == fd) {
            drop_client(m, i);
            return;
        }
}

/* An answer framed here rather than by libmodbus: late, or under another unit id. */
static void answer_ourselves(struct mbserver *m, int fd, const uint8_t *q, int len, int unit,
                             int64_t delay_ms, const struct sim_unit *u)
{
    struct late l = {.fd = fd, .due = clock_mono_ms() + delay_ms};
    size_t n = sim_units_reply(u, &q[7], (size_t)(len - 7), &l.adu[7]);
    memcpy(l.adu, q, 4); /* transaction and protocol ids */
    l.adu[4] = (uint8_t)((n + 1) >> 8);
    l.adu[5] = (uint8_t)(n + 1);
    l.adu[6] = (uint8_t)unit;
    l.len = 7 + n;
    if (delay_ms <= 0) {
        if (write(fd, l.adu, l.len) < 0) log_msg(LOG_DEBUG, "sim: write: %s", strerror(errno));
    } else if (m->n_late < MAX_LATE) {
        m->late[m->n_late++] = l;
    }
}

static void serve(struct mbserver *m, int fd)
{
    uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
    modbus_set_socket(m->ctx, fd);
    int rc = modbus_receive(m->ctx, q);
    if (rc <= 0) {
        for (size_t i = 0; i < m->n_clients; i++)
            if (m->clients[i] == fd && rc < 0) drop_client(m, i);
        return;
    }
    int unit = q[6], fc = q[7];
    sim_units_count(&m->units, m->cfg, unit, fc);
    struct sim_unit *u = sim_units_answering(&m->units, m->cfg, m->w, unit);
    if (!u) return; /* a dead slave: silence */
    if (sim_is_write(fc)) {
        m->writes_refused++;
        log_msg(LOG_WARN, "sim: bus %s: refused a WRITE (function %d) to unit %d", m->bus->id, fc,
                unit);
        modbus_reply_exception(m->ctx, q, MODBUS_EXCEPTION_ILLEGAL_FUNCTION);
        return;
    }
    switch (m->w->fault[u->device]) {
    case SIM_GARBAGE: {
        uint8_t r[7 + 256];
        size_t n = sim_units_garbage(&q[7], &r[7]);
        memcpy(r, q, 4); /* transaction and protocol ids */
        r[4] = (uint8_t)((n + 1) >> 8);
        r[5] = (uint8_t)(n + 1);
        r[6] = (uint8_t)unit;
        if (write(fd, r, 7 + n) < 0) log_msg(LOG_DEBUG, "sim: write: %s", strerror(errno));
        return;
    }
    case SIM_EXCEPTION:
        modbus_reply_exception(m->ctx, q, MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE);
        return;
    case SIM_DROP: drop_fd(m, fd); return;
    case SIM_SLOW: answer_ourselves(m, fd, q, rc, unit, m->w->slow_ms[u->device], u); return;
    case SIM_WRONG_UNIT: answer_ourselves(m, fd, q, rc, unit == 247 ? 1 : unit + 1, 0, u); return;
    default: modbus_reply(m->ctx, q, rc, u->map);
    }
}

int64_t mbserver_next_late(const struct mbserver *m)
{
    int64_t due = -1;
    for (size_t i = 0; i < m->n_late; i++)
        if (due < 0 || m->late[i].due < due) due = m->late[i].due;
    return due;
}

void mbserver_send_late(struct mbserver *m, int64_t now)
{
    for (size_t i = 0; i < m->n_late;) {
        if (m->late[i].due > now) {
            i++;
            continue;
        }
        if (write(m->late[i].fd, m->late[i].adu, m->late[i].len) < 0)
            log_msg(LOG_DEBUG, "sim: write: %s", strerror(errno));
        m->late[i] = m->late[--m->n_late];
    }
}

void mbserver_report(const struct mbserver *m)
{
    sim_units_report(&m->units, m->cfg, m->bus->id);
}

void mbserver_handle(struct mbserver *m, const struct pollfd *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!fds[i].revents) continue;
        if (fds[i].fd == m->listen_fd) {
            int s = m->listen_fd;
            int c = modbus_tcp_pi_accept(m->ctx, &s);
            if (c < 0) continue;
            if (m->n_clients == MAX_CLIENTS)
                close(c);
            else
                m->clients[m->n_clients++] = c;
        } else {
            serve(m, fds[i].fd);
        }
    }
}

void mbserver_refresh(struct mbserver *m)
{
    sim_units_refresh(&m->units, m->cfg, m->w);
}

uint64_t mbserver_writes_refused(const struct mbserver *m)
{
    return m->writes_refused;
}
