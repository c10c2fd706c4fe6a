/*
 * expr.h - rule expressions: compiled once, evaluated many times.
 *
 * Syntax (DESIGN.md section 5): numbers, optionally with a unit (`130C`, `0.4kV`, `20%`; see
 * units.h) where they meet a point: compared with it, added to it, or as between()'s limits; the
 * number is converted to the point's unit, and a unit that does not fit it is an error; true/false,
 * point references (`tx1.temp_a`, `smoke_b2`),
 * + - * /, unary -, comparisons < <= > >= == !=, && || !, parentheses, and the functions
 * abs(x) min(x, ...) max(x, ...) avg(x, ...) between(x, lo, hi) hour() weekday() stale(point)
 * rate(point, "5m") (the point's change per minute over the window; unknown until the window
 * has data).
 * Booleans are numbers: false is 0, true is 1, any non-zero value is true.
 *
 * expr_compile turns the text into a compact program (postfix code over a small value stack);
 * evaluation allocates nothing and does no lookups, so it can run millions of times a second.
 *
 * Unknown: a point whose quality is not good makes the whole expression unknown
 * (EXPR_UNKNOWN), except as the argument of stale(), which asks exactly about quality.
 */
#ifndef STEWARD_EXPR_H
#define STEWARD_EXPR_H

#include <stddef.h>
#include <stdint.h>

struct expr;

/* Resolves a point name to its catalog index, or -1 when there is no such point. */
typedef int (*expr_resolve_fn)(void *ctx, const char *name);

/*
 * Compiles src. On success returns 0 and *out owns the program (free with expr_free). On error
 * returns ST_ERR_INVAL and writes a one-line message into err (errlen bytes), naming the offending
 * token and its column, e.g. "unknown point 'tx9.temp_a' at column 5". Unknown points are errors.
 */
int expr_compile(const char *src, expr_resolve_fn resolve, void *ctx, struct expr **out, char *err,
                 size_t errlen);

/* What expr_compile_opts may do besides: the clear form of a rule with a deadband, and where an
 * error was found. */
struct expr_options {
    int clear_form;  /* in: compile "NOT (src with each comparison's limit moved by deadband)":
                      * the clear of `x > k` is `x <= k - deadband` (and `x < k`: `x >= k + d`) */
    double deadband; /* in */
    /* in: rate(point, "5m") takes a slot of the caller's (one per point and window; the
     * evaluation reads expr_env.rate[slot]); NULL: rate() is refused */
    int (*rate_slot)(void *ctx, int point, int64_t window_ms);
    /* in: a point's unit as configured ("V", "°C"), or NULL when it has none; NULL callback: no
     * point has a unit, so a number with a unit compared with a point is refused */
    const char *(*point_unit)(void *ctx, int point);
    int error_col; /* out: the 1-based column of the fault in src, on error */
};
int expr_compile_opts(const char *src, expr_resolve_fn resolve, void *ctx, struct expr_options *opt,
                      struct expr **out, char *err, size_t errlen);

void expr_free(struct expr *e); /* NULL-safe */

/* What an evaluation reads. All pointers are borrowed for the call. */
struct expr_env {
    const double *values;      /* indexed by point id */
    const uint8_t *quality;    /* enum quality, indexed by point id */
    int hour;                  /* local hour 0..23, for hour() */
    int weekday;               /* local day 0 (Sunday)..6, for weekday() */
    const double *rate;        /* by rate slot: change per minute over its window; may be NULL */
    const uint8_t *rate_known; /* by rate slot: 1 when the window has data */
};

enum expr_truth { EXPR_FALSE = 0, EXPR_TRUE = 1, EXPR_UNKNOWN = -1 };

/* Evaluates e: EXPR_TRUE when the value is non-zero, EXPR_FALSE when zero, EXPR_UNKNOWN. */
enum expr_truth expr_test(const struct expr *e, const struct expr_env *env);

/* Evaluates e to a number in *out. Returns 0, or EXPR_UNKNOWN (and *out untouched). */
int expr_value(const struct expr *e, const struct expr_env *env, double *out);

/* The distinct points e reads, in order of first appearance: sets *ids (borrowed from e) and
 * returns the count. */
size_t expr_points(const struct expr *e, const int **ids);

/* Non-zero when e calls hour() or weekday(), so it must be re-evaluated as time passes. */
int expr_uses_time(const struct expr *e);

#endif
