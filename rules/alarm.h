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
 * A latched alarm (fire) never returns to normal by itself, nor by an acknowledgement: when its
 * condition clears it stays where it is (condition_clear is set, ALARM_T_LATCH says so) and only
 * a reset, refused while the condition is present, returns it to normal, as on a fire panel. The
 * condition coming back before the reset is ALARM_T_LATCH too (condition_clear is unset).
 *     any -- out_of_service --> out_of_service   out_of_service -- in_service --> normal
 *     any -- suppress --> suppressed             suppressed -- unsuppress --> normal
 * Out of service and suppressed alarms ignore their condition, like a shelved one.
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
    ALARM_SHELVED,
    ALARM_SUPPRESSED,     /* suppressed by design: every input's device is in comm fault */
    ALARM_OUT_OF_SERVICE, /* taken out of service for maintenance on the equipment */
};

/* "normal", "active_unack", "active_ack", "rtn_unack", "shelved", "suppressed",
 * "out_of_service". */
const char *alarm_state_name(enum alarm_state s);
/* The reverse; returns 0 or ST_ERR_INVAL. */
int alarm_state_parse(const char *name, enum alarm_state *out);

/* Non-zero for active_unack and active_ack. */
int alarm_is_active(enum alarm_state s);

enum alarm_transition {
    ALARM_T_NONE = 0,
    ALARM_T_RAISED,         /* into active_unack */
    ALARM_T_CLEARED,        /* condition gone: into rtn_unack or normal */
    ALARM_T_ACKED,          /* acknowledged: into active_ack or normal */
    ALARM_T_SHELVED,        /* into shelved */
    ALARM_T_UNSHELVED,      /* out of shelved, into normal */
    ALARM_T_LATCH,          /* a latched alarm's condition cleared or came back; state unchanged */
    ALARM_T_RESET,          /* a latched alarm reset (its condition clear): into normal */
    ALARM_T_SUPPRESSED,     /* into suppressed */
    ALARM_T_UNSUPPRESSED,   /* out of suppressed, into normal (evaluated afresh) */
    ALARM_T_OUT_OF_SERVICE, /* into out_of_service */
    ALARM_T_IN_SERVICE,     /* out of service, into normal (evaluated afresh) */
    ALARM_T_REALARM,        /* still active and unacknowledged: announced again; state unchanged */
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

/* Why a reset is refused, or ALARM_RESET_OK. */
enum alarm_reset_result {
    ALARM_RESET_OK = 0,
    ALARM_RESET_NOT_LATCHED, /* only a latched alarm is reset; others clear by themselves */
    ALARM_RESET_NOT_ACTIVE,  /* nothing to reset */
    ALARM_RESET_PRESENT,     /* the condition is still present */
};
/* Resets a latched alarm whose condition has cleared: into normal (ALARM_T_RESET). */
enum alarm_reset_result alarm_reset(struct alarm_rt *a, const struct alarm_params *p);

/* Out of service and suppression, from any state (forgetting delays and a latch's clear); back
 * to normal, or ALARM_T_NONE when not in that state. */
enum alarm_transition alarm_out_of_service(struct alarm_rt *a);
enum alarm_transition alarm_in_service(struct alarm_rt *a);
enum alarm_transition alarm_suppress(struct alarm_rt *a);
enum alarm_transition alarm_unsuppress(struct alarm_rt *a);

/* Shelves from any state (again: ALARM_T_SHELVED, the caller extends the time); forgets pending
 * delays and a latch's clear. Unshelving returns to normal, or ALARM_T_NONE when not shelved. */
enum alarm_transition alarm_shelve(struct alarm_rt *a);
enum alarm_transition alarm_unshelve(struct alarm_rt *a);

#endif
