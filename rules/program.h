/*
 * program.h - the compiled form of a rule expression (private to rules/).
 *
 * Postfix code over a value stack: each instruction pushes or combines values. Every stack slot
 * carries a value and an "unknown" flag, so quality propagates without branching on the hot
 * path. The stack depth is computed at compile time, so evaluation needs no allocation.
 */
#ifndef STEWARD_PROGRAM_H
#define STEWARD_PROGRAM_H

#include <stddef.h>
#include <stdint.h>

enum opcode {
    OP_CONST, /* push k */
    OP_POINT, /* push the value of point arg (unknown unless good) */
    OP_STALE, /* push 1 if point arg is not good, else 0 (never unknown) */
    OP_HOUR,
    OP_WEEKDAY,
    OP_NEG,
    OP_NOT,
    OP_ABS,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_EQ,
    OP_NE,
    OP_AND,
    OP_OR,
    OP_MIN,
    OP_MAX,
    OP_AVG, /* arg = number of operands */
    OP_BETWEEN,
    OP_RATE, /* push the rate of slot arg (change per minute over its window; unknown without) */
};

struct instr {
    uint8_t op;
    int32_t arg; /* point id or operand count */
    double k;    /* OP_CONST */
};

#define EXPR_MAX_LEN 4096
#define EXPR_MAX_DEPTH 64
#define EXPR_MAX_ARGS 16
/* Evaluation stack slots; a deeper program is refused at compile time. */
#define EXPR_STACK_MAX 256

struct expr {
    struct instr *code;
    size_t n_code;
    int max_stack;
    int uses_time; /* hour(), weekday() or rate(): evaluated again as time passes */
    int *points;   /* distinct points read, in order of first appearance */
    size_t n_points;
};

#endif
