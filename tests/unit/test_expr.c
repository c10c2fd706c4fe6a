/* Unit tests: rule expressions, compile and evaluate (rules/compile.c, rules/eval.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gateway/base/error.h"
#include "gateway/base/quality.h"
#include "rules/expr.h"

/* A catalog of five points: tx1.temp_a/b/c, main_meter.pf_total, door_plant. */
static const char *const names[] = {"tx1.temp_a", "tx1.temp_b", "tx1.temp_c", "main_meter.pf_total",
                                    "door_plant"};
static double values[5];
static uint8_t quality[5];

static int resolve(void *ctx, const char *name)
{
    (void)ctx;
    for (int i = 0; i < 5; i++)
        if (!strcmp(names[i], name)) return i;
    return -1;
}

static struct expr_env env(int hour)
{
    return (struct expr_env){.values = values, .quality = quality, .hour = hour, .weekday = 3};
}

static int reset(void **st)
{
    (void)st;
    double v[5] = {120, 118, 117.5, 0.95, 0};
    memcpy(values, v, sizeof(v));
    memset(quality, QUALITY_GOOD, sizeof(quality));
    return 0;
}

static struct expr *compile_ok(const char *src)
{
    struct expr *e = NULL;
    char err[128];
    int rc = expr_compile(src, resolve, NULL, &e, err, sizeof(err));
    if (rc != ST_OK) fail_msg("'%s' did not compile: %s", src, err);
    return e;
}

static double value_of(const char *src, int hour)
{
    struct expr *e = compile_ok(src);
    struct expr_env en = env(hour);
    double v = -999;
    assert_int_equal(expr_value(e, &en, &v), 0);
    expr_free(e);
    return v;
}

static int truth_of(const char *src, int hour)
{
    struct expr *e = compile_ok(src);
    struct expr_env en = env(hour);
    int t = expr_test(e, &en);
    expr_free(e);
    return t;
}

static void test_precedence_and_associativity(void **st)
{
    (void)st;
    assert_true(value_of("1 + 2 * 3", 0) == 7);
    assert_true(value_of("(1 + 2) * 3", 0) == 9);
    assert_true(value_of("10 - 4 - 3", 0) == 3);
    assert_true(value_of("12 / 3 / 2", 0) == 2);
    assert_true(value_of("-2 * 3", 0) == -6);
    assert_true(value_of("1 < 2 == 1", 0) == 1);
    assert_true(value_of("1 || 0 && 0", 0) == 1); /* && binds tighter */
    assert_true(value_of("!0 + 1", 0) == 2);
    assert_true(value_of("1e3 + .5", 0) == 1000.5);
}

static void test_functions(void **st)
{
    (void)st;
    assert_true(value_of("abs(-3.5)", 0) == 3.5);
    assert_true(value_of("min(4, 2, 9)", 0) == 2);
    assert_true(value_of("max(tx1.temp_a, tx1.temp_b, tx1.temp_c)", 0) == 120);
    assert_true(value_of("avg(1, 2, 6)", 0) == 3);
    assert_true(value_of("between(5, 5, 7)", 0) == 1);
    assert_true(value_of("between(8, 5, 7)", 0) == 0);
    assert_true(value_of("hour()", 21) == 21);
    assert_true(value_of("weekday()", 0) == 3);
}

static void test_design_example_rules(void **st)
{
    (void)st;
    const char *over = "max(tx1.temp_a, tx1.temp_b, tx1.temp_c) > 130";
    assert_int_equal(truth_of(over, 0), EXPR_FALSE);
    values[1] = 131.2;
    assert_int_equal(truth_of(over, 0), EXPR_TRUE);
    const char *door = "door_plant && !between(hour(), 7, 22)";
    values[4] = 1;
    assert_int_equal(truth_of(door, 23), EXPR_TRUE);
    assert_int_equal(truth_of(door, 10), EXPR_FALSE);
    assert_int_equal(truth_of("main_meter.pf_total < 0.90", 0), EXPR_FALSE);
}

static void test_a_point_not_good_makes_the_rule_unknown(void **st)
{
    (void)st;
    quality[0] = QUALITY_COMM_FAIL;
    assert_int_equal(truth_of("tx1.temp_a > 130", 0), EXPR_UNKNOWN);
    assert_int_equal(truth_of("max(tx1.temp_a, tx1.temp_b) > 0", 0), EXPR_UNKNOWN);
    /* Kleene logic: a known operand that decides alone still decides. */
    assert_int_equal(truth_of("0 && tx1.temp_a > 1", 0), EXPR_FALSE);
    assert_int_equal(truth_of("1 || tx1.temp_a > 1", 0), EXPR_TRUE);
    assert_int_equal(truth_of("1 && tx1.temp_a > 1", 0), EXPR_UNKNOWN);
    /* stale() asks about quality itself, so it is never unknown. */
    assert_int_equal(truth_of("stale(tx1.temp_a)", 0), EXPR_TRUE);
    assert_int_equal(truth_of("stale(tx1.temp_b)", 0), EXPR_FALSE);
}

