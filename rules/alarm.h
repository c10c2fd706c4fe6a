/*
 * alarm.h - the ISA-18.2 alarm state machine and the timing of one rule, as pure logic.
 *
 * States: normal, active_unack (in alarm, not acknowledged), active_ack (in alarm, acknowledged),
 * rtn_unack (returned to normal, not acknowledged), and shelved (an operator has silenced it for
 * a while). Transitions:
 *     normal       --raise--> active_unack
 *     active_unack --ack-->   active_ack        active_unack --clear--> rtn_unack
 *     active_ack   --clear--> normal            rtn_unack    --ack-->   normal
 *     rtn_unack    --raise--> active_unack
 *     any          --shelve--> shelved          shelved      --unshelve--> normal
 * A shelved alarm ignores its condition; once unshelved it is evaluated afresh, so a condition
 * still present raises it again (with its on_delay).
 * A latched alarm (fire) never returns to normal by itself: when its condition clears it stays
 * where it is (condition_clear is set, ALARM_T_LATCH says so) and only an acknowledgement made
 * while the condition is clear returns it to normal; that acknowledgement is the reset. The
 * condition coming back before the reset is ALARM_T_LATCH too (condition_clear is unset).
 *
 * Timing: a raise waits for the condition to hold continuously for on_delay; a clear waits for
 * the clear condition to hold for off_delay. An unknown evaluation (a point not good) neither
 * raises nor clears, and cancels a running delay, since the condition was not seen to hold.
 *
 * No I/O, no clock reads: the caller passes the monotonic time in, so the unit tests drive it.
 */
#ifndef STEWARD_ALARM_H
#define STEWARD_ALARM_H

#include <stdint.h>

enum alarm_state {
    ALARM_NORMAL = 0,
    ALARM_ACTIVE_UNACK,
    ALARM_ACTIVE_ACK,
    ALARM_RTN_UNACK,
    ALARM_SHELVED
};

/* "normal", "active_unack", "active_ack", "rtn_unack", "shelved". */
const char *alarm_state_name(enum alarm_state s);
/* The reverse; returns 0 or ST_ERR_INVAL. */
int alarm_state_parse(const char *name, enum alarm_state *out);

/* Non-zero for active_unack and active_ack. */
int alarm_is_active(enum alarm_state s);

enum alarm_transition {
    ALARM_T_NONE = 0,
    ALARM_T_RAISED,    /* into active_unack */
    ALARM_T_CLEARED,   /* condition gone: into rtn_unack or normal */
    ALARM_T_ACKED,     /* acknowledged: into active_ack or normal */
    ALARM_T_SHELVED,   /* into shelved */
    ALARM_T_UNSHELVED, /* out of shelved, into normal */
    ALARM_T_LATCH,     /* a latched alarm's condition cleared or came back; state unchanged */
};

struct alarm_params {
    int64_t on_delay_ms;
    int64_t off_delay_ms;
    int latch;
};

/* Runtime state of one alarm. Zero-initialised means normal, nothing pending. */
struct alarm_rt {
    enum alarm_state state;
    int condition_clear;      /* latched alarm: the condition has cleared, awaiting reset */
    int64_t raise_pending_ms; /* monotonic time the raise condition began holding; 0 if not */
    int64_t clear_pending_ms; /* monotonic time the clear condition began holding; 0 if not */
};

/*
 * Feeds one evaluation. raise is the truth of the rule's `when` (enum expr_truth: 1, 0, -1);
 * clear is the truth of its `clear` expression, or, for a rule without one, the negation of
 * `when` (the caller derives it). Returns the transition that happened (ALARM_T_NONE if none).
 * *wake_ms is set to the monotonic time at which the caller must call again because a delay
 * will expire, or 0 when no timer is needed.
 */
enum alarm_transition alarm_update(struct alarm_rt *a, const struct alarm_params *p, int raise,
                                   int clear, int64_t now_ms, int64_t *wake_ms);

/*
 * Acknowledges. Returns ALARM_T_ACKED, or ALARM_T_NONE when there is nothing to acknowledge
 * (normal, or already active_ack with the condition still present).
 */
enum alarm_transition alarm_ack(struct alarm_rt *a, const struct alarm_params *p);

/* Shelves from any state (again: ALARM_T_SHELVED, the caller extends the time); forgets pending
 * delays and a latch's clear. Unshelving returns to normal, or ALARM_T_NONE when not shelved. */
enum alarm_transition alarm_shelve(struct alarm_rt *a);
enum alarm_transition alarm_unshelve(struct alarm_rt *a);

#endif
