/* Unit tests: loading and validating configurations (config/), every error with its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/duration.h"
#include "gateway/base/error.h"

static char path[64];

static void write_cfg(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/steward-cfg-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
}

static int load(const char *text, struct config **cfg, struct config_diag *d)
{
    write_cfg(text);
    int rc = config_load(path, cfg, d);
    unlink(path);
    return rc;
}

/* Asserts that some diagnostic is exactly "PATH:LINE: ..." and contains `part`. */
static void expect_error(const struct config_diag *d, int line, const char *part)
{
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "%s:%d:", path, line); /* then " " or a column and ": " */
    for (size_t i = 0; i < d->n; i++)
        if (!strncmp(d->msgs[i], prefix, strlen(prefix)) && strstr(d->msgs[i], part)) return;
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "  got: %s\n", d->msgs[i]);
    fail_msg("no error at line %d containing '%s'", line, part);
}

#define BASE                                                                                       \
    "site = { id = \"t\"; };\n"                                     /* 1 */                        \
    "modbus = {\n"                                                  /* 2 */                        \
    "  buses = ( { id = \"b\"; type = \"tcp\"; port = 1502; } );\n" /* 3 */                        \
    "  profiles = ( { id = \"p\"; points = (\n"                     /* 4 */                        \
    "    { name = \"t\"; table = \"holding\"; address = 0; type = \"i16\"; scale = 0.1; } ); } "   \
    ");\n"                                                                                         \
    "  devices = ( { id = \"d\"; bus = \"b\"; unit = 1; profile = \"p\"; } );\n" /* 6 */           \
    "};\n"                                                                       /* 7 */

static void test_shipped_examples_load(void **st)
{
    (void)st;
    const char *files[] = {"config/examples/site.cfg", "config/examples/demo.cfg"};
    for (int i = 0; i < 2; i++) {
        struct config *c = NULL;
        struct config_diag d = {0};
        int rc = config_load(files[i], &c, &d);
        for (size_t k = 0; k < d.n; k++)
            fprintf(stderr, "%s\n", d.msgs[k]);
        assert_int_equal(rc, ST_OK);
        assert_int_equal(c->n_rules, 5);
        assert_int_equal(c->n_sensors, 3);
        config_free(c);
        config_diag_free(&d);
    }
}

static void test_design_example_catalog_and_defaults(void **st)
{
    (void)st;
    struct config *c = NULL;
    assert_int_equal(config_load("config/examples/site.cfg", &c, NULL), ST_OK);
    assert_int_equal(c->n_points, 9);
    assert_string_equal(c->points[0].name, "main_meter.pf_total");
    assert_string_equal(c->points[3].name, "tx1.temp_a");
    assert_string_equal(c->points[6].name, "smoke_b2");
    assert_int_equal(c->devices[1].first_point, 3);
    assert_int_equal(c->sensors_in[0].point, 6);
    assert_int_equal(c->buses[1].type, BUS_RTU);
    assert_int_equal(c->buses[1].parity, 'E');
    assert_int_equal(c->rules[0].on_delay_ms, 10000);
    assert_int_equal(c->rules[2].latch, 1);
    assert_string_equal(c->rules[0].asset, "TX-1");     /* from tx1 */
    assert_string_equal(c->rules[3].asset, "LS-B2-03"); /* from the leak sensor */
    assert_int_equal(c->sla.prio[PRIO_NORMAL].respond_ms, 24 * 3600 * 1000LL);
    assert_int_equal(c->sensors_in[0].heartbeat_ms, 2 * 3600 * 1000LL);
    assert_int_equal(c->has_sensor_broker, 0);
    assert_int_equal(c->sensors.port, 1883);
    assert_int_equal(config_point_find(c, "tx1.temp_c"), 5);
    assert_int_equal(config_point_find(c, "tx1.temp_d"), -1);
    config_free(c);
}

