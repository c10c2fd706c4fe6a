/* alarms.c - see alarms.h. */
#include "gateway/alarms/alarms.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/base/log.h"
#include "gateway/core/points.h"
#include "gateway/base/quality.h"
#include "gateway/store/store.h"
#include "gateway/work/workorders.h"
#include "rules/expr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TIME_EVAL_MS 1000

static int add_alarm(struct alarms *a, enum alarm_kind kind, int ref, const char *id_prefix,
                     const char *name, char *title)
{
    struct alarm *al = &a->v[a->n];
    memset(al, 0, sizeof(*al));
    al->kind = kind;
    al->ref = ref;
    al->title = title;
    if (!title || asprintf(&al->id, "%s%s", id_prefix, name) < 0) {
        free(title);
        al->title = NULL;
        al->id = NULL;
        return ST_ERR_NOMEM;
    }
    a->n++;
    return ST_OK;
}

/* "BEFORE id (asset) AFTER": the title of a built-in alarm. */
static char *builtin_title(const char *before, const char *id, const char *asset, const char *after)
{
    char *s;
    return asprintf(&s, "%s%s (%s)%s", before, id, asset ? asset : id, after) < 0 ? NULL : s;
}

int alarms_init(struct alarms *a, const struct config *cfg, struct points *pts, struct journal *j,
                struct wo_table *wos)
{
    memset(a, 0, sizeof(*a));
    a->cfg = cfg;
    a->pts = pts;
    a->journal = j;
    a->wos = wos;
    size_t max = cfg->n_rules + cfg->n_devices + cfg->n_sensors;
    a->v = calloc(max ? max : 1, sizeof(*a->v));
    a->dirty = calloc(max ? max : 1, sizeof(*a->dirty));
    if (!a->v || !a->dirty) goto out_nomem;

    for (size_t i = 0; i < cfg->n_rules; i++) {
        const struct cfg_rule *r = &cfg->rules[i];
        if (add_alarm(a, ALARM_KIND_RULE, (int)i, "", r->id, strdup(r->title))) goto out_nomem;
        struct alarm *al = &a->v[a->n - 1];
        al->priority = r->priority;
        al->category = r->category;
        al->asset = r->asset;
        al->location = r->location;
        al->params = (struct alarm_params){r->on_delay_ms, r->off_delay_ms, r->latch};
        al->when = r->when_expr;
        al->clear = r->clear_expr;
        if (expr_uses_time(r->when_expr) || (r->clear_expr && expr_uses_time(r->clear_expr)))
            a->has_time_rules = 1;
    }
    for (size_t i = 0; i < cfg->n_devices; i++) {
        const struct cfg_device *d = &cfg->devices[i];
        char *title =
            builtin_title("Communication fault: device ", d->id, d->asset, " does not answer");
        if (add_alarm(a, ALARM_KIND_COMM, (int)i, "comm_", d->id, title)) goto out_nomem;
        struct alarm *al = &a->v[a->n - 1];
        al->priority = PRIO_URGENT;
        al->category = "communication";
        al->asset = d->asset;
        al->location = d->location;
    }
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        const struct cfg_sensor *s = &cfg->sensors_in[i];
        if (!s->heartbeat_ms) continue;
        char *title =
            builtin_title("Sensor ", s->id, s->asset, " silent: no message within its heartbeat");
        if (add_alarm(a, ALARM_KIND_SILENT, (int)i, "silent_", s->id, title)) goto out_nomem;
        struct alarm *al = &a->v[a->n - 1];
        al->priority = PRIO_URGENT;
        al->category = "supervision";
        al->asset = s->asset;
        al->location = s->location;
    }

    /* Dependencies: every (point, rule alarm) pair, for both expressions. */
    size_t n_pairs = 0, cap = 0;
    int *pt = NULL, *al_ids = NULL;
    for (size_t i = 0; i < a->n; i++) {
        const struct expr *ex[2] = {a->v[i].when, a->v[i].clear};
        for (int k = 0; k < 2; k++) {
            if (!ex[k]) continue;
            const int *ids;
            size_t n = expr_points(ex[k], &ids);
            for (size_t m = 0; m < n; m++) {
                if (n_pairs == cap) {
                    cap = cap ? cap * 2 : 64;
                    int *np = realloc(pt, cap * sizeof(int)), *na;
                    if (np) pt = np;
                    na = realloc(al_ids, cap * sizeof(int));
                    if (na) al_ids = na;
                    if (!np || !na) {
                        free(pt);
                        free(al_ids);
                        goto out_nomem;
                    }
                }
                pt[n_pairs] = ids[m];
                al_ids[n_pairs++] = (int)i;
            }
        }
    }
    int rc = points_depend(pts, pt, al_ids, n_pairs);
    free(pt);
    free(al_ids);
    if (rc) goto out_nomem;
    return ST_OK;

