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
#include "gateway/base/timer.h"

struct journal;
struct store;
struct wo_table;

struct maintenance;

/* One task's next occurrence: a wall-clock timer in the registry. */
struct maintenance_task {
    struct maintenance *m;
    size_t index; /* into cfg->maintenance */
    int64_t due;  /* wall ms of the occurrence to raise next */
    struct timer timer;
};

struct maintenance {
    const struct config *cfg;
    struct wo_table *wos;
    struct journal *journal;
    struct timers *timers;
    struct maintenance_task *tasks; /* one per cfg->maintenance, owned */
};

/* Reads each task's last occurrence (from s) and arms its timer for the next one (or a missed
 * one, at once). Returns 0 or an st_err. */
int maintenance_init(struct maintenance *m, const struct config *cfg, struct wo_table *wos,
                     struct journal *j, struct store *s, struct timers *timers, int64_t now_wall);
void maintenance_cleanup(struct maintenance *m);

/* The wall time of the next occurrence of any task, or 0 when there is no task. */
int64_t maintenance_next_due(const struct maintenance *m);

#endif
