/*
 * Unit tests: `steward report alarms --month YYYY-MM [--json]` (gateway/cli/report_alarms.c)
 * against a known history: alarm and flood events written through the journal into a real
 * SQLite store at known times on the fake clock, then the report's figures read back from its
 * JSON: the rate per 10 minutes (average and peak), the share of time in flood (a flood carried
 * in from the month before included), the most frequent alarms, a chattering alarm, alarms
 * active for more than 24 hours (one carried in, one still active), shelved time (one shelf
 * ended early, one by its end, one past the month's end) and out-of-service time. The month is
 * the site's: Asia/Singapore, +08:00.
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
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/cli/cli.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"

#define MIN 60000LL
#define HOUR (60 * MIN)

struct fx {
    char dir[64], db[96];
    struct config *cfg;
    struct store *store;
    struct journal j;
};

static int64_t at(const char *iso)
{
    int64_t ms;
    assert_int_equal(clock_parse_iso(iso, &ms), ST_OK);
    return ms;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    setenv("TZ", "Asia/Singapore", 1);
    tzset();
    snprintf(f->dir, sizeof(f->dir), "/tmp/steward-report-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/site.db", f->dir);
    assert_int_equal(config_load("config/examples/demo.cfg", &f->cfg, NULL), 0);
    free(f->cfg->storage.path);
    f->cfg->storage.path = strdup(f->db);
    clock_set_fake(at("2026-10-01T00:00:00.000Z"));
    assert_int_equal(store_open(f->db, 0, &f->store), ST_OK);
    f->j = (struct journal){f->store, f->cfg->upstream.topic_prefix};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->store);
    config_free(f->cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    clock_set_real();
    free(f);
    return 0;
}

/* An alarm event at its time, as alarm_doc.c records one. */
static void alarm_ev(struct fx *f, const char *when, const char *alarm, const char *transition,
                     const char *from, const char *to, const char *priority)
{
    clock_set_fake(at(when));
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "alarm", alarm, "transition", transition,
                           "from", from, "to", to, "priority", priority);
    assert_int_equal(journal_event(&f->j, "alarm", ev), ST_OK);
    json_decref(ev);
}

static void raise_clear(struct fx *f, const char *raised, const char *cleared, const char *alarm,
                        const char *priority)
{
    alarm_ev(f, raised, alarm, "raised", "normal", "active_unack", priority);
    alarm_ev(f, cleared, alarm, "cleared", "active_unack", "rtn_unack", priority);
}

static void shelve(struct fx *f, const char *when, const char *alarm, const char *until)
{
    clock_set_fake(at(when));
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "alarm", alarm, "transition", "shelved",
                           "from", "normal", "to", "shelved", "priority", "urgent");
    journal_set_time(ev, "until", at(until));
    assert_int_equal(journal_event(&f->j, "alarm", ev), ST_OK);
    json_decref(ev);
}

static void flood_ev(struct fx *f, const char *when, const char *state)
{
    clock_set_fake(at(when));
    json_t *ev = json_pack("{s:s}", "state", state);
    assert_int_equal(journal_event(&f->j, "flood", ev), ST_OK);
    json_decref(ev);
}

