/* store.c - see store.h: opening, the schema and its migrations, and reads. Writes are in
 * store_write.c. Every statement is prepared once at open and reused. */
#include "gateway/store/store.h"
#include "gateway/store/store_impl.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SCHEMA_VERSION 2

/*
 * Version 2 is shaped for the pages a raise writes (each commit appends every page it dirtied
 * to the WAL): tables keyed by text are WITHOUT ROWID, so a row lives in one b-tree instead of
 * a table plus its automatic index; the outbox has no AUTOINCREMENT (whose sqlite_sequence row
 * is one more page per commit: ids come from a counter in memory, see store_outbox_add); and the
 * work orders have no index on `open` (the open ones are read at start only).
 */
static const char schema_v2[] =
    "CREATE TABLE IF NOT EXISTS counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL)"
    "  WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY, topic TEXT NOT NULL,"
    "  payload BLOB, qos INTEGER NOT NULL, retain INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS alarms(id TEXT PRIMARY KEY, state TEXT NOT NULL,"
    "  json TEXT NOT NULL, updated_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS workorders(id TEXT PRIMARY KEY, dedup_key TEXT NOT NULL,"
    "  status TEXT NOT NULL, open INTEGER NOT NULL, json TEXT NOT NULL,"
    "  updated_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY, type TEXT NOT NULL,"
    "  json TEXT NOT NULL, ts_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS devices(id TEXT PRIMARY KEY, quality TEXT NOT NULL,"
    "  since_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS jti(id TEXT PRIMARY KEY, seen_ms INTEGER NOT NULL) WITHOUT ROWID;";

/* Version 1 -> 2: the same rows in the tables of version 2. */
static const char migrate_v1_v2[] =
    "ALTER TABLE counters RENAME TO counters_v1; ALTER TABLE outbox RENAME TO outbox_v1;"
    "ALTER TABLE alarms RENAME TO alarms_v1; ALTER TABLE workorders RENAME TO workorders_v1;"
    "ALTER TABLE devices RENAME TO devices_v1; DROP INDEX IF EXISTS workorders_open;";
static const char migrate_v1_v2_copy[] =
    "INSERT INTO counters SELECT name, value FROM counters_v1;"
    "INSERT INTO outbox SELECT id, topic, payload, qos, retain, created_ms FROM outbox_v1;"
    "INSERT INTO alarms SELECT id, state, json, updated_ms FROM alarms_v1;"
    "INSERT INTO workorders SELECT id, dedup_key, status, open, json, updated_ms"
    "  FROM workorders_v1;"
    "INSERT INTO devices SELECT id, quality, since_ms FROM devices_v1;"
    "DROP TABLE counters_v1; DROP TABLE outbox_v1; DROP TABLE alarms_v1;"
    "DROP TABLE workorders_v1; DROP TABLE devices_v1;";