/* ...and under systemd (StateDirectory=) in the state directory; secrets stay beside the file. */
static void test_a_relative_database_goes_to_the_state_directory(void **st)
{
    (void)st;
    struct config *c = NULL;
    setenv("STATE_DIRECTORY", "/var/lib/steward:/var/lib/other", 1);
    int rc = load("site = { id = \"t\"; };\n"
                  "mqtt = { upstream = { username = \"u\"; password_file = \"mqtt.pass\"; }; };\n"
                  "storage = { path = \"site.db\"; };\n",
                  &c, NULL);
    unsetenv("STATE_DIRECTORY");
    assert_int_equal(rc, ST_OK);
    assert_string_equal(c->storage.path, "/var/lib/steward/site.db");
    assert_string_equal(c->upstream.password_file, "/tmp/mqtt.pass");
    config_free(c);
}

/* A time zone the system does not know is an error (with the likely one), not UTC in silence. */
static void test_an_unknown_time_zone_is_refused(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(load("site = { id = \"t\";\n  timezone = \"Asia/Shangai\"; };\n", &c, &d),
                     ST_ERR_CONFIG);
    expect_error(&d, 2, "did you mean \"Asia/Shanghai\"");
    config_diag_free(&d);
    assert_int_equal(load("site = { id = \"t\"; timezone = \"Asia/Shanghai\"; };\n", &c, NULL),
                     ST_OK);
    config_free(c);
}

static void test_defaults_fill_what_is_not_written(void **st)
{
    (void)st;
    struct config *c = NULL;
    assert_int_equal(load(BASE, &c, NULL), ST_OK);
    assert_string_equal(c->upstream.host, "127.0.0.1");
    assert_int_equal(c->upstream.port, 1883);
    assert_string_equal(c->upstream.client_id, "steward-t");
    assert_string_equal(c->upstream.topic_prefix, "steward/t");
    /* A relative storage.path is beside the configuration file (here /tmp)... */
    assert_string_equal(c->storage.path, "/tmp/steward.db");
    assert_int_equal(c->devices[0].interval_ms, 1000);
    assert_int_equal(c->buses[0].timeout_ms, 500);
    assert_int_equal(c->sla.prio[PRIO_EMERGENCY].notify_ms, 60000);
    assert_int_equal(c->sla.n_escalation, 4);
    assert_string_equal(c->sla.escalation[3], "general_manager");
    config_free(c);
}

static void test_syntax_error_names_file_and_line(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(load("site = { id = \"t\"; };\n\nrules = ( { id = \"x\" ;; } );\n", &c, &d),
                     ST_ERR_CONFIG);
    assert_null(c);
    expect_error(&d, 3, "syntax error");
    config_diag_free(&d);
}

static void test_misspelled_setting_is_reported_with_a_suggestion(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(load(BASE "sensors = ( { id = \"s\"; kind = \"leak\"; topic = \"a/b\";\n"
                               "  feild = \"water_leak\"; } );\n",
                          &c, &d),
                     ST_ERR_CONFIG);
    expect_error(&d, 9, "unknown setting 'feild' in sensor 's'; did you mean 'field'?");
    expect_error(&d, 8, "'field' (the JSON member holding the state) is required");
    config_diag_free(&d);
}