static void test_division_by_zero_is_unknown(void **st)
{
    (void)st;
    assert_int_equal(truth_of("1 / 0 > 0", 0), EXPR_UNKNOWN);
    assert_int_equal(truth_of("tx1.temp_a / (tx1.temp_b - tx1.temp_b) > 1", 0), EXPR_UNKNOWN);
}

static void check_error(const char *src, const char *expected)
{
    struct expr *e = NULL;
    char err[160] = "";
    assert_int_equal(expr_compile(src, resolve, NULL, &e, err, sizeof(err)), ST_ERR_INVAL);
    assert_null(e);
    if (!strstr(err, expected)) fail_msg("'%s': expected '%s' in '%s'", src, expected, err);
}

static void test_errors_name_the_token_and_column(void **st)
{
    (void)st;
    check_error("tx9.temp_a > 1", "unknown point 'tx9.temp_a' at column 1");
    check_error("max(tx1.temp_a, tx1.temp_q)", "unknown point 'tx1.temp_q' at column 17");
    check_error("(1 + 2", "expected ')' at the end");
    check_error("1 + ", "expected a number, a point or '(' at the end");
    check_error("1 2", "unexpected text at column 3");
    check_error("", "empty expression");
    check_error("foo(1)", "unknown function 'foo' at column 1");
    check_error("between(1, 2)", "between() takes 3 arguments, not 2");
    check_error("rate(tx1.temp_a, \"5m\")", "rate() is not available here"); /* no slots */
    check_error("rate(tx1.temp_a, 5)", "rate() takes a window");
    check_error("stale(3)", "stale() takes a point name");
    check_error("1 $ 2", "unexpected character '$' at column 3");
    char deep[200] = "";
    for (int i = 0; i < 70; i++)
        strcat(deep, "(");
    check_error(deep, "nested too deeply");
}

static void test_points_are_listed_once_in_order_of_appearance(void **st)
{
    (void)st;
    struct expr *e =
        compile_ok("door_plant || tx1.temp_b > tx1.temp_a + tx1.temp_b || stale(door_plant)");
    const int *ids;
    size_t n = expr_points(e, &ids);
    assert_int_equal(n, 3);
    assert_int_equal(ids[0], 4);
    assert_int_equal(ids[1], 1);
    assert_int_equal(ids[2], 0);
    assert_false(expr_uses_time(e));
    expr_free(e);
    e = compile_ok("hour() > 7");
    assert_true(expr_uses_time(e));
    expr_free(e);
}

/* The units of the five points: C for the windings, none for the power factor and the door. */
static const char *unit_of(void *ctx, int point)
{
    (void)ctx;
    static const char *const units[] = {"\xc2\xb0"
                                        "C",
                                        "C", "kV", NULL, NULL};
    return units[point];
}

/* Compiles with the units above: 0 and the program's value in *v, or -1 and the error in err. */
static int with_units(const char *src, double *v, char *err, size_t errlen)
{
    struct expr_options o = {.point_unit = unit_of};
    struct expr *e = NULL;
    if (expr_compile_opts(src, resolve, NULL, &o, &e, err, errlen) != ST_OK) return -1;
    struct expr_env en = env(0);
    int rc = expr_value(e, &en, v);
    expr_free(e);
    return rc;
}

/* A number may carry its unit where it meets a point; it is converted into the point's unit, and
 * a unit that does not fit the point is an error at its column. */
