/* settings.c - reads a libconfig group against a settings table (see settings.h). */
#include "config/settings.h"
#include "config/duration.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DURATION_EXAMPLE "\"500ms\", \"30s\", \"15m\", \"24h\", \"7d\""
#define SIZE_EXAMPLE "\"256MB\""

static const config_setting_t *member(const config_setting_t *g, const char *key)
{
    return g && config_setting_is_group(g) ? config_setting_get_member(g, key) : NULL;
}

const config_setting_t *settings_child(const config_setting_t *g, const char *key,
                                       enum set_type type)
{
    const config_setting_t *s = member(g, key);
    if (!s) return NULL;
    if (type == SET_GROUP) return config_setting_is_group(s) ? s : NULL;
    return config_setting_is_list(s) || config_setting_is_array(s) ? s : NULL;
}

static const char *type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: return "an integer";
    case CONFIG_TYPE_FLOAT: return "a number";
    case CONFIG_TYPE_STRING: return "a string";
    case CONFIG_TYPE_BOOL: return "a boolean";
    case CONFIG_TYPE_ARRAY: return "an array";
    case CONFIG_TYPE_LIST: return "a list";
    case CONFIG_TYPE_GROUP: return "a group";
    }
    return "something else";
}

/* Sizes are shown in the largest unit that divides them, as a file would write them. */
static void format_size(int64_t b, char *buf, size_t len)
{
    static const char *const units[] = {"B", "KB", "MB", "GB"};
    int u = 0;
    while (u < 3 && b && b % 1024 == 0) {
        b /= 1024;
        u++;
    }
    snprintf(buf, len, "%lld%s", (long long)b, units[u]);
}

static void format_unit(const struct setting *row, int64_t v, char *buf, size_t len)
{
    if (row->type == SET_SIZE)
        format_size(v, buf, len);
    else
        duration_format(v, buf, (unsigned)len);
}

char *settings_bounds(const struct setting *row, char *buf, size_t len)
{
    char lo[32], hi[32];
    buf[0] = '\0';
    if (row->type == SET_INT) {
        snprintf(buf, len, "%lld to %lld", (long long)row->min, (long long)row->max);
    } else if (row->type == SET_DURATION || row->type == SET_SIZE) {
        format_unit(row, row->min, lo, sizeof(lo));
        format_unit(row, row->max, hi, sizeof(hi));
        if (row->max)
            snprintf(buf, len, "%s to %s", lo, hi);
        else if (row->min)
            snprintf(buf, len, "at least %s", lo);
    }
    return buf;
}

static const struct setting *find_row(const struct set_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_rows; i++)
        if (!strcmp(t->rows[i].name, name)) return &t->rows[i];
    return NULL;
}

/* Every member of g that is not a row of t, with the closest row name when one is near. */
static void check_unknown(struct reader *r, const struct set_table *t, const config_setting_t *g,
                          const char *what)
{
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!name || find_row(t, name)) continue;
        const char *best = NULL;
        size_t best_d = 99;
        for (size_t k = 0; k < t->n_rows; k++) {
            size_t d = rd_edit_distance(t->rows[k].name, name);
            if (d < best_d) {
                best_d = d;
                best = t->rows[k].name;
            }
        }
        if (best && best_d <= 2)
            rd_error(r, s, "unknown setting '%s' in %s; did you mean '%s'?", name, what, best);
        else
            rd_error(r, s, "unknown setting '%s' in %s", name, what);
    }
}

/* The enum index of text in row->names, or -1. */
static int enum_index(const struct setting *row, const char *text)
{
    for (int i = 0; row->names[i]; i++)
        if (!strcmp(row->names[i], text)) return i;
    return -1;
}

/* Parses text (a string setting's value, or a default) for row into v. Returns NULL, or what is
 * wrong with it for the message after "'NAME' = \"TEXT\" " (static text, or written into why;
 * a buffer of the caller's, since loads may run in several threads). */