static void test_every_error_is_reported_in_file_order(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    int rc =
        load("site = { id = \"t\"; };\n"
             "modbus = {\n"
             "  buses = ( { id = \"b\"; type = \"serial\"; } );\n"
             "  profiles = ( { id = \"p\"; points = ( { name = \"t\"; table = \"holding\"; address "
             "= 70000; type = \"i16\"; } ); } );\n"
             "  devices = ( { id = \"d\"; bus = \"nobus\"; unit = 1; profile = \"p\"; interval = "
             "\"30\"; },\n"
             "              { id = \"d\"; bus = \"b\"; unit = 2; profile = \"nope\"; } );\n"
             "};\n"
             "mqtt = { upstream = { password = \"hunter2\"; }; };\n"
             "rules = ( { id = \"r\"; when = \"d.t > 1 && tx9.temp > 2\"; priority = \"high\";\n"
             "            category = \"x\"; title = \"y\"; } );\n",
             &c, &d);
    assert_int_equal(rc, ST_ERR_CONFIG);
    expect_error(&d, 3, "'type' = \"serial\" is not one of: tcp, rtu");
    expect_error(&d, 4, "'address' = 70000 is out of range");
    expect_error(&d, 5, "unknown bus 'nobus'");
    expect_error(&d, 5, "'interval' = \"30\" is not valid");
    expect_error(&d, 6, "unknown profile 'nope'");
    expect_error(&d, 6, "duplicate device id 'd'");
    expect_error(&d, 8, "do not write the password in the configuration");
    expect_error(&d, 9, "rule 'r': when: unknown point 'tx9.temp' at column 12");
    expect_error(&d, 9, "'priority' = \"high\" is not one of: emergency, urgent, normal, info");
    for (size_t i = 1; i < d.n; i++) /* sorted by line */
        assert_true(atoi(strchr(d.msgs[i - 1] + strlen(path), ':') + 1) <=
                    atoi(strchr(d.msgs[i] + strlen(path), ':') + 1));
    config_diag_free(&d);
}

static void test_missing_file_is_an_io_error(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(config_load("/nonexistent/steward.cfg", &c, &d), ST_ERR_IO);
    assert_int_equal(d.n, 1);
    assert_non_null(strstr(d.msgs[0], "/nonexistent/steward.cfg: cannot read"));
    config_diag_free(&d);
}

static void test_builtin_alarm_ids_cannot_be_taken_by_rules(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(
        load(BASE "rules = ( { id = \"comm_d\"; when = \"d.t > 1\"; priority = \"normal\";\n"
                  "  category = \"x\"; title = \"y\"; } );\n",
             &c, &d),
        ST_ERR_CONFIG);
    expect_error(&d, 8, "taken by the built-in alarm of device 'd'");
    config_diag_free(&d);
}

static void test_units_that_would_break_telemetry_json_are_refused(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(load("site = { id = \"t\"; };\n"
                          "modbus = { profiles = ( { id = \"p\"; points = (\n"
                          "  { name = \"t\"; table = \"input\"; address = 0; type = \"u16\"; unit "
                          "= \"\\\"C\"; } ); } ); };\n",
                          &c, &d),
                     ST_ERR_CONFIG);
    expect_error(&d, 3, "'unit' must be at most 16 characters without quotes");
    config_diag_free(&d);
}

static void test_a_misspelled_setting_gets_the_closest_known_name(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(load("site = { id = \"t\"; };\n"
                          "mqtt = { upstream = { keepalve = \"30s\"; }; };\n"
                          "modbus = { buses = ( { id = \"b\"; type = \"tcp\"; } );\n"
                          "  devices = ( { id = \"d\"; bus = \"b\"; unit = 1; profile = \"p\";\n"
                          "                intervall = \"5s\"; } ); };\n"
                          "storage = { colour = \"red\"; };\n",
                          &c, &d),
                     ST_ERR_CONFIG);
    expect_error(&d, 2, "unknown setting 'keepalve' in mqtt.upstream; did you mean 'keepalive'?");
    expect_error(&d, 5, "unknown setting 'intervall' in device 'd'; did you mean 'interval'?");
    expect_error(&d, 6, "unknown setting 'colour' in storage");
    config_diag_free(&d);
}

static void test_a_value_out_of_bounds_names_the_bounds(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(
        load("site = { id = \"t\"; };\n"
             "mqtt = { upstream = { port = 70000; keepalive = \"1s\"; }; };\n"
             "modbus = { buses = ( { id = \"r\"; type = \"rtu\"; device = \"/dev/x\";\n"
             "                       data_bits = 9; } ); };\n",
             &c, &d),
        ST_ERR_CONFIG);
    expect_error(&d, 2, "mqtt.upstream: 'port' = 70000 is out of range (1 to 65535)");
    expect_error(&d, 2, "mqtt.upstream: 'keepalive' = \"1s\" is out of range (at least 5s)");
    expect_error(&d, 4, "bus 'r': 'data_bits' = 9 is out of range (7 to 8)");
    config_diag_free(&d);
}

