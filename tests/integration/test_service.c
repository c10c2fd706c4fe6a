/*
 * Integration test: what an operator of the service sees, with the real gateway, simulator and
 * broker: P/metrics (retained, with its figures), `steward status` saying whether the gateway
 * runs, with live readings and times in the site's zone with their offset, and `--log-level
 * debug` tracing polls and sensor payloads.
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
    "site = { id = \"svc\"; timezone = \"Asia/Shanghai\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/svc\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "metrics = { interval = \"2s\"; };\n"
    "modbus = {\n"
    "  buses = ( { id = \"sw\"; type = \"tcp\"; host = \"127.0.0.1\"; port = @MODBUS_PORT@; } );\n"
    "  profiles = ( { id = \"tx\"; points = (\n"
    "      { name = \"temp_a\"; table = \"holding\"; address = 0; type = \"i16\"; scale = 0.1; "
    "unit = \"C\"; } ); } );\n"
    "  devices = ( { id = \"tx1\"; bus = \"sw\"; unit = 3; profile = \"tx\"; interval = \"200ms\"; "
    "} );\n"
    "};\n"
    "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"site/leak\"; field = \"water_leak\"; "
    "} );\n";

static void test_metrics_status_and_debug_traces(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_true(h_broker_start(e) > 0);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "site.cfg", cfg_text));
    assert_true(h_sim_start(e, cfg, "normal", "1") > 0);
    const char *topics[] = {"steward/svc/#", NULL};
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    const char *argv[] = {h_bin("steward"), "run", "-c", cfg, "--log-level=debug", NULL};
    pid_t gw = h_spawn(argv, h_path(e, "steward.log"));
    assert_non_null(h_sub_wait(sub, "steward/svc/status", "state", "online", 10000));
    const char *leak = "{\"water_leak\": false, \"battery\": 97}";
    assert_int_equal(h_publish(e->mqtt_port, "site/leak", leak, strlen(leak), 1, 1), 0);

    /* P/metrics: retained, with the device's polls and the commit latency. */
    const struct h_msg *m = h_sub_wait(sub, "steward/svc/metrics", NULL, NULL, 15000);
    assert_non_null(m);
    json_t *o = h_json(m);
    assert_non_null(o);
    json_t *tx1 = json_object_get(json_object_get(o, "devices"), "tx1");
    assert_non_null(tx1);
    assert_true(json_integer_value(json_object_get(tx1, "polls_ok")) > 0);
    assert_non_null(json_object_get(json_object_get(o, "commit_ms"), "p99"));
    assert_true(json_integer_value(json_object_get(o, "db_bytes")) > 0);
    assert_non_null(json_object_get(o, "outbox_backlog"));
    json_decref(o);
    assert_non_null(h_sub_wait(sub, "steward/svc/telemetry/tx1/temp_a", NULL, NULL, 5000));

    /* A subscriber that comes later gets it at once: it is retained. */
    const char *mt[] = {"steward/svc/metrics", NULL};
    struct h_sub *late = h_sub_new(e->mqtt_port, mt);
    const struct h_msg *r = h_sub_wait(late, "steward/svc/metrics", NULL, NULL, 5000);
    assert_non_null(r);
    assert_int_equal(r->retain, 1);
    h_sub_free(late);

    /* steward status: running, live readings, local times with their offset. */
    const char *sargv[] = {h_bin("steward"), "status", "-c", cfg, NULL};
    assert_int_equal(h_run(sargv, h_path(e, "status.out"), 15000), 0);
    char *out = h_read_file(h_path(e, "status.out"));
    assert_non_null(out);
    assert_non_null(strstr(out, "Gateway: running"));
    assert_non_null(strstr(out, "+08:00"));
    assert_non_null(strstr(out, "tx1/temp_a"));
    assert_non_null(strstr(out, "leak"));
    free(out);

    /* --log-level=debug traced polls and the sensor payload. */
    char *log = h_read_file(h_path(e, "steward.log"));
    assert_non_null(log);
    assert_non_null(strstr(log, "debug core: poll of tx1: answered"));
    assert_non_null(strstr(log, "debug sensors: leak on site/leak:"));
    free(log);

    h_sub_free(sub);
    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* Stopped: status says so from the retained Last Will / offline status. */
    assert_int_equal(h_run(sargv, h_path(e, "status2.out"), 15000), 0);
    out = h_read_file(h_path(e, "status2.out"));
    assert_non_null(strstr(out, "Gateway: not running (offline"));
    free(out);
    assert_true(h_logs_clean(e));
    h_cleanup_all();
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_status_and_debug_traces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
