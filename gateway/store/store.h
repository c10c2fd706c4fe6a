/*
 * store.h - the SQLite store: the source of truth for alarms, events, work orders and the outbox.
 *
 * One file in WAL mode with synchronous=FULL. Writes are grouped: the first write of a loop
 * iteration opens a transaction, and the core calls store_commit() once at the end of the
 * iteration, before anything written in it is published (group commit: one fsync per burst).
 * A caller cannot write outside a group. A failed write loses nothing: see store_commit.
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

/*
 * Group commit. The first write of a group opens a transaction; store_commit() commits it (one
 * fsync) and returns ST_OK, or, when there is nothing to commit, does nothing.
 *
 * When a write fails (disk full, I/O error, a file size limit), the group is rolled back, but
 * nothing is lost while the process lives: every change of the group was recorded in memory, in
 * order, with copies of its arguments, and from then on the store is *failing*: later writes are
 * recorded but not executed, and store_commit() writes all held changes again in one transaction
 * once store_retry_at() has passed, returning ST_ERR_DB until that succeeds. Since nothing
 * uncommitted is in the outbox, nothing of it is published meanwhile; the core keeps running
 * (alarms keep their state in memory) and the held changes are committed, then published, as soon
 * as the disk takes them. Counters (seq, work-order numbers) are kept in memory, so numbers
 * handed out while failing are written with the changes that use them.
 */
int store_commit(struct store *s);
/* Changes held at most (some 6000 alarm transitions, tens of MB); past it a write fails with
 * ST_ERR_NOMEM. A healthy group that grows this large is committed early instead, in parts. */
#define STORE_HELD_MAX 65536
/* Like store_commit, but retries held changes now, whatever store_retry_at says (shutdown). */
int store_flush(struct store *s);
/* 1: durable changes not yet committed (open or held). Deliveries (store_outbox_delivered)
 * alone do not count: losing one costs a duplicate, not an alarm, so they wait for the next
 * commit, or STORE_LAZY_MS at most (store_lazy_since), instead of costing an fsync each. */
int store_pending(const struct store *s);
#define STORE_LAZY_MS 1000
/* Monotonic ms since which deliveries wait uncommitted, or 0 when none does. */
int64_t store_lazy_since(const struct store *s);
int store_failing(const struct store *s);      /* 1: changes are held after a failed write */
int64_t store_retry_at(const struct store *s); /* monotonic ms of the next retry; 0 if none */
/* Transactions committed since open, and the pages they appended to the WAL (what a commit
 * costs the disk); also logged when the store closes. */
void store_stats(const struct store *s, uint64_t *commits, uint64_t *pages);
/* The median and 99th percentile of the latest 256 commits' durations, in microseconds. */
void store_commit_latency(const struct store *s, int64_t *p50_us, int64_t *p99_us);
/* Bytes of the database in use (pages not on the free list). */
int64_t store_size(struct store *s);

/* Persistent counters (survive restarts; part of the current transaction).
 * store_next_seq: the next value of the per-gateway `seq` (1, 2, 3...).
 * store_next_wo_number: the next work-order number (1, 2, 3...). */
int store_next_seq(struct store *s, int64_t *out);
int store_next_wo_number(struct store *s, int64_t *out);

/* Named marks (e.g. "maintenance:ID" = the last occurrence raised), in the counters table.
 * store_mark_get reads the committed value (0 when none); store_mark_put writes in the group. */
int store_mark_get(struct store *s, const char *name, int64_t *out);
int store_mark_put(struct store *s, const char *name, int64_t value);
/* Calls fn(ctx, name, value) for every mark whose name starts with prefix, in name order, until fn
 * returns non-zero (returned). name is borrowed for the call. Returns 0, fn's value or an st_err.
 */
typedef int (*store_mark_fn)(void *ctx, const char *name, int64_t value);
int store_mark_each(struct store *s, const char *prefix, store_mark_fn fn, void *ctx);

/*
 * Keeps the file within max_bytes (storage.max_size) of pages in use: when over, removes the
 * oldest history, events first, then work orders closed longest ago, down to 90 % of it, inside
 * the current group. Alarms, open work orders and the outbox are never removed, so the file can
 * stay over when they alone exceed it (logged). Freed pages are reused by later writes. Does
 * nothing while failing. Returns 0 or ST_ERR_NOMEM.
 */
int store_trim(struct store *s, int64_t max_bytes);

/* ---- outbox ---- */

/* Queues a message. payload may be empty (len 0: clears a retained topic). *id (may be NULL)
 * receives its row id: ids only grow while the process runs (the next after the largest in the
 * file at open), held changes included. */
int store_outbox_add(struct store *s, const char *topic, const void *payload, size_t len, int qos,
                     int retain, int64_t *id);

typedef int (*store_outbox_fn)(void *ctx, int64_t id, const char *topic, const void *payload,
                               size_t len, int qos, int retain);

/* Calls fn for up to limit undelivered rows with id > after_id, in id order. Stops early and
 * returns fn's value if fn returns non-zero. Only committed rows are seen by a caller that has
 * committed; call it after store_commit. */
int store_outbox_pending(struct store *s, int64_t after_id, size_t limit, store_outbox_fn fn,
                         void *ctx);

/* Marks row id delivered (PUBACK received). Delivered rows are deleted. While the store is
 * failing this is not held (only alarms and work orders are worth the memory): the row stays and
 * is published again later, which at-least-once delivery allows. */
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
/* Copies the JSON of the latest committed event of this type into *json (caller frees).
 * ST_ERR_NOTFOUND if none. */
int store_event_last(struct store *s, const char *type, char **json);

/* Calls fn(ctx, seq, json) for every committed event of this type since since_ms (wall), in seq
 * order; stops early and returns fn's value if it returns non-zero. */
typedef int (*store_event_fn)(void *ctx, int64_t seq, const char *json);
int store_events_since(struct store *s, const char *type, int64_t since_ms, store_event_fn fn,
                       void *ctx);

/* ---- signed commands: each jti is accepted once (remembered for the acceptance window) ---- */
int store_jti_seen(struct store *s, const char *jti, int *seen); /* committed or in the group */
int store_jti_put(struct store *s, const char *jti, int64_t seen_ms);
int store_jti_expire(struct store *s, int64_t before_ms); /* forgets those seen before */

/* ---- devices: last known communication quality, for `steward status` ---- */
int store_device_put(struct store *s, const char *id, const char *quality, int64_t since_ms);
int store_device_each(struct store *s, store_row_fn fn, void *ctx); /* json = since, ISO */

#endif
