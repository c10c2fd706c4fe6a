/*
 * journal.h - records a change durably and queues its publication.
 *
 * Every QoS1 message Steward sends upstream (alarm states, events, work orders, command results)
 * goes through here: the message gets the next `seq`, and is written to the store's outbox inside
 * the current group transaction. Nothing is published here: the uplink publishes outbox rows only
 * after the loop has committed them (DESIGN.md section 1: committed before published).
 *
 * Borrows the store and the topic prefix for its lifetime.
 */
#ifndef STEWARD_JOURNAL_H
#define STEWARD_JOURNAL_H

#include <jansson.h>
#include <stdint.h>

struct store;

struct journal {
    struct store *store;
    const char *prefix; /* topic_prefix, borrowed */
};

/*
 * Sets obj["seq"] to the next seq, and queues obj as a QoS1 message on PREFIX/suffix.
 * obj is borrowed (modified: seq is set). *seq_out (may be NULL) receives the seq.
 * Returns 0 or a negative st_err.
 */
int journal_publish(struct journal *j, const char *suffix, json_t *obj, int retain,
                    int64_t *seq_out);

/*
 * Records an event: sets obj["type"], obj["seq"], obj["ts"] (now), stores it in the events table
 * and queues it on PREFIX/events. obj is borrowed.
 */
int journal_event(struct journal *j, const char *type, json_t *obj);

/* Queues an empty retained message on PREFIX/suffix, clearing the retained copy. */
int journal_clear_retained(struct journal *j, const char *suffix);

/* Sets obj[key] to the ISO-8601 form of wall_ms (or null when wall_ms is 0). */
void journal_set_time(json_t *obj, const char *key, int64_t wall_ms);

#endif