/* The known history of November 2026 (Singapore: 2026-10-31T16:00Z to 2026-11-30T16:00Z). */
static void write_history(struct fx *f)
{
    /* Raised in October, cleared on 2 November: active 72 h, its raise not November's. */
    raise_clear(f, "2026-10-30T00:00:00.000Z", "2026-11-02T00:00:00.000Z", "pf_low", "normal");
    /* A flood from October: 30 minutes of it in November. */
    flood_ev(f, "2026-10-31T15:00:00.000Z", "begin");
    flood_ev(f, "2026-10-31T16:30:00.000Z", "end");
    /* A shelf from October: its last 2 hours are November's, the shelf is not. */
    shelve(f, "2026-10-31T14:00:00.000Z", "door_after_hours", "2026-10-31T18:00:00.000Z");
    raise_clear(f, "2026-11-03T00:00:00.000Z", "2026-11-03T01:00:00.000Z", "tx1_overtemp",
                "emergency");
    /* A leak chattering: 7 raises 90 s apart, in one 10-minute period (18:00 local). */
    for (int i = 0; i < 7; i++) {
        char r[32], c[32];
        int64_t t = at("2026-11-05T10:00:00.000Z") + i * 90000LL;
        raise_clear(f, clock_iso(t, r), clock_iso(t + 30000, c), "leak_pump_room", "emergency");
    }
    /* A flood of 36 minutes. */
    flood_ev(f, "2026-11-10T00:00:00.000Z", "begin");
    flood_ev(f, "2026-11-10T00:36:00.000Z", "end");
    /* Shelves: 2 h (unshelved early), 4 h (its end), 1 h of 3 (the month ends), and October's. */
    shelve(f, "2026-11-12T00:00:00.000Z", "door_after_hours", "2026-11-12T08:00:00.000Z");
    alarm_ev(f, "2026-11-12T02:00:00.000Z", "door_after_hours", "unshelved", "shelved", "normal",
             "urgent");
    shelve(f, "2026-11-13T00:00:00.000Z", "door_after_hours", "2026-11-13T04:00:00.000Z");
    /* A meter dropping out every 2 minutes: 6 raises, never more than 5 within 10 minutes. */
    for (int i = 0; i < 6; i++) {
        char r[32], c[32];
        int64_t t = at("2026-11-15T00:00:00.000Z") + i * 2 * MIN;
        raise_clear(f, clock_iso(t, r), clock_iso(t + MIN, c), "comm_main_meter", "urgent");
    }
    shelve(f, "2026-11-30T15:00:00.000Z", "door_after_hours", "2026-11-30T18:00:00.000Z");
    /* Out of service: 30 h, then 24 h still going on when the month ends. */
    alarm_ev(f, "2026-11-20T00:00:00.000Z", "pf_low", "out_of_service", "rtn_unack",
             "out_of_service", "normal");
    alarm_ev(f, "2026-11-21T06:00:00.000Z", "pf_low", "in_service", "out_of_service", "normal",
             "normal");
    alarm_ev(f, "2026-11-29T16:00:00.000Z", "tx1_overtemp", "out_of_service", "rtn_unack",
             "out_of_service", "emergency");
    /* Fire raised and acknowledged, never cleared: still active at the end. */
    alarm_ev(f, "2026-11-25T00:00:00.000Z", "fire_b2", "raised", "normal", "active_unack",
             "emergency");
    alarm_ev(f, "2026-11-25T01:00:00.000Z", "fire_b2", "acked", "active_unack", "active_ack",
             "emergency");
    /* December's: not counted. */
    raise_clear(f, "2026-12-01T00:00:00.000Z", "2026-12-01T00:01:00.000Z", "leak_pump_room",
                "emergency");
    assert_int_equal(store_commit(f->store), ST_OK);
}

/* Runs the report for month (as of now on the fake clock); returns its code, *out its text. */
static int report(struct fx *f, const char *month, int json, char **out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    assert_non_null(fp);
    struct cli_opts o = {.command = "report", .month = month, .json = json};
    int code = cli_report_alarms(f->cfg, &o, fp);
    fclose(fp);
    *out = buf;
    return code;
}

static json_t *report_json(struct fx *f, const char *month)
{
    char *text;
    assert_int_equal(report(f, month, 1, &text), 0);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    if (!doc) print_message("%s\n%s\n", jerr.text, text);
    assert_non_null(doc);
    free(text);
    return doc;
}

static json_int_t jint(json_t *o, const char *path)
{
    char key[64];
    snprintf(key, sizeof(key), "%s", path);
    json_t *v = o;
    for (char *k = strtok(key, "."); k; k = strtok(NULL, "."))
        v = json_is_array(v) ? json_array_get(v, (size_t)atoi(k)) : json_object_get(v, k);
    assert_true(json_is_integer(v));
    return json_integer_value(v);
}

static double jreal(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(json_object_get(o, a), b);
    assert_true(json_is_number(v));
    return json_number_value(v);
}

static const char *jstr_at(json_t *arr, size_t i, const char *key)
{
    const char *s = json_string_value(json_object_get(json_array_get(arr, i), key));
    return s ? s : "(null)";
}

