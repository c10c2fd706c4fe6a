/*
 * Unit tests: alarm-flood detection. The counting itself (gateway/flood.c: 10 raises within 10
 * minutes begin a flood, fewer than 5 end it), and its wiring on the demo site's real alarms and
 * store: a leak sensor that chatters raises the flood and its end as events on P/events.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/alarms/flood.h"
#include "tests/unit/site_fixture.h"

#define MIN 60000LL
#define T 1000000LL

static void test_ten_raises_in_ten_minutes_begin_a_flood_and_fewer_than_five_end_it(void **st)
{
    (void)st;
    struct flood f = {0};
    for (int i = 0; i < 9; i++) /* one a minute: 9 within the window */
        assert_int_equal(flood_raise(&f, T + i * MIN), FLOOD_NONE);
    assert_int_equal(flood_next_wake(&f), 0);
    /* The 10th comes 10 minutes after the first: the first has left the window. */
    assert_int_equal(flood_raise(&f, T + 10 * MIN), FLOOD_NONE);
    assert_int_equal(flood_count(&f, T + 10 * MIN), 9);
    assert_int_equal(flood_raise(&f, T + 10 * MIN + 1), FLOOD_BEGAN);
    assert_int_equal(flood_raise(&f, T + 10 * MIN + 2), FLOOD_NONE); /* once per flood */
    assert_int_equal(f.raised_during, 11);
    /* Newest first: 10 min + 2 ms, + 1 ms, 10 min, 8, 7...: when the 5th newest (7 min) leaves
     * the window, 4 remain. */
    assert_int_equal(flood_next_wake(&f), T + 7 * MIN + 10 * MIN);
    assert_int_equal(flood_tick(&f, T + 17 * MIN - 1), FLOOD_NONE);
    assert_int_equal(flood_tick(&f, T + 17 * MIN), FLOOD_ENDED);
    assert_int_equal(flood_tick(&f, T + 19 * MIN), FLOOD_NONE);
    assert_int_equal(flood_next_wake(&f), 0);
}

struct count {
    int begin, end;
};

static int count_floods(void *ctx, int64_t id, const char *topic, const void *payload, size_t len,
                        int qos, int retain)
{
    (void)id, (void)topic, (void)qos, (void)retain;
    struct count *c = ctx;
    char buf[512];
    snprintf(buf, sizeof(buf), "%.*s", (int)len, (const char *)payload);
    if (strstr(buf, "\"type\":\"flood\"") && strstr(buf, "\"state\":\"begin\"")) c->begin++;
    if (strstr(buf, "\"type\":\"flood\"") && strstr(buf, "\"state\":\"end\"")) c->end++;
    return 0;
}

static void test_a_chattering_leak_sensor_raises_a_flood_event_and_its_end(void **st)
{
    (void)st;
    clock_set_fake(1795356191208LL);
    struct site *s = site_new();
    int leak = config_point_find(s->cfg, "leak_pump");
    for (int i = 0; i < 24; i++) { /* wet, dry, wet...: a raise every minute */
        if (points_set(s->pts, leak, (i + 1) % 2, 0, clock_wall_ms()))
            alarms_point_changed(&s->al, leak);
        assert_int_equal(alarms_process(&s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
        clock_advance(MIN / 2);
    }
    assert_int_equal(store_commit(s->store), ST_OK);
    struct count c = {0, 0};
    assert_int_equal(store_outbox_pending(s->store, 0, 1000, count_floods, &c), 0);
    assert_int_equal(c.begin, 1);
    assert_int_equal(c.end, 0);
    /* A restart in the middle of the flood: the new process takes it up, so it still ends. */
    site_restart(s);
    assert_true(s->al.flood.active);
    assert_true(timer_armed(&s->al.flood_t));
    assert_true(s->al.flood_t.due <= clock_mono_ms()); /* due at once */
    /* The sensor settles: the flood ends once fewer than 5 raises are within the window. */
    for (int i = 0; i < 20; i++) {
        clock_advance(MIN);
        assert_int_equal(site_run_timers(s), ST_OK);
        assert_int_equal(alarms_process(&s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    }
    assert_int_equal(store_commit(s->store), ST_OK);
    c = (struct count){0, 0};
    assert_int_equal(store_outbox_pending(s->store, 0, 1000, count_floods, &c), 0);
    assert_int_equal(c.begin, 1);
    assert_int_equal(c.end, 1);
    site_free(s);
    clock_set_real();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_raises_in_ten_minutes_begin_a_flood_and_fewer_than_five_end_it),
        cmocka_unit_test(test_a_chattering_leak_sensor_raises_a_flood_event_and_its_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
