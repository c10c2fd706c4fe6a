/*
 * maintenance.h - planned maintenance: the configuration's `maintenance` tasks raise work orders
 * on their calendar (config/schedule.h), like the weekly generator check of DOMAIN.md.
 *
 * Each occurrence raises a work order (source "maintenance", priority normal, dedup key
 * SITE/ASSET/TASK, so an order still in hand from the last occurrence is updated, not doubled).
 * The last occurrence raised is kept in the store ("maintenance:ID"), so a gateway that was down
 * at an occurrence raises it once when it starts (the latest one missed); a task new to the
 * configuration starts with its next occurrence (its mark is written at once, so that even that
 * one is caught up if missed). Changing a task's `every` or `at` keeps its mark: at most one
 * catch-up follows.
 *
 * Owned by the core; borrows the config, the work-order table and the store.
 */
#ifndef STEWARD_MAINTENANCE_H
#define STEWARD_MAINTENANCE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct store;
struct wo_table;

struct maintenance {
    const struct config *cfg;
    struct wo_table *wos;
    struct store *store;
    int64_t *due; /* per task: wall ms of the occurrence to raise next */
};

/* Reads each task's last occurrence and schedules the next (or a missed one, at once). */
int maintenance_init(struct maintenance *m, const struct config *cfg, struct wo_table *wos,
                     struct store *s, int64_t now_wall);
void maintenance_cleanup(struct maintenance *m);

/* Raises every occurrence due by now_wall. Returns 0 or an st_err from the store. */
int maintenance_tick(struct maintenance *m, int64_t now_wall);

/* The wall time of the next occurrence, or 0 when there is no task. */
int64_t maintenance_next_due(const struct maintenance *m);

#endif
