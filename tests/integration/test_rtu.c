/*
 * Integration test: Modbus RTU over a pseudo-terminal pair. steward-sim plays an RS-485 line
 * (--serial BUS=PATH links PATH to its pty) with a transformer temperature controller on it;
 * the gateway polls it with libmodbus RTU exactly as it would /dev/ttyUSB0.
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
    "site = { id = \"rtu\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/rtu\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "modbus = {\n"
    "  buses = ( { id = \"rs485_1\"; type = \"rtu\"; device = \"@DIR@/tty485\"; baud = 9600;\n"
    "              parity = \"E\"; timeout = \"300ms\"; } );\n"
    "  profiles = ( { id = \"tx\"; points = (\n"
    "    { name = \"temp_a\"; table = \"holding\"; address = 0; type = \"i16\"; scale = 0.1; },\n"
    "    { name = \"temp_b\"; table = \"holding\"; address = 1; type = \"i16\"; scale = 0.1; },\n"
    "    { name = \"temp_c\"; table = \"holding\"; address = 2; type = \"i16\"; scale = 0.1; } ); "
    "} );\n"
    "  devices = (\n"
    "    { id = \"tx1\"; bus = \"rs485_1\"; unit = 3; profile = \"tx\"; interval = \"200ms\"; "
    "asset = \"TX-1\"; },\n"
    "    { id = \"tx2\"; bus = \"rs485_1\"; unit = 4; profile = \"tx\"; interval = \"200ms\"; "
    "asset = \"TX-2\"; } );\n"
    "};\n"
    "rules = ( { id = \"tx1_overtemp\"; when = \"max(tx1.temp_a, tx1.temp_b, tx1.temp_c) > 130\";\n"
    "            on_delay = \"1s\"; priority = \"emergency\"; category = \"electrical\";\n"
    "            title = \"Transformer TX-1 winding over-temperature\"; } );\n";

static void test_rtu_line_over_a_pty_raises_the_overtemp_work_order(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    char cfg[256], serial[300], tty[256];
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "rtu.cfg", cfg_text));
    snprintf(tty, sizeof(tty), "%s", h_path(e, "tty485"));
    snprintf(serial, sizeof(serial), "rs485_1=%s", tty);
    assert_true(h_broker_start(e) > 0);
    const char *topics[] = {"steward/rtu/#", NULL};
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(sub);

    /* tx2 answers garbage after 1 s, then goes silent: a failing slave on the same line. */
    const char *scn = h_path(e, "rtu.scn");
    FILE *f = fopen(scn, "w");
    fputs("2s tx1.temp_a ramp 140 2s\n1s tx2 garbage\n5s tx2 offline\n", f);
    fclose(f);
    char scn_path[256];
    snprintf(scn_path, sizeof(scn_path), "%s", scn);
    const char *sim_argv[] = {h_bin("steward-sim"), "-c",   cfg, "--scenario", scn_path,
                              "--serial",           serial, NULL};
    pid_t sim = h_spawn(sim_argv, h_path(e, "sim.log"));
    assert_int_equal(h_wait_file(tty, 5000), 0); /* the simulated line is up */

    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);
    assert_non_null(h_sub_wait(sub, "steward/rtu/telemetry/tx1/temp_b", "quality", "good", 5000));
    const struct h_msg *m =
        h_sub_wait(sub, "steward/rtu/workorders/+", "rule", "tx1_overtemp", 15000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    assert_non_null(strstr(m->payload, "\"asset\":\"TX-1\""));
    /* The failing slave raises its communication fault; tx1 on the same line keeps reading. */
    assert_non_null(h_sub_wait(sub, "steward/rtu/alarms/comm_tx2", "state", "active_unack", 10000));
    assert_int_equal(
        h_wait_log(h_path(e, "steward.log"), "device tx2 (unit 4): Invalid data", 1000), 0);
    h_sub_free(sub);
    sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(h_sub_wait(sub, "steward/rtu/telemetry/tx1/temp_a", "quality", "good", 3000));
    h_sub_free(sub);

    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    h_stop(sim, 5000);
    char *simlog = h_read_file(h_path(e, "sim.log"));
    assert_null(strstr(simlog, "WRITE")); /* read-only on the line as well */
    free(simlog);
    assert_true(h_logs_clean(e));
    h_cleanup_all();
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtu_line_over_a_pty_raises_the_overtemp_work_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
