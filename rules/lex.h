/*
 * lex.h - tokens of rule expressions (see expr.h for the syntax).
 * The lexer reads a NUL-terminated string it borrows; tokens point into it.
 */
#ifndef STEWARD_LEX_H
#define STEWARD_LEX_H

#include <stddef.h>

enum tok_kind {
    T_END,
    T_NUM,
    T_IDENT,
    T_STRING,
    T_TRUE,
    T_FALSE,
    T_LPAREN,
    T_RPAREN,
    T_COMMA,
    T_PLUS,
    T_MINUS,
    T_STAR,
    T_SLASH,
    T_LT,
    T_LE,
    T_GT,
    T_GE,
    T_EQ,
    T_NE,
    T_AND,
    T_OR,
    T_NOT,
    T_ERROR
};

struct token {
    enum tok_kind kind;
    const char *start; /* into the source */
    size_t len;
    double num; /* T_NUM */
    int col;    /* 1-based column */
};

struct lexer {
    const char *src;
    const char *p;
    const char *error; /* static message for T_ERROR */
};

void lex_init(struct lexer *lx, const char *src);
/* The next token. An identifier may hold one dot: "tx1.temp_a". */
struct token lex_next(struct lexer *lx);

#endif