const char *const store_stmt_sql[S_COUNT] = {
    [S_COUNTER_GET] = "SELECT value FROM counters WHERE name = ?",
    [S_COUNTER_SET] = "INSERT INTO counters(name, value) VALUES(?1, ?2) "
                      "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
    [S_OUTBOX_ADD] =
        "INSERT INTO outbox(id, topic, payload, qos, retain, created_ms) VALUES(?,?,?,?,?,?)",
    [S_OUTBOX_LAST] = "SELECT COALESCE(MAX(id), 0) FROM outbox",
    [S_OUTBOX_PENDING] = "SELECT id, topic, payload, qos, retain FROM outbox WHERE id > ? "
                         "ORDER BY id LIMIT ?",
    [S_OUTBOX_DELIVERED] = "DELETE FROM outbox WHERE id = ?",
    [S_OUTBOX_COUNT] = "SELECT count(*) FROM outbox",
    [S_ALARM_PUT] = "INSERT OR REPLACE INTO alarms(id, state, json, updated_ms) VALUES(?,?,?,?)",
    [S_ALARM_EACH] = "SELECT id, state, json FROM alarms ORDER BY id",
    [S_WO_PUT] = "INSERT OR REPLACE INTO workorders(id, dedup_key, status, open, json, updated_ms) "
                 "VALUES(?,?,?,?,?,?)",
    [S_WO_EACH_OPEN] = "SELECT id, status, json FROM workorders WHERE open = 1 ORDER BY id",
    [S_WO_GET] = "SELECT json FROM workorders WHERE id = ?",
    [S_EVENT_ADD] = "INSERT OR REPLACE INTO events(seq, type, json, ts_ms) VALUES(?,?,?,?)",
    [S_EVENT_LAST] = "SELECT json FROM events WHERE type = ? ORDER BY seq DESC LIMIT 1",
    /* the latest flood event stays: a restart reads it to finish a flood (alarms_restore) */
    [S_TRIM_EVENTS] = "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <> "
                      "(SELECT COALESCE(MAX(seq), -1) FROM events WHERE type = 'flood') "
                      "ORDER BY seq LIMIT ?)",
    [S_TRIM_WOS] = "DELETE FROM workorders WHERE id IN (SELECT id FROM workorders WHERE open = 0 "
                   "ORDER BY updated_ms LIMIT ?)",
    [S_USED_PAGES] = "SELECT (SELECT page_count FROM pragma_page_count()) - "
                     "(SELECT freelist_count FROM pragma_freelist_count()), "
                     "(SELECT page_size FROM pragma_page_size())",
    [S_DEVICE_PUT] = "INSERT OR REPLACE INTO devices(id, quality, since_ms) VALUES(?,?,?)",
    [S_DEVICE_EACH] = "SELECT id, quality, since_ms FROM devices ORDER BY id",
    [S_JTI_GET] = "SELECT 1 FROM jti WHERE id = ?",
    [S_JTI_PUT] = "INSERT OR REPLACE INTO jti(id, seen_ms) VALUES(?, ?)",
    [S_JTI_EXPIRE] = "DELETE FROM jti WHERE seen_ms < ?",
    /* No index on ts_ms (one more page per event): read once at start, a scan is affordable. */
    [S_EVENTS_SINCE] =
        "SELECT seq, type, json FROM events WHERE ts_ms >= ? AND type = ? ORDER BY seq",
};

const char *const store_counter_name[C_COUNT] = {"seq", "wo_number"};

static int load_counters(struct store *s);

/*
 * After every commit (sqlite3_wal_hook): counts the pages the commit appended, for `make bench`
 * and the log, and checkpoints as SQLite's automatic checkpoint would (which a wal hook
 * replaces): passively, once the WAL holds STORE_CHECKPOINT_PAGES.
 */
#define STORE_CHECKPOINT_PAGES 1000
static int on_wal_commit(void *ctx, sqlite3 *db, const char *name, int pages)
{
    struct store *s = ctx;
    s->commits++;
    s->pages += (uint64_t)(pages >= s->wal_pages ? pages - s->wal_pages : pages);
    s->wal_pages = pages;
    if (pages >= STORE_CHECKPOINT_PAGES) {
        int log = 0, done = 0;
        if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
                SQLITE_OK &&
            done == log)
            s->wal_pages = 0; /* the next commit may start the WAL over */
    }
    return SQLITE_OK;
}

int store_db_fail(struct store *s, const char *what)
{
    /* While failing, every retry fails the same way: store_commit reports it, throttled. */
    log_msg(s->failing ? LOG_DEBUG : LOG_ERROR, "store: %s: %s", what, sqlite3_errmsg(s->db));
    return ST_ERR_DB;
}

int store_exec(struct store *s, const char *sql, const char *what)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) == SQLITE_OK) return ST_OK;
    log_msg(s->failing ? LOG_DEBUG : LOG_ERROR, "store: %s: %s", what,
            err ? err : sqlite3_errmsg(s->db));
    sqlite3_free(err);
    return ST_ERR_DB;
}

static int user_version(struct store *s, int *out)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return store_db_fail(s, "reading the schema version");
    int rc = sqlite3_step(st) == SQLITE_ROW ? ST_OK : ST_ERR_DB;
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == ST_OK ? ST_OK : store_db_fail(s, "reading the schema version");
}

