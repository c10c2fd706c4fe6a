/*
 * Unit tests: `steward rules test --replay DATA.csv` (gateway/cli/rules_test.c) on the demo
 * site's rules. A recorded file with known transitions: pf_low's 15-minute on_delay (a dip
 * shorter than that raises nothing), a stale reading that would clear it and must not, a leak
 * on and off with its work order, a chattering leak; the times printed in the site's zone; and
 * files it must refuse, naming the line: a malformed line, a line going back in time, a point
 * not in the catalog.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "gateway/base/clock.h"
#include "gateway/cli/cli.h"

struct fx {
    char dir[64], csv[96];
    struct config *cfg;
    char *out, *err; /* what the command printed on its output and on stderr */
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    /* The site's zone: +08:00 all year, so the expected local times are fixed. */
    setenv("TZ", "Asia/Singapore", 1);
    tzset();
    snprintf(f->dir, sizeof(f->dir), "/tmp/steward-replay-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->csv, sizeof(f->csv), "%s/data.csv", f->dir);
    assert_int_equal(config_load("config/examples/demo.cfg", &f->cfg, NULL), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    config_free(f->cfg);
    unlink(f->csv);
    rmdir(f->dir);
    free(f->out);
    free(f->err);
    free(f);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Writes text as the data file, runs the command, keeps what it printed; returns its code. */
static int replay(struct fx *f, const char *text)
{
    FILE *fp = fopen(f->csv, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);

    char errpath[128], outpath[128];
    snprintf(errpath, sizeof(errpath), "%s/stderr", f->dir);
    snprintf(outpath, sizeof(outpath), "%s/stdout", f->dir);
    FILE *out = fopen(outpath, "w");
    assert_non_null(out);
    fflush(stderr);
    int saved = dup(2), fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    struct cli_opts o = {.command = "rules", .replay = f->csv};
    int code = cli_rules_test(f->cfg, &o, out);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(out);
    free(f->out);
    free(f->err);
    f->out = slurp(outpath);
    f->err = slurp(errpath);
    unlink(errpath);
    unlink(outpath);
    return code;
}

/* The output line of a transition: its local time, the alarm and the transition. */
static int has_transition(const char *out, const char *when, const char *alarm, const char *t)
{
    char pat[160];
    snprintf(pat, sizeof(pat), "%s  %-20s %-18s", when, alarm, t);
    return strstr(out, pat) != NULL;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static const char recorded[] =
    "timestamp,point,value,quality\n"
    "# pf below 0.90 from 14:05Z: raised 15 minutes later, at 14:20Z (22:20 in Singapore)\n"
    "2026-11-22T14:00:00Z,main_meter.pf_total,0.95\n"
    "2026-11-22T14:05:00Z,main_meter.pf_total,0.85\n"
    "2026-11-22T22:10:00+08:00,leak_pump,true\n"
    "1795356720,leak_pump,false\n"                        /* 14:12:00Z in Unix seconds */
    "2026-11-22T14:30:00.000Z,main_meter.pf_total,0.91\n" /* between the thresholds */
    "1795358400000,main_meter.pf_total,0.95,stale\n"      /* 14:40Z in ms: would clear; stale */
    "2026-11-22T14:50:00Z,main_meter.pf_total,0.95,good\n"
    "# a dip shorter than the on_delay raises nothing\n"
    "2026-11-22T15:00:00Z,main_meter.pf_total,0.80\n"
    "2026-11-22T15:14:59Z,main_meter.pf_total,0.93\n";

static void test_a_recorded_file_gives_its_known_transitions_at_their_local_times(void **state)
{
    struct fx *f = *state;
    assert_int_equal(replay(f, recorded), 0);
    const char *o = f->out;
    assert_string_equal(f->err, "");
    /* The on_delay: 15 minutes after the dip began, not at the sample. */
    assert_true(has_transition(o, "2026-11-22 22:20:00 +08:00", "pf_low", "raised"));
    assert_true(has_transition(o, "2026-11-22 22:10:00 +08:00", "leak_pump_room", "raised"));
    assert_true(has_transition(o, "2026-11-22 22:12:00 +08:00", "leak_pump_room", "cleared"));
    /* The stale 0.95 at 22:40 does not clear; the good one at 22:50 does. */
    assert_false(strstr(o, "22:40:00 +08:00  pf_low"));
    assert_true(has_transition(o, "2026-11-22 22:50:00 +08:00", "pf_low", "cleared"));
    assert_int_equal(count_of(o, " raised "), 2); /* the short dip at 23:00 raised nothing */
    assert_int_equal(count_of(o, " cleared "), 2);
    assert_true(strstr(o, "active_unack -> rtn_unack"));
    /* The summary: raises per rule, the longest active, work orders. */
    assert_true(strstr(o, "\nsummary: 9 samples from 2026-11-22 22:00:00 +08:00 to "
                          "2026-11-22 23:14:59 +08:00"));
    assert_true(strstr(o, "pf_low                    1  30m00s from 2026-11-22 22:20:00 +08:00"));
    assert_true(strstr(o, "leak_pump_room            1  2m00s from 2026-11-22 22:10:00 +08:00"));
    assert_true(strstr(o, "tx1_overtemp              0  -"));
    assert_true(strstr(o, "work orders it would have raised: 2\n"));
    assert_true(strstr(o, "WO-demo-000001           leak_pump_room       emergency  1 raise\n"));
    assert_true(strstr(o, "WO-demo-000002           pf_low               normal     1 raise\n"));
    assert_int_equal(count_of(o, "chattering\n"), 1); /* the heading only */
    assert_int_equal(count_of(o, "yes:"), 0);
}

static void test_an_alarm_still_active_at_the_end_of_the_data_says_so(void **state)
{
    struct fx *f = *state;
    assert_int_equal(replay(f, "2026-11-22T14:00:00Z,leak_pump,1\n"
                               "2026-11-22T15:30:00Z,leak_pump,1\n"),
                     0);
    assert_true(strstr(f->out, "leak_pump_room            1  1h30m from 2026-11-22 22:00:00 "
                               "+08:00 (still active)"));
}

static void test_a_leak_raised_six_times_within_ten_minutes_is_chattering(void **state)
{
    struct fx *f = *state;
    char text[2048] = "";
    for (int i = 0; i < 14; i++) { /* wet, dry, wet...: a raise every 90 s, 7 within 9 min */
        char line[96];
        snprintf(line, sizeof(line), "2026-11-22T14:%02d:%02dZ,leak_pump,%s\n", (i * 45) / 60,
                 (i * 45) % 60, i % 2 ? "off" : "on");
        strcat(text, line);
    }
    assert_int_equal(replay(f, text), 0);
    assert_int_equal(count_of(f->out, " raised "), 7);
    assert_true(strstr(f->out, "yes: 7 raises within 10m (2026-11-22 22:09:00 +08:00)"));
    /* One work order in hand per dedup key: the repeats update it. */
    assert_true(strstr(f->out, "work orders it would have raised: 1\n"));
    assert_true(strstr(f->out, "leak_pump_room       emergency  7 raises\n"));
}

static void test_raises_two_minutes_apart_are_not_chattering(void **state)
{
    struct fx *f = *state;
    char text[2048] = "";
    for (int i = 0; i < 16; i++) { /* a raise every 2 minutes: 8 in all, 5 in any 10 minutes */
        char line[96];
        snprintf(line, sizeof(line), "2026-11-22T14:%02d:00Z,leak_pump,%d\n", i, (i + 1) % 2);
        strcat(text, line);
    }
    assert_int_equal(replay(f, text), 0);
    assert_int_equal(count_of(f->out, " raised "), 8);
    assert_int_equal(count_of(f->out, "yes:"), 0);
}

/* Chattering as the site defines it: with chatter.count = 4 the same raises two minutes apart
 * (5 in any 10 minutes) are chattering. */
static void test_chattering_follows_the_sites_chatter_settings(void **state)
{
    struct fx *f = *state;
    f->cfg->chatter.count = 4;
    char text[2048] = "";
    for (int i = 0; i < 16; i++) {
        char line[96];
        snprintf(line, sizeof(line), "2026-11-22T14:%02d:00Z,leak_pump,%d\n", i, (i + 1) % 2);
        strcat(text, line);
    }
    assert_int_equal(replay(f, text), 0);
    assert_true(strstr(f->out, "yes: 5 raises within 10m (2026-11-22 22:08:00 +08:00)"));
}

static void test_a_malformed_line_is_refused_naming_it_and_nothing_is_run(void **state)
{
    struct fx *f = *state;
    assert_int_equal(replay(f, "timestamp,point,value\n"
                               "2026-11-22T14:00:00Z,leak_pump,1\n"
                               "\n"
                               "2026-11-22T14:01:00Z,leak_pump\n"
                               "2026-11-22T14:02:00Z,leak_pump,wet\n"
                               "2026-11-22T14:03:00,leak_pump,1\n"
                               "2026-11-22T14:04:00Z,leak_pump,1,damp\n"),
                     1);
    char want[160];
    snprintf(want, sizeof(want), "%s:4: expected timestamp,point,value[,quality]\n", f->csv);
    assert_true(strstr(f->err, want));
    snprintf(want, sizeof(want), "%s:5: 'wet' is not a value", f->csv);
    assert_true(strstr(f->err, want));
    snprintf(want, sizeof(want), "%s:6: '2026-11-22T14:03:00': a time needs its zone", f->csv);
    assert_true(strstr(f->err, want));
    snprintf(want, sizeof(want), "%s:7: unknown quality 'damp'", f->csv);
    assert_true(strstr(f->err, want));
    assert_string_equal(f->out, ""); /* refused before anything ran */
}

static void test_a_line_going_back_in_time_is_refused_naming_it(void **state)
{
    struct fx *f = *state;
    assert_int_equal(replay(f, "2026-11-22T14:00:00Z,leak_pump,1\n"
                               "2026-11-22T14:05:00Z,leak_pump,0\n"
                               "2026-11-22T22:04:59+08:00,leak_pump,1\n"),
                     1);
    char want[200];
    snprintf(want, sizeof(want),
             "%s:3: goes back in time (2026-11-22T14:04:59.000Z, before "
             "2026-11-22T14:05:00.000Z at line 2)",
             f->csv);
    assert_true(strstr(f->err, want));
    assert_string_equal(f->out, "");
}

static void test_a_point_not_in_the_catalog_is_refused_naming_it(void **state)
{
    struct fx *f = *state;
    assert_int_equal(replay(f, "2026-11-22T14:00:00Z,main_meter.pf_totl,0.8\n"), 1);
    char want[160];
    snprintf(want, sizeof(want), "%s:1: unknown point 'main_meter.pf_totl'", f->csv);
    assert_true(strstr(f->err, want));
}

/* The example the README shows, so that it stays true. */
static void test_the_readme_example_file_replays_as_documented(void **state)
{
    struct fx *f = *state;
    struct cli_opts o = {.command = "rules", .replay = "tests/data/replay_demo.csv"};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    assert_int_equal(cli_rules_test(f->cfg, &o, out), 0);
    fclose(out);
    assert_true(has_transition(buf, "2026-11-22 22:20:00 +08:00", "pf_low", "raised"));
    assert_true(has_transition(buf, "2026-11-22 22:50:00 +08:00", "pf_low", "cleared"));
    assert_true(has_transition(buf, "2026-11-22 23:00:00 +08:00", "comm_tx1", "raised"));
    assert_true(has_transition(buf, "2026-11-22 23:01:00 +08:00", "comm_tx1", "cleared"));
    assert_true(strstr(buf, "work orders it would have raised: 3\n"));
    free(buf);
}

static void test_the_replay_never_touches_the_sites_database(void **state)
{
    struct fx *f = *state;
    /* The demo's database path, in a directory that does not exist: a write would fail. */
    free(f->cfg->storage.path);
    f->cfg->storage.path = strdup("/nonexistent/steward/demo.db");
    assert_int_equal(replay(f, recorded), 0);
    assert_int_equal(access("/nonexistent/steward/demo.db", F_OK), -1);
    assert_true(has_transition(f->out, "2026-11-22 22:20:00 +08:00", "pf_low", "raised"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_a_recorded_file_gives_its_known_transitions_at_their_local_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_alarm_still_active_at_the_end_of_the_data_says_so,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_leak_raised_six_times_within_ten_minutes_is_chattering, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chattering_follows_the_sites_chatter_settings, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_raises_two_minutes_apart_are_not_chattering, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_malformed_line_is_refused_naming_it_and_nothing_is_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_line_going_back_in_time_is_refused_naming_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_point_not_in_the_catalog_is_refused_naming_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_readme_example_file_replays_as_documented, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_the_replay_never_touches_the_sites_database, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
