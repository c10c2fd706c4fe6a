/*
 * Integration test: the service standard's wall-clock rules in the real gateway, run on a faked
 * clock. Debian's libfaketime is preloaded into the gateway process itself (not the `faketime`
 * wrapper), starting at a chosen site-local time and running ten times as fast; mosquitto and
 * this test keep the real clock.
 *
 *   - after hours: a leak raised just before 22:30 site time (Asia/Shanghai) is on site within
 *     15 minutes; a second emergency once the gateway's clock has crossed 22:30 within 10 minutes,
 *     with "after_hours": true. Both were raised after 17:00: reviewed at noon the next day.
 *   - the morning report: the same database, the gateway started again at 08:59 next morning,
 *     publishes P/reports/daily (retained) at 09:00 with that date, the cut-off and deadline, and
 *     the two orders of the night before.
 *   - the daily review's 17:00 cut-off: an order raised at 16:59 is reviewed at 08:30 next day,
 *     one raised after 17:00 at 12:00 next day.
 *
 * Expected times are computed from each order's own created_at. The gateway's own clock is read
 * from its retained P/metrics ("ts"), published every 5 faked seconds. Asia/Shanghai is UTC+8
 * all year (no daylight saving since 1991), which the local-to-UTC conversions below rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gateway/base/clock.h"
#include "tests/integration/harness.h"

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
#define SITE_TZ "Asia/Shanghai"
#define SITE_UTC_OFFSET_MS (8 * 3600 * 1000LL)
#define SPEED " x10"
#define MIN (60 * 1000LL)
#define HOUR (60 * MIN)
#define PREFIX "steward/ft"

#define HEAD                                                                                       \
    "site = { id = \"ft\"; timezone = \"" SITE_TZ "\"; };\n"                                       \
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"" PREFIX "\"; }; };\n"             \
    "storage = { path = \"@DB@\"; };\n"                                                            \
    "metrics = { interval = \"5s\"; };\n"

static const char night_cfg[] =
    HEAD "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"site/leak\"; field = "
         "\"water_leak\"; },\n"
         "            { id = \"smoke\"; kind = \"fire\"; topic = \"site/smoke\"; field = "
         "\"smoke\"; } );\n"
         "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = \"emergency\"; category = "
         "\"plumbing\"; title = \"Leak\"; },\n"
         "          { id = \"fire_room\"; when = \"smoke\"; priority = \"emergency\"; category = "
         "\"fire\"; title = \"Fire\"; } );\n";

static const char cutoff_cfg[] =
    HEAD "sensors = ( { id = \"door1\"; kind = \"door\"; topic = \"site/door1\"; field = "
         "\"open\"; },\n"
         "            { id = \"door2\"; kind = \"door\"; topic = \"site/door2\"; field = "
         "\"open\"; } );\n"
         "rules = ( { id = \"door1_open\"; when = \"door1\"; priority = \"urgent\"; category = "
         "\"security\"; title = \"Door 1 open\"; },\n"
         "          { id = \"door2_open\"; when = \"door2\"; priority = \"urgent\"; category = "
         "\"security\"; title = \"Door 2 open\"; } );\n";

/* ---- time ---- */

/* Site-local wall time (Asia/Shanghai) as UTC milliseconds. mday may run past the month. */
static int64_t site_ms(int year, int mon, int mday, int hour, int min, int sec)
{
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = mday;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    return (int64_t)timegm(&tm) * 1000 - SITE_UTC_OFFSET_MS;
}