/* Creates the schema, or migrates an older one forward, in one transaction. */
static int migrate(struct store *s, const char *path)
{
    int v, rc;
    if ((rc = user_version(s, &v))) return rc;
    if (v > SCHEMA_VERSION) {
        log_msg(LOG_ERROR,
                "store: %s has schema version %d, newer than this steward knows (%d); refusing "
                "to touch it",
                path, v, SCHEMA_VERSION);
        return ST_ERR_DB;
    }
    if (v == SCHEMA_VERSION) return ST_OK;
    if ((rc = store_exec(s, "BEGIN IMMEDIATE", "starting the migration"))) return rc;
    /* One step per version; a new file is created at the latest version directly. */
    if (v == 1) rc = store_exec(s, migrate_v1_v2, "migrating the schema to version 2");
    if (rc == ST_OK) rc = store_exec(s, schema_v2, "creating the schema");
    if (rc == ST_OK && v == 1)
        rc = store_exec(s, migrate_v1_v2_copy, "copying the rows into schema version 2");
    if (rc == ST_OK) rc = store_exec(s, "PRAGMA user_version = 2", "setting the schema version");
    if (rc == ST_OK) return store_exec(s, "COMMIT", "committing the migration");
    store_exec(s, "ROLLBACK", "rolling back the migration");
    return rc;
}

int store_open(const char *path, int read_only, struct store **out)
{
    *out = NULL;
    if (read_only && access(path, R_OK) != 0) {
        log_msg(LOG_ERROR, "store: cannot open %s: %s", path, strerror(errno));
        return ST_ERR_IO;
    }
    struct store *s = calloc(1, sizeof(*s));
    if (!s) return ST_ERR_NOMEM;
    s->read_only = read_only;
    int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    int rc;
    if (sqlite3_open_v2(path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        log_msg(LOG_ERROR, "store: cannot open %s: %s", path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        rc = ST_ERR_IO;
        goto out_close;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (!read_only) {
        /* WAL: readers (`steward status`) never block the gateway; FULL: a commit is on disk. */
        if ((rc = store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
                             "setting WAL mode")))
            goto out_close;
        if ((rc = migrate(s, path))) goto out_close;
    } else {
        int v;
        if ((rc = user_version(s, &v))) goto out_close;
        if (v != SCHEMA_VERSION) {
            log_msg(LOG_ERROR, "store: %s has schema version %d, expected %d", path, v,
                    SCHEMA_VERSION);
            rc = ST_ERR_DB;
            goto out_close;
        }
    }
    for (int i = 0; i < S_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, store_stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            rc = store_db_fail(s, "preparing statements");
            goto out_close;
        }
    }
    if (!read_only && (rc = load_counters(s))) goto out_close;
    if (!read_only) sqlite3_wal_hook(s->db, on_wal_commit, s);
    *out = s;
    return ST_OK;
out_close:
    store_close(s);
    return rc;
}

void store_close(struct store *s)
{
    if (!s) return;
    if (s->n_ops)
        log_msg(s->failing ? LOG_ERROR : LOG_DEBUG,
                "store: closing with %zu changes not committed; they are not written", s->n_ops);
    if (!s->read_only)
        log_msg(LOG_INFO, "store: closed after %llu commits, %llu pages written",
                (unsigned long long)s->commits, (unsigned long long)s->pages);
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->in_txn) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(s->db);
    store_ops_clear(s);
    free(s->ops);
    free(s);
}

static int load_counters(struct store *s)
{
    sqlite3_stmt *st = s->st[S_COUNTER_GET];
    for (int k = 0; k < C_COUNT; k++) {
        sqlite3_bind_text(st, 1, store_counter_name[k], -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        s->counter[k] = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) return store_db_fail(s, "reading the counters");
    }
    st = s->st[S_OUTBOX_LAST];
    int rc = sqlite3_step(st);
    s->outbox_last = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return store_db_fail(s, "reading the outbox");
    return ST_OK;
}

int store_outbox_pending(struct store *s, int64_t after_id, size_t limit, store_outbox_fn fn,
                         void *ctx)
{
    sqlite3_stmt *st = s->st[S_OUTBOX_PENDING];
    sqlite3_bind_int64(st, 1, after_id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    int rc, ret = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ret = fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                 sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2),
                 sqlite3_column_int(st, 3), sqlite3_column_int(st, 4));
        if (ret) break;
    }
    int failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (failed) return store_db_fail(s, "reading the outbox");
    return ret;
}

