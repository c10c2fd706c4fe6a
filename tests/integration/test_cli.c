/*
 * Integration test: the `steward` command line as a user meets it. Every command the usage text
 * lists is one main.c knows (a command added to the usage but not to the dispatch, or the other
 * way round, fails here), and the offline tools work end to end on the shipped demo: `steward
 * rules test --replay` over the recorded samples in tests/data/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/harness.h"

#define MAX_COMMANDS 32

static const char site_cfg[] = "site = { id = \"cli\"; };\n"
                               "mqtt = { upstream = { port = @MQTT_PORT@; }; };\n"
                               "storage = { path = \"@DB@\"; };\n"
                               "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"s/leak\"; "
                               "field = \"water_leak\"; } );\n"
                               "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = "
                               "\"emergency\"; category = \"plumbing\"; title = \"Leak\"; } );\n";

/* The first word of each line under "commands:" in the usage text, up to the blank line. */
static int usage_commands(const char *usage, char names[][32], int max)
{
    const char *p = strstr(usage, "commands:\n");
    if (!p) return 0;
    p += strlen("commands:\n");
    int n = 0;
    while (*p == ' ' && n < max) {
        while (*p == ' ')
            p++;
        size_t len = strcspn(p, " \n");
        if (len && len < 32 && *p != '[') { /* "[--note ...": an option's continuation line */
            memcpy(names[n], p, len);
            names[n][len] = '\0';
            /* "rules test", "report alarms": one command, listed once per subcommand */
            if (n == 0 || strcmp(names[n - 1], names[n]) != 0) n++;
        }
        p = strchr(p, '\n');
        if (!p) break;
        p++;
    }
    return n;
}

static void test_every_listed_command_is_known(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    const char *cfg = h_write_config(e, "site.cfg", site_cfg);
    char cfg_path[256];
    snprintf(cfg_path, sizeof(cfg_path), "%s", cfg);

    const char *help[] = {h_bin("steward"), "--help", NULL};
    assert_int_equal(h_run(help, h_path(e, "help.out"), 10000), 0);
    char *usage = h_read_file(h_path(e, "help.out"));
    assert_non_null(usage);
    char names[MAX_COMMANDS][32];
    int n = usage_commands(usage, names, MAX_COMMANDS);
    free(usage);
    /* run, check, status, watch, the six alarm verbs, rules, report, workorder, config-reference */
    assert_true(n >= 14);

    int tried = 0;
    for (int i = 0; i < n; i++) {
        /* run and watch wait for a broker by design; the rest finish at once without one. */
        if (strcmp(names[i], "run") == 0 || strcmp(names[i], "watch") == 0) continue;
        /* Without their arguments: each must get past "unknown command" to its own error. */
        const char *argv[] = {h_bin("steward"), names[i], "-c", cfg_path, NULL};
        char out_name[64];
        snprintf(out_name, sizeof(out_name), "cmd-%d.out", i);
        int code = h_run(argv, h_path(e, out_name), 15000);
        char *out = h_read_file(h_path(e, out_name));
        assert_non_null(out);
        if (strstr(out, "unknown command"))
            fail_msg("'%s' is in the usage but:\n%s", names[i], out);
        assert_in_range(code, 0, 2);
        free(out);
        tried++;
    }
    assert_true(tried >= 12);

    const char *bogus[] = {h_bin("steward"), "acknowledge", "-c", cfg_path, NULL};
    assert_int_equal(h_run(bogus, h_path(e, "bogus.out"), 10000), 1);
    char *out = h_read_file(h_path(e, "bogus.out"));
    assert_non_null(strstr(out, "steward: unknown command 'acknowledge'"));
    free(out);
    h_cleanup_all();
    free(e);
}

static void test_rules_test_replays_the_demo_samples(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    const char *argv[] = {h_bin("steward"),
                          "rules",
                          "test",
                          "-c",
                          "config/examples/demo.cfg",
                          "--replay",
                          "tests/data/replay_demo.csv",
                          NULL};
    assert_int_equal(h_run(argv, h_path(e, "replay.out"), 20000), 0);
    char *out = h_read_file(h_path(e, "replay.out"));
    assert_non_null(out);
    /* The power factor dips at 14:05Z and pf_low has a 15 minute on_delay: raised at 14:20Z. */
    if (!strstr(out, "14:20:00 +00:00  pf_low               raised"))
        fail_msg("pf_low should raise at 14:20 in:\n%s", out);
    assert_non_null(strstr(out, "work orders it would have raised: 3"));
    free(out);

    /* Without --replay: a usage error, exit 1. */
    const char *none[] = {h_bin("steward"),           "rules", "test", "-c",
                          "config/examples/demo.cfg", NULL};
    assert_int_equal(h_run(none, h_path(e, "none.out"), 10000), 1);
    h_cleanup_all();
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_listed_command_is_known),
        cmocka_unit_test(test_rules_test_replays_the_demo_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
