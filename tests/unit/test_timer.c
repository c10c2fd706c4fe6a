/* Unit tests: the timer registry (gateway/base/timer.h): order, re-arming, cancelling, the
 * wall clock converted in one place, and a failure that leaves the timer due. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gateway/base/error.h"
#include "gateway/base/timer.h"

struct probe {
    int runs;
    int64_t again; /* what the function asks for */
    int fail;      /* return ST_ERR_DB once */
    int *order;    /* where to note the run, in sequence */
    int *n_order;
    int id;
};

static int probe_fn(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono, (void)now_wall;
    struct probe *p = ctx;
    p->runs++;
    if (p->order) p->order[(*p->n_order)++] = p->id;
    if (p->fail) {
        p->fail = 0;
        return ST_ERR_DB;
    }
    *again = p->again;
    return ST_OK;
}

static void test_timers_run_in_order_once_each_and_rearm(void **st)
{
    (void)st;
    struct timers *ts = timers_new();
    int order[16], n = 0;
    struct probe p[4];
    struct timer t[4];
    int64_t due[4] = {300, 100, 200, 5000};
    for (int i = 0; i < 4; i++) {
        p[i] = (struct probe){0, TIMER_STOP, 0, order, &n, i};
        timer_init(&t[i], probe_fn, &p[i], "probe");
        assert_int_equal(timers_arm(ts, &t[i], due[i]), ST_OK);
    }
    assert_int_equal(timers_count(ts), 4);
    assert_int_equal(timers_next(ts, 0, 0), 100);
    p[1].again = 0; /* asks to run again at once: not in this same run */
    assert_int_equal(timers_run(ts, 300, 0), ST_OK);
    assert_int_equal(n, 3);
    assert_int_equal(order[0], 1);
    assert_int_equal(order[1], 2);
    assert_int_equal(order[2], 0);
    assert_int_equal(p[1].runs, 1);
    assert_true(timer_armed(&t[1]));
    assert_false(timer_armed(&t[0]));
    assert_int_equal(timers_next(ts, 300, 0), 300);
    timers_cancel(ts, &t[1]);
    timers_cancel(ts, &t[1]); /* twice is harmless */
    assert_int_equal(timers_next(ts, 300, 0), 5000);
    assert_int_equal(timers_run(ts, 4999, 0), ST_OK);
    assert_int_equal(p[3].runs, 0);
    timers_free(ts);
}

static void test_a_wall_timer_follows_the_wall_clock(void **st)
{
    (void)st;
    struct timers *ts = timers_new();
    struct probe p = {0, TIMER_STOP, 0, NULL, NULL, 0};
    struct timer t;
    timer_init(&t, probe_fn, &p, "deadline");
    assert_int_equal(timers_arm_wall(ts, &t, 1000000), ST_OK);
    /* monotonic 50, wall 999000: due in 1 s of either clock */
    assert_int_equal(timers_next(ts, 50, 999000), 1050);
    assert_int_equal(timers_run(ts, 60, 999999), ST_OK);
    assert_int_equal(p.runs, 0);
    /* The wall clock jumps forward (NTP): the deadline has passed, whatever the monotonic time. */
    assert_int_equal(timers_run(ts, 61, 2000000), ST_OK);
    assert_int_equal(p.runs, 1);
    timers_free(ts);
}

static void test_a_failing_timer_stays_due_and_the_rest_wait(void **st)
{
    (void)st;
    struct timers *ts = timers_new();
    struct probe a = {0, TIMER_STOP, 1, NULL, NULL, 0}, b = {0, TIMER_STOP, 0, NULL, NULL, 1};
    struct timer ta, tb;
    timer_init(&ta, probe_fn, &a, "a");
    timer_init(&tb, probe_fn, &b, "b");
    assert_int_equal(timers_arm(ts, &ta, 10), ST_OK);
    assert_int_equal(timers_arm(ts, &tb, 20), ST_OK);
    assert_int_equal(timers_run(ts, 30, 0), ST_ERR_DB);
    assert_int_equal(a.runs, 1);
    assert_int_equal(b.runs, 0);   /* not run after the failure... */
    assert_true(timer_armed(&tb)); /* ...but still due */
    assert_int_equal(timers_run(ts, 31, 0), ST_OK);
    assert_int_equal(b.runs, 1);
    assert_int_equal(timers_count(ts), 0);
    timers_free(ts);
}

static void test_many_timers_come_out_sorted(void **st)
{
    (void)st;
    enum { N = 500 };
    struct timers *ts = timers_new();
    static struct timer t[N];
    static struct probe p[N];
    static int order[N];
    int n = 0;
    for (int i = 0; i < N; i++) {
        p[i] = (struct probe){0, TIMER_STOP, 0, order, &n, i};
        timer_init(&t[i], probe_fn, &p[i], "many");
        assert_int_equal(timers_arm(ts, &t[i], (i * 7919) % N), ST_OK); /* a permutation */
    }
    for (int i = 0; i < N; i += 3)
        timers_cancel(ts, &t[i]);
    assert_int_equal(timers_run(ts, N, 0), ST_OK);
    int64_t last = -1;
    for (int k = 0; k < n; k++) {
        int64_t d = (order[k] * 7919) % N;
        assert_true(d >= last);
        assert_true(order[k] % 3 != 0);
        last = d;
    }
    assert_int_equal(n, N - (N + 2) / 3);
    timers_free(ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_run_in_order_once_each_and_rearm),
        cmocka_unit_test(test_a_wall_timer_follows_the_wall_clock),
        cmocka_unit_test(test_a_failing_timer_stays_due_and_the_rest_wait),
        cmocka_unit_test(test_many_timers_come_out_sorted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