int64_t store_outbox_count(struct store *s)
{
    sqlite3_stmt *st = s->st[S_OUTBOX_COUNT];
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return n < 0 ? store_db_fail(s, "counting the outbox") : n;
}

/* Calls fn for each row of a 3-column (id, state, json) query. */
static int each_row(struct store *s, sqlite3_stmt *st, store_row_fn fn, void *ctx,
                    int third_is_time)
{
    int rc, ret = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char iso[CLOCK_ISO_LEN];
        const char *third = third_is_time ? clock_iso(sqlite3_column_int64(st, 2), iso)
                                          : (const char *)sqlite3_column_text(st, 2);
        ret = fn(ctx, (const char *)sqlite3_column_text(st, 0),
                 (const char *)sqlite3_column_text(st, 1), third);
        if (ret) break;
    }
    int failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    sqlite3_reset(st);
    if (failed) return store_db_fail(s, "reading rows");
    return ret;
}

int store_alarm_each(struct store *s, store_row_fn fn, void *ctx)
{
    return each_row(s, s->st[S_ALARM_EACH], fn, ctx, 0);
}

int store_wo_each_open(struct store *s, store_row_fn fn, void *ctx)
{
    return each_row(s, s->st[S_WO_EACH_OPEN], fn, ctx, 0);
}

int store_mark_get(struct store *s, const char *name, int64_t *out)
{
    sqlite3_stmt *st = s->st[S_COUNTER_GET];
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : store_db_fail(s, "reading a mark");
}

int store_mark_each(struct store *s, const char *prefix, store_mark_fn fn, void *ctx)
{
    /* Rare (once at start): a statement of its own rather than one kept prepared. */
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT name, value FROM counters WHERE substr(name, 1, length(?1)) = ?1 "
            "ORDER BY name",
            -1, &st, NULL) != SQLITE_OK)
        return store_db_fail(s, "reading marks");
    sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
    int rc, ret = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ret = fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
        if (ret) break;
    }
    int failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    sqlite3_finalize(st);
    return failed ? store_db_fail(s, "reading marks") : ret;
}

int store_event_last(struct store *s, const char *type, char **json)
{
    sqlite3_stmt *st = s->st[S_EVENT_LAST];
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), ret;
    if (rc == SQLITE_ROW) {
        *json = strdup((const char *)sqlite3_column_text(st, 0));
        ret = *json ? ST_OK : ST_ERR_NOMEM;
    } else {
        ret = rc == SQLITE_DONE ? ST_ERR_NOTFOUND : store_db_fail(s, "reading an event");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

int store_wo_get(struct store *s, const char *id, char **json)
{
    sqlite3_stmt *st = s->st[S_WO_GET];
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st), ret;
    if (rc == SQLITE_ROW) {
        *json = strdup((const char *)sqlite3_column_text(st, 0));
        ret = *json ? ST_OK : ST_ERR_NOMEM;
    } else {
        ret = rc == SQLITE_DONE ? ST_ERR_NOTFOUND : store_db_fail(s, "reading a work order");
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return ret;
}

int store_jti_seen(struct store *s, const char *jti, int *seen)
{
    sqlite3_stmt *st = s->st[S_JTI_GET];
    sqlite3_bind_text(st, 1, jti, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *seen = rc == SQLITE_ROW;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? ST_OK : store_db_fail(s, "reading a jti");
}

int store_events_since(struct store *s, const char *type, int64_t since_ms, store_event_fn fn,
                       void *ctx)
{
    sqlite3_stmt *st = s->st[S_EVENTS_SINCE];
    sqlite3_bind_int64(st, 1, since_ms);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    int rc, ret = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ret = fn(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 2));
        if (ret) break;
    }
    int failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return failed ? store_db_fail(s, "reading events") : ret;
}

int store_device_each(struct store *s, store_row_fn fn, void *ctx)
{
    return each_row(s, s->st[S_DEVICE_EACH], fn, ctx, 1);
}
