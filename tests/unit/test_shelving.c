/*
 * Unit tests: shelving (gateway/alarms.c, ISA-18.2) on the demo site's real alarms, work orders
 * and SQLite store, with a fake clock: a shelved alarm is silent whatever its condition, comes
 * back by itself when its time is up (raising again if the condition is still there, onto the
 * same open work order), survives a restart with its end, and an emergency alarm cannot be
 * shelved at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "tests/unit/site_fixture.h"

#define MIN 60000LL
/* 2026-11-22T14:03:11.208Z */
#define T0 1795356191208LL

struct fx {
    struct site *s;
    int pf;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    clock_set_fake(T0);
    f->s = site_new();
    f->pf = config_point_find(f->s->cfg, "main_meter.pf_total");
    assert_true(f->pf >= 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    site_free(f->s);
    clock_set_real();
    free(f);
    return 0;
}

/* Sets the power factor, lets `after` pass, and runs the alarms as the loop does. */
static void run(struct fx *f, double pf, int64_t after)
{
    if (points_set(f->s->pts, f->pf, pf, 0, clock_wall_ms()))
        alarms_point_changed(&f->s->al, f->pf);
    assert_int_equal(alarms_process(&f->s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    clock_advance(after);
    assert_int_equal(site_run_timers(f->s), ST_OK);
    assert_int_equal(alarms_process(&f->s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(store_commit(f->s->store), ST_OK);
}

static const char *state_of(struct fx *f, const char *id)
{
    return alarm_state_name(alarms_find(&f->s->al, id)->rt.state);
}

static void test_a_shelved_alarm_is_silent_then_comes_back_by_itself(void **state)
{
    struct fx *f = *state;
    run(f, 0.85, 15 * MIN); /* pf_low: below 0.90 for its 15 minutes */
    assert_string_equal(state_of(f, "pf_low"), "active_unack");
    assert_int_equal(f->s->wos.n, 1);
    const char *why = NULL;
    assert_int_equal(alarms_shelve(&f->s->al, "pf_low", "alice", 30 * MIN, clock_mono_ms(),
                                   clock_wall_ms(), &why),
                     ST_OK);
    assert_string_equal(state_of(f, "pf_low"), "shelved");
    assert_int_equal(alarms_find(&f->s->al, "pf_low")->shelf.due, clock_mono_ms() + 30 * MIN);
    uint64_t before = f->s->al.transitions;
    run(f, 0.80, 20 * MIN); /* the condition goes on, silently */
    run(f, 0.95, 1 * MIN);
    run(f, 0.85, 5 * MIN);
    assert_int_equal(f->s->al.transitions, before);
    assert_string_equal(state_of(f, "pf_low"), "shelved");
    assert_int_equal(f->s->wos.n, 1); /* shelving leaves the work order alone */
    run(f, 0.85, 4 * MIN);            /* the 30 minutes are up: unshelved, evaluated afresh */
    assert_string_equal(state_of(f, "pf_low"), "normal");
    run(f, 0.85, 15 * MIN); /* still low: raised again, onto the same open order */
    assert_string_equal(state_of(f, "pf_low"), "active_unack");
    assert_int_equal(f->s->wos.n, 1);
    assert_int_equal(json_integer_value(json_object_get(f->s->wos.v[0]->doc, "occurrences")), 2);
}

static void test_emergency_alarms_and_bad_durations_are_refused(void **state)
{
    struct fx *f = *state;
    const char *why = NULL;
    int64_t m = clock_mono_ms(), w = clock_wall_ms();
    assert_int_equal(alarms_shelve(&f->s->al, "fire_b2", "bob", 10 * MIN, m, w, &why),
                     ST_ERR_STATE);
    assert_non_null(strstr(why, "emergency"));
    assert_int_equal(alarms_shelve(&f->s->al, "leak_pump_room", "bob", 10 * MIN, m, w, &why),
                     ST_ERR_STATE);
    assert_int_equal(alarms_shelve(&f->s->al, "pf_low", "bob", 500, m, w, &why), ST_ERR_INVAL);
    assert_int_equal(alarms_shelve(&f->s->al, "pf_low", "bob", SHELVE_MAX_MS + 1, m, w, &why),
                     ST_ERR_INVAL);
    assert_int_equal(alarms_shelve(&f->s->al, "nope", "bob", 10 * MIN, m, w, &why),
                     ST_ERR_NOTFOUND);
    assert_int_equal(alarms_unshelve(&f->s->al, "pf_low", "bob", m, w), ST_ERR_STATE);
    /* Built-in alarms are urgent: a comm fault can be shelved while a meter is replaced. */
    assert_int_equal(alarms_shelve(&f->s->al, "comm_main_meter", "bob", 2 * 3600000LL, m, w, &why),
                     ST_OK);
    assert_int_equal(alarms_unshelve(&f->s->al, "comm_main_meter", "bob", m, w), ST_OK);
    assert_string_equal(state_of(f, "comm_main_meter"), "normal");
}

static void test_a_shelf_survives_a_restart_with_its_end(void **state)
{
    struct fx *f = *state;
    const char *why = NULL;
    assert_int_equal(alarms_shelve(&f->s->al, "door_after_hours", "carol", 60 * MIN,
                                   clock_mono_ms(), clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(store_commit(f->s->store), ST_OK);
    clock_advance(10 * MIN);
    site_restart(f->s);
    struct alarm *a = alarms_find(&f->s->al, "door_after_hours");
    assert_string_equal(alarm_state_name(a->rt.state), "shelved");
    assert_string_equal(a->shelved_by, "carol");
    assert_int_equal(a->shelved_until, T0 + 60 * MIN);
    assert_int_equal(a->shelf.due - clock_mono_ms(), 50 * MIN); /* what is left */
    clock_advance(50 * MIN);
    assert_int_equal(site_run_timers(f->s), ST_OK);
    assert_int_equal(alarms_process(&f->s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_string_equal(alarm_state_name(a->rt.state), "normal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_shelved_alarm_is_silent_then_comes_back_by_itself,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_emergency_alarms_and_bad_durations_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_shelf_survives_a_restart_with_its_end, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
