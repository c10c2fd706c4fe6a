/* eval.c - runs a compiled rule program (see expr.h, program.h).
 *
 * Each stack slot has a value and an unknown flag. Arithmetic and comparisons with an unknown
 * operand are unknown. && and || follow Kleene's three-valued logic: false && unknown is false and
 * true || unknown is true (the known operand decides), otherwise unknown. Division by zero is
 * unknown rather than infinity, so a meter reading zero cannot raise or clear anything. */
#include "gateway/base/quality.h"
#include "rules/expr.h"
#include "rules/program.h"

#include <math.h>

struct slot {
    double v;
    int unk;
};

static int run(const struct expr *e, const struct expr_env *env, double *out)
{
    struct slot stack[EXPR_STACK_MAX];
    struct slot *s = stack;
    if ((size_t)e->max_stack > sizeof(stack) / sizeof(stack[0])) return EXPR_UNKNOWN;
    int sp = 0;
    for (size_t i = 0; i < e->n_code; i++) {
        const struct instr *in = &e->code[i];
        struct slot *a = &s[sp - 1], *b;
        switch ((enum opcode)in->op) {
        case OP_CONST: s[sp++] = (struct slot){in->k, 0}; break;
        case OP_POINT:
            s[sp++] = (struct slot){env->values[in->arg], env->quality[in->arg] != QUALITY_GOOD};
            break;
        case OP_STALE: s[sp++] = (struct slot){env->quality[in->arg] != QUALITY_GOOD, 0}; break;
        case OP_RATE:
            s[sp++] = env->rate && env->rate_known && env->rate_known[in->arg]
                          ? (struct slot){env->rate[in->arg], 0}
                          : (struct slot){0, 1};
            break;
        case OP_HOUR: s[sp++] = (struct slot){env->hour, 0}; break;
        case OP_WEEKDAY: s[sp++] = (struct slot){env->weekday, 0}; break;
        case OP_NEG: a->v = -a->v; break;
        case OP_NOT: a->v = a->v == 0; break;
        case OP_ABS: a->v = fabs(a->v); break;
        case OP_AND:
        case OP_OR: {
            b = &s[--sp];
            a = &s[sp - 1];
            int decisive = in->op == OP_AND ? 0 : 1; /* the value that decides alone */
            int av = a->v != 0, bv = b->v != 0;
            if ((!a->unk && av == decisive) || (!b->unk && bv == decisive))
                *a = (struct slot){decisive, 0};
            else if (a->unk || b->unk)
                *a = (struct slot){0, 1};
            else
                *a = (struct slot){!decisive, 0};
            break;
        }
        case OP_MIN:
        case OP_MAX:
        case OP_AVG: {
            int n = in->arg;
            struct slot r = s[sp - n];
            for (int k = 1; k < n; k++) {
                struct slot x = s[sp - n + k];
                r.unk |= x.unk;
                if (in->op == OP_MIN && x.v < r.v) r.v = x.v;
                if (in->op == OP_MAX && x.v > r.v) r.v = x.v;
                if (in->op == OP_AVG) r.v += x.v;
            }
            if (in->op == OP_AVG) r.v /= n;
            sp -= n;
            s[sp++] = r;
            break;
        }
        case OP_BETWEEN: {
            struct slot x = s[sp - 3], lo = s[sp - 2], hi = s[sp - 1];
            sp -= 2;
            s[sp - 1] = (struct slot){lo.v <= x.v && x.v <= hi.v, x.unk | lo.unk | hi.unk};
            break;
        }
        default: {
            b = &s[--sp];
            a = &s[sp - 1];
            a->unk |= b->unk;
            switch ((enum opcode)in->op) {
            case OP_ADD: a->v += b->v; break;
            case OP_SUB: a->v -= b->v; break;
            case OP_MUL: a->v *= b->v; break;
            case OP_DIV:
                if (b->v == 0)
                    a->unk = 1;
                else
                    a->v /= b->v;
                break;
            case OP_LT: a->v = a->v < b->v; break;
            case OP_LE: a->v = a->v <= b->v; break;
            case OP_GT: a->v = a->v > b->v; break;
            case OP_GE: a->v = a->v >= b->v; break;
            case OP_EQ: a->v = a->v == b->v; break;
            case OP_NE: a->v = a->v != b->v; break;
            default: return EXPR_UNKNOWN;
            }
        }
        }
    }
    if (sp != 1 || s[0].unk || !isfinite(s[0].v)) return EXPR_UNKNOWN;
    *out = s[0].v;
    return 0;
}

enum expr_truth expr_test(const struct expr *e, const struct expr_env *env)
{
    double v;
    if (run(e, env, &v) != 0) return EXPR_UNKNOWN;
    return v != 0 ? EXPR_TRUE : EXPR_FALSE;
}

int expr_value(const struct expr *e, const struct expr_env *env, double *out)
{
    return run(e, env, out);
}