static const char *parse_text(const struct setting *row, const char *text, struct set_value *v,
                              char *why, size_t len)
{
    v->s = text;
    switch (row->type) {
    case SET_ID:
        return rd_valid_id(text) ? NULL
                                 : "is not a valid identifier (lower-case letters, digits and _, "
                                   "starting with a letter)";
    case SET_DURATION:
    case SET_SIZE: {
        int bad = row->type == SET_SIZE ? size_parse(text, &v->n) : duration_parse(text, &v->n);
        if (bad)
            return row->type == SET_SIZE
                       ? "is not valid; write a number and a unit, e.g. " SIZE_EXAMPLE
                       : "is not valid; write a number and a unit, e.g. " DURATION_EXAMPLE;
        if (v->n >= row->min && (!row->max || v->n <= row->max)) return NULL;
        char b[64];
        snprintf(why, len, "is out of range (%s)", settings_bounds(row, b, sizeof(b)));
        return why;
    }
    case SET_ENUM: {
        v->i = enum_index(row, text);
        if (v->i >= 0) return NULL;
        size_t used = (size_t)snprintf(why, len, "is not one of: ");
        for (int i = 0; row->names[i] && used < len; i++)
            used += (size_t)snprintf(why + used, len - used, "%s%s", i ? ", " : "", row->names[i]);
        return why;
    }
    default: return NULL;
    }
}

/* Parses a default from the table. A default the row refuses is a bug in the table: -1. */
static int parse_default(const struct setting *row, struct set_value *v)
{
    char why[256];
    memset(v, 0, sizeof(*v));
    v->s = row->def;
    switch (row->type) {
    case SET_INT:
        v->i = strtoll(row->def, NULL, 10);
        return v->i >= row->min && v->i <= row->max ? 0 : -1;
    case SET_BOOL: v->i = !strcmp(row->def, "true"); return 0;
    case SET_NUMBER: v->d = strtod(row->def, NULL); return 0;
    case SET_LIST:
    case SET_GROUP:
    case SET_STRING: return 0;
    default: return parse_text(row, row->def, v, why, sizeof(why)) ? -1 : 0;
    }
}

/* Reads the present setting s for row into v. Returns 0, or -1 after reporting it. */
static int read_value(struct reader *r, const struct setting *row, const config_setting_t *s,
                      const char *what, struct set_value *v)
{
    int t = config_setting_type(s);
    const char *n = row->name;
    memset(v, 0, sizeof(*v));
    switch (row->type) {
    case SET_INT:
        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) break;
        v->i = config_setting_get_int64(s);
        if (v->i >= row->min && v->i <= row->max) return 0;
        rd_error(r, s, "%s: '%s' = %lld is out of range (%lld to %lld)", what, n, v->i,
                 (long long)row->min, (long long)row->max);
        return -1;
    case SET_NUMBER:
        if (t == CONFIG_TYPE_FLOAT) v->d = config_setting_get_float(s);
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            v->d = (double)config_setting_get_int64(s);
        if (t == CONFIG_TYPE_FLOAT || t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) return 0;
        break;
    case SET_BOOL:
        if (t != CONFIG_TYPE_BOOL) break;
        v->i = config_setting_get_bool(s);
        return 0;
    case SET_GROUP:
        if (config_setting_is_group(s)) return 0;
        rd_error(r, s, "%s: '%s' must be a group: { ... }", what, n);
        return -1;
    case SET_LIST:
        v->list = s;
        if (config_setting_is_list(s) || config_setting_is_array(s)) return 0;
        rd_error(r, s, "%s: '%s' must be a list: %s", what, n,
                 row->sub ? "( { ... }, { ... } )" : "[ \"...\", \"...\" ]");
        return -1;
    default: { /* the types written as strings */
        if (t != CONFIG_TYPE_STRING) break;
        const char *text = config_setting_get_string(s);
        char buf[256];
        const char *why = parse_text(row, text, v, buf, sizeof(buf));
        if (!why) return 0;
        rd_error(r, s, "%s: '%s' = \"%s\" %s", what, n, text, why);
        return -1;
    }
    }
    if (row->type == SET_DURATION || row->type == SET_SIZE)
        rd_error(r, s, "%s: '%s' must be a string with a unit, e.g. %s", what, n,
                 row->type == SET_SIZE ? SIZE_EXAMPLE : DURATION_EXAMPLE);
    else if (row->type == SET_INT || row->type == SET_NUMBER || row->type == SET_BOOL)
        rd_error(r, s, "%s: '%s' must be %s, not %s", what, n,
                 row->type == SET_INT      ? "an integer"
                 : row->type == SET_NUMBER ? "a number"
                                           : "true or false",
                 type_name(s));
    else
        rd_error(r, s, "%s: '%s' must be a string in double quotes, not %s", what, n, type_name(s));
    return -1;
}