/* The site-local calendar day of ms. */
static struct tm site_day(int64_t ms)
{
    time_t secs = (time_t)((ms + SITE_UTC_OFFSET_MS) / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    return tm;
}

/* hh:mm site time, `days` after the site-local day of ms. */
static int64_t site_at(int64_t ms, int days, int hour, int min)
{
    struct tm d = site_day(ms);
    return site_ms(d.tm_year + 1900, d.tm_mon + 1, d.tm_mday + days, hour, min, 0);
}

static int64_t iso(const json_t *o, const char *key)
{
    int64_t ms = 0;
    const char *s = h_json_str(o, key);
    if (clock_parse_iso(s, &ms) != 0) fail_msg("'%s' = '%s' is not an ISO-8601 time", key, s);
    return ms;
}

static void assert_time(const json_t *o, const char *key, int64_t want)
{
    int64_t got = iso(o, key);
    if (got != want) {
        char a[CLOCK_ISO_LEN], b[CLOCK_ISO_LEN];
        fail_msg("'%s' is %s, expected %s", key, clock_iso(got, a), clock_iso(want, b));
    }
}

static void nap_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- the faked gateway ---- */

static char *saved(const char *name)
{
    const char *v = getenv(name);
    return v ? strdup(v) : NULL;
}

static void restore(const char *name, char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
    free(value);
}

/*
 * `steward run` with libfaketime preloaded, its clock starting at start ("YYYY-MM-DD hh:mm:ss",
 * site time) and running SPEED. The variables are set in this process only around the fork of
 * h_gateway_start (the child inherits them at fork; the broker runs already). TZ is the site's
 * so that libfaketime reads the start time as site time: it parses it before the gateway sets TZ
 * from site.timezone. CLOCK_MONOTONIC is faked too (same start, same speed), so the gateway's
 * loop, its ppoll timeouts (scaled by libfaketime) and its wall timers agree. (libfaketime
 * 0.9.10 does not scale a ppoll timeout under one second, so a wall timer may fire up to 10
 * faked seconds late: nothing below depends on a timer's precision.) Each start leaves 60 faked
 * seconds (6 s real) before the boundary it tests, for the gateway to start.
 */
static pid_t gateway_at(struct h_env *e, const char *cfg, const char *start, const char *log)
{
    char ft[64];
    snprintf(ft, sizeof(ft), "@%s%s", start, SPEED);
    char *old_preload = saved("LD_PRELOAD"), *old_ft = saved("FAKETIME"), *old_tz = saved("TZ"),
         *old_asan = saved("ASAN_OPTIONS");
    /* under the sanitizers (make asan): libfaketime comes before the ASan runtime */
    char asan[512];
    snprintf(asan, sizeof(asan), "%s%sverify_asan_link_order=0", old_asan ? old_asan : "",
             old_asan && *old_asan ? ":" : "");
    setenv("LD_PRELOAD", FAKETIME_LIB, 1);
    setenv("FAKETIME", ft, 1);
    setenv("TZ", SITE_TZ, 1);
    setenv("ASAN_OPTIONS", asan, 1);
    pid_t gw = h_gateway_start(e, cfg, log);
    restore("LD_PRELOAD", old_preload);
    restore("FAKETIME", old_ft);
    restore("TZ", old_tz);
    restore("ASAN_OPTIONS", old_asan);
    if (gw <= 0) h_dump_logs(e);
    return gw;
}

/* The gateway's own clock: "ts" of its retained P/metrics (a fresh subscriber gets the latest
 * retained copy first). -1 when none arrives within a second. */
static int64_t gateway_clock(struct h_env *e)
{
    const char *topics[] = {PREFIX "/metrics", NULL};
    struct h_sub *s = h_sub_new(e->mqtt_port, topics);
    if (!s) return -1;
    const struct h_msg *m = h_sub_wait(s, PREFIX "/metrics", NULL, NULL, 1000);
    int64_t ms = -1;
    json_t *o = m ? h_json(m) : NULL;
    if (o && clock_parse_iso(h_json_str(o, "ts"), &ms) != 0) ms = -1;
    json_decref(o);
    h_sub_free(s);
    return ms;
}

/* Polls the gateway's clock until it reads at least `at`; fails after timeout_ms (real). */
static void wait_gateway_clock(struct h_env *e, int64_t at, int timeout_ms)
{
    double end = h_now() + timeout_ms / 1000.0;
    int64_t now = -1;
    while (h_now() < end) {
        now = gateway_clock(e);
        if (now >= at) return;
        nap_ms(100);
    }
    char a[CLOCK_ISO_LEN], b[CLOCK_ISO_LEN];
    h_dump_logs(e);
    fail_msg("the gateway's clock did not reach %s within %d ms (last read %s)", clock_iso(at, a),
             timeout_ms, now >= 0 ? clock_iso(now, b) : "nothing");
}

static void publish(struct h_env *e, const char *topic, const char *p)
{
    assert_int_equal(h_publish(e->mqtt_port, topic, p, strlen(p), 1, 0), 0);
}

/* The first work order of rule (its "created" publication), parsed; the caller decrefs. */
static json_t *order_of(struct h_env *e, struct h_sub *sub, const char *rule)
{
    const struct h_msg *m = h_sub_wait(sub, PREFIX "/workorders/+", "rule", rule, 5000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    json_t *wo = h_json(m);
    assert_non_null(wo);
    return wo;
}

static void stop_gateway(pid_t gw)
{
    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static int in_list(const json_t *list, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(h_json_str(v, "id"), id) == 0) return 1;
    }
    return 0;
}

static const json_t *entry_of(const json_t *list, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (strcmp(h_json_str(v, "id"), id) == 0) return v;
    }
    return NULL;
}

