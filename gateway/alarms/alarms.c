/* alarms.c - see alarms.h: the alarm table, its dependencies on points, and evaluation. */
#include "gateway/alarms/alarms.h"
#include "gateway/alarms/alarms_impl.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/store/journal.h"
#include "rules/expr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIME_EVAL_MS 1000

int alarms__add(struct alarms *a, enum alarm_kind kind, int ref, const char *id_prefix,
                const char *name, char *title)
{
    struct alarm *al = &a->v[a->n];
    memset(al, 0, sizeof(*al));
    al->kind = kind;
    al->ref = ref;
    al->title = title;
    al->table = a;
    if (!title || asprintf(&al->id, "%s%s", id_prefix, name) < 0) {
        free(title);
        al->title = NULL;
        al->id = NULL;
        return ST_ERR_NOMEM;
    }
    a->n++;
    return ST_OK;
}

/* A delay (on_delay, off_delay) expired: the alarm is evaluated again. */
static int delay_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono, (void)now_wall, (void)again;
    struct alarm *al = ctx;
    alarms__mark_dirty(al->table, (size_t)(al - al->table->v));
    return ST_OK;
}

/* Every second: the rules that read the time are evaluated again. */
static int clock_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono, (void)now_wall;
    struct alarms *a = ctx;
    for (size_t k = 0; k < a->n_time_rules; k++)
        alarms__mark_dirty(a, (size_t)a->time_rules[k]);
    *again = TIME_EVAL_MS;
    return ST_OK;
}

static int flood_event(struct alarms *a, json_t *obj, const char *line)
{
    log_msg(LOG_WARN, "alarm: %s", line);
    int rc = obj ? journal_event(a->journal, "flood", obj) : ST_ERR_NOMEM;
    json_decref(obj);
    return rc;
}

static int arm_flood(struct alarms *a)
{
    int64_t w = flood_next_wake(&a->flood);
    if (!w) {
        timers_cancel(a->timers, &a->flood_t);
        return ST_OK;
    }
    return timers_arm(a->timers, &a->flood_t, w);
}

/* A flood may be over: fewer than FLOOD_END raises within the window. */
static int flood_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_wall, (void)again;
    struct alarms *a = ctx;
    int rc = ST_OK;
    if (flood_tick(&a->flood, now_mono) == FLOOD_ENDED)
        rc = flood_event(a,
                         json_pack("{s:s, s:i}", "state", "end", "raised", a->flood.raised_during),
                         "flood over");
    int arc = arm_flood(a);
    return rc ? rc : arc;
}

/* Dependencies: every (point, rule alarm) pair of both expressions, counting-sorted by point. */
static int build_deps(struct alarms *a)
{
    size_t np = a->in.n;
    a->dep_start = calloc(np + 1, sizeof(int));
    if (!a->dep_start) return ST_ERR_NOMEM;
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        int *fill = pass ? calloc(np ? np : 1, sizeof(int)) : NULL;
        if (pass && (!fill || !(a->dep = malloc((total ? total : 1) * sizeof(int))))) {
            free(fill);
            return ST_ERR_NOMEM;
        }
        for (size_t i = 0; i < a->n; i++) {
            const struct expr *ex[2] = {a->v[i].when, a->v[i].clear};
            for (int k = 0; k < 2; k++) {
                const int *ids;
                size_t n = ex[k] ? expr_points(ex[k], &ids) : 0;
                for (size_t m = 0; m < n; m++) {
                    if (pass == 0) {
                        a->dep_start[ids[m] + 1]++;
                        total++;
                    } else {
                        a->dep[a->dep_start[ids[m]] + fill[ids[m]]++] = (int)i;
                    }
                }
            }
        }
        if (pass == 0)
            for (size_t p = 0; p < np; p++)
                a->dep_start[p + 1] += a->dep_start[p];
        free(fill);
    }
    return ST_OK;
}

int alarms_init(struct alarms *a, const struct config *cfg, struct alarm_inputs in,
                struct journal *j, struct wo_table *wos, struct timers *timers)
{
    memset(a, 0, sizeof(*a));
    a->cfg = cfg;
    a->in = in;
    a->journal = j;
    a->wos = wos;
    a->timers = timers;
    timer_init(&a->clock, clock_due, a, "time rules");
    timer_init(&a->flood_t, flood_due, a, "flood");
    size_t max = cfg->n_rules + alarms__builtin_count(cfg);
    a->v = calloc(max ? max : 1, sizeof(*a->v));
    a->dirty = calloc(max ? max : 1, sizeof(*a->dirty));
    a->time_rules = calloc(max ? max : 1, sizeof(*a->time_rules));
    if (!a->v || !a->dirty || !a->time_rules) goto out_nomem;

