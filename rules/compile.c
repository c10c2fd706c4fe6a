/* compile.c - rule expression text -> postfix program (see expr.h, program.h).
 * Recursive descent, one function per precedence level, lowest first. */
#include "gateway/base/error.h"
#include "rules/expr.h"
#include "rules/lex.h"
#include "rules/program.h"
#include "rules/units.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the operand just parsed is, for units: a number written with a unit (converted when it
 * meets a quantity), a quantity in a point's unit (a point, or a sum, min, max... of points of
 * one unit), or anything else. */
enum tag_kind { TAG_NONE, TAG_LIT, TAG_QTY };
struct tag {
    enum tag_kind kind;
    const struct unit *u; /* TAG_LIT: its unit */
    size_t code;          /* TAG_LIT: the index of its OP_CONST */
    int col;              /* TAG_LIT: its column */
    const char *qty_unit; /* TAG_QTY: the unit as configured, or NULL when the point has none */
    const char *qty_name; /* TAG_QTY: the point's name, for messages */
    int qty_len;
};

struct compiler {
    struct lexer lx;
    struct token tok; /* current token */
    expr_resolve_fn resolve;
    void *ctx;
    struct expr *e;
    size_t cap;
    int depth, nesting;
    char *err;
    size_t errlen;
    int failed;
    int fail_col;    /* the column of the fault, 1-based */
    double deadband; /* compiling a clear form: each comparison's limit moved by this */
    int shifted;     /* 1 while compiling that form */
    int (*rate_slot)(void *ctx, int point, int64_t window_ms);
    const char *(*point_unit)(void *ctx, int point);
    struct tag tag; /* of the operand just parsed */
};

/* "5m", "30s", "1h", "500ms" in a rate() window (rules/ has its own: the configuration's parser
 * is in config/, which depends on rules/). Returns the milliseconds, or -1. */
static int64_t window_ms(const char *s, size_t n)
{
    char buf[32];
    if (n == 0 || n >= sizeof(buf)) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (end == buf || v <= 0) return -1;
    static const struct {
        const char *u;
        double ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"min", 60000}, {"h", 3600000}};
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(end, units[i].u) == 0 && v * units[i].ms <= 7 * 86400000.0)
            return (int64_t)(v * units[i].ms + 0.5);
    return -1;
}

static void fail(struct compiler *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct compiler *c, const char *fmt, ...)
{
    if (c->failed) return;
    c->failed = 1;
    if (!c->fail_col) c->fail_col = c->tok.col ? c->tok.col : 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
}

static void advance(struct compiler *c)
{
    c->tok = lex_next(&c->lx);
    if (c->tok.kind == T_ERROR)
        fail(c, "%s '%.*s' at column %d", c->lx.error, (int)c->tok.len, c->tok.start, c->tok.col);
}

static void fail_here(struct compiler *c, const char *expected)
{
    if (c->tok.kind == T_END)
        fail(c, "%s at the end of the expression", expected);
    else
        fail(c, "%s at column %d, found '%.*s'", expected, c->tok.col, (int)c->tok.len,
             c->tok.start);
}

/* Emits one instruction; delta is its effect on the stack depth. */
static void emit(struct compiler *c, enum opcode op, int32_t arg, double k, int delta)
{
    if (c->failed) return;
    if (c->e->n_code == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct instr *code = realloc(c->e->code, cap * sizeof(*code));
        if (!code) {
            fail(c, "out of memory");
            return;
        }
        c->e->code = code;
        c->cap = cap;
    }
    c->e->code[c->e->n_code++] = (struct instr){(uint8_t)op, arg, k};
    c->depth += delta;
    if (c->depth > c->e->max_stack) c->e->max_stack = c->depth;
}

static void note_point(struct compiler *c, int id)
{
    for (size_t i = 0; i < c->e->n_points; i++)
        if (c->e->points[i] == id) return;
    int *p = realloc(c->e->points, (c->e->n_points + 1) * sizeof(*p));
    if (!p) {
        fail(c, "out of memory");
        return;
    }
    c->e->points = p;
    c->e->points[c->e->n_points++] = id;
}

static void parse_or(struct compiler *c);

