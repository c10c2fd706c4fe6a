/* workorders.c - see workorders.h. */
#include "gateway/work/workorders.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/base/log.h"
#include "gateway/store/store.h"
#include "gateway/work/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int wo_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again);
static int wo_report_run(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again);

void wo_init(struct wo_table *t, const struct config *cfg, struct journal *j, struct timers *timers)
{
    memset(t, 0, sizeof(*t));
    t->cfg = cfg;
    t->journal = j;
    t->timers = timers;
    timer_init(&t->report_timer, wo_report_run, t, "morning report");
}

static void wo_release(struct wo_table *t, struct workorder *w)
{
    if (!w) return;
    timers_cancel(t->timers, &w->timer);
    free(w->dedup_key);
    json_decref(w->doc);
    free(w);
}

void wo_cleanup(struct wo_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        wo_release(t, t->v[i]);
    free(t->v);
    timers_cancel(t->timers, &t->report_timer);
    t->v = NULL;
    t->n = t->cap = 0;
}

/* A new zeroed order at the end of the table (each order has its own allocation, so that its
 * timer stays put while the table grows). */
static struct workorder *wo_append(struct wo_table *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct workorder **v = realloc(t->v, cap * sizeof(*v));
        if (!v) return NULL;
        t->v = v;
        t->cap = cap;
    }
    struct workorder *w = calloc(1, sizeof(*w));
    if (!w) return NULL;
    w->table = t;
    timer_init(&w->timer, wo_due, w, "work order");
    t->v[t->n++] = w;
    return w;
}

/* Takes w out of the table and frees it. */
static void wo_remove(struct wo_table *t, struct workorder *w)
{
    size_t i = 0;
    while (i < t->n && t->v[i] != w)
        i++;
    if (i == t->n) return;
    memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
    t->n--;
    wo_release(t, w);
}

struct workorder *wo_find_dedup(struct wo_table *t, const char *dedup_key)
{
    /* A resolved order is done as far as engineering knows (it awaits its follow-up and close):
     * the fault coming back is a new order with its own SLA clock, not a silent re-raise. */
    for (size_t i = 0; i < t->n; i++)
        if (t->v[i]->status < WO_RESOLVED && strcmp(t->v[i]->dedup_key, dedup_key) == 0)
            return t->v[i];
    return NULL;
}

struct workorder *wo_find(struct wo_table *t, const char *id)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i]->id, id) == 0) return t->v[i];
    return NULL;
}

/* Kept in the table (and its store row open): open for work, or closed with its follow-up
 * visit still to be recorded. */
static int wo_in_table(const struct workorder *w)
{
    return wo_status_is_open(w->status) || (w->status == WO_CLOSED && w->follow_up_by);
}

static int64_t earliest(int64_t a, int64_t b)
{
    return b && (a == 0 || b < a) ? b : a;
}

int64_t wo_next_due(const struct workorder *w)
{
    int64_t next = sla_next_due(&w->sla, w->status);
    next = earliest(next, w->next_review);
    if (w->status < WO_RESOLVED) next = earliest(next, w->progress_next);
    if (!w->follow_up_missed) next = earliest(next, w->follow_up_by);
    return next;
}

/* Arms the order's timer for its next deadline or review (wall clock), or disarms it. */
static int wo_arm(struct wo_table *t, struct workorder *w)
{
    int64_t due = wo_next_due(w);
    if (!due) {
        timers_cancel(t->timers, &w->timer);
        return ST_OK;
    }
    return timers_arm_wall(t->timers, &w->timer, due);
}

/*
 * Records the order's current document (its row and its retained publication, cleared once the
 * order is closed) and, when ev is not NULL, its event (type ev_type, ev stolen): one change of
 * the journal. Re-arms the order's timer for its next deadline or review.
 */
