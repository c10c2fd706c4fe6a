/*
 * Unit tests: the service standard's daily review (gateway/review.c, wired in workorders.c), in
 * the Asia/Shanghai time zone on a fake clock, with a real SQLite store: an order raised before
 * 17:00 and unresolved is raised again at 08:30 next day and reported to the general manager;
 * one raised after 17:00 is raised again at noon next day with a deadline of 17:00 that day,
 * which escalates when missed; reviews go on each morning; a resolved order is left alone.
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

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/work/review.h"
#include "gateway/work/sla.h"
#include "gateway/store/store.h"
#include "gateway/base/timer.h"
#include "gateway/work/workorders.h"

#define MIN 60000LL
#define HOUR (60 * MIN)

static char *ladder[] = {"technician", "supervisor", "manager", "general_manager"};

struct fx {
    struct timers *ts;
    char dir[64], path[96];
    struct config cfg;
    struct store *store;
    struct journal j;
    struct wo_table t;
};

/* ISO-8601 UTC for a Shanghai local time (UTC+8, no daylight saving). */
static int64_t at(const char *iso_utc)
{
    int64_t ms;
    assert_int_equal(clock_parse_iso(iso_utc, &ms), 0);
    return ms;
}

static int setup(void **state)
{
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/steward-review-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/r.db", f->dir);
    f->cfg.site.id = "hq_tower";
    f->cfg.upstream.topic_prefix = "steward/hq_tower";
    f->cfg.sla.prio[PRIO_EMERGENCY] = (struct cfg_sla_prio){1 * MIN, 15 * MIN, 24 * HOUR};
    f->cfg.sla.prio[PRIO_URGENT] = (struct cfg_sla_prio){5 * MIN, 30 * MIN, 24 * HOUR};
    f->cfg.sla.prio[PRIO_NORMAL] = (struct cfg_sla_prio){15 * MIN, 24 * HOUR, 48 * HOUR};
    f->cfg.sla.escalation = ladder;
    f->cfg.sla.n_escalation = 4;
    assert_int_equal(store_open(f->path, 0, &f->store), ST_OK);
    f->j = (struct journal){f->store, f->cfg.upstream.topic_prefix};
    f->ts = timers_new();
    assert_non_null(f->ts);
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    *state = f;
    return 0;
}

/* The wall time the earliest work-order timer is due, or 0 (the orders' timers are all here). */
static int64_t next_due(struct fx *f)
{
    int64_t mono = clock_mono_ms(), next = timers_next(f->ts, mono, clock_wall_ms());
    return next ? next - mono + clock_wall_ms() : 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    wo_cleanup(&f->t);
    timers_free(f->ts);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    int rc = system(cmd);
    clock_set_real();
    unsetenv("TZ");
    tzset();
    free(f);
    return rc == 0 ? 0 : -1;
}

static const struct wo_spec pf_low = {"rule",           "pf_low",     "MDB-1",
                                      "B2 switch room", "electrical", "Power factor below 0.90",
                                      PRIO_NORMAL};

