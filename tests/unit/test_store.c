/* Unit tests: the SQLite store (gateway/store.c) on a temporary file: outbox replay, counters,
 * committed-before-published, a reader beside the writer, schema versions, and a write that fails
 * (a real one: the process's file size limit makes the WAL append fail, as a full disk would). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/store/store.h"

struct fx {
    char dir[64], path[96];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/steward-store-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

struct seen {
    int n;
    int64_t ids[16];
    char topics[16][64];
    size_t lens[16];
    int retain[16];
};

static int collect(void *ctx, int64_t id, const char *topic, const void *payload, size_t len,
                   int qos, int retain)
{
    (void)payload;
    struct seen *s = ctx;
    assert_int_equal(qos, 1);
    s->ids[s->n] = id;
    snprintf(s->topics[s->n], sizeof(s->topics[0]), "%s", topic);
    s->lens[s->n] = len;
    s->retain[s->n++] = retain;
    return 0;
}

static void test_outbox_rows_come_back_in_order_until_delivered(void **state)
{
    struct fx *f = *state;
    struct store *s;
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    int64_t a, b, c;
    assert_int_equal(store_outbox_add(s, "p/alarms/x", "{\"a\":1}", 7, 1, 1, &a), ST_OK);
    assert_int_equal(store_outbox_add(s, "p/events", "{}", 2, 1, 0, &b), ST_OK);
    assert_int_equal(store_outbox_add(s, "p/workorders/W", "", 0, 1, 1, &c), ST_OK);
    assert_int_equal(store_commit(s), ST_OK);
    assert_true(a < b && b < c);
    struct seen seen = {0};
    assert_int_equal(store_outbox_pending(s, 0, 10, collect, &seen), 0);
    assert_int_equal(seen.n, 3);
    assert_string_equal(seen.topics[0], "p/alarms/x");
    assert_int_equal(seen.lens[0], 7);
    assert_int_equal(seen.retain[1], 0);
    assert_int_equal(seen.lens[2], 0); /* an empty retained message clears a topic */
    assert_int_equal(seen.retain[2], 1);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_outbox_pending(s, a, 1, collect, &seen), 0);
    assert_int_equal(seen.n, 1);
    assert_int_equal(seen.ids[0], b);
    assert_int_equal(store_outbox_delivered(s, b), ST_OK);
    assert_int_equal(store_commit(s), ST_OK);
    assert_int_equal(store_outbox_count(s), 2);
    store_close(s);
    /* After a restart the undelivered rows are still there. */
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(store_outbox_pending(s, 0, 10, collect, &seen), 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.ids[0], a);
    assert_int_equal(seen.ids[1], c);
    store_close(s);
}

static void test_uncommitted_writes_vanish_in_a_crash(void **state)
{
    struct fx *f = *state;
    struct store *s;
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    assert_int_equal(store_outbox_add(s, "p/kept", "1", 1, 1, 0, NULL), ST_OK);
    assert_int_equal(store_alarm_put(s, "kept", "active_unack", "{}"), ST_OK);
    assert_int_equal(store_commit(s), ST_OK);
    assert_int_equal(store_outbox_add(s, "p/lost", "2", 1, 1, 0, NULL), ST_OK);
    assert_true(store_pending(s));
    store_close(s); /* as if killed before the commit */
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    struct seen seen = {0};
    store_outbox_pending(s, 0, 10, collect, &seen);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.topics[0], "p/kept");
    store_close(s);
}

static void test_counters_only_grow_across_restarts(void **state)
{
    struct fx *f = *state;
    struct store *s;
    int64_t v;
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    assert_int_equal(store_next_seq(s, &v), ST_OK);
    assert_int_equal(v, 1);
    assert_int_equal(store_next_seq(s, &v), ST_OK);
    assert_int_equal(v, 2);
    assert_int_equal(store_next_wo_number(s, &v), ST_OK);
    assert_int_equal(v, 1);
    store_commit(s);
    store_close(s);
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    assert_int_equal(store_next_seq(s, &v), ST_OK);
    assert_int_equal(v, 3);
    store_close(s);
}

static int count_rows(void *ctx, const char *id, const char *state, const char *json)
{
    (void)id, (void)json;
    int *n = ctx;
    if (state) (*n)++;
    return 0;
}

