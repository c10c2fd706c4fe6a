/*
 * store_impl.h - the inside of the store, shared by its two halves only: store.c (opening,
 * schema, reads) and store_write.c (writes, group commit, holding changes after a failed write).
 * Nothing outside gateway/store*.c includes this.
 */
#ifndef STEWARD_STORE_IMPL_H
#define STEWARD_STORE_IMPL_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

enum stmt_id {
    S_COUNTER_GET,
    S_COUNTER_SET,
    S_OUTBOX_ADD,
    S_OUTBOX_LAST,
    S_OUTBOX_PENDING,
    S_OUTBOX_DELIVERED,
    S_OUTBOX_COUNT,
    S_ALARM_PUT,
    S_ALARM_EACH,
    S_WO_PUT,
    S_WO_EACH_OPEN,
    S_WO_GET,
    S_EVENT_ADD,
    S_EVENT_LAST,
    S_TRIM_EVENTS,
    S_TRIM_WOS,
    S_USED_PAGES,
    S_DEVICE_PUT,
    S_DEVICE_EACH,
    S_JTI_GET,
    S_JTI_PUT,
    S_JTI_EXPIRE,
    S_EVENTS_SINCE,
    S_COUNT
};

extern const char *const store_stmt_sql[S_COUNT];

/*
 * A change of the open group, kept (with its own copies of every argument) until the group
 * commits, so that it can be written again if the commit fails (see store_commit in store.h).
 * Each kind is one write statement; op_exec in store_write.c lists the fields each one uses.
 */
enum op_kind {
    OP_COUNTER,
    OP_OUTBOX_ADD,
    OP_OUTBOX_DELIVERED,
    OP_ALARM_PUT,
    OP_WO_PUT,
    OP_EVENT_ADD,
    OP_DEVICE_PUT,
    OP_TRIM_EVENTS, /* the n oldest events */
    OP_TRIM_WOS,    /* the n closed or cancelled work orders updated longest ago */
    OP_JTI_PUT,     /* a signed command's jti, seen at n */
    OP_JTI_EXPIRE   /* the jtis seen before n */
};

struct op {
    enum op_kind kind;
    int64_t n;     /* counter value, outbox row id, event seq, device since_ms */
    int64_t at_ms; /* wall time of the change: created_ms, updated_ms, ts_ms */
    int i[2];      /* outbox qos and retain; work order open */
    char *t[4];    /* texts, owned */
    void *blob;    /* outbox payload, owned */
    size_t len;
};

enum counter { C_SEQ, C_WO, C_COUNT };
#define STORE_LATENCY_RING 256
extern const char *const store_counter_name[C_COUNT];

struct store {
    sqlite3 *db;
    sqlite3_stmt *st[S_COUNT];
    int read_only;
    int in_txn;
    int failing;                /* a write failed: every change since is held in ops */
    int64_t retry_at;           /* monotonic ms of the next attempt while failing */
    int64_t next_report;        /* monotonic ms: "still failing" is logged at most once a minute */
    int64_t counter[C_COUNT];   /* last value handed out; ahead of the file while failing */
    int counter_dirty[C_COUNT]; /* handed out since the last commit: written once at the commit */
    int64_t outbox_last;        /* the last outbox id handed out (ids only grow) */
    uint64_t commits;           /* transactions committed since open */
    uint64_t pages;             /* pages those commits appended to the WAL */
    int wal_pages;              /* pages in the WAL after the last commit (wal hook) */
    int64_t commit_us[STORE_LATENCY_RING]; /* the latest commits' durations, for P/metrics */
    size_t n_commit_us;
    struct op *ops; /* the changes not yet committed, in order */
    size_t n_ops, cap_ops;
    size_t n_durable;   /* of those, the ones that are not just deliveries (PUBACKs) */
    int64_t lazy_since; /* monotonic ms of the first delivery not yet committed, or 0 */
};

/* Logs "store: what: sqlite's message" (at debug level while failing) and returns ST_ERR_DB. */
int store_db_fail(struct store *s, const char *what);
/* Runs sql outside any prepared statement; logs and returns ST_ERR_DB on failure. */
int store_exec(struct store *s, const char *sql, const char *what);
/* Frees every recorded change (store_write.c). */
void store_ops_clear(struct store *s);

#endif
