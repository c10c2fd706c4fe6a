/* lex.c - see lex.h. */
#include "rules/lex.h"
#include "rules/units.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void lex_init(struct lexer *lx, const char *src)
{
    lx->src = src;
    lx->p = src;
    lx->error = NULL;
}

static int ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || c == '_' || (c >= 'A' && c <= 'Z');
}

static int ident_char(int c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

struct token lex_next(struct lexer *lx)
{
    while (isspace((unsigned char)*lx->p))
        lx->p++;
    struct token t = {T_END, lx->p, 0, 0, (int)(lx->p - lx->src) + 1};
    const char *p = lx->p;
    char c = *p;
    if (c == '\0') return t;

    if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)p[1]))) {
        char *end;
        t.num = strtod(p, &end);
        end += unit_len(end); /* `130C`, `0.4kV`: the compiler converts it (units.h) */
        if (ident_start((unsigned char)*end) || *end == '.') {
            t.kind = T_ERROR;
            lx->error = "malformed number";
            t.len = (size_t)(end - p) + 1;
        } else {
            t.kind = T_NUM;
            t.len = (size_t)(end - p);
        }
    } else if (ident_start((unsigned char)c)) {
        const char *q = p;
        while (ident_char((unsigned char)*q))
            q++;
        if (*q == '.' && ident_start((unsigned char)q[1])) { /* device.point */
            q++;
            while (ident_char((unsigned char)*q))
                q++;
        }
        t.len = (size_t)(q - p);
        t.kind = T_IDENT;
        if (t.len == 4 && strncmp(p, "true", 4) == 0) t.kind = T_TRUE;
        if (t.len == 5 && strncmp(p, "false", 5) == 0) t.kind = T_FALSE;
    } else if (c == '"') {
        const char *q = p + 1;
        while (*q && *q != '"')
            q++;
        if (!*q) {
            t.kind = T_ERROR;
            lx->error = "unterminated string";
            t.len = (size_t)(q - p);
        } else {
            t.kind = T_STRING;
            t.start = p + 1;
            t.len = (size_t)(q - p - 1);
            lx->p = q + 1;
            return t;
        }
    } else {
        static const struct {
            const char *s;
            enum tok_kind k;
        } ops[] = {
            {"&&", T_AND},  {"||", T_OR},  {"<=", T_LE},    {">=", T_GE},
            {"==", T_EQ},   {"!=", T_NE},  {"(", T_LPAREN}, {")", T_RPAREN},
            {",", T_COMMA}, {"+", T_PLUS}, {"-", T_MINUS},  {"*", T_STAR},
            {"/", T_SLASH}, {"<", T_LT},   {">", T_GT},     {"!", T_NOT},
        };
        t.kind = T_ERROR;
        t.len = 1;
        lx->error = "unexpected character";
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
            size_t n = strlen(ops[i].s);
            if (strncmp(p, ops[i].s, n) == 0) {
                t.kind = ops[i].k;
                t.len = n;
                lx->error = NULL;
                break;
            }
        }
    }
    lx->p = p + t.len;
    return t;
}
