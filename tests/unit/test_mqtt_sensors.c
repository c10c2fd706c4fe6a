/* Unit tests: what an MQTT sensor payload means (adapters/mqtt_sensors/parse.c), and what the
 * sensor input makes of Zigbee2MQTT's messages (adapters/mqtt_sensors/sensors.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/mqtt_sensors/parse.h"
#include "adapters/mqtt_sensors/sensors.h"
#include "config/config.h"
#include "gateway/base/error.h"
#include "gateway/base/quality.h"
#include "gateway/base/timer.h"

static int parse(const struct cfg_sensor *s, const char *payload, int *state)
{
    return mqtt_sensor_parse(s, payload, strlen(payload), state, NULL);
}

static void test_zigbee_leak_json_true_and_false(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "leak", .field = "water_leak", .on = "1", .off = "0"};
    int v = -1;
    assert_int_equal(parse(&s, "{\"water_leak\": true, \"battery\": 97}", &v), ST_OK);
    assert_int_equal(v, 1);
    assert_int_equal(parse(&s, "{\"water_leak\": false}", &v), ST_OK);
    assert_int_equal(v, 0);
}

static void test_inverted_door_contact_false_means_open(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "door", .field = "contact", .invert = 1, .on = "1", .off = "0"};
    int v = -1;
    assert_int_equal(parse(&s, "{\"contact\": false}", &v), ST_OK);
    assert_int_equal(v, 1);
    assert_int_equal(parse(&s, "{\"contact\": true}", &v), ST_OK);
    assert_int_equal(v, 0);
}

static void test_plain_payload_uses_on_off_strings(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "panel", .plain = 1, .on = "ALARM", .off = "NORMAL"};
    int v = -1;
    assert_int_equal(parse(&s, "ALARM\n", &v), ST_OK);
    assert_int_equal(v, 1);
    assert_int_equal(parse(&s, " normal ", &v), ST_OK);
    assert_int_equal(v, 0);
    assert_int_equal(parse(&s, "maybe", &v), ST_ERR_INVAL);
}

static void test_json_string_and_number_states(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "fire", .field = "state", .on = "ALARM", .off = "NORMAL"};
    int v = -1;
    assert_int_equal(parse(&s, "{\"state\": \"ALARM\"}", &v), ST_OK);
    assert_int_equal(v, 1);
    assert_int_equal(parse(&s, "{\"state\": 0}", &v), ST_OK);
    assert_int_equal(v, 0);
}

static void test_malformed_payloads_are_rejected_without_state(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "leak", .field = "water_leak", .on = "1", .off = "0"};
    int v = 42;
    const char *why = NULL;
    assert_int_equal(parse(&s, "{\"water_leak\": tru", &v), ST_ERR_INVAL);
    assert_int_equal(parse(&s, "{\"other\": true}", &v), ST_ERR_INVAL);
    assert_int_equal(parse(&s, "[true]", &v), ST_ERR_INVAL);
    assert_int_equal(parse(&s, "{\"water_leak\": [1]}", &v), ST_ERR_INVAL);
    assert_int_equal(mqtt_sensor_parse(&s, "", 0, &v, &why), ST_ERR_INVAL);
    assert_string_equal(why, "empty payload");
    assert_int_equal(v, 42);
}

static void test_oversized_payload_is_rejected(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "leak", .field = "water_leak"};
    static char big[SENSOR_PAYLOAD_MAX + 2];
    memset(big, ' ', sizeof(big));
    int v = 0;
    assert_int_equal(mqtt_sensor_parse(&s, big, sizeof(big), &v, NULL), ST_ERR_TOOBIG);
}

static int read_msg(const struct cfg_sensor *s, const char *payload, struct sensor_reading *r)
{
    return mqtt_sensor_read(s, payload, strlen(payload), r, NULL);
}

static void test_numeric_sensor_reads_the_number(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "b2_temp", .field = "temperature", .numeric = 1};
    struct sensor_reading r;
    assert_int_equal(read_msg(&s, "{\"temperature\": 21.5, \"humidity\": 40}", &r), ST_OK);
    assert_true(r.has_value);
    assert_true(r.value == 21.5);
    assert_int_equal(read_msg(&s, "{\"temperature\": -3}", &r), ST_OK);
    assert_true(r.value == -3);
    /* invert is for boolean states; a number stays as it is. */
    s.invert = 1;
    assert_int_equal(read_msg(&s, "{\"temperature\": 0}", &r), ST_OK);
    assert_true(r.value == 0);
}

