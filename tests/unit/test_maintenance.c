/*
 * Unit tests: planned maintenance. The calendar (config/schedule.c) for every kind of `every`,
 * in Asia/Shanghai (UTC+8), and the scheduler (gateway/maintenance.c) on the demo site's weekly
 * generator check with a real store and a fake clock: raised on Monday 09:00, once; not raised
 * again by a restart; a Monday missed while the gateway was down raised once when it starts.
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
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/schedule.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/work/maintenance.h"
#include "tests/unit/site_fixture.h"

static int64_t at(const char *iso_utc)
{
    int64_t ms;
    assert_int_equal(clock_parse_iso(iso_utc, &ms), 0);
    return ms;
}

static int zone(void **state)
{
    (void)state;
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    return 0;
}

static int unzone(void **state)
{
    (void)state;
    unsetenv("TZ");
    tzset();
    clock_set_real();
    return 0;
}

struct expect {
    const char *every, *at, *now, *next, *prev; /* times in UTC; Shanghai is UTC+8 */
};

static void test_every_kind_of_calendar(void **st)
{
    (void)st;
    static const struct expect cases[] = {
        /* Sunday 2026-11-22 10:20 in Shanghai */
        {"hourly", ":15", "2026-11-22T02:20:00.000Z", "2026-11-22T03:15:00.000Z",
         "2026-11-22T02:15:00.000Z"},
        {"daily", NULL, "2026-11-22T02:20:00.000Z", "2026-11-23T01:00:00.000Z",
         "2026-11-22T01:00:00.000Z"},
        {"weekly", "Mon 09:00", "2026-11-22T02:20:00.000Z", "2026-11-23T01:00:00.000Z",
         "2026-11-16T01:00:00.000Z"},
        {"weekly", "Sun 10:20", "2026-11-22T02:20:00.000Z", "2026-11-29T02:20:00.000Z",
         "2026-11-22T02:20:00.000Z"}, /* exactly now: it is the previous, not the next */
        {"monthly", "1 09:00", "2026-11-22T02:20:00.000Z", "2026-12-01T01:00:00.000Z",
         "2026-11-01T01:00:00.000Z"},
        {"quarterly", "01-15 09:00", "2026-11-22T02:20:00.000Z", "2027-01-15T01:00:00.000Z",
         "2026-10-15T01:00:00.000Z"},
        {"half-yearly", "03-01 08:00", "2026-11-22T02:20:00.000Z", "2027-03-01T00:00:00.000Z",
         "2026-09-01T00:00:00.000Z"},
        {"yearly", NULL, "2026-11-22T02:20:00.000Z", "2027-01-01T01:00:00.000Z",
         "2026-01-01T01:00:00.000Z"},
        {"2-yearly", "03-01 09:00", "2026-11-22T02:20:00.000Z", "2028-03-01T01:00:00.000Z",
         "2026-03-01T01:00:00.000Z"},
        {"2-yearly", "03-01 09:00", "2027-06-01T00:00:00.000Z", "2028-03-01T01:00:00.000Z",
         "2026-03-01T01:00:00.000Z"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct expect *c = &cases[i];
        struct schedule s;
        const char *why = NULL;
        assert_int_equal(schedule_parse(c->every, c->at, &s, &why), 0);
        char got[CLOCK_ISO_LEN];
        if (schedule_next(&s, at(c->now)) != at(c->next))
            fail_msg("%s %s from %s: next %s, expected %s", c->every, c->at ? c->at : "(default)",
                     c->now, clock_iso(schedule_next(&s, at(c->now)), got), c->next);
        if (schedule_prev(&s, at(c->now)) != at(c->prev))
            fail_msg("%s %s from %s: prev %s, expected %s", c->every, c->at ? c->at : "(default)",
                     c->now, clock_iso(schedule_prev(&s, at(c->now)), got), c->prev);
    }
}

/* Europe/Berlin: clocks go back from 03:00 CEST to 02:00 CET on 2026-10-25, and forward from
 * 02:00 CET to 03:00 CEST on 2026-03-29. */
static void test_daylight_saving_changes_give_one_occurrence_a_day(void **st)
{
    (void)st;
    setenv("TZ", "Europe/Berlin", 1);
    tzset();
    struct schedule s;
    const char *why = NULL;
    assert_int_equal(schedule_parse("daily", "02:30", &s, &why), 0);
    /* 02:30 happens twice on the 25th: the earlier (CEST, 00:30Z) is the occurrence, from
     * either side of the change. */
    assert_int_equal(schedule_next(&s, at("2026-10-24T23:00:00.000Z")),
                     at("2026-10-25T00:30:00.000Z"));
    assert_int_equal(schedule_next(&s, at("2026-10-25T00:30:00.000Z")),
                     at("2026-10-26T01:30:00.000Z"));
    assert_int_equal(schedule_prev(&s, at("2026-10-25T01:40:00.000Z")),
                     at("2026-10-25T00:30:00.000Z"));
    assert_int_equal(schedule_prev(&s, at("2026-10-25T00:40:00.000Z")),
                     at("2026-10-25T00:30:00.000Z"));
    /* 02:30 does not exist on 29 March: once, an hour later by the clock. */
    int64_t n = schedule_next(&s, at("2026-03-28T23:00:00.000Z"));
    assert_true(n > at("2026-03-28T23:00:00.000Z") && n <= at("2026-03-29T01:30:00.000Z"));
    assert_int_equal(schedule_next(&s, n), at("2026-03-30T00:30:00.000Z"));
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
}

static void test_bad_at_strings_are_refused_with_a_reason(void **st)
{
    (void)st;
    static const char *const bad[][2] = {
        {"weekly", "Mon 9am"},     {"weekly", "Monday 09:00"}, {"daily", "25:00"},
        {"daily", "09:60"},        {"monthly", "29 09:00"},    {"monthly", "0 09:00"},
        {"yearly", "13-01 09:00"}, {"hourly", "15"},           {"fortnightly", NULL},
        {"monthly", "1 9:5"},      {"monthly", "+1 09:00"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct schedule s;
        const char *why = NULL;
        if (schedule_parse(bad[i][0], bad[i][1], &s, &why) == 0 || !why)
            fail_msg("%s at \"%s\" was accepted", bad[i][0], bad[i][1] ? bad[i][1] : "");
    }
}

/* The demo site (tests/unit/site_fixture.h) with its maintenance scheduler, started and
 * restarted as the gateway does. */
struct fx {
    struct site *s;
    struct maintenance m;
};

static void start(struct fx *f)
{
    if (!f->s)
        f->s = site_new();
    else
        site_restart(f->s);
    assert_int_equal(maintenance_init(&f->m, f->s->cfg, &f->s->wos, &f->s->j, f->s->store,
                                      f->s->timers, clock_wall_ms()),
                     ST_OK);
}

static void stop(struct fx *f)
{
    maintenance_cleanup(&f->m);
}

static void tick(struct fx *f)
{
    assert_int_equal(site_run_timers(f->s), ST_OK);
    assert_int_equal(store_commit(f->s->store), ST_OK);
}

static void test_the_weekly_generator_check_is_raised_on_its_day_once(void **st)
{
    (void)st;
    struct fx f = {0};

    clock_set_fake(at("2026-11-22T02:20:00.000Z")); /* Sunday: a new task waits for Monday */
    start(&f);
    assert_int_equal(f.s->cfg->n_maintenance, 1); /* genset_weekly, Mon 09:00 */
    tick(&f);
    assert_int_equal(f.s->wos.n, 0);
    assert_int_equal(maintenance_next_due(&f.m), at("2026-11-23T01:00:00.000Z"));
    clock_set_fake(at("2026-11-23T01:00:00.000Z")); /* Monday 09:00 */
    tick(&f);
    assert_int_equal(f.s->wos.n, 1);
    json_t *doc = f.s->wos.v[0]->doc;
    assert_string_equal(json_string_value(json_object_get(doc, "source")), "maintenance");
    assert_string_equal(json_string_value(json_object_get(doc, "asset")), "GEN-1");
    assert_string_equal(json_string_value(json_object_get(doc, "priority")), "normal");
    assert_null(json_object_get(doc, "next_review_at")); /* not a repair order */
    assert_int_equal(maintenance_next_due(&f.m), at("2026-11-30T01:00:00.000Z"));
    tick(&f);
    assert_int_equal(f.s->wos.n, 1);

    /* A restart the same week raises nothing again. */
    stop(&f);
    clock_set_fake(at("2026-11-25T02:00:00.000Z"));
    start(&f);
    tick(&f);
    assert_int_equal(json_integer_value(json_object_get(f.s->wos.v[0]->doc, "occurrences")), 1);

    /* Down over the next Monday: the missed check is raised once at start, onto the order still
     * open from last week. */
    stop(&f);
    clock_set_fake(at("2026-12-01T03:00:00.000Z")); /* Tuesday */
    start(&f);
    tick(&f);
    assert_int_equal(f.s->wos.n, 1);
    assert_int_equal(json_integer_value(json_object_get(f.s->wos.v[0]->doc, "occurrences")), 2);
    assert_int_equal(maintenance_next_due(&f.m), at("2026-12-07T01:00:00.000Z"));
    stop(&f);
    site_free(f.s);
}

static void test_a_first_occurrence_missed_and_a_clock_jump(void **st)
{
    (void)st;
    struct fx f = {0};
    /* The weekly check is configured on a Wednesday; the gateway is down the next Monday. */
    clock_set_fake(at("2026-11-25T02:00:00.000Z"));
    start(&f);
    tick(&f);
    assert_int_equal(f.s->wos.n, 0);
    stop(&f);
    clock_set_fake(at("2026-12-01T03:00:00.000Z")); /* Tuesday */
    start(&f);
    tick(&f);
    assert_int_equal(f.s->wos.n, 1); /* its first Monday, caught up */
    /* The clock jumps over two Mondays: raised once, for the latest; a restart adds nothing. */
    clock_set_fake(at("2026-12-15T03:00:00.000Z"));
    tick(&f);
    json_t *ev = json_object_get(f.s->wos.v[0]->doc, "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "due")), "2026-12-14T01:00:00.000Z");
    assert_int_equal(json_integer_value(json_object_get(f.s->wos.v[0]->doc, "occurrences")), 2);
    stop(&f);
    clock_set_fake(at("2026-12-15T04:00:00.000Z"));
    start(&f);
    tick(&f);
    assert_int_equal(json_integer_value(json_object_get(f.s->wos.v[0]->doc, "occurrences")), 2);
    stop(&f);
    site_free(f.s);
}

static void test_a_task_may_not_share_an_alarm_id(void **st)
{
    (void)st;
    char path[] = "/tmp/steward-task-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("site = { id = \"x\"; };\nmqtt = { upstream = { port = 1883; }; };\n"
          "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"a/b\"; field = \"w\"; } );\n"
          "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = \"emergency\";\n"
          "  category = \"p\"; title = \"t\"; } );\n"
          "maintenance = ( { id = \"leak_room\"; asset = \"A\"; every = \"daily\";\n"
          "  category = \"p\"; title = \"t\"; } );\n",
          f);
    fclose(f);
    struct config *cfg = NULL;
    struct config_diag diag = {0};
    assert_int_equal(config_load(path, &cfg, &diag), ST_ERR_CONFIG);
    assert_int_equal(diag.n, 1);
    assert_non_null(strstr(diag.msgs[0], ":6: maintenance id 'leak_room'"));
    config_diag_free(&diag);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_kind_of_calendar, zone, unzone),
        cmocka_unit_test_setup_teardown(test_bad_at_strings_are_refused_with_a_reason, zone,
                                        unzone),
        cmocka_unit_test_setup_teardown(test_daylight_saving_changes_give_one_occurrence_a_day,
                                        zone, unzone),
        cmocka_unit_test_setup_teardown(test_a_first_occurrence_missed_and_a_clock_jump, zone,
                                        unzone),
        cmocka_unit_test_setup_teardown(test_a_task_may_not_share_an_alarm_id, zone, unzone),
        cmocka_unit_test_setup_teardown(test_the_weekly_generator_check_is_raised_on_its_day_once,
                                        zone, unzone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