static void test_a_reader_sees_committed_rows_while_the_writer_works(void **state)
{
    struct fx *f = *state;
    struct store *w, *r;
    assert_int_equal(store_open(f->path, 0, &w), ST_OK);
    assert_int_equal(store_wo_put(w, "WO-1", "k1", "open", 1, "{\"id\":\"WO-1\"}"), ST_OK);
    assert_int_equal(store_wo_put(w, "WO-2", "k2", "closed", 0, "{}"), ST_OK);
    assert_int_equal(store_device_put(w, "tx1", "comm_fail", 1000), ST_OK);
    assert_int_equal(store_commit(w), ST_OK);
    assert_int_equal(store_alarm_put(w, "pending", "active_unack", "{}"), ST_OK); /* open txn */
    assert_int_equal(store_open(f->path, 1, &r), ST_OK);
    int n = 0;
    assert_int_equal(store_wo_each_open(r, count_rows, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(store_alarm_each(r, count_rows, &n), 0);
    assert_int_equal(n, 0); /* not committed yet */
    n = 0;
    assert_int_equal(store_device_each(r, count_rows, &n), 0);
    assert_int_equal(n, 1);
    char *json = NULL;
    assert_int_equal(store_wo_get(r, "WO-1", &json), ST_OK);
    assert_string_equal(json, "{\"id\":\"WO-1\"}");
    free(json);
    assert_int_equal(store_wo_get(r, "WO-9", &json), ST_ERR_NOTFOUND);
    assert_int_equal(store_alarm_put(r, "x", "normal", "{}"), ST_ERR_STATE); /* read-only */
    store_close(r);
    store_close(w);
}

struct alarm_row {
    char state[32];
};

static int read_alarm(void *ctx, const char *id, const char *state, const char *json)
{
    (void)id, (void)json;
    snprintf(((struct alarm_row *)ctx)->state, sizeof(((struct alarm_row *)ctx)->state), "%s",
             state);
    return 0;
}

static void test_a_failed_write_is_held_and_written_when_the_disk_takes_it(void **state)
{
    struct fx *f = *state;
    clock_set_fake(1767225600000LL);
    struct store *s;
    int64_t v;
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    assert_int_equal(store_next_seq(s, &v), ST_OK);
    assert_int_equal(store_alarm_put(s, "leak", "normal", "{}"), ST_OK);
    assert_int_equal(store_commit(s), ST_OK);

    /* The disk is full: no file of this process may grow past the WAL's current size. */
    char wal[128];
    snprintf(wal, sizeof(wal), "%s-wal", f->path);
    struct stat st;
    assert_int_equal(stat(wal, &st), 0);
    struct rlimit old, full;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    full = old;
    full.rlim_cur = (rlim_t)st.st_size;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &full), 0);
    int64_t seq2 = 0, seq3 = 0, wo = 0;
    int rc[8];
    rc[0] = store_next_seq(s, &seq2);
    rc[1] = store_alarm_put(s, "leak", "active_unack", "{\"state\":\"active_unack\"}");
    rc[2] = store_outbox_add(s, "p/alarms/leak", "{\"seq\":2}", 9, 1, 1, NULL);
    rc[3] = store_commit(s); /* fails: the group is held */
    rc[4] = store_next_seq(s, &seq3);
    rc[5] = store_next_wo_number(s, &wo);
    rc[6] = store_wo_put(s, "WO-1", "k", "open", 1, "{}");
    rc[7] = store_commit(s); /* the retry is not due yet */
    /* A PUBACK while failing is not held: its row is simply published again later. */
    int rc_delivered = store_outbox_delivered(s, 1);
    int failing = store_failing(s);
    /* Still full when the retry comes: held again. */
    clock_advance(1000);
    int rc_full = store_commit(s);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0); /* the disk has room again */

    for (int i = 0; i < 3; i++)
        assert_int_equal(rc[i], ST_OK);
    assert_int_equal(rc[3], ST_ERR_DB);
    for (int i = 4; i < 7; i++)
        assert_int_equal(rc[i], ST_OK);
    assert_int_equal(rc[7], ST_ERR_DB);
    assert_int_equal(rc_delivered, ST_OK);
    assert_int_equal(rc_full, ST_ERR_DB);
    assert_true(failing);
    assert_true(store_pending(s));
    assert_int_equal(seq2, 2);
    assert_int_equal(seq3, 3);
    assert_int_equal(wo, 1);
    /* Nothing held is in the file (so nothing of it can be published yet). */
    assert_int_equal(store_outbox_count(s), 0);
    struct alarm_row row = {""};
    assert_int_equal(store_alarm_each(s, read_alarm, &row), 0);
    assert_string_equal(row.state, "normal");
    assert_int_equal(store_retry_at(s) > clock_mono_ms(), 1);

    clock_advance(1000);
    assert_int_equal(store_commit(s), ST_OK);
    assert_false(store_failing(s));
    assert_false(store_pending(s));
    assert_int_equal(store_retry_at(s), 0);
    store_close(s);

    /* Everything held is on disk, in order, with the numbers it was given (and the row the
     * PUBACK named is still there). */
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    assert_int_equal(store_outbox_count(s), 1);
    assert_int_equal(store_alarm_each(s, read_alarm, &row), 0);
    assert_string_equal(row.state, "active_unack");
    char *json = NULL;
    assert_int_equal(store_wo_get(s, "WO-1", &json), ST_OK);
    free(json);
    assert_int_equal(store_next_seq(s, &v), ST_OK);
    assert_int_equal(v, 4);
    assert_int_equal(store_next_wo_number(s, &v), ST_OK);
    assert_int_equal(v, 2);
    store_close(s);
    clock_set_real();
}

