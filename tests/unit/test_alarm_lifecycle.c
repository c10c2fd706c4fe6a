/*
 * Unit tests: the alarm lifecycle on the demo site's real alarms, store and timers, on the fake
 * clock: a dead meter suppresses the alarms that read it (no false clear) and they are evaluated
 * afresh when it answers; an input that is not good makes an alarm uncertain (published, and it
 * neither raises nor clears); out of service; reset of a latch; chatter; re-alarm.
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
#include "gateway/base/quality.h"
#include "tests/unit/site_fixture.h"

#define MIN 60000LL

static struct site *s;

static int setup(void **st)
{
    (void)st;
    clock_set_fake(1795356191208LL);
    s = site_new();
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    site_free(s);
    clock_set_real();
    return 0;
}

/* Sets a point (value, quality) and runs the alarms and the timers as the loop does. */
static void set(const char *point, double v, int quality)
{
    int p = config_point_find(s->cfg, point);
    assert_true(p >= 0);
    if (points_set(s->pts, p, v, quality, clock_wall_ms())) alarms_point_changed(&s->al, p);
    assert_int_equal(alarms_process(&s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
}

static void pass(int64_t ms)
{
    clock_advance(ms);
    assert_int_equal(site_run_timers(s), ST_OK);
    assert_int_equal(alarms_process(&s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(store_commit(s->store), ST_OK);
}

static const char *state(const char *id)
{
    return alarm_state_name(alarms_find(&s->al, id)->rt.state);
}

/* The last published document of alarm id, parsed (caller decrefs). */
struct last {
    const char *topic;
    json_t *doc;
};
static int grab(void *ctx, int64_t id, const char *topic, const void *payload, size_t len, int qos,
                int retain)
{
    (void)id, (void)qos, (void)retain;
    struct last *l = ctx;
    if (strcmp(topic, l->topic) != 0 || len == 0) return 0;
    json_error_t e;
    json_decref(l->doc);
    l->doc = json_loadb(payload, len, 0, &e);
    return 0;
}
static json_t *last_doc(const char *id)
{
    char topic[128];
    snprintf(topic, sizeof(topic), "steward/demo/alarms/%s", id);
    struct last l = {topic, NULL};
    assert_int_equal(store_commit(s->store), ST_OK);
    assert_int_equal(store_outbox_pending(s->store, 0, 1000000, grab, &l), 0);
    assert_non_null(l.doc);
    return l.doc;
}

static void hot_transformer(double t)
{
    set("tx1.temp_a", t, QUALITY_GOOD);
    set("tx1.temp_b", 100, QUALITY_GOOD);
    set("tx1.temp_c", 100, QUALITY_GOOD);
}

static void test_a_dead_meter_suppresses_its_alarms_and_they_come_back_afresh(void **st)
{
    (void)st;
    int tx1 = config_device_find(s->cfg, "tx1");
    hot_transformer(140);
    pass(3000); /* its on_delay */
    assert_string_equal(state("tx1_overtemp"), "active_unack");
    size_t orders = s->wos.n;
    /* The controller stops answering: its points go comm_fail. */
    alarms_device_comm(&s->al, tx1, 0);
    set("tx1.temp_a", 0, QUALITY_COMM_FAIL);
    set("tx1.temp_b", 0, QUALITY_COMM_FAIL);
    set("tx1.temp_c", 0, QUALITY_COMM_FAIL);
    pass(1000);
    assert_string_equal(state("tx1_overtemp"), "suppressed"); /* not a false clear */
    json_t *d = last_doc("tx1_overtemp");
    assert_string_equal(json_string_value(json_object_get(d, "suppressed_by")),
                        "communication fault of device tx1");
    json_decref(d);
    assert_string_equal(state("comm_tx1"), "active_unack"); /* the comm alarm is raised */
    /* It answers again, still hot: evaluated afresh, raised again onto the same order. */
    alarms_device_comm(&s->al, tx1, 1);
    hot_transformer(141);
    pass(1000);
    assert_string_equal(state("tx1_overtemp"), "normal"); /* waiting out its on_delay */
    pass(3000);
    assert_string_equal(state("tx1_overtemp"), "active_unack");
    assert_int_equal(s->wos.n, orders + 1); /* + the comm fault's order, no second overtemp one */
}

static void test_an_input_not_good_makes_the_alarm_uncertain(void **st)
{
    (void)st;
    hot_transformer(120);
    pass(1000);
    assert_string_equal(state("tx1_overtemp"), "normal");
    /* One winding's sensor is bad (an exception), the others hot: neither raise nor clear. */
    set("tx1.temp_a", 0, QUALITY_BAD);
    set("tx1.temp_b", 150, QUALITY_GOOD);
    pass(10000);
    assert_string_equal(state("tx1_overtemp"), "normal");
    json_t *d = last_doc("tx1_overtemp");
    assert_string_equal(json_string_value(json_object_get(d, "quality")), "uncertain");
    json_decref(d);
    /* Good again: evaluated, raised after its delay, and the quality is good. */
    set("tx1.temp_a", 100, QUALITY_GOOD);
    pass(3000);
    assert_string_equal(state("tx1_overtemp"), "active_unack");
    d = last_doc("tx1_overtemp");
    assert_string_equal(json_string_value(json_object_get(d, "quality")), "good");
    json_decref(d);
}

static void test_out_of_service_ignores_the_condition_and_raises_no_order(void **st)
{
    (void)st;
    const char *why = NULL;
    assert_int_equal(alarms_out_of_service(&s->al, "leak_pump_room", "li", "pump replaced",
                                           clock_mono_ms(), clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(alarms_out_of_service(&s->al, "leak_pump_room", "li", NULL, clock_mono_ms(),
                                           clock_wall_ms(), &why),
                     ST_ERR_STATE);
    set("leak_pump", 1, QUALITY_GOOD);
    pass(1000);
    assert_string_equal(state("leak_pump_room"), "out_of_service");
    assert_int_equal(s->wos.n, 0);
    json_t *d = last_doc("leak_pump_room");
    assert_string_equal(json_string_value(json_object_get(d, "note")), "pump replaced");
    json_decref(d);
    /* Back in service, the leak still there: evaluated afresh, raised, its order opened. */
    assert_int_equal(
        alarms_in_service(&s->al, "leak_pump_room", "li", clock_mono_ms(), clock_wall_ms(), &why),
        ST_OK);
    pass(1000);
    assert_string_equal(state("leak_pump_room"), "active_unack");
    assert_int_equal(s->wos.n, 1);
    assert_int_equal(
        alarms_in_service(&s->al, "leak_pump_room", "li", clock_mono_ms(), clock_wall_ms(), &why),
        ST_ERR_STATE);
}

static void test_a_latch_needs_a_reset_refused_while_the_smoke_is_there(void **st)
{
    (void)st;
    const char *why = NULL;
    set("smoke_b2", 1, QUALITY_GOOD);
    pass(1000);
    assert_string_equal(state("fire_b2"), "active_unack");
    assert_int_equal(alarms_ack(&s->al, "fire_b2", "li", clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(alarms_reset(&s->al, "fire_b2", "li", clock_mono_ms(), clock_wall_ms(), &why),
                     ST_ERR_STATE);
    assert_non_null(strstr(why, "still present"));
    set("smoke_b2", 0, QUALITY_GOOD);
    pass(1000);
    assert_string_equal(state("fire_b2"), "active_ack"); /* latched, through its ack */
    json_t *d = last_doc("fire_b2");
    assert_true(json_is_true(json_object_get(d, "latched")));
    json_decref(d);
    assert_int_equal(alarms_reset(&s->al, "fire_b2", "li", clock_mono_ms(), clock_wall_ms(), &why),
                     ST_OK);
    assert_string_equal(state("fire_b2"), "normal");
    assert_int_equal(
        alarms_reset(&s->al, "leak_pump_room", "li", clock_mono_ms(), clock_wall_ms(), &why),
        ST_ERR_STATE); /* not latched */
}

static void test_a_chattering_alarm_is_marked_until_it_settles(void **st)
{
    (void)st;
    for (int i = 0; i < 6; i++) { /* six raises within 10 minutes: more than 5 */
        set("leak_pump", 1, QUALITY_GOOD);
        pass(30000);
        set("leak_pump", 0, QUALITY_GOOD);
        pass(30000);
    }
    json_t *d = last_doc("leak_pump_room");
    assert_true(json_is_true(json_object_get(d, "chattering")));
    assert_int_equal(json_integer_value(json_object_get(d, "chatter_count")), 6);
    assert_non_null(json_object_get(d, "chatter_since"));
    json_decref(d);
    assert_int_equal(s->wos.n, 1); /* one order, updated */
    pass(11 * MIN);                /* quiet: it settles */
    d = last_doc("leak_pump_room");
    assert_null(json_object_get(d, "chattering"));
    json_decref(d);
}

/* A rule with realarm, on a configuration of its own. */
static void test_realarm_publishes_again_while_unacknowledged(void **st)
{
    (void)st;
    site_free(s);
    char path[] = "/tmp/steward-realarm-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("site = { id = \"demo\"; };\n"
          "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"a/b\"; field = \"w\"; } );\n"
          "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = \"emergency\";\n"
          "  category = \"p\"; title = \"t\"; realarm = \"30m\"; } );\n",
          f);
    fclose(f);
    s = site_new_config(path);
    unlink(path);
    set("leak", 1, QUALITY_GOOD);
    pass(1000);
    uint64_t before = s->al.transitions;
    pass(30 * MIN);
    assert_int_equal(s->al.transitions, before + 1); /* re-alarmed once */
    /* the event names the transition (it had no name in the table: read out of bounds) */
    assert_int_equal(store_commit(s->store), ST_OK);
    char *ev = NULL;
    assert_int_equal(store_event_last(s->store, "alarm", &ev), ST_OK);
    if (!strstr(ev, "\"transition\":\"realarm\"")) fail_msg("not a realarm event: %s", ev);
    free(ev);
    pass(30 * MIN);
    assert_int_equal(s->al.transitions, before + 2);
    assert_int_equal(alarms_ack(&s->al, "leak_room", "li", clock_mono_ms(), clock_wall_ms()),
                     ST_OK);
    before = s->al.transitions;
    pass(60 * MIN);
    assert_int_equal(s->al.transitions, before); /* acknowledged: no more */
}

/* rate(point, "5m"): change per minute over the window, unknown until the window has data. */
static void test_rate_raises_on_a_fast_rise_once_the_window_has_data(void **st)
{
    (void)st;
    site_free(s);
    char path[] = "/tmp/steward-rate-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs("site = { id = \"demo\"; };\n"
          "sensors = ( { id = \"temp\"; kind = \"other\"; topic = \"a/t\"; field = \"t\";\n"
          "  type = \"number\"; } );\n"
          "rules = ( { id = \"rising\"; when = \"rate(temp, \\\"5m\\\") > 2\"; priority = "
          "\"urgent\";\n"
          "  category = \"c\"; title = \"rising fast\"; } );\n",
          f);
    fclose(f);
    s = site_new_config(path);
    unlink(path);
    assert_int_equal(s->cfg->n_rates, 1);
    /* 3 degrees a minute from the start: unknown while the history is shorter than the window
     * (a fast rise already, but not yet measured over 5 minutes)... */
    for (int m = 0; m < 4; m++) {
        set("temp", 20 + 3 * m, QUALITY_GOOD);
        pass(MIN);
        assert_string_equal(state("rising"), "normal");
    }
    set("temp", 32, QUALITY_GOOD);
    pass(MIN - 1000);
    assert_string_equal(state("rising"), "normal");
    /* ...then known: (32 - 20) over 5 minutes is 2.4 per minute, above 2. */
    pass(1000);
    assert_string_equal(state("rising"), "active_unack");
    /* It levels off: the rate falls as the window slides, and the alarm clears. */
    for (int m = 0; m < 6; m++)
        pass(MIN);
    assert_string_equal(state("rising"), "rtn_unack");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_a_dead_meter_suppresses_its_alarms_and_they_come_back_afresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_input_not_good_makes_the_alarm_uncertain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_out_of_service_ignores_the_condition_and_raises_no_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_latch_needs_a_reset_refused_while_the_smoke_is_there,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_chattering_alarm_is_marked_until_it_settles, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_realarm_publishes_again_while_unacknowledged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rate_raises_on_a_fast_rise_once_the_window_has_data,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