static void test_a_setting_of_the_other_bus_type_is_refused(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(load("site = { id = \"t\"; };\n"
                          "modbus = { buses = (\n"
                          "  { id = \"r\"; type = \"rtu\"; device = \"/dev/x\"; host = \"h\"; },\n"
                          "  { id = \"b\"; type = \"tcp\"; baud = 9600; } ); };\n"
                          "mqtt = { sensors = { topic_prefix = \"x\"; }; };\n",
                          &c, &d),
                     ST_ERR_CONFIG);
    expect_error(&d, 3, "bus 'r': 'host' applies to tcp buses only (this one is rtu)");
    expect_error(&d, 4, "bus 'b': 'baud' applies to rtu buses only (this one is tcp)");
    expect_error(&d, 5, "mqtt.sensors: 'topic_prefix' applies to the upstream broker only");
    assert_int_equal(d.n, 3);
    config_diag_free(&d);
}

static void test_a_missing_required_setting_is_reported_at_its_group(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(load("site = { id = \"t\"; };\n"
                          "modbus = { buses = (\n"
                          "  { id = \"r\";\n"
                          "    type = \"rtu\"; } );\n"
                          "  profiles = ( { id = \"p\"; points = ( { name = \"v\"; table = "
                          "\"input\"; type = \"u16\"; } ); } );\n"
                          "  devices = ( { id = \"d\"; bus = \"r\"; profile = \"p\"; } ); };\n"
                          "mqtt = { upstream = { tls = { cert_file = \"c.pem\"; }; }; };\n"
                          "maintenance = ( { asset = \"GEN-1\"; } );\n",
                          &c, &d),
                     ST_ERR_CONFIG);
    expect_error(&d, 3, "bus 'r': missing required setting 'device'");
    expect_error(&d, 5, "point 'v' of profile 'p': missing required setting 'address'");
    expect_error(&d, 6, "device 'd': missing required setting 'unit'");
    expect_error(&d, 7, "mqtt.upstream.tls: missing required setting 'ca_file'");
    expect_error(&d, 7, "mqtt.upstream.tls: 'cert_file' and 'key_file' go together");
    expect_error(&d, 8, "maintenance: missing required setting 'id'");
    config_diag_free(&d);

    assert_int_equal(load("mqtt = { };\n", &c, &d), ST_ERR_CONFIG);
    assert_int_equal(d.n, 1);
    char want[128];
    snprintf(want, sizeof(want), "%s: the configuration: missing required group 'site'", path);
    assert_string_equal(d.msgs[0], want);
    config_diag_free(&d);
}

