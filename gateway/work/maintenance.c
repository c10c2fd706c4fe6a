/* maintenance.c - see maintenance.h. */
#include "gateway/work/maintenance.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"
#include "gateway/work/workorders.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static void mark_name(const struct cfg_maintenance *t, char *buf, size_t len)
{
    snprintf(buf, len, "maintenance:%s", t->id);
}

static int raise_task(struct maintenance_task *k, int64_t now_wall)
{
    struct maintenance *m = k->m;
    const struct cfg_maintenance *t = &m->cfg->maintenance[k->index];
    struct wo_spec spec = {"maintenance", t->id,    t->asset,   t->location,
                           t->category,   t->title, PRIO_NORMAL};
    json_t *ev = json_pack("{s:s}", "every", t->every);
    if (!ev) return ST_ERR_NOMEM;
    journal_set_time(ev, "due", k->due);
    int rc = wo_raise(m->wos, &spec, ev, now_wall, NULL);
    if (rc) return rc;
    char name[96];
    mark_name(t, name, sizeof(name));
    rc = journal_mark(m->journal, name, k->due);
    log_msg(LOG_INFO, "maintenance: %s (%s) raised", t->id, t->every);
    return rc;
}

/* A task's occurrence is due: raised once, then the timer waits for the next one. */
static int task_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono;
    struct maintenance_task *k = ctx;
    const struct schedule *when = &k->m->cfg->maintenance[k->index].when;
    /* The latest occurrence due (the same as the start-up catch-up takes, should the clock have
     * jumped over several), raised once; then the first one to come. */
    int64_t latest = schedule_prev(when, now_wall);
    if (latest > k->due) k->due = latest;
    int rc = raise_task(k, now_wall);
    if (rc) { /* not recorded: tried again in a second */
        *again = 1000;
        return rc;
    }
    k->due = schedule_next(when, now_wall);
    return timers_arm_wall(k->m->timers, &k->timer, k->due);
}

int maintenance_init(struct maintenance *m, const struct config *cfg, struct wo_table *wos,
                     struct journal *j, struct store *s, struct timers *timers, int64_t now_wall)
{
    *m = (struct maintenance){cfg, wos, j, timers, NULL};
    if (!cfg->n_maintenance) return ST_OK;
    m->tasks = calloc(cfg->n_maintenance, sizeof(*m->tasks));
    if (!m->tasks) return ST_ERR_NOMEM;
    for (size_t i = 0; i < cfg->n_maintenance; i++) {
        const struct cfg_maintenance *t = &cfg->maintenance[i];
        struct maintenance_task *k = &m->tasks[i];
        k->m = m;
        k->index = i;
        timer_init(&k->timer, task_due, k, "maintenance");
        char name[96];
        mark_name(t, name, sizeof(name));
        int64_t last = 0;
        int rc = store_mark_get(s, name, &last);
        if (rc) return rc;
        int64_t prev = schedule_prev(&t->when, now_wall);
        if (!last) { /* new to the configuration: it starts after its previous occurrence, and
                      * the mark says so at once, so that a next one missed is caught up */
            if ((rc = journal_mark(j, name, prev))) return rc;
            last = prev;
        }
        /* Missed while the gateway was down: raised at once (once, however many were missed). */
        k->due = last < prev ? prev : schedule_next(&t->when, now_wall);
        if ((rc = timers_arm_wall(timers, &k->timer, k->due))) return rc;
    }
    return ST_OK;
}

void maintenance_cleanup(struct maintenance *m)
{
    for (size_t i = 0; m->tasks && i < m->cfg->n_maintenance; i++)
        timers_cancel(m->timers, &m->tasks[i].timer);
    free(m->tasks);
    m->tasks = NULL;
}

int64_t maintenance_next_due(const struct maintenance *m)
{
    int64_t next = 0;
    for (size_t i = 0; m->tasks && i < m->cfg->n_maintenance; i++)
        if (next == 0 || m->tasks[i].due < next) next = m->tasks[i].due;
    return next;
}