static int wo_persist(struct wo_table *t, struct workorder *w, int64_t now_ms, const char *ev_type,
                      json_t *ev)
{
    journal_set_time(w->doc, "updated_at", now_ms);
    int open = wo_status_is_open(w->status), kept = wo_in_table(w);
    char topic[16 + sizeof(w->id)];
    snprintf(topic, sizeof(topic), "workorders/%s", w->id);
    struct journal_change c = {.topic = topic,
                               .doc = w->doc,
                               .retain = open,
                               .clear_retained = !open,
                               .row = JOURNAL_ROW_WORKORDER,
                               .id = w->id,
                               .state = wo_status_name(w->status),
                               .key = w->dedup_key,
                               .open = kept,
                               .event_type = ev_type,
                               .event = ev};
    int rc = ev_type && !ev ? ST_ERR_NOMEM : journal_record(t->journal, &c);
    json_decref(ev);
    if (rc == ST_OK && kept) rc = wo_arm(t, w);
    return rc;
}

/* The `workorder` event of an action on w. NULL when out of memory. */
static json_t *wo_event(const struct workorder *w, const char *action, const char *by)
{
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "workorder", w->id, "action", action, "status",
                           wo_status_name(w->status), "priority", priority_name(w->priority));
    if (ev && by) json_object_set_new(ev, "by", json_string(by));
    return ev;
}

static void doc_set_deadlines(json_t *doc, const struct sla_clock *c)
{
    journal_set_time(doc, "notify_by", c->due[SLA_NOTIFY]);
    journal_set_time(doc, "respond_by", c->due[SLA_RESPOND]);
    journal_set_time(doc, "resolve_by", c->due[SLA_RESOLVE]);
}

/* The daily review is the standard's for repair orders; planned maintenance has its calendar. */
static int gets_daily_review(const char *source)
{
    return !source || strcmp(source, "maintenance") != 0;
}

/* next_review_at / next_review while one is due; gone once none is (resolved, or planned). */
static void doc_set_review(json_t *doc, const struct workorder *w)
{
    if (!w->next_review) {
        json_object_del(doc, "next_review_at");
        json_object_del(doc, "next_review");
        return;
    }
    journal_set_time(doc, "next_review_at", w->next_review);
    json_object_set_new(doc, "next_review", json_string(review_kind_name(w->review_kind)));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

int wo_raise(struct wo_table *t, const struct wo_spec *spec, json_t *evidence, int64_t now_ms,
             struct workorder **out)
{
    const char *site = t->cfg->site.id;
    char *key = NULL;
    int rc;
    if (asprintf(&key, "%s/%s/%s", site, spec->asset ? spec->asset : site, spec->rule) < 0) {
        json_decref(evidence);
        return ST_ERR_NOMEM;
    }

    struct workorder *w = wo_find_dedup(t, key);
    if (w) { /* the same fault again while its order is in hand: update, never duplicate */
        free(key);
        json_int_t occ = json_integer_value(json_object_get(w->doc, "occurrences"));
        json_object_set_new(w->doc, "occurrences", json_integer(occ + 1));
        journal_set_time(w->doc, "last_raised_at", now_ms);
        journal_set_time(w->doc, "last_seen", now_ms);
        json_object_del(w->doc, "condition_cleared_at"); /* the condition is back */
        if (evidence) json_object_set_new(w->doc, "evidence", evidence);
        rc = wo_persist(t, w, now_ms, "workorder", wo_event(w, "reraised", NULL));
        if (out) *out = w;
        return rc;
    }

    int64_t number;
    rc = store_next_wo_number(t->journal->store, &number);
    if (rc) goto out_free_key;
    w = wo_append(t);
    if (!w) {
        rc = ST_ERR_NOMEM;
        goto out_free_key;
    }
    snprintf(w->id, sizeof(w->id), "WO-%s-%06lld", site, (long long)number);
    w->dedup_key = key;
    key = NULL;
    w->status = WO_OPEN;
    w->priority = spec->priority;
    int after_hours = sla_start(&t->cfg->sla, spec->priority, now_ms, &w->sla);
    w->changed_at = now_ms;
    w->progress_next = now_ms + WO_PROGRESS_MS;
    w->doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:s, s:s}", "id", w->id,
                       "dedup_key", w->dedup_key, "source", spec->source, "rule", spec->rule,
                       "site", site, "asset", str_or_null(spec->asset), "location",
                       str_or_null(spec->location), "category", spec->category, "priority",
                       priority_name(spec->priority), "title", spec->title, "status", "open");
    if (!w->doc) {
        wo_remove(t, w);
        rc = ST_ERR_NOMEM;
        goto out_free_key;
    }
    journal_set_time(w->doc, "created_at", now_ms);
    journal_set_time(w->doc, "status_changed_at", now_ms);
    journal_set_time(w->doc, "last_seen", now_ms);
    doc_set_deadlines(w->doc, &w->sla);
    json_object_set_new(w->doc, "after_hours", json_boolean(after_hours));
    json_object_set_new(w->doc, "escalation_level", json_integer(0));
    json_object_set_new(w->doc, "assigned_role", json_string(sla_role(&t->cfg->sla, 0)));
    json_object_set_new(w->doc, "escalated", json_array());
    json_object_set_new(w->doc, "occurrences", json_integer(1));
    json_object_set_new(w->doc, "evidence", evidence ? evidence : json_object());
    evidence = NULL;
    if (gets_daily_review(spec->source)) w->next_review = review_first(now_ms, &w->review_kind);
    doc_set_review(w->doc, w);
    rc = wo_persist(t, w, now_ms, "workorder", wo_event(w, "created", NULL));
    if (rc == ST_OK)
        log_msg(LOG_INFO, "workorder: %s raised (%s, %s)", w->id, priority_name(w->priority),
                w->dedup_key);
    if (out) *out = w;
