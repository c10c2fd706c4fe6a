/* reference.c - the configuration reference, printed from the settings tables alone (see
 * config.h): what the loader applies and what the documentation says cannot drift apart. */
#include "config/config.h"
#include "config/settings.h"

#include <stdio.h>
#include <string.h>

#define MAX_TABLES 32

/* Table cells: a '|' would end the cell. */
static void put_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|') fputc('\\', out);
        fputc(*s, out);
    }
}

static const char *type_text(const struct setting *row)
{
    switch (row->type) {
    case SET_STRING: return "string";
    case SET_ID: return "identifier";
    case SET_INT: return "integer";
    case SET_NUMBER: return "number";
    case SET_BOOL: return "boolean";
    case SET_DURATION: return "duration";
    case SET_SIZE: return "size";
    case SET_ENUM: return "enum";
    case SET_GROUP: return "group";
    case SET_LIST: return row->sub ? "list of groups" : "list of strings";
    }
    return "?";
}

/* A default as a file would write it: strings in quotes, numbers and booleans bare. */
static void put_default(FILE *out, const struct setting *row)
{
    if (row->flags & SET_REQUIRED) {
        fputs("**required**", out);
    } else if (row->shown) {
        put_cell(out, row->shown);
    } else if (!row->def) {
        /* An absent group or list is no value: its members' defaults apply, or there are none. */
        fputs(row->type == SET_GROUP || row->type == SET_LIST ? "—" : "none", out);
    } else if (row->type == SET_INT || row->type == SET_NUMBER || row->type == SET_BOOL ||
               row->type == SET_LIST) {
        fprintf(out, "`%s`", row->def);
    } else {
        fprintf(out, "`\"%s\"`", row->def);
    }
}

static void put_allowed(FILE *out, const struct setting *row)
{
    char b[64];
    if (row->type == SET_ENUM) {
        for (int i = 0; row->names[i]; i++)
            fprintf(out, "%s`%s`", i ? ", " : "", row->names[i]);
    } else if (row->type == SET_ID) {
        fputs("`[a-z][a-z0-9_]*`, at most 64", out);
    } else if (row->sub) {
        fprintf(out, "see `%s`", row->sub->name);
    } else {
        put_cell(out, settings_bounds(row, b, sizeof(b)));
    }
}

static void put_table(FILE *out, const struct set_table *t)
{
    fprintf(out, strchr(t->name, ' ') ? "**%s**: " : "**`%s`**: ", t->name);
    put_cell(out, t->doc);
    fputs(".", out);
    for (int v = 0; t->variants && t->variants[v]; v++)
        fprintf(out, v ? ", (%s) to %s only" : " Settings marked (%s) apply to %s only",
                t->variants[v], t->scopes[v]);
    fputs(t->variants ? "." : "", out);
    fputs("\n\n| setting | type | default | allowed | description |\n|---|---|---|---|---|\n", out);
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct setting *row = &t->rows[i];
        fprintf(out, "| `%s`", row->name);
        for (int v = 0; row->only && t->variants && t->variants[v]; v++)
            if (row->only & (1u << v)) fprintf(out, " (%s)", t->variants[v]);
        fprintf(out, " | %s | ", type_text(row));
        put_default(out, row);
        fputs(" | ", out);
        put_allowed(out, row);
        fputs(" | ", out);
        put_cell(out, row->doc);
        fputs(" |\n", out);
    }
    fputs("\n", out);
}

/* Depth first from the top level, each table once (both brokers share one). */
static void walk(FILE *out, const struct set_table *t, const struct set_table **seen, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        if (seen[i] == t) return;
    if (*n == MAX_TABLES) return;
    seen[(*n)++] = t;
    put_table(out, t);
    for (size_t i = 0; i < t->n_rows; i++)
        if (t->rows[i].sub) walk(out, t->rows[i].sub, seen, n);
}

void config_reference_print(FILE *out)
{
    const struct set_table *seen[MAX_TABLES] = {0};
    size_t n = 0;
    walk(out, &set_root, seen, &n);
}
