/* Unit tests: Home Assistant MQTT discovery (gateway/uplink/discovery.c): the configs carry
 * what Home Assistant requires, with classes inferred from units, grouped by asset, and what
 * leaves the configuration is cleared at the next start. The real store, alarms and config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/base/error.h"
#include "gateway/store/store.h"
#include "gateway/uplink/discovery.h"
#include "tests/unit/site_fixture.h"

static const char site_cfg[] =
    "site = { id = \"ut\"; name = \"Unit Tower\"; };\n"
    "modbus = {\n"
    "  buses = ( { id = \"sw\"; type = \"tcp\"; host = \"127.0.0.1\"; port = 1502; } );\n"
    "  profiles = (\n"
    "    { id = \"meter\"; points = (\n"
    "        { name = \"voltage_l1\"; table = \"input\"; address = 0; type = \"f32\"; unit = "
    "\"V\"; },\n"
    "        { name = \"energy\"; table = \"input\"; address = 2; type = \"f32\"; unit = "
    "\"kWh\"; },\n"
    "        { name = \"pf_total\"; table = \"input\"; address = 4; type = \"f32\"; } ); },\n"
    "    { id = \"tx\"; points = (\n"
    "        { name = \"temp_a\"; table = \"holding\"; address = 0; type = \"i16\"; unit = \"C\"; "
    "} ); } );\n"
    "  devices = (\n"
    "    { id = \"main_meter\"; bus = \"sw\"; unit = 1; profile = \"meter\"; },\n"
    "    { id = \"tx1\"; bus = \"sw\"; unit = 3; profile = \"tx\"; asset = \"TX-1\"; location = "
    "\"B2\"; } );\n"
    "};\n"
    "sensors = (\n"
    "  { id = \"leak_pump\"; kind = \"leak\"; topic = \"z/leak\"; field = \"water_leak\"; },\n"
    "  { id = \"smoke_b2\"; kind = \"fire\"; topic = \"z/smoke\"; field = \"smoke\"; battery = "
    "false; },\n"
    "  { id = \"door_b2\"; kind = \"door\"; topic = \"z/door\"; field = \"contact\"; invert = "
    "true; battery = false; },\n"
    "  { id = \"b2_temp\"; kind = \"other\"; topic = \"z/temp\"; field = \"temperature\"; type = "
    "\"number\"; unit = \"°C\"; battery = false; availability = true; } );\n"
    "rules = (\n"
    "  { id = \"tx1_hot\"; when = \"tx1.temp_a > 130\"; priority = \"emergency\"; category = "
    "\"electrical\"; title = \"TX-1 hot\"; } );\n"
    "homeassistant = { discovery = true; };\n";

struct fixture {
    char dir[64], path[96];
    struct site *s;
};

static struct fixture *open_site(const char *text)
{
    struct fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/steward-disc-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/site.cfg", f->dir);
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    f->s = site_new_config(f->path);
    return f;
}

static void close_site(struct fixture *f)
{
    site_free(f->s);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
}

/* The config whose topic ends with COMPONENT/steward_ut/OBJECT/config, parsed. */
static json_t *config_of(const struct discovery *d, const char *component, const char *object)
{
    char want[256];
    snprintf(want, sizeof(want), "homeassistant/%s/steward_ut/%s/config", component, object);
    for (size_t i = 0; i < discovery_count(d); i++)
        if (!strcmp(discovery_topic(d, i), want)) {
            json_error_t e;
            json_t *o = json_loads(discovery_payload(d, i), 0, &e);
            assert_non_null(o);
            return o;
        }
    fail_msg("no config at %s", want);
    return NULL;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static const char *dev_str(const json_t *o, const char *key)
{
    return str(json_object_get(o, "device"), key);
}

static void test_every_config_has_what_home_assistant_requires(void **st)
{
    (void)st;
    struct fixture *f = open_site(site_cfg);
    struct discovery *d;
    assert_int_equal(discovery_new(f->s->cfg, &f->s->al, f->s->store, &f->s->j, &d), ST_OK);
    /* The gateway, 4 points, 4 sensors, and every alarm (1 rule + 2 comm_ devices + comm_b2_temp
     * + battery_leak_pump). */
    assert_int_equal(f->s->al.n, 5);
    assert_int_equal(discovery_count(d), 1 + 4 + 4 + 5);
    for (size_t i = 0; i < discovery_count(d); i++) {
        const char *topic = discovery_topic(d, i);
        assert_true(strncmp(topic, "homeassistant/", 14) == 0);
        assert_non_null(strstr(topic, "/steward_ut/"));
        assert_non_null(strstr(topic, "/config"));
        json_error_t e;
        json_t *o = json_loads(discovery_payload(d, i), 0, &e);
        assert_non_null(o);
        assert_true(*str(o, "name"));
        assert_true(strncmp(str(o, "unique_id"), "steward_ut_", 11) == 0);
        assert_true(strncmp(str(o, "state_topic"), "steward/ut/", 11) == 0);
        assert_true(*str(o, "value_template"));
        json_t *ids = json_object_get(json_object_get(o, "device"), "identifiers");
        assert_true(json_array_size(ids) >= 1);
        assert_true(*dev_str(o, "name"));
        if (strcmp(topic, "homeassistant/binary_sensor/steward_ut/status/config") != 0) {
            json_t *av = json_object_get(o, "availability");
            assert_true(json_array_size(av) >= 1);
            const json_t *a0 = json_array_get(av, 0);
            assert_string_equal(str(a0, "topic"), "steward/ut/status");
            assert_string_equal(str(a0, "payload_available"), "online");
            assert_string_equal(str(a0, "value_template"), "{{ value_json.state }}");
            assert_string_equal(str(o, "availability_mode"), "all");
        }
        /* No unique id twice. */
        for (size_t k = 0; k < i; k++) {
            json_t *p = json_loads(discovery_payload(d, k), 0, &e);
            assert_string_not_equal(str(p, "unique_id"), str(o, "unique_id"));
            json_decref(p);
        }
        json_decref(o);
    }
    discovery_free(d);
    close_site(f);
}

static void test_points_sensors_and_alarms_get_their_classes_and_devices(void **st)
{
    (void)st;
    struct fixture *f = open_site(site_cfg);
    struct discovery *d;
    assert_int_equal(discovery_new(f->s->cfg, &f->s->al, f->s->store, &f->s->j, &d), ST_OK);

    json_t *o = config_of(d, "sensor", "tx1_temp_a");
    assert_string_equal(str(o, "state_topic"), "steward/ut/telemetry/tx1/temp_a");
    assert_string_equal(str(o, "unit_of_measurement"), "°C");
    assert_string_equal(str(o, "device_class"), "temperature");
    assert_string_equal(str(o, "state_class"), "measurement");
    assert_string_equal(dev_str(o, "name"), "TX-1");
    assert_string_equal(dev_str(o, "via_device"), "steward_ut");
    assert_string_equal(dev_str(o, "suggested_area"), "B2");
    json_decref(o);
    o = config_of(d, "sensor", "main_meter_energy");
    assert_string_equal(str(o, "device_class"), "energy");
    assert_string_equal(str(o, "state_class"), "total_increasing");
    assert_string_equal(dev_str(o, "name"), "main_meter"); /* no asset: its device id */
    json_decref(o);
    o = config_of(d, "sensor", "main_meter_voltage_l1");
    assert_string_equal(str(o, "device_class"), "voltage");
    assert_string_equal(str(o, "unit_of_measurement"), "V");
    json_decref(o);
    o = config_of(d, "sensor", "main_meter_pf_total");
    assert_string_equal(str(o, "device_class"), "power_factor");
    assert_null(json_object_get(o, "unit_of_measurement"));
    json_decref(o);

    o = config_of(d, "binary_sensor", "leak_pump");
    assert_string_equal(str(o, "device_class"), "moisture");
    assert_string_equal(str(o, "state_topic"), "steward/ut/telemetry/leak_pump");
    assert_non_null(strstr(str(o, "value_template"), "'ON' if value_json.value"));
    json_decref(o);
    o = config_of(d, "binary_sensor", "smoke_b2");
    assert_string_equal(str(o, "device_class"), "smoke");
    json_decref(o);
    o = config_of(d, "binary_sensor", "door_b2");
    assert_string_equal(str(o, "device_class"), "door");
    json_decref(o);
    o = config_of(d, "sensor", "b2_temp");
    assert_string_equal(str(o, "device_class"), "temperature");
    assert_string_equal(str(o, "unit_of_measurement"), "°C");
    json_decref(o);

    o = config_of(d, "binary_sensor", "alarm_tx1_hot");
    assert_string_equal(str(o, "device_class"), "problem");
    assert_string_equal(str(o, "state_topic"), "steward/ut/alarms/tx1_hot");
    assert_string_equal(str(o, "value_template"),
                        "{{ 'OFF' if value_json.state == 'normal' else 'ON' }}");
    assert_string_equal(str(o, "name"), "TX-1 hot");
    assert_string_equal(dev_str(o, "name"), "TX-1");
    json_decref(o);
    /* A built-in alarm joins its device's asset. */
    o = config_of(d, "binary_sensor", "alarm_comm_tx1");
    assert_string_equal(dev_str(o, "name"), "TX-1");
    json_decref(o);
    o = config_of(d, "binary_sensor", "alarm_battery_leak_pump");
    assert_string_equal(dev_str(o, "name"), "leak_pump");
    json_decref(o);
    o = config_of(d, "binary_sensor", "status");
    assert_string_equal(str(o, "device_class"), "connectivity");
    assert_string_equal(dev_str(o, "name"), "Steward Unit Tower");
    assert_null(json_object_get(json_object_get(o, "device"), "via_device"));
    json_decref(o);
    discovery_free(d);
    close_site(f);
}

struct capture {
    int configs, clears;
    char last_clear[256];
};

static int capture(void *ctx, const char *topic, const char *payload, size_t len)
{
    struct capture *c = ctx;
    (void)payload;
    if (len) {
        c->configs++;
    } else {
        c->clears++;
        snprintf(c->last_clear, sizeof(c->last_clear), "%s", topic);
    }
    return ST_OK;
}

static void test_what_leaves_the_configuration_is_cleared_at_the_next_start(void **st)
{
    (void)st;
    struct fixture *f = open_site(site_cfg);
    struct discovery *d;
    assert_int_equal(discovery_new(f->s->cfg, &f->s->al, f->s->store, &f->s->j, &d), ST_OK);
    struct capture c = {0};
    assert_int_equal(discovery_announce(d, capture, &c), ST_OK);
    assert_int_equal(c.configs, 14);
    assert_int_equal(c.clears, 0);
    size_t announced = discovery_count(d);
    discovery_free(d);
    assert_int_equal(store_commit(f->s->store), ST_OK);

    /* The same configuration again: nothing to remove. */
    assert_int_equal(discovery_new(f->s->cfg, &f->s->al, f->s->store, &f->s->j, &d), ST_OK);
    assert_int_equal(discovery_removed(d), 0);
    discovery_free(d);

    /* Discovery turned off: every entity is removed, once. */
    f->s->cfg->homeassistant.discovery = 0;
    assert_int_equal(discovery_new(f->s->cfg, &f->s->al, f->s->store, &f->s->j, &d), ST_OK);
    assert_int_equal(discovery_count(d), 0);
    assert_int_equal(discovery_removed(d), announced);
    memset(&c, 0, sizeof(c));
    assert_int_equal(discovery_announce(d, capture, &c), ST_OK);
    assert_int_equal(c.configs, 0);
    assert_int_equal((size_t)c.clears, announced);
    assert_non_null(strstr(c.last_clear, "homeassistant/"));
    discovery_free(d);
    assert_int_equal(store_commit(f->s->store), ST_OK);
    assert_int_equal(discovery_new(f->s->cfg, &f->s->al, f->s->store, &f->s->j, &d), ST_OK);
    assert_int_equal(discovery_removed(d), 0);
    discovery_free(d);
    close_site(f);
}

static void test_classes_follow_the_unit(void **st)
{
    (void)st;
    const char *u, *dc, *sc;
    discovery_classes("A", "current_l1", &u, &dc, &sc);
    assert_string_equal(dc, "current");
    discovery_classes("kW", "p", &u, &dc, &sc);
    assert_string_equal(dc, "power");
    assert_string_equal(sc, "measurement");
    discovery_classes("%", "humidity", &u, &dc, &sc);
    assert_string_equal(dc, "humidity");
    discovery_classes("%", "battery", &u, &dc, &sc);
    assert_string_equal(dc, "battery");
    discovery_classes("%", "load", &u, &dc, &sc);
    assert_null(dc);
    assert_string_equal(u, "%");
    discovery_classes("PF", "cos_phi", &u, &dc, &sc);
    assert_string_equal(dc, "power_factor");
    assert_null(u);
    discovery_classes(NULL, "running_hours", &u, &dc, &sc);
    assert_null(dc);
    assert_null(u);
    discovery_classes("Hz", "f", &u, &dc, &sc);
    assert_string_equal(dc, "frequency");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_config_has_what_home_assistant_requires),
        cmocka_unit_test(test_points_sensors_and_alarms_get_their_classes_and_devices),
        cmocka_unit_test(test_what_leaves_the_configuration_is_cleared_at_the_next_start),
        cmocka_unit_test(test_classes_follow_the_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
