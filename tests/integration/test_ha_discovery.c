/*
 * Integration tests: Home Assistant MQTT discovery through the real gateway and a real mosquitto.
 * The configs are parsed and checked for what Home Assistant requires (name, unique_id,
 * state_topic, availability, device identifiers); an entity removed from the configuration is
 * cleared (an empty retained config) when the gateway starts again on the same database.
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

#define SITE_HEAD                                                                                  \
    "site = { id = \"ha\"; name = \"HA Tower\"; };\n"                                              \
    "mqtt = { upstream = { port = @MQTT_PORT@; keepalive = \"5s\"; }; };\n"                        \
    "storage = { path = \"@DB@\"; };\n"                                                            \
    "homeassistant = { discovery = true; };\n"

static const char cfg_before[] = SITE_HEAD
    "sensors = (\n"
    "  { id = \"leak_pump\"; kind = \"leak\"; topic = \"zigbee2mqtt/pump_leak\"; field = "
    "\"water_leak\";\n"
    "    asset = \"LS-B2-03\"; location = \"B2 pump room\"; },\n"
    "  { id = \"smoke_b2\"; kind = \"fire\"; topic = \"zigbee2mqtt/b2_smoke\"; field = \"smoke\"; "
    "} );\n"
    "rules = (\n"
    "  { id = \"leak_pump_room\"; when = \"leak_pump\"; priority = \"emergency\"; category = "
    "\"plumbing\";\n"
    "    title = \"Water leak, B2 pump room\"; },\n"
    "  { id = \"fire_b2\"; when = \"smoke_b2\"; latch = true; priority = \"emergency\"; category = "
    "\"fire\";\n"
    "    title = \"Smoke detected, B2 corridor\"; } );\n";

/* smoke_b2 and its rule are gone. */
static const char cfg_after[] = SITE_HEAD
    "sensors = (\n"
    "  { id = \"leak_pump\"; kind = \"leak\"; topic = \"zigbee2mqtt/pump_leak\"; field = "
    "\"water_leak\";\n"
    "    asset = \"LS-B2-03\"; location = \"B2 pump room\"; } );\n"
    "rules = (\n"
    "  { id = \"leak_pump_room\"; when = \"leak_pump\"; priority = \"emergency\"; category = "
    "\"plumbing\";\n"
    "    title = \"Water leak, B2 pump room\"; } );\n";

/* gateway + 2 sensors + 2 rules + battery_leak_pump + battery_smoke_b2 */
#define N_BEFORE 7
/* gateway + leak_pump + its rule + battery_leak_pump */
#define N_AFTER 4

#define CFG(component, object) "homeassistant/" component "/steward_ha/" object "/config"

static const char *const ha_topics[] = {"homeassistant/#", "steward/ha/status", NULL};

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* What Home Assistant requires of every config, and the gateway's availability. */
static void check_required(const struct h_msg *m)
{
    json_t *o = h_json(m);
    if (!o) fail_msg("%s: not JSON: %s", m->topic, m->payload);
    assert_true(*str(o, "name"));
    assert_true(strncmp(str(o, "unique_id"), "steward_ha_", 11) == 0);
    assert_true(strncmp(str(o, "state_topic"), "steward/ha/", 11) == 0);
    const json_t *dev = json_object_get(o, "device");
    assert_true(json_array_size(json_object_get(dev, "identifiers")) >= 1);
    assert_true(*str(dev, "name"));
    if (strcmp(m->topic, CFG("binary_sensor", "status")) != 0) {
        const json_t *a0 = json_array_get(json_object_get(o, "availability"), 0);
        assert_string_equal(str(a0, "topic"), "steward/ha/status");
        assert_string_equal(str(a0, "payload_available"), "online");
        assert_string_equal(str(a0, "payload_not_available"), "offline");
        assert_string_equal(str(a0, "value_template"), "{{ value_json.state }}");
        assert_string_equal(str(dev, "via_device"), "steward_ha");
    }
    json_decref(o);
}

static pid_t start_gateway(struct h_env *e, const char *text, const char *name, const char *log)
{
    pid_t gw = h_gateway_start(e, h_write_config(e, name, text), log);
    if (gw <= 0) h_dump_logs(e);
    assert_true(gw > 0);
    return gw;
}

