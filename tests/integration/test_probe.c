/*
 * Integration test: `steward probe -c FILE DEVICE` against the real steward-sim. The expected
 * values, words and request count are computed from the configuration itself (the scenario's
 * `set` values through the simulator's encoder and the gateway's decoder, and the gateway's
 * read plan), not written out by hand. A device answering with exceptions is printed point by
 * point; a silent device and a stopped simulator exit 2 within a bound; an unknown device exits 1
 * with a suggestion. The simulator sees only reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/modbus/decode.h"
#include "adapters/modbus/plan.h"
#include "config/config.h"
#include "tests/integration/harness.h"

static const char cfg_text[] =
    "site = { id = \"pr\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/pr\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "modbus = {\n"
    "  buses = ( { id = \"sw\"; type = \"tcp\"; host = \"127.0.0.1\"; port = @MODBUS_PORT@; "
    "timeout = \"300ms\"; } );\n"
    "  profiles = (\n"
    "    { id = \"tx\"; points = (\n"
    "        { name = \"temp_a\"; table = \"holding\"; address = 0; type = \"i16\"; scale = 0.1; "
    "unit = \"C\"; },\n"
    "        { name = \"temp_b\"; table = \"holding\"; address = 1; type = \"i16\"; scale = 0.1; "
    "unit = \"C\"; },\n"
    "        { name = \"kwh_total\"; table = \"input\"; address = 20; type = \"u32\"; scale = "
    "0.01; unit = \"kWh\"; },\n"
    "        { name = \"fan_on\"; table = \"coil\"; address = 0; type = \"bool\"; } ); } );\n"
    "  devices = (\n"
    "    { id = \"tx1\"; bus = \"sw\"; unit = 3; profile = \"tx\"; },\n"
    "    { id = \"tx2\"; bus = \"sw\"; unit = 4; profile = \"tx\"; },\n"
    "    { id = \"tx3\"; bus = \"sw\"; unit = 5; profile = \"tx\"; } );\n"
    "};\n";

/* What tx1 is set to; tx2 answers every request with an exception, tx3 not at all. */
static const struct {
    const char *point, *value;
} sets[] = {{"temp_a", "42.5"}, {"temp_b", "-3.1"}, {"kwh_total", "12345.67"}, {"fan_on", "true"}};

static const char scenario_tail[] = "0s tx2 exception\n0s tx3 offline\n";

/* The text after a point's name on its line of the "points:" section, trimmed; NULL if absent. */
static char *point_text(const char *out, const char *name, char *buf, size_t size)
{
    const char *p = strstr(out, "\npoints:\n");
    if (!p) return NULL;
    p += strlen("\npoints:\n");
    size_t n = strlen(name);
    for (int guard = 0; guard < 1000 && *p == ' '; guard++) {
        const char *eol = strchr(p, '\n');
        if (!eol) return NULL;
        const char *s = p + 2;
        if (strncmp(s, name, n) == 0 && s[n] == ' ') {
            s += n;
            while (*s == ' ')
                s++;
            snprintf(buf, size, "%.*s", (int)(eol - s), s);
            return buf;
        }
        p = eol + 1;
    }
    return NULL;
}

static int count_lines_starting(const char *out, const char *prefix)
{
    int n = 0;
    size_t len = strlen(prefix);
    for (const char *p = out; p && *p;) {
        if (strncmp(p, prefix, len) == 0) n++;
        p = strchr(p, '\n');
        if (p) p++;
    }
    return n;
}