static void test_the_report_of_a_known_month_gives_its_figures(void **state)
{
    struct fx *f = *state;
    write_history(f);
    clock_set_fake(at("2026-12-15T00:00:00.000Z"));
    json_t *d = report_json(f, "2026-11");

    assert_string_equal(json_string_value(json_object_get(d, "from")), "2026-10-31T16:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(d, "to")), "2026-11-30T16:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(d, "history_from")),
                        "2026-10-30T00:00:00.000Z");
    assert_int_equal(jint(d, "operators"), 1);
    /* 1 tx1 + 7 leak + 6 comm + 1 fire; pf_low's October raise and December's leak excluded. */
    assert_int_equal(jint(d, "alarms_raised"), 15);
    assert_int_equal(jint(d, "per_operator_per_10min.periods"), 30 * 144);
    assert_true(jreal(d, "per_operator_per_10min", "average") > 15.0 / 4320 - 1e-6);
    assert_true(jreal(d, "per_operator_per_10min", "average") < 15.0 / 4320 + 1e-6);
    assert_int_equal(jint(d, "per_operator_per_10min.peak"), 7);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "per_operator_per_10min"), "peak_at")),
        "2026-11-05T10:00:00.000Z");
    assert_int_equal(jint(d, "per_operator_per_10min.periods_over_10"), 0);
    assert_int_equal(jint(d, "by_priority.emergency"), 9);
    assert_int_equal(jint(d, "by_priority.urgent"), 6);
    assert_int_equal(jint(d, "by_priority.normal"), 0);

    /* Flood: 30 minutes carried in from October plus 36: 66 minutes of 30 days. */
    assert_int_equal(jint(d, "flood.floods"), 1);
    assert_int_equal(jint(d, "flood.seconds"), 66 * 60);
    assert_true(jreal(d, "flood", "share") > 3960.0 / 2592000 - 1e-6);
    assert_true(jreal(d, "flood", "share") < 3960.0 / 2592000 + 1e-6);

    json_t *top = json_object_get(d, "most_frequent");
    assert_int_equal(json_array_size(top), 4);
    assert_string_equal(jstr_at(top, 0, "alarm"), "leak_pump_room");
    assert_int_equal(jint(d, "most_frequent.0.raised"), 7);
    assert_string_equal(jstr_at(top, 1, "alarm"), "comm_main_meter");
    assert_int_equal(jint(d, "most_frequent.1.raised"), 6);
    assert_string_equal(jstr_at(top, 2, "alarm"), "fire_b2");
    assert_string_equal(jstr_at(top, 3, "alarm"), "tx1_overtemp"); /* ties by id */

    json_t *chat = json_object_get(d, "chattering"); /* the meter is not */
    assert_int_equal(json_array_size(chat), 1);
    assert_string_equal(jstr_at(chat, 0, "alarm"), "leak_pump_room");
    assert_int_equal(jint(d, "chattering.0.max_in_window"), 7);
    assert_string_equal(jstr_at(json_object_get(d, "chattering"), 0, "window"), "10m");

    json_t *stale = json_object_get(d, "active_over_24h");
    assert_int_equal(json_array_size(stale), 2);
    assert_string_equal(jstr_at(stale, 0, "alarm"), "pf_low");
    assert_string_equal(jstr_at(stale, 0, "since"), "2026-10-30T00:00:00.000Z");
    assert_string_equal(jstr_at(stale, 0, "until"), "2026-11-02T00:00:00.000Z");
    assert_string_equal(jstr_at(stale, 1, "alarm"), "fire_b2");
    assert_true(json_is_null(json_object_get(json_array_get(stale, 1), "until")));
    double hours = json_number_value(json_object_get(json_array_get(stale, 1), "hours"));
    assert_true(hours > 135.99 && hours < 136.01); /* 25 Nov 00:00Z to 30 Nov 16:00Z */

    json_t *sh = json_object_get(d, "shelved");
    assert_int_equal(json_array_size(sh), 1);
    assert_string_equal(jstr_at(sh, 0, "alarm"), "door_after_hours");
    assert_int_equal(jint(d, "shelved.0.shelves"), 3);
    assert_int_equal(jint(d, "shelved.0.seconds"), (2 + 2 + 4 + 1) * 3600);

    json_t *oos = json_object_get(d, "out_of_service");
    assert_int_equal(json_array_size(oos), 2);
    for (size_t i = 0; i < 2; i++) {
        const char *id = jstr_at(oos, i, "alarm");
        json_int_t secs = json_integer_value(json_object_get(json_array_get(oos, i), "seconds"));
        if (strcmp(id, "pf_low") == 0)
            assert_int_equal(secs, 30 * 3600);
        else if (strcmp(id, "tx1_overtemp") == 0)
            assert_int_equal(secs, 24 * 3600);
        else
            fail_msg("unexpected out-of-service alarm %s", id);
    }
    json_decref(d);
}