/* A point reference: resolves the current identifier token. Returns its id or -1. */
static int point_ref(struct compiler *c, const struct token *t)
{
    char name[256];
    if (t->len >= sizeof(name)) {
        c->fail_col = t->col;
        fail(c, "name too long at column %d", t->col);
        return -1;
    }
    memcpy(name, t->start, t->len);
    name[t->len] = '\0';
    int id = c->resolve ? c->resolve(c->ctx, name) : -1;
    if (id < 0) {
        if (!c->failed) c->fail_col = t->col;
        fail(c, "unknown point '%s' at column %d", name, t->col);
        return -1;
    }
    note_point(c, id);
    return id;
}

/* A number written with a unit met a quantity: converts the constant into the quantity's unit
 * (`0.4kV` against a point in V is 400), or fails when they do not fit. */
static void unit_bind(struct compiler *c, const struct tag *lit, const struct tag *qty)
{
    if (c->failed) return;
    const char *pu = qty->qty_unit;
    const struct unit *u = pu ? unit_find(pu, strlen(pu)) : NULL;
    c->fail_col = lit->col;
    if (!pu) {
        fail(c, "'%s' has a unit but %.*s has none (column %d): write the number without it",
             lit->u->text, qty->qty_len, qty->qty_name, lit->col);
        return;
    }
    if (!u) { /* a unit the table does not know ("m3/h"): only the very same text fits */
        if (strcmp(pu, lit->u->text) == 0) {
            c->fail_col = 0;
            return;
        }
        fail(c, "'%s' does not fit %.*s, which is in %s (column %d)", lit->u->text, qty->qty_len,
             qty->qty_name, pu, lit->col);
        return;
    }
    if (strcmp(u->base, lit->u->base) != 0) {
        fail(c, "'%s' does not fit %.*s, which is in %s (column %d)", lit->u->text, qty->qty_len,
             qty->qty_name, pu, lit->col);
        return;
    }
    c->fail_col = 0;
    c->e->code[lit->code].k *= lit->u->scale / u->scale;
}

/* A number with a unit where no quantity gives it a meaning (`0.4kV + 1`, `20% * 2`). */
static void unit_refuse(struct compiler *c, const struct tag *t)
{
    if (c->failed || t->kind != TAG_LIT) return;
    c->fail_col = t->col;
    fail(c,
         "a number with a unit ('%s' at column %d) must be compared with a point or added to one",
         t->u->text, t->col);
}

/* Two configured units are the same: the same text, or the same unit of the table ("°C", "C"). */
static int same_unit(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    const struct unit *ua = unit_find(a, strlen(a)), *ub = unit_find(b, strlen(b));
    return strcmp(a, b) == 0 ||
           (ua && ub && strcmp(ua->base, ub->base) == 0 && ua->scale == ub->scale);
}

static const struct tag no_tag = {TAG_NONE, NULL, 0, 0, NULL, NULL, 0};

static void expect(struct compiler *c, enum tok_kind k, const char *what)
{
    if (c->failed) return;
    if (c->tok.kind != k) {
        fail_here(c, what);
        return;
    }
    advance(c);
}

/* Parses a parenthesised argument list after a function name; returns the count. */
static int parse_args(struct compiler *c, struct tag *tags, int max)
{
    int n = 0;
    expect(c, T_LPAREN, "expected '('");
    if (c->failed) return 0;
    if (c->tok.kind == T_RPAREN) {
        advance(c);
        return 0;
    }
    for (;;) {
        parse_or(c);
        if (n < max) tags[n] = c->tag;
        n++;
        if (c->failed) return n;
        if (c->tok.kind == T_COMMA) {
            advance(c);
            continue;
        }
        expect(c, T_RPAREN, "expected ',' or ')'");
        return n;
    }
}