out_free_key:
    free(key);
    json_decref(evidence);
    return rc;
}

/* The same status again on an order no longer in the table (closed or cancelled): harmless when
 * the store says it already has that status (or that follow-up). */
static int wo_settled(struct wo_table *t, const struct wo_update *u, const char **why)
{
    char *text = NULL;
    if (store_wo_get(t->journal->store, u->id, &text) != ST_OK) {
        *why = "no open work order with this id";
        return ST_ERR_NOTFOUND;
    }
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    free(text);
    const char *st = json_string_value(json_object_get(doc, "status"));
    const char *outcome = json_string_value(json_object_get(doc, "follow_up_outcome"));
    int same = st && strcmp(st, u->status) == 0;
    if (strcmp(u->status, "followed_up") == 0)
        same = outcome && u->outcome && strcmp(outcome, u->outcome) == 0;
    int rc = same ? 1 : ST_ERR_STATE;
    if (!same)
        *why = st && strcmp(st, "cancelled") == 0 ? "the work order is cancelled"
                                                  : "the work order is closed";
    json_decref(doc);
    return rc;
}

/* A status change: stamps, the progress clock starts again, no more reviews once resolved. */
static void wo_status_changed(struct workorder *w, enum wo_status st, int64_t now_ms)
{
    w->status = st;
    json_object_set_new(w->doc, "status", json_string(wo_status_name(st)));
    w->changed_at = now_ms;
    w->progress_next = st < WO_RESOLVED ? now_ms + WO_PROGRESS_MS : 0;
    journal_set_time(w->doc, "status_changed_at", now_ms);
    json_object_del(w->doc, "progress_due");
    json_object_del(w->doc, "progress_requests");
}