static void test_the_text_report_is_a_readable_table_in_local_time(void **state)
{
    struct fx *f = *state;
    write_history(f);
    clock_set_fake(at("2026-12-15T00:00:00.000Z"));
    char *t;
    assert_int_equal(report(f, "2026-11", 0, &t), 0);
    assert_true(strstr(t, "from 2026-11-01 00:00:00 +08:00 to 2026-12-01 00:00:00 +08:00\n\n"));
    assert_true(strstr(t, "\nalarms raised                                  15\n"));
    assert_true(strstr(t, "per operator per 10 minutes, average           0.003 "));
    assert_true(
        strstr(t, "time in flood                                  0.15 % (1 began, 1h06m) "));
    assert_true(strstr(t, "7 (2026-11-05 18:00:00 +08:00)"));
    assert_true(strstr(t, "  leak_pump_room           emergency         7    46.7%\n"));
    assert_true(strstr(t, "  leak_pump_room           7 raises within 10m at "));
    assert_true(strstr(t, "  fire_b2                  5d16h      since 2026-11-25 08:00:00 +08:00, "
                          "still active\n"));
    assert_true(strstr(t, "  door_after_hours         9h00m      3\n"));
    assert_true(strstr(t, "  pf_low                   1d06h      1\n"));
    free(t);
}

static void test_a_month_not_over_is_measured_up_to_now(void **state)
{
    struct fx *f = *state;
    write_history(f);
    clock_set_fake(at("2026-11-20T12:00:00.000Z")); /* pf_low out of service for 12 h so far */
    json_t *d = report_json(f, "2026-11");
    assert_string_equal(json_string_value(json_object_get(d, "measured_until")),
                        "2026-11-20T12:00:00.000Z");
    assert_int_equal(jint(d, "alarms_raised"), 14); /* the fire of the 25th has not happened */
    assert_int_equal(jint(d, "out_of_service.0.seconds"), 12 * 3600);
    json_decref(d);
}

static void test_a_month_older_than_the_history_says_it_is_not_covered(void **state)
{
    struct fx *f = *state;
    write_history(f);
    clock_set_fake(at("2026-12-15T00:00:00.000Z"));
    char *t;
    assert_int_equal(report(f, "2026-10", 0, &t), 0);
    assert_true(strstr(t, "the database's history begins 2026-10-30 08:00:00 +08:00: the month "
                          "is not covered in full\n"));
    free(t);
}

static void test_bad_months_and_a_missing_database_are_refused(void **state)
{
    struct fx *f = *state;
    write_history(f);
    clock_set_fake(at("2026-12-15T00:00:00.000Z"));
    char *t;
    assert_int_equal(report(f, "2026-13", 1, &t), 1);
    free(t);
    assert_int_equal(report(f, "Nov 2026", 1, &t), 1);
    free(t);
    assert_int_equal(report(f, NULL, 1, &t), 1);
    free(t);
    assert_int_equal(report(f, "2027-01", 1, &t), 1); /* not begun */
    free(t);
    free(f->cfg->storage.path);
    f->cfg->storage.path = strdup("/nonexistent/steward/site.db");
    assert_int_equal(report(f, "2026-11", 1, &t), 2);
    assert_int_equal(access("/nonexistent/steward/site.db", F_OK), -1);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_report_of_a_known_month_gives_its_figures, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_text_report_is_a_readable_table_in_local_time,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_month_not_over_is_measured_up_to_now, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_month_older_than_the_history_says_it_is_not_covered,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_months_and_a_missing_database_are_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
