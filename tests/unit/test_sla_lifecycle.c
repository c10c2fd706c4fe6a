/* Unit tests: the service standard on work orders (gateway/work/sla.c, workorders.c): the
 * after-hours window (Asia/Shanghai and Europe/Berlin across its DST changes), every legal and
 * illegal transition, idempotent commands, first-to-accept ownership, the cleared condition,
 * follow-up visits and progress reports, on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sla_fx.h"

static const struct wo_spec leak = {"rule",     "leak_pump_room", "LS-B2-03",    "B2 pump room",
                                    "plumbing", "Water leak",     PRIO_EMERGENCY};
static const struct wo_spec pf_low = {"rule",       "pf_low",    "MDB-1",    "B2 switch room",
                                      "electrical", "PF < 0.90", PRIO_NORMAL};
static const struct wo_spec home = {"rule",        "tap",          "FLAT-12",  "Flat 12",
                                    "home_repair", "Dripping tap", PRIO_NORMAL};
static const struct wo_spec genset = {"maintenance", "genset_weekly", "GEN-1",    NULL,
                                      "electrical",  "Generator",     PRIO_NORMAL};

static struct workorder *raise_at(struct fx *f, const struct wo_spec *spec, int64_t at)
{
    struct workorder *w = NULL;
    clock_set_fake(at);
    assert_int_equal(wo_raise(&f->t, spec, NULL, at, &w), ST_OK);
    assert_int_equal(store_commit(f->store), ST_OK);
    return w;
}

/* The emergency raised at local y-m-d h:mi:s: after hours or not, and its respond_by. */
static void check_window(int y, int m, int d, int h, int mi, int s, int inside)
{
    int64_t at = fx_local(y, m, d, h, mi, s);
    struct fx *f = fx_new(at);
    struct workorder *w = raise_at(f, &leak, at);
    char buf[CLOCK_LOCAL_LEN];
    if (json_is_true(json_object_get(w->doc, "after_hours")) != inside)
        fail_msg("%s: after_hours should be %d", clock_local(at, buf), inside);
    assert_int_equal(fx_doc_time(w->doc, "respond_by"), at + (inside ? 10 : 15) * MIN);
    assert_int_equal(fx_doc_time(w->doc, "notify_by"), at + 1 * MIN);
    /* An urgent order at the same time keeps its own deadline: the window is for emergencies. */
    struct wo_spec urgent = leak;
    urgent.rule = "door";
    urgent.priority = PRIO_URGENT;
    w = raise_at(f, &urgent, at);
    assert_false(json_is_true(json_object_get(w->doc, "after_hours")));
    assert_int_equal(fx_doc_time(w->doc, "respond_by"), at + 30 * MIN);
    fx_free(f);
}

static void test_after_hours_in_shanghai(void **state)
{
    (void)state;
    fx_tz("Asia/Shanghai");
    check_window(2026, 11, 22, 22, 29, 59, 0);
    check_window(2026, 11, 22, 22, 30, 0, 1);
    check_window(2026, 11, 22, 23, 59, 59, 1);
    check_window(2026, 11, 23, 0, 0, 0, 1); /* across midnight */
    check_window(2026, 11, 23, 6, 59, 59, 1);
    check_window(2026, 11, 23, 7, 0, 0, 0);
    check_window(2026, 11, 23, 12, 0, 0, 0);
}