/* A not-satisfied follow-up: the order is open again with a new SLA clock from now. */
static void wo_reopen(struct wo_table *t, struct workorder *w, int64_t now_ms)
{
    static const char *const stamps[] = {"accepted_at", "on_site_at",   "resolved_at",  "closed_at",
                                         "owner",       "follow_up_by", "follow_up_due"};
    for (size_t i = 0; i < sizeof(stamps) / sizeof(stamps[0]); i++)
        json_object_del(w->doc, stamps[i]);
    wo_status_changed(w, WO_OPEN, now_ms);
    int after_hours = sla_start(&t->cfg->sla, w->priority, now_ms, &w->sla);
    w->level = 0;
    w->follow_up_by = 0;
    w->follow_up_missed = 0;
    doc_set_deadlines(w->doc, &w->sla);
    json_object_set_new(w->doc, "after_hours", json_boolean(after_hours));
    json_object_set_new(w->doc, "escalation_level", json_integer(0));
    json_object_set_new(w->doc, "assigned_role", json_string(sla_role(&t->cfg->sla, 0)));
    json_object_set_new(w->doc, "escalated", json_array());
    json_int_t n = json_integer_value(json_object_get(w->doc, "reopened")) + 1;
    json_object_set_new(w->doc, "reopened", json_integer(n));
    journal_set_time(w->doc, "reopened_at", now_ms);
    w->next_review = review_first(now_ms, &w->review_kind);
    doc_set_review(w->doc, w);
}

/* "followed_up": the follow-up visit of a resolved repair and its outcome. */
static int wo_follow_up(struct wo_table *t, struct workorder *w, const struct wo_update *u,
                        int64_t now_ms, const char **why, int *changed)
{
    int satisfied = u->outcome && strcmp(u->outcome, "satisfied") == 0;
    if (!satisfied && !(u->outcome && strcmp(u->outcome, "not_satisfied") == 0)) {
        *why = "a follow-up needs \"outcome\": \"satisfied\" or \"not_satisfied\"";
        return ST_ERR_INVAL;
    }
    if (w->status < WO_RESOLVED) {
        *why = "only a resolved work order is followed up";
        return ST_ERR_STATE;
    }
    if (!w->follow_up_by) {
        const char *done = json_string_value(json_object_get(w->doc, "follow_up_outcome"));
        if (done && strcmp(done, u->outcome) == 0) return ST_OK; /* the same again */
        *why = done ? "the follow-up is recorded already"
                    : "planned maintenance gets no follow-up visit";
        return ST_ERR_STATE;
    }
    journal_set_time(w->doc, "followed_up_at", now_ms);
    json_object_set_new(w->doc, "follow_up_outcome", json_string(u->outcome));
    if (u->by) json_object_set_new(w->doc, "followed_up_by", json_string(u->by));
    json_int_t n = json_integer_value(json_object_get(w->doc, "follow_ups")) + 1;
    json_object_set_new(w->doc, "follow_ups", json_integer(n));
    w->follow_up_by = 0;
    if (u->note) json_object_set_new(w->doc, "note", json_string(u->note));
    if (u->by) json_object_set_new(w->doc, "updated_by", json_string(u->by));
    json_t *ev = wo_event(w, "followed_up", u->by);
    if (ev) json_object_set_new(ev, "outcome", json_string(u->outcome));
    int rc = wo_persist(t, w, now_ms, "workorder", ev);
    if (rc == ST_OK && !satisfied) { /* not satisfied: the fault is not fixed, the order reopens */
        wo_reopen(t, w, now_ms);
        rc = wo_persist(t, w, now_ms, "workorder", wo_event(w, "reopened", u->by));
    }
    if (rc) return rc;
    *changed = 1;
    log_msg(LOG_INFO, "workorder: %s followed up (%s)%s", w->id, u->outcome,
            satisfied ? "" : "; reopened");
    if (!wo_in_table(w)) wo_remove(t, w);
    return ST_OK;
}