static void stop_gateway(pid_t gw)
{
    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_entities_are_announced_after_online_with_the_required_fields(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_non_null(e);
    assert_true(h_broker_start(e) > 0);
    struct h_sub *sub = h_sub_new(e->mqtt_port, ha_topics);
    assert_non_null(sub);
    pid_t gw = start_gateway(e, cfg_before, "site.cfg", "steward.log");

    int n =
        h_sub_wait_count(sub, "homeassistant/+/steward_ha/+/config", NULL, NULL, N_BEFORE, 10000);
    if (n != N_BEFORE) h_dump_logs(e);
    assert_int_equal(n, N_BEFORE);
    const struct h_msg *online = h_sub_wait(sub, "steward/ha/status", "state", "online", 1000);
    assert_non_null(online);
    const struct h_msg *leak = h_sub_wait(sub, CFG("binary_sensor", "leak_pump"), NULL, NULL, 1000);
    assert_non_null(leak);
    assert_true(leak->at >= online->at); /* after the online status */
    check_required(leak);
    json_t *o = h_json(leak);
    assert_string_equal(str(o, "device_class"), "moisture");
    assert_string_equal(str(o, "state_topic"), "steward/ha/telemetry/leak_pump");
    const json_t *dev = json_object_get(o, "device");
    assert_string_equal(str(dev, "name"), "LS-B2-03");
    assert_string_equal(str(dev, "suggested_area"), "B2 pump room");
    json_decref(o);

    const struct h_msg *al =
        h_sub_wait(sub, CFG("binary_sensor", "alarm_fire_b2"), NULL, NULL, 1000);
    assert_non_null(al);
    check_required(al);
    o = h_json(al);
    assert_string_equal(str(o, "device_class"), "problem");
    assert_string_equal(str(o, "state_topic"), "steward/ha/alarms/fire_b2");
    json_decref(o);
    const struct h_msg *gwm = h_sub_wait(sub, CFG("binary_sensor", "status"), NULL, NULL, 1000);
    assert_non_null(gwm);
    check_required(gwm);
    o = h_json(gwm);
    assert_string_equal(str(json_object_get(o, "device"), "name"), "Steward HA Tower");
    json_decref(o);
    h_sub_free(sub);
    stop_gateway(gw);

    /* Retained: a Home Assistant that subscribes later finds every one. */
    struct h_sub *late = h_sub_new(e->mqtt_port, ha_topics);
    assert_int_equal(
        h_sub_wait_count(late, "homeassistant/+/steward_ha/+/config", NULL, NULL, N_BEFORE, 10000),
        N_BEFORE);
    assert_int_equal(h_sub_wait(late, CFG("binary_sensor", "smoke_b2"), NULL, NULL, 1000)->retain,
                     1);
    h_sub_free(late);
    int clean = h_logs_clean(e);
    h_cleanup_all();
    assert_true(clean);
    free(e);
}

static void test_an_entity_removed_from_the_configuration_is_cleared_at_restart(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_non_null(e);
    assert_true(h_broker_start(e) > 0);
    struct h_sub *sub = h_sub_new(e->mqtt_port, ha_topics);
    assert_non_null(sub);
    pid_t gw = start_gateway(e, cfg_before, "site.cfg", "steward.log");
    assert_int_equal(
        h_sub_wait_count(sub, "homeassistant/+/steward_ha/+/config", NULL, NULL, N_BEFORE, 10000),
        N_BEFORE);
    /* The marks are committed in the step that announced them; the log says when. */
    assert_int_equal(
        h_wait_log(h_path(e, "steward.log"), "7 Home Assistant entities announced", 10000), 0);
    stop_gateway(gw);

    gw = start_gateway(e, cfg_after, "site2.cfg", "steward2.log");
    if (h_wait_log(h_path(e, "steward2.log"), "4 Home Assistant entities announced, 3 removed",
                   10000))
        h_dump_logs(e);
    /* The clears: an empty retained message on each removed topic. */
    const char *gone[] = {CFG("binary_sensor", "smoke_b2"), CFG("binary_sensor", "alarm_fire_b2"),
                          CFG("binary_sensor", "alarm_battery_smoke_b2")};
    for (int i = 0; i < 3; i++)
        assert_true(h_sub_wait_count(sub, gone[i], NULL, NULL, 2, 10000) == 2);
    h_sub_free(sub);

    /* What a Home Assistant subscribing now finds: the entities still configured, only. */
    struct h_sub *late = h_sub_new(e->mqtt_port, ha_topics);
    assert_int_equal(
        h_sub_wait_count(late, "homeassistant/+/steward_ha/+/config", NULL, NULL, N_AFTER, 10000),
        N_AFTER);
    assert_non_null(h_sub_wait(late, CFG("binary_sensor", "leak_pump"), NULL, NULL, 1000));
    for (int i = 0; i < 3; i++)
        assert_int_equal(h_sub_count(late, gone[i], NULL, NULL), 0);
    assert_int_equal(h_sub_count(late, "homeassistant/#", NULL, NULL), N_AFTER);
    h_sub_free(late);

    /* A third start with the same configuration removes nothing more. */
    stop_gateway(gw);
    gw = start_gateway(e, cfg_after, "site2.cfg", "steward3.log");
    assert_int_equal(h_wait_log(h_path(e, "steward3.log"), "entities announced", 10000), 0);
    stop_gateway(gw);
    char *log3 = h_read_file(h_path(e, "steward3.log"));
    assert_non_null(log3);
    assert_non_null(strstr(log3, "4 Home Assistant entities announced, 0 removed"));
    free(log3);
    int clean = h_logs_clean(e);
    h_cleanup_all();
    assert_true(clean);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entities_are_announced_after_online_with_the_required_fields),
        cmocka_unit_test(test_an_entity_removed_from_the_configuration_is_cleared_at_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