static void parse_call(struct compiler *c, const struct token *name)
{
    struct fn {
        const char *name;
        int min, max;
        enum opcode op;
    };
    static const struct fn fns[] = {
        {"abs", 1, 1, OP_ABS},
        {"min", 1, EXPR_MAX_ARGS, OP_MIN},
        {"max", 1, EXPR_MAX_ARGS, OP_MAX},
        {"avg", 1, EXPR_MAX_ARGS, OP_AVG},
        {"between", 3, 3, OP_BETWEEN},
        {"hour", 0, 0, OP_HOUR},
        {"weekday", 0, 0, OP_WEEKDAY},
    };
    int col = name->col;
    if (name->len == 4 && strncmp(name->start, "rate", 4) == 0) {
        advance(c); /* '(' */
        if (c->tok.kind != T_IDENT) {
            fail_here(c, "rate() takes a point name");
            return;
        }
        struct token arg = c->tok;
        int id = point_ref(c, &arg);
        advance(c);
        expect(c, T_COMMA, "expected ',' and a window such as \"5m\"");
        if (c->failed) return;
        int64_t w = c->tok.kind == T_STRING ? window_ms(c->tok.start, c->tok.len) : -1;
        if (w <= 0) {
            fail_here(c, "rate() takes a window such as \"5m\" (at most 7 days)");
            return;
        }
        advance(c);
        expect(c, T_RPAREN, "expected ')'");
        if (c->failed) return;
        int slot = c->rate_slot ? c->rate_slot(c->ctx, id, w) : -1;
        if (slot < 0) {
            c->fail_col = col;
            fail(c, "rate() is not available here (column %d)", col);
            return;
        }
        c->e->uses_time = 1; /* a rate moves as its window slides */
        emit(c, OP_RATE, slot, 0, +1);
        c->tag = no_tag; /* per minute: not in the point's unit */
        return;
    }
    if (name->len == 5 && strncmp(name->start, "stale", 5) == 0) {
        advance(c); /* '(' */
        if (c->tok.kind != T_IDENT) {
            fail_here(c, "stale() takes a point name");
            return;
        }
        struct token arg = c->tok;
        int id = point_ref(c, &arg);
        advance(c);
        expect(c, T_RPAREN, "expected ')'");
        emit(c, OP_STALE, id, 0, +1);
        c->tag = no_tag;
        return;
    }
    const struct fn *f = NULL;
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
        if (strlen(fns[i].name) == name->len && strncmp(fns[i].name, name->start, name->len) == 0)
            f = &fns[i];
    if (!f) {
        fail(c, "unknown function '%.*s' at column %d", (int)name->len, name->start, col);
        return;
    }
    struct tag tags[EXPR_MAX_ARGS];
    int n = parse_args(c, tags, EXPR_MAX_ARGS);
    if (c->failed) return;
    if (n < f->min || n > f->max) {
        if (f->min == f->max)
            fail(c, "%s() takes %d argument%s, not %d (column %d)", f->name, f->min,
                 f->min == 1 ? "" : "s", n, col);
        else
            fail(c, "%s() takes %d to %d arguments, not %d (column %d)", f->name, f->min, f->max, n,
                 col);
        return;
    }
    /* Units: between(x, 60C, 80C) converts its limits to x's unit; abs, min, max and avg of
     * quantities of one unit are a quantity of that unit. */
    struct tag result = no_tag;
    if (f->op == OP_BETWEEN) {
        if (tags[0].kind == TAG_QTY) {
            for (int i = 1; i < 3; i++)
                if (tags[i].kind == TAG_LIT) {
                    unit_bind(c, &tags[i], &tags[0]);
                    tags[i].kind = TAG_NONE; /* converted */
                }
        }
        for (int i = 0; i < 3; i++)
            unit_refuse(c, &tags[i]);
    } else {
        int same = n > 0;
        for (int i = 0; i < n && i < EXPR_MAX_ARGS; i++) {
            unit_refuse(c, &tags[i]);
            same = same && tags[i].kind == TAG_QTY && same_unit(tags[i].qty_unit, tags[0].qty_unit);
        }
        if (same) result = tags[0];
    }
    if (c->failed) return;
    c->tag = result;
    switch (f->op) {
    case OP_HOUR:
    case OP_WEEKDAY:
        c->e->uses_time = 1;
        emit(c, f->op, 0, 0, +1);
        break;
    case OP_ABS: emit(c, OP_ABS, 1, 0, 0); break;
    case OP_BETWEEN: emit(c, OP_BETWEEN, 3, 0, -2); break;
    default: emit(c, f->op, n, 0, 1 - n); break;
    }
}