static void test_defaults_apply_to_brokers_buses_and_points(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    int rc = load("site = { id = \"t\"; };\n"
                  "mqtt = { upstream = { tls = { ca_file = \"ca.pem\"; }; };\n"
                  "         sensors = { host = \"10.0.0.2\"; }; };\n"
                  "modbus = { buses = ( { id = \"r\"; type = \"rtu\"; device = \"/dev/x\"; },\n"
                  "                     { id = \"b\"; type = \"tcp\"; } );\n"
                  "  profiles = ( { id = \"p\"; points = ( { name = \"v\"; table = \"input\"; "
                  "address = 0; type = \"f32\"; } ); } ); };\n",
                  &c, &d);
    for (size_t k = 0; k < d.n; k++)
        fprintf(stderr, "%s\n", d.msgs[k]);
    assert_int_equal(rc, ST_OK);
    assert_int_equal(c->upstream.keepalive_ms, 30000);
    assert_int_equal(c->upstream.use_tls, 1);
    assert_int_equal(c->upstream.port, 8883);
    assert_string_equal(c->upstream.tls.ca_file, "/tmp/ca.pem"); /* beside the file */
    assert_null(c->upstream.tls.cert_file);
    assert_int_equal(c->has_sensor_broker, 1);
    assert_int_equal(c->sensors.port, 1883);
    assert_int_equal(c->sensors.keepalive_ms, 30000);
    assert_string_equal(c->sensors.client_id, "steward-t-sensors");
    assert_null(c->sensors.topic_prefix);
    assert_int_equal(c->buses[0].baud, 9600);
    assert_int_equal(c->buses[0].parity, 'N');
    assert_int_equal(c->buses[0].data_bits, 8);
    assert_int_equal(c->buses[0].stop_bits, 1);
    assert_null(c->buses[0].host);
    assert_string_equal(c->buses[1].host, "127.0.0.1");
    assert_int_equal(c->buses[1].port, 502);
    assert_string_equal(c->profiles[0].points[0].order, "ABCD");
    assert_true(c->profiles[0].points[0].scale == 1.0);
    assert_null(c->profiles[0].points[0].unit);
    assert_int_equal(c->storage.max_size, 256LL * 1024 * 1024);
    assert_int_equal(c->sla.prio[PRIO_URGENT].respond_ms, 30 * 60000LL);
    config_free(c);
    config_diag_free(&d);
}

static void test_byte_order_is_one_of_four_names(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    const char *text = "site = { id = \"t\"; };\n"
                       "modbus = { profiles = ( { id = \"p\"; points = (\n"
                       "  { name = \"a\"; table = \"input\"; address = 0; type = \"u32\"; order = "
                       "\"CDAB\"; },\n"
                       "  { name = \"b\"; table = \"input\"; address = 2; type = \"u32\"; order = "
                       "\"ACBD\"; } ); } ); };\n";
    assert_int_equal(load(text, &c, &d), ST_ERR_CONFIG);
    expect_error(&d, 4, "'order' = \"ACBD\" is not one of: ABCD, CDAB, BADC, DCBA");
    assert_int_equal(d.n, 1);
    config_diag_free(&d);
}

static void test_durations_and_sizes(void **st)
{
    (void)st;
    int64_t v;
    assert_int_equal(duration_parse("500ms", &v), 0);
    assert_int_equal(v, 500);
    assert_int_equal(duration_parse("15m", &v), 0);
    assert_int_equal(v, 900000);
    assert_int_equal(duration_parse("7d", &v), 0);
    assert_int_equal(v, 7 * 86400000LL);
    assert_int_equal(duration_parse("1.5s", &v), 0);
    assert_int_equal(v, 1500);
    assert_int_equal(duration_parse("30", &v), ST_ERR_INVAL);
    assert_int_equal(duration_parse("-1s", &v), ST_ERR_INVAL);
    assert_int_equal(duration_parse("5 m", &v), ST_ERR_INVAL);
    assert_int_equal(duration_parse("1w", &v), ST_ERR_INVAL);
    assert_int_equal(size_parse("256MB", &v), 0);
    assert_int_equal(v, 256LL * 1024 * 1024);
    char buf[32];
    assert_string_equal(duration_format(5400000, buf, sizeof(buf)), "1h30m");
}

/* An expression error: FILE:LINE:COLUMN, the expression, and a caret under the fault. */
static void test_an_expression_error_shows_a_caret_under_the_fault(void **st)
{
    (void)st;
    struct config *c = NULL;
    struct config_diag d = {0};
    assert_int_equal(load(BASE "rules = ( { id = \"r\"; when = \"d.t > 1 && d.x < 2\";\n"
                               "  priority = \"urgent\"; category = \"c\"; title = \"t\"; } );\n",
                          &c, &d),
                     ST_ERR_CONFIG);
    char want[160];
    snprintf(want, sizeof(want), "%s:8:12: rule 'r': when: unknown point 'd.x'", path);
    int found = 0;
    for (size_t i = 0; i < d.n; i++)
        if (strstr(d.msgs[i], want) && strstr(d.msgs[i], "\n    d.t > 1 && d.x < 2\n"
                                                         "               ^"))
            found = 1;
    for (size_t i = 0; !found && i < d.n; i++)
        fprintf(stderr, "got: %s\n", d.msgs[i]);
    assert_true(found);
    config_diag_free(&d);
}

