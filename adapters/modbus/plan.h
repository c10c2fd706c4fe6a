/*
 * plan.h - which block reads fetch a profile's points: points of one table are merged into one
 * request (as Neuron's modbus_point.c does), bridging gaps of up to max_gap unused registers (or
 * bits), each request at most max_registers registers (function codes 3 and 4) or max_bits bits
 * (1 and 2). Points may overlap (several bits of one status register share it).
 * Pure: built once per device when its bus thread starts, and by check().
 */
#ifndef STEWARD_PLAN_H
#define STEWARD_PLAN_H

#include <stddef.h>

#include "config/config.h"

#define PLAN_MAX_REGS 125  /* the Modbus limit for function codes 3 and 4 */
#define PLAN_MAX_BITS 2000 /* the Modbus limit for function codes 1 and 2 */
/* Read requests (blocks) one poll of a device may send. A profile needing more is refused by
 * adapters_check; it bounds how long one device holds its line. */
#define PLAN_MAX_BLOCKS 125
#define PLAN_DEFAULT_GAP 10 /* registers worth reading over rather than sending another request */

struct plan_limits {
    int max_registers; /* 1..PLAN_MAX_REGS */
    int max_bits;      /* 1..PLAN_MAX_BITS */
    int max_gap;       /* >= 0 */
};

struct plan_block {
    enum reg_table table;
    int start; /* first register or bit */
    int count; /* registers or bits */
};

struct plan {
    struct plan_block *blocks; /* owned */
    size_t n;
    int *block_of;  /* per profile point: its block */
    int *offset_of; /* per profile point: its first register's (bit's) offset in the block */
    int words;      /* sum of the blocks' counts: the words a poll's answers fill */
};

/* The limits for device dev (may be NULL) reading profile p: the device's settings, else the
 * profile's, else the defaults (125 registers, 2000 bits, gap 10). */
struct plan_limits plan_limits_for(const struct cfg_device *dev, const struct cfg_profile *p);

/* Builds the plan for profile p within lim. Returns 0 or ST_ERR_NOMEM (then *out holds nothing
 * to free). */
int plan_build(const struct cfg_profile *p, const struct plan_limits *lim, struct plan *out);
void plan_free(struct plan *pl); /* frees what it owns; the struct may be reused */

#endif
