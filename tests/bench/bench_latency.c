/*
 * bench_latency - MQTT alarm in -> work order out, QoS 1 both ways, durable commit between
 * (DESIGN.md section 8: p50 <= 1.2x and p99 <= 1.5x of the durable floor, at 10 ms and 1 ms
 * spacing, 0 lost).
 *
 * Both measured in this process tree against the same real mosquitto on loopback:
 *   floor:   a bare libmosquitto relay (a thread here) that, per message, commits one row to a
 *            SQLite file in WAL mode with synchronous=FULL and publishes one QoS 1 message;
 *   steward: the real gateway; each leak message raises the leak alarm, which commits the alarm,
 *            its events and the work order (one group commit), then publishes them.
 * Latency is from the publisher's call to the subscriber's arrival of the work order (steward)
 * or the relayed message (floor). Also prints what each costs the disk: the floor's WAL pages per
 * message (counted by a WAL hook in the relay) and Steward's pages per raise (from the line
 * `store: closed after N commits, P pages written` the gateway logs when it stops). Prints numbers
 * and ratios; asserts nothing about time.
 */
#include <mosquitto.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/integration/harness.h"

#define RAISES 300

static const char cfg_text[] =
    "site = { id = \"bench\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/bench\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"bench/leak\"; field = \"water_leak\"; "
    "} );\n"
    "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = \"emergency\"; category = "
    "\"plumbing\";\n"
    "            title = \"Water leak\"; } );\n";

/* A wal hook replaces the automatic checkpoint, so the relay checkpoints past this many pages,
 * as SQLite's default (sqlite3_wal_autocheckpoint(db, 1000)) would. */
#define RELAY_CHECKPOINT_PAGES 1000

struct relay {
    struct mosquitto *m;
    sqlite3 *db;
    sqlite3_stmt *ins;
    int wal_pages;   /* pages in the WAL after the last commit */
    long long pages; /* pages written by the commits since the hook was set */
    long long commits;
};

/*
 * Called after each commit with the pages now in the WAL: the difference from the last call is
 * what this commit wrote (or the whole count when the WAL started over after a checkpoint).
 */
static int relay_wal_hook(void *ctx, sqlite3 *db, const char *name, int n_pages)
{
    struct relay *r = ctx;
    r->pages += n_pages >= r->wal_pages ? n_pages - r->wal_pages : n_pages;
    r->wal_pages = n_pages;
    r->commits++;
    if (n_pages > RELAY_CHECKPOINT_PAGES) {
        int n_log = 0, n_ckpt = 0;
        if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &n_log, &n_ckpt) ==
                SQLITE_OK &&
            n_log == n_ckpt)
            r->wal_pages = 0; /* all of it copied back: the next commit starts the WAL over */
    }
    return SQLITE_OK;
}

static void relay_on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    struct relay *r = obj;
    sqlite3_bind_blob(r->ins, 1, msg->payload, msg->payloadlen, SQLITE_STATIC);
    sqlite3_step(r->ins); /* autocommit: one durable transaction per message */
    sqlite3_reset(r->ins);
    mosquitto_publish(m, NULL, "floor/out", msg->payloadlen, msg->payload, 1, false);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, int n, double p)
{
    qsort(v, (size_t)n, sizeof(*v), cmp);
    int i = (int)(p * (n - 1) + 0.5);
    return v[i] * 1000.0;
}

/*
 * The store's statistics from the gateway's log: the last `store: closed after N commits,
 * P pages written` line. Returns 0, or -1 when there is none.
 */
static int store_stats(const char *log_path, long long *commits, long long *pages)
{
    static const char needle[] = "store: closed after ";
    char *text = h_read_file(log_path);
    int rc = -1;
    for (const char *p = text ? strstr(text, needle) : NULL; p; p = strstr(p + 1, needle)) {
        long long c, n;
        int end = 0; /* set only when the whole line matched, "pages written" included */
        if (sscanf(p, "store: closed after %lld commits, %lld pages written%n", &c, &n, &end) ==
                2 &&
            end > 0) {
            *commits = c;
            *pages = n;
            rc = 0;
        }
    }
    free(text);
    return rc;
}

/*
 * Publishes `count` messages on in_topic, spaced spacing_ms, and matches the k-th raise with the
 * k-th arrival on out_filter. raise_every 2: only every other message raises (leak on, off).
 */
static int measure(int port, struct h_sub *sub, const char *in_topic, const char *out_filter,
                   int raise_every, int spacing_ms, double *lat)
{
    struct mosquitto *pub = mosquitto_new(NULL, true, NULL);
    mosquitto_int_option(pub, MOSQ_OPT_TCP_NODELAY, 1);
    if (mosquitto_connect(pub, "127.0.0.1", port, 30) || mosquitto_loop_start(pub)) return -1;
    double *sent = calloc(RAISES, sizeof(double));
    int k = 0;
    for (int i = 0; k < RAISES; i++) {
        int raise = i % raise_every == 0;
        const char *p = raise ? "{\"water_leak\":true}" : "{\"water_leak\":false}";
        if (raise) sent[k++] = h_now();
        mosquitto_publish(pub, NULL, in_topic, (int)strlen(p), p, 1, false);
        sleep_ms(spacing_ms);
    }
    /* Wait (bounded) for every answer, then pair them in order. A clear republishes the work
     * order too (condition_cleared_at): only the raises' publications are answers. */
    double *arr = calloc(RAISES, sizeof(double));
    int got = 0;
    for (int w = 0; w < 100; w++) {
        got = h_sub_arrivals_lacking(sub, out_filter, "\"condition_cleared_at\"", arr, RAISES);
        if (got >= RAISES) break;
        sleep_ms(50);
    }
    for (int i = 0; i < got; i++)
        lat[i] = arr[i] - sent[i];
    free(arr);
    free(sent);
    mosquitto_disconnect(pub);
    mosquitto_loop_stop(pub, false);
    mosquitto_destroy(pub);
    return got;
}