out_nomem:
    alarms_cleanup(a);
    return ST_ERR_NOMEM;
}

void alarms_cleanup(struct alarms *a)
{
    for (size_t i = 0; a->v && i < a->n; i++) {
        free(a->v[i].id);
        free(a->v[i].title);
    }
    free(a->v);
    free(a->dirty);
    a->v = NULL;
    a->dirty = NULL;
    a->n = a->n_dirty = 0;
}

struct alarm *alarms_find(struct alarms *a, const char *id)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->v[i].id, id) == 0) return &a->v[i];
    return NULL;
}

static void mark_dirty(struct alarms *a, size_t i)
{
    if (a->v[i].dirty) return;
    a->v[i].dirty = 1;
    a->dirty[a->n_dirty++] = (int)i;
}

void alarms_point_changed(struct alarms *a, int point)
{
    const struct points *p = a->pts;
    for (int k = p->dep_start[point]; k < p->dep_start[point + 1]; k++)
        mark_dirty(a, (size_t)p->dep[k]);
}

static void builtin_set(struct alarms *a, enum alarm_kind kind, int ref, int cond)
{
    for (size_t i = 0; i < a->n; i++) {
        struct alarm *al = &a->v[i];
        if (al->kind == kind && al->ref == ref) {
            if (al->cond != cond) {
                al->cond = cond;
                mark_dirty(a, i);
            }
            return;
        }
    }
}

void alarms_device_comm(struct alarms *a, int device, int ok)
{
    builtin_set(a, ALARM_KIND_COMM, device, !ok);
}

void alarms_sensor_silent(struct alarms *a, int sensor, int silent)
{
    builtin_set(a, ALARM_KIND_SILENT, sensor, silent);
}

/* The values a rule read, by point name: the evidence attached to its work order. */
static json_t *rule_evidence(const struct alarms *a, const struct alarm *al)
{
    json_t *ev = json_object();
    if (!ev || !al->when) return ev;
    const int *ids;
    size_t n = expr_points(al->when, &ids);
    for (size_t k = 0; k < n; k++) {
        int id = ids[k];
        json_t *v = a->pts->quality[id] == QUALITY_GOOD
                        ? json_real(a->pts->value[id])
                        : json_string(quality_name(a->pts->quality[id]));
        json_object_set_new(ev, a->cfg->points[id].name, v);
    }
    return ev;
}

