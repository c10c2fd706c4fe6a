/*
 * bus.h - the Modbus adapters: one thread per bus (a TCP endpoint or a serial line), each owning
 * its modbus_t. Read-only: only function codes 3 (holding) and 4 (input) are ever sent.
 *
 * Per poll of a device, one sample_batch with every point of its profile goes to the queue.
 * A device that fails three polls in a row (timeout, broken connection, garbage) is in
 * communication fault: its batches then carry comm_ok = 0 and every point QUALITY_COMM_FAIL,
 * and it is polled at most every max(interval, 5 s) until it answers, so a dead slave costs the
 * others on the same line at most one timeout per 5 s. An exception reply (illegal address...)
 * marks the points of that block QUALITY_BAD; the device still answers, so it is not a fault.
 * A device that cannot be polled at all (its unit id refused by libmodbus, a profile needing more
 * than PLAN_MAX_BLOCKS requests) fails every poll the same way, without sending anything.
 *
 * check() (adapter.h) refuses what these adapters cannot serve: unit ids outside 1-247 on RTU and
 * outside 0-247 or 255 on TCP, profiles needing more than PLAN_MAX_BLOCKS read requests.
 * The common bus is bus.c; tcp.c and rtu.c hold what differs (backend.h).
 */
#ifndef STEWARD_BUS_H
#define STEWARD_BUS_H

#include "adapters/adapter.h"

#define BUS_FAULT_POLLS 3
#define BUS_SIDELINE_MS 5000

extern const struct adapter_ops modbus_tcp_adapter;
extern const struct adapter_ops modbus_rtu_adapter;

#endif
