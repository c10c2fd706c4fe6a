/*
 * Integration test: a Modbus device that goes wrong in the ways field devices do, on a bus it
 * shares with a healthy one. steward-sim plays the device: first it answers with malformed replies
 * (a byte count that disagrees with the registers asked for), then with exception 4 (server
 * device failure), then normally again. The gateway must refuse the garbage (comm_fail and the
 * built-in comm alarm), mark exception answers `bad` (the device is alive, its data is not),
 * recover by itself, and never disturb the other device on the same connection.
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

#include "tests/integration/harness.h"

static const char cfg_text[] =
    "site = { id = \"mf\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/mf\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "modbus = {\n"
    "  buses = ( { id = \"sw\"; type = \"tcp\"; host = \"127.0.0.1\"; port = @MODBUS_PORT@;\n"
    "              timeout = \"300ms\"; } );\n"
    "  profiles = (\n"
    "    { id = \"meter\"; points = ( { name = \"voltage_l1\"; table = \"input\"; address = 0;\n"
    "                                 type = \"f32\"; unit = \"V\"; } ); },\n"
    "    { id = \"tx\"; points = ( { name = \"temp_a\"; table = \"holding\"; address = 0;\n"
    "                              type = \"i16\"; scale = 0.1; unit = \"C\"; } ); } );\n"
    "  devices = (\n"
    "    { id = \"main_meter\"; bus = \"sw\"; unit = 1; profile = \"meter\"; interval = "
    "\"200ms\"; },\n"
    "    { id = \"tx1\"; bus = \"sw\"; unit = 3; profile = \"tx\"; interval = \"200ms\";\n"
    "      asset = \"TX-1\"; } );\n"
    "};\n";

static const char scenario[] = "1s tx1 garbage\n"
                               "6s tx1 exception\n"
                               "11s tx1 online\n";

static const char *const topics[] = {"steward/mf/#", NULL};

#define TEMP "steward/mf/telemetry/tx1/temp_a"
#define VOLTS "steward/mf/telemetry/main_meter/voltage_l1"

static void test_garbage_then_exceptions_then_recovery_on_a_shared_bus(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_non_null(e);
    char *cfg = strdup(h_write_config(e, "mf.cfg", cfg_text));
    char *scn = strdup(h_path(e, "faults.scn"));
    assert_non_null(cfg);
    assert_non_null(scn);
    FILE *f = fopen(scn, "w");
    assert_non_null(f);
    fputs(scenario, f);
    fclose(f);
    assert_true(h_broker_start(e) > 0);
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(sub);
    pid_t sim = h_sim_start(e, cfg, scn, "1");
    assert_true(sim > 0);
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);
    assert_non_null(h_sub_wait(sub, TEMP, "quality", "good", 5000));

    /* Garbage: refused, and after three polls the device is in communication fault. */
    const struct h_msg *m =
        h_sub_wait(sub, "steward/mf/alarms/comm_tx1", "state", "active_unack", 10000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    assert_non_null(h_sub_wait(sub, TEMP, "quality", "comm_fail", 3000));
    assert_non_null(h_sub_wait(sub, "steward/mf/workorders/+", "rule", "comm_tx1", 3000));

    /* Exceptions: the device answers, so the fault returns to normal, but its data is bad. */
    m = h_sub_wait(sub, TEMP, "quality", "bad", 10000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    assert_non_null(h_sub_wait(sub, "steward/mf/alarms/comm_tx1", "state", "rtn_unack", 3000));

    /* Back to normal: good readings again, without a restart of anything. */
    int good = h_sub_count(sub, TEMP, "quality", "good");
    assert_true(h_sub_wait_count(sub, TEMP, "quality", "good", good + 1, 10000) > good);

    /* The meter on the same connection never lost its readings, and never faulted. */
    assert_int_equal(h_sub_count(sub, "steward/mf/alarms/comm_main_meter", NULL, NULL), 0);
    assert_int_equal(h_sub_count(sub, VOLTS, "quality", "comm_fail"), 0);
    assert_int_equal(h_sub_count(sub, VOLTS, "quality", "bad"), 0);
    assert_true(h_alive(gw));
    char *simlog = h_read_file(h_path(e, "sim.log"));
    assert_non_null(simlog);
    assert_null(strstr(simlog, "refused a WRITE")); /* read-only, faults or not */
    free(simlog);

    h_sub_free(sub);
    int rc = h_stop(gw, 5000);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    h_stop(sim, 5000);
    int clean = h_logs_clean(e);
    h_cleanup_all();
    free(cfg);
    free(scn);
    free(e);
    assert_true(clean);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_then_exceptions_then_recovery_on_a_shared_bus),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
