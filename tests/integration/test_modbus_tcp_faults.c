/*
 * Integration test: faults that stay local on one Modbus TCP connection (a Modbus gateway with
 * several units behind it). steward-sim plays a healthy meter, a unit that answers under another
 * unit id (which libmodbus 3.1.6 would accept on TCP), a unit that answers after the timeout, and
 * one that drops the connection for a while; a second endpoint carries the same meter alone, the
 * reference rate. Nothing but the healthy values may be published as good; the comm alarms are
 * raised, and cleared for the unit that recovers; the meter keeps its rate; only reads arrive.
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

static const char cfg_fmt[] =
    "site = { id = \"tf\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/tf\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "modbus = {\n"
    "  buses = ( { id = \"gw\"; type = \"tcp\"; port = @MODBUS_PORT@; timeout = \"200ms\"; },\n"
    "            { id = \"ref\"; type = \"tcp\"; port = %d; timeout = \"200ms\"; } );\n"
    "  profiles = (\n"
    "    @include \"config/profiles/eastron_sdm630.cfg\"\n"
    "  );\n"
    "  devices = (\n"
    "    { id = \"meter\"; bus = \"gw\"; unit = 1; profile = \"eastron_sdm630\"; interval = "
    "\"250ms\"; },\n"
    "    { id = \"wu\"; bus = \"gw\"; unit = 2; profile = \"eastron_sdm630\"; interval = "
    "\"250ms\"; },\n"
    "    { id = \"late\"; bus = \"gw\"; unit = 4; profile = \"eastron_sdm630\"; interval = "
    "\"250ms\"; timeout = \"150ms\"; },\n"
    "    { id = \"dropper\"; bus = \"gw\"; unit = 5; profile = \"eastron_sdm630\"; interval = "
    "\"250ms\"; comm_fail_after = 2; },\n"
    "    { id = \"refm\"; bus = \"ref\"; unit = 1; profile = \"eastron_sdm630\"; interval = "
    "\"250ms\"; } );\n"
    "};\n";

static const char scenario[] = "0s wu wrong_unit\n"
                               "0s late slow 500ms\n"
                               "0s dropper drop\n"
                               "4s dropper online\n";

static const char *const topics[] = {"steward/tf/#", NULL};

static long long sim_count(const char *log, const char *id, long long *other)
{
    char needle[64];
    snprintf(needle, sizeof(needle), "(%s): ", id);
    const char *p = strstr(log, needle);
    if (!p) return -1;
    const char *o = strstr(p, "other ");
    *other = o ? strtoll(o + 6, NULL, 10) : -1;
    return strtoll(p + strlen(needle), NULL, 10);
}

static void test_tcp_units_that_answer_wrongly_or_late_or_drop_stay_local(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_non_null(e);
    int ref_port = h_free_port();
    assert_true(ref_port > 0 && ref_port != e->modbus_port);
    char text[sizeof(cfg_fmt) + 16];
    snprintf(text, sizeof(text), cfg_fmt, ref_port);
    char *cfg = strdup(h_write_config(e, "tf.cfg", text));
    char *scn = strdup(h_path(e, "tf.scn"));
    FILE *f = fopen(scn, "w");
    assert_non_null(f);
    fputs(scenario, f);
    fclose(f);
    assert_true(h_broker_start(e) > 0);
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(sub);
    pid_t sim = h_sim_start(e, cfg, scn, "1");
    assert_true(sim > 0);
    assert_int_equal(h_wait_port(ref_port, 5000), 0);
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);

    const struct h_msg *m =
        h_sub_wait(sub, "steward/tf/telemetry/meter/voltage_l1", "quality", "good", 5000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    assert_non_null(h_sub_wait(sub, "steward/tf/alarms/comm_wu", "state", "active_unack", 10000));
    assert_non_null(h_sub_wait(sub, "steward/tf/alarms/comm_late", "state", "active_unack", 10000));
    assert_non_null(
        h_sub_wait(sub, "steward/tf/alarms/comm_dropper", "state", "active_unack", 10000));
    m = h_sub_wait(sub, "steward/tf/alarms/comm_dropper", "state", "rtn_unack", 12000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    assert_non_null(
        h_sub_wait(sub, "steward/tf/telemetry/dropper/voltage_l1", "quality", "good", 3000));

    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    h_stop(sim, 5000);
    assert_int_equal(h_sub_count(sub, "steward/tf/telemetry/wu/#", "quality", "good"), 0);
    assert_int_equal(h_sub_count(sub, "steward/tf/telemetry/late/#", "quality", "good"), 0);
    assert_int_equal(h_sub_count(sub, "steward/tf/alarms/comm_meter", NULL, NULL), 0);

    char *simlog = h_read_file(h_path(e, "sim.log"));
    char *gwlog = h_read_file(h_path(e, "steward.log"));
    assert_non_null(simlog);
    assert_non_null(gwlog);
    /* On TCP too the answer under unit 3 was refused for what it is. */
    assert_non_null(strstr(gwlog, "device wu (unit 2): Response not from requested slave "
                                  "(refused an answer from unit 3)"));
    long long other = -1, meter = sim_count(simlog, "meter", &other);
    assert_int_equal(other, 0);
    long long refm = sim_count(simlog, "refm", &other);
    assert_int_equal(other, 0);
    long long wu = sim_count(simlog, "wu", &other);
    assert_int_equal(other, 0);
    printf("requests: meter %lld, alone on its own endpoint %lld, wrong unit %lld\n", meter, refm,
           wu);
    assert_true(refm >= 40);
    assert_true(meter >= 0.8 * (double)refm);
    assert_null(strstr(simlog, "WRITE"));
    free(simlog);
    free(gwlog);
    h_sub_free(sub);
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
        cmocka_unit_test(test_tcp_units_that_answer_wrongly_or_late_or_drop_stay_local),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