int wo_update(struct wo_table *t, const struct wo_update *u, int64_t now_ms, const char **why,
              int *changed)
{
    static const char *unused;
    int changed_unused;
    if (!why) why = &unused;
    if (!changed) changed = &changed_unused;
    *changed = 0;
    int follow_up = strcmp(u->status, "followed_up") == 0;
    enum wo_status st = WO_OPEN;
    if (!follow_up && wo_status_parse(u->status, &st)) {
        *why = "unknown status (accepted, on_site, resolved, closed, cancelled, followed_up)";
        return ST_ERR_INVAL;
    }
    struct workorder *w = wo_find(t, u->id);
    if (!w) {
        int rc = wo_settled(t, u, why);
        return rc == 1 ? ST_OK : rc;
    }
    if (follow_up) return wo_follow_up(t, w, u, now_ms, why, changed);
    const char *owner = json_string_value(json_object_get(w->doc, "owner"));
    int rc = wo_transition(w->status, st, why);
    if (rc == 1) { /* the same status again: harmless, unless another tries to take it over */
        if (st == WO_ACCEPTED && owner && u->by && strcmp(owner, u->by) != 0) {
            *why = "accepted by someone else already: the first to accept owns it";
            return ST_ERR_STATE;
        }
        return ST_OK;
    }
    if (rc) return rc;
    if (st == WO_CANCELLED && (!u->note || !*u->note)) {
        *why = "cancelling needs a note saying why";
        return ST_ERR_INVAL;
    }
    wo_status_changed(w, st, now_ms);
    /* First responder owns it: the owner is set once, by the first to accept. */
    if (u->by && st == WO_ACCEPTED && !owner)
        json_object_set_new(w->doc, "owner", json_string(u->by));
    char key[32];
    snprintf(key, sizeof(key), "%s_at", wo_status_name(st));
    journal_set_time(w->doc, key, now_ms);
    const char *source = json_string_value(json_object_get(w->doc, "source"));
    if (st == WO_RESOLVED && gets_daily_review(source)) { /* a repair: its follow-up visit */
        const char *category = json_string_value(json_object_get(w->doc, "category"));
        w->follow_up_by = now_ms + sla_follow_up_ms(&t->cfg->sla, category);
        w->follow_up_missed = 0;
        journal_set_time(w->doc, "follow_up_by", w->follow_up_by);
        journal_set_time(w->doc, "follow_up_due", w->follow_up_by);
    }
    if (st == WO_CANCELLED) w->follow_up_by = 0;
    if (st >= WO_RESOLVED) { /* no more daily reviews */
        w->next_review = 0;
        doc_set_review(w->doc, w);
    }
    if (u->note) json_object_set_new(w->doc, "note", json_string(u->note));
    if (u->by) json_object_set_new(w->doc, "updated_by", json_string(u->by));
    rc = wo_persist(t, w, now_ms, "workorder", wo_event(w, "status", u->by));
    if (rc) return rc;
    *changed = 1;
    log_msg(LOG_INFO, "workorder: %s -> %s%s%s", w->id, wo_status_name(st), u->by ? " by " : "",
            u->by ? u->by : "");
    if (!wo_in_table(w)) wo_remove(t, w);
    return ST_OK;
}

int wo_set_status(struct wo_table *t, const char *id, const char *status, const char *by,
                  const char *note, int64_t now_ms, const char **why)
{
    struct wo_update u = {id, status, by, note, NULL};
    return wo_update(t, &u, now_ms, why, NULL);
}

int wo_condition_cleared(struct wo_table *t, const char *asset, const char *rule, int64_t now_ms)
{
    char *key = NULL;
    const char *site = t->cfg->site.id;
    if (asprintf(&key, "%s/%s/%s", site, asset ? asset : site, rule) < 0) return ST_ERR_NOMEM;
    struct workorder *w = wo_find_dedup(t, key);
    free(key);
    if (!w) return ST_OK;
    journal_set_time(w->doc, "condition_cleared_at", now_ms);
    return wo_persist(t, w, now_ms, "workorder", wo_event(w, "condition_cleared", NULL));
}

