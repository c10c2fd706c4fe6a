/*
 * Integration test: one master per RS-485 line, faults that stay local. steward-sim plays three
 * lines on pseudo-terminal pairs, with the shipped profiles (config/profiles/, by @include):
 *   rs485_1: two healthy slaves (a transformer controller, an SDM630 meter), one that goes
 *            silent and comes back, one that always answers after the timeout;
 *   rs485_2: the same two healthy slaves alone: the reference rate;
 *   rs485_3: a slave answering under another unit id (the id of its neighbour), and a device
 *            with a coil, a discrete input, a 64-bit integer, a 64-bit float, a deadband.
 * The healthy slaves of line 1 must keep the poll rate of line 2 (counted by the simulator, per
 * unit, over the whole run: no timing assert), the late and wrong-unit answers must never be
 * taken for values, the comm alarms must be raised and, for the slave that returns, cleared, and
 * the simulator must have received nothing but read requests.
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
    "site = { id = \"rl\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/rl\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "modbus = {\n"
    "  buses = (\n"
    "    { id = \"rs485_1\"; type = \"rtu\"; device = \"@DIR@/tty1\"; baud = 19200;\n"
    "      timeout = \"150ms\"; },\n"
    "    { id = \"rs485_2\"; type = \"rtu\"; device = \"@DIR@/tty2\"; baud = 19200;\n"
    "      timeout = \"150ms\"; },\n"
    "    { id = \"rs485_3\"; type = \"rtu\"; device = \"@DIR@/tty3\"; baud = 19200;\n"
    "      timeout = \"150ms\"; inter_frame = \"3ms\"; } );\n"
    "  profiles = (\n"
    "    @include \"config/profiles/drytx_temp_controller.cfg\"\n"
    "    ,\n"
    "    @include \"config/profiles/eastron_sdm630.cfg\"\n"
    "    ,\n"
    "    { id = \"mixed\"; points = (\n"
    "      { name = \"run\"; table = \"coil\"; address = 3; },\n"
    "      { name = \"door\"; table = \"discrete\"; address = 0; },\n"
    "      { name = \"big\"; table = \"input\"; address = 0; type = \"u64\"; order = \"DCBA\"; },\n"
    "      { name = \"ratio\"; table = \"input\"; address = 4; type = \"f64\"; order = \"CDAB\"; "
    "},\n"
    "      { name = \"level\"; table = \"holding\"; address = 0; type = \"u16\"; deadband = 5.0; "
    "},\n"
    "      { name = \"heat\"; table = \"holding\"; address = 1; type = \"i16\"; scale = 0.1; }\n"
    "    ); } );\n"
    "  devices = (\n"
    "    { id = \"m1\"; bus = \"rs485_1\"; unit = 1; profile = \"drytx_temp_controller\";\n"
    "      interval = \"200ms\"; },\n"
    "    { id = \"m2\"; bus = \"rs485_1\"; unit = 2; profile = \"eastron_sdm630\"; interval = "
    "\"200ms\"; },\n"
    "    { id = \"s3\"; bus = \"rs485_1\"; unit = 3; profile = \"drytx_temp_controller\";\n"
    "      interval = \"200ms\"; },\n"
    "    { id = \"s4\"; bus = \"rs485_1\"; unit = 4; profile = \"drytx_temp_controller\";\n"
    "      interval = \"200ms\"; },\n"
    "    { id = \"r1\"; bus = \"rs485_2\"; unit = 1; profile = \"drytx_temp_controller\";\n"
    "      interval = \"200ms\"; },\n"
    "    { id = \"r2\"; bus = \"rs485_2\"; unit = 2; profile = \"eastron_sdm630\"; interval = "
    "\"200ms\"; },\n"
    "    { id = \"w5\"; bus = \"rs485_3\"; unit = 5; profile = \"drytx_temp_controller\";\n"
    "      interval = \"200ms\"; },\n"
    "    { id = \"h6\"; bus = \"rs485_3\"; unit = 6; profile = \"mixed\"; interval = \"200ms\"; }\n"
    "  );\n"
    "};\n";

static const char scenario[] = "0s s3 silent\n"
                               "0s s4 slow 400ms\n"
                               "0s w5 wrong_unit\n"
                               "0s m1.temp_a set 131.2\n"
                               "1s m1.fan_on set true\n"
                               "1s h6.run set true\n"
                               "1s h6.door set on\n"
                               "1s h6.big set 4000000000\n"
                               "1s h6.ratio set 1234.5625\n"
                               "1s h6.heat set -12.5\n"
                               "1s h6.level ramp 3 2s\n"
                               "5s h6.level set 10\n"
                               "6s s3 online\n";

static const char *const topics[] = {"steward/rl/#", NULL};

#define T(dev, pt) "steward/rl/telemetry/" dev "/" pt

/* The requests the simulator counted for device id (its "sim: bus ... (id): N requests" line at
 * exit), or -1. Also the other function codes it saw, in *other. */
static long long sim_count(const char *log, const char *id, long long *other)
{
    char needle[64];
    snprintf(needle, sizeof(needle), "(%s): ", id);
    const char *p = strstr(log, needle);
    if (!p) return -1;
    long long n = strtoll(p + strlen(needle), NULL, 10);
    const char *o = strstr(p, "other ");
    if (other) *other = o ? strtoll(o + 6, NULL, 10) : -1;
    return n;
}

