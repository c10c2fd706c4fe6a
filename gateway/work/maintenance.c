/* maintenance.c - see maintenance.h. */
#include "gateway/work/maintenance.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/base/log.h"
#include "gateway/store/store.h"
#include "gateway/work/workorders.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static void mark_name(const struct cfg_maintenance *t, char *buf, size_t len)
{
    snprintf(buf, len, "maintenance:%s", t->id);
}

int maintenance_init(struct maintenance *m, const struct config *cfg, struct wo_table *wos,
                     struct store *s, int64_t now_wall)
{
    *m = (struct maintenance){cfg, wos, s, NULL};
    if (!cfg->n_maintenance) return ST_OK;
    m->due = calloc(cfg->n_maintenance, sizeof(*m->due));
    if (!m->due) return ST_ERR_NOMEM;
    for (size_t i = 0; i < cfg->n_maintenance; i++) {
        const struct cfg_maintenance *t = &cfg->maintenance[i];
        char name[96];
        mark_name(t, name, sizeof(name));
        int64_t last = 0;
        int rc = store_mark_get(s, name, &last);
        if (rc) return rc;
        int64_t prev = schedule_prev(&t->when, now_wall);
        if (!last) { /* new to the configuration: it starts after its previous occurrence, and
                      * the mark says so at once, so that a next one missed is caught up */
            if ((rc = store_mark_put(s, name, prev))) return rc;
            last = prev;
        }
        /* Missed while the gateway was down: raised at once (once, however many were missed). */
        m->due[i] = last < prev ? prev : schedule_next(&t->when, now_wall);
    }
    return ST_OK;
}

void maintenance_cleanup(struct maintenance *m)
{
    free(m->due);
    m->due = NULL;
}

static int raise_task(struct maintenance *m, size_t i, int64_t now_wall)
{
    const struct cfg_maintenance *t = &m->cfg->maintenance[i];
    struct wo_spec spec = {"maintenance", t->id,    t->asset,   t->location,
                           t->category,   t->title, PRIO_NORMAL};
    json_t *ev = json_pack("{s:s}", "every", t->every);
    if (!ev) return ST_ERR_NOMEM;
    journal_set_time(ev, "due", m->due[i]);
    int rc = wo_raise(m->wos, &spec, ev, now_wall, NULL);
    if (rc) return rc;
    char name[96];
    mark_name(t, name, sizeof(name));
    rc = store_mark_put(m->store, name, m->due[i]);
    log_msg(LOG_INFO, "maintenance: %s (%s) raised", t->id, t->every);
    return rc;
}

int maintenance_tick(struct maintenance *m, int64_t now_wall)
{
    for (size_t i = 0; i < m->cfg->n_maintenance; i++) {
        const struct schedule *when = &m->cfg->maintenance[i].when;
        if (now_wall < m->due[i]) continue;
        /* The latest occurrence due (the same as the start-up catch-up takes, should the clock
         * have jumped over several), raised once; then the first one to come. */
        int64_t latest = schedule_prev(when, now_wall);
        if (latest > m->due[i]) m->due[i] = latest;
        int rc = raise_task(m, i, now_wall);
        if (rc) return rc;
        m->due[i] = schedule_next(when, now_wall);
    }
    return ST_OK;
}

int64_t maintenance_next_due(const struct maintenance *m)
{
    int64_t next = 0;
    for (size_t i = 0; i < m->cfg->n_maintenance; i++)
        if (next == 0 || m->due[i] < next) next = m->due[i];
    return next;
}
