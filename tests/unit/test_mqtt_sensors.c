/* Unit tests: what an MQTT sensor payload means (adapters/mqtt_sensors.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "adapters/mqtt_sensors/parse.h"
#include "gateway/base/error.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zigbee_leak_json_true_and_false),
        cmocka_unit_test(test_inverted_door_contact_false_means_open),
        cmocka_unit_test(test_plain_payload_uses_on_off_strings),
        cmocka_unit_test(test_json_string_and_number_states),
        cmocka_unit_test(test_malformed_payloads_are_rejected_without_state),
        cmocka_unit_test(test_oversized_payload_is_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