    for (size_t i = 0; i < cfg->n_rules; i++) {
        const struct cfg_rule *r = &cfg->rules[i];
        if (alarms__add(a, ALARM_KIND_RULE, (int)i, "", r->id, strdup(r->title))) goto out_nomem;
        struct alarm *al = &a->v[a->n - 1];
        al->priority = r->priority;
        al->category = r->category;
        al->asset = r->asset;
        al->location = r->location;
        al->params = (struct alarm_params){r->on_delay_ms, r->off_delay_ms, r->latch};
        al->when = r->when_expr;
        al->clear = r->clear_expr;
        if (expr_uses_time(r->when_expr) || (r->clear_expr && expr_uses_time(r->clear_expr)))
            a->time_rules[a->n_time_rules++] = (int)(a->n - 1);
    }
    if (alarms__add_builtins(a) || build_deps(a)) goto out_nomem;
    for (size_t i = 0; i < a->n; i++) {
        timer_init(&a->v[i].delay, delay_due, &a->v[i], "alarm delay");
        timer_init(&a->v[i].shelf, alarms__shelf_due, &a->v[i], "alarm shelf");
    }
    if (a->n_time_rules && timers_arm(timers, &a->clock, 0)) goto out_nomem;
    return ST_OK;

out_nomem:
    alarms_cleanup(a);
    return ST_ERR_NOMEM;
}

void alarms_cleanup(struct alarms *a)
{
    for (size_t i = 0; a->v && i < a->n; i++) {
        if (a->timers) {
            timers_cancel(a->timers, &a->v[i].delay);
            timers_cancel(a->timers, &a->v[i].shelf);
        }
        free(a->v[i].id);
        free(a->v[i].title);
    }
    if (a->timers) {
        timers_cancel(a->timers, &a->clock);
        timers_cancel(a->timers, &a->flood_t);
    }
    free(a->v);
    free(a->dirty);
    free(a->time_rules);
    free(a->dep_start);
    free(a->dep);
    a->v = NULL;
    a->dirty = a->time_rules = a->dep_start = a->dep = NULL;
    a->n = a->n_dirty = a->n_time_rules = 0;
}

struct alarm *alarms_find(struct alarms *a, const char *id)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].id, id) == 0) return &a->v[i];
    return NULL;
}

void alarms__mark_dirty(struct alarms *a, size_t i)
{
    if (a->v[i].dirty) return;
    a->v[i].dirty = 1;
    a->dirty[a->n_dirty++] = (int)i;
}

void alarms_point_changed(struct alarms *a, int point)
{
    if (point < 0 || (size_t)point >= a->in.n) return;
    for (int k = a->dep_start[point]; k < a->dep_start[point + 1]; k++)
        alarms__mark_dirty(a, (size_t)a->dep[k]);
}

static void local_time(int64_t now_wall, int *hour, int *wday)
{
    time_t secs = (time_t)(now_wall / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    *hour = tm.tm_hour;
    *wday = tm.tm_wday;
}

static int evaluate(struct alarms *a, struct alarm *al, const struct expr_env *env,
                    int64_t now_mono, int64_t now_wall)
{
    int raise, clear;
    if (al->kind == ALARM_KIND_RULE) {
        raise = expr_test(al->when, env);
        if (al->clear)
            clear = expr_test(al->clear, env);
        else
            clear = raise == EXPR_UNKNOWN ? EXPR_UNKNOWN : !raise;
    } else {
        raise = al->cond;
        clear = !al->cond;
    }
    enum alarm_state from = al->rt.state;
    int64_t wake = 0;
    enum alarm_transition t = alarm_update(&al->rt, &al->params, raise, clear, now_mono, &wake);
    int rc = wake ? timers_arm(a->timers, &al->delay, wake) : ST_OK;
    if (!wake) timers_cancel(a->timers, &al->delay);
    if (rc || t == ALARM_T_NONE) return rc;
    if (t == ALARM_T_RAISED) {
        al->active_since = now_wall;
        al->acked_by[0] = '\0';
    } else if (al->rt.state == ALARM_NORMAL) {
        al->active_since = 0;
    }
    rc = alarms__record(a, al, from, t, NULL, now_wall);
    if (rc == ST_OK && t == ALARM_T_RAISED) {
        if (flood_raise(&a->flood, now_mono) == FLOOD_BEGAN)
            rc = flood_event(a,
                             json_pack("{s:s, s:i, s:s}", "state", "begin", "alarms",
                                       flood_count(&a->flood, now_mono), "window", "10m"),
                             "flood: 10 or more alarms raised within 10 minutes");
        if (rc == ST_OK && a->flood.active) rc = arm_flood(a);
    }
    return rc;
}

int alarms_process(struct alarms *a, int64_t now_mono, int64_t now_wall)
{
    if (a->n_dirty == 0) return ST_OK;
    struct expr_env env = {a->in.value, a->in.quality, 0, 0};
    local_time(now_wall, &env.hour, &env.weekday);
    int rc = ST_OK;
    /* An evaluation may queue more (an unshelve): the list is read until it is empty. */
    for (size_t k = 0; k < a->n_dirty; k++) {
        struct alarm *al = &a->v[a->dirty[k]];
        al->dirty = 0;
        if (rc == ST_OK) rc = evaluate(a, al, &env, now_mono, now_wall);
    }
    a->n_dirty = 0;
    return rc;
}

int alarms_ack(struct alarms *a, const char *id, const char *by, int64_t now_mono, int64_t now_wall)
{
    (void)now_mono;
    struct alarm *al = alarms_find(a, id);
    if (!al) return ST_ERR_NOTFOUND;
    enum alarm_state from = al->rt.state;
    if (alarm_ack(&al->rt, &al->params) == ALARM_T_NONE) return ST_ERR_STATE;
    alarms__copy_name(al->acked_by, sizeof(al->acked_by), by);
    if (al->rt.state == ALARM_NORMAL) al->active_since = 0;
    return alarms__record(a, al, from, ALARM_T_ACKED, by, now_wall);
}
