/* Unit tests: the morning report and the monthly KPIs (gateway/work/report.c) against a known
 * set of orders in Asia/Shanghai, the morning report's publication on P/reports/daily at
 * review.report_at, and `steward report` (gateway/cli/report_work.c) reading the same database,
 * on a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gateway/cli/cli.h"
#include "gateway/work/report.h"
#include "sla_fx.h"

static struct workorder *raise_at(struct fx *f, const char *source, const char *rule,
                                  const char *category, enum priority p, int64_t at)
{
    struct wo_spec spec = {source, rule, "A-1", "B2", category, rule, p};
    struct workorder *w = NULL;
    assert_int_equal(fx_at(f, at), ST_OK);
    assert_int_equal(wo_raise(&f->t, &spec, NULL, at, &w), ST_OK);
    assert_int_equal(store_commit(f->store), ST_OK);
    return w;
}

/* Moves to at (running the timers: escalations happen as they would) and sets the status. */
static void step(struct fx *f, const char *id, int64_t at, const char *status, const char *outcome)
{
    assert_int_equal(fx_at(f, at), ST_OK);
    assert_int_equal(
        fx_status(f, id, status, "alice", status[0] == 'c' ? "why" : NULL, outcome, NULL), ST_OK);
}

static const json_t *group(const json_t *r, const char *name)
{
    const json_t *g = json_object_get(json_object_get(r, "groups"), name);
    assert_non_null(g);
    return g;
}

static double num(const json_t *g, const char *key)
{
    const json_t *v = json_object_get(g, key);
    if (!json_is_number(v)) fail_msg("%s is not a number", key);
    return json_number_value(v);
}

static double stat(const json_t *g, const char *key, const char *s)
{
    return num(json_object_get(g, key), s);
}

static char *run_cli(struct fx *f, struct cli_opts *o)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_int_equal(cli_report_work(&f->cfg, o, out), 0);
    fclose(out);
    return buf;
}

