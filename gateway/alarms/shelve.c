/*
 * shelve.c - shelving (ISA-18.2): an operator silences a nuisance alarm for a bounded time; the
 * shelf's timer takes it off again, and it is then evaluated afresh (see alarms.h).
 */
#include "gateway/alarms/alarms.h"
#include "gateway/alarms/alarms_impl.h"
#include "gateway/base/error.h"

#include <string.h>

int alarms__unshelve(struct alarms *a, struct alarm *al, const char *by, int64_t now_wall)
{
    if (alarm_unshelve(&al->rt) == ALARM_T_NONE) return ST_ERR_STATE;
    timers_cancel(a->timers, &al->shelf);
    timers_cancel(a->timers, &al->delay);
    al->shelved_until = 0;
    al->shelved_by[0] = '\0';
    al->active_since = 0;
    alarms__mark_dirty(a, (size_t)(al - a->v));
    return alarms__record(a, al, ALARM_SHELVED, ALARM_T_UNSHELVED, by, now_wall);
}

int alarms__shelf_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)again;
    struct alarm *al = ctx;
    int rc = alarms__unshelve(al->table, al, NULL, now_wall);
    if (rc == ST_ERR_STATE) return ST_OK; /* not shelved any more */
    /* Evaluated now, so a condition still present raises without waiting for a point change. */
    return rc ? rc : alarms_process(al->table, now_mono, now_wall);
}

int alarms_shelve(struct alarms *a, const char *id, const char *by, int64_t for_ms,
                  int64_t now_mono, int64_t now_wall, const char **why)
{
    struct alarm *al = alarms_find(a, id);
    if (!al) return *why = "no such alarm", ST_ERR_NOTFOUND;
    if (for_ms < 1000 || for_ms > SHELVE_MAX_MS)
        return *why = "\"for\" must be between 1s and 24h", ST_ERR_INVAL;
    if (al->priority == PRIO_EMERGENCY)
        return *why = "an emergency alarm cannot be shelved", ST_ERR_STATE;
    enum alarm_state from = al->rt.state;
    int rc = timers_arm(a->timers, &al->shelf, now_mono + for_ms);
    if (rc) return *why = "out of memory", rc;
    alarm_shelve(&al->rt);
    al->shelved_until = now_wall + for_ms;
    timers_cancel(a->timers, &al->delay);
    al->active_since = 0;
    al->acked_by[0] = '\0';
    alarms__copy_name(al->shelved_by, sizeof(al->shelved_by), by);
    return alarms__record(a, al, from, ALARM_T_SHELVED, by, now_wall);
}

int alarms_unshelve(struct alarms *a, const char *id, const char *by, int64_t now_mono,
                    int64_t now_wall)
{
    struct alarm *al = alarms_find(a, id);
    if (!al) return ST_ERR_NOTFOUND;
    int rc = alarms__unshelve(a, al, by, now_wall);
    /* Evaluated now, so a condition still present raises without waiting for a point change. */
    return rc ? rc : alarms_process(a, now_mono, now_wall);
}