/* Stores v where row says; where reports a refusal by the apply function. */
static void store(struct reader *r, const struct setting *row, const config_setting_t *where,
                  const char *what, void *target, const struct set_value *v)
{
    if (row->apply) {
        const char *why = row->apply(target, row, v);
        if (why) rd_error(r, where, "%s: '%s' %s", what, row->name, why);
        return;
    }
    if (row->off == SET_NOWHERE) return;
    /* memcpy into the member: the row's macro checked its C type at compile time. */
    char *at = (char *)target + row->off, *copy = NULL;
    int i = (int)v->i;
    switch (row->type) {
    case SET_STRING:
    case SET_ID:
        copy = v->s ? strdup(v->s) : NULL;
        memcpy(at, &copy, sizeof(copy));
        break;
    case SET_INT:
    case SET_BOOL:
    case SET_ENUM: memcpy(at, &i, sizeof(i)); break;
    case SET_NUMBER: memcpy(at, &v->d, sizeof(v->d)); break;
    case SET_DURATION:
    case SET_SIZE: memcpy(at, &v->n, sizeof(v->n)); break;
    default: break;
    }
}

/* Reads one row: the value if present and valid, else its default. Returns the value's enum
 * index for a present or default SET_ENUM, else -1. */
static int read_row(struct reader *r, const struct setting *row, const config_setting_t *g,
                    const char *what, void *target)
{
    const config_setting_t *s = member(g, row->name);
    struct set_value v;
    if (s && read_value(r, row, s, what, &v) == 0) {
        store(r, row, s, what, target, &v);
        return row->type == SET_ENUM ? (int)v.i : -1;
    }
    if (!s && g && (row->flags & SET_REQUIRED))
        rd_error(r, g, "%s: missing required %s '%s'", what,
                 row->type == SET_GROUP ? "group" : "setting", row->name);
    if (!row->def) return -1;
    if (parse_default(row, &v)) {
        rd_error(r, g, "%s: '%s': the built-in default \"%s\" is invalid", what, row->name,
                 row->def);
        return -1;
    }
    store(r, row, s ? s : g, what, target, &v);
    return s || row->type != SET_ENUM ? -1 : (int)v.i;
}

const char *settings_read_key(struct reader *r, const struct set_table *t,
                              const config_setting_t *g, const char *what, void *target)
{
    const struct setting *row = find_row(t, t->key);
    const config_setting_t *s = member(g, t->key);
    struct set_value v;
    if (!s) {
        rd_error(r, g, "%s: missing required setting '%s'", what, t->key);
        return NULL;
    }
    if (read_value(r, row, s, what, &v)) return NULL;
    store(r, row, s, what, target, &v);
    return *(char **)((char *)target + row->off);
}

/* The variants a row is for, as a message says them: "tcp buses". */
static void scope_text(const struct set_table *t, unsigned only, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int v = 0; t->scopes && t->scopes[v] && used < len; v++)
        if (only & (1u << v))
            used +=
                (size_t)snprintf(buf + used, len - used, "%s%s", used ? " and " : "", t->scopes[v]);
}

void settings_read(struct reader *r, const struct set_table *t, const config_setting_t *g,
                   const char *what, void *target, int variant)
{
    if (g && !config_setting_is_group(g)) g = NULL; /* reported by whoever found it */
    if (g) check_unknown(r, t, g, what);
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct setting *row = &t->rows[i];
        if (row->only || (t->key && !strcmp(row->name, t->key))) continue;
        int e = read_row(r, row, g, what, target);
        if ((int)i == t->selector) variant = e;
    }
    /* Rows of one variant, once the variant is known: an unknown type reads none of them. */
    for (size_t i = 0; variant >= 0 && i < t->n_rows; i++) {
        const struct setting *row = &t->rows[i];
        if (!row->only) continue;
        if (row->only & (1u << variant)) {
            read_row(r, row, g, what, target);
            continue;
        }
        const config_setting_t *s = member(g, row->name);
        char scope[128];
        scope_text(t, row->only, scope, sizeof(scope));
        if (s)
            rd_error(r, s, "%s: '%s' applies to %s only (this one is %s)", what, row->name, scope,
                     t->variants ? t->variants[variant] : "another");
    }
}