int main(void)
{
    mosquitto_lib_init();
    struct h_env *e = h_env_new();
    if (!e || h_broker_start(e) < 0) {
        fprintf(stderr, "bench_latency: cannot start mosquitto\n");
        return 1;
    }
    int spacings[] = {10, 1};
    printf("MQTT alarm in -> work order out, QoS 1, %d raises per run:\n", RAISES);
    for (size_t s = 0; s < sizeof(spacings) / sizeof(spacings[0]); s++) {
        int sp = spacings[s];
        /* The floor: a bare relay committing one row per message. */
        struct relay r = {0};
        sqlite3_open(h_path(e, "floor.db"), &r.db);
        sqlite3_exec(r.db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS t(p BLOB);",
                     NULL, NULL, NULL);
        sqlite3_prepare_v2(r.db, "INSERT INTO t(p) VALUES(?)", -1, &r.ins, NULL);
        sqlite3_wal_hook(r.db, relay_wal_hook, &r);
        r.m = mosquitto_new(NULL, true, &r);
        mosquitto_int_option(r.m, MOSQ_OPT_TCP_NODELAY, 1);
        mosquitto_message_callback_set(r.m, relay_on_message);
        mosquitto_connect(r.m, "127.0.0.1", e->mqtt_port, 30);
        mosquitto_subscribe(r.m, NULL, "floor/in", 1);
        mosquitto_loop_start(r.m);
        const char *ft[] = {"floor/out", NULL};
        struct h_sub *fsub = h_sub_new(e->mqtt_port, ft);
        sleep_ms(200);
        double *fl = calloc(RAISES, sizeof(double));
        int fn = measure(e->mqtt_port, fsub, "floor/in", "floor/out", 1, sp, fl);
        h_sub_free(fsub);
        mosquitto_disconnect(r.m);
        mosquitto_loop_stop(r.m, false);
        mosquitto_destroy(r.m);
        sqlite3_finalize(r.ins);
        sqlite3_close(r.db);

        /* Steward. */
        char name[32];
        snprintf(name, sizeof(name), "bench%d.cfg", sp);
        const char *cfg = h_write_config(e, name, cfg_text);
        char cfgp[256];
        snprintf(cfgp, sizeof(cfgp), "%s", cfg);
        remove(h_path(e, "steward.db"));
        char log_name[32];
        snprintf(log_name, sizeof(log_name), "steward%d.log", sp);
        pid_t gw = h_gateway_start(e, cfgp, log_name);
        const char *st[] = {"steward/bench/workorders/+", NULL};
        struct h_sub *ssub = h_sub_new(e->mqtt_port, st);
        sleep_ms(200);
        double *sl = calloc(RAISES, sizeof(double));
        int sn = gw > 0 ? measure(e->mqtt_port, ssub, "bench/leak", "steward/bench/workorders/+", 2,
                                  sp, sl)
                        : 0;
        h_sub_free(ssub);
        h_stop(gw, 5000);
        long long commits = 0, pages = 0;
        int have_stats = gw > 0 && store_stats(h_path(e, log_name), &commits, &pages) == 0;

        double f50 = fn ? pct(fl, fn, 0.5) : 0, f99 = fn ? pct(fl, fn, 0.99) : 0;
        printf("  spacing %2d ms: floor   p50 %6.2f ms  p99 %6.2f ms  (%d/%d delivered)\n", sp, f50,
               f99, fn, RAISES);
        double s50 = sn ? pct(sl, sn, 0.5) : 0, s99 = sn ? pct(sl, sn, 0.99) : 0;
        printf("                 steward p50 %6.2f ms  p99 %6.2f ms  (%d/%d work orders)\n", s50,
               s99, sn, RAISES);
        if (fn && sn && f50 > 0 && f99 > 0)
            printf("                 ratio   p50 %6.2fx    p99 %6.2fx    (target p50 <= 1.2x, "
                   "p99 <= 1.5x of the floor)\n",
                   s50 / f50, s99 / f99);
        if (r.commits)
            printf("                 floor pages per message: %.2f (%lld pages, %lld commits)\n",
                   (double)r.pages / (double)r.commits, r.pages, r.commits);
        if (have_stats)
            printf("                 pages per raise: %.2f (%lld pages, %lld commits, for %d "
                   "raises and their clears)\n",
                   (double)pages / (double)RAISES, pages, commits, RAISES);
        else
            printf("                 pages per raise: n/a (no store statistics in the log)\n");
        free(fl);
        free(sl);
    }
    h_cleanup_all();
    free(e);
    mosquitto_lib_cleanup();
    return 0;
}
