/* Unit tests: the ISA-18.2 alarm machine and rule timing (rules/alarm.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rules/alarm.h"
#include "rules/expr.h"

#define T 1000000 /* an arbitrary monotonic start */

static enum alarm_transition feed(struct alarm_rt *a, const struct alarm_params *p, int raise,
                                  int64_t now, int64_t *wake)
{
    int clear = raise == EXPR_UNKNOWN ? EXPR_UNKNOWN : !raise;
    return alarm_update(a, p, raise, clear, now, wake);
}

static void test_isa_transitions_without_delays(void **st)
{
    (void)st;
    struct alarm_rt a = {0};
    struct alarm_params p = {0, 0, 0};
    int64_t wake;
    assert_int_equal(feed(&a, &p, 1, T, &wake), ALARM_T_RAISED);
    assert_int_equal(a.state, ALARM_ACTIVE_UNACK);
    assert_int_equal(feed(&a, &p, 1, T, &wake), ALARM_T_NONE);
    assert_int_equal(feed(&a, &p, 0, T, &wake), ALARM_T_CLEARED);
    assert_int_equal(a.state, ALARM_RTN_UNACK);
    assert_int_equal(feed(&a, &p, 1, T, &wake), ALARM_T_RAISED); /* returns before ack */
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_ACKED);
    assert_int_equal(a.state, ALARM_ACTIVE_ACK);
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_NONE); /* nothing more to acknowledge */
    assert_int_equal(feed(&a, &p, 0, T, &wake), ALARM_T_CLEARED);
    assert_int_equal(a.state, ALARM_NORMAL);
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_NONE);
    assert_int_equal(feed(&a, &p, 1, T, &wake), ALARM_T_RAISED);
    assert_int_equal(feed(&a, &p, 0, T, &wake), ALARM_T_CLEARED);
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_ACKED); /* rtn_unack -> normal */
    assert_int_equal(a.state, ALARM_NORMAL);
}

static void test_on_delay_raises_only_after_holding_and_sets_a_timer(void **st)
{
    (void)st;
    struct alarm_rt a = {0};
    struct alarm_params p = {10000, 0, 0};
    int64_t wake;
    assert_int_equal(feed(&a, &p, 1, T, &wake), ALARM_T_NONE);
    assert_int_equal(wake, T + 10000);
    assert_int_equal(feed(&a, &p, 1, T + 9999, &wake), ALARM_T_NONE);
    assert_int_equal(feed(&a, &p, 1, T + 10000, &wake), ALARM_T_RAISED);
    assert_int_equal(wake, 0);
}

static void test_on_delay_restarts_when_the_condition_drops_or_turns_unknown(void **st)
{
    (void)st;
    struct alarm_rt a = {0};
    struct alarm_params p = {10000, 0, 0};
    int64_t wake;
    feed(&a, &p, 1, T, &wake);
    assert_int_equal(feed(&a, &p, 0, T + 5000, &wake), ALARM_T_NONE);
    assert_int_equal(wake, 0);
    feed(&a, &p, 1, T + 6000, &wake);
    assert_int_equal(feed(&a, &p, 1, T + 12000, &wake), ALARM_T_NONE); /* restarted at 6000 */
    assert_int_equal(feed(&a, &p, EXPR_UNKNOWN, T + 13000, &wake), ALARM_T_NONE);
    assert_int_equal(feed(&a, &p, 1, T + 16500, &wake), ALARM_T_NONE);
    assert_int_equal(a.state, ALARM_NORMAL);
    assert_int_equal(feed(&a, &p, 1, T + 26500, &wake), ALARM_T_RAISED);
}

static void test_unknown_neither_raises_nor_clears(void **st)
{
    (void)st;
    struct alarm_rt a = {0};
    struct alarm_params p = {0, 0, 0};
    int64_t wake;
    assert_int_equal(feed(&a, &p, EXPR_UNKNOWN, T, &wake), ALARM_T_NONE);
    assert_int_equal(a.state, ALARM_NORMAL);
    feed(&a, &p, 1, T, &wake);
    assert_int_equal(feed(&a, &p, EXPR_UNKNOWN, T, &wake), ALARM_T_NONE);
    assert_int_equal(a.state, ALARM_ACTIVE_UNACK);
}