/* The alarm's "value": the first point its rule reads, or null. */
static json_t *alarm_value(const struct alarms *a, const struct alarm *al)
{
    const int *ids;
    if (!al->when || expr_points(al->when, &ids) == 0) return json_null();
    if (a->pts->quality[ids[0]] != QUALITY_GOOD) return json_null();
    return json_real(a->pts->value[ids[0]]);
}

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static int record(struct alarms *a, struct alarm *al, enum alarm_state from,
                  enum alarm_transition t, const char *by, int64_t now_wall)
{
    static const char *const tnames[] = {"none",    "raised",    "cleared",          "acked",
                                         "shelved", "unshelved", "condition_cleared"};
    a->transitions++;
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", al->id, "state",
                  alarm_state_name(al->rt.state), "priority", priority_name(al->priority),
                  "category", al->category, "title", al->title, "asset", opt_str(al->asset),
                  "location", opt_str(al->location), "value", alarm_value(a, al));
    if (!doc) return ST_ERR_NOMEM;
    journal_set_time(doc, "active_since", al->active_since);
    json_object_set_new(doc, "acked_by", opt_str(al->acked_by));
    journal_set_time(doc, "ts", now_wall);
    if (al->rt.condition_clear) json_object_set_new(doc, "latched", json_true());
    if (al->rt.state == ALARM_SHELVED) {
        journal_set_time(doc, "shelved_until", al->shelved_until);
        json_object_set_new(doc, "shelved_by", opt_str(al->shelved_by));
    }

    char topic[96];
    snprintf(topic, sizeof(topic), "alarms/%s", al->id);
    int rc = journal_publish(a->journal, topic, doc, 1, NULL);
    char *text = rc ? NULL : json_dumps(doc, JSON_COMPACT);
    if (rc == ST_OK && !text) rc = ST_ERR_NOMEM;
    if (rc == ST_OK)
        rc = store_alarm_put(a->journal->store, al->id, alarm_state_name(al->rt.state), text);
    free(text);
    json_decref(doc);
    if (rc) return rc;

    const char *tname =
        t == ALARM_T_LATCH && !al->rt.condition_clear ? "condition_returned" : tnames[t];
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "alarm", al->id, "transition", tname,
                           "from", alarm_state_name(from), "to", alarm_state_name(al->rt.state),
                           "priority", priority_name(al->priority));
    if (!ev) return ST_ERR_NOMEM;
    if (by) json_object_set_new(ev, "by", json_string(by));
    if (al->kind != ALARM_KIND_RULE)
        json_object_set_new(
            ev, "kind", json_string(al->kind == ALARM_KIND_COMM ? "comm_fault" : "sensor_silent"));
    rc = journal_event(a->journal, "alarm", ev);
    json_decref(ev);
    if (rc) return rc;

    log_msg(t == ALARM_T_RAISED ? LOG_WARN : LOG_INFO, "alarm: %s %s -> %s (%s)", al->id,
            alarm_state_name(from), alarm_state_name(al->rt.state), priority_name(al->priority));

    if (t == ALARM_T_RAISED && al->priority < PRIO_WORKORDER_COUNT) {
        static const char *const sources[] = {"rule", "comm", "supervision"};
        struct wo_spec spec = {sources[al->kind], al->id,    al->asset,   al->location,
                               al->category,      al->title, al->priority};
        rc = wo_raise(a->wos, &spec, rule_evidence(a, al), now_wall, NULL);
    }
    return rc;
}

/* Takes al off the shelf and queues it for a fresh evaluation. */
static int unshelve(struct alarms *a, struct alarm *al, const char *by, int64_t now_wall)
{
    if (alarm_unshelve(&al->rt) == ALARM_T_NONE) return ST_ERR_STATE;
    al->shelved_until = 0;
    al->unshelve_mono = 0;
    al->shelved_by[0] = '\0';
    al->active_since = 0;
    al->wake_ms = 0;
    mark_dirty(a, (size_t)(al - a->v));
    return record(a, al, ALARM_SHELVED, ALARM_T_UNSHELVED, by, now_wall);
}