static int wo_escalate(struct wo_table *t, struct workorder *w, int stage, int64_t now_ms)
{
    w->sla.escalated |= 1u << stage;
    int top = t->cfg->sla.n_escalation ? (int)t->cfg->sla.n_escalation - 1 : 0;
    if (w->level < top) w->level++;
    const char *role = sla_role(&t->cfg->sla, w->level);
    json_object_set_new(w->doc, "escalation_level", json_integer(w->level));
    json_object_set_new(w->doc, "assigned_role", json_string(role));
    json_array_append_new(json_object_get(w->doc, "escalated"),
                          json_string(sla_stage_name((enum sla_stage)stage)));
    json_t *ev = json_pack("{s:s, s:s, s:i, s:s, s:s}", "workorder", w->id, "missed",
                           sla_stage_name((enum sla_stage)stage), "level", w->level, "role", role,
                           "priority", priority_name(w->priority));
    if (ev) journal_set_time(ev, "deadline", w->sla.due[stage]);
    int rc = wo_persist(t, w, now_ms, "escalation", ev);
    log_msg(LOG_WARN, "workorder: %s missed its %s deadline; escalated to %s", w->id,
            sla_stage_name((enum sla_stage)stage), role);
    return rc;
}

/* The daily review (review.h): the order, still unresolved, is raised again (republished) with
 * what the review adds, and a `review` event says so. */
static int wo_review(struct wo_table *t, struct workorder *w, int64_t now_ms)
{
    json_int_t n = json_integer_value(json_object_get(w->doc, "reviews")) + 1;
    json_object_set_new(w->doc, "reviews", json_integer(n));
    journal_set_time(w->doc, "last_review_at", now_ms);
    json_t *ev = json_pack("{s:s, s:s, s:I}", "workorder", w->id, "review",
                           review_kind_name(w->review_kind), "reviews", n);
    if (!ev) return ST_ERR_NOMEM;
    if (w->review_kind == REVIEW_MORNING) { /* reported to the top of the ladder */
        const char *top = sla_role(&t->cfg->sla, (int)t->cfg->sla.n_escalation);
        json_object_set_new(w->doc, "reported_to", json_string(top));
        json_object_set_new(ev, "reported_to", json_string(top));
    } else { /* a deadline of 17:00 that day: a new resolve deadline, which escalates if missed
              * (`escalated` lists the stages whose current deadline was missed; the events on
              * P/events are the history) */
        w->sla.due[SLA_RESOLVE] = review_deadline(w->next_review); /* the day it was due */
        w->sla.escalated &= ~(1u << SLA_RESOLVE);
        json_t *esc = json_object_get(w->doc, "escalated");
        for (size_t k = json_array_size(esc); k-- > 0;) {
            const char *stage = json_string_value(json_array_get(esc, k));
            if (stage && strcmp(stage, "resolve") == 0) json_array_remove(esc, k);
        }
        doc_set_deadlines(w->doc, &w->sla);
        journal_set_time(ev, "resolve_by", w->sla.due[SLA_RESOLVE]);
    }
    w->next_review = review_after(now_ms);
    w->review_kind = REVIEW_MORNING;
    doc_set_review(w->doc, w);
    int rc = wo_persist(t, w, now_ms, "review", ev);
    log_msg(LOG_WARN, "workorder: %s unresolved at its daily review (%lld so far)", w->id,
            (long long)n);
    return rc;
}

/* 限时复命: in hand a day (another day) without a status change: a progress report is asked
 * for, once a day, and the order is republished with progress_due. */
static int wo_progress_due(struct wo_table *t, struct workorder *w, int64_t now_ms)
{
    json_int_t n = json_integer_value(json_object_get(w->doc, "progress_requests")) + 1;
    json_object_set_new(w->doc, "progress_requests", json_integer(n));
    journal_set_time(w->doc, "progress_due", now_ms);
    w->progress_next = w->changed_at + (n + 1) * WO_PROGRESS_MS;
    if (w->progress_next <= now_ms) /* days missed while down: the next one from now */
        w->progress_next = now_ms + WO_PROGRESS_MS;
    json_t *ev = wo_event(w, "progress_due", NULL);
    if (ev) {
        journal_set_time(ev, "since", w->changed_at);
        json_object_set_new(ev, "requests", json_integer(n));
    }
    log_msg(LOG_INFO, "workorder: %s %s since a day or more: progress report due", w->id,
            wo_status_name(w->status));
    return wo_persist(t, w, now_ms, "workorder", ev);
}

