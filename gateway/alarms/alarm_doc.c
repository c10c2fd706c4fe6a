/*
 * alarm_doc.c - an alarm as the control room sees it: the retained document P/alarms/ID, the
 * event of each transition, the work order a raise opens, and the state taken up again from
 * the store after a restart (see alarms.h).
 */
#include "gateway/alarms/alarms.h"
#include "gateway/alarms/alarms_impl.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/quality.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"
#include "gateway/work/workorders.h"
#include "rules/expr.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void alarms__copy_name(char *dst, size_t cap, const char *src)
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

/* The values a rule read, by point name: the evidence attached to its work order. */
static json_t *rule_evidence(const struct alarms *a, const struct alarm *al)
{
    json_t *ev = json_object();
    if (!ev || !al->when) return ev;
    const int *ids;
    size_t n = expr_points(al->when, &ids);
    for (size_t k = 0; k < n; k++) {
        int id = ids[k];
        json_t *v = a->in.quality[id] == QUALITY_GOOD
                        ? json_real(a->in.value[id])
                        : json_string(quality_name(a->in.quality[id]));
        json_object_set_new(ev, a->cfg->points[id].name, v);
    }
    return ev;
}

/* The alarm's "value": the first point its rule reads, or null. */
static json_t *alarm_value(const struct alarms *a, const struct alarm *al)
{
    const int *ids;
    if (!al->when || expr_points(al->when, &ids) == 0) return json_null();
    if (a->in.quality[ids[0]] != QUALITY_GOOD) return json_null();
    return json_real(a->in.value[ids[0]]);
}

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *alarm_document(const struct alarms *a, const struct alarm *al, int64_t now_wall)
{
    json_t *doc =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", al->id, "state",
                  alarm_state_name(al->rt.state), "priority", priority_name(al->priority),
                  "category", al->category, "title", al->title, "asset", opt_str(al->asset),
                  "location", opt_str(al->location), "value", alarm_value(a, al));
    if (!doc) return NULL;
    journal_set_time(doc, "active_since", al->active_since);
    json_object_set_new(doc, "acked_by", opt_str(al->acked_by));
    journal_set_time(doc, "ts", now_wall);
    if (al->rt.condition_clear) json_object_set_new(doc, "latched", json_true());
    if (al->rt.state == ALARM_SHELVED) {
        journal_set_time(doc, "shelved_until", al->shelved_until);
        json_object_set_new(doc, "shelved_by", opt_str(al->shelved_by));
    }
    if (al->rt.state == ALARM_OUT_OF_SERVICE) {
        json_object_set_new(doc, "out_of_service_by", opt_str(al->oos_by));
        json_object_set_new(doc, "note", opt_str(al->note));
    }
    if (al->rt.state == ALARM_SUPPRESSED)
        json_object_set_new(doc, "suppressed_by", opt_str(al->suppressed_by));
    json_object_set_new(doc, "quality", json_string(al->uncertain ? "uncertain" : "good"));
    if (al->chattering) {
        json_object_set_new(doc, "chattering", json_true());
        json_object_set_new(doc, "chatter_count", json_integer(al->chatter_count));
        journal_set_time(doc, "chatter_since", al->chatter_since);
    }
    return doc;
}

static json_t *transition_event(const struct alarm *al, enum alarm_state from,
                                enum alarm_transition t, const char *by)
{
    static const char *const tnames[] = {
        "none",       "raised",       "cleared",           "acked",
        "shelved",    "unshelved",    "condition_cleared", "reset",
        "suppressed", "unsuppressed", "out_of_service",    "in_service",
        "realarm"};
    _Static_assert(sizeof(tnames) / sizeof(tnames[0]) == ALARM_T_REALARM + 1,
                   "a name for every alarm transition");
    const char *tname =
        t == ALARM_T_LATCH && !al->rt.condition_clear ? "condition_returned" : tnames[t];
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "alarm", al->id, "transition", tname,
                           "from", alarm_state_name(from), "to", alarm_state_name(al->rt.state),
                           "priority", priority_name(al->priority));
    if (!ev) return NULL;
    if (by) json_object_set_new(ev, "by", json_string(by));
    if (t == ALARM_T_SHELVED) journal_set_time(ev, "until", al->shelved_until);
    if (t == ALARM_T_OUT_OF_SERVICE && al->note[0])
        json_object_set_new(ev, "note", json_string(al->note));
    if (t == ALARM_T_SUPPRESSED && al->suppressed_by[0])
        json_object_set_new(ev, "reason", json_string(al->suppressed_by));
    if (al->kind != ALARM_KIND_RULE)
        json_object_set_new(ev, "kind", json_string(alarms__builtin_kind(al)));
    return ev;
}

/* The alarm's document, retained on P/alarms/ID and in its row, with event (may be NULL: a
 * republish) in the same journal change. Takes event. */
static int alarm_change(struct alarms *a, struct alarm *al, json_t *event, int64_t now_wall)
{
    char topic[96];
    snprintf(topic, sizeof(topic), "alarms/%s", al->id);
    struct journal_change c = {.topic = topic,
                               .doc = alarm_document(a, al, now_wall),
                               .retain = 1,
                               .row = JOURNAL_ROW_ALARM,
                               .id = al->id,
                               .state = alarm_state_name(al->rt.state),
                               .event_type = event ? "alarm" : NULL,
                               .event = event};
    int rc = c.doc ? journal_record(a->journal, &c) : ST_ERR_NOMEM;
    json_decref(c.doc);
    json_decref(event);
    return rc;
}

