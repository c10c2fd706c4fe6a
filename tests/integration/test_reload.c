/*
 * Integration test: SIGHUP reloads the configuration into the running gateway (real mosquitto,
 * the real gateway): a new rule works at once and the open work order is kept; a file with an
 * error is refused with its FILE:LINE and the running rules keep working; a change that needs a
 * restart (storage.path) is refused and said so.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/integration/harness.h"

#define HEAD                                                                                       \
    "site = { id = \"rl\"; };\n"                                                                   \
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/rl\"; }; };\n"             \
    "storage = { path = \"@DB@\"; };\n"                                                            \
    "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"site/leak\"; field = "                \
    "\"water_leak\"; "                                                                             \
    "},\n"                                                                                         \
    "            { id = \"smoke\"; kind = \"fire\"; topic = \"site/smoke\"; field = \"smoke\"; } " \
    ");\n"

static const char v1[] = HEAD "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = "
                              "\"emergency\"; category = \"plumbing\"; title = \"Leak\"; } );\n";
static const char v2[] =
    HEAD "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = \"emergency\"; category = "
         "\"plumbing\"; title = \"Leak\"; },\n"
         "          { id = \"fire_room\"; when = \"smoke\"; priority = \"emergency\"; category = "
         "\"fire\"; title = \"Fire\"; } );\n";
/* Line 6: a rule naming a point that does not exist. */
static const char bad[] =
    HEAD "rules = ( { id = \"fire_room\"; when = \"smoke_x\"; priority = \"emergency\"; category = "
         "\"fire\"; title = \"Fire\"; } );\n";

static void publish(struct h_env *e, const char *topic, const char *p)
{
    assert_int_equal(h_publish(e->mqtt_port, topic, p, strlen(p), 1, 0), 0);
}

static void test_sighup_takes_a_good_file_and_refuses_a_bad_one(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_true(h_broker_start(e) > 0);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "site.cfg", v1));
    const char *topics[] = {"steward/rl/#", NULL};
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);
    publish(e, "site/leak", "{\"water_leak\": true}");
    assert_non_null(h_sub_wait(sub, "steward/rl/workorders/+", "rule", "leak_room", 5000));
    publish(e, "site/smoke", "{\"smoke\": true}"); /* no rule reads it yet */

    /* A good file: the new rule raises at once; the open order is kept (no second one). */
    h_write_config(e, "site.cfg", v2);
    assert_int_equal(kill(gw, SIGHUP), 0);
    assert_non_null(h_sub_wait(sub, "steward/rl/events", "type", "reload", 5000));
    publish(e, "site/smoke", "{\"smoke\": false}");
    publish(e, "site/smoke", "{\"smoke\": true}");
    assert_non_null(h_sub_wait(sub, "steward/rl/workorders/+", "rule", "fire_room", 5000));
    assert_int_equal(h_sub_distinct_topics(sub, "steward/rl/workorders/+", "rule", "leak_room"), 1);

    /* A bad file: refused with its line; the running rules still work. */
    h_write_config(e, "site.cfg", bad);
    assert_int_equal(kill(gw, SIGHUP), 0);
    assert_int_equal(
        h_wait_log(h_path(e, "steward.log"), "refused; the running configuration is kept", 5000),
        0);
    char *log = h_read_file(h_path(e, "steward.log"));
    char want[300];
    snprintf(want, sizeof(want), "reload: %s:6:", cfg);
    assert_non_null(strstr(log, want));
    free(log);
    publish(e, "site/smoke", "{\"smoke\": false}");
    int before = h_sub_count(sub, "steward/rl/alarms/fire_room", "state", "active_unack");
    publish(e, "site/smoke", "{\"smoke\": true}");
    assert_true(h_sub_wait_count(sub, "steward/rl/alarms/fire_room", "state", "active_unack",
                                 before + 1, 5000) > before);

    /* A change that needs a restart. */
    char moved[4096];
    snprintf(moved, sizeof(moved), "%s", v2);
    char *db = strstr(moved, "@DB@");
    assert_non_null(db);
    memcpy(db, "/tmp", 4);
    h_write_config(e, "site.cfg", moved);
    assert_int_equal(kill(gw, SIGHUP), 0);
    assert_int_equal(
        h_wait_log(h_path(e, "steward.log"), "changes storage.path, which needs a restart", 5000),
        0);
    assert_true(h_alive(gw));
    h_sub_free(sub);
    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(h_logs_clean(e));
    h_cleanup_all();
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sighup_takes_a_good_file_and_refuses_a_bad_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