static int has_string(const json_t *list, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return 1;
    }
    return 0;
}

/* Publishes payload on topic and returns the work order of rule, which must have been created
 * on the faked clock within [from, to) ("when" says which part of the day, for the message). */
static json_t *raised_between(struct h_env *e, struct h_sub *sub, const char *topic,
                              const char *payload, const char *rule, int64_t from, int64_t to,
                              const char *when, int64_t *created)
{
    publish(e, topic, payload);
    json_t *o = order_of(e, sub, rule);
    *created = iso(o, "created_at");
    char t[CLOCK_ISO_LEN];
    if (*created < from || *created >= to)
        fail_msg("%s's order was created at %s, expected %s site time on the faked clock (was the "
                 "gateway slow to start?)",
                 rule, clock_iso(*created, t), when);
    return o;
}

static void require_faketime(void)
{
    if (access(FAKETIME_LIB, R_OK) != 0) {
        /* make deps installs it: a missing library is a broken machine, not a reason to pass */
        fail_msg("%s missing: run make deps (Debian's faketime)", FAKETIME_LIB);
    }
}

/* ---- the tests ---- */

static void test_after_hours_from_2230_and_the_morning_report(void **st)
{
    (void)st;
    require_faketime();
    struct h_env *e = h_env_new();
    assert_non_null(e);
    assert_true(h_broker_start(e) > 0); /* before LD_PRELOAD is set: the broker keeps real time */
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "site.cfg", night_cfg));
    const char *topics[] = {PREFIX "/#", NULL};
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(sub);

    /* 22:29:00 site time, ten times as fast: 22:30 comes 6 s (real) after the start. */
    const int64_t start = site_ms(2026, 11, 23, 22, 29, 0),
                  window = site_ms(2026, 11, 23, 22, 30, 0);
    pid_t gw = gateway_at(e, cfg, "2026-11-23 22:29:00", "steward.log");
    assert_true(gw > 0);

    /* Before 22:30: the emergency's own deadlines (on site within 15 min). */
    int64_t created_a;
    json_t *a = raised_between(e, sub, "site/leak", "{\"water_leak\": true}", "leak_room", start,
                               window, "before 22:30", &created_a);
    assert_string_equal(h_json_str(a, "priority"), "emergency");
    assert_false(json_is_true(json_object_get(a, "after_hours")));
    assert_int_equal(iso(a, "notify_by") - created_a, 1 * MIN);
    assert_int_equal(iso(a, "respond_by") - created_a, 15 * MIN);
    assert_int_equal(iso(a, "resolve_by") - created_a, 24 * HOUR);
    /* raised after 17:00 site time (but before 17:00 UTC): reviewed at 12:00 next day */
    assert_string_equal(h_json_str(a, "next_review"), "noon");
    assert_time(a, "next_review_at", site_at(created_a, 1, 12, 0));
    char id_a[64];
    snprintf(id_a, sizeof(id_a), "%s", h_json_str(a, "id"));
    json_decref(a);

    /* Wait for the gateway's clock to cross 22:30 (about 6 s real at most). */
    wait_gateway_clock(e, window, 15000);

    /* After 22:30: another emergency (another dedup key) must be on site within 10 min. */
    int64_t created_b;
    json_t *b = raised_between(e, sub, "site/smoke", "{\"smoke\": true}", "fire_room", window,
                               window + 10 * MIN, "just after 22:30", &created_b);
    assert_true(json_is_true(json_object_get(b, "after_hours")));
    assert_int_equal(iso(b, "notify_by") - created_b, 1 * MIN);
    assert_int_equal(iso(b, "respond_by") - created_b, 10 * MIN);
    assert_int_equal(iso(b, "resolve_by") - created_b, 24 * HOUR);
    assert_string_equal(h_json_str(b, "next_review"), "noon");
    assert_time(b, "next_review_at", site_at(created_b, 1, 12, 0));
    char id_b[64];
    snprintf(id_b, sizeof(id_b), "%s", h_json_str(b, "id"));
    assert_string_not_equal(id_a, id_b);
    json_decref(b);
    stop_gateway(gw);

    /* Next morning, the same database: the gateway up at 08:59:00 publishes the morning report at
     * 09:00 (6 s real later). */
    const char *rtopics[] = {PREFIX "/reports/daily", NULL};
    struct h_sub *rsub = h_sub_new(e->mqtt_port, rtopics);
    assert_non_null(rsub);
    gw = gateway_at(e, cfg, "2026-11-24 08:59:00", "steward2.log");
    assert_true(gw > 0);
    const struct h_msg *m = h_sub_wait(rsub, PREFIX "/reports/daily", "report", "daily", 15000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    json_t *r = h_json(m);
    assert_non_null(r);
    const int64_t at = site_ms(2026, 11, 24, 9, 0, 0);
    assert_string_equal(h_json_str(r, "site"), "ft");
    assert_string_equal(h_json_str(r, "date"), "2026-11-24");
    assert_time(r, "report_at", at);
    int64_t generated = iso(r, "generated_at");
    assert_true(generated >= at && generated < at + 1 * MIN);
    assert_time(r, "cutoff", site_ms(2026, 11, 23, 17, 0, 0));
    assert_time(r, "deadline", site_ms(2026, 11, 24, 17, 0, 0));
    /* both orders were raised after yesterday's 17:00 cut-off: deadline 17:00 today */
    const json_t *after = json_object_get(r, "raised_after_cutoff");
    assert_true(in_list(after, id_a));
    assert_true(in_list(after, id_b));
    assert_time(entry_of(after, id_a), "deadline", site_ms(2026, 11, 24, 17, 0, 0));
    assert_int_equal(json_array_size(json_object_get(r, "raised_before_cutoff")), 0);
    /* nobody accepted or came: both missed notify and respond, not yet resolve */
    const json_t *overdue = json_object_get(r, "overdue");
    for (int i = 0; i < 2; i++) {
        const json_t *o = entry_of(overdue, i ? id_b : id_a);
        assert_non_null(o);
        const json_t *missed = json_object_get(o, "missed");
        assert_true(has_string(missed, "notify"));
        assert_true(has_string(missed, "respond"));
        assert_false(has_string(missed, "resolve"));
    }
    json_t *y = json_object_get(json_object_get(r, "yesterday"), "emergency");
    assert_int_equal(json_integer_value(json_object_get(y, "raised")), 2);
    json_decref(r);
    h_sub_free(rsub);

    /* retained: a subscriber arriving later gets it */
    rsub = h_sub_new(e->mqtt_port, rtopics);
    assert_non_null(rsub);
    m = h_sub_wait(rsub, PREFIX "/reports/daily", "date", "2026-11-24", 3000);
    assert_non_null(m);
    assert_int_equal(m->retain, 1);
    h_sub_free(rsub);

    stop_gateway(gw);
    h_sub_free(sub);
    int clean = h_logs_clean(e);
    h_cleanup_all();
    free(e);
    assert_true(clean);
}

