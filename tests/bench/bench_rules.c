/*
 * bench_rules - rule evaluations per second on one core (DESIGN.md target: >= 1 M/s), for the
 * DESIGN.md example rules, against a baseline: the same conditions hand-written in C, compiled
 * into this program. Prints numbers only; asserts nothing about time.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "gateway/base/error.h"
#include "gateway/base/quality.h"
#include "rules/expr.h"

#define ROUNDS 2000000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double max3(double a, double b, double c)
{
    double m = a > b ? a : b;
    return m > c ? m : c;
}

/* The example rules written by hand: the floor any interpreter is measured against. */
static int native(const double *v, const uint8_t *q, int k, int hour)
{
    for (int i = 0; i < 9; i++)
        if (q[i] != QUALITY_GOOD) return -1;
    switch (k) {
    case 0: return max3(v[3], v[4], v[5]) > 130;
    case 1: return v[0] < 0.90;
    case 2: return v[6] != 0;
    case 3: return v[7] != 0;
    default: return v[8] != 0 && !(hour >= 7 && hour <= 22);
    }
}

int main(void)
{
    struct config *cfg = NULL;
    if (config_load("config/examples/site.cfg", &cfg, NULL) != ST_OK) {
        fprintf(stderr, "bench_rules: run from the repository root\n");
        return 1;
    }
    double values[16] = {0.95, 230, 125000, 120, 118, 117, 0, 0, 1};
    uint8_t quality[16] = {0};
    struct expr_env env = {.values = values, .quality = quality, .hour = 12, .weekday = 3};
    size_t n = cfg->n_rules;
    volatile long sink = 0;

    double t0 = now_s();
    for (long i = 0; i < ROUNDS; i++) {
        values[3] = 100 + (double)(i & 63); /* the data changes, as it would */
        sink += expr_test(cfg->rules[i % n].when_expr, &env);
    }
    double t_expr = now_s() - t0;

    t0 = now_s();
    for (long i = 0; i < ROUNDS; i++) {
        values[3] = 100 + (double)(i & 63);
        sink += native(values, quality, (int)(i % n), env.hour);
    }
    double t_native = now_s() - t0;

    printf("rule evaluation (%zu DESIGN.md example rules, %d evaluations):\n", n, ROUNDS);
    printf("  steward compiled rules : %8.2f M evaluations/s\n", ROUNDS / t_expr / 1e6);
    printf("  hand-written C baseline: %8.2f M evaluations/s\n", ROUNDS / t_native / 1e6);
    printf("  ratio steward/baseline : %8.2f (target: >= 1 M evaluations/s)\n", t_native / t_expr);
    config_free(cfg);
    return sink == -1 ? 1 : 0;
}
