/*
 * Integration tests: Zigbee2MQTT as it is, against the real gateway and a real mosquitto. The
 * messages are shaped as Zigbee2MQTT publishes them: every attribute of a device on its topic
 * (a battery or link-quality report without the configured field), numeric attributes
 * (temperature), and the device's availability on TOPIC/availability, retained, as
 * {"state":"online"|"offline"}.
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

static const char site_cfg[] =
    "site = { id = \"zt\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; keepalive = \"5s\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "sensors = (\n"
    "  { id = \"leak_pump\"; kind = \"leak\"; topic = \"zigbee2mqtt/pump_leak\";\n"
    "    field = \"water_leak\"; asset = \"LS-B2-03\"; },\n"
    "  { id = \"b2_temp\"; kind = \"other\"; topic = \"zigbee2mqtt/b2_temp\"; field = "
    "\"temperature\";\n"
    "    type = \"number\"; unit = \"°C\"; availability = true; battery = false; } );\n"
    "rules = (\n"
    "  { id = \"b2_hot\"; when = \"b2_temp > 40\"; clear = \"b2_temp < 38\"; priority = "
    "\"urgent\";\n"
    "    category = \"hvac\"; title = \"B2 too hot\"; } );\n";

struct run {
    struct h_env *e;
    pid_t gw;
    struct h_sub *sub;
};

static const char *const watch_topics[] = {"steward/zt/#", NULL};

static void start(struct run *r)
{
    r->e = h_env_new();
    assert_non_null(r->e);
    const char *cfg = h_write_config(r->e, "site.cfg", site_cfg);
    assert_true(h_broker_start(r->e) > 0);
    r->sub = h_sub_new(r->e->mqtt_port, watch_topics);
    assert_non_null(r->sub);
    r->gw = h_gateway_start(r->e, cfg, "steward.log");
    if (r->gw <= 0) h_dump_logs(r->e);
    assert_true(r->gw > 0);
}

static void stop(struct run *r)
{
    h_sub_free(r->sub);
    if (r->gw > 0 && h_alive(r->gw)) {
        int status = h_stop(r->gw, 5000);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    int clean = h_logs_clean(r->e);
    h_cleanup_all();
    assert_true(clean);
    free(r->e);
    memset(r, 0, sizeof(*r));
}

static void z2m(struct run *r, const char *topic, const char *payload, int retain)
{
    assert_int_equal(h_publish(r->e->mqtt_port, topic, payload, strlen(payload), 1, retain), 0);
}

static const struct h_msg *wait_or_dump(struct run *r, const char *filter, const char *key,
                                        const char *value)
{
    const struct h_msg *m = h_sub_wait(r->sub, filter, key, value, 10000);
    if (!m) h_dump_logs(r->e);
    assert_non_null(m);
    return m;
}

static int log_has(struct run *r, const char *needle)
{
    char *log = h_read_file(h_path(r->e, "steward.log"));
    int has = log && strstr(log, needle) != NULL;
    free(log);
    return has;
}

static void test_battery_report_without_the_field_is_no_warning_and_no_state(void **st)
{
    (void)st;
    struct run r = {0};
    start(&r);
    /* A battery and link-quality report, then the state itself. */
    z2m(&r, "zigbee2mqtt/pump_leak", "{\"battery\":97,\"linkquality\":120,\"voltage\":3000}", 0);
    z2m(&r, "zigbee2mqtt/pump_leak", "{\"battery\":97,\"linkquality\":118,\"water_leak\":false}",
        0);
    const struct h_msg *m = wait_or_dump(&r, "steward/zt/telemetry/leak_pump", "quality", "good");
    json_t *t = h_json(m);
    assert_true(json_is_false(json_object_get(t, "value")));
    json_decref(t);
    /* The report before it set nothing: the first telemetry of the point is this good false. */
    assert_int_equal(h_sub_count(&*r.sub, "steward/zt/telemetry/leak_pump", NULL, NULL), 1);
    assert_false(log_has(&r, "dropped a message for leak_pump"));

    /* A message with the field but an unusable value is still a warning. */
    z2m(&r, "zigbee2mqtt/pump_leak", "{\"water_leak\":\"banana\"}", 0);
    assert_int_equal(h_wait_log(h_path(r.e, "steward.log"),
                                "dropped a message for leak_pump on zigbee2mqtt/pump_leak", 10000),
                     0);
    stop(&r);
}