/* Journals a flood event (obj stolen) and logs it. */
static int flood_event(struct alarms *a, json_t *obj, const char *line)
{
    log_msg(LOG_WARN, "alarm: %s", line);
    int rc = obj ? journal_event(a->journal, "flood", obj) : ST_ERR_NOMEM;
    json_decref(obj);
    return rc;
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
    enum alarm_transition t =
        alarm_update(&al->rt, &al->params, raise, clear, now_mono, &al->wake_ms);
    if (t == ALARM_T_NONE) return ST_OK;
    if (t == ALARM_T_RAISED) {
        al->active_since = now_wall;
        al->acked_by[0] = '\0';
    } else if (al->rt.state == ALARM_NORMAL) {
        al->active_since = 0;
    }
    int rc = record(a, al, from, t, NULL, now_wall);
    if (rc == ST_OK && t == ALARM_T_RAISED && flood_raise(&a->flood, now_mono) == FLOOD_BEGAN)
        rc = flood_event(a,
                         json_pack("{s:s, s:i, s:s}", "state", "begin", "alarms",
                                   flood_count(&a->flood, now_mono), "window", "10m"),
                         "flood: 10 or more alarms raised within 10 minutes");
    return rc;
}

int alarms_process(struct alarms *a, int64_t now_mono, int64_t now_wall)
{
    if (a->has_time_rules && now_mono >= a->next_time_eval) {
        a->next_time_eval = now_mono + TIME_EVAL_MS;
        for (size_t i = 0; i < a->n; i++) {
            const struct alarm *al = &a->v[i];
            if (al->when && (expr_uses_time(al->when) || (al->clear && expr_uses_time(al->clear))))
                mark_dirty(a, i);
        }
    }
    int rc = ST_OK;
    if (flood_tick(&a->flood, now_mono) == FLOOD_ENDED)
        rc = flood_event(a,
                         json_pack("{s:s, s:i}", "state", "end", "raised", a->flood.raised_during),
                         "flood over");
    for (size_t i = 0; i < a->n; i++) {
        struct alarm *al = &a->v[i];
        if (al->rt.state == ALARM_SHELVED && al->unshelve_mono <= now_mono && rc == ST_OK)
            rc = unshelve(a, al, NULL, now_wall); /* the shelf expired: evaluated below */
        if (al->wake_ms && al->wake_ms <= now_mono) mark_dirty(a, i);
    }
    if (a->n_dirty == 0) return rc;

    struct expr_env env = {a->pts->value, a->pts->quality, 0, 0};
    local_time(now_wall, &env.hour, &env.weekday);
    for (size_t k = 0; k < a->n_dirty; k++) {
        struct alarm *al = &a->v[a->dirty[k]];
        al->dirty = 0;
        if (rc == ST_OK) rc = evaluate(a, al, &env, now_mono, now_wall);
    }
    a->n_dirty = 0;
    return rc;
}

int64_t alarms_next_wake(const struct alarms *a)
{
    int64_t next = a->has_time_rules ? a->next_time_eval : 0;
    for (size_t i = 0; i < a->n; i++) {
        int64_t w = a->v[i].wake_ms;
        if (w && (next == 0 || w < next)) next = w;
        w = a->v[i].rt.state == ALARM_SHELVED ? a->v[i].unshelve_mono : 0;
        if (w && (next == 0 || w < next)) next = w;
    }
    int64_t w = flood_next_wake(&a->flood);
    if (w && (next == 0 || w < next)) next = w;
    return next;
}

/* Copies a person's name into dst (cap bytes), cut (if it must be) at a UTF-8 character boundary
 * so that the published JSON stays valid. */
static void copy_name(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap) {
        n = cap - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) /* src[n] continues a character */
            n--;
    }
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

int alarms_ack(struct alarms *a, const char *id, const char *by, int64_t now_mono, int64_t now_wall)
{
    (void)now_mono;
    struct alarm *al = alarms_find(a, id);
    if (!al) return ST_ERR_NOTFOUND;
    enum alarm_state from = al->rt.state;
    if (alarm_ack(&al->rt, &al->params) == ALARM_T_NONE) return ST_ERR_STATE;
    copy_name(al->acked_by, sizeof(al->acked_by), by);
    if (al->rt.state == ALARM_NORMAL) al->active_since = 0;
    return record(a, al, from, ALARM_T_ACKED, by, now_wall);
}