static void test_after_hours_in_berlin_across_daylight_saving(void **state)
{
    (void)state;
    fx_tz("Europe/Berlin");
    /* Summer time begins 2026-03-29 02:00 +01:00 -> 03:00 +02:00, inside the window. */
    check_window(2026, 3, 28, 22, 29, 59, 0);
    check_window(2026, 3, 28, 22, 30, 0, 1);
    check_window(2026, 3, 29, 3, 30, 0, 1);
    check_window(2026, 3, 29, 6, 59, 59, 1);
    check_window(2026, 3, 29, 7, 0, 0, 0);
    /* Summer time ends 2026-10-25 03:00 +02:00 -> 02:00 +01:00. */
    check_window(2026, 10, 24, 22, 29, 59, 0);
    check_window(2026, 10, 24, 22, 30, 0, 1);
    check_window(2026, 10, 25, 6, 59, 59, 1);
    check_window(2026, 10, 25, 7, 0, 0, 0);
    /* 22:30 local is 21:30 UTC in winter and 20:30 UTC in summer: the window follows local. */
    int64_t winter = fx_local(2026, 1, 10, 22, 30, 0), summer = fx_local(2026, 7, 10, 22, 30, 0);
    assert_int_equal((winter / 1000) % 86400, 21 * 3600 + 30 * 60);
    assert_int_equal((summer / 1000) % 86400, 20 * 3600 + 30 * 60);
    struct cfg_sla_after_hours ah = {22 * 60 + 30, 7 * 60, 10 * MIN};
    assert_true(sla_after_hours(&ah, winter));
    assert_true(sla_after_hours(&ah, summer));
    assert_false(sla_after_hours(&ah, summer - 1000));
    /* A window inside one day, and none. */
    struct cfg_sla_after_hours day = {12 * 60, 13 * 60, 10 * MIN}, none = {0, 0, 10 * MIN};
    assert_true(sla_after_hours(&day, fx_local(2026, 7, 10, 12, 0, 0)));
    assert_false(sla_after_hours(&day, fx_local(2026, 7, 10, 13, 0, 0)));
    assert_false(sla_after_hours(&none, fx_local(2026, 7, 10, 3, 0, 0)));
}

/* Every pair (from, to) of statuses: allowed, the same again, or refused. */
static void test_every_transition(void **state)
{
    (void)state;
    /* rows: from open, accepted, on_site, resolved, closed, cancelled;
     * columns: to the same; 'a' allowed, 's' the same, 'r' refused */
    static const char *const expect[] = {
        /* to: o a s r c x */
        "saarra", /* from open: accept or cancel */
        "rsaraa", /* from accepted: on site or cancel */
        "rrsaaa", /* from on_site */
        "rrrsar", /* from resolved: close only */
        "rrrrsr", /* from closed */
        "rrrrrs", /* from cancelled */
    };
    for (int from = 0; from <= WO_CANCELLED; from++) {
        for (int to = 0; to <= WO_CANCELLED; to++) {
            const char *why = NULL;
            int rc = wo_transition((enum wo_status)from, (enum wo_status)to, &why);
            char want = expect[from][to];
            /* the table above is by hand: skipped steps and backwards moves are refused */
            if (to > from + 1 && to != WO_CANCELLED) want = 'r';
            if (from < WO_RESOLVED && to == WO_CANCELLED) want = 'a';
            if (from == to) want = 's';
            char got = rc == 0 ? 'a' : rc == 1 ? 's' : 'r';
            if (got != want)
                fail_msg("%s -> %s: got %c, want %c", wo_status_name(from), wo_status_name(to), got,
                         want);
            if (got == 'r') {
                assert_int_equal(rc, ST_ERR_STATE);
                assert_non_null(why);
            }
        }
    }
    const char *why = NULL;
    assert_int_equal(wo_transition(WO_OPEN, WO_ON_SITE, &why), ST_ERR_STATE);
    assert_non_null(strstr(why, "one step at a time"));
    assert_int_equal(wo_transition(WO_OPEN, WO_CLOSED, &why), ST_ERR_STATE);
    assert_int_equal(wo_transition(WO_ACCEPTED, WO_RESOLVED, &why), ST_ERR_STATE);
    assert_int_equal(wo_transition(WO_RESOLVED, WO_CANCELLED, &why), ST_ERR_STATE);
    assert_non_null(strstr(why, "cannot be cancelled"));
}