static void test_numbers_with_units_are_converted_to_the_points_unit(void **st)
{
    (void)st;
    double v = -1;
    char err[160];
    /* tx1.temp_a is 120 in °C, tx1.temp_b 118 in C, tx1.temp_c 117.5 in kV (a stand-in) */
    assert_int_equal(with_units("tx1.temp_a > 119C", &v, err, sizeof(err)), 0);
    assert_true(v == 1);
    assert_int_equal(with_units("tx1.temp_a > 121\xc2\xb0"
                                "C",
                                &v, err, sizeof(err)),
                     0);
    assert_true(v == 0);
    /* 117.5 kV against 117000V: converted to 117 kV, so it is above */
    assert_int_equal(with_units("tx1.temp_c > 117000V", &v, err, sizeof(err)), 0);
    assert_true(v == 1);
    assert_int_equal(with_units("tx1.temp_c < 118kV", &v, err, sizeof(err)), 0);
    assert_true(v == 1);
    /* a sum of quantities keeps the unit, and so do min/max/avg of one unit and between's limits */
    assert_int_equal(with_units("tx1.temp_a - 2C > 117C", &v, err, sizeof(err)), 0);
    assert_true(v == 1);
    assert_int_equal(with_units("max(tx1.temp_a, tx1.temp_b) >= 120C", &v, err, sizeof(err)), 0);
    assert_true(v == 1);
    assert_int_equal(with_units("between(tx1.temp_c, 117000V, 0.118MW)", &v, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "'MW' does not fit tx1.temp_c, which is in kV"));
    assert_int_equal(with_units("between(tx1.temp_c, 117000V, 118kV)", &v, err, sizeof(err)), 0);
    assert_true(v == 1);
    assert_int_equal(with_units("-5C < tx1.temp_a", &v, err, sizeof(err)), 0);
    assert_true(v == 1);

    /* units that do not fit, or that mean nothing where they stand */
    struct {
        const char *src, *msg;
        int col;
    } bad[] = {
        {"tx1.temp_a > 50%",
         "'%' does not fit tx1.temp_a, which is in \xc2\xb0"
         "C",
         14},
        {"main_meter.pf_total < 90%", "'%' has a unit but main_meter.pf_total has none", 23},
        {"130C", "a number with a unit ('C' at column 1) must be compared", 1},
        {"0.4kV + 1 > 0", "a number with a unit ('kV' at column 1)", 1},
        {"tx1.temp_a * 2 > 20C", "a number with a unit ('C' at column 18)", 18},
        {"abs(20C) > 1", "a number with a unit ('C' at column 5)", 5},
        {"tx1.temp_c > 117F", "'F' does not fit tx1.temp_c, which is in kV", 14},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct expr_options o = {.point_unit = unit_of};
        struct expr *e = NULL;
        assert_int_equal(expr_compile_opts(bad[i].src, resolve, NULL, &o, &e, err, sizeof(err)),
                         ST_ERR_INVAL);
        if (!strstr(err, bad[i].msg))
            fail_msg("'%s': expected '%s', got '%s'", bad[i].src, bad[i].msg, err);
        assert_int_equal(o.error_col, bad[i].col);
    }
    /* without unit information every number with a unit is refused against a point */
    struct expr *e = NULL;
    assert_int_equal(expr_compile("tx1.temp_a > 119C", resolve, NULL, &e, err, sizeof(err)),
                     ST_ERR_INVAL);
    assert_int_equal(expr_compile("12Va > 1", resolve, NULL, &e, err, sizeof(err)), ST_ERR_INVAL);
    assert_non_null(strstr(err, "malformed number"));
}

/* A deadband without `clear`: the clear form moves each comparison's limit by the margin. */
static void test_a_deadband_moves_the_clear_limit(void **st)
{
    (void)st;
    struct expr_options o = {.clear_form = 1, .deadband = 5};
    struct expr *clear = NULL, *low = NULL;
    char err[128];
    assert_int_equal(
        expr_compile_opts("tx1.temp_a > 130", resolve, NULL, &o, &clear, err, sizeof(err)), ST_OK);
    struct expr_env en = env(12);
    values[0] = 128; /* below 130 but within the deadband: not clear yet */
    assert_int_equal(expr_test(clear, &en), EXPR_FALSE);
    values[0] = 125; /* 130 - 5 */
    assert_int_equal(expr_test(clear, &en), EXPR_TRUE);
    o = (struct expr_options){.clear_form = 1, .deadband = 0.02};
    assert_int_equal(
        expr_compile_opts("main_meter.pf_total < 0.90", resolve, NULL, &o, &low, err, sizeof(err)),
        ST_OK);
    values[3] = 0.91;
    assert_int_equal(expr_test(low, &en), EXPR_FALSE);
    values[3] = 0.92;
    assert_int_equal(expr_test(low, &en), EXPR_TRUE);
    expr_free(clear);
    expr_free(low);
    /* An error says its column. */
    o = (struct expr_options){0};
    struct expr *bad = NULL;
    assert_int_equal(expr_compile_opts("max(tx1.temp_a, tx9.temp_b) > 1", resolve, NULL, &o, &bad,
                                       err, sizeof(err)),
                     ST_ERR_INVAL);
    assert_int_equal(o.error_col, 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_precedence_and_associativity, reset),
        cmocka_unit_test_setup(test_functions, reset),
        cmocka_unit_test_setup(test_design_example_rules, reset),
        cmocka_unit_test_setup(test_a_point_not_good_makes_the_rule_unknown, reset),
        cmocka_unit_test_setup(test_division_by_zero_is_unknown, reset),
        cmocka_unit_test_setup(test_errors_name_the_token_and_column, reset),
        cmocka_unit_test_setup(test_points_are_listed_once_in_order_of_appearance, reset),
        cmocka_unit_test_setup(test_numbers_with_units_are_converted_to_the_points_unit, reset),
        cmocka_unit_test_setup(test_a_deadband_moves_the_clear_limit, reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
