/*
 * store_write.c - see store.h: every write, the group transaction, and the changes held in
 * memory after a failed write (disk full, I/O error) until the disk takes them again.
 */
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/store/store.h"
#include "gateway/store/store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STORE_TRIM_BATCH 500 /* rows removed per statement when over max_size */
#define STORE_TRIM_ROUNDS 20 /* statements per kind per call */
#define STORE_RETRY_MS 1000  /* while failing, the held changes are written again this often */
/* The ops array doubles from 64, so it reaches exactly STORE_HELD_MAX only if that is 64 * 2^k. */
_Static_assert(STORE_HELD_MAX >= 64 && (STORE_HELD_MAX & (STORE_HELD_MAX - 1)) == 0,
               "STORE_HELD_MAX must be a power of two");

static void op_free(struct op *o)
{
    for (int k = 0; k < 4; k++)
        free(o->t[k]);
    free(o->blob);
}

void store_ops_clear(struct store *s)
{
    for (size_t i = 0; i < s->n_ops; i++)
        op_free(&s->ops[i]);
    s->n_ops = 0;
    s->n_durable = 0;
    s->lazy_since = 0;
}

static int txn_begin(struct store *s)
{
    if (s->in_txn) return ST_OK;
    int rc = store_exec(s, "BEGIN IMMEDIATE", "starting a transaction");
    if (rc == ST_OK) s->in_txn = 1;
    return rc;
}

static void txn_abort(struct store *s)
{
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_txn = 0;
}

