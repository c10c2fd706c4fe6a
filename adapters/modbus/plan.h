/*
 * plan.h - which block reads fetch a profile's points: adjacent registers of one table are
 * merged into one request (as Neuron's modbus_point.c does), bridging small gaps, at most
 * PLAN_MAX_REGS registers per request (the Modbus limit for function codes 3 and 4).
 * Pure: built once per device when its bus thread starts.
 */
#ifndef STEWARD_PLAN_H
#define STEWARD_PLAN_H

#include <stddef.h>

#include "config/config.h"

#define PLAN_MAX_REGS 125
/* Read requests (blocks) one poll of a device may send. A profile needing more is refused by
 * adapters_check; it bounds how long one device holds its line. */
#define PLAN_MAX_BLOCKS 125
#define PLAN_MAX_GAP 8 /* registers worth reading over rather than sending another request */

struct plan_block {
    enum reg_table table;
    int start; /* first register */
    int count; /* registers */
};

struct plan {
    struct plan_block *blocks; /* owned */
    size_t n;
    int *block_of;  /* per profile point: its block */
    int *offset_of; /* per profile point: its first register's offset in the block */
};

/* Builds the plan for profile p with gaps up to max_gap. Returns 0 or ST_ERR_NOMEM. */
int plan_build(const struct cfg_profile *p, int max_gap, struct plan *out);
void plan_free(struct plan *pl); /* frees what it owns; the struct may be reused */

#endif