static void test_hysteresis_and_off_delay(void **st)
{
    (void)st;
    struct alarm_rt a = {0};
    struct alarm_params p = {0, 3000, 0};
    int64_t wake;
    /* pf < 0.90 raises; clears only at pf >= 0.92, held 3 s */
    assert_int_equal(alarm_update(&a, &p, 1, 0, T, &wake), ALARM_T_RAISED);
    assert_int_equal(alarm_update(&a, &p, 0, 0, T + 1000, &wake), ALARM_T_NONE); /* 0.91: neither */
    assert_int_equal(alarm_update(&a, &p, 0, 1, T + 2000, &wake), ALARM_T_NONE);
    assert_int_equal(wake, T + 5000);
    assert_int_equal(alarm_update(&a, &p, 0, 1, T + 5000, &wake), ALARM_T_CLEARED);
}

static void test_latched_fire_stays_through_acks_until_a_reset(void **st)
{
    (void)st;
    struct alarm_rt a = {0};
    struct alarm_params p = {0, 0, 1};
    int64_t wake;
    assert_int_equal(feed(&a, &p, 1, T, &wake), ALARM_T_RAISED);
    /* A reset while the smoke is there is refused. */
    assert_int_equal(alarm_reset(&a, &p), ALARM_RESET_PRESENT);
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_ACKED);
    assert_int_equal(a.state, ALARM_ACTIVE_ACK);
    /* Smoke gone: still active, but the control room is told a reset is now possible. */
    assert_int_equal(feed(&a, &p, 0, T + 1, &wake), ALARM_T_LATCH);
    assert_int_equal(a.state, ALARM_ACTIVE_ACK);
    assert_true(a.condition_clear);
    assert_int_equal(feed(&a, &p, 0, T + 1, &wake), ALARM_T_NONE); /* said once */
    /* An acknowledgement is not a reset, as on a fire panel. */
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_NONE);
    assert_int_equal(a.state, ALARM_ACTIVE_ACK);
    /* Smoke back before the reset: told too, and a reset is refused again. */
    assert_int_equal(feed(&a, &p, 1, T + 1, &wake), ALARM_T_LATCH);
    assert_false(a.condition_clear);
    assert_int_equal(alarm_reset(&a, &p), ALARM_RESET_PRESENT);
    assert_int_equal(feed(&a, &p, 0, T + 1, &wake), ALARM_T_LATCH);
    assert_int_equal(alarm_reset(&a, &p), ALARM_RESET_OK);
    assert_int_equal(a.state, ALARM_NORMAL);
    assert_int_equal(alarm_reset(&a, &p), ALARM_RESET_NOT_ACTIVE);

    /* Unacknowledged, smoke comes and goes: an ack leaves it active and latched... */
    assert_int_equal(feed(&a, &p, 1, T + 2, &wake), ALARM_T_RAISED);
    assert_int_equal(feed(&a, &p, 0, T + 3, &wake), ALARM_T_LATCH);
    assert_int_equal(a.state, ALARM_ACTIVE_UNACK);
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_ACKED);
    assert_int_equal(a.state, ALARM_ACTIVE_ACK);
    assert_true(a.condition_clear);
    /* ...and a reset, even unacknowledged, returns it to normal. */
    assert_int_equal(alarm_reset(&a, &p), ALARM_RESET_OK);
    assert_int_equal(a.state, ALARM_NORMAL);

    /* Only latched alarms are reset. */
    struct alarm_params plain = {0, 0, 0};
    struct alarm_rt b = {0};
    feed(&b, &plain, 1, T, &wake);
    assert_int_equal(alarm_reset(&b, &plain), ALARM_RESET_NOT_LATCHED);
}

/* Out of service and suppressed: the condition is ignored, and back to normal to be evaluated
 * afresh; the illegal ones say so. */