static int restore_row(void *ctx, const char *id, const char *state, const char *json)
{
    struct alarms *a = ctx;
    struct alarm *al = alarms_find(a, id);
    enum alarm_state st;
    if (!al || alarm_state_parse(state, &st)) return 0; /* a rule removed from the config */
    al->rt.state = st;
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    const char *since = json_string_value(json_object_get(doc, "active_since"));
    const char *by = json_string_value(json_object_get(doc, "acked_by"));
    if (since) clock_parse_iso(since, &al->active_since);
    copy_name(al->acked_by, sizeof(al->acked_by), by);
    /* A latch already clear stays so: an acknowledgement resets it without waiting for a new
     * reading of its sensor. */
    if (alarm_is_active(st) && json_is_true(json_object_get(doc, "latched")))
        al->rt.condition_clear = 1;
    if (st == ALARM_SHELVED) { /* the shelf keeps its end across the restart */
        const char *until = json_string_value(json_object_get(doc, "shelved_until"));
        const char *sby = json_string_value(json_object_get(doc, "shelved_by"));
        if (!until || clock_parse_iso(until, &al->shelved_until)) al->shelved_until = 0;
        int64_t left = al->shelved_until - clock_wall_ms();
        al->unshelve_mono = clock_mono_ms() + (left > 0 ? left : 0);
        copy_name(al->shelved_by, sizeof(al->shelved_by), sby);
    }
    /* A built-in alarm restored active keeps its condition until the adapter says otherwise. */
    if (al->kind != ALARM_KIND_RULE) al->cond = alarm_is_active(st);
    json_decref(doc);
    return 0;
}

int alarms_restore(struct alarms *a, struct store *s)
{
    /* A flood that began before the restart must still end, or the control room waits for it:
     * it is taken up again with no raises counted, so the first evaluation ends it unless raises
     * come fast again. */
    char *last = NULL;
    if (store_event_last(s, "flood", &last) == ST_OK) {
        json_error_t jerr;
        json_t *ev = json_loads(last, 0, &jerr);
        const char *state = json_string_value(json_object_get(ev, "state"));
        if (state && strcmp(state, "begin") == 0) {
            a->flood.active = 1;
            a->flood.raised_during = (int)json_integer_value(json_object_get(ev, "alarms"));
        }
        json_decref(ev);
        free(last);
    }
    return store_alarm_each(s, restore_row, a);
}

int alarms_shelve(struct alarms *a, const char *id, const char *by, int64_t for_ms,
                  int64_t now_mono, int64_t now_wall, const char **why)
{
    struct alarm *al = alarms_find(a, id);
    if (!al) return *why = "no such alarm", ST_ERR_NOTFOUND;
    if (for_ms < 1000 || for_ms > SHELVE_MAX_MS)
        return *why = "\"for\" must be between 1s and 24h", ST_ERR_INVAL;
    if (al->priority == PRIO_EMERGENCY)
        return *why = "an emergency alarm cannot be shelved", ST_ERR_STATE;
    enum alarm_state from = al->rt.state;
    alarm_shelve(&al->rt);
    al->shelved_until = now_wall + for_ms;
    al->unshelve_mono = now_mono + for_ms;
    al->wake_ms = 0;
    al->active_since = 0;
    al->acked_by[0] = '\0';
    copy_name(al->shelved_by, sizeof(al->shelved_by), by);
    return record(a, al, from, ALARM_T_SHELVED, by, now_wall);
}

int alarms_unshelve(struct alarms *a, const char *id, const char *by, int64_t now_mono,
                    int64_t now_wall)
{
    struct alarm *al = alarms_find(a, id);
    if (!al) return ST_ERR_NOTFOUND;
    int rc = unshelve(a, al, by, now_wall);
    /* Evaluated now, so a condition still present raises without waiting for a point change. */
    return rc ? rc : alarms_process(a, now_mono, now_wall);
}