static void parse_primary(struct compiler *c)
{
    if (c->failed) return;
    struct token t = c->tok;
    switch (t.kind) {
    case T_NUM: {
        advance(c);
        char *end;
        (void)strtod(t.start, &end); /* the unit is what the lexer took after the number */
        size_t ulen = (size_t)(t.start + t.len - end);
        const struct unit *u = ulen ? unit_find(end, ulen) : NULL;
        c->tag = no_tag;
        if (u) c->tag = (struct tag){TAG_LIT, u, c->e->n_code, t.col, NULL, NULL, 0};
        emit(c, OP_CONST, 0, t.num, +1);
        return;
    }
    case T_TRUE:
    case T_FALSE:
        advance(c);
        emit(c, OP_CONST, 0, t.kind == T_TRUE, +1);
        c->tag = no_tag;
        return;
    case T_LPAREN:
        if (++c->nesting > EXPR_MAX_DEPTH) {
            fail(c, "expression nested too deeply at column %d", t.col);
            return;
        }
        advance(c);
        parse_or(c);
        expect(c, T_RPAREN, "expected ')'");
        c->nesting--;
        return;
    case T_IDENT:
        advance(c);
        if (c->tok.kind == T_LPAREN) {
            parse_call(c, &t);
        } else {
            int id = point_ref(c, &t);
            emit(c, OP_POINT, id, 0, +1);
            const char *unit = id >= 0 && c->point_unit ? c->point_unit(c->ctx, id) : NULL;
            c->tag = (struct tag){TAG_QTY, NULL, 0, 0, unit, t.start, (int)t.len};
        }
        return;
    default: fail_here(c, "expected a number, a point or '('");
    }
}

static void parse_unary(struct compiler *c)
{
    if (c->failed) return;
    if (c->tok.kind == T_NOT || c->tok.kind == T_MINUS) {
        enum tok_kind k = c->tok.kind;
        if (++c->nesting > EXPR_MAX_DEPTH) {
            fail(c, "expression nested too deeply at column %d", c->tok.col);
            return;
        }
        advance(c);
        parse_unary(c);
        c->nesting--;
        emit(c, k == T_NOT ? OP_NOT : OP_NEG, 0, 0, 0);
        if (k == T_NOT) { /* a negated number keeps its unit (-5C); a negated truth has none */
            unit_refuse(c, &c->tag);
            c->tag = no_tag;
        }
        return;
    }
    parse_primary(c);
}

/* One left-associative binary level: operands parsed by next, operators from the table. */
struct binop {
    enum tok_kind tok;
    enum opcode op;
};

/* The units of `lhs OP rhs`: a number with a unit is converted to the unit of the quantity it
 * is compared with, added to or subtracted from; a sum or difference with a quantity is a quantity
 * of its unit; a product, a quotient, a comparison or a logical operation is not in a unit. */
static struct tag units_of(struct compiler *c, enum opcode op, const struct tag *lhs,
                           const struct tag *rhs)
{
    int additive = op == OP_ADD || op == OP_SUB;
    int compare =
        op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE || op == OP_EQ || op == OP_NE;
    if (additive || compare) {
        if (lhs->kind == TAG_LIT && rhs->kind == TAG_QTY) unit_bind(c, lhs, rhs);
        if (rhs->kind == TAG_LIT && lhs->kind == TAG_QTY) unit_bind(c, rhs, lhs);
        if (lhs->kind == TAG_LIT && rhs->kind != TAG_QTY) unit_refuse(c, lhs);
        if (rhs->kind == TAG_LIT && lhs->kind != TAG_QTY) unit_refuse(c, rhs);
        if (additive) return lhs->kind == TAG_QTY ? *lhs : rhs->kind == TAG_QTY ? *rhs : no_tag;
        return no_tag;
    }
    unit_refuse(c, lhs);
    unit_refuse(c, rhs);
    return no_tag;
}

