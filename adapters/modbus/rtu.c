/*
 * rtu.c - the Modbus RTU backend and its adapter (bus.h): one serial line per bus.
 *
 * libmodbus frames the request (CRC) and the answer (length from the function code, CRC); this
 * backend adds what one master on a shared line needs: the input is flushed before each request,
 * so nothing a late or confused slave sent can be taken for the answer; an answer from another
 * unit (libmodbus 3.1.6 drops it and returns 0) is refused and the wait goes on, within the
 * timeout, for the unit asked; and after each answer or timeout the line is left silent for
 * inter_frame (3.5 characters) before the next request.
 */
#include "adapters/modbus/backend.h"
#include "adapters/modbus/bus.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static modbus_t *rtu_new_ctx(const struct bus_config *bus)
{
    return modbus_new_rtu(bus->device, bus->baud, bus->parity, bus->data_bits, bus->stop_bits);
}

/* On a serial line a timeout or a garbled frame is one slave's problem: the flush has emptied
 * the line and the next slave can be asked at once. Only a port that itself failed (a USB
 * adapter unplugged) is reopened. */
static int rtu_reconnect_after(int err)
{
    return err == ECONNRESET || err == EPIPE || err == EBADF || err == ECONNREFUSED;
}

/* 0 is the broadcast address, which no slave answers, and libmodbus refuses anything above 247. */
static int rtu_check_device(const struct config *cfg, const struct cfg_device *dev,
                            struct config_diag *diag)
{
    if (dev->unit >= 1 && dev->unit <= 247) return 0;
    return adapter_diag(diag, cfg, dev->line,
                        "device '%s': 'unit' = %d is not a Modbus RTU slave address (1-247%s)",
                        dev->id, dev->unit,
                        dev->unit == 0 ? "; 0 is broadcast, never answered" : "");
}

static int64_t now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* 3.5 characters at the line's speed, as the RTU specification asks; above 19200 baud it fixes
 * 1.75 ms. A character is a start bit, the data bits, the parity bit and the stop bits. */
static int64_t inter_frame_us(const struct bus_config *bus)
{
    if (bus->inter_frame_ms > 0) return bus->inter_frame_ms * 1000;
    if (bus->baud > 19200 || bus->baud <= 0) return 1750;
    int bits = 1 + bus->data_bits + (bus->parity != 'N') + bus->stop_bits;
    return (int64_t)(3.5 * bits * 1e6 / bus->baud + 0.5);
}

static void quiet_line(struct mb_link *l)
{
    int64_t t = now_us();
    if (t >= l->quiet_until_us) return;
    int64_t d = l->quiet_until_us - t;
    struct timespec ts = {(time_t)(d / 1000000), (long)(d % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void set_timeout_us(modbus_t *ctx, int64_t us)
{
    if (us < 1000) us = 1000;
    modbus_set_response_timeout(ctx, (uint32_t)(us / 1000000), (uint32_t)(us % 1000000));
}

static int rtu_transact(struct mb_link *l, int unit, const uint8_t *pdu, int len, uint8_t *rsp,
                        int *rsp_len, int64_t timeout_ms)
{
    if (!l->inter_frame_us) l->inter_frame_us = inter_frame_us(l->bus);
    quiet_line(l);
    modbus_flush(l->ctx); /* whatever arrived since the last answer belongs to no request */
    if (modbus_set_slave(l->ctx, unit) != 0) return errno ? errno : EINVAL;
    uint8_t raw[1 + MB_PDU_MAX];
    raw[0] = (uint8_t)unit;
    memcpy(raw + 1, pdu, (size_t)len);
    int64_t deadline = now_us() + timeout_ms * 1000;
    set_timeout_us(l->ctx, timeout_ms * 1000);
    int err = 0;
    if (modbus_send_raw_request(l->ctx, raw, len + 1) < 0) {
        err = errno ? errno : EIO;
        goto out;
    }
    uint8_t adu[MODBUS_RTU_MAX_ADU_LENGTH];
    /* Bounded by the deadline: each pass reads one whole frame or times out. */
    for (int pass = 0; pass < 64; pass++) {
        errno = 0;
        int rc = modbus_receive_confirmation(l->ctx, adu);
        if (rc < 0) {
            err = errno ? errno : EIO;
            if (err == ETIMEDOUT && pass > 0) err = EMBBADSLAVE; /* only others answered */
            goto out;
        }
        if (rc >= 4 && adu[0] == unit) {
            *rsp_len = rc - 3; /* without the address and the CRC */
            memcpy(rsp, adu + 1, (size_t)*rsp_len);
            goto out;
        }
        l->refused++; /* another unit's frame: not the answer, and not the end of the wait */
        l->last_refused_unit = adu[0]; /* libmodbus read the whole frame before refusing it */
        int64_t left = deadline - now_us();
        if (left <= 0) {
            err = EMBBADSLAVE;
            goto out;
        }
        set_timeout_us(l->ctx, left);
    }
    err = EMBBADSLAVE;
out:
    l->quiet_until_us = now_us() + l->inter_frame_us;
    return err;
}

static const struct modbus_backend rtu_backend = {rtu_new_ctx, rtu_reconnect_after,
                                                  rtu_check_device, rtu_transact};

static int rtu_create(const struct config *cfg, int bus, struct adapter **out)
{
    return bus__create(&rtu_backend, cfg, bus, out);
}

static int rtu_check(const struct config *cfg, int bus, struct config_diag *diag)
{
    return bus__check(&rtu_backend, cfg, bus, diag);
}

static int rtu_probe(const struct config *cfg, int device, FILE *out, FILE *err)
{
    return bus__probe(&rtu_backend, cfg, device, out, err);
}

const struct adapter_ops modbus_rtu_adapter = {"modbus-rtu", rtu_create, bus__start, bus__stop,
                                               bus__destroy, rtu_check,  rtu_probe};
