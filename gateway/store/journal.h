/*
 * journal.h - the one write path: every change the gateway makes durable goes through here.
 *
 * A change (an alarm transition, a work-order update, a command result, an event) is recorded by
 * one call, journal_record: its document gets the next `seq` and is serialised once; that one
 * text is written as the row that keeps the current state (the alarm or work-order table) and as
 * the outbox entry that publishes it (PREFIX/topic, QoS 1); its event, if it has one, gets its own
 * seq and time, is serialised once, and is written to the events table and the outbox. All of it
 * lands in the caller's group transaction: nothing is published here; the uplink publishes
 * outbox rows only after the loop has committed them (committed before published).
 *
 * Two small writes that publish nothing also come here, so that no other module writes the
 * store: named marks (the maintenance calendar's last occurrence) and device states (for
 * `steward status`).
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

/* Which table keeps a change's document as the current state of its object. */
enum journal_row { JOURNAL_ROW_NONE = 0, JOURNAL_ROW_ALARM, JOURNAL_ROW_WORKORDER };

/* One change. Every pointer is borrowed for the call; doc and event are modified (seq...). */
struct journal_change {
    const char *topic;  /* published on PREFIX/topic; NULL: the change is its event alone */
    json_t *doc;        /* the document; its "seq" is set here */
    int retain;         /* published retained (alarm states, open work orders) */
    int clear_retained; /* then an empty retained message clears it (a closed work order) */
    enum journal_row row;
    const char *id;         /* the row: alarm or work-order id */
    const char *state;      /* alarm state, or work-order status */
    const char *key;        /* work orders: the dedup key */
    int open;               /* work orders: 1 until closed or cancelled */
    const char *event_type; /* "alarm", "workorder", "escalation"...; NULL: no event */
    json_t *event;          /* the event's body; "type", "seq" and "ts" are set here */
};

/*
 * Records c in the current group. Returns 0 or a negative st_err (ST_ERR_NOMEM, ST_ERR_TOOBIG
 * for a topic over its bound, or the store's error): the group must then not be published.
 */
int journal_record(struct journal *j, const struct journal_change *c);

/* Records an event alone: journal_record with only event_type and event. */
int journal_event(struct journal *j, const char *type, json_t *event);

/* A named mark (store_mark_put), a device's communication state (store_device_put), and a signed
 * command's jti (store_jti_put): writes that publish nothing. */
int journal_mark(struct journal *j, const char *name, int64_t value);
int journal_device(struct journal *j, const char *id, const char *quality, int64_t since_ms);
/* journal_jti also forgets the jtis seen before forget_before (they are outside the window). */
int journal_jti(struct journal *j, const char *jti, int64_t seen_ms, int64_t forget_before);

/* Sets obj[key] to the ISO-8601 form of wall_ms (or null when wall_ms is 0). */
void journal_set_time(json_t *obj, const char *key, int64_t wall_ms);

#endif