static void test_daily_review_cutoff_at_1700(void **st)
{
    (void)st;
    require_faketime();
    struct h_env *e = h_env_new();
    assert_non_null(e);
    assert_true(h_broker_start(e) > 0);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "site.cfg", cutoff_cfg));
    const char *topics[] = {PREFIX "/#", NULL};
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(sub);

    const int64_t start = site_ms(2026, 11, 24, 16, 59, 0),
                  cutoff = site_ms(2026, 11, 24, 17, 0, 0);
    pid_t gw = gateway_at(e, cfg, "2026-11-24 16:59:00", "steward.log");
    assert_true(gw > 0);

    /* Before 17:00: reviewed at 08:30 next morning. */
    int64_t created_c;
    json_t *c = raised_between(e, sub, "site/door1", "{\"open\": true}", "door1_open", start,
                               cutoff, "before 17:00", &created_c);
    assert_string_equal(h_json_str(c, "priority"), "urgent");
    assert_int_equal(iso(c, "respond_by") - created_c, 30 * MIN);
    assert_string_equal(h_json_str(c, "next_review"), "morning");
    assert_time(c, "next_review_at", site_at(created_c, 1, 8, 30));
    json_decref(c);

    wait_gateway_clock(e, cutoff, 15000);

    /* At or after 17:00: reviewed at 12:00 next day. */
    int64_t created_d;
    json_t *d = raised_between(e, sub, "site/door2", "{\"open\": true}", "door2_open", cutoff,
                               cutoff + 10 * MIN, "just after 17:00", &created_d);
    assert_string_equal(h_json_str(d, "next_review"), "noon");
    assert_time(d, "next_review_at", site_at(created_d, 1, 12, 0));
    /* urgent orders keep their deadlines whatever the hour */
    assert_false(json_is_true(json_object_get(d, "after_hours")));
    assert_int_equal(iso(d, "respond_by") - created_d, 30 * MIN);
    json_decref(d);

    stop_gateway(gw);
    h_sub_free(sub);
    int clean = h_logs_clean(e);
    h_cleanup_all();
    free(e);
    assert_true(clean);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_hours_from_2230_and_the_morning_report),
        cmocka_unit_test(test_daily_review_cutoff_at_1700),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
