/* report.c - see report.h. */
#include "gateway/work/report.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"
#include "gateway/work/review.h"
#include "gateway/work/sla.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS (24LL * 3600 * 1000)

static struct tm local_tm(int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    return tm;
}

/* hh:mm local, `days` after the local day of ms. */
static int64_t day_at(int64_t ms, int days, int hour, int min)
{
    struct tm tm = local_tm(ms);
    return clock_local_ms(tm.tm_year, tm.tm_mon, tm.tm_mday + days, hour, min);
}

int64_t report_next(const struct config *cfg, int64_t now_ms)
{
    int h = cfg->sla.report_at_min / 60, m = cfg->sla.report_at_min % 60;
    int64_t today = day_at(now_ms, 0, h, m);
    return today > now_ms ? today : day_at(now_ms, 1, h, m);
}

int64_t report_last(const struct config *cfg, int64_t now_ms)
{
    int h = cfg->sla.report_at_min / 60, m = cfg->sla.report_at_min % 60;
    int64_t today = day_at(now_ms, 0, h, m);
    return today <= now_ms ? today : day_at(now_ms, -1, h, m);
}

int report_at_date(const struct config *cfg, const char *date, int64_t *at_ms)
{
    int y, mo, d;
    char end;
    if (!date || sscanf(date, "%4d-%2d-%2d%c", &y, &mo, &d, &end) != 3 || mo < 1 || mo > 12 ||
        d < 1 || d > 31 || strlen(date) != 10)
        return ST_ERR_INVAL;
    *at_ms = clock_local_ms(y - 1900, mo - 1, d, cfg->sla.report_at_min / 60,
                            cfg->sla.report_at_min % 60);
    return ST_OK;
}

static int64_t doc_ms(const json_t *doc, const char *key)
{
    int64_t ms = 0;
    const char *s = json_string_value(json_object_get(doc, key));
    if (s) clock_parse_iso(s, &ms);
    return ms;
}