static void test_rtu_lines_keep_their_rate_past_silent_slow_and_wrong_unit_slaves(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_non_null(e);
    char *cfg = strdup(h_write_config(e, "rl.cfg", cfg_text));
    char *scn = strdup(h_path(e, "rl.scn"));
    FILE *f = fopen(scn, "w");
    assert_non_null(f);
    fputs(scenario, f);
    fclose(f);
    char tty[3][256], serial[3][300];
    _Static_assert(sizeof(serial[0]) > sizeof(tty[0]) + 16, "room for BUS=PATH");
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof(name), "tty%d", i + 1);
        snprintf(tty[i], sizeof(tty[i]), "%.255s", h_path(e, name));
        snprintf(serial[i], sizeof(serial[i]), "rs485_%d=%.255s", i + 1, tty[i]);
    }
    assert_true(h_broker_start(e) > 0);
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(sub);
    const char *sim_argv[] = {
        h_bin("steward-sim"), "-c",      cfg,        "--scenario", scn, "--serial", serial[0],
        "--serial",           serial[1], "--serial", serial[2],    NULL};
    pid_t sim = h_spawn(sim_argv, h_path(e, "sim.log"));
    for (int i = 0; i < 3; i++)
        assert_int_equal(h_wait_file(tty[i], 5000), 0);
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);

    /* Every slave that answers is read, with the shipped profiles. */
    const struct h_msg *m = h_sub_wait(sub, T("m1", "temp_a"), "quality", "good", 5000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    /* 1312 x 0.1 at the point's resolution, not 131.20000000000002 */
    assert_non_null(strstr(m->payload, "\"value\":131.2,"));
    assert_non_null(h_sub_wait(sub, T("m2", "voltage_l1"), "quality", "good", 5000));
    assert_non_null(h_sub_wait(sub, T("r2", "pf_total"), "quality", "good", 5000));
    /* The silent, the late and the wrong-unit slaves go into communication fault. */
    assert_non_null(h_sub_wait(sub, "steward/rl/alarms/comm_s3", "state", "active_unack", 10000));
    assert_non_null(h_sub_wait(sub, "steward/rl/alarms/comm_s4", "state", "active_unack", 10000));
    assert_non_null(h_sub_wait(sub, "steward/rl/alarms/comm_w5", "state", "active_unack", 10000));
    /* Bits, coils, discrete inputs (true/false), 64-bit values over the wire; a deadband holds
     * small moves. */
    assert_non_null(h_sub_wait(sub, T("m1", "fan_on"), "value", "true", 5000));
    assert_non_null(h_sub_wait(sub, T("h6", "run"), "value", "true", 5000));
    assert_non_null(h_sub_wait(sub, T("h6", "door"), "value", "true", 5000));
    assert_non_null(h_sub_wait(sub, T("h6", "big"), "value", "4000000000", 5000));
    assert_non_null(h_sub_wait(sub, T("h6", "ratio"), "value", "1234.5625", 5000));
    assert_non_null(h_sub_wait(sub, T("h6", "heat"), "value", "-12.5", 5000));
    assert_non_null(h_sub_wait(sub, T("h6", "level"), "value", "10", 8000));
    /* The slave that came back clears its alarm (within its back-off of at most 5 s). */
    m = h_sub_wait(sub, "steward/rl/alarms/comm_s3", "state", "rtn_unack", 12000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    assert_non_null(h_sub_wait(sub, T("s3", "temp_a"), "quality", "good", 3000));

    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    h_stop(sim, 5000);

    /* Nothing the late or wrong-unit slaves sent was taken for a value. */
    assert_int_equal(h_sub_count(sub, T("s4", "temp_a"), "quality", "good"), 0);
    assert_int_equal(h_sub_count(sub, T("w5", "temp_a"), "quality", "good"), 0);
    /* The deadband of 5 held the ramp to 3: only 0 and then 10 were published. */
    int level_all = h_sub_count(sub, T("h6", "level"), NULL, NULL);
    assert_int_equal(h_sub_count(sub, T("h6", "level"), "value", "0") +
                         h_sub_count(sub, T("h6", "level"), "value", "10"),
                     level_all);

    char *simlog = h_read_file(h_path(e, "sim.log"));
    char *gwlog = h_read_file(h_path(e, "steward.log"));
    assert_non_null(simlog);
    assert_non_null(gwlog);
    /* The wrong-unit answers were refused as such. */
    assert_non_null(strstr(gwlog, "device w5 (unit 5): Response not from requested slave"));
    const char *ids[] = {"m1", "m2", "s3", "s4", "r1", "r2", "w5", "h6"};
    long long count[8];
    for (int i = 0; i < 8; i++) {
        long long other = -1;
        count[i] = sim_count(simlog, ids[i], &other);
        if (count[i] < 0) fail_msg("the simulator logged no count for %s", ids[i]);
        if (other != 0) fail_msg("%s received %lld requests that are not reads", ids[i], other);
    }
    assert_null(strstr(simlog, "WRITE"));
    /* Requests per poll: the controller 1, the SDM630 4 (merged from 14 points). The healthy
     * slaves of line 1 keep the rate of the same slaves alone on line 2, within 20 %. */
    printf("requests: m1 %lld r1 %lld m2 %lld r2 %lld s3 %lld s4 %lld w5 %lld h6 %lld\n", count[0],
           count[4], count[1], count[5], count[2], count[3], count[6], count[7]);
    assert_true(count[4] >= 20);
    assert_true(count[0] >= 0.8 * (double)count[4]);
    assert_true(count[1] >= 0.8 * (double)count[5]);
    assert_int_equal(count[5] % 4, 0);
    /* The sidelined slaves were asked far less often than the healthy ones. */
    assert_true(count[3] < count[0] / 2);
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
        cmocka_unit_test(test_rtu_lines_keep_their_rate_past_silent_slow_and_wrong_unit_slaves),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