/* A number with a unit in a rule: converted to the point's unit as configured, refused at its
 * column when the unit does not fit. */
static void test_a_unit_in_a_rule_must_fit_the_point(void **st)
{
    (void)st;
    static const char head[] =
        "site = { id = \"t\"; };\n"
        "modbus = {\n"
        "  buses = ( { id = \"b\"; type = \"tcp\"; port = 1502; } );\n"
        "  profiles = ( { id = \"p\"; points = (\n"
        "    { name = \"t\"; table = \"holding\"; address = 0; type = \"i16\"; unit = \"C\"; } "
        "); } );\n"
        "  devices = ( { id = \"d\"; bus = \"b\"; unit = 1; profile = \"p\"; } );\n"
        "};\n";
    char text[1024];
    struct config *c = NULL;
    struct config_diag d = {0};
    snprintf(text, sizeof(text),
             "%srules = ( { id = \"r\"; when = \"d.t > 130C && d.t < 0.5kV\";\n"
             "  priority = \"urgent\"; category = \"c\"; title = \"t\"; } );\n",
             head);
    assert_int_equal(load(text, &c, &d), ST_ERR_CONFIG);
    char want[160];
    snprintf(want, sizeof(want), "%s:8:21: rule 'r': when: 'kV' does not fit d.t, which is in C",
             path);
    int found = 0;
    for (size_t i = 0; i < d.n; i++)
        found |= strstr(d.msgs[i], want) != NULL;
    for (size_t i = 0; !found && i < d.n; i++)
        fprintf(stderr, "got: %s\n", d.msgs[i]);
    assert_true(found);
    config_diag_free(&d);

    memset(&d, 0, sizeof(d));
    snprintf(text, sizeof(text),
             "%srules = ( { id = \"r\"; when = \"d.t > 130C\";\n"
             "  priority = \"urgent\"; category = \"c\"; title = \"t\"; } );\n",
             head);
    assert_int_equal(load(text, &c, &d), ST_OK);
    config_free(c);
    config_diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_unit_in_a_rule_must_fit_the_point),
        cmocka_unit_test(test_shipped_examples_load),
        cmocka_unit_test(test_design_example_catalog_and_defaults),
        cmocka_unit_test(test_defaults_fill_what_is_not_written),
        cmocka_unit_test(test_a_relative_database_goes_to_the_state_directory),
        cmocka_unit_test(test_an_unknown_time_zone_is_refused),
        cmocka_unit_test(test_an_expression_error_shows_a_caret_under_the_fault),
        cmocka_unit_test(test_syntax_error_names_file_and_line),
        cmocka_unit_test(test_misspelled_setting_is_reported_with_a_suggestion),
        cmocka_unit_test(test_every_error_is_reported_in_file_order),
        cmocka_unit_test(test_missing_file_is_an_io_error),
        cmocka_unit_test(test_builtin_alarm_ids_cannot_be_taken_by_rules),
        cmocka_unit_test(test_units_that_would_break_telemetry_json_are_refused),
        cmocka_unit_test(test_a_misspelled_setting_gets_the_closest_known_name),
        cmocka_unit_test(test_a_value_out_of_bounds_names_the_bounds),
        cmocka_unit_test(test_a_setting_of_the_other_bus_type_is_refused),
        cmocka_unit_test(test_a_missing_required_setting_is_reported_at_its_group),
        cmocka_unit_test(test_defaults_apply_to_brokers_buses_and_points),
        cmocka_unit_test(test_byte_order_is_one_of_four_names),
        cmocka_unit_test(test_durations_and_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
