/* alarm.c - the ISA-18.2 machine and rule timing (see alarm.h). Pure logic. */
#include "rules/alarm.h"
#include "gateway/base/error.h"
#include "rules/expr.h"

#include <string.h>

static const char *const state_names[] = {"normal",  "active_unack", "active_ack",    "rtn_unack",
                                          "shelved", "suppressed",   "out_of_service"};

const char *alarm_state_name(enum alarm_state s)
{
    return (unsigned)s <= ALARM_OUT_OF_SERVICE ? state_names[s] : "normal";
}

int alarm_state_parse(const char *name, enum alarm_state *out)
{
    for (int i = 0; i <= ALARM_OUT_OF_SERVICE; i++) {
        if (name && strcmp(name, state_names[i]) == 0) {
            *out = (enum alarm_state)i;
            return ST_OK;
        }
    }
    return ST_ERR_INVAL;
}

int alarm_is_active(enum alarm_state s)
{
    return s == ALARM_ACTIVE_UNACK || s == ALARM_ACTIVE_ACK;
}

/*
 * Tracks how long a condition has held. Returns 1 when it has held for delay_ms; otherwise
 * 0, and sets *wake_ms when a timer must fire. An unknown truth resets the clock.
 */
static int held(int truth, int64_t *since, int64_t delay_ms, int64_t now_ms, int64_t *wake_ms)
{
    if (truth != EXPR_TRUE) {
        *since = 0;
        return 0;
    }
    if (delay_ms <= 0) return 1;
    /* 0 means "not holding"; a monotonic clock never reads 0 in practice, but be safe. */
    if (*since == 0) *since = now_ms ? now_ms : 1;
    if (now_ms - *since >= delay_ms) return 1;
    int64_t due = *since + delay_ms;
    if (*wake_ms == 0 || due < *wake_ms) *wake_ms = due;
    return 0;
}

enum alarm_transition alarm_update(struct alarm_rt *a, const struct alarm_params *p, int raise,
                                   int clear, int64_t now_ms, int64_t *wake_ms)
{
    *wake_ms = 0;
    if (a->state == ALARM_SHELVED || a->state == ALARM_SUPPRESSED ||
        a->state == ALARM_OUT_OF_SERVICE)
        return ALARM_T_NONE; /* silenced: the condition is ignored */
    if (alarm_is_active(a->state)) {
        a->raise_pending_ms = 0;
        if (a->condition_clear) {
            /* Latched and already clear: only an acknowledgement resets it, but if the
             * condition returns, it is no longer clear. */
            if (raise != EXPR_TRUE) return ALARM_T_NONE;
            a->condition_clear = 0;
            return ALARM_T_LATCH;
        }
        if (!held(clear, &a->clear_pending_ms, p->off_delay_ms, now_ms, wake_ms))
            return ALARM_T_NONE;
        a->clear_pending_ms = 0;
        if (p->latch) {
            a->condition_clear = 1; /* reset possible now: the control room should know */
            return ALARM_T_LATCH;
        }
        a->state = a->state == ALARM_ACTIVE_UNACK ? ALARM_RTN_UNACK : ALARM_NORMAL;
        return ALARM_T_CLEARED;
    }
    /* normal or rtn_unack: waiting for a raise */
    a->clear_pending_ms = 0;
    if (!held(raise, &a->raise_pending_ms, p->on_delay_ms, now_ms, wake_ms)) return ALARM_T_NONE;
    a->raise_pending_ms = 0;
    a->condition_clear = 0;
    a->state = ALARM_ACTIVE_UNACK;
    return ALARM_T_RAISED;
}

enum alarm_transition alarm_ack(struct alarm_rt *a, const struct alarm_params *p)
{
    (void)p;
    switch (a->state) {
    case ALARM_ACTIVE_UNACK:
        /* A latched alarm stays active (and latched) through its acknowledgement: only a reset
         * returns it to normal. */
        a->state = ALARM_ACTIVE_ACK;
        return ALARM_T_ACKED;
    case ALARM_RTN_UNACK: a->state = ALARM_NORMAL; return ALARM_T_ACKED;
    default: break;
    }
    return ALARM_T_NONE;
}

enum alarm_reset_result alarm_reset(struct alarm_rt *a, const struct alarm_params *p)
{
    if (!p->latch) return ALARM_RESET_NOT_LATCHED;
    if (!alarm_is_active(a->state)) return ALARM_RESET_NOT_ACTIVE;
    if (!a->condition_clear) return ALARM_RESET_PRESENT;
    *a = (struct alarm_rt){.state = ALARM_NORMAL};
    return ALARM_RESET_OK;
}

/* Into a silenced state from any other; back to normal, to be evaluated afresh. */
static enum alarm_transition silence(struct alarm_rt *a, enum alarm_state st,
                                     enum alarm_transition t)
{
    if (a->state == st) return ALARM_T_NONE;
    *a = (struct alarm_rt){.state = st};
    return t;
}

static enum alarm_transition unsilence(struct alarm_rt *a, enum alarm_state st,
                                       enum alarm_transition t)
{
    if (a->state != st) return ALARM_T_NONE;
    *a = (struct alarm_rt){.state = ALARM_NORMAL};
    return t;
}

enum alarm_transition alarm_out_of_service(struct alarm_rt *a)
{
    return silence(a, ALARM_OUT_OF_SERVICE, ALARM_T_OUT_OF_SERVICE);
}

enum alarm_transition alarm_in_service(struct alarm_rt *a)
{
    return unsilence(a, ALARM_OUT_OF_SERVICE, ALARM_T_IN_SERVICE);
}

enum alarm_transition alarm_suppress(struct alarm_rt *a)
{
    return silence(a, ALARM_SUPPRESSED, ALARM_T_SUPPRESSED);
}

enum alarm_transition alarm_unsuppress(struct alarm_rt *a)
{
    return unsilence(a, ALARM_SUPPRESSED, ALARM_T_UNSUPPRESSED);
}

enum alarm_transition alarm_shelve(struct alarm_rt *a)
{
    *a = (struct alarm_rt){.state = ALARM_SHELVED};
    return ALARM_T_SHELVED;
}

enum alarm_transition alarm_unshelve(struct alarm_rt *a)
{
    if (a->state != ALARM_SHELVED) return ALARM_T_NONE;
    *a = (struct alarm_rt){.state = ALARM_NORMAL};
    return ALARM_T_UNSHELVED;
}
