/* alarms.c - see alarms.h: the alarm table, its dependencies on points, and evaluation. */
#include "gateway/alarms/alarms.h"
#include "gateway/alarms/alarms_impl.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/quality.h"
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

static int chatter_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again);
static int realarm_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again);

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
    a->dev_fault = calloc(cfg->n_devices ? cfg->n_devices : 1, 1);
    size_t nr = cfg->n_rates ? cfg->n_rates : 1;
    a->rates = calloc(nr, sizeof(*a->rates));
    a->rate_value = calloc(nr, sizeof(*a->rate_value));
    a->rate_known = calloc(nr, 1);
    a->rate_point = calloc(in.n ? in.n : 1, 1); /* rate points are catalog points: < in.n */
    if (!a->v || !a->dirty || !a->time_rules || !a->dev_fault || !a->rates || !a->rate_value ||
        !a->rate_known || !a->rate_point)
        goto out_nomem;
    for (size_t i = 0; i < cfg->n_rates; i++)
        a->rate_point[cfg->rates[i].point] = 1;

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
        timer_init(&a->v[i].chatter_t, chatter_due, &a->v[i], "alarm chatter");
        timer_init(&a->v[i].realarm_t, realarm_due, &a->v[i], "alarm re-alarm");
        if (a->v[i].kind == ALARM_KIND_RULE)
            a->v[i].realarm_ms = cfg->rules[a->v[i].ref].realarm_ms;
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
            timers_cancel(a->timers, &a->v[i].chatter_t);
            timers_cancel(a->timers, &a->v[i].realarm_t);
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
    free(a->dev_fault);
    a->dev_fault = NULL;
    free(a->rates);
    free(a->rate_value);
    free(a->rate_known);
    free(a->rate_point);
    a->rates = NULL;
    a->rate_value = NULL;
    a->rate_known = NULL;
    a->rate_point = NULL;
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

/* A new good value of a point some rate() reads: into the history of each of its slots, thinned
 * to span the window. */
static void rate_sample(struct alarms *a, int point, int64_t now)
{
    for (size_t i = 0; i < a->cfg->n_rates; i++) {
        if (a->cfg->rates[i].point != point) continue;
        struct rate_hist *h = &a->rates[i];
        int64_t step = a->cfg->rates[i].window_ms / RATE_SAMPLES;
        int newest = (h->next + RATE_SAMPLES - 1) % RATE_SAMPLES;
        if (h->n && now - h->t[newest] < step) { /* too close to the last: it replaces it */
            h->v[newest] = a->in.value[point];
            continue;
        }
        h->t[h->next] = now;
        h->v[h->next] = a->in.value[point];
        h->next = (h->next + 1) % RATE_SAMPLES;
        if (h->n < RATE_SAMPLES) h->n++;
    }
}

/* Each slot's change per minute over its window, known once the history reaches back to the
 * window's start (a value unchanged for longer than the window has a rate of 0). */
static void rates_compute(struct alarms *a, int64_t now)
{
    for (size_t i = 0; i < a->cfg->n_rates; i++) {
        const struct rate_hist *h = &a->rates[i];
        int64_t from = now - a->cfg->rates[i].window_ms;
        int newest = (h->next + RATE_SAMPLES - 1) % RATE_SAMPLES, then = -1;
        a->rate_known[i] = 0;
        if (!h->n) continue;
        if (h->t[newest] <= from) { /* nothing changed within the window */
            a->rate_value[i] = 0;
            a->rate_known[i] = 1;
            continue;
        }
        for (int k = 0; k < h->n; k++) { /* the latest sample at or before the window's start */
            int j = (newest + RATE_SAMPLES - k) % RATE_SAMPLES;
            if (h->t[j] <= from) {
                then = j;
                break;
            }
        }
        if (then < 0 || h->t[newest] == h->t[then]) continue;
        a->rate_value[i] = (h->v[newest] - h->v[then]) * 60000.0 / (double)(now - h->t[then]);
        a->rate_known[i] = 1;
    }
}

void alarms_point_changed(struct alarms *a, int point)
{
    if (point < 0 || (size_t)point >= a->in.n) return;
    /* Only the points rate() reads, and only good values, go to a history: a change of any
     * other point costs one byte read here. */
    if (a->rate_point[point] && a->in.quality[point] == QUALITY_GOOD)
        rate_sample(a, point, clock_mono_ms());
    for (int k = a->dep_start[point]; k < a->dep_start[point + 1]; k++)
        alarms__mark_dirty(a, (size_t)a->dep[k]);
}

/* chatter.window and chatter.count; a configuration built by hand (tests) may leave them 0. */
static int64_t chatter_window(const struct alarms *a)
{
    return a->cfg->chatter.window_ms ? a->cfg->chatter.window_ms : 600000;
}

/* Raises within the chatter window ending at now, and the oldest of them (monotonic). */
static int chatter_count(const struct alarms *a, const struct alarm *al, int64_t now,
                         int64_t *oldest)
{
    int64_t window = chatter_window(a);
    int n = 0;
    *oldest = 0;
    for (int i = 0; i < al->n_raised; i++) {
        int64_t t = al->raised_at[i];
        if (now - t >= window) continue;
        n++;
        if (!*oldest || t < *oldest) *oldest = t;
    }
    return n;
}

static int chatter_limit(const struct alarms *a)
{
    return a->cfg->chatter.count ? a->cfg->chatter.count : 5;
}

