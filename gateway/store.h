/*
 * store.h - the SQLite store: the source of truth for alarms, events, work orders and the outbox.
 *
 * One file in WAL mode with synchronous=FULL. Writes are grouped: the core calls store_begin()
 * when a loop iteration first writes and store_commit() once at the end of the iteration, before
 * anything written in it is published (group commit: one fsync per burst). Every write function
 * below opens the group transaction itself if none is open, so a caller cannot write outside one.
 *
 * The outbox holds every QoS1 message (alarms, events, work orders, command results) until the
 * broker's PUBACK: the uplink reads pending rows, publishes them, and marks each delivered when
 * its PUBACK arrives. After a restart every undelivered row is pending again.
 *
 * Schema versioned in PRAGMA user_version; store_open() migrates forward.
 * Single-threaded: owned by the core. Strings returned through callbacks are borrowed for the
 * call only.
 */
#ifndef STEWARD_STORE_H
#define STEWARD_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

/* Opens (creating if needed) the database at path and migrates its schema. read_only opens an
 * existing file without writing (for `steward status`). Returns 0 and *out, or ST_ERR_DB /
 * ST_ERR_IO (logged with sqlite3_errmsg). */
int store_open(const char *path, int read_only, struct store **out);
void store_close(
    struct store *s); /* commits nothing: an open transaction is rolled back; NULL-safe */

/* Group commit. store_begin is a no-op inside an open transaction; store_commit is a no-op when
 * none is open. store_commit returns ST_ERR_DB on failure (disk full): the transaction is rolled
 * back and the caller must not publish what it wrote. */
int store_begin(struct store *s);
int store_commit(struct store *s);
int store_in_transaction(const struct store *s);

/* Persistent counters (survive restarts; part of the current transaction).
 * store_next_seq: the next value of the per-gateway `seq` (1, 2, 3...).
 * store_next_wo_number: the next work-order number (1, 2, 3...). */
int store_next_seq(struct store *s, int64_t *out);
int store_next_wo_number(struct store *s, int64_t *out);

/* ---- outbox ---- */

/* Queues a message. payload may be empty (len 0: clears a retained topic). *id (may be NULL)
 * receives its row id; ids only grow. */
int store_outbox_add(struct store *s, const char *topic, const void *payload, size_t len, int qos,
                     int retain, int64_t *id);

typedef int (*store_outbox_fn)(void *ctx, int64_t id, const char *topic, const void *payload,
                               size_t len, int qos, int retain);

/* Calls fn for up to limit undelivered rows with id > after_id, in id order. Stops early and
 * returns fn's value if fn returns non-zero. Only committed rows are seen by a caller that has
 * committed; call it after store_commit. */
int store_outbox_pending(struct store *s, int64_t after_id, size_t limit, store_outbox_fn fn,
                         void *ctx);

/* Marks row id delivered (PUBACK received). Delivered rows are deleted. */
int store_outbox_delivered(struct store *s, int64_t id);

/* Number of undelivered rows, or a negative error. */
int64_t store_outbox_count(struct store *s);

/* ---- alarms: the current state of each alarm, for restart and `steward status` ---- */

/* Inserts or replaces the alarm row. json is the full alarm object as published. */
int store_alarm_put(struct store *s, const char *id, const char *state, const char *json);

typedef int (*store_row_fn)(void *ctx, const char *id, const char *state, const char *json);

/* Calls fn for every alarm row (any state), ordered by id. */
int store_alarm_each(struct store *s, store_row_fn fn, void *ctx);

/* ---- work orders ---- */

/* Inserts or replaces the work order. open is 1 until it is closed or cancelled. */
int store_wo_put(struct store *s, const char *id, const char *dedup_key, const char *status,
                 int open, const char *json);

/* Calls fn (state = status) for every open work order, ordered by id. */
int store_wo_each_open(struct store *s, store_row_fn fn, void *ctx);

/* Copies the JSON of work order id into *json (caller frees). ST_ERR_NOTFOUND if none. */
int store_wo_get(struct store *s, const char *id, char **json);

/* ---- events (alarm transitions, escalations, comm faults, restarts) ---- */
int store_event_add(struct store *s, int64_t seq, const char *type, const char *json);

/* ---- devices: last known communication quality, for `steward status` ---- */
int store_device_put(struct store *s, const char *id, const char *quality, int64_t since_ms);
int store_device_each(struct store *s, store_row_fn fn, void *ctx); /* json = since, ISO */

#endif
