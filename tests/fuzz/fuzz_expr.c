/*
 * fuzz_expr.c - libFuzzer target: rule expressions (expr_compile, expr_test, expr_value).
 *
 * The input is the expression text. It is compiled against a small fixed catalog; a refusal must
 * carry a message. A compiled program is checked before it runs: every point it reads is in the
 * catalog and listed by expr_points, and simulating its stack never underflows, never goes past
 * the depth the compiler recorded (which evaluation trusts) and ends with one value. It is then
 * evaluated with a few value and quality vectors (NaN, infinities, huge values, bad qualities),
 * checking that expr_test and expr_value agree, and that the three-valued logic is sound: a
 * result that is known while some points are not good is the same when they are good (unless
 * the program asks about quality itself with stale()).
 */
#include "tests/fuzz/fuzz_common.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/quality.h"
#include "rules/expr.h"
#include "rules/program.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"tx1.temp_a",          "tx1.temp_b", "tx1.temp_c", "smoke_b2",
                                    "main_meter.pf_total", "door_plant", "a",          "b_2.c"};
#define N_POINTS (sizeof(names) / sizeof(names[0]))

static const double vectors[][N_POINTS] = {
    {131, 125.5, -4, 1, 0.85, 0, 7, -7},
    {0, -0.0, 1e308, -1e308, 0.92, 1, 1e-310, 3},
    {NAN, INFINITY, -INFINITY, 0, NAN, 1, 0, 2},
};
#define N_VECTORS (sizeof(vectors) / sizeof(vectors[0]))

/* Quality masks: bit k set means point k is not good. */
static const unsigned masks[] = {0x00, 0x01, 0x2A, 0xFF};

static double *values;
static uint8_t *quality;

static int resolve(void *ctx, const char *name)
{
    (void)ctx;
    for (size_t i = 0; i < N_POINTS; i++)
        if (!strcmp(name, names[i])) return (int)i;
    return -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_threshold = LOG_ERROR;
    /* Exactly N_POINTS each on the heap, so that AddressSanitizer sees any read past them. */
    values = malloc(N_POINTS * sizeof(*values));
    quality = malloc(N_POINTS * sizeof(*quality));
    FUZZ_CHECK(values && quality, "out of memory");
    return 0;
}

static int listed(const struct expr *e, int id)
{
    const int *ids;
    size_t n = expr_points(e, &ids);
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id) return 1;
    return 0;
}

/* Checks the program statically; returns whether it uses stale(). */
static int check_program(const struct expr *e)
{
    const int *ids;
    size_t n = expr_points(e, &ids);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(ids[i] >= 0 && (size_t)ids[i] < N_POINTS, "reads point %d", ids[i]);
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(ids[k] != ids[i], "point %d listed twice", ids[i]);
    }
    FUZZ_CHECK(e->max_stack >= 1 && e->max_stack <= EXPR_STACK_MAX, "max_stack %d", e->max_stack);
    int depth = 0, stale = 0;
    for (size_t i = 0; i < e->n_code; i++) {
        const struct instr *in = &e->code[i];
        int pops = 0, pushes = 1;
        switch ((enum opcode)in->op) {
        case OP_POINT:
        case OP_STALE:
            FUZZ_CHECK(listed(e, in->arg), "instruction %zu reads unlisted point %d", i, in->arg);
            stale |= in->op == OP_STALE;
            break;
        case OP_CONST:
        case OP_HOUR:
        case OP_WEEKDAY: break;
        case OP_NEG:
        case OP_NOT:
        case OP_ABS: pops = 1; break;
        case OP_MIN:
        case OP_MAX:
        case OP_AVG:
            FUZZ_CHECK(in->arg >= 1 && in->arg <= EXPR_MAX_ARGS, "instruction %zu: %d operands", i,
                       in->arg);
            pops = in->arg;
            break;
        case OP_BETWEEN: pops = 3; break;
        default: FUZZ_CHECK(in->op <= OP_OR, "instruction %zu: opcode %d", i, in->op); pops = 2;
        }
        FUZZ_CHECK(depth >= pops, "instruction %zu pops %d of %d", i, pops, depth);
        depth += pushes - pops;
        FUZZ_CHECK(depth <= e->max_stack, "depth %d past max_stack %d", depth, e->max_stack);
    }
    FUZZ_CHECK(depth == 1, "program ends with %d values", depth);
    return stale;
}

static int eval(const struct expr *e, size_t v, unsigned mask, int hour, int weekday)
{
    memcpy(values, vectors[v], N_POINTS * sizeof(*values));
    for (size_t k = 0; k < N_POINTS; k++)
        quality[k] = mask >> k & 1 ? QUALITY_BAD : QUALITY_GOOD;
    struct expr_env env = {.values = values, .quality = quality, .hour = hour, .weekday = weekday};
    enum expr_truth t = expr_test(e, &env);
    FUZZ_CHECK(t == EXPR_TRUE || t == EXPR_FALSE || t == EXPR_UNKNOWN, "expr_test gave %d", t);
    double out = 12345;
    int rc = expr_value(e, &env, &out);
    if (rc == 0) {
        FUZZ_CHECK(isfinite(out), "expr_value gave %g", out);
        FUZZ_CHECK(t == (out != 0 ? EXPR_TRUE : EXPR_FALSE), "expr_test %d, expr_value %g", t, out);
    } else {
        FUZZ_CHECK(rc == EXPR_UNKNOWN && t == EXPR_UNKNOWN && out == 12345,
                   "expr_value %d (out %g), expr_test %d", rc, out, t);
    }
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *src = fuzz_strndup(data, size);
    char err[160];
    struct expr *e = NULL;
    int rc = expr_compile(src, resolve, NULL, &e, err, sizeof(err));
    if (rc != ST_OK) {
        FUZZ_CHECK(rc == ST_ERR_INVAL && !e && err[0], "refused (%d) without a message", rc);
        free(src);
        return 0;
    }
    FUZZ_CHECK(e, "compiled without a program");
    int stale = check_program(e);
    for (size_t v = 0; v < N_VECTORS; v++) {
        int hour = (int)(v * 11 % 24), weekday = (int)(v * 3 % 7);
        int good = eval(e, v, 0, hour, weekday);
        for (size_t m = 1; m < sizeof(masks) / sizeof(masks[0]); m++) {
            int t = eval(e, v, masks[m], hour, weekday);
            FUZZ_CHECK(stale || t == EXPR_UNKNOWN || t == good,
                       "'%s': %d with points not good, %d when good", src, t, good);
        }
    }
    expr_free(e);
    free(src);
    return 0;
}