static void test_a_group_larger_than_the_hold_limit_is_committed_in_parts(void **state)
{
    struct fx *f = *state;
    struct store *s;
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    for (int i = 0; i < STORE_HELD_MAX + 4464; i++)
        assert_int_equal(store_outbox_add(s, "p/events", "{}", 2, 1, 0, NULL), ST_OK);
    /* Part of it is already committed (nothing of it was published); the rest commits now. */
    struct store *r;
    assert_int_equal(store_open(f->path, 1, &r), ST_OK);
    assert_int_equal(store_outbox_count(r), STORE_HELD_MAX);
    assert_int_equal(store_commit(s), ST_OK);
    assert_int_equal(store_outbox_count(r), STORE_HELD_MAX + 4464);
    store_close(r);
    store_close(s);
}

/* Bytes of the database file in use, read from a second connection after a commit. */
static long long used_bytes(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long used = -1;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT (SELECT page_count FROM pragma_page_count()) - "
                                        "(SELECT freelist_count FROM pragma_freelist_count()), "
                                        "(SELECT page_size FROM pragma_page_size())",
                                        -1, &st, NULL),
                     SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        used = sqlite3_column_int64(st, 0) * sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return used;
}

static void test_max_size_removes_the_oldest_history_and_never_an_open_order(void **state)
{
    struct fx *f = *state;
    struct store *s;
    assert_int_equal(store_open(f->path, 0, &s), ST_OK);
    char json[400];
    memset(json, 'x', sizeof(json) - 1);
    json[sizeof(json) - 1] = '\0';
    assert_int_equal(store_wo_put(s, "WO-old", "k0", "closed", 0, json), ST_OK);
    assert_int_equal(store_wo_put(s, "WO-open", "k1", "open", 1, json), ST_OK);
    assert_int_equal(store_alarm_put(s, "leak", "active_unack", json), ST_OK);
    assert_int_equal(store_outbox_add(s, "p/alarms/leak", json, 10, 1, 1, NULL), ST_OK);
    assert_int_equal(store_event_add(s, 1, "flood", "{\"state\":\"begin\"}"), ST_OK);
    assert_int_equal(store_commit(s), ST_OK);
    for (int i = 2; i <= 3000; i++) {
        assert_int_equal(store_event_add(s, i, "alarm", json), ST_OK);
        if (i % 500 == 0) assert_int_equal(store_commit(s), ST_OK);
    }
    long long before = used_bytes(f->path);
    assert_true(before > 1000000); /* about 1.2 MB of events */
    assert_int_equal(store_trim(s, 400 * 1024), ST_OK);
    assert_int_equal(store_commit(s), ST_OK);
    long long after = used_bytes(f->path);
    assert_true(after <= 400 * 1024);
    /* The newest events stayed; the oldest went. */
    char *last = NULL;
    assert_int_equal(store_event_last(s, "alarm", &last), ST_OK);
    free(last);
    int n = 0;
    assert_int_equal(store_wo_each_open(s, count_rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_outbox_count(s), 1);
    /* Only the open order, the alarm and the outbox left: over a tiny limit, still kept. */
    assert_int_equal(store_trim(s, 4096), ST_OK);
    assert_int_equal(store_commit(s), ST_OK);
    n = 0;
    assert_int_equal(store_wo_each_open(s, count_rows, &n), 0);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(store_alarm_each(s, count_rows, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(store_outbox_count(s), 1);
    char *gone = NULL;
    assert_int_equal(store_wo_get(s, "WO-old", &gone), ST_ERR_NOTFOUND);
    assert_int_equal(store_event_last(s, "alarm", &gone), ST_ERR_NOTFOUND);
    /* The latest flood event stays, however old: a restart needs it to end a flood. */
    assert_int_equal(store_event_last(s, "flood", &gone), ST_OK);
    free(gone);
    store_close(s);
}

static void test_a_newer_schema_is_refused(void **state)
{
    struct fx *f = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct store *s = NULL;
    assert_int_equal(store_open(f->path, 0, &s), ST_ERR_DB);
    assert_null(s);
    char other[128];
    snprintf(other, sizeof(other), "%s/missing.db", f->dir);
    assert_int_equal(store_open(other, 1, &s), ST_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outbox_rows_come_back_in_order_until_delivered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_uncommitted_writes_vanish_in_a_crash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_only_grow_across_restarts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_reader_sees_committed_rows_while_the_writer_works,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_failed_write_is_held_and_written_when_the_disk_takes_it, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_group_larger_than_the_hold_limit_is_committed_in_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_max_size_removes_the_oldest_history_and_never_an_open_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_newer_schema_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
