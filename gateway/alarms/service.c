/*
 * service.c - the alarm states an operator sets for the equipment rather than the alarm: the
 * reset of a latched alarm (a fire panel's reset, refused while the condition is present), and
 * out of service (ISA-18.2) for maintenance, back in service evaluated afresh (see alarms.h).
 */
#include "gateway/alarms/alarms.h"
#include "gateway/alarms/alarms_impl.h"
#include "gateway/base/error.h"

#include <string.h>

int alarms_reset(struct alarms *a, const char *id, const char *by, int64_t now_mono,
                 int64_t now_wall, const char **why)
{
    (void)now_mono;
    struct alarm *al = alarms_find(a, id);
    if (!al) return *why = "no such alarm", ST_ERR_NOTFOUND;
    enum alarm_state from = al->rt.state;
    switch (alarm_reset(&al->rt, &al->params)) {
    case ALARM_RESET_NOT_LATCHED:
        return *why = "not a latched alarm: it returns to normal by itself", ST_ERR_STATE;
    case ALARM_RESET_NOT_ACTIVE: return *why = "the alarm is not active", ST_ERR_STATE;
    case ALARM_RESET_PRESENT:
        return *why = "the condition is still present: it cannot be reset yet", ST_ERR_STATE;
    case ALARM_RESET_OK: break;
    }
    al->active_since = 0;
    al->acked_by[0] = '\0';
    return alarms__record(a, al, from, ALARM_T_RESET, by, now_wall);
}

int alarms_out_of_service(struct alarms *a, const char *id, const char *by, const char *note,
                          int64_t now_mono, int64_t now_wall, const char **why)
{
    (void)now_mono;
    struct alarm *al = alarms_find(a, id);
    if (!al) return *why = "no such alarm", ST_ERR_NOTFOUND;
    enum alarm_state from = al->rt.state;
    if (alarm_out_of_service(&al->rt) == ALARM_T_NONE)
        return *why = "already out of service", ST_ERR_STATE;
    timers_cancel(a->timers, &al->delay);
    timers_cancel(a->timers, &al->shelf);
    timers_cancel(a->timers, &al->realarm_t);
    al->active_since = 0;
    al->acked_by[0] = '\0';
    al->shelved_until = 0;
    alarms__copy_name(al->oos_by, sizeof(al->oos_by), by);
    alarms__copy_name(al->note, sizeof(al->note), note);
    return alarms__record(a, al, from, ALARM_T_OUT_OF_SERVICE, by, now_wall);
}

int alarms_in_service(struct alarms *a, const char *id, const char *by, int64_t now_mono,
                      int64_t now_wall, const char **why)
{
    struct alarm *al = alarms_find(a, id);
    if (!al) return *why = "no such alarm", ST_ERR_NOTFOUND;
    if (alarm_in_service(&al->rt) == ALARM_T_NONE) return *why = "not out of service", ST_ERR_STATE;
    al->oos_by[0] = al->note[0] = '\0';
    alarms__mark_dirty(a, (size_t)(al - a->v));
    int rc = alarms__record(a, al, ALARM_OUT_OF_SERVICE, ALARM_T_IN_SERVICE, by, now_wall);
    /* Evaluated now: a condition still present raises again (after its on_delay). */
    return rc ? rc : alarms_process(a, now_mono, now_wall);
}