static void test_monthly_kpis_of_a_known_month(void **state)
{
    (void)state;
    fx_tz("Asia/Shanghai");
    struct fx *f = fx_new(fx_local(2026, 10, 31, 12, 0, 0));
    char id[8][96];
    /* U1: 2026-11-01 00:30 local (still October in UTC): counts in November; never accepted. */
    int64_t u1 = fx_local(2026, 11, 1, 0, 30, 0);
    snprintf(id[0], 96, "%s", raise_at(f, "rule", "u1", "security", PRIO_URGENT, u1)->id);
    /* E1: every step on time, followed up satisfied. */
    int64_t e1 = fx_local(2026, 11, 2, 10, 0, 0);
    snprintf(id[1], 96, "%s", raise_at(f, "rule", "e1", "plumbing", PRIO_EMERGENCY, e1)->id);
    step(f, id[1], e1 + 30000, "accepted", NULL);
    step(f, id[1], e1 + 10 * MIN, "on_site", NULL);
    step(f, id[1], e1 + 2 * HOUR, "resolved", NULL);
    step(f, id[1], e1 + 5 * HOUR, "followed_up", "satisfied");
    /* E2: after hours (on site within 10 min), accepted late, on site late: escalated twice. */
    int64_t e2 = fx_local(2026, 11, 3, 23, 0, 0);
    snprintf(id[2], 96, "%s", raise_at(f, "rule", "e2", "electrical", PRIO_EMERGENCY, e2)->id);
    step(f, id[2], e2 + 2 * MIN, "accepted", NULL);
    step(f, id[2], e2 + 12 * MIN, "on_site", NULL);
    step(f, id[2], e2 + 3 * HOUR, "resolved", NULL);
    /* N1: on time; N2 cancelled; M1 planned maintenance done on time. */
    int64_t n1 = fx_local(2026, 11, 5, 10, 0, 0);
    snprintf(id[3], 96, "%s", raise_at(f, "rule", "n1", "electrical", PRIO_NORMAL, n1)->id);
    step(f, id[3], n1 + 10 * MIN, "accepted", NULL);
    step(f, id[3], n1 + HOUR, "on_site", NULL);
    step(f, id[3], n1 + 20 * HOUR, "resolved", NULL);
    step(f, id[3], n1 + 21 * HOUR, "closed", NULL);
    int64_t n2 = fx_local(2026, 11, 6, 10, 0, 0);
    snprintf(id[4], 96, "%s", raise_at(f, "rule", "n2", "electrical", PRIO_NORMAL, n2)->id);
    step(f, id[4], n2 + MIN, "cancelled", NULL);
    int64_t m1 = fx_local(2026, 11, 10, 9, 0, 0);
    snprintf(id[5], 96, "%s", raise_at(f, "maintenance", "m1", "electrical", PRIO_NORMAL, m1)->id);
    step(f, id[5], m1 + 5 * MIN, "accepted", NULL);
    step(f, id[5], m1 + 10 * MIN, "on_site", NULL);
    step(f, id[5], m1 + HOUR, "resolved", NULL);
    /* U2: 2026-12-01 00:30 local (November in UTC): December's. */
    int64_t u2 = fx_local(2026, 12, 1, 0, 30, 0);
    snprintf(id[6], 96, "%s", raise_at(f, "rule", "u2", "security", PRIO_URGENT, u2)->id);
    assert_int_equal(fx_at(f, fx_local(2026, 12, 5, 12, 0, 0)), ST_OK);
    /* a restart changes nothing: the figures come from the database */
    wo_cleanup(&f->t);
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK);

    json_t *r = NULL;
    assert_int_equal(report_month(f->store, &f->cfg, 2026, 11, clock_wall_ms(), &r), ST_OK);
    assert_string_equal(fx_str(r, "from"), "2026-10-31T16:00:00.000Z");
    assert_string_equal(fx_str(r, "to"), "2026-11-30T16:00:00.000Z");
    const json_t *em = group(r, "emergency"), *ur = group(r, "urgent"), *no = group(r, "normal"),
                 *all = group(r, "overall");
    assert_int_equal(num(em, "raised_repairs"), 2);
    assert_true(num(em, "accepted_by_notify") == 0.5);
    assert_true(num(em, "on_site_by_respond") == 0.5);
    assert_true(num(em, "resolved_by_resolve") == 1.0);
    assert_true(num(em, "on_time_rate") == 0.5);
    assert_true(stat(em, "time_to_accept", "mean_s") == 75.0);
    assert_true(stat(em, "time_to_accept", "p90_s") == 120.0);
    assert_true(stat(em, "time_to_resolve", "mean_s") == 9000.0);
    assert_true(stat(em, "time_to_resolve", "p90_s") == 10800.0);
    assert_true(num(em, "follow_up_rate") == 0.5);
    assert_true(num(em, "satisfaction") == 1.0);
    const json_t *esc = json_object_get(em, "escalations");
    assert_int_equal(json_integer_value(json_object_get(esc, "1")), 1);
    assert_int_equal(json_integer_value(json_object_get(esc, "2")), 1);
    assert_int_equal(num(ur, "raised_repairs"), 1); /* U1 in, U2 not */
    assert_true(num(ur, "accepted_by_notify") == 0.0);
    assert_true(num(ur, "on_time_rate") == 0.0);
    assert_true(json_is_null(json_object_get(json_object_get(ur, "time_to_accept"), "mean_s")));
    assert_int_equal(num(no, "raised_repairs"), 2);
    assert_int_equal(num(no, "raised_planned"), 1);
    assert_int_equal(num(no, "cancelled"), 1);
    assert_true(num(no, "on_time_rate") == 1.0);
    assert_true(num(no, "planned_on_time") == 1.0);
    assert_int_equal(num(all, "raised_repairs"), 5);
    assert_true(num(all, "on_time_rate") == 0.5);
    assert_false(json_is_true(json_object_get(all, "meets_target")));
    assert_true(num(all, "follow_up_rate") == 1.0 / 3.0);
    json_decref(r);

    /* December holds U2 only. */
    assert_int_equal(report_month(f->store, &f->cfg, 2026, 12, clock_wall_ms(), &r), ST_OK);
    assert_int_equal(num(group(r, "overall"), "raised_repairs"), 1);
    json_decref(r);

    /* The command line prints the same, from the database. */
    struct cli_opts o = {.command = "report", .month = "2026-11"};
    char *text = run_cli(f, &o);
    assert_non_null(strstr(text, "Monthly KPIs 2026-11"));
    assert_non_null(strstr(text, "2026-11-01 00:00:00 +08:00"));
    assert_non_null(strstr(text, "on-time handling falls short of the standard's 90 %"));
    free(text);
    o.csv = 1;
    text = run_cli(f, &o);
    assert_non_null(strstr(text, "group,raised_repairs,raised_planned"));
    assert_non_null(strstr(text, "\nemergency,2,0,0,0.5000,0.5000,1.0000,0.5000,no,75,120,"));
    assert_non_null(strstr(text, "\noverall,5,1,1,"));
    free(text);
    o.csv = 0;
    o.json = 1;
    text = run_cli(f, &o);
    json_error_t jerr;
    r = json_loads(text, 0, &jerr);
    assert_non_null(r);
    assert_int_equal(num(group(r, "overall"), "raised_repairs"), 5);
    json_decref(r);
    free(text);
    struct cli_opts bad = {.command = "report", .month = "2026-13"};
    FILE *null = fopen("/dev/null", "w");
    assert_int_equal(cli_report_work(&f->cfg, &bad, null), 1);
    fclose(null);
    fx_free(f);
}