static void test_the_lifecycle_stamps_each_step_and_is_idempotent(void **state)
{
    (void)state;
    fx_tz("Asia/Shanghai");
    int64_t t0 = fx_local(2026, 11, 22, 10, 0, 0);
    struct fx *f = fx_new(t0);
    struct workorder *w = raise_at(f, &leak, t0);
    char id[sizeof(w->id)];
    snprintf(id, sizeof(id), "%s", w->id);
    int changed = -1;
    /* skipping a step is refused with the reason */
    const char *why = NULL;
    struct wo_update skip = {id, "on_site", "alice", NULL, NULL};
    assert_int_equal(wo_update(&f->t, &skip, t0, &why, &changed), ST_ERR_STATE);
    assert_non_null(strstr(why, "accept it first"));
    assert_int_equal(changed, 0);
    assert_int_equal(fx_status(f, id, "closed", "alice", NULL, NULL, NULL), ST_ERR_STATE);
    assert_int_equal(fx_status(f, id, "bogus", "alice", NULL, NULL, NULL), ST_ERR_INVAL);
    /* accept: alice owns it; again by alice: ok, nothing changes; by bob: refused */
    clock_set_fake(t0 + 30000);
    assert_int_equal(fx_status(f, id, "accepted", "alice", NULL, NULL, &changed), ST_OK);
    assert_int_equal(changed, 1);
    assert_string_equal(fx_str(w->doc, "owner"), "alice");
    assert_int_equal(fx_doc_time(w->doc, "accepted_at"), t0 + 30000);
    json_int_t seq = json_integer_value(json_object_get(w->doc, "seq"));
    clock_set_fake(t0 + 40000);
    assert_int_equal(fx_status(f, id, "accepted", "alice", NULL, NULL, &changed), ST_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(json_integer_value(json_object_get(w->doc, "seq")), seq); /* not republished */
    assert_int_equal(fx_doc_time(w->doc, "accepted_at"), t0 + 30000);
    assert_int_equal(fx_status(f, id, "accepted", "bob", NULL, NULL, &changed), ST_ERR_STATE);
    assert_int_equal(fx_status(f, id, "open", "alice", NULL, NULL, NULL), ST_ERR_STATE);
    /* on site, resolved, closed: each stamped */
    clock_set_fake(t0 + 10 * MIN);
    assert_int_equal(fx_status(f, id, "on_site", "bob", NULL, NULL, &changed), ST_OK);
    assert_int_equal(fx_doc_time(w->doc, "on_site_at"), t0 + 10 * MIN);
    assert_int_equal(fx_status(f, id, "on_site", "bob", NULL, NULL, &changed), ST_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(fx_status(f, id, "cancelled", "bob", NULL, NULL, NULL), ST_ERR_INVAL);
    clock_set_fake(t0 + 2 * HOUR);
    assert_int_equal(fx_status(f, id, "resolved", "bob", "valve closed", NULL, NULL), ST_OK);
    assert_int_equal(fx_doc_time(w->doc, "resolved_at"), t0 + 2 * HOUR);
    assert_string_equal(fx_str(w->doc, "owner"), "alice"); /* still the first to accept */
    assert_int_equal(fx_status(f, id, "cancelled", "bob", "x", NULL, NULL), ST_ERR_STATE);
    assert_int_equal(fx_status(f, id, "on_site", "bob", NULL, NULL, NULL), ST_ERR_STATE);
    clock_set_fake(t0 + 3 * HOUR);
    assert_int_equal(fx_status(f, id, "closed", "carol", NULL, NULL, NULL), ST_OK);
    assert_int_equal(fx_doc_time(w->doc, "closed_at"), t0 + 3 * HOUR);
    assert_int_equal(fx_status(f, id, "closed", "carol", NULL, NULL, &changed), ST_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(fx_status(f, id, "resolved", "carol", NULL, NULL, NULL), ST_ERR_STATE);
    /* followed up after the close: the order leaves the table; the same again is harmless */
    assert_int_equal(fx_status(f, id, "followed_up", "dora", NULL, "satisfied", NULL), ST_OK);
    assert_null(wo_find(&f->t, id));
    assert_int_equal(fx_status(f, id, "followed_up", "dora", NULL, "satisfied", &changed), ST_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(fx_status(f, id, "closed", "carol", NULL, NULL, &changed), ST_OK);
    assert_int_equal(fx_status(f, id, "accepted", "carol", NULL, NULL, NULL), ST_ERR_STATE);
    assert_int_equal(fx_status(f, "WO-none", "accepted", "carol", NULL, NULL, NULL),
                     ST_ERR_NOTFOUND);
    char *text = NULL;
    assert_int_equal(store_wo_get(f->store, id, &text), ST_OK);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    free(text);
    assert_string_equal(fx_str(doc, "status"), "closed");
    assert_string_equal(fx_str(doc, "follow_up_outcome"), "satisfied");
    assert_string_equal(fx_str(doc, "followed_up_by"), "dora");
    json_decref(doc);
    fx_free(f);
}

static void test_cancel_needs_a_note_from_any_open_status(void **state)
{
    (void)state;
    fx_tz("Asia/Shanghai");
    int64_t t0 = fx_local(2026, 11, 22, 10, 0, 0);
    const char *steps[] = {NULL, "accepted", "on_site"};
    for (int k = 0; k < 3; k++) {
        struct fx *f = fx_new(t0);
        struct workorder *w = raise_at(f, &leak, t0);
        char id[sizeof(w->id)];
        snprintf(id, sizeof(id), "%s", w->id);
        for (int i = 1; i <= k; i++)
            assert_int_equal(fx_status(f, id, steps[i], "alice", NULL, NULL, NULL), ST_OK);
        assert_int_equal(fx_status(f, id, "cancelled", "alice", NULL, NULL, NULL), ST_ERR_INVAL);
        assert_int_equal(fx_status(f, id, "cancelled", "alice", "", NULL, NULL), ST_ERR_INVAL);
        assert_int_equal(fx_status(f, id, "cancelled", "alice", "false alarm", NULL, NULL), ST_OK);
        assert_null(wo_find(&f->t, id)); /* cancelled: no follow-up, out of the table */
        int changed = -1;
        assert_int_equal(fx_status(f, id, "cancelled", "alice", "again", NULL, &changed), ST_OK);
        assert_int_equal(changed, 0);
        assert_int_equal(fx_status(f, id, "accepted", "alice", NULL, NULL, NULL), ST_ERR_STATE);
        fx_free(f);
    }
}

static void test_a_cleared_condition_and_a_repeat_are_recorded(void **state)
{
    (void)state;
    fx_tz("Asia/Shanghai");
    int64_t t0 = fx_local(2026, 11, 22, 10, 0, 0);
    struct fx *f = fx_new(t0);
    struct workorder *w = raise_at(f, &leak, t0);
    assert_int_equal(fx_doc_time(w->doc, "last_seen"), t0);
    clock_set_fake(t0 + MIN);
    assert_int_equal(wo_condition_cleared(&f->t, "LS-B2-03", "leak_pump_room", t0 + MIN), ST_OK);
    assert_int_equal(fx_doc_time(w->doc, "condition_cleared_at"), t0 + MIN);
    assert_string_equal(fx_str(w->doc, "status"), "open"); /* stays open */
    assert_ptr_equal(wo_find(&f->t, w->id), w);
    /* another rule or asset: nothing */
    assert_int_equal(wo_condition_cleared(&f->t, "LS-B2-03", "other", t0 + MIN), ST_OK);
    assert_int_equal(wo_condition_cleared(&f->t, NULL, "leak_pump_room", t0 + MIN), ST_OK);
    struct workorder *again = raise_at(f, &leak, t0 + 5 * MIN);
    assert_ptr_equal(again, w);
    assert_int_equal(json_integer_value(json_object_get(w->doc, "occurrences")), 2);
    assert_int_equal(fx_doc_time(w->doc, "last_seen"), t0 + 5 * MIN);
    assert_null(json_object_get(w->doc, "condition_cleared_at")); /* it is back */
    fx_free(f);
}

static struct workorder *resolve(struct fx *f, const struct wo_spec *spec, int64_t at)
{
    struct workorder *w = raise_at(f, spec, at);
    const char *steps[] = {"accepted", "on_site", "resolved"};
    for (int i = 0; i < 3; i++)
        assert_int_equal(fx_status(f, w->id, steps[i], "alice", NULL, NULL, NULL), ST_OK);
    return w;
}

static void test_follow_ups_per_category_reopen_and_missed(void **state)
{
    (void)state;
    fx_tz("Asia/Shanghai");
    int64_t t0 = fx_local(2026, 11, 22, 10, 0, 0);
    struct fx *f = fx_new(t0);
    struct workorder *w = raise_at(f, &pf_low, t0);
    /* not resolved yet: refused; a bad outcome: refused */
    assert_int_equal(fx_status(f, w->id, "followed_up", "dora", NULL, "satisfied", NULL),
                     ST_ERR_STATE);
    assert_int_equal(fx_status(f, w->id, "accepted", "alice", NULL, NULL, NULL), ST_OK);
    assert_int_equal(fx_status(f, w->id, "on_site", "alice", NULL, NULL, NULL), ST_OK);
    assert_int_equal(fx_status(f, w->id, "resolved", "alice", NULL, NULL, NULL), ST_OK);
    assert_int_equal(fx_doc_time(w->doc, "follow_up_by"), t0 + 3 * DAY);
    assert_int_equal(fx_status(f, w->id, "followed_up", "dora", NULL, "great", NULL), ST_ERR_INVAL);
    assert_int_equal(fx_status(f, w->id, "followed_up", "dora", NULL, NULL, NULL), ST_ERR_INVAL);
    /* not satisfied: reopened with a new clock */
    clock_set_fake(t0 + DAY);
    assert_int_equal(fx_status(f, w->id, "followed_up", "dora", "still low", "not_satisfied", NULL),
                     ST_OK);
    assert_string_equal(fx_str(w->doc, "status"), "open");
    assert_int_equal(json_integer_value(json_object_get(w->doc, "reopened")), 1);
    assert_string_equal(fx_str(w->doc, "follow_up_outcome"), "not_satisfied");
    assert_int_equal(fx_doc_time(w->doc, "notify_by"), t0 + DAY + 15 * MIN);
    assert_null(json_object_get(w->doc, "resolved_at"));
    assert_null(json_object_get(w->doc, "owner"));
    assert_ptr_equal(wo_find_dedup(&f->t, w->dedup_key), w); /* in hand again */
    fx_free(f);

    /* home repairs: 30 days; planned maintenance: none */
    f = fx_new(t0);
    w = resolve(f, &home, t0);
    assert_int_equal(fx_doc_time(w->doc, "follow_up_by"), t0 + 30 * DAY);
    struct workorder *g = resolve(f, &genset, t0);
    assert_null(json_object_get(g->doc, "follow_up_by"));
    assert_int_equal(fx_status(f, g->id, "followed_up", "dora", NULL, "satisfied", NULL),
                     ST_ERR_STATE);
    fx_free(f);

    /* missed: an event once, the order still awaits it; after a restart too */
    f = fx_new(t0);
    w = resolve(f, &leak, t0);
    char id[sizeof(w->id)];
    snprintf(id, sizeof(id), "%s", w->id);
    assert_int_equal(fx_status(f, id, "closed", "alice", NULL, NULL, NULL), ST_OK);
    assert_ptr_equal(wo_find(&f->t, id), w); /* closed, awaiting its follow-up */
    assert_int_equal(wo_next_due(w), t0 + 3 * DAY);
    assert_int_equal(fx_at(f, t0 + 3 * DAY - 1), ST_OK);
    assert_null(json_object_get(w->doc, "follow_up_missed"));
    assert_int_equal(fx_at(f, t0 + 3 * DAY), ST_OK);
    assert_true(json_is_true(json_object_get(w->doc, "follow_up_missed")));
    assert_int_equal(wo_next_due(w), 0);
    char *ev = NULL;
    assert_int_equal(store_event_last(f->store, "workorder", &ev), ST_OK);
    assert_non_null(strstr(ev, "\"action\":\"follow_up_missed\""));
    free(ev);
    wo_cleanup(&f->t);
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK);
    w = wo_find(&f->t, id);
    assert_non_null(w);
    assert_int_equal(w->follow_up_missed, 1);
    assert_int_equal(fx_status(f, id, "followed_up", "dora", NULL, "satisfied", NULL), ST_OK);
    assert_null(wo_find(&f->t, id));
    fx_free(f);
}

static void test_an_order_in_hand_a_day_asks_for_progress_daily(void **state)
{
    (void)state;
    fx_tz("Asia/Shanghai");
    int64_t t0 = fx_local(2026, 11, 22, 10, 0, 0);
    struct fx *f = fx_new(t0);
    struct workorder *w = raise_at(f, &pf_low, t0);
    assert_int_equal(fx_status(f, w->id, "accepted", "alice", NULL, NULL, NULL), ST_OK);
    assert_int_equal(fx_at(f, t0 + DAY - 1), ST_OK);
    assert_null(json_object_get(w->doc, "progress_due"));
    assert_int_equal(fx_at(f, t0 + DAY), ST_OK);
    assert_int_equal(fx_doc_time(w->doc, "progress_due"), t0 + DAY);
    assert_int_equal(json_integer_value(json_object_get(w->doc, "progress_requests")), 1);
    char *ev = NULL;
    assert_int_equal(store_event_last(f->store, "workorder", &ev), ST_OK);
    assert_non_null(strstr(ev, "\"action\":\"progress_due\""));
    free(ev);
    /* once a day: not again within it, again the day after */
    assert_int_equal(fx_at(f, t0 + DAY + HOUR), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(w->doc, "progress_requests")), 1);
    /* survives a restart: the next request is still at +2 days */
    wo_cleanup(&f->t);
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK);
    w = f->t.v[0];
    assert_int_equal(w->progress_next, t0 + 2 * DAY);
    assert_int_equal(fx_at(f, t0 + 2 * DAY), ST_OK);
    assert_int_equal(json_integer_value(json_object_get(w->doc, "progress_requests")), 2);
    /* a status change answers it and starts the day again */
    clock_set_fake(t0 + 2 * DAY + HOUR);
    assert_int_equal(fx_status(f, w->id, "on_site", "alice", NULL, NULL, NULL), ST_OK);
    assert_null(json_object_get(w->doc, "progress_due"));
    assert_int_equal(w->progress_next, t0 + 3 * DAY + HOUR);
    /* resolved: no more requests */
    assert_int_equal(fx_status(f, w->id, "resolved", "alice", NULL, NULL, NULL), ST_OK);
    assert_int_equal(fx_at(f, t0 + 4 * DAY + 2 * HOUR), ST_OK);
    assert_null(json_object_get(w->doc, "progress_due"));
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_hours_in_shanghai),
        cmocka_unit_test(test_after_hours_in_berlin_across_daylight_saving),
        cmocka_unit_test(test_every_transition),
        cmocka_unit_test(test_the_lifecycle_stamps_each_step_and_is_idempotent),
        cmocka_unit_test(test_cancel_needs_a_note_from_any_open_status),
        cmocka_unit_test(test_a_cleared_condition_and_a_repeat_are_recorded),
        cmocka_unit_test(test_follow_ups_per_category_reopen_and_missed),
        cmocka_unit_test(test_an_order_in_hand_a_day_asks_for_progress_daily),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