static const char *doc_str(const json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

static int is_planned(const json_t *doc)
{
    const char *src = doc_str(doc, "source");
    return src && strcmp(src, "maintenance") == 0;
}

static int prio_of(const json_t *doc)
{
    enum priority p;
    const char *name = doc_str(doc, "priority");
    if (!name || priority_parse(name, &p) || p >= PRIO_WORKORDER_COUNT) return -1;
    return (int)p;
}

/* ---- the morning report ---- */

struct daily {
    int64_t at, now, cutoff, today_end, deadline;
    json_t *before, *after, *overdue, *escalated, *follow_ups;
    json_t *counts;   /* per priority */
    int64_t from, to; /* yesterday */
};

static json_t *entry(const json_t *doc)
{
    static const char *const keys[] = {"id",        "priority",   "status",     "title",
                                       "asset",     "location",   "created_at", "owner",
                                       "notify_by", "respond_by", "resolve_by", "escalation_level"};
    json_t *e = json_object();
    for (size_t i = 0; e && i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_t *v = json_object_get(doc, keys[i]);
        if (v && !json_is_null(v)) json_object_set(e, keys[i], v);
    }
    return e;
}

static int daily_row(void *ctx, const char *id, const char *state, const char *json)
{
    (void)id;
    struct daily *d = ctx;
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    enum wo_status st;
    if (!doc || wo_status_parse(state, &st)) {
        json_decref(doc);
        return 0;
    }
    int64_t created = doc_ms(doc, "created_at");
    if (st < WO_RESOLVED && created < d->at) {
        if (!is_planned(doc) && created < d->cutoff) json_array_append_new(d->before, entry(doc));
        if (!is_planned(doc) && created >= d->cutoff) {
            json_t *e = entry(doc);
            journal_set_time(e, "deadline", d->deadline);
            json_array_append_new(d->after, e);
        }
        static const char *const due[] = {"notify_by", "respond_by", "resolve_by"};
        static const enum wo_status met[] = {WO_ACCEPTED, WO_ON_SITE, WO_RESOLVED};
        json_t *missed = json_array();
        for (int k = 0; k < 3; k++) {
            int64_t by = doc_ms(doc, due[k]);
            if (by && st < met[k] && by <= d->now)
                json_array_append_new(missed, json_string(sla_stage_name((enum sla_stage)k)));
        }
        if (json_array_size(missed)) {
            json_t *e = entry(doc);
            json_object_set_new(e, "missed", missed);
            json_array_append_new(d->overdue, e);
        } else {
            json_decref(missed);
        }
        if (json_integer_value(json_object_get(doc, "escalation_level")) > 0)
            json_array_append_new(d->escalated, entry(doc));
    }
    int64_t fu = doc_ms(doc, "follow_up_by");
    if ((st == WO_RESOLVED || st == WO_CLOSED) && fu && !json_object_get(doc, "followed_up_at") &&
        fu < d->today_end) {
        json_t *e = entry(doc);
        journal_set_time(e, "follow_up_by", fu);
        json_object_set_new(e, "missed", json_boolean(fu <= d->now));
        json_array_append_new(d->follow_ups, e);
    }
    json_decref(doc);
    return 0;
}

static void count(json_t *counts, const char *prio, const char *what)
{
    json_t *c = json_object_get(counts, prio);
    if (!c) return;
    json_object_set_new(c, what, json_integer(json_integer_value(json_object_get(c, what)) + 1));
}

static int daily_event(void *ctx, int64_t seq, const char *json)
{
    (void)seq;
    struct daily *d = ctx;
    json_error_t jerr;
    json_t *ev = json_loads(json, 0, &jerr);
    int64_t ts = doc_ms(ev, "ts");
    const char *prio = doc_str(ev, "priority"), *action = doc_str(ev, "action");
    const char *status = doc_str(ev, "status");
    if (ev && prio && ts >= d->from && ts < d->to) {
        if (action && strcmp(action, "created") == 0) count(d->counts, prio, "raised");
        if (action && strcmp(action, "status") == 0 && status && strcmp(status, "resolved") == 0)
            count(d->counts, prio, "resolved");
        if (json_object_get(ev, "missed") && !action) count(d->counts, prio, "escalations");
    }
    json_decref(ev);
    return 0;
}

int report_daily(struct store *s, const struct config *cfg, int64_t at_ms, int64_t now_ms,
                 json_t **out)
{
    struct daily d = {.at = at_ms, .now = now_ms};
    d.cutoff = day_at(at_ms, -1, REVIEW_CUTOFF_HOUR, 0);
    d.deadline = day_at(at_ms, 0, REVIEW_DEADLINE_HOUR, 0);
    d.today_end = day_at(at_ms, 1, 0, 0);
    d.from = day_at(at_ms, -1, 0, 0);
    d.to = day_at(at_ms, 0, 0, 0);
    struct tm tm = local_tm(at_ms);
    char date[48];
    snprintf(date, sizeof(date), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    json_t *r =
        json_pack("{s:s, s:s, s:s, s:[], s:[], s:[], s:[], s:[], s:{}}", "report", "daily", "site",
                  cfg->site.id, "date", date, "raised_before_cutoff", "raised_after_cutoff",
                  "overdue", "escalated", "follow_ups_due", "yesterday");
    if (!r) return ST_ERR_NOMEM;
    journal_set_time(r, "report_at", at_ms);
    journal_set_time(r, "generated_at", now_ms);
    journal_set_time(r, "cutoff", d.cutoff);
    journal_set_time(r, "deadline", d.deadline);
    d.before = json_object_get(r, "raised_before_cutoff");
    d.after = json_object_get(r, "raised_after_cutoff");
    d.overdue = json_object_get(r, "overdue");
    d.escalated = json_object_get(r, "escalated");
    d.follow_ups = json_object_get(r, "follow_ups_due");
    d.counts = json_object_get(r, "yesterday");
    for (int p = 0; p < PRIO_WORKORDER_COUNT; p++)
        json_object_set_new(
            d.counts, priority_name((enum priority)p),
            json_pack("{s:i, s:i, s:i}", "raised", 0, "resolved", 0, "escalations", 0));
    int rc = store_wo_each_open(s, daily_row, &d);
    if (rc == ST_OK) rc = store_events_since(s, "workorder", d.from, daily_event, &d);
    if (rc == ST_OK) rc = store_events_since(s, "escalation", d.from, daily_event, &d);
    if (rc) {
        json_decref(r);
        return rc;
    }
    *out = r;
    return ST_OK;
}

/* ---- the monthly KPIs ---- */

#define GROUPS (PRIO_WORKORDER_COUNT + 1) /* the priorities, then overall */
#define LEVELS 8

struct durations {
    int64_t *v;
    size_t n, cap;
};

struct kpi {
    long raised_repairs, raised_planned, cancelled;
    long stage_met[3], stage_decided[3];
    long on_time, decided;
    struct durations accept, resolve;
    long escalations[LEVELS];
    long resolved_repairs, followed_up, satisfied;
    long planned_on_time, planned_decided;
};

struct month {
    int64_t from, to, now;
    struct store *s;
    struct kpi g[GROUPS];
    char **ids;
    size_t n_ids, cap_ids;
    int rc;
};

static void add_duration(struct durations *d, int64_t ms, int *rc)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        int64_t *v = realloc(d->v, cap * sizeof(*v));
        if (!v) {
            *rc = ST_ERR_NOMEM;
            return;
        }
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = ms;
}

static int month_event(void *ctx, int64_t seq, const char *json)
{
    (void)seq;
    struct month *m = ctx;
    json_error_t jerr;
    json_t *ev = json_loads(json, 0, &jerr);
    int64_t ts = doc_ms(ev, "ts");
    const char *action = doc_str(ev, "action"), *id = doc_str(ev, "workorder");
    if (ev && ts >= m->from && ts < m->to) {
        if (action && id && strcmp(action, "created") == 0) {
            if (m->n_ids == m->cap_ids) {
                size_t cap = m->cap_ids ? m->cap_ids * 2 : 64;
                char **v = realloc(m->ids, cap * sizeof(*v));
                if (!v) {
                    json_decref(ev);
                    return ST_ERR_NOMEM;
                }
                m->ids = v;
                m->cap_ids = cap;
            }
            m->ids[m->n_ids] = strdup(id);
            if (m->ids[m->n_ids]) m->n_ids++;
        } else if (!action && json_object_get(ev, "missed")) { /* an escalation */
            json_int_t lvl = json_integer_value(json_object_get(ev, "level"));
            int p = prio_of(ev);
            if (lvl < 0) lvl = 0;
            if (lvl >= LEVELS) lvl = LEVELS - 1;
            if (p >= 0) m->g[p].escalations[lvl]++;
            m->g[GROUPS - 1].escalations[lvl]++;
        }
    }
    json_decref(ev);
    return 0;
}

/* The time stage k was met: its stamp, or a later stage's when it was skipped (orders stored
 * before the lifecycle was strict); 0 when not met. */
static int64_t stage_stamp(const json_t *doc, int k)
{
    static const char *const stamps[] = {"accepted_at", "on_site_at", "resolved_at"};
    for (int i = k; i < 3; i++) {
        int64_t ms = doc_ms(doc, stamps[i]);
        if (ms) return ms;
    }
    return 0;
}

static void month_order(struct month *m, const json_t *doc)
{
    int p = prio_of(doc);
    if (p < 0) return;
    struct kpi *gs[2] = {&m->g[p], &m->g[GROUPS - 1]};
    const char *status = doc_str(doc, "status");
    int cancelled = status && strcmp(status, "cancelled") == 0, planned = is_planned(doc);
    int64_t created = doc_ms(doc, "created_at");
    static const char *const due_keys[] = {"notify_by", "respond_by", "resolve_by"};
    int met[3], decided[3], late = 0;
    for (int k = 0; k < 3; k++) {
        int64_t due = doc_ms(doc, due_keys[k]), at = stage_stamp(doc, k);
        met[k] = at && due && at <= due;
        decided[k] = met[k] || (at && at > due) || (!at && due && m->now >= due);
        late |= decided[k] && !met[k];
    }
    int64_t accepted = stage_stamp(doc, 0), resolved = doc_ms(doc, "resolved_at");
    for (int i = 0; i < 2; i++) {
        struct kpi *g = gs[i];
        if (planned)
            g->raised_planned++;
        else
            g->raised_repairs++;
        if (cancelled) {
            g->cancelled++;
            continue;
        }
        if (planned) {
            if (decided[2]) g->planned_decided++;
            if (met[2]) g->planned_on_time++;
            continue;
        }
        for (int k = 0; k < 3; k++) {
            g->stage_decided[k] += decided[k];
            g->stage_met[k] += met[k];
        }
        if (late || (resolved && met[0] && met[1] && met[2])) g->decided++;
        if (!late && resolved && met[2]) g->on_time++;
        if (accepted) add_duration(&g->accept, accepted - created, &m->rc);
        if (resolved) add_duration(&g->resolve, resolved - created, &m->rc);
        if (resolved) {
            g->resolved_repairs++;
            const char *outcome = doc_str(doc, "follow_up_outcome");
            if (json_object_get(doc, "followed_up_at")) g->followed_up++;
            if (outcome && strcmp(outcome, "satisfied") == 0) g->satisfied++;
        }
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static json_t *share(long part, long whole)
{
    return whole ? json_real((double)part / (double)whole) : json_null();
}

/* {"n", "mean_s", "p90_s"} of durations (nearest rank). */
static json_t *dur_stats(struct durations *d)
{
    if (!d->n) return json_pack("{s:i, s:n, s:n}", "n", 0, "mean_s", "p90_s");
    qsort(d->v, d->n, sizeof(*d->v), cmp_i64);
    double sum = 0;
    for (size_t i = 0; i < d->n; i++)
        sum += (double)d->v[i];
    size_t rank = (d->n * 9 + 9) / 10; /* ceil(0.9 n) */
    return json_pack("{s:I, s:f, s:f}", "n", (json_int_t)d->n, "mean_s",
                     sum / (double)d->n / 1000.0, "p90_s", (double)d->v[rank - 1] / 1000.0);
}

static json_t *kpi_json(struct kpi *g, size_t n_levels)
{
    json_t *esc = json_object();
    for (size_t l = 0; esc && l < n_levels && l < LEVELS; l++) {
        char key[8];
        snprintf(key, sizeof(key), "%zu", l);
        json_object_set_new(esc, key, json_integer(g->escalations[l]));
    }
    json_t *rate = share(g->on_time, g->decided);
    json_t *o = json_pack(
        "{s:i, s:i, s:i, s:o, s:o, s:o, s:o, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}",
        "raised_repairs", (int)g->raised_repairs, "raised_planned", (int)g->raised_planned,
        "cancelled", (int)g->cancelled, "accepted_by_notify",
        share(g->stage_met[0], g->stage_decided[0]), "on_site_by_respond",
        share(g->stage_met[1], g->stage_decided[1]), "resolved_by_resolve",
        share(g->stage_met[2], g->stage_decided[2]), "on_time_rate", json_incref(rate), "on_time",
        (int)g->on_time, "decided", (int)g->decided, "meets_target",
        json_is_null(rate) ? json_null()
                           : json_boolean(json_real_value(rate) >= REPORT_ON_TIME_TARGET),
        "time_to_accept", dur_stats(&g->accept), "time_to_resolve", dur_stats(&g->resolve),
        "escalations", esc, "follow_up_rate", share(g->followed_up, g->resolved_repairs),
        "satisfaction", share(g->satisfied, g->followed_up), "planned_on_time",
        share(g->planned_on_time, g->planned_decided), "resolved_repairs",
        (int)g->resolved_repairs);
    json_decref(rate);
    return o;
}

int report_month(struct store *s, const struct config *cfg, int year, int mon, int64_t now_ms,
                 json_t **out)
{
    if (mon < 1 || mon > 12) return ST_ERR_INVAL;
    struct month m = {.s = s, .now = now_ms};
    m.from = clock_local_ms(year - 1900, mon - 1, 1, 0, 0);
    m.to = clock_local_ms(year - 1900, mon, 1, 0, 0);
    int rc = store_events_since(s, "workorder", m.from, month_event, &m);
    if (rc == ST_OK) rc = store_events_since(s, "escalation", m.from, month_event, &m);
    for (size_t i = 0; rc == ST_OK && i < m.n_ids; i++) {
        char *text = NULL;
        if (store_wo_get(s, m.ids[i], &text) != ST_OK) continue;
        json_error_t jerr;
        json_t *doc = json_loads(text, 0, &jerr);
        free(text);
        if (doc) month_order(&m, doc);
        json_decref(doc);
    }
    if (rc == ST_OK) rc = m.rc;
    json_t *r = NULL;
    if (rc == ST_OK) {
        char month[32];
        snprintf(month, sizeof(month), "%04d-%02d", year, mon);
        r = json_pack("{s:s, s:s, s:s, s:f, s:{}}", "report", "monthly", "site", cfg->site.id,
                      "month", month, "target_on_time", REPORT_ON_TIME_TARGET, "groups");
        if (!r) rc = ST_ERR_NOMEM;
    }
    if (r) {
        journal_set_time(r, "from", m.from);
        journal_set_time(r, "to", m.to);
        journal_set_time(r, "generated_at", now_ms);
        json_t *groups = json_object_get(r, "groups");
        size_t levels = cfg->sla.n_escalation ? cfg->sla.n_escalation : 1;
        for (int p = 0; p < PRIO_WORKORDER_COUNT; p++)
            json_object_set_new(groups, priority_name((enum priority)p), kpi_json(&m.g[p], levels));
        json_object_set_new(groups, "overall", kpi_json(&m.g[GROUPS - 1], levels));
        *out = r;
    }
    for (int i = 0; i < GROUPS; i++) {
        free(m.g[i].accept.v);
        free(m.g[i].resolve.v);
    }
    for (size_t i = 0; i < m.n_ids; i++)
        free(m.ids[i]);
    free(m.ids);
    return rc;
}
