/*
 * Unit tests: what an alarm keeps across a restart (gateway/alarms.c alarms_restore), on the
 * demo site's real alarms and store: a latched fire alarm whose smoke has cleared can be reset
 * after the restart, without waiting for the smoke detector to report again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "tests/unit/site_fixture.h"

static void smoke(struct site *s, int on)
{
    int p = config_point_find(s->cfg, "smoke_b2");
    assert_true(p >= 0);
    if (points_set(s->pts, p, on, 0, clock_wall_ms())) alarms_point_changed(&s->al, p);
    assert_int_equal(alarms_process(&s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(store_commit(s->store), ST_OK);
}

static void test_a_latch_already_clear_can_be_reset_after_a_restart(void **st)
{
    (void)st;
    clock_set_fake(1795356191208LL);
    struct site *s = site_new();
    smoke(s, 1);
    smoke(s, 0);
    struct alarm *fire = alarms_find(&s->al, "fire_b2");
    assert_string_equal(alarm_state_name(fire->rt.state), "active_unack");
    assert_true(fire->rt.condition_clear);
    site_restart(s);
    fire = alarms_find(&s->al, "fire_b2");
    assert_string_equal(alarm_state_name(fire->rt.state), "active_unack");
    assert_true(fire->rt.condition_clear);
    const char *why = NULL;
    assert_int_equal(alarms_ack(&s->al, "fire_b2", "dave", clock_mono_ms(), clock_wall_ms()),
                     ST_OK);
    assert_string_equal(alarm_state_name(fire->rt.state), "active_ack"); /* an ack is no reset */
    assert_int_equal(
        alarms_reset(&s->al, "fire_b2", "dave", clock_mono_ms(), clock_wall_ms(), &why), ST_OK);
    assert_string_equal(alarm_state_name(fire->rt.state), "normal"); /* the reset */
    site_free(s);
    clock_set_real();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_latch_already_clear_can_be_reset_after_a_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
