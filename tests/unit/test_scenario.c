/* Unit tests: the simulator's scenario parser, timeline and values (simulator/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config/config.h"
#include "gateway/base/error.h"
#include "simulator/scenario.h"
#include "simulator/units.h"
#include "simulator/values.h"
#include "simulator/world.h"

static struct config *cfg;

static int load(void **st)
{
    (void)st;
    return config_load("config/examples/demo.cfg", &cfg, NULL) == ST_OK ? 0 : -1;
}

static int unload(void **st)
{
    (void)st;
    config_free(cfg);
    return 0;
}

static void test_builtin_scenarios_parse_against_the_demo_site(void **st)
{
    (void)st;
    const char *names[] = {"normal", "overtemp",         "pf_low", "leak",
                           "fire",   "door_after_hours", "demo"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct scenario sc;
        char err[256];
        const char *text = scenario_builtin(names[i]);
        assert_non_null(text);
        if (scenario_parse(text, names[i], cfg, &sc, err, sizeof(err))) fail_msg("%s", err);
        scenario_free(&sc);
    }
    assert_null(scenario_builtin("earthquake"));
}

static void test_errors_name_the_line(void **st)
{
    (void)st;
    struct scenario sc;
    char err[256];
    assert_int_equal(scenario_parse("# ok\n1s tx1.temp_a set 1\n2s tx1.temp_a jump 3\n", "f.scn",
                                    cfg, &sc, err, sizeof(err)),
                     ST_ERR_INVAL);
    assert_non_null(strstr(err, "f.scn:3:"));
    assert_int_equal(scenario_parse("1s tx9.temp_a set 1\n", "f.scn", cfg, &sc, err, sizeof(err)),
                     ST_ERR_INVAL);
    assert_non_null(strstr(err, "f.scn:1: 'tx9.temp_a' matches no point"));
    assert_int_equal(scenario_parse("1s nodev offline\n", "f.scn", cfg, &sc, err, sizeof(err)),
                     ST_ERR_INVAL);
    assert_int_equal(scenario_parse("soon tx1.temp_a set 1\n", "f.scn", cfg, &sc, err, sizeof(err)),
                     ST_ERR_INVAL);
}

static void test_targets_glob_and_kinds(void **st)
{
    (void)st;
    int temp_a = config_point_find(cfg, "tx1.temp_a"), leak = config_point_find(cfg, "leak_pump");
    assert_true(scenario_matches_point(cfg, "*.temp_a", temp_a));
    assert_false(scenario_matches_point(cfg, "*.temp_b", temp_a));
    assert_true(scenario_matches_point(cfg, "kind:leak", leak));
    assert_false(scenario_matches_point(cfg, "kind:fire", leak));
    assert_false(scenario_matches_point(cfg, "kind:leak", temp_a));
}

static void test_timeline_applies_steps_at_simulated_time(void **st)
{
    (void)st;
    struct scenario sc;
    char err[256];
    assert_int_equal(scenario_parse("10s tx1.temp_a ramp 140 10s\n4s kind:leak set true\n"
                                    "6s main_meter offline\n",
                                    "t", cfg, &sc, err, sizeof(err)),
                     ST_OK);
    assert_int_equal(sc.steps[0].at_ms, 4000); /* sorted by time */
    struct world w;
    assert_int_equal(world_init(&w, cfg, &sc, 2.0, 7, 0), ST_OK); /* speed 2 */
    int a = config_point_find(cfg, "tx1.temp_a"), leak = config_point_find(cfg, "leak_pump");
    world_tick(&w, 1999); /* 3.998 simulated s */
    assert_true(w.value[leak] == 0);
    world_tick(&w, 2000);
    assert_true(w.value[leak] == 1);
    assert_true(w.changed[leak]);
    assert_int_equal(w.fault[0], SIM_ANSWERS);
    world_tick(&w, 3000);
    assert_int_equal(w.fault[0], SIM_OFFLINE);
    world_tick(&w, 5000); /* ramp starts at 10 s from ~65 */
    double start = w.value[a];
    assert_true(start > 60 && start < 70);
    world_tick(&w, 7500); /* halfway */
    assert_true(w.value[a] > (start + 140) / 2 - 0.5 && w.value[a] < (start + 140) / 2 + 0.5);
    world_tick(&w, 10000);
    assert_true(w.value[a] == 140);
    world_tick(&w, 20000); /* pinned: no noise afterwards */
    assert_true(w.value[a] == 140);
    world_cleanup(&w);
    scenario_free(&sc);
}

static void test_device_faults_follow_the_timeline(void **st)
{
    (void)st;
    struct scenario sc;
    char err[256];
    assert_int_equal(scenario_parse("1s main_meter garbage\n2s main_meter exception\n"
                                    "3s main_meter online\n",
                                    "f", cfg, &sc, err, sizeof(err)),
                     ST_OK);
    struct world w;
    assert_int_equal(world_init(&w, cfg, &sc, 1.0, 7, 0), ST_OK);
    world_tick(&w, 999);
    assert_int_equal(w.fault[0], SIM_ANSWERS);
    world_tick(&w, 1000);
    assert_int_equal(w.fault[0], SIM_GARBAGE);
    world_tick(&w, 2000);
    assert_int_equal(w.fault[0], SIM_EXCEPTION);
    world_tick(&w, 3000);
    assert_int_equal(w.fault[0], SIM_ANSWERS);
    world_cleanup(&w);
    scenario_free(&sc);
    /* A device action needs a device, and nothing after it. */
    assert_int_equal(scenario_parse("1s main_meter garbage 3\n", "f", cfg, &sc, err, sizeof(err)),
                     ST_ERR_INVAL);
    assert_non_null(strstr(err, "f:1:"));
}

static void test_garbage_replies_stay_within_their_buffer(void **st)
{
    (void)st;
    uint8_t out[256];
    const uint8_t big[5] = {3, 0, 0, 0xFF, 0xFF}; /* a foreign client asks for 65535 registers */
    size_t n = sim_units_garbage(big, out);
    assert_true(n <= sizeof(out));
    assert_int_equal(out[1], n - 2); /* the byte count it claims is the bytes it carries */
    const uint8_t one[5] = {4, 0, 0, 0, 1};
    n = sim_units_garbage(one, out);
    assert_int_equal(out[1], 4); /* asked for 1 register, given 2 */
}

static void test_values_are_plausible_and_deterministic(void **st)
{
    (void)st;
    int pf = config_point_find(cfg, "main_meter.pf_total");
    int v = config_point_find(cfg, "main_meter.voltage_l1");
    assert_true(values_baseline(cfg, pf) == 0.95);
    assert_true(values_baseline(cfg, v) == 230);
    uint64_t s1 = 42, s2 = 42;
    for (int i = 0; i < 100; i++) {
        double x = values_rand(&s1);
        assert_true(x >= -1 && x < 1);
        assert_true(x == values_rand(&s2));
    }
    assert_true(scenario_ramp(0, 10, 1000, 250) == 2.5);
    assert_true(scenario_ramp(0, 10, 0, 0) == 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_scenarios_parse_against_the_demo_site),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_targets_glob_and_kinds),
        cmocka_unit_test(test_timeline_applies_steps_at_simulated_time),
        cmocka_unit_test(test_device_faults_follow_the_timeline),
        cmocka_unit_test(test_garbage_replies_stay_within_their_buffer),
        cmocka_unit_test(test_values_are_plausible_and_deterministic),
    };
    return cmocka_run_group_tests(tests, load, unload);
}