static void test_numeric_sensor_refuses_what_is_not_a_number(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "b2_temp", .field = "temperature", .numeric = 1};
    struct sensor_reading r;
    const char *why = NULL;
    assert_int_equal(mqtt_sensor_read(&s, "{\"temperature\": true}", 21, &r, &why), ST_ERR_INVAL);
    assert_string_equal(why, "field is not a number");
    assert_false(r.has_value);
    assert_int_equal(read_msg(&s, "{\"temperature\": \"21.5\"}", &r), ST_ERR_INVAL);
}

static void test_plain_numeric_payload_is_one_number(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "tank", .plain = 1, .numeric = 1};
    struct sensor_reading r;
    assert_int_equal(read_msg(&s, " 42.25\n", &r), ST_OK);
    assert_true(r.value == 42.25);
    assert_int_equal(read_msg(&s, "42 kg", &r), ST_ERR_INVAL);
    assert_int_equal(read_msg(&s, "nan", &r), ST_ERR_INVAL);
}

static void test_message_without_the_field_is_normal_and_has_no_state(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "leak", .field = "water_leak", .battery = 1, .battery_min = 20};
    struct sensor_reading r;
    /* Zigbee2MQTT's battery report and link-quality update. */
    assert_int_equal(read_msg(&s, "{\"battery\": 97, \"voltage\": 3000}", &r), ST_OK);
    assert_false(r.has_value);
    assert_int_equal(r.battery, 0);
    assert_int_equal(read_msg(&s, "{\"linkquality\": 120}", &r), ST_OK);
    assert_false(r.has_value);
    assert_int_equal(r.battery, -1);
    /* A null value is "not known yet", as Zigbee2MQTT sends after a restart. */
    assert_int_equal(read_msg(&s, "{\"water_leak\": null}", &r), ST_OK);
    assert_false(r.has_value);
    /* The old interface still calls it a missing field. */
    int v = 7;
    const char *why = NULL;
    assert_int_equal(mqtt_sensor_parse(&s, "{\"linkquality\": 120}", 20, &v, &why), ST_ERR_INVAL);
    assert_string_equal(why, "field missing");
    assert_int_equal(v, 7);
}

static void test_battery_low_or_below_the_minimum_is_low(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "leak", .field = "water_leak", .battery = 1, .battery_min = 20};
    struct sensor_reading r;
    assert_int_equal(read_msg(&s, "{\"water_leak\": false, \"battery_low\": true}", &r), ST_OK);
    assert_true(r.has_value);
    assert_int_equal(r.battery, 1);
    assert_int_equal(read_msg(&s, "{\"battery\": 19}", &r), ST_OK);
    assert_int_equal(r.battery, 1);
    assert_int_equal(read_msg(&s, "{\"battery\": 20}", &r), ST_OK);
    assert_int_equal(r.battery, 0);
    assert_int_equal(read_msg(&s, "{\"battery\": 80, \"battery_low\": false}", &r), ST_OK);
    assert_int_equal(r.battery, 0);
    assert_int_equal(read_msg(&s, "{\"battery\": 80, \"battery_low\": true}", &r), ST_OK);
    assert_int_equal(r.battery, 1);
    /* Without battery supervision nothing is said of it. */
    s.battery = 0;
    assert_int_equal(read_msg(&s, "{\"battery\": 5}", &r), ST_OK);
    assert_int_equal(r.battery, -1);
}