static void test_probe_reads_prints_and_fails_clearly(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_non_null(e);
    char *cfg_path = strdup(h_write_config(e, "pr.cfg", cfg_text));
    char *scn = strdup(h_path(e, "pr.scn"));
    FILE *f = fopen(scn, "w");
    assert_non_null(f);
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++)
        fprintf(f, "0s tx1.%s set %s\n", sets[i].point, sets[i].value);
    fputs(scenario_tail, f);
    fclose(f);

    struct config *cfg = NULL;
    assert_int_equal(config_load(cfg_path, &cfg, NULL), 0);
    const struct cfg_device *dev = NULL;
    for (size_t i = 0; i < cfg->n_devices; i++)
        if (strcmp(cfg->devices[i].id, "tx1") == 0) dev = &cfg->devices[i];
    assert_non_null(dev);
    const struct cfg_profile *prof = &cfg->profiles[dev->profile];
    struct plan_limits lim = plan_limits_for(dev, prof);
    struct plan pl;
    assert_int_equal(plan_build(prof, &lim, &pl), 0);
    assert_true(pl.n >= 3); /* holding, input and coils: one request each at least */

    pid_t sim = h_sim_start(e, cfg_path, scn, "1");
    assert_true(sim > 0);

    /* tx1: every point as set, each request listed, the count as planned. */
    const char *probe1[] = {h_bin("steward"), "probe", "-c", cfg_path, "tx1", NULL};
    const char *out1 = h_path(e, "probe1.out");
    assert_int_equal(h_run(probe1, out1, 10000), 0);
    char *out = h_read_file(out1);
    assert_non_null(out);
    printf("%s", out);
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        const struct cfg_point_def *def = NULL;
        for (size_t k = 0; k < prof->n_points; k++)
            if (strcmp(prof->points[k].name, sets[i].point) == 0) def = &prof->points[k];
        assert_non_null(def);
        double want = strcmp(sets[i].value, "true") == 0 ? 1 : strtod(sets[i].value, NULL);
        uint16_t regs[DECODE_MAX_WIDTH] = {0};
        decode_encode(def, want, regs);
        double v;
        assert_int_equal(decode_value(def, regs, &v), 0);
        v = decode_round(def, v);
        char expect[96], got[128];
        if (decode_is_bool(def))
            snprintf(expect, sizeof(expect), "%s", v != 0 ? "true" : "false");
        else
            snprintf(expect, sizeof(expect), "%.10g", v);
        if (def->unit)
            snprintf(expect + strlen(expect), sizeof(expect) - strlen(expect), " %s", def->unit);
        if (!point_text(out, def->name, got, sizeof(got)))
            fail_msg("no line for point %s in:\n%s", def->name, out);
        assert_string_equal(got, expect);
        /* The raw word of a one-register point is in its answer's hex dump. */
        if (decode_width(def) == 1 && !decode_is_bool(def)) {
            char hex[16];
            snprintf(hex, sizeof(hex), " %04x", regs[0]);
            assert_non_null(strstr(out, hex));
        }
    }
    assert_int_equal(count_lines_starting(out, "request "), (int)pl.n);
    char reqs[32];
    snprintf(reqs, sizeof(reqs), "\nrequests: %zu\n", pl.n);
    assert_non_null(strstr(out, reqs));
    for (size_t k = 0; k < pl.n; k++) {
        static const int fc[] = {3, 4, 1, 2};
        char line[96];
        snprintf(line, sizeof(line), "request %zu: fc %d (read ", k + 1, fc[pl.blocks[k].table]);
        assert_non_null(strstr(out, line));
        snprintf(line, sizeof(line), " start %d count %d: ", pl.blocks[k].start,
                 pl.blocks[k].count);
        assert_non_null(strstr(out, line));
    }
    free(out);

    /* tx2: every request answered with an exception; every point still printed, as such. */
    const char *probe2[] = {h_bin("steward"), "probe", "-c", cfg_path, "tx2", NULL};
    assert_int_equal(h_run(probe2, h_path(e, "probe2.out"), 10000), 0);
    out = h_read_file(h_path(e, "probe2.out"));
    assert_non_null(out);
    for (size_t k = 0; k < prof->n_points; k++) {
        char got[128];
        if (!point_text(out, prof->points[k].name, got, sizeof(got)))
            fail_msg("no line for point %s in:\n%s", prof->points[k].name, out);
        assert_non_null(strstr(got, "bad: exception"));
    }
    assert_int_equal(count_lines_starting(out, "request "), (int)pl.n);
    free(out);

    /* tx3: silent. Exit 2 after its timeout (300 ms), well within the bound. */
    const char *probe3[] = {h_bin("steward"), "probe", "-c", cfg_path, "tx3", NULL};
    double t0 = h_now();
    assert_int_equal(h_run(probe3, h_path(e, "probe3.out"), 10000), 2);
    assert_true(h_now() - t0 < 5.0);
    out = h_read_file(h_path(e, "probe3.out"));
    assert_non_null(out);
    if (!strstr(out, "probe: tx3 (unit 5 on bus sw): no answer within 300 ms"))
        fail_msg("unexpected:\n%s", out);
    free(out);

    /* An unknown device: exit 1, with the nearest id. */
    const char *probe4[] = {h_bin("steward"), "probe", "-c", cfg_path, "tx_1", NULL};
    assert_int_equal(h_run(probe4, h_path(e, "probe4.out"), 10000), 1);
    out = h_read_file(h_path(e, "probe4.out"));
    assert_non_null(out);
    assert_non_null(strstr(out, "steward: no Modbus device 'tx_1' in "));
    assert_non_null(strstr(out, "did you mean 'tx1'?"));
    free(out);

    /* The simulator stopped: exit 2 within a bound, saying why. It never saw a write. */
    h_stop(sim, 5000);
    char *simlog = h_read_file(h_path(e, "sim.log"));
    assert_non_null(simlog);
    assert_null(strstr(simlog, "WRITE"));
    free(simlog);
    t0 = h_now();
    assert_int_equal(h_run(probe1, h_path(e, "probe5.out"), 10000), 2);
    assert_true(h_now() - t0 < 5.0);
    out = h_read_file(h_path(e, "probe5.out"));
    assert_non_null(out);
    if (!strstr(out, "probe: tx1 (unit 3 on bus sw): cannot connect to 127.0.0.1:"))
        fail_msg("unexpected:\n%s", out);
    free(out);

    plan_free(&pl);
    config_free(cfg);
    int clean = h_logs_clean(e);
    h_cleanup_all();
    free(cfg_path);
    free(scn);
    free(e);
    assert_true(clean);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_reads_prints_and_fails_clearly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