/* Executes one change inside the open transaction. */
static int op_exec(struct store *s, const struct op *o)
{
    static const char *const what[] = {
        [OP_COUNTER] = "incrementing a counter",
        [OP_OUTBOX_ADD] = "queueing a message",
        [OP_OUTBOX_DELIVERED] = "marking a message delivered",
        [OP_ALARM_PUT] = "recording an alarm",
        [OP_WO_PUT] = "recording a work order",
        [OP_EVENT_ADD] = "recording an event",
        [OP_DEVICE_PUT] = "recording a device state",
        [OP_TRIM_EVENTS] = "removing old events",
        [OP_TRIM_WOS] = "removing old closed work orders",
        [OP_JTI_PUT] = "recording a signed command's jti",
        [OP_JTI_EXPIRE] = "forgetting old jtis",
    };
    sqlite3_stmt *st = NULL;
    switch (o->kind) {
    case OP_COUNTER: /* name, value */
        st = s->st[S_COUNTER_SET];
        sqlite3_bind_text(st, 1, o->t[0], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, o->n);
        break;
    case OP_OUTBOX_ADD: /* id, topic, payload, qos, retain, created_ms */
        st = s->st[S_OUTBOX_ADD];
        sqlite3_bind_int64(st, 1, o->n);
        sqlite3_bind_text(st, 2, o->t[0], -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, o->len ? o->blob : "", (int)o->len, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, o->i[0]);
        sqlite3_bind_int(st, 5, o->i[1]);
        sqlite3_bind_int64(st, 6, o->at_ms);
        break;
    case OP_OUTBOX_DELIVERED: /* row id */
    case OP_TRIM_EVENTS:      /* how many */
    case OP_TRIM_WOS:         /* how many */
        st = s->st[o->kind == OP_OUTBOX_DELIVERED ? S_OUTBOX_DELIVERED
                   : o->kind == OP_TRIM_EVENTS    ? S_TRIM_EVENTS
                                                  : S_TRIM_WOS];
        sqlite3_bind_int64(st, 1, o->n);
        break;
    case OP_ALARM_PUT: /* id, state, json, updated_ms */
        st = s->st[S_ALARM_PUT];
        for (int k = 0; k < 3; k++)
            sqlite3_bind_text(st, k + 1, o->t[k], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, o->at_ms);
        break;
    case OP_WO_PUT: /* id, dedup_key, status, open, json, updated_ms */
        st = s->st[S_WO_PUT];
        for (int k = 0; k < 3; k++)
            sqlite3_bind_text(st, k + 1, o->t[k], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, o->i[0]);
        sqlite3_bind_text(st, 5, o->t[3], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, o->at_ms);
        break;
    case OP_EVENT_ADD: /* seq, type, json, ts_ms */
        st = s->st[S_EVENT_ADD];
        sqlite3_bind_int64(st, 1, o->n);
        sqlite3_bind_text(st, 2, o->t[0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, o->t[1], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, o->at_ms);
        break;
    case OP_JTI_PUT: /* jti, seen_ms */
        st = s->st[S_JTI_PUT];
        sqlite3_bind_text(st, 1, o->t[0], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, o->n);
        break;
    case OP_JTI_EXPIRE: /* before */
        st = s->st[S_JTI_EXPIRE];
        sqlite3_bind_int64(st, 1, o->n);
        break;
    case OP_DEVICE_PUT: /* id, quality, since_ms */
        st = s->st[S_DEVICE_PUT];
        sqlite3_bind_text(st, 1, o->t[0], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, o->t[1], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, o->n);
        break;
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE) return store_db_fail(s, what[o->kind]);
    return ST_OK;
}

/* The group could not be written: roll it back and hold its changes for store_commit's retry. */
static void hold(struct store *s, const char *what)
{
    char err[200];
    snprintf(err, sizeof(err), "%s", sqlite3_errmsg(s->db));
    txn_abort(s);
    int64_t now = clock_mono_ms();
    s->retry_at = now + STORE_RETRY_MS;
    if (s->failing) return;
    s->failing = 1;
    s->next_report = now + 60000;
    log_msg(LOG_ERROR,
            "store: %s failed (%s; disk full?): holding %zu changes in memory and retrying every "
            "%d s; nothing new is published until they are written",
            what, err, s->n_ops, STORE_RETRY_MS / 1000);
}

/*
 * Records a change, taking ownership of o's allocations, and writes it now unless the store is
 * holding changes after a failure (then it waits for the retry, in order behind them).
 */
static int write_op(struct store *s, struct op *o)
{
    if (s->read_only) {
        op_free(o);
        return ST_ERR_STATE;
    }
    /* A healthy group this large (a burst) is committed early rather than refused: nothing of it
     * has been published yet, so splitting it keeps committed-before-published. */
    if (s->n_ops == s->cap_ops && s->cap_ops >= STORE_HELD_MAX && !s->failing) store_commit(s);
    if (s->n_ops == s->cap_ops) {
        size_t cap = s->cap_ops ? s->cap_ops * 2 : 64;
        struct op *v = cap <= STORE_HELD_MAX ? realloc(s->ops, cap * sizeof(*v)) : NULL;
        if (!v) {
            log_msg(LOG_ERROR, "store: cannot hold more than %zu unwritten changes", s->n_ops);
            op_free(o);
            return ST_ERR_NOMEM;
        }
        s->ops = v;
        s->cap_ops = cap;
    }
    s->ops[s->n_ops++] = *o;
    if (o->kind != OP_OUTBOX_DELIVERED)
        s->n_durable++;
    else if (!s->lazy_since)
        s->lazy_since = clock_mono_ms();
    if (s->failing) return ST_OK;
    int rc = txn_begin(s);
    if (rc == ST_OK) rc = op_exec(s, &s->ops[s->n_ops - 1]);
    if (rc != ST_OK) hold(s, "a write");
    return ST_OK;
}

/* Writes every held change again, in order, in one transaction. */
static int retry(struct store *s)
{
    int rc = store_exec(s, "BEGIN IMMEDIATE", "starting a transaction");
    for (size_t i = 0; rc == ST_OK && i < s->n_ops; i++)
        rc = op_exec(s, &s->ops[i]);
    if (rc == ST_OK && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = store_db_fail(s, "commit");
    int64_t now = clock_mono_ms();
    if (rc != ST_OK) {
        char err[200];
        snprintf(err, sizeof(err), "%s", sqlite3_errmsg(s->db));
        txn_abort(s);
        s->retry_at = now + STORE_RETRY_MS;
        if (now >= s->next_report) {
            s->next_report = now + 60000;
            log_msg(LOG_ERROR, "store: still cannot write (%s): %zu changes held in memory", err,
                    s->n_ops);
        }
        return ST_ERR_DB;
    }
    log_msg(LOG_INFO, "store: writable again: %zu held changes committed", s->n_ops);
    s->in_txn = 0;
    s->failing = 0;
    store_ops_clear(s);
    return ST_OK;
}

static int op_text(struct op *o, int k, const char *v);
static int64_t used_bytes(struct store *s);

/*
 * Records the counters handed out since the last commit, as the last changes of the group: one
 * row each per commit rather than one per number, so a burst of raises writes them once. A
 * counter moved while failing is recorded with the held changes that use its numbers.
 */
static int write_counters(struct store *s)
{
    for (int k = 0; k < C_COUNT; k++) {
        if (!s->counter_dirty[k]) continue;
        struct op o = {.kind = OP_COUNTER, .n = s->counter[k]};
        int rc = op_text(&o, 0, store_counter_name[k]);
        if (rc == ST_OK) rc = write_op(s, &o);
        if (rc) return rc;
        s->counter_dirty[k] = 0;
    }
    return ST_OK;
}

int store_commit(struct store *s)
{
    if (s->read_only) return ST_ERR_STATE;
    int crc = write_counters(s);
    if (crc) return crc;
    if (s->failing) return clock_mono_ms() >= s->retry_at ? retry(s) : ST_ERR_DB;
    if (!s->in_txn) return ST_OK;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        store_db_fail(s, "commit");
        hold(s, "a commit");
        return ST_ERR_DB;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    s->commit_us[s->n_commit_us++ % STORE_LATENCY_RING] =
        (int64_t)(t1.tv_sec - t0.tv_sec) * 1000000 + (t1.tv_nsec - t0.tv_nsec) / 1000;
    s->in_txn = 0;
    store_ops_clear(s);
    return ST_OK;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

void store_commit_latency(const struct store *s, int64_t *p50_us, int64_t *p99_us)
{
    size_t n = s->n_commit_us < STORE_LATENCY_RING ? s->n_commit_us : STORE_LATENCY_RING;
    int64_t v[STORE_LATENCY_RING];
    memcpy(v, s->commit_us, n * sizeof(*v));
    qsort(v, n, sizeof(*v), cmp64);
    *p50_us = n ? v[n / 2] : 0;
    *p99_us = n ? v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] : 0;
}

int64_t store_size(struct store *s)
{
    return used_bytes(s);
}

int store_flush(struct store *s)
{
    if (s->read_only) return ST_ERR_STATE;
    int crc = write_counters(s);
    if (crc) return crc;
    return s->failing ? retry(s) : store_commit(s);
}

int store_pending(const struct store *s)
{
    for (int k = 0; k < C_COUNT; k++)
        if (s->counter_dirty[k]) return 1;
    return s->n_durable > 0;
}

int64_t store_lazy_since(const struct store *s)
{
    return s->n_ops > s->n_durable ? s->lazy_since : 0;
}

void store_stats(const struct store *s, uint64_t *commits, uint64_t *pages)
{
    *commits = s->commits;
    *pages = s->pages;
}

int store_failing(const struct store *s)
{
    return s->failing;
}

int64_t store_retry_at(const struct store *s)
{
    return s->failing ? s->retry_at : 0;
}

/* Duplicates v into o->t[k] (NULL stays NULL). */
static int op_text(struct op *o, int k, const char *v)
{
    if (!v) return ST_OK;
    o->t[k] = strdup(v);
    if (o->t[k]) return ST_OK;
    op_free(o);
    return ST_ERR_NOMEM;
}

/* A counter moves in memory; its row is written once, by the commit (write_counters). */
static int counter_next(struct store *s, enum counter k, int64_t *out)
{
    if (s->read_only) return ST_ERR_STATE;
    *out = ++s->counter[k];
    s->counter_dirty[k] = 1;
    return ST_OK;
}

int store_mark_put(struct store *s, const char *name, int64_t value)
{
    struct op o = {.kind = OP_COUNTER, .n = value};
    int rc = op_text(&o, 0, name);
    return rc ? rc : write_op(s, &o);
}

int store_next_seq(struct store *s, int64_t *out)
{
    return counter_next(s, C_SEQ, out);
}

int store_next_wo_number(struct store *s, int64_t *out)
{
    return counter_next(s, C_WO, out);
}

int store_outbox_add(struct store *s, const char *topic, const void *payload, size_t len, int qos,
                     int retain, int64_t *id)
{
    struct op o = {.kind = OP_OUTBOX_ADD,
                   .n = s->outbox_last + 1,
                   .at_ms = clock_wall_ms(),
                   .i = {qos, retain != 0}};
    int rc = op_text(&o, 0, topic);
    if (rc) return rc;
    if (len) {
        if (!(o.blob = malloc(len))) {
            op_free(&o);
            return ST_ERR_NOMEM;
        }
        memcpy(o.blob, payload, len);
        o.len = len;
    }
    int64_t n = o.n;
    rc = write_op(s, &o);
    if (rc == ST_OK) s->outbox_last = n;
    if (id) *id = rc == ST_OK ? n : 0;
    return rc;
}

int store_outbox_delivered(struct store *s, int64_t id)
{
    if (s->failing) return ST_OK; /* a duplicate later rather than memory held now */
    struct op o = {.kind = OP_OUTBOX_DELIVERED, .n = id};
    return write_op(s, &o);
}

int store_alarm_put(struct store *s, const char *id, const char *state, const char *json)
{
    struct op o = {.kind = OP_ALARM_PUT, .at_ms = clock_wall_ms()};
    int rc;
    if ((rc = op_text(&o, 0, id)) || (rc = op_text(&o, 1, state)) || (rc = op_text(&o, 2, json)))
        return rc;
    return write_op(s, &o);
}

int store_wo_put(struct store *s, const char *id, const char *dedup_key, const char *status,
                 int open, const char *json)
{
    struct op o = {.kind = OP_WO_PUT, .at_ms = clock_wall_ms(), .i = {open != 0, 0}};
    int rc;
    if ((rc = op_text(&o, 0, id)) || (rc = op_text(&o, 1, dedup_key)) ||
        (rc = op_text(&o, 2, status)) || (rc = op_text(&o, 3, json)))
        return rc;
    return write_op(s, &o);
}

int store_event_add(struct store *s, int64_t seq, const char *type, const char *json)
{
    struct op o = {.kind = OP_EVENT_ADD, .n = seq, .at_ms = clock_wall_ms()};
    int rc;
    if ((rc = op_text(&o, 0, type)) || (rc = op_text(&o, 1, json))) return rc;
    return write_op(s, &o);
}

int store_device_put(struct store *s, const char *id, const char *quality, int64_t since_ms)
{
    struct op o = {.kind = OP_DEVICE_PUT, .n = since_ms};
    int rc;
    if ((rc = op_text(&o, 0, id)) || (rc = op_text(&o, 1, quality))) return rc;
    return write_op(s, &o);
}

int store_jti_put(struct store *s, const char *jti, int64_t seen_ms)
{
    struct op o = {.kind = OP_JTI_PUT, .n = seen_ms};
    int rc = op_text(&o, 0, jti);
    return rc ? rc : write_op(s, &o);
}

int store_jti_expire(struct store *s, int64_t before_ms)
{
    struct op o = {.kind = OP_JTI_EXPIRE, .n = before_ms};
    return write_op(s, &o);
}

/* Bytes of the file in use (pages not on the free list), as this connection sees it. */
static int64_t used_bytes(struct store *s)
{
    sqlite3_stmt *st = s->st[S_USED_PAGES];
    int64_t used = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        used = sqlite3_column_int64(st, 0) * sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return used;
}

int store_trim(struct store *s, int64_t max_bytes)
{
    if (s->read_only || s->failing || max_bytes <= 0) return ST_OK;
    int64_t used = used_bytes(s), target = max_bytes / 10 * 9;
    if (used < 0 || used <= max_bytes) return ST_OK;
    int64_t events = 0, wos = 0;
    /* History first: the oldest events, then the work orders closed longest ago. Alarms, open
     * work orders and the outbox are never removed. */
    for (int kind = OP_TRIM_EVENTS; kind <= OP_TRIM_WOS && used > target; kind++) {
        /* At most STORE_TRIM_ROUNDS batches per call: an oversized file is brought down over a
         * few minutes rather than in one long transaction that holds up the loop. */
        for (int round = 0; round < STORE_TRIM_ROUNDS && used > target; round++) {
            int64_t before = sqlite3_total_changes64(s->db);
            struct op o = {.kind = (enum op_kind)kind, .n = STORE_TRIM_BATCH};
            int rc = write_op(s, &o);
            if (rc) return rc;
            int64_t gone = sqlite3_total_changes64(s->db) - before;
            if (s->failing || gone <= 0) break;
            *(kind == OP_TRIM_EVENTS ? &events : &wos) += gone;
            used = used_bytes(s);
        }
    }
    log_msg(used > max_bytes ? LOG_WARN : LOG_INFO,
            "store: over storage.max_size (%lld bytes): removed the %lld oldest events and %lld "
            "closed work orders; %lld bytes in use%s",
            (long long)max_bytes, (long long)events, (long long)wos, (long long)used,
            used > max_bytes ? " (alarms, open work orders and the outbox are never removed)" : "");
    return ST_OK;
}