static void test_availability_plain_and_json(void **st)
{
    (void)st;
    int on = -1;
    const char *why = NULL;
    assert_int_equal(mqtt_sensor_availability("online", 6, &on, &why), ST_OK);
    assert_int_equal(on, 1);
    assert_int_equal(mqtt_sensor_availability("offline\n", 8, &on, &why), ST_OK);
    assert_int_equal(on, 0);
    const char *j = "{\"state\":\"online\"}";
    assert_int_equal(mqtt_sensor_availability(j, strlen(j), &on, &why), ST_OK);
    assert_int_equal(on, 1);
    j = "{\"state\": \"offline\"}";
    assert_int_equal(mqtt_sensor_availability(j, strlen(j), &on, &why), ST_OK);
    assert_int_equal(on, 0);
    assert_int_equal(mqtt_sensor_availability("maybe", 5, &on, &why), ST_ERR_INVAL);
    assert_string_equal(why, "neither online nor offline");
    j = "{\"state\": 1}";
    assert_int_equal(mqtt_sensor_availability(j, strlen(j), &on, &why), ST_ERR_INVAL);
    assert_int_equal(mqtt_sensor_availability("", 0, &on, &why), ST_ERR_INVAL);
}

/* ---- the sensor input, with its real timers ---- */

struct seen {
    struct sample last;
    int samples;
    int offline, battery_low; /* -1 until told */
    int told;
};

static int seen_sample(void *ctx, const struct sample *s)
{
    struct seen *w = ctx;
    w->last = *s;
    w->samples++;
    return ST_OK;
}

static void seen_status(void *ctx, int sensor, enum sensor_status what, int on)
{
    struct seen *w = ctx;
    assert_int_equal(sensor, 0);
    if (what == SENSOR_OFFLINE)
        w->offline = on;
    else
        w->battery_low = on;
    w->told++;
}

static int msg(struct mqtt_sensors *in, const char *topic, const char *payload)
{
    return mqtt_sensors_message(in, topic, payload, strlen(payload), 1000, 5000);
}

static void test_zigbee2mqtt_temperature_battery_and_availability(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "b2_temp",
                           .topic = "zigbee2mqtt/b2_temp",
                           .field = "temperature",
                           .numeric = 1,
                           .availability_topic = "zigbee2mqtt/b2_temp/availability",
                           .battery = 1,
                           .battery_min = 20,
                           .point = 3};
    struct config cfg = {.sensors_in = &s, .n_sensors = 1};
    struct timers *ts = timers_new();
    assert_non_null(ts);
    struct seen w = {.offline = -1, .battery_low = -1};
    struct mqtt_sensors *in = mqtt_sensors_new(&cfg, ts, seen_sample, &w, 0);
    assert_non_null(in);
    mqtt_sensors_on_status(in, seen_status);
    const char *const *topics;
    assert_int_equal(mqtt_sensors_topics(in, &topics), 2);
    assert_string_equal(topics[1], "zigbee2mqtt/b2_temp/availability");

    assert_int_equal(msg(in, "zigbee2mqtt/b2_temp", "{\"temperature\": 41.5, \"battery\": 90}"),
                     ST_OK);
    assert_int_equal(w.samples, 1);
    assert_int_equal(w.last.point, 3);
    assert_true(w.last.value == 41.5);
    assert_int_equal(w.last.quality, QUALITY_GOOD);
    assert_int_equal(w.battery_low, 0);

    /* A battery report: no sample, no warning, the battery is low. */
    assert_int_equal(msg(in, "zigbee2mqtt/b2_temp", "{\"battery\": 12, \"linkquality\": 80}"),
                     ST_OK);
    assert_int_equal(w.samples, 1);
    assert_int_equal(w.battery_low, 1);
    assert_int_equal(mqtt_sensors_without_state(in), 1);
    assert_int_equal(mqtt_sensors_dropped(in), 0);

    /* An unusable value is dropped and counted. */
    assert_int_equal(msg(in, "zigbee2mqtt/b2_temp", "{\"temperature\": \"hot\"}"), ST_OK);
    assert_int_equal(w.samples, 1);
    assert_int_equal(mqtt_sensors_dropped(in), 1);

    /* Offline: the point is comm_fail and the comm alarm told. */
    assert_int_equal(msg(in, "zigbee2mqtt/b2_temp/availability", "{\"state\":\"offline\"}"), ST_OK);
    assert_int_equal(w.samples, 2);
    assert_int_equal(w.last.quality, QUALITY_COMM_FAIL);
    assert_int_equal(w.offline, 1);
    /* Online: good again at once with the latest value. */
    assert_int_equal(msg(in, "zigbee2mqtt/b2_temp/availability", "online"), ST_OK);
    assert_int_equal(w.offline, 0);
    assert_int_equal(w.samples, 3);
    assert_int_equal(w.last.quality, QUALITY_GOOD);
    assert_true(w.last.value == 41.5);
    /* Online while online changes nothing. */
    assert_int_equal(msg(in, "zigbee2mqtt/b2_temp/availability", "online"), ST_OK);
    assert_int_equal(w.samples, 3);
    /* A garbled availability message is dropped. */
    assert_int_equal(msg(in, "zigbee2mqtt/b2_temp/availability", "{\"state\":\"?\"}"), ST_OK);
    assert_int_equal(w.samples, 3);
    assert_int_equal(mqtt_sensors_dropped(in), 2);
    mqtt_sensors_free(in);
    timers_free(ts);
}

