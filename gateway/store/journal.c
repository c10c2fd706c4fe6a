/* journal.c - see journal.h. */
#include "gateway/store/journal.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Topics are bounded: a prefix of a few dozen characters plus ids of at most 64. */
#define TOPIC_MAX 512

static int topic_of(const struct journal *j, const char *suffix, char *buf)
{
    int n = snprintf(buf, TOPIC_MAX, "%s/%s", j->prefix, suffix);
    return (n < 0 || n >= TOPIC_MAX) ? ST_ERR_TOOBIG : ST_OK;
}

/* The document's part: seq, one serialisation, its row and its outbox entry. */
static int record_doc(struct journal *j, const struct journal_change *c)
{
    char topic[TOPIC_MAX];
    int64_t seq;
    int rc = topic_of(j, c->topic, topic);
    if (rc == ST_OK) rc = store_next_seq(j->store, &seq);
    if (rc) return rc;
    json_object_set_new(c->doc, "seq", json_integer(seq));
    /* 15 significant digits: a reading rounded to its resolution stays 135.2, not
     * 135.19999999999999 (jansson's default is 17). */
    char *text = json_dumps(c->doc, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (!text) return ST_ERR_NOMEM;
    size_t len = strlen(text);
    if (c->row == JOURNAL_ROW_ALARM)
        rc = store_alarm_put(j->store, c->id, c->state, text);
    else if (c->row == JOURNAL_ROW_WORKORDER)
        rc = store_wo_put(j->store, c->id, c->key, c->state, c->open, text);
    if (rc == ST_OK) rc = store_outbox_add(j->store, topic, text, len, 1, c->retain, NULL);
    free(text);
    if (rc == ST_OK && c->clear_retained) rc = store_outbox_add(j->store, topic, "", 0, 1, 1, NULL);
    return rc;
}

/* The event's part: type, seq and time, one serialisation, the events row and the outbox. */
static int record_event(struct journal *j, const char *type, json_t *ev)
{
    char topic[TOPIC_MAX];
    int64_t seq;
    int rc = topic_of(j, "events", topic);
    if (rc == ST_OK) rc = store_next_seq(j->store, &seq);
    if (rc) return rc;
    json_object_set_new(ev, "type", json_string(type));
    json_object_set_new(ev, "seq", json_integer(seq));
    journal_set_time(ev, "ts", clock_wall_ms());
    char *text = json_dumps(ev, JSON_COMPACT | JSON_REAL_PRECISION(15));
    if (!text) return ST_ERR_NOMEM;
    rc = store_event_add(j->store, seq, type, text);
    if (rc == ST_OK) rc = store_outbox_add(j->store, topic, text, strlen(text), 1, 0, NULL);
    free(text);
    return rc;
}

int journal_record(struct journal *j, const struct journal_change *c)
{
    int rc = ST_OK;
    if (c->topic && c->doc) rc = record_doc(j, c);
    if (rc == ST_OK && c->event_type && c->event) rc = record_event(j, c->event_type, c->event);
    return rc;
}

int journal_event(struct journal *j, const char *type, json_t *event)
{
    struct journal_change c = {.event_type = type, .event = event};
    return journal_record(j, &c);
}

int journal_mark(struct journal *j, const char *name, int64_t value)
{
    return store_mark_put(j->store, name, value);
}

int journal_device(struct journal *j, const char *id, const char *quality, int64_t since_ms)
{
    return store_device_put(j->store, id, quality, since_ms);
}

int journal_jti(struct journal *j, const char *jti, int64_t seen_ms, int64_t forget_before)
{
    int rc = store_jti_expire(j->store, forget_before);
    return rc ? rc : store_jti_put(j->store, jti, seen_ms);
}

void journal_set_time(json_t *obj, const char *key, int64_t wall_ms)
{
    char buf[CLOCK_ISO_LEN];
    if (wall_ms == 0)
        json_object_set_new(obj, key, json_null());
    else
        json_object_set_new(obj, key, json_string(clock_iso(wall_ms, buf)));
}
