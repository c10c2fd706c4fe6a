/*
 * sla_fx.h - for the service-standard unit tests (test_sla_*.c, test_report_*.c): a work-order
 * table with the standard's SLA table on a real SQLite store in a temporary directory, a fake
 * clock and a chosen time zone. Header-only: each test program includes it once.
 */
#ifndef STEWARD_TEST_SLA_FX_H
#define STEWARD_TEST_SLA_FX_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/timer.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"
#include "gateway/work/sla.h"
#include "gateway/work/workorders.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static char *fx_ladder[] = {"technician", "supervisor", "manager", "general_manager"};

struct fx {
    struct timers *ts;
    char dir[64], path[96];
    struct config cfg;
    struct store *store;
    struct journal j;
    struct wo_table t;
};

static inline void fx_tz(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* Local wall time in the current TZ: y-m-d h:mi:s. */
static inline int64_t fx_local(int y, int m, int d, int h, int mi, int s)
{
    return clock_local_ms(y - 1900, m - 1, d, h, mi) + s * 1000LL;
}

static inline struct fx *fx_new(int64_t now)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/steward-sla-XXXXXX");
    if (!mkdtemp(f->dir)) abort();
    snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
    struct config *c = &f->cfg;
    c->site.id = "hq_tower";
    c->upstream.topic_prefix = "steward/hq_tower";
    c->storage.path = f->path;
    c->sla.prio[PRIO_EMERGENCY] = (struct cfg_sla_prio){1 * MIN, 15 * MIN, 24 * HOUR};
    c->sla.prio[PRIO_URGENT] = (struct cfg_sla_prio){5 * MIN, 30 * MIN, 24 * HOUR};
    c->sla.prio[PRIO_NORMAL] = (struct cfg_sla_prio){15 * MIN, 24 * HOUR, 48 * HOUR};
    c->sla.escalation = fx_ladder;
    c->sla.n_escalation = 4;
    c->sla.after_hours = (struct cfg_sla_after_hours){22 * 60 + 30, 7 * 60, 10 * MIN};
    c->sla.follow_up.after_ms = 3 * DAY;
    snprintf(c->sla.follow_up.cat[0].category, sizeof(c->sla.follow_up.cat[0].category),
             "home_repair");
    c->sla.follow_up.cat[0].ms = 30 * DAY;
    c->sla.follow_up.n_cat = 1;
    c->sla.report_at_min = 9 * 60;
    clock_set_fake(now);
    if (store_open(f->path, 0, &f->store) != ST_OK) abort();
    f->j = (struct journal){f->store, c->upstream.topic_prefix};
    f->ts = timers_new();
    wo_init(&f->t, c, &f->j, f->ts);
    return f;
}

static inline void fx_free(struct fx *f)
{
    wo_cleanup(&f->t);
    timers_free(f->ts);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0) abort();
    clock_set_real();
    free(f);
}

/* Moves the fake clock to wall and runs the timers due, as the loop does; then commits. */
static inline int fx_at(struct fx *f, int64_t wall)
{
    clock_set_fake(wall);
    int rc = timers_run(f->ts, clock_mono_ms(), clock_wall_ms());
    if (rc == ST_OK) rc = store_commit(f->store);
    return rc;
}

static inline int64_t fx_doc_time(const json_t *doc, const char *key)
{
    int64_t ms = 0;
    const char *s = json_string_value(json_object_get(doc, key));
    if (s) clock_parse_iso(s, &ms);
    return ms;
}

static inline const char *fx_str(const json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

/* Sends a status update as P/cmd/workorder would; returns wo_update's code. */
static inline int fx_status(struct fx *f, const char *id, const char *status, const char *by,
                            const char *note, const char *outcome, int *changed)
{
    const char *why = NULL;
    struct wo_update u = {id, status, by, note, outcome};
    int rc = wo_update(&f->t, &u, clock_wall_ms(), &why, changed);
    if (rc == ST_OK) rc = store_commit(f->store);
    return rc;
}

#endif