static void test_offline_before_any_reading_has_no_value(void **st)
{
    (void)st;
    struct cfg_sensor s = {.id = "leak",
                           .topic = "z/leak",
                           .field = "water_leak",
                           .availability_topic = "z/leak/availability",
                           .point = 0};
    struct config cfg = {.sensors_in = &s, .n_sensors = 1};
    struct timers *ts = timers_new();
    struct seen w = {.offline = -1, .battery_low = -1};
    struct mqtt_sensors *in = mqtt_sensors_new(&cfg, ts, seen_sample, &w, 0);
    assert_non_null(in);
    mqtt_sensors_on_status(in, seen_status);
    assert_int_equal(msg(in, "z/leak/availability", "offline"), ST_OK);
    assert_int_equal(w.last.quality, QUALITY_COMM_FAIL);
    assert_int_equal(w.last.ts_ms, 0); /* never read: telemetry says null */
    /* Online with nothing read yet: the alarm clears, the point waits for its first message. */
    assert_int_equal(msg(in, "z/leak/availability", "online"), ST_OK);
    assert_int_equal(w.offline, 0);
    assert_int_equal(w.samples, 1);
    /* A state message while offline says it is online. */
    assert_int_equal(msg(in, "z/leak/availability", "offline"), ST_OK);
    assert_int_equal(msg(in, "z/leak", "{\"water_leak\": true}"), ST_OK);
    assert_int_equal(w.offline, 0);
    assert_int_equal(w.last.quality, QUALITY_GOOD);
    assert_true(w.last.value == 1);
    mqtt_sensors_free(in);
    timers_free(ts);
}

/* ---- the settings ---- */

static int load_text(const char *text, struct config **cfg, struct config_diag *d)
{
    char path[] = "/tmp/steward-sensors-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    int rc = config_load(path, cfg, d);
    unlink(path);
    return rc;
}

static int diag_has(const struct config_diag *d, const char *needle)
{
    for (size_t i = 0; i < d->n; i++)
        if (strstr(d->msgs[i], needle)) return 1;
    return 0;
}