static void parse_level(struct compiler *c, void (*next)(struct compiler *),
                        const struct binop *ops, size_t n_ops)
{
    next(c);
    while (!c->failed) {
        const struct binop *found = NULL;
        for (size_t i = 0; i < n_ops; i++)
            if (c->tok.kind == ops[i].tok) found = &ops[i];
        if (!found) return;
        struct tag lhs = c->tag;
        advance(c);
        next(c);
        c->tag = units_of(c, found->op, &lhs, &c->tag);
        /* The clear form of a rule with a deadband: the comparison's right side moved so that
         * the condition must be false by the margin (x > k holds on until x <= k - d). */
        if (c->shifted && (found->op == OP_GT || found->op == OP_GE)) {
            emit(c, OP_CONST, 0, c->deadband, +1);
            emit(c, OP_SUB, 0, 0, -1);
        } else if (c->shifted && (found->op == OP_LT || found->op == OP_LE)) {
            emit(c, OP_CONST, 0, c->deadband, +1);
            emit(c, OP_ADD, 0, 0, -1);
        }
        emit(c, found->op, 0, 0, -1);
    }
}

static void parse_mul(struct compiler *c)
{
    static const struct binop ops[] = {{T_STAR, OP_MUL}, {T_SLASH, OP_DIV}};
    parse_level(c, parse_unary, ops, 2);
}

static void parse_add(struct compiler *c)
{
    static const struct binop ops[] = {{T_PLUS, OP_ADD}, {T_MINUS, OP_SUB}};
    parse_level(c, parse_mul, ops, 2);
}

static void parse_rel(struct compiler *c)
{
    static const struct binop ops[] = {{T_LT, OP_LT}, {T_LE, OP_LE}, {T_GT, OP_GT}, {T_GE, OP_GE}};
    parse_level(c, parse_add, ops, 4);
}

static void parse_eq(struct compiler *c)
{
    static const struct binop ops[] = {{T_EQ, OP_EQ}, {T_NE, OP_NE}};
    parse_level(c, parse_rel, ops, 2);
}

static void parse_and(struct compiler *c)
{
    static const struct binop ops[] = {{T_AND, OP_AND}};
    parse_level(c, parse_eq, ops, 1);
}

static void parse_or(struct compiler *c)
{
    static const struct binop ops[] = {{T_OR, OP_OR}};
    parse_level(c, parse_and, ops, 1);
}

int expr_compile(const char *src, expr_resolve_fn resolve, void *ctx, struct expr **out, char *err,
                 size_t errlen)
{
    struct expr_options o = {0};
    return expr_compile_opts(src, resolve, ctx, &o, out, err, errlen);
}

int expr_compile_opts(const char *src, expr_resolve_fn resolve, void *ctx, struct expr_options *opt,
                      struct expr **out, char *err, size_t errlen)
{
    static char unused[8];
    if (!err || !errlen) {
        err = unused;
        errlen = sizeof(unused);
    }
    err[0] = '\0';
    *out = NULL;
    if (!src || strlen(src) > EXPR_MAX_LEN) {
        snprintf(err, errlen, "expression longer than %d characters", EXPR_MAX_LEN);
        return ST_ERR_INVAL;
    }
    struct compiler c = {.resolve = resolve,
                         .ctx = ctx,
                         .err = err,
                         .errlen = errlen,
                         .deadband = opt->deadband,
                         .shifted = opt->clear_form,
                         .rate_slot = opt->rate_slot,
                         .point_unit = opt->point_unit};
    c.e = calloc(1, sizeof(*c.e));
    if (!c.e) return ST_ERR_NOMEM;
    lex_init(&c.lx, src);
    advance(&c);
    if (!c.failed && c.tok.kind == T_END) fail(&c, "empty expression");
    parse_or(&c);
    if (!c.failed && c.tok.kind != T_END) fail_here(&c, "unexpected text");
    unit_refuse(&c, &c.tag);                        /* "130C" alone means nothing */
    if (opt->clear_form) emit(&c, OP_NOT, 0, 0, 0); /* clears when the moved condition is false */
    if (!c.failed && c.e->max_stack > EXPR_STACK_MAX) fail(&c, "expression too complex");
    opt->error_col = c.failed ? c.fail_col : 0;
    if (c.failed) {
        expr_free(c.e);
        return ST_ERR_INVAL;
    }
    *out = c.e;
    return ST_OK;
}

void expr_free(struct expr *e)
{
    if (!e) return;
    free(e->code);
    free(e->points);
    free(e);
}

size_t expr_points(const struct expr *e, const int **ids)
{
    *ids = e->points;
    return e->n_points;
}

int expr_uses_time(const struct expr *e)
{
    return e->uses_time;
}
