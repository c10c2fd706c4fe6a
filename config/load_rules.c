/* load_rules.c - the rules: the table of table_rules.c reads each one, then its expressions are
 * compiled against the point catalog. */
#include "config/config.h"
#include "config/load.h"
#include "config/reader.h"
#include "config/settings.h"
#include "gateway/base/error.h"
#include "rules/expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int resolve_point(void *ctx, const char *name)
{
    return config_point_find(ctx, name);
}

/* The slot of rate(point, window): one per distinct pair, the same for every rule that reads it. */
static int rate_slot(void *ctx, int point, int64_t window)
{
    struct config *c = ctx;
    for (size_t i = 0; i < c->n_rates; i++)
        if (c->rates[i].point == point && c->rates[i].window_ms == window) return (int)i;
    if (c->n_rates >= 256) return -1; /* bounded: each slot keeps a history */
    struct cfg_rate *v = realloc(c->rates, (c->n_rates + 1) * sizeof(*v));
    if (!v) return -1;
    c->rates = v;
    c->rates[c->n_rates] = (struct cfg_rate){point, window};
    return (int)c->n_rates++;
}

static const char *point_unit(void *ctx, int point)
{
    const struct config *c = ctx;
    return c->points[point].unit;
}

/* Compiles one expression; an error points at FILE:LINE:COLUMN (the column in the expression)
 * and shows the expression with a caret under the fault. clear_form with a deadband: the clear of
 * a rule without `clear` (see expr_options). */
static void compile_expr(struct reader *r, const config_setting_t *g, struct config *c,
                         const char *key, const char *rule, const char *src, struct expr **out,
                         int clear_form, double deadband)
{
    char err[256];
    struct expr_options o = {.clear_form = clear_form,
                             .deadband = deadband,
                             .rate_slot = rate_slot,
                             .point_unit = point_unit};
    if (expr_compile_opts(src, resolve_point, c, &o, out, err, sizeof(err)) == ST_OK) return;
    int col = o.error_col > 0 ? o.error_col : 1;
    int shown = (int)strlen(src) > 200 ? 200 : (int)strlen(src);
    rd_error_at(r, config_setting_get_member(g, key), col, "rule '%s': %s: %s\n    %.*s\n    %*s^",
                rule, key, err, shown, src, col - 1 > shown ? shown : col - 1, "");
}

/* A rule's asset and location default to those of the first point it reads. */
static void rule_place(struct config *c, struct cfg_rule *ru)
{
    const int *ids;
    const char *asset = NULL, *loc = NULL;
    if (ru->when_expr && expr_points(ru->when_expr, &ids) > 0) {
        const struct cfg_point *p = &c->points[ids[0]];
        if (p->device >= 0) {
            asset = c->devices[p->device].asset ? c->devices[p->device].asset
                                                : c->devices[p->device].id;
            loc = c->devices[p->device].location;
        } else {
            asset = c->sensors_in[p->sensor].asset ? c->sensors_in[p->sensor].asset
                                                   : c->sensors_in[p->sensor].id;
            loc = c->sensors_in[p->sensor].location;
        }
    }
    if (!ru->asset) ru->asset = strdup(asset ? asset : c->site.id);
    if (!ru->location && loc) ru->location = strdup(loc);
}

void config_load_rules(struct reader *r, const config_setting_t *root, struct config *c)
{
    const config_setting_t *l = settings_child(root, "rules", SET_LIST);
    c->rules = rd_alloc_items(l, sizeof(*c->rules), &c->n_rules);
    for (size_t i = 0; i < c->n_rules; i++) {
        struct cfg_rule *ru = &c->rules[i];
        const config_setting_t *g = rd_item(r, l, (int)i, "rules");
        if (!g) continue;
        ru->line = config_setting_source_line(g);
        if (!settings_read_key(r, &set_rules, g, "rule", ru)) continue;
        char what[96];
        snprintf(what, sizeof(what), "rule '%s'", ru->id);
        settings_read(r, &set_rules, g, what, ru, 0);
        for (size_t k = 0; k < i; k++)
            if (c->rules[k].id && !strcmp(c->rules[k].id, ru->id))
                rd_error(r, g, "%s: duplicate rule id (first on line %d)", what, c->rules[k].line);
        if (!strncmp(ru->id, "comm_", 5) && config_device_find(c, ru->id + 5) >= 0)
            rd_error(r, g, "%s: the id is taken by the built-in alarm of device '%s'", what,
                     ru->id + 5);
        for (size_t k = 0; k < c->n_sensors; k++)
            if (!strncmp(ru->id, "silent_", 7) && c->sensors_in[k].id &&
                !strcmp(ru->id + 7, c->sensors_in[k].id))
                rd_error(r, g, "%s: the id is taken by the built-in alarm of sensor '%s'", what,
                         ru->id + 7);
        if (config_sensor_builtin(c, ru->id) >= 0)
            rd_error(r, g, "%s: the id is taken by a built-in alarm of sensor '%s'", what,
                     c->sensors_in[config_sensor_builtin(c, ru->id)].id);
        if (ru->when) compile_expr(r, g, c, "when", ru->id, ru->when, &ru->when_expr, 0, 0);
        if (ru->clear)
            compile_expr(r, g, c, "clear", ru->id, ru->clear, &ru->clear_expr, 0, 0);
        else if (ru->when && ru->when_expr && ru->deadband != 0)
            compile_expr(r, g, c, "when", ru->id, ru->when, &ru->clear_expr, 1, ru->deadband);
        if (ru->deadband < 0)
            rd_error(r, config_setting_get_member(g, "deadband"),
                     "rule '%s': 'deadband' must not be negative", ru->id);
        rule_place(c, ru);
    }
}
