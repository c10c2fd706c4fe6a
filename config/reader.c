/* reader.c - see reader.h. */
#include "config/reader.h"
#include "config/duration.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Levenshtein distance, bounded to short names. */
static size_t edit_distance(const char *a, const char *b)
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

void rd_check_keys(struct reader *r, const config_setting_t *g, const char *const *known,
                   const char *what)
{
    if (!g || !config_setting_is_group(g)) return;
    int n = config_setting_length(g);
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *name = config_setting_name(s);
        if (!name) continue;
        const char *best = NULL;
        size_t best_d = 99;
        int found = 0;
        for (const char *const *k = known; *k; k++) {
            if (strcmp(*k, name) == 0) found = 1;
            size_t d = edit_distance(*k, name);
            if (d < best_d) {
                best_d = d;
                best = *k;
            }
        }
        if (found) continue;
        if (best && best_d <= 2)
            rd_error(r, s, "unknown setting '%s' in %s; did you mean '%s'?", name, what, best);
        else
            rd_error(r, s, "unknown setting '%s' in %s", name, what);
    }
}

static const config_setting_t *member(const config_setting_t *g, const char *key)
{
    return g && config_setting_is_group(g) ? config_setting_get_member(g, key) : NULL;
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

int rd_str(struct reader *r, const config_setting_t *g, const char *key, int required,
           const char *def, const char *what, char **out)
{
    const config_setting_t *s = member(g, key);
    *out = NULL;
    if (!s) {
        if (required) {
            rd_error(r, g, "%s: missing required setting '%s'", what, key);
            return -1;
        }
        if (def) *out = strdup(def);
        return 0;
    }
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        rd_error(r, s, "%s: '%s' must be a string in double quotes, not %s", what, key,
                 type_name(s));
        return -1;
    }
    *out = strdup(config_setting_get_string(s));
    return 0;
}

int rd_id(struct reader *r, const config_setting_t *g, const char *key, const char *what,
          char **out)
{
    if (rd_str(r, g, key, 1, NULL, what, out)) return -1;
    if (!rd_valid_id(*out)) {
        rd_error(r, member(g, key),
                 "%s: '%s' = \"%s\" is not a valid identifier "
                 "(lower-case letters, digits and _, starting with a letter)",
                 what, key, *out);
        return -1;
    }
    return 0;
}

int rd_int(struct reader *r, const config_setting_t *g, const char *key, long lo, long hi, long def,
           const char *what, int *out)
{
    const config_setting_t *s = member(g, key);
    *out = (int)def;
    if (!s) return 0;
    int t = config_setting_type(s);
    if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
        rd_error(r, s, "%s: '%s' must be an integer, not %s", what, key, type_name(s));
        return -1;
    }
    long long v = config_setting_get_int64(s);
    if (v < lo || v > hi) {
        rd_error(r, s, "%s: '%s' = %lld is out of range (%ld to %ld)", what, key, v, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int rd_double(struct reader *r, const config_setting_t *g, const char *key, double def,
              const char *what, double *out)
{
    const config_setting_t *s = member(g, key);
    *out = def;
    if (!s) return 0;
    int t = config_setting_type(s);
    if (t == CONFIG_TYPE_FLOAT)
        *out = config_setting_get_float(s);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        *out = (double)config_setting_get_int64(s);
    else {
        rd_error(r, s, "%s: '%s' must be a number, not %s", what, key, type_name(s));
        return -1;
    }
    return 0;
}

int rd_bool(struct reader *r, const config_setting_t *g, const char *key, int def, const char *what,
            int *out)
{
    const config_setting_t *s = member(g, key);
    *out = def;
    if (!s) return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
        rd_error(r, s, "%s: '%s' must be true or false, not %s", what, key, type_name(s));
        return -1;
    }
    *out = config_setting_get_bool(s);
    return 0;
}

static int rd_unit(struct reader *r, const config_setting_t *g, const char *key, int64_t def,
                   int64_t min, const char *what, int64_t *out,
                   int (*parse)(const char *, int64_t *), const char *example)
{
    const config_setting_t *s = member(g, key);
    *out = def;
    if (!s) return 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        rd_error(r, s, "%s: '%s' must be a string with a unit, e.g. %s", what, key, example);
        return -1;
    }
    const char *v = config_setting_get_string(s);
    int64_t x;
    if (parse(v, &x)) {
        rd_error(r, s, "%s: '%s' = \"%s\" is not valid; write a number and a unit, e.g. %s", what,
                 key, v, example);
        return -1;
    }
    if (x < min) {
        rd_error(r, s, "%s: '%s' = \"%s\" is too small", what, key, v);
        return -1;
    }
    *out = x;
    return 0;
}

int rd_duration(struct reader *r, const config_setting_t *g, const char *key, int64_t def,
                int64_t min, const char *what, int64_t *out)
{
    return rd_unit(r, g, key, def, min, what, out, duration_parse,
                   "\"500ms\", \"30s\", \"15m\", \"24h\", \"7d\"");
}

int rd_size(struct reader *r, const config_setting_t *g, const char *key, int64_t def,
            const char *what, int64_t *out)
{
    return rd_unit(r, g, key, def, 1, what, out, size_parse, "\"256MB\"");
}

int rd_enum(struct reader *r, const config_setting_t *g, const char *key, const char *const *names,
            int required, int def, const char *what, int *out)
{
    char *v = NULL;
    *out = def;
    if (rd_str(r, g, key, required, NULL, what, &v)) return -1;
    if (!v) return 0;
    for (int i = 0; names[i]; i++) {
        if (strcmp(v, names[i]) == 0) {
            *out = i;
            free(v);
            return 0;
        }
    }
    char list[256] = "";
    for (int i = 0; names[i]; i++) {
        strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
        strncat(list, names[i], sizeof(list) - strlen(list) - 1);
    }
    rd_error(r, member(g, key), "%s: '%s' = \"%s\" is not one of: %s", what, key, v, list);
    free(v);
    return -1;
}

/* The list (or array) at g.key, or NULL when absent; reports a wrong type. */
const config_setting_t *rd_list(struct reader *r, const config_setting_t *g, const char *key,
                                const char *what)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s) return NULL;
    if (!config_setting_is_list(s) && !config_setting_is_array(s)) {
        rd_error(r, s, "%s: '%s' must be a list: ( { ... }, { ... } )", what, key);
        return NULL;
    }
    return s;
}

/* The group at g.key, or NULL when absent; reports a wrong type. */
const config_setting_t *rd_group(struct reader *r, const config_setting_t *g, const char *key,
                                 const char *what)
{
    const config_setting_t *s = g ? config_setting_get_member(g, key) : NULL;
    if (!s) return NULL;
    if (!config_setting_is_group(s)) {
        rd_error(r, s, "%s: '%s' must be a group: { ... }", what, key);
        return NULL;
    }
    return s;
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
    return calloc(*n ? *n : 1, size);
}
