/* Unit tests: the standard's four emergencies shipped (config/examples/emergencies.cfg) and the
 * simulator scenarios that play them (config/examples/scenarios/). */
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
#include "simulator/scenario.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_the_four_emergencies_load_with_their_scenarios(void **state)
{
    (void)state;
    struct config *c = NULL;
    assert_int_equal(config_load("config/examples/emergencies.cfg", &c, NULL), 0);
    static const char *const rules[] = {"power_loss_mdb1", "leak_pump_room", "lift_l1_stopped",
                                        "fire_b2"};
    assert_int_equal(c->n_rules, 4);
    assert_int_equal(c->n_sensors, 3);
    for (size_t i = 0; i < 4; i++) {
        int r = config_rule_find(c, rules[i]);
        assert_true(r >= 0);
        assert_int_equal(c->rules[r].priority, PRIO_EMERGENCY);
    }
    assert_int_equal(c->sla.after_hours.from_min, 22 * 60 + 30);
    assert_int_equal(c->sla.after_hours.to_min, 7 * 60);
    assert_int_equal(c->sla.after_hours.respond_ms, 10 * 60000);
    assert_int_equal(c->sla.report_at_min, 9 * 60);
    assert_int_equal(c->sla.follow_up.n_cat, 1);
    static const char *const scenarios[] = {"power_loss", "water_leak", "lift_stopped", "fire",
                                            "all_four"};
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        char path[128], err[256];
        snprintf(path, sizeof(path), "config/examples/scenarios/%s.scn", scenarios[i]);
        struct scenario s;
        if (scenario_parse(slurp(path), path, c, &s, err, sizeof(err)) != 0) fail_msg("%s", err);
        assert_true(s.n >= 1);
        scenario_free(&s);
    }
    config_free(c);
}

static void test_the_sla_defaults_and_refusals(void **state)
{
    (void)state;
    /* demo.cfg has no after_hours, follow_up or review: the defaults apply */
    struct config *c = NULL;
    assert_int_equal(config_load("config/examples/demo.cfg", &c, NULL), 0);
    assert_int_equal(c->sla.after_hours.from_min, 22 * 60 + 30);
    assert_int_equal(c->sla.follow_up.after_ms, 3 * 86400000LL);
    assert_string_equal(c->sla.follow_up.cat[0].category, "home_repair");
    assert_int_equal(c->sla.follow_up.cat[0].ms, 30 * 86400000LL);
    assert_int_equal(c->sla.report_at_min, 9 * 60);
    config_free(c);
    static const char *const bad[] = {
        "site = { id = \"x\"; };\nsla = { after_hours = { from = \"24:00\"; }; };\n",
        "site = { id = \"x\"; };\nsla = { follow_up = { categories = [\"lift\"]; }; };\n",
        "site = { id = \"x\"; };\nreview = { report_at = \"9:00\"; };\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char path[] = "/tmp/steward-sla-cfg-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        FILE *f = fdopen(fd, "w");
        fputs(bad[i], f);
        fclose(f);
        struct config_diag d = {0};
        assert_int_not_equal(config_load(path, &c, &d), 0);
        assert_true(d.n >= 1);
        config_diag_free(&d);
        unlink(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_four_emergencies_load_with_their_scenarios),
        cmocka_unit_test(test_the_sla_defaults_and_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
