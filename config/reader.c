/* reader.c - see reader.h. */
#include "config/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rd_add_raw(struct reader *r, char *line)
{
    r->errors++;
    char **msgs = r->diag ? realloc(r->diag->msgs, (r->diag->n + 1) * sizeof(*msgs)) : NULL;
    if (!msgs) {
        free(line);
        return;
    }
    r->diag->msgs = msgs;
    r->diag->msgs[r->diag->n++] = line;
}

static void add(struct reader *r, const char *file, int ln, const char *msg)
{
    char *line = NULL;
    int n =
        ln > 0 ? asprintf(&line, "%s:%d: %s", file, ln, msg) : asprintf(&line, "%s: %s", file, msg);
    r->errors++;
    if (n < 0 || !r->diag) {
        if (n >= 0) free(line);
        return;
    }
    char **msgs = realloc(r->diag->msgs, (r->diag->n + 1) * sizeof(*msgs));
    if (!msgs) {
        free(line);
        return;
    }
    r->diag->msgs = msgs;
    r->diag->msgs[r->diag->n++] = line;
}

void rd_error(struct reader *r, const config_setting_t *s, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *file = s && config_setting_source_file(s) ? config_setting_source_file(s) : r->path;
    add(r, file, s ? config_setting_source_line(s) : 0, msg);
}

void rd_error_at(struct reader *r, const config_setting_t *s, int col, const char *fmt, ...)
{
    char msg[1024], full[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    const char *file = s && config_setting_source_file(s) ? config_setting_source_file(s) : r->path;
    int ln = s ? config_setting_source_line(s) : 0;
    /* "FILE:LINE:COLUMN: message": add() writes "FILE:LINE: ", the column goes first in msg. */
    snprintf(full, sizeof(full), "%d: %s", col, msg);
    if (ln > 0) {
        char *line = NULL;
        if (asprintf(&line, "%s:%d:%s", file, ln, full) >= 0) rd_add_raw(r, line);
        return;
    }
    add(r, file, ln, msg);
}

void rd_error_line(struct reader *r, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    add(r, r->path, line, msg);
}

int rd_valid_id(const char *s)
{
    if (!s || !(*s >= 'a' && *s <= 'z')) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
    return strlen(s) <= 64;
}

size_t rd_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

/* Element i of a list, which must be a group. */
const config_setting_t *rd_item(struct reader *r, const config_setting_t *list, int i,
                                const char *what)
{
    const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
    if (!config_setting_is_group(e)) {
        rd_error(r, e, "each element of %s must be a group: { ... }", what);
        return NULL;
    }
    return e;
}

void *rd_alloc_items(const config_setting_t *list, size_t size, size_t *n)
{
    *n = list ? (size_t)config_setting_length(list) : 0;
    void *items = calloc(*n ? *n : 1, size);
    if (!items) *n = 0; /* so that no loader walks a missing array */
    return items;
}
