/* journal.c - see journal.h. */
#include "gateway/store/journal.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
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

static int enqueue(struct journal *j, const char *suffix, const json_t *obj, int retain)
{
    char topic[TOPIC_MAX];
    int rc = topic_of(j, suffix, topic);
    if (rc) return rc;
    char *text = json_dumps(obj, JSON_COMPACT);
    if (!text) return ST_ERR_NOMEM;
    rc = store_outbox_add(j->store, topic, text, strlen(text), 1, retain, NULL);
    free(text);
    return rc;
}

int journal_publish(struct journal *j, const char *suffix, json_t *obj, int retain,
                    int64_t *seq_out)
{
    int64_t seq;
    int rc = store_next_seq(j->store, &seq);
    if (rc) return rc;
    json_object_set_new(obj, "seq", json_integer(seq));
    rc = enqueue(j, suffix, obj, retain);
    if (rc == ST_OK && seq_out) *seq_out = seq;
    return rc;
}

int journal_event(struct journal *j, const char *type, json_t *obj)
{
    int64_t seq;
    int rc = store_next_seq(j->store, &seq);
    if (rc) return rc;
    json_object_set_new(obj, "type", json_string(type));
    json_object_set_new(obj, "seq", json_integer(seq));
    journal_set_time(obj, "ts", clock_wall_ms());
    char *text = json_dumps(obj, JSON_COMPACT);
    if (!text) return ST_ERR_NOMEM;
    rc = store_event_add(j->store, seq, type, text);
    free(text);
    if (rc) return rc;
    return enqueue(j, "events", obj, 0);
}

int journal_clear_retained(struct journal *j, const char *suffix)
{
    char topic[TOPIC_MAX];
    int rc = topic_of(j, suffix, topic);
    if (rc) return rc;
    return store_outbox_add(j->store, topic, "", 0, 1, 1, NULL);
}

void journal_set_time(json_t *obj, const char *key, int64_t wall_ms)
{
    char buf[CLOCK_ISO_LEN];
    if (wall_ms == 0)
        json_object_set_new(obj, key, json_null());
    else
        json_object_set_new(obj, key, json_string(clock_iso(wall_ms, buf)));
}
