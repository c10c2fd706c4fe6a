/*
 * site_fixture.h - for unit tests: the demo site (config/examples/demo.cfg) with its real alarms,
 * work orders, points and SQLite store in a temporary directory, as the core builds them.
 * Tests drive it with the fake clock (gateway/clock.h) and the modules' own functions.
 */
#ifndef STEWARD_TEST_SITE_FIXTURE_H
#define STEWARD_TEST_SITE_FIXTURE_H

#include "config/config.h"
#include "gateway/alarms/alarms.h"
#include "gateway/store/journal.h"
#include "gateway/core/points.h"
#include "gateway/store/store.h"
#include "gateway/base/timer.h"
#include "gateway/work/workorders.h"

struct site {
    char dir[64], db[96];
    struct config *cfg;
    struct store *store;
    struct timers *timers;
    struct journal j;
    struct points *pts;
    struct wo_table wos;
    struct alarms al;
};

/* Loads the demo configuration and opens everything on a new database (fails the test on
 * error). Free with site_free. */
struct site *site_new(void);
/* The same for another configuration file (path relative to the repository root). */
struct site *site_new_config(const char *path);
/* Closes the store and the tables, as a stop does, and opens them again from the database,
 * as a restart does. */
void site_restart(struct site *s);
void site_free(struct site *s);

/* Runs the timers due now on the (fake) clock, as the loop does; returns timers_run's code. */
int site_run_timers(struct site *s);
/* The wall-clock time the earliest timer is due, or 0 when none is armed. */
int64_t site_next_due_wall(struct site *s);

#endif