static int find_report(void *ctx, int64_t id, const char *topic, const void *payload, size_t len,
                       int qos, int retain)
{
    (void)id, (void)qos;
    char **out = ctx;
    if (strcmp(topic, "steward/hq_tower/reports/daily") == 0 && retain && len) {
        free(*out);
        *out = strndup(payload, len);
    }
    return 0;
}

static void test_the_morning_report_published_and_printed(void **state)
{
    (void)state;
    fx_tz("Asia/Shanghai");
    struct fx *f = fx_new(fx_local(2026, 11, 20, 8, 0, 0));
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK); /* arms the report */
    assert_int_equal(f->t.report_due, fx_local(2026, 11, 20, 9, 0, 0));
    /* D: resolved on the 20th, its follow-up due on the 23rd at 11:00 */
    int64_t d = fx_local(2026, 11, 20, 10, 0, 0);
    char did[96], aid[96], bid[96];
    snprintf(did, 96, "%s", raise_at(f, "rule", "d", "plumbing", PRIO_EMERGENCY, d)->id);
    step(f, did, d + 30000, "accepted", NULL);
    step(f, did, d + 5 * MIN, "on_site", NULL);
    step(f, did, d + HOUR, "resolved", NULL);
    /* A: yesterday 10:00, unresolved; C: yesterday, resolved; B: yesterday 18:00, unresolved */
    int64_t a = fx_local(2026, 11, 22, 10, 0, 0), b = fx_local(2026, 11, 22, 18, 0, 0);
    snprintf(aid, 96, "%s", raise_at(f, "rule", "a", "electrical", PRIO_EMERGENCY, a)->id);
    char cid[96];
    snprintf(cid, 96, "%s", raise_at(f, "rule", "c", "plumbing", PRIO_EMERGENCY, a + HOUR)->id);
    step(f, cid, a + HOUR + 30000, "accepted", NULL);
    step(f, cid, a + HOUR + MIN, "on_site", NULL);
    step(f, cid, a + 2 * HOUR, "resolved", NULL);
    snprintf(bid, 96, "%s", raise_at(f, "rule", "b", "electrical", PRIO_NORMAL, b)->id);
    /* 09:00 on the 23rd: published, retained, through the journal */
    assert_int_equal(fx_at(f, fx_local(2026, 11, 23, 8, 59, 59)), ST_OK);
    int64_t at = fx_local(2026, 11, 23, 9, 0, 0);
    assert_int_equal(f->t.report_due, at);
    assert_int_equal(fx_at(f, at), ST_OK);
    assert_int_equal(f->t.report_due, fx_local(2026, 11, 24, 9, 0, 0));
    char *text = NULL;
    assert_int_equal(store_outbox_pending(f->store, 0, 100000, find_report, &text), 0);
    assert_non_null(text);
    json_error_t jerr;
    json_t *r = json_loads(text, 0, &jerr);
    free(text);
    assert_non_null(r);
    assert_string_equal(fx_str(r, "date"), "2026-11-23");
    assert_string_equal(fx_str(r, "report_at"), "2026-11-23T01:00:00.000Z"); /* UTC in JSON */
    const json_t *before = json_object_get(r, "raised_before_cutoff");
    assert_int_equal(json_array_size(before), 1);
    assert_string_equal(fx_str(json_array_get(before, 0), "id"), aid);
    const json_t *after = json_object_get(r, "raised_after_cutoff");
    assert_int_equal(json_array_size(after), 1);
    assert_string_equal(fx_str(json_array_get(after, 0), "id"), bid);
    assert_string_equal(fx_str(json_array_get(after, 0), "deadline"), "2026-11-23T09:00:00.000Z");
    assert_int_equal(json_array_size(json_object_get(r, "overdue")), 2);   /* A and B */
    assert_int_equal(json_array_size(json_object_get(r, "escalated")), 2); /* A and B */
    const json_t *fu = json_object_get(r, "follow_ups_due");
    assert_int_equal(json_array_size(fu), 1);
    assert_string_equal(fx_str(json_array_get(fu, 0), "id"), did);
    const json_t *y = json_object_get(r, "yesterday");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(y, "emergency"), "raised")),
                     2);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(y, "emergency"), "resolved")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(y, "normal"), "raised")),
                     1);
    assert_true(
        json_integer_value(json_object_get(json_object_get(y, "emergency"), "escalations")) >= 1);
    char *ev = NULL;
    assert_int_equal(store_event_last(f->store, "report", &ev), ST_OK);
    assert_non_null(strstr(ev, "\"date\":\"2026-11-23\""));
    free(ev);

    /* steward report daily --date: the same lists, times for people in local time */
    struct cli_opts o = {.command = "report", .pos = {"daily"}, .npos = 1, .date = "2026-11-23"};
    clock_set_fake(at);
    text = run_cli(f, &o);
    assert_non_null(strstr(text, "Morning report 2026-11-23"));
    assert_non_null(strstr(text, "Raised before 17:00 yesterday, unresolved: 1"));
    assert_non_null(strstr(text, "Raised after 17:00 yesterday, unresolved: 1"));
    assert_non_null(strstr(text, "deadline 2026-11-23 17:00:00 +08:00"));
    assert_non_null(strstr(text, "Follow-ups due: 1"));
    assert_non_null(strstr(text, aid));
    free(text);
    o.json = 1;
    text = run_cli(f, &o);
    json_t *again = json_loads(text, 0, &jerr);
    free(text);
    assert_non_null(again);
    assert_true(json_equal(json_object_get(again, "raised_after_cutoff"), after));
    assert_true(json_equal(json_object_get(again, "yesterday"), y));
    json_decref(again);
    json_decref(r);

    /* A restart before 09:00 has missed nothing: the report is due at 09:00 as usual. */
    clock_set_fake(fx_local(2026, 11, 24, 8, 0, 0));
    wo_cleanup(&f->t);
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK);
    assert_int_equal(f->t.report_due, fx_local(2026, 11, 24, 9, 0, 0));
    /* Down across 09:00 on the 24th, back at 11:00: the 24th's report is held at once. */
    clock_set_fake(fx_local(2026, 11, 24, 11, 0, 0));
    wo_cleanup(&f->t);
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK);
    assert_int_equal(f->t.report_due, fx_local(2026, 11, 24, 9, 0, 0));
    assert_int_equal(fx_at(f, fx_local(2026, 11, 24, 11, 0, 0)), ST_OK);
    assert_int_equal(f->t.report_due, fx_local(2026, 11, 25, 9, 0, 0));
    ev = NULL;
    assert_int_equal(store_event_last(f->store, "report", &ev), ST_OK);
    assert_non_null(strstr(ev, "\"date\":\"2026-11-24\""));
    free(ev);
    /* and only once: a second restart that day waits for the 25th */
    clock_set_fake(fx_local(2026, 11, 24, 12, 0, 0));
    wo_cleanup(&f->t);
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK);
    assert_int_equal(f->t.report_due, fx_local(2026, 11, 25, 9, 0, 0));
    fx_free(f);
}

static void test_report_times(void **state)
{
    (void)state;
    fx_tz("Europe/Berlin");
    struct config cfg = {0};
    cfg.sla.report_at_min = 9 * 60;
    int64_t at = 0;
    assert_int_equal(report_at_date(&cfg, "2026-03-29", &at), ST_OK); /* DST began that night */
    assert_int_equal(at, fx_local(2026, 3, 29, 9, 0, 0));
    assert_int_equal(at % (86400 * 1000LL), 7 * HOUR); /* 09:00 +02:00 */
    assert_int_equal(report_next(&cfg, at), fx_local(2026, 3, 30, 9, 0, 0));
    assert_int_equal(report_next(&cfg, at - 1), at);
    assert_int_equal(report_last(&cfg, at), at);
    assert_int_equal(report_last(&cfg, at - 1), fx_local(2026, 3, 28, 9, 0, 0));
    assert_int_equal(report_at_date(&cfg, "2026-3-29", &at), ST_ERR_INVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_monthly_kpis_of_a_known_month),
        cmocka_unit_test(test_the_morning_report_published_and_printed),
        cmocka_unit_test(test_report_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
