/*
 * bus.h - the Modbus adapters: one thread per bus (a TCP endpoint or a serial line), each owning
 * its link. Read-only: only function codes 1 (coils), 2 (discrete inputs), 3 (holding registers)
 * and 4 (input registers) are ever sent; no code path builds another.
 *
 * One master per line: the devices of a bus are polled one at a time, each on its own interval,
 * kept on its phase (a poll delayed by another device's timeout is made as soon as the line is
 * free, so it costs that device no poll). On RTU the master leaves `inter_frame` of silence (3.5
 * characters by default) after each answer. A slow device delays only its own bus.
 *
 * Per poll of a device, one sample_batch with every point of its profile goes to the queue, with
 * `requests` the read requests the poll sent. Values are rounded to the point's resolution
 * (decode_round) and held within its deadband. An answer is accepted only when it is the answer
 * to the request: from the unit asked (checked on TCP too, where libmodbus 3.1.6 does not), to
 * that transaction (TCP), to that function with the number of values asked for. Anything else,
 * like a timeout, fails the request: the line is flushed (TCP: reconnected, so a late answer
 * cannot follow), and the device is sidelined for the rest of its cycle and retried with
 * exponential back-off (bus_next_delay), so a dead or slow slave costs the others on its line
 * at most one timeout per BUS_BACKOFF_MAX_MS. After `comm_fail_after` (default 3) failed polls in
 * a row its batches carry comm_ok = 0 and every point QUALITY_COMM_FAIL; before that nothing is
 * sent, so its points keep their last good values and nothing the device did not send is ever
 * published as good. An exception answer (logged by name: "Illegal data address") marks the
 * points of that block QUALITY_BAD; the device answers, so it is not a fault. Repeated errors
 * are logged through log_complain.
 *
 * check() (adapter.h) refuses what these adapters cannot serve: unit ids outside 1-247 on RTU and
 * outside 0-247 or 255 on TCP, profiles needing more than PLAN_MAX_BLOCKS read requests, a point
 * wider than its device's max_registers.
 * The common bus is bus.c; tcp.c and rtu.c hold what differs (backend.h).
 */
#ifndef STEWARD_BUS_H
#define STEWARD_BUS_H

#include <stdint.h>

#include "adapters/adapter.h"

#define BUS_FAULT_POLLS 3       /* comm_fail_after's default */
#define BUS_BACKOFF_MAX_MS 5000 /* a failing device is retried at least this often */

extern const struct adapter_ops modbus_tcp_adapter;
extern const struct adapter_ops modbus_rtu_adapter;

/* The delay before the next poll of a device with this interval after `fails` failed polls in a
 * row: the interval, doubled with each further failure, up to max(interval, BUS_BACKOFF_MAX_MS). */
int64_t bus_next_delay(int64_t interval_ms, int fails);

/* When a device due at `due` and polled (ending at now) is due next: on its phase (due +
 * interval, or now when that has passed) when it answered, else now + bus_next_delay, and no
 * sooner than two of its timeouts (so a late answer cannot meet the retry). */
int64_t bus_reschedule(int64_t due, int64_t now, int64_t interval_ms, int64_t timeout_ms,
                       int fails);

#endif