/* A raise: counted; past chatter.count within the window the alarm is chattering, and its raises
 * update one notification (the alarm's document: chatter_since, chatter_count) until it settles.
 */
static int chatter_raise(struct alarms *a, struct alarm *al, int64_t now_mono, int64_t now_wall)
{
    al->raised_at[al->next_raised] = now_mono;
    al->next_raised = (al->next_raised + 1) % CHATTER_MAX;
    if (al->n_raised < CHATTER_MAX) al->n_raised++;
    int64_t oldest;
    int n = chatter_count(a, al, now_mono, &oldest);
    if (n > chatter_limit(a)) {
        if (!al->chattering) al->chatter_since = now_wall - (now_mono - oldest);
        al->chattering = 1;
        al->chatter_count = n;
    }
    return al->chattering ? timers_arm(a->timers, &al->chatter_t, oldest + chatter_window(a))
                          : ST_OK;
}

/* The chatter may have settled: fewer raises than the limit within the window. */
static int chatter_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)again;
    struct alarm *al = ctx;
    struct alarms *a = al->table;
    int64_t oldest;
    int n = chatter_count(a, al, now_mono, &oldest);
    if (n > chatter_limit(a)) {
        int64_t window = chatter_window(a);
        return timers_arm(a->timers, &al->chatter_t, oldest + window);
    }
    al->chattering = 0;
    al->chatter_count = 0;
    al->chatter_since = 0;
    return alarms__republish(a, al, now_wall);
}

/* Still active and unacknowledged after the rule's realarm: published again, with an event. */
static int realarm_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono;
    struct alarm *al = ctx;
    if (al->rt.state != ALARM_ACTIVE_UNACK || !al->realarm_ms) return ST_OK;
    *again = al->realarm_ms;
    return alarms__record(al->table, al, al->rt.state, ALARM_T_REALARM, NULL, now_wall);
}

/*
 * A rule's inputs: 0 all good; 1 some not good (the alarm is uncertain: it neither raises nor
 * clears); 2 every one from a device in communication fault (suppressed by design: *device is
 * one of them, for the reason).
 */
static int inputs_state(const struct alarms *a, const struct alarm *al, int *device)
{
    const struct expr *ex[2] = {al->when, al->clear};
    int n = 0, bad = 0, faulted = 0;
    *device = -1;
    for (int k = 0; k < 2; k++) {
        const int *ids;
        size_t m = ex[k] ? expr_points(ex[k], &ids) : 0;
        for (size_t i = 0; i < m; i++) {
            int dev = a->cfg->points[ids[i]].device;
            n++;
            bad += a->in.quality[ids[i]] != QUALITY_GOOD;
            if (dev >= 0 && a->dev_fault[dev]) {
                faulted++;
                *device = dev;
            }
        }
    }
    if (n && faulted == n) return 2;
    return bad ? 1 : 0;
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
    int raise, clear, rc = ST_OK;
    enum alarm_state st = al->rt.state;
    int silent = st == ALARM_SHELVED || st == ALARM_OUT_OF_SERVICE;
    if (al->kind == ALARM_KIND_RULE && !silent) {
        int device, in = inputs_state(a, al, &device);
        if (in == 2 && st != ALARM_SUPPRESSED) { /* a dead meter must not look healthy */
            snprintf(al->suppressed_by, sizeof(al->suppressed_by),
                     "communication fault of device %s", a->cfg->devices[device].id);
            alarm_suppress(&al->rt);
            timers_cancel(a->timers, &al->delay);
            timers_cancel(a->timers, &al->realarm_t);
            al->active_since = 0;
            al->uncertain = 0;
            return alarms__record(a, al, st, ALARM_T_SUPPRESSED, NULL, now_wall);
        }
        if (in == 2) return ST_OK;
        if (st == ALARM_SUPPRESSED) { /* the device answers: evaluated afresh */
            alarm_unsuppress(&al->rt);
            al->suppressed_by[0] = '\0';
            if ((rc = alarms__record(a, al, st, ALARM_T_UNSUPPRESSED, NULL, now_wall))) return rc;
        }
        if ((in == 1) != al->uncertain) { /* told once, when it changes */
            al->uncertain = in == 1;
            if ((rc = alarms__republish(a, al, now_wall))) return rc;
        }
    }
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
    if (al->uncertain) raise = clear = EXPR_UNKNOWN; /* neither raises nor clears */
    enum alarm_state from = al->rt.state;
    int64_t wake = 0;
    enum alarm_transition t = alarm_update(&al->rt, &al->params, raise, clear, now_mono, &wake);
    rc = wake ? timers_arm(a->timers, &al->delay, wake) : ST_OK;
    if (!wake) timers_cancel(a->timers, &al->delay);
    if (rc || t == ALARM_T_NONE) return rc;
    if (t == ALARM_T_RAISED) {
        al->active_since = now_wall;
        al->acked_by[0] = '\0';
        if ((rc = chatter_raise(a, al, now_mono, now_wall))) return rc;
        if (al->realarm_ms &&
            (rc = timers_arm(a->timers, &al->realarm_t, now_mono + al->realarm_ms)))
            return rc;
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
    if (a->cfg->n_rates) rates_compute(a, now_mono);
    struct expr_env env = {a->in.value, a->in.quality, 0, 0, a->rate_value, a->rate_known};
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