/* The follow-up deadline passed without a follow-up recorded: an event, once. */
static int wo_follow_up_missed(struct wo_table *t, struct workorder *w, int64_t now_ms)
{
    w->follow_up_missed = 1;
    json_object_set_new(w->doc, "follow_up_missed", json_true());
    json_t *ev = wo_event(w, "follow_up_missed", NULL);
    if (ev) journal_set_time(ev, "follow_up_by", w->follow_up_by);
    log_msg(LOG_WARN, "workorder: %s: follow-up visit missed", w->id);
    return wo_persist(t, w, now_ms, "workorder", ev);
}

/* The order's timer: its daily review, then every deadline that has passed escalates. */
static int wo_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono, (void)again;
    struct workorder *w = ctx;
    struct wo_table *t = w->table;
    int stage, rc = ST_OK;
    if (w->next_review && now_wall >= w->next_review) rc = wo_review(t, w, now_wall);
    while (rc == ST_OK && (stage = sla_overdue(&w->sla, w->status, now_wall)) >= 0)
        rc = wo_escalate(t, w, stage, now_wall);
    if (rc == ST_OK && w->status < WO_RESOLVED && w->progress_next && now_wall >= w->progress_next)
        rc = wo_progress_due(t, w, now_wall);
    if (rc == ST_OK && w->follow_up_by && !w->follow_up_missed && now_wall >= w->follow_up_by)
        rc = wo_follow_up_missed(t, w, now_wall);
    if (rc) { /* not recorded: try again in a second rather than lose the deadline */
        *again = 1000;
        return rc;
    }
    return wo_arm(t, w);
}

static int64_t doc_time(const json_t *doc, const char *key)
{
    int64_t ms = 0;
    const char *s = json_string_value(json_object_get(doc, key));
    if (s) clock_parse_iso(s, &ms);
    return ms;
}

/* Rebuilds one in-memory order from its stored document. */
static int wo_restore_row(void *ctx, const char *id, const char *state, const char *json)
{
    struct wo_table *t = ctx;
    json_error_t jerr;
    json_t *doc = json_loads(json, 0, &jerr);
    const char *key = json_string_value(json_object_get(doc, "dedup_key"));
    enum priority prio;
    enum wo_status st;
    if (!doc || !key ||
        priority_parse(json_string_value(json_object_get(doc, "priority")), &prio) ||
        wo_status_parse(state, &st)) {
        log_msg(LOG_ERROR, "workorder: stored work order %s is unreadable; left in the store", id);
        json_decref(doc);
        return 0;
    }
    struct workorder *w = wo_append(t);
    if (!w || !(w->dedup_key = strdup(key))) {
        if (w) wo_remove(t, w);
        json_decref(doc);
        return ST_ERR_NOMEM;
    }
    snprintf(w->id, sizeof(w->id), "%s", id);
    w->status = st;
    w->priority = prio;
    w->level = (int)json_integer_value(json_object_get(doc, "escalation_level"));
    w->sla.due[SLA_NOTIFY] = doc_time(doc, "notify_by");
    w->sla.due[SLA_RESPOND] = doc_time(doc, "respond_by");
    w->sla.due[SLA_RESOLVE] = doc_time(doc, "resolve_by");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "escalated"), i, v)
    {
        for (int k = 0; k < SLA_STAGES; k++)
            if (json_is_string(v) && strcmp(json_string_value(v), sla_stage_name(k)) == 0)
                w->sla.escalated |= 1u << k;
    }
    w->next_review = doc_time(doc, "next_review_at");
    w->review_kind = review_kind_parse(json_string_value(json_object_get(doc, "next_review")));
    if (!w->next_review && st < WO_RESOLVED &&
        gets_daily_review(json_string_value(json_object_get(doc, "source")))) {
        /* stored before reviews existed: reviewed at once if overdue */
        w->next_review = review_first(doc_time(doc, "created_at"), &w->review_kind);
        if (w->next_review < clock_wall_ms()) w->review_kind = REVIEW_MORNING;
    }
    w->changed_at = doc_time(doc, "status_changed_at");
    if (!w->changed_at) w->changed_at = doc_time(doc, "created_at");
    if (st < WO_RESOLVED) {
        json_int_t n = json_integer_value(json_object_get(doc, "progress_requests"));
        w->progress_next = w->changed_at + (n + 1) * WO_PROGRESS_MS;
        int64_t asked = doc_time(doc, "progress_due");
        if (asked && w->progress_next <= asked) w->progress_next = asked + WO_PROGRESS_MS;
    }
    if ((st == WO_RESOLVED || st == WO_CLOSED) && !json_object_get(doc, "followed_up_at") &&
        gets_daily_review(json_string_value(json_object_get(doc, "source")))) {
        w->follow_up_by = doc_time(doc, "follow_up_by");
        if (!w->follow_up_by) w->follow_up_by = doc_time(doc, "follow_up_due");
        w->follow_up_missed = json_is_true(json_object_get(doc, "follow_up_missed"));
    }
    json_object_del(doc, "seq"); /* a republication gets a new seq */
    w->doc = doc;
    if (!wo_in_table(w)) { /* closed without a follow-up deadline: nothing left to do */
        wo_remove(t, w);
        return 0;
    }
    return wo_arm(t, w);
}