static const char *str(const json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

static void test_the_review_times_of_the_standard(void **st)
{
    (void)st;
    enum review_kind k;
    /* 16:59 Shanghai (08:59Z): next morning 08:30 (00:30Z). */
    assert_int_equal(review_first(at("2026-11-22T08:59:00.000Z"), &k),
                     at("2026-11-23T00:30:00.000Z"));
    assert_int_equal(k, REVIEW_MORNING);
    /* 17:00 Shanghai: noon next day (04:00Z). */
    assert_int_equal(review_first(at("2026-11-22T09:00:00.000Z"), &k),
                     at("2026-11-23T04:00:00.000Z"));
    assert_int_equal(k, REVIEW_NOON);
    /* 23:30 Shanghai on the last day of the month is 15:30Z: noon on the 1st. */
    assert_int_equal(review_first(at("2026-11-30T15:30:00.000Z"), &k),
                     at("2026-12-01T04:00:00.000Z"));
    assert_int_equal(review_deadline(at("2026-12-01T04:00:00.000Z")),
                     at("2026-12-01T09:00:00.000Z"));
    assert_int_equal(review_after(at("2026-12-01T04:00:00.000Z")), at("2026-12-02T00:30:00.000Z"));
    /* A review held late, at 01:00 (the gateway was down at 08:30 the day before), is followed by
     * the same morning's review, not the next day's. */
    assert_int_equal(review_after(at("2026-11-30T17:00:00.000Z")), at("2026-12-01T00:30:00.000Z"));
}

static void test_a_daytime_order_unresolved_is_reported_to_the_general_manager(void **state)
{
    struct fx *f = *state;
    clock_set_fake(at("2026-11-22T02:00:00.000Z")); /* 10:00 Shanghai */
    struct workorder *w = NULL;
    assert_int_equal(wo_raise(&f->t, &pf_low, NULL, clock_wall_ms(), &w), ST_OK);
    assert_string_equal(str(w->doc, "next_review_at"), "2026-11-23T00:30:00.000Z");
    const char *why;
    assert_int_equal(wo_set_status(&f->t, w->id, "accepted", "alice", NULL, clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(next_due(f) <= at("2026-11-23T00:30:00.000Z"), 1);
    clock_set_fake(at("2026-11-23T00:29:59.000Z"));
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_null(json_object_get(w->doc, "reviews"));
    clock_set_fake(at("2026-11-23T00:30:00.000Z"));
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(w->doc, "reviews")), 1);
    assert_string_equal(str(w->doc, "reported_to"), "general_manager");
    assert_string_equal(str(w->doc, "next_review_at"), "2026-11-24T00:30:00.000Z");
    /* Still unresolved the morning after: reviewed again. */
    clock_set_fake(at("2026-11-24T00:30:00.000Z"));
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(w->doc, "reviews")), 2);
    /* Resolved: no more reviews. */
    assert_int_equal(wo_set_status(&f->t, w->id, "on_site", "alice", NULL, clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(wo_set_status(&f->t, w->id, "resolved", "alice", NULL, clock_wall_ms(), &why),
                     ST_OK);
    assert_null(json_object_get(w->doc, "next_review_at"));
    /* nor a wake for one: the next is its follow-up visit's deadline, 3 days on */
    assert_int_equal(next_due(f), clock_wall_ms() + 3 * 24 * HOUR);
    clock_set_fake(at("2026-11-25T00:30:00.000Z"));
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(w->doc, "reviews")), 2);
}

static void test_an_evening_order_gets_a_deadline_of_17_next_day_which_escalates(void **state)
{
    struct fx *f = *state;
    clock_set_fake(at("2026-11-22T10:00:00.000Z")); /* 18:00 Shanghai */
    struct workorder *w = NULL;
    assert_int_equal(wo_raise(&f->t, &pf_low, NULL, clock_wall_ms(), &w), ST_OK);
    assert_string_equal(str(w->doc, "next_review"), "noon");
    /* Its notify and respond deadlines pass overnight: two escalations first. */
    clock_set_fake(at("2026-11-23T04:00:00.000Z")); /* noon next day */
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_string_equal(str(w->doc, "resolve_by"), "2026-11-23T09:00:00.000Z"); /* 17:00 */
    assert_null(json_object_get(w->doc, "reported_to"));
    int level = w->level;
    clock_set_fake(at("2026-11-23T09:00:00.000Z"));
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(w->level, level + 1); /* the 17:00 deadline missed */
    /* After a restart the review schedule carries on from the stored order. */
    wo_cleanup(&f->t);
    timers_free(f->ts);
    f->ts = timers_new();
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    assert_int_equal(store_commit(f->store), ST_OK);
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK);
    assert_int_equal(f->t.n, 1);
    assert_string_equal(str(f->t.v[0]->doc, "next_review_at"), "2026-11-24T00:30:00.000Z");
    assert_int_equal(f->t.v[0]->next_review, at("2026-11-24T00:30:00.000Z"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_review_times_of_the_standard, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_daytime_order_unresolved_is_reported_to_the_general_manager, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_an_evening_order_gets_a_deadline_of_17_next_day_which_escalates, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
