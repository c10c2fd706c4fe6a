/* workorders.c - see workorders.h. */
#include "gateway/work/workorders.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/base/log.h"
#include "gateway/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FOLLOW_UP_MS (24LL * 3600 * 1000) /* a follow-up visit is due a day after resolution */

static int wo_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again);

void wo_init(struct wo_table *t, const struct config *cfg, struct journal *j, struct timers *timers)
{
    memset(t, 0, sizeof(*t));
    t->cfg = cfg;
    t->journal = j;
    t->timers = timers;
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

int64_t wo_next_due(const struct workorder *w)
{
    int64_t next = sla_next_due(&w->sla, w->status);
    if (w->next_review && (next == 0 || w->next_review < next)) next = w->next_review;
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
    int open = wo_status_is_open(w->status);
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
                               .open = open,
                               .event_type = ev_type,
                               .event = ev};
    int rc = ev_type && !ev ? ST_ERR_NOMEM : journal_record(t->journal, &c);
    json_decref(ev);
    if (rc == ST_OK && open) rc = wo_arm(t, w);
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
    sla_start(&t->cfg->sla, spec->priority, now_ms, &w->sla);
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
    doc_set_deadlines(w->doc, &w->sla);
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

int wo_set_status(struct wo_table *t, const char *id, const char *status, const char *by,
                  const char *note, int64_t now_ms, const char **why)
{
    static const char *unused;
    if (!why) why = &unused;
    struct workorder *w = wo_find(t, id);
    if (!w) {
        *why = "no open work order with this id";
        return ST_ERR_NOTFOUND;
    }
    enum wo_status st;
    if (wo_status_parse(status, &st)) {
        *why = "unknown status (open, accepted, on_site, resolved, closed, cancelled)";
        return ST_ERR_INVAL;
    }
    if (st == WO_OPEN || (st != WO_CANCELLED && st <= w->status)) {
        *why = "status may only move forward: open, accepted, on_site, resolved, closed";
        return ST_ERR_STATE;
    }
    if (st == WO_CANCELLED && w->status >= WO_RESOLVED) {
        *why = "a resolved work order cannot be cancelled";
        return ST_ERR_STATE;
    }
    w->status = st;
    json_object_set_new(w->doc, "status", json_string(wo_status_name(st)));
    /* First responder owns it: the owner is set once, by the first to accept. */
    if (by && st >= WO_ACCEPTED && st != WO_CANCELLED && !json_object_get(w->doc, "owner"))
        json_object_set_new(w->doc, "owner", json_string(by));
    char key[32];
    snprintf(key, sizeof(key), "%s_at", wo_status_name(st));
    journal_set_time(w->doc, key, now_ms);
    if (st == WO_RESOLVED) journal_set_time(w->doc, "follow_up_due", now_ms + FOLLOW_UP_MS);
    if (st >= WO_RESOLVED) { /* no more daily reviews */
        w->next_review = 0;
        doc_set_review(w->doc, w);
    }
    if (note) json_object_set_new(w->doc, "note", json_string(note));
    if (by) json_object_set_new(w->doc, "updated_by", json_string(by));
    int rc = wo_persist(t, w, now_ms, "workorder", wo_event(w, "status", by));
    if (rc) return rc;
    log_msg(LOG_INFO, "workorder: %s -> %s%s%s", w->id, wo_status_name(st), by ? " by " : "",
            by ? by : "");
    if (!wo_status_is_open(st)) wo_remove(t, w);
    return ST_OK;
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
    json_object_del(doc, "seq"); /* a republication gets a new seq */
    w->doc = doc;
    return wo_arm(t, w);
}

int wo_restore(struct wo_table *t, struct store *s)
{
    return store_wo_each_open(s, wo_restore_row, t);
}
