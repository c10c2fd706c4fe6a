/*
 * tcp.c - the Modbus TCP backend and its adapter (bus.h): one TCP endpoint per bus.
 *
 * libmodbus opens and closes the connection; the request and its answer are framed here, on its
 * socket, because libmodbus 3.1.6 does not check the unit id of a TCP answer: behind a Modbus
 * gateway an answer for another unit would be taken for ours. Here the MBAP header is checked
 * whole: protocol 0, a length within the specification, our transaction id (an answer to an
 * earlier request is discarded), our unit id (an answer from another is refused).
 */
#include "adapters/modbus/backend.h"
#include "adapters/modbus/bus.h"
#include "gateway/base/clock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define MBAP_LEN 7

static modbus_t *tcp_new_ctx(const struct bus_config *bus)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", bus->port);
    return modbus_new_tcp_pi(bus->host, port);
}

/* The reply to a request that timed out can still arrive later; a fresh connection leaves it
 * behind, and costs little on a TCP endpoint. So every failure starts over. */
static int tcp_reconnect_after(int err)
{
    (void)err;
    return 1;
}

/* libmodbus accepts 0-247 and MODBUS_TCP_SLAVE (255) on TCP; modbus_set_slave refuses the rest. */
static int tcp_check_device(const struct config *cfg, const struct cfg_device *dev,
                            struct config_diag *diag)
{
    if ((dev->unit >= 0 && dev->unit <= 247) || dev->unit == MODBUS_TCP_SLAVE) return 0;
    return adapter_diag(diag, cfg, dev->line,
                        "device '%s': 'unit' = %d is not a Modbus TCP unit id (0-247, or 255)",
                        dev->id, dev->unit);
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
    for (int tries = 0; n > 0 && tries < 64; tries++) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return w < 0 ? errno : EIO;
        p += w;
        n -= (size_t)w;
    }
    return n ? EIO : 0;
}

static void consume(struct mb_link *l, size_t n)
{
    memmove(l->rx, l->rx + n, l->rx_n - n);
    l->rx_n -= n;
}

static int tcp_transact(struct mb_link *l, int unit, const uint8_t *pdu, int len, uint8_t *rsp,
                        int *rsp_len, int64_t timeout_ms)
{
    int fd = modbus_get_socket(l->ctx);
    if (fd < 0) return EBADF;
    uint8_t adu[MBAP_LEN + MB_PDU_MAX];
    uint16_t tid = ++l->tid;
    adu[0] = (uint8_t)(tid >> 8);
    adu[1] = (uint8_t)tid;
    adu[2] = adu[3] = 0; /* protocol: Modbus */
    adu[4] = (uint8_t)((len + 1) >> 8);
    adu[5] = (uint8_t)(len + 1);
    adu[6] = (uint8_t)unit;
    memcpy(adu + MBAP_LEN, pdu, (size_t)len);
    int err = send_all(fd, adu, MBAP_LEN + (size_t)len);
    if (err) return err;
    int64_t deadline = clock_mono_ms() + timeout_ms;
    /* Bounded by the deadline; each pass either parses a frame or waits for bytes. */
    for (;;) {
        while (l->rx_n >= MBAP_LEN) {
            int flen = l->rx[4] << 8 | l->rx[5]; /* unit id and PDU */
            if (l->rx[2] || l->rx[3] || flen < 2 || flen > MB_PDU_MAX + 1) return EMBBADDATA;
            if (l->rx_n < (size_t)(6 + flen)) break;
            uint16_t rtid = (uint16_t)(l->rx[0] << 8 | l->rx[1]);
            int runit = l->rx[6];
            if (rtid != tid) { /* a late answer to an earlier request */
                l->refused++;
                l->last_refused_unit = runit;
                consume(l, (size_t)(6 + flen));
                continue;
            }
            if (runit != unit) {
                l->refused++;
                l->last_refused_unit = runit;
                consume(l, (size_t)(6 + flen));
                return EMBBADSLAVE;
            }
            *rsp_len = flen - 1;
            memcpy(rsp, l->rx + MBAP_LEN, (size_t)(flen - 1));
            consume(l, (size_t)(6 + flen));
            return 0;
        }
        if (l->rx_n == sizeof(l->rx)) return EMBBADDATA;
        int64_t left = deadline - clock_mono_ms();
        if (left <= 0) return ETIMEDOUT;
        struct pollfd p = {fd, POLLIN, 0};
        int rc = poll(&p, 1, (int)left);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) return errno;
        if (rc == 0) return ETIMEDOUT;
        ssize_t got = recv(fd, l->rx + l->rx_n, sizeof(l->rx) - l->rx_n, MSG_DONTWAIT);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (got < 0) return errno;
        if (got == 0) return ECONNRESET;
        l->rx_n += (size_t)got;
    }
}

static const struct modbus_backend tcp_backend = {tcp_new_ctx, tcp_reconnect_after,
                                                  tcp_check_device, tcp_transact};

static int tcp_create(const struct config *cfg, int bus, struct adapter **out)
{
    return bus__create(&tcp_backend, cfg, bus, out);
}

static int tcp_check(const struct config *cfg, int bus, struct config_diag *diag)
{
    return bus__check(&tcp_backend, cfg, bus, diag);
}

static int tcp_probe(const struct config *cfg, int device, FILE *out, FILE *err)
{
    return bus__probe(&tcp_backend, cfg, device, out, err);
}

const struct adapter_ops modbus_tcp_adapter = {"modbus-tcp", tcp_create, bus__start, bus__stop,
                                               bus__destroy, tcp_check,  tcp_probe};
