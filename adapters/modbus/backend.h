/*
 * backend.h - private to adapters/modbus/: what Modbus TCP and Modbus RTU do differently, as one
 * const struct modbus_backend per transport (after libmodbus's _modbus_backend), and the common
 * bus (bus.c) that tcp.c and rtu.c build their adapter_ops on. Nothing outside adapters/modbus/
 * includes this header; the adapters themselves are declared in bus.h.
 *
 * Keep the struct small: a member exists only because the two transports differ there.
 */
#ifndef STEWARD_MODBUS_BACKEND_H
#define STEWARD_MODBUS_BACKEND_H

#include <modbus.h>
#include <stdio.h>

#include "adapters/adapter.h"

/* The largest request or answer PDU (function code and data), as the Modbus specification. */
#define MB_PDU_MAX 253

/* One bus's link: the libmodbus context (which opens and closes the connection or the serial
 * port) and what a transport keeps between two requests. Owned by the bus thread. */
struct mb_link {
    modbus_t *ctx;
    const struct bus_config *bus;
    uint16_t tid;           /* TCP: the transaction id of the last request sent */
    uint8_t rx[2 * 260];    /* TCP: bytes received and not yet parsed */
    size_t rx_n;            /* emptied on every (re)connection */
    int64_t quiet_until_us; /* RTU: the line stays silent until then (CLOCK_MONOTONIC, us) */
    int64_t inter_frame_us; /* RTU: silence after each answer */
    unsigned long refused;  /* answers refused (another unit, another transaction), in total */
    int last_refused_unit;  /* the unit id of the last answer refused, for the log */
};

struct modbus_backend {
    /* A new, unconnected context for the bus. NULL with errno set on failure. The caller owns
     * the result (modbus_free). */
    modbus_t *(*new_ctx)(const struct bus_config *bus);
    /* After a request failed with err (an errno or EMB* value): nonzero when the link must be
     * closed and opened again before the next request. */
    int (*reconnect_after)(int err);
    /* Checks the settings of device dev that only this transport can judge (its unit id),
     * appending "FILE:LINE: message" errors to diag (may be NULL). Returns the number of errors. */
    int (*check_device)(const struct config *cfg, const struct cfg_device *dev,
                        struct config_diag *diag);
    /*
     * Sends the request pdu (function code first, len bytes, borrowed) to unit on the connected
     * link and waits at most timeout_ms for the answer to it. An answer from another unit id, or
     * (TCP) to another transaction, is refused: counted in l->refused and never returned. On 0,
     * rsp (MB_PDU_MAX bytes) holds the answer's PDU, function code first, and *rsp_len its
     * length; the transport's framing (MBAP header, CRC) has been checked and removed. Returns
     * 0, or an errno / EMB* value: ETIMEDOUT, EMBBADSLAVE (only refused answers came), EMBBADCRC,
     * EMBBADDATA (a malformed frame), or the socket's error.
     */
    int (*transact)(struct mb_link *l, int unit, const uint8_t *pdu, int len, uint8_t *rsp,
                    int *rsp_len, int64_t timeout_ms);
};

/*
 * The common bus, with the meaning of struct adapter_ops (adapter.h). bus__create and bus__check
 * take the backend of the adapter calling them; the backend is borrowed for the adapter's life
 * (the instances are static const).
 */
int bus__create(const struct modbus_backend *be, const struct config *cfg, int bus,
                struct adapter **out);
int bus__start(struct adapter *a, struct sample_queue *q);
void bus__stop(struct adapter *a);
void bus__destroy(struct adapter *a);

/* Checks what is common to both transports for the devices on bus (how many read requests each
 * profile needs within the device's limits), then be->check_device for each of them. Returns the
 * number of errors. */
int bus__check(const struct modbus_backend *be, const struct config *cfg, int bus,
               struct config_diag *diag);

/*
 * `steward probe` (adapters_probe, adapter.h) for device index `device` of cfg (a loaded, valid
 * configuration; its bus uses this backend): opens its own connection (be->new_ctx, connect),
 * sends once the read requests of the device's plan (plan_build within plan_limits_for, as a
 * poll does, through the same request code) with the device's timeout, and prints to out each
 * request (function code, start, count, milliseconds), the words of each answer in hex, then
 * every point of the profile as the gateway would publish it (decode_value, decode_round; a
 * block answered with an exception is named as such) and "requests: N". Read function codes
 * only. Stops at the first request without a valid answer. Errors go to err as "probe: ID (unit
 * U on bus B): why". Returns 0 when every request was answered (exceptions included), 1 when
 * the device cannot be probed as configured, 2 when it could not be read (no connection, no
 * answer, a malformed answer).
 */
int bus__probe(const struct modbus_backend *be, const struct config *cfg, int device, FILE *out,
               FILE *err);

#endif