static void test_out_of_service_and_suppression_silence_the_alarm(void **st)
{
    (void)st;
    struct alarm_rt a = {0};
    struct alarm_params p = {0, 0, 0};
    int64_t wake;
    assert_int_equal(feed(&a, &p, 1, T, &wake), ALARM_T_RAISED);
    assert_int_equal(alarm_out_of_service(&a), ALARM_T_OUT_OF_SERVICE);
    assert_int_equal(alarm_out_of_service(&a), ALARM_T_NONE); /* already */
    assert_int_equal(feed(&a, &p, 1, T + 1, &wake), ALARM_T_NONE);
    assert_int_equal(feed(&a, &p, 0, T + 2, &wake), ALARM_T_NONE);
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_NONE);
    assert_int_equal(alarm_unsuppress(&a), ALARM_T_NONE); /* not suppressed */
    assert_int_equal(alarm_in_service(&a), ALARM_T_IN_SERVICE);
    assert_int_equal(a.state, ALARM_NORMAL);
    assert_int_equal(alarm_in_service(&a), ALARM_T_NONE);
    assert_int_equal(feed(&a, &p, 1, T + 3, &wake), ALARM_T_RAISED); /* afresh */
    assert_int_equal(alarm_suppress(&a), ALARM_T_SUPPRESSED);
    assert_int_equal(feed(&a, &p, 0, T + 4, &wake), ALARM_T_NONE); /* no false clear */
    assert_int_equal(a.state, ALARM_SUPPRESSED);
    assert_int_equal(alarm_unsuppress(&a), ALARM_T_UNSUPPRESSED);
    assert_int_equal(a.state, ALARM_NORMAL);
    enum alarm_state parsed;
    assert_int_equal(alarm_state_parse("out_of_service", &parsed), 0);
    assert_int_equal(parsed, ALARM_OUT_OF_SERVICE);
    assert_string_equal(alarm_state_name(ALARM_SUPPRESSED), "suppressed");
}

static void test_a_shelved_alarm_ignores_its_condition_until_unshelved(void **st)
{
    (void)st;
    struct alarm_rt a = {0};
    struct alarm_params p = {10000, 0, 0};
    int64_t wake;
    feed(&a, &p, 1, T, &wake);
    assert_int_equal(feed(&a, &p, 1, T + 10000, &wake), ALARM_T_RAISED);
    assert_int_equal(alarm_shelve(&a), ALARM_T_SHELVED);
    assert_int_equal(a.state, ALARM_SHELVED);
    assert_false(alarm_is_active(a.state));
    assert_int_equal(feed(&a, &p, 0, T + 20000, &wake), ALARM_T_NONE);
    assert_int_equal(feed(&a, &p, 1, T + 30000, &wake), ALARM_T_NONE);
    assert_int_equal(wake, 0); /* no delay runs on the shelf */
    assert_int_equal(alarm_ack(&a, &p), ALARM_T_NONE);
    assert_int_equal(alarm_unshelve(&a), ALARM_T_UNSHELVED);
    assert_int_equal(a.state, ALARM_NORMAL);
    assert_int_equal(alarm_unshelve(&a), ALARM_T_NONE);
    /* Evaluated afresh: the condition still present raises again, after its on_delay. */
    assert_int_equal(feed(&a, &p, 1, T + 40000, &wake), ALARM_T_NONE);
    assert_int_equal(feed(&a, &p, 1, T + 50000, &wake), ALARM_T_RAISED);
    /* A latched alarm shelved forgets its latch. */
    struct alarm_params latch = {0, 0, 1};
    struct alarm_rt f = {0};
    feed(&f, &latch, 1, T, &wake);
    feed(&f, &latch, 0, T, &wake);
    assert_true(f.condition_clear);
    alarm_shelve(&f);
    assert_false(f.condition_clear);
}

static void test_state_names_round_trip(void **st)
{
    (void)st;
    for (int s = ALARM_NORMAL; s <= ALARM_SHELVED; s++) {
        enum alarm_state back;
        assert_int_equal(alarm_state_parse(alarm_state_name((enum alarm_state)s), &back), 0);
        assert_int_equal(back, s);
    }
    enum alarm_state x;
    assert_int_not_equal(alarm_state_parse("acked", &x), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_isa_transitions_without_delays),
        cmocka_unit_test(test_on_delay_raises_only_after_holding_and_sets_a_timer),
        cmocka_unit_test(test_on_delay_restarts_when_the_condition_drops_or_turns_unknown),
        cmocka_unit_test(test_unknown_neither_raises_nor_clears),
        cmocka_unit_test(test_hysteresis_and_off_delay),
        cmocka_unit_test(test_latched_fire_stays_through_acks_until_a_reset),
        cmocka_unit_test(test_out_of_service_and_suppression_silence_the_alarm),
        cmocka_unit_test(test_a_shelved_alarm_ignores_its_condition_until_unshelved),
        cmocka_unit_test(test_state_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
