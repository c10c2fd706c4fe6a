/* Unit tests: the readable lines of `steward watch` (gateway/watch.c) and status time spans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gateway/cli/status.h"
#include "gateway/cli/watch.h"

#define P "steward/hq"

static int fmt(const char *topic, const char *payload, char *buf, size_t len)
{
    return watch_format(P, topic, payload, strlen(payload), buf, len);
}

static void test_alarm_line_shows_id_state_priority_title_and_acker(void **st)
{
    (void)st;
    char buf[512];
    assert_int_equal(
        fmt(P "/alarms/tx1_overtemp",
            "{\"id\":\"tx1_overtemp\",\"state\":\"active_ack\",\"priority\":\"emergency\","
            "\"title\":\"TX-1 hot\",\"acked_by\":\"alice\"}",
            buf, sizeof(buf)),
        0);
    assert_non_null(strstr(buf, "ALARM"));
    assert_non_null(strstr(buf, "tx1_overtemp"));
    assert_non_null(strstr(buf, "active_ack"));
    assert_non_null(strstr(buf, "emergency"));
    assert_non_null(strstr(buf, "TX-1 hot"));
    assert_non_null(strstr(buf, "acked by alice"));
}

static void test_workorder_line_shows_deadlines_as_times(void **st)
{
    (void)st;
    char buf[1024];
    assert_int_equal(
        fmt(P "/workorders/WO-hq-000001",
            "{\"id\":\"WO-hq-000001\",\"status\":\"open\",\"priority\":\"emergency\","
            "\"title\":\"Leak\",\"location\":\"B2\",\"notify_by\":\"2026-11-22T14:04:11.208Z\","
            "\"respond_by\":\"2026-11-22T14:18:11.208Z\",\"resolve_by\":\"2026-11-23T14:03:11."
            "208Z\","
            "\"escalation_level\":1,\"assigned_role\":\"supervisor\"}",
            buf, sizeof(buf)),
        0);
    assert_non_null(strstr(buf, "WO-hq-000001"));
    assert_non_null(strstr(buf, "accept by 14:04:11"));
    assert_non_null(strstr(buf, "on site by 14:18:11"));
    assert_non_null(strstr(buf, "escalation 1 (supervisor)"));
}

static void test_telemetry_cleared_retained_and_other_sites_are_skipped(void **st)
{
    (void)st;
    char buf[256];
    assert_int_equal(fmt(P "/telemetry/tx1/temp_a", "{\"value\":1}", buf, sizeof(buf)), -1);
    assert_int_equal(watch_format(P, P "/workorders/WO-1", "", 0, buf, sizeof(buf)), -1);
    assert_int_equal(fmt("steward/other/alarms/x", "{\"id\":\"x\"}", buf, sizeof(buf)), -1);
    assert_int_equal(fmt(P "/alarms/x", "not json", buf, sizeof(buf)), -1);
}

static void test_escalation_event_names_the_missed_deadline(void **st)
{
    (void)st;
    char buf[256];
    assert_int_equal(fmt(P "/events",
                         "{\"type\":\"escalation\",\"ts\":\"2026-11-22T14:04:11.208Z\","
                         "\"workorder\":\"WO-1\",\"missed\":\"notify\",\"role\":\"supervisor\"}",
                         buf, sizeof(buf)),
                     0);
    assert_non_null(strstr(buf, "missed its notify deadline: escalated to supervisor"));
}

static void test_status_span_formats(void **st)
{
    (void)st;
    char buf[32];
    assert_string_equal(status_span(845000, buf, sizeof(buf)), "14m05s");
    assert_string_equal(status_span(-61000, buf, sizeof(buf)), "-1m01s");
    assert_string_equal(status_span(2 * 3600000LL + 180000, buf, sizeof(buf)), "2h03m");
    assert_string_equal(status_span(3 * 86400000LL + 4 * 3600000LL, buf, sizeof(buf)), "3d04h");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alarm_line_shows_id_state_priority_title_and_acker),
        cmocka_unit_test(test_workorder_line_shows_deadlines_as_times),
        cmocka_unit_test(test_telemetry_cleared_retained_and_other_sites_are_skipped),
        cmocka_unit_test(test_escalation_event_names_the_missed_deadline),
        cmocka_unit_test(test_status_span_formats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
