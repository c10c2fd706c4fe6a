/*
 * shelve.c - shelving (ISA-18.2): an operator silences a nuisance alarm for a bounded time; the
 * shelf's timer takes it off again, and it is then evaluated afresh (see alarms.h).
 */
#include "gateway/alarms/alarms.h"
#include "gateway/alarms/alarms_impl.h"
#include "gateway/base/error.h"

#include <string.h>

/* Notes a shelf in the alarm's log (the oldest entry goes when it is full). */
void alarms__shelf_noted(struct alarm *al, int64_t start, int64_t end)
{
    if (al->n_shelf_log == SHELF_LOG) {
        memmove(al->shelf_log[0], al->shelf_log[1], sizeof(al->shelf_log[0]) * (SHELF_LOG - 1));
        al->n_shelf_log--;
    }
    al->shelf_log[al->n_shelf_log][0] = start;
    al->shelf_log[al->n_shelf_log][1] = end;
    al->n_shelf_log++;
}

/* The shelf in progress ends now (unshelved early, or expired). */
static void shelf_ended(struct alarm *al, int64_t now_wall)
{
    if (al->n_shelf_log && al->shelf_log[al->n_shelf_log - 1][1] > now_wall)
        al->shelf_log[al->n_shelf_log - 1][1] = now_wall;
}

/* How long al was shelved within the 24 h before now (its shelf in progress counted to its end,
 * since shelving again replaces it). */
static int64_t shelved_within(const struct alarm *al, int64_t now_wall, int replacing)
{
    int64_t total = 0, from = now_wall - SHELF_CAP_WINDOW_MS;
    for (int i = 0; i < al->n_shelf_log; i++) {
        int64_t s = al->shelf_log[i][0], e = al->shelf_log[i][1];
        if (replacing && i == al->n_shelf_log - 1 && e > now_wall) e = now_wall;
        if (s < from) s = from;
        if (e > s) total += e - s;
    }
    return total;
}

int alarms__unshelve(struct alarms *a, struct alarm *al, const char *by, int64_t now_wall)
{
    if (alarm_unshelve(&al->rt) == ALARM_T_NONE) return ST_ERR_STATE;
    shelf_ended(al, now_wall);
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
    int64_t cap = a->cfg->commands.shelve_max_ms ? a->cfg->commands.shelve_max_ms : SHELVE_MAX_MS;
    int replacing = al->rt.state == ALARM_SHELVED;
    if (shelved_within(al, now_wall, replacing) + for_ms > cap)
        return *why = "shelving it that long would pass its limit of shelved time within 24 h "
                      "(commands.shelve_max)",
               ST_ERR_STATE;
    enum alarm_state from = al->rt.state;
    int rc = timers_arm(a->timers, &al->shelf, now_mono + for_ms);
    if (rc) return *why = "out of memory", rc;
    alarm_shelve(&al->rt);
    if (replacing) shelf_ended(al, now_wall);
    alarms__shelf_noted(al, now_wall, now_wall + for_ms);
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