/* The morning report (report.h) at review.report_at: P/reports/daily, retained, and a `report`
 * event; then the next day's. */
static int wo_report_run(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again)
{
    (void)now_mono;
    struct wo_table *t = ctx;
    json_t *doc = NULL;
    int rc = report_daily(t->journal->store, t->cfg, t->report_due, now_wall, &doc);
    json_t *ev = rc == ST_OK ? json_pack("{s:s, s:O}", "report", "daily", "date",
                                         json_object_get(doc, "date"))
                             : NULL;
    if (rc == ST_OK) {
        struct journal_change c = {
            .topic = "reports/daily", .doc = doc, .retain = 1, .event_type = "report", .event = ev};
        rc = ev ? journal_record(t->journal, &c) : ST_ERR_NOMEM;
    }
    json_decref(doc);
    json_decref(ev);
    if (rc) { /* not recorded: tried again in a second */
        *again = 1000;
        return rc;
    }
    log_msg(LOG_INFO, "workorder: morning report published");
    t->report_due = report_next(t->cfg, now_wall);
    return timers_arm_wall(t->timers, &t->report_timer, t->report_due);
}

/* The time of the morning report this gateway missed while it was down, or 0: as a review is held
 * late, a gateway that was down at review.report_at publishes that report when it is back (once,
 * for the latest report time). Only a gateway that has published a report before: a new one has
 * missed nothing. */
static int64_t report_missed(const struct wo_table *t, struct store *s, int64_t now_wall)
{
    char *json = NULL;
    if (store_event_last(s, "report", &json) != ST_OK) return 0;
    json_t *ev = json_loads(json, 0, NULL);
    free(json);
    const char *date = json_string_value(json_object_get(ev, "date"));
    int64_t last = report_last(t->cfg, now_wall);
    time_t sec = (time_t)(last / 1000);
    struct tm tm;
    char want[40] = "";
    if (localtime_r(&sec, &tm)) /* the site's zone: main.c set TZ */
        snprintf(want, sizeof(want), "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday);
    int missed = date && want[0] && strcmp(date, want) < 0;
    json_decref(ev);
    return missed ? last : 0;
}

int wo_restore(struct wo_table *t, struct store *s)
{
    int rc = store_wo_each_open(s, wo_restore_row, t);
    if (rc) return rc;
    int64_t now = clock_wall_ms(), missed = report_missed(t, s, now);
    if (missed) log_msg(LOG_INFO, "workorder: the morning report was missed while down: held now");
    t->report_due = missed ? missed : report_next(t->cfg, now);
    return timers_arm_wall(t->timers, &t->report_timer, missed ? now : t->report_due);
}