static void test_numeric_temperature_is_a_rule_point_with_its_unit(void **st)
{
    (void)st;
    struct run r = {0};
    start(&r);
    z2m(&r, "zigbee2mqtt/b2_temp", "{\"temperature\":41.5,\"humidity\":40,\"linkquality\":90}", 0);
    const struct h_msg *m = wait_or_dump(&r, "steward/zt/telemetry/b2_temp", "value", "41.5");
    json_t *t = h_json(m);
    assert_string_equal(h_json_str(t, "unit"), "°C");
    assert_string_equal(h_json_str(t, "quality"), "good");
    json_decref(t);
    wait_or_dump(&r, "steward/zt/alarms/b2_hot", "state", "active_unack");
    wait_or_dump(&r, "steward/zt/workorders/+", "rule", "b2_hot");
    z2m(&r, "zigbee2mqtt/b2_temp", "{\"temperature\":37}", 0);
    wait_or_dump(&r, "steward/zt/alarms/b2_hot", "state", "rtn_unack");
    stop(&r);
}

static void test_availability_offline_is_a_comm_fault_and_online_restores_the_point(void **st)
{
    (void)st;
    struct run r = {0};
    start(&r);
    z2m(&r, "zigbee2mqtt/b2_temp", "{\"temperature\":21}", 0);
    wait_or_dump(&r, "steward/zt/telemetry/b2_temp", "value", "21");
    /* Zigbee2MQTT retains availability. */
    z2m(&r, "zigbee2mqtt/b2_temp/availability", "{\"state\":\"offline\"}", 1);
    wait_or_dump(&r, "steward/zt/telemetry/b2_temp", "quality", "comm_fail");
    const struct h_msg *m =
        wait_or_dump(&r, "steward/zt/alarms/comm_b2_temp", "state", "active_unack");
    json_t *al = h_json(m);
    assert_string_equal(h_json_str(al, "priority"), "urgent");
    json_decref(al);
    wait_or_dump(&r, "steward/zt/events", "kind", "comm_fault");

    z2m(&r, "zigbee2mqtt/b2_temp/availability", "{\"state\":\"online\"}", 1);
    wait_or_dump(&r, "steward/zt/alarms/comm_b2_temp", "state", "rtn_unack");
    /* Good again at once, with the value it had. */
    assert_true(
        h_sub_wait_count(r.sub, "steward/zt/telemetry/b2_temp", "quality", "good", 2, 10000) >= 2);

    /* Plain availability payloads work too, and a restart reads the retained state. */
    z2m(&r, "zigbee2mqtt/b2_temp/availability", "offline", 1);
    assert_true(h_sub_wait_count(r.sub, "steward/zt/alarms/comm_b2_temp", "state", "active_unack",
                                 2, 10000) >= 2);
    stop(&r);
}

static void test_low_battery_raises_a_normal_work_order_and_clears_when_fine(void **st)
{
    (void)st;
    struct run r = {0};
    start(&r);
    z2m(&r, "zigbee2mqtt/pump_leak", "{\"battery\":12,\"linkquality\":100}", 0);
    const struct h_msg *m =
        wait_or_dump(&r, "steward/zt/alarms/battery_leak_pump", "state", "active_unack");
    json_t *al = h_json(m);
    assert_string_equal(h_json_str(al, "priority"), "normal");
    json_decref(al);
    m = wait_or_dump(&r, "steward/zt/workorders/+", "rule", "battery_leak_pump");
    json_t *wo = h_json(m);
    assert_string_equal(h_json_str(wo, "priority"), "normal");
    assert_string_equal(h_json_str(wo, "asset"), "LS-B2-03");
    json_decref(wo);
    /* battery_low alone says it too; a fine battery clears it. */
    z2m(&r, "zigbee2mqtt/pump_leak", "{\"battery\":100,\"battery_low\":false}", 0);
    wait_or_dump(&r, "steward/zt/alarms/battery_leak_pump", "state", "rtn_unack");
    /* b2_temp has battery = false: no alarm of that name exists. */
    z2m(&r, "zigbee2mqtt/b2_temp", "{\"temperature\":20,\"battery\":3}", 0);
    wait_or_dump(&r, "steward/zt/telemetry/b2_temp", "value", "20");
    assert_int_equal(h_sub_count(r.sub, "steward/zt/alarms/battery_b2_temp", NULL, NULL), 0);
    stop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_battery_report_without_the_field_is_no_warning_and_no_state),
        cmocka_unit_test(test_numeric_temperature_is_a_rule_point_with_its_unit),
        cmocka_unit_test(test_availability_offline_is_a_comm_fault_and_online_restores_the_point),
        cmocka_unit_test(test_low_battery_raises_a_normal_work_order_and_clears_when_fine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