static void test_zigbee2mqtt_settings_load_with_their_defaults(void **st)
{
    (void)st;
    struct config *cfg = NULL;
    struct config_diag d = {0};
    int rc = load_text("site = { id = \"s\"; };\n"
                       "sensors = (\n"
                       "  { id = \"b2_temp\"; kind = \"other\"; topic = \"zigbee2mqtt/b2_temp\";\n"
                       "    field = \"temperature\"; type = \"number\"; unit = \"°C\";\n"
                       "    availability = true; battery_min = 30; },\n"
                       "  { id = \"leak\"; kind = \"leak\"; topic = \"z/leak\"; field = \"w\";\n"
                       "    availability_topic = \"bridge/leak/state\"; } );\n"
                       "rules = ( { id = \"hot\"; when = \"b2_temp > 40\"; priority = \"urgent\";\n"
                       "    category = \"hvac\"; title = \"hot\"; } );\n",
                       &cfg, &d);
    for (size_t i = 0; i < d.n; i++)
        print_message("%s\n", d.msgs[i]);
    assert_int_equal(rc, ST_OK);
    const struct cfg_sensor *t = &cfg->sensors_in[0], *l = &cfg->sensors_in[1];
    assert_true(t->numeric);
    assert_string_equal(t->unit, "°C");
    assert_string_equal(t->availability_topic, "zigbee2mqtt/b2_temp/availability");
    assert_int_equal(t->battery_min, 30);
    assert_true(t->battery);
    assert_string_equal(cfg->points[t->point].unit, "°C");
    assert_false(l->numeric);
    assert_string_equal(l->availability_topic, "bridge/leak/state");
    assert_int_equal(l->battery_min, 20);
    assert_int_equal(config_sensor_builtin(cfg, "comm_leak"), 1);
    assert_int_equal(config_sensor_builtin(cfg, "battery_b2_temp"), 0);
    assert_int_equal(config_sensor_builtin(cfg, "silent_leak"), -1);
    config_free(cfg);
    config_diag_free(&d);
}

static void test_zigbee2mqtt_settings_refuse_what_cannot_work(void **st)
{
    (void)st;
    struct config *cfg = NULL;
    struct config_diag d = {0};
    int rc =
        load_text("site = { id = \"s\"; };\n"
                  "sensors = (\n"
                  "  { id = \"leak\"; kind = \"leak\"; topic = \"z/leak\"; field = \"w\";\n"
                  "    unit = \"C\"; availability_topic = \"z/+/availability\"; },\n"
                  "  { id = \"t\"; kind = \"other\"; topic = \"z/t\"; field = \"t\";\n"
                  "    type = \"float\"; battery_min = 0; } );\n"
                  "rules = ( { id = \"battery_leak\"; when = \"leak\"; priority = \"normal\";\n"
                  "    category = \"x\"; title = \"x\"; } );\n",
                  &cfg, &d);
    assert_int_equal(rc, ST_ERR_CONFIG);
    assert_null(cfg);
    assert_true(diag_has(&d, "'unit' applies to type = \"number\" only"));
    assert_true(diag_has(&d, "'availability_topic' must be one topic"));
    assert_true(diag_has(&d, "'type' = \"float\" is not one of: bool, number"));
    assert_true(diag_has(&d, "'battery_min' = 0 is out of range (1 to 100)"));
    assert_true(diag_has(&d, "the id is taken by a built-in alarm of sensor 'leak'"));
    config_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zigbee_leak_json_true_and_false),
        cmocka_unit_test(test_inverted_door_contact_false_means_open),
        cmocka_unit_test(test_plain_payload_uses_on_off_strings),
        cmocka_unit_test(test_json_string_and_number_states),
        cmocka_unit_test(test_malformed_payloads_are_rejected_without_state),
        cmocka_unit_test(test_oversized_payload_is_rejected),
        cmocka_unit_test(test_numeric_sensor_reads_the_number),
        cmocka_unit_test(test_numeric_sensor_refuses_what_is_not_a_number),
        cmocka_unit_test(test_plain_numeric_payload_is_one_number),
        cmocka_unit_test(test_message_without_the_field_is_normal_and_has_no_state),
        cmocka_unit_test(test_battery_low_or_below_the_minimum_is_low),
        cmocka_unit_test(test_availability_plain_and_json),
        cmocka_unit_test(test_zigbee2mqtt_temperature_battery_and_availability),
        cmocka_unit_test(test_offline_before_any_reading_has_no_value),
        cmocka_unit_test(test_zigbee2mqtt_settings_load_with_their_defaults),
        cmocka_unit_test(test_zigbee2mqtt_settings_refuse_what_cannot_work),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