int alarms__republish(struct alarms *a, struct alarm *al, int64_t now_wall)
{
    return alarm_change(a, al, NULL, now_wall);
}

int alarms__record(struct alarms *a, struct alarm *al, enum alarm_state from,
                   enum alarm_transition t, const char *by, int64_t now_wall)
{
    a->transitions++;
    json_t *ev = transition_event(al, from, t, by);
    int rc = ev ? alarm_change(a, al, ev, now_wall) : ST_ERR_NOMEM;
    if (rc) return rc;

    log_msg(t == ALARM_T_RAISED ? LOG_WARN : LOG_INFO, "alarm: %s %s -> %s (%s)", al->id,
            alarm_state_name(from), alarm_state_name(al->rt.state), priority_name(al->priority));

    if (t == ALARM_T_RAISED && al->priority < PRIO_WORKORDER_COUNT) {
        /* Indexed by enum alarm_kind: a low battery is found by supervision, as silence is. */
        static const char *const sources[] = {"rule", "comm", "supervision", "supervision"};
        struct wo_spec spec = {sources[al->kind], al->id,    al->asset,   al->location,
                               al->category,      al->title, al->priority};
        rc = wo_raise(a->wos, &spec, rule_evidence(a, al), now_wall, NULL);
    }
    if (t == ALARM_T_CLEARED && al->priority < PRIO_WORKORDER_COUNT)
        rc = wo_condition_cleared(a->wos, al->asset, al->id, now_wall);
    return rc;
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
    alarms__copy_name(al->acked_by, sizeof(al->acked_by), by);
    /* A latch already clear stays so: an acknowledgement resets it without waiting for a new
     * reading of its sensor. */
    if (alarm_is_active(st) && json_is_true(json_object_get(doc, "latched")))
        al->rt.condition_clear = 1;
    int rc = ST_OK;
    if (st == ALARM_OUT_OF_SERVICE) {
        alarms__copy_name(al->oos_by, sizeof(al->oos_by),
                          json_string_value(json_object_get(doc, "out_of_service_by")));
        alarms__copy_name(al->note, sizeof(al->note),
                          json_string_value(json_object_get(doc, "note")));
    }
    if (st == ALARM_SUPPRESSED)
        alarms__copy_name(al->suppressed_by, sizeof(al->suppressed_by),
                          json_string_value(json_object_get(doc, "suppressed_by")));
    if (st == ALARM_SHELVED) { /* the shelf keeps its end across the restart */
        const char *until = json_string_value(json_object_get(doc, "shelved_until"));
        const char *sby = json_string_value(json_object_get(doc, "shelved_by"));
        if (!until || clock_parse_iso(until, &al->shelved_until)) al->shelved_until = 0;
        int64_t left = al->shelved_until - clock_wall_ms();
        rc = timers_arm(a->timers, &al->shelf, clock_mono_ms() + (left > 0 ? left : 0));
        alarms__copy_name(al->shelved_by, sizeof(al->shelved_by), sby);
    }
    /* A built-in alarm restored active keeps its condition until the adapter says otherwise. */
    if (al->kind != ALARM_KIND_RULE) al->cond = alarm_is_active(st);
    json_decref(doc);
    return rc;
}

/* One alarm event of the last 24 h: its shelves, for the shelving cap. */
static int restore_shelf(void *ctx, int64_t seq, const char *json)
{
    (void)seq;
    struct alarms *a = ctx;
    json_error_t jerr;
    json_t *ev = json_loads(json, 0, &jerr);
    const char *id = json_string_value(json_object_get(ev, "alarm"));
    const char *t = json_string_value(json_object_get(ev, "transition"));
    const char *ts = json_string_value(json_object_get(ev, "ts"));
    const char *until = json_string_value(json_object_get(ev, "until"));
    struct alarm *al = id ? alarms_find(a, id) : NULL;
    int64_t at = 0, end = 0;
    if (al && t && ts && clock_parse_iso(ts, &at) == ST_OK) {
        int n = al->n_shelf_log;
        if (!strcmp(t, "shelved") && until && clock_parse_iso(until, &end) == ST_OK) {
            if (n && al->shelf_log[n - 1][1] > at) al->shelf_log[n - 1][1] = at; /* replaced */
            alarms__shelf_noted(al, at, end);
        } else if (!strcmp(t, "unshelved") && n && al->shelf_log[n - 1][1] > at) {
            al->shelf_log[n - 1][1] = at;
        }
    }
    json_decref(ev);
    return 0;
}

int alarms_restore(struct alarms *a, struct store *s)
{
    int rc =
        store_events_since(s, "alarm", clock_wall_ms() - SHELF_CAP_WINDOW_MS, restore_shelf, a);
    if (rc) return rc;
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
    if (a->flood.active && timers_arm(a->timers, &a->flood_t, flood_next_wake(&a->flood)))
        return ST_ERR_NOMEM;
    return store_alarm_each(s, restore_row, a);
}
