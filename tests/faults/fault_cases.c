/*
 * fault_cases.c - the seven cases of the battery. Each sets up its own world (brokers, gateway,
 * sink, generator, a fresh database), applies one fault, lets the gateway recover, and fills in
 * its result: what was expected and delivered, and its own figures in the note.
 */
#include "tests/faults/faults.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

/* A wait for raises ends when nothing arrived for STALL_MS, or BACKOFF_MS when a reconnection
 * is due (the back-off grows to 30 s), or after DRAIN_MAX_MS in all. */
#define STALL_MS 5000
#define BACKOFF_MS 45000
#define DRAIN_MAX_MS 120000

static int world_up(struct f_world *w, struct f_result *r, const char *sink_id, int site, int proxy)
{
    if (f_world_open(w, sink_id, site, proxy) != 0) {
        snprintf(r->note, sizeof(r->note), "set-up failed: brokers, sink or generator");
        return -1;
    }
    if (f_world_gateway(w) != 0) {
        snprintf(r->note, sizeof(r->note), "set-up failed: the gateway did not come online");
        h_dump_logs(w->e);
        return -1;
    }
    return 0;
}

/* Publishes n pulses, waits for their PUBACKs and for every raise so far to be delivered. */
static long long warm_up(struct f_world *w, int n)
{
    f_gen_burst(w->gen, n, 0);
    f_gen_wait_acks(w->gen, 10000);
    struct f_gen_stats g;
    f_gen_stats(w->gen, &g);
    return f_sink_wait_raised(w->sink, g.raises_acked, STALL_MS, 20000);
}

static long long wait_all(struct f_world *w, int stall_ms)
{
    f_gen_wait_acks(w->gen, 20000);
    struct f_gen_stats g;
    f_gen_stats(w->gen, &g);
    return f_sink_wait_raised(w->sink, g.raises_acked, stall_ms, DRAIN_MAX_MS);
}

/* ---- 1 ---- */

void f_case_upstream_outage(const struct f_opts *o, struct f_result *r)
{
    const int outage_s = o->full ? 20 : 5, during = o->full ? 200 : 100;
    struct f_world w;
    r->name = "1 upstream_outage";
    snprintf(r->criteria, sizeof(r->criteria),
             "0 missing, 0 extra, gateway running; raises during a %d s upstream outage arrive "
             "after it",
             outage_s);
    if (world_up(&w, r, "faults-sink-1", 1, 0) != 0) goto out;
    warm_up(&w, F_SENSORS);
    struct f_sink_stats before;
    f_sink_stats(w.sink, &before);

    double down = h_now();
    h_stop(w.up_pid, 5000);
    w.e->broker = 0;
    f_gen_burst(w.gen, during, outage_s * 1000); /* the sensors' broker stays up */
    f_gen_wait_acks(w.gen, 10000);
    struct f_sink_stats mid;
    f_sink_stats(w.sink, &mid);
    f_nap_ms(50);
    w.up_pid = f_broker_start(&w, w.e->mqtt_port, "upstream");
    w.e->broker = w.up_pid;
    double up = h_now();
    f_sink_mark(w.sink);
    wait_all(&w, BACKOFF_MS);

    struct f_sink_stats s;
    f_sink_stats(w.sink, &s);
    f_result_count(r, &w);
    r->pass = r->missing == 0 && r->extra == 0 && r->gw.alive && w.up_pid > 0;
    snprintf(r->note, sizeof(r->note),
             "outage %.1f s with %d raises offered during it; %lld raised events arrived during "
             "the outage; after the broker returned: first event %.1f s, last %.1f s",
             up - down, during, mid.raised_total - before.raised_total,
             s.first_at > 0 ? s.first_at - up : -1.0, s.last_at > up ? s.last_at - up : -1.0);
out:
    f_world_close(&w);
}

/* ---- 2 ---- */

void f_case_kill9_bursts(const struct f_opts *o, struct f_result *r)
{
    const int cycles = o->full ? 30 : 6, burst = 200;
    struct f_world w;
    r->name = "2 kill9_bursts";
    snprintf(r->criteria, sizeof(r->criteria),
             "missing <= %d per kill (one read batch), integrity ok after every kill, every "
             "restart online and its restart event delivered, gateway running",
             F_BATCH);
    if (world_up(&w, r, "faults-sink-2", 0, 0) != 0) goto out;
    srand(o->seed);
    int kills = 0, intact = 0, restarts = 0;
    char bad[160] = "";
    double t_end = h_now() + cycles * 20.0;
    for (int c = 0; c < cycles && h_now() < t_end; c++) {
        /* Odd cycles: a burst back to back, killed 0-150 ms after it began, while the gateway
         * still works through its backlog. Even cycles: one pulse every 5 ms, killed at a random
         * moment of it or just after. */
        int paced = c % 2 == 0, kill_ms = paced ? rand() % (burst * 5 + 200) : rand() % 150;
        int killed = 0;
        double t0 = h_now();
        if (!paced) f_gen_burst(w.gen, burst, 0);
        for (int i = 0; !killed && i < burst + 400; i++) { /* bounded: 5 ms steps */
            if (paced && i < burst) f_gen_burst(w.gen, 1, 0);
            if ((h_now() - t0) * 1000 >= kill_ms) {
                h_kill9(w.gw);
                killed = 1;
                kills++;
            }
            if (!killed) f_nap_ms(paced ? 5 : 1);
        }
        if (paced && killed) /* the rest of the burst queues for the gateway while it is down */
            for (int i = (int)((h_now() - t0) * 200); i < burst; i++)
                f_gen_burst(w.gen, 1, 0);
        char msg[160] = "";
        if (f_integrity_ok(w.db, msg, sizeof(msg)))
            intact++;
        else if (!bad[0])
            snprintf(bad, sizeof(bad), "; cycle %d: integrity_check: %s", c + 1, msg);
        if (f_world_gateway(&w) == 0) {
            restarts++;
        } else {
            snprintf(bad + strlen(bad), sizeof(bad) - strlen(bad),
                     "; cycle %d: the gateway did not come online again", c + 1);
            break;
        }
    }
    wait_all(&w, 10000);
    struct f_sink_stats s;
    f_sink_stats(w.sink, &s);
    for (int i = 0; i < 100 && s.restarts < restarts + 1; i++) { /* bounded: 100 x 100 ms */
        f_nap_ms(100);
        f_sink_stats(w.sink, &s);
    }
    f_result_count(r, &w);
    r->pass = kills == cycles && intact == kills && restarts == kills &&
              s.restarts == restarts + 1 && r->missing <= (long long)F_BATCH * kills &&
              r->extra == 0 && r->gw.alive;
    snprintf(r->note, sizeof(r->note),
             "%d kill -9 during bursts of %d raises (seed %u); integrity_check ok %d/%d; "
             "restarts online %d; missing bound %d; restart events seen %d of %d starts%s",
             kills, burst, o->seed, intact, kills, restarts, F_BATCH * kills, s.restarts,
             restarts + 1, bad);
out:
    f_world_close(&w);
}

/* ---- 3 ---- */

void f_case_disk_full(const struct f_opts *o, struct f_result *r)
{
    const int during = o->full ? 300 : 100, hold_ms = o->full ? 5000 : 2000;
    static const char *const topics[] = {F_PREFIX "/status", NULL};
    struct f_world w;
    struct h_sub *st = NULL;
    r->name = "3 disk_full";
    snprintf(r->criteria, sizeof(r->criteria),
             "0 missing, 0 extra, P/status store \"failing\" then \"ok\", gateway running");
    if (world_up(&w, r, "faults-sink-3", 0, 0) != 0) goto out;
    st = h_sub_new(w.e->mqtt_port, topics);
    warm_up(&w, F_SENSORS);
    int ok_before = st ? h_sub_count(st, F_PREFIX "/status", "store", "ok") : 0;

    char wal[300];
    snprintf(wal, sizeof(wal), "%s-wal", w.db);
    struct stat sb;
    struct rlimit old, full;
    if (!st || stat(wal, &sb) != 0 || prlimit(w.gw, RLIMIT_FSIZE, NULL, &old) != 0) {
        snprintf(r->note, sizeof(r->note), "set-up failed: status subscriber, WAL or prlimit");
        goto out;
    }
    full = old;
    full.rlim_cur = (rlim_t)sb.st_size;
    prlimit(w.gw, RLIMIT_FSIZE, &full, NULL);
    double t_full = h_now();
    f_gen_burst(w.gen, during, 1000);
    f_gen_wait_acks(w.gen, 10000);
    const struct h_msg *failing = h_sub_wait(st, F_PREFIX "/status", "store", "failing", 5000);
    struct f_sink_stats a, b;
    f_sink_stats(w.sink, &a);
    f_nap_ms(hold_ms); /* the disk stays full this long */
    f_sink_stats(w.sink, &b);
    prlimit(w.gw, RLIMIT_FSIZE, &old, NULL);
    double t_room = h_now();
    int ok_after =
        h_sub_wait_count(st, F_PREFIX "/status", "store", "ok", ok_before + 1, 10000) > ok_before;
    wait_all(&w, STALL_MS);

    f_result_count(r, &w);
    r->pass = r->missing == 0 && r->extra == 0 && failing && ok_after && r->gw.alive;
    snprintf(r->note, sizeof(r->note),
             "%d raises offered on a full disk; \"failing\" %s%.1f s after the limit; %lld raised "
             "events published in the %d ms held full after it; \"ok\" again: %s; room again "
             "after %.1f s; \"held changes committed\" logged %d times",
             during, failing ? "" : "NOT SEEN, ", failing ? failing->at - t_full : 0.0,
             b.raised_total - a.raised_total, hold_ms, ok_after ? "yes" : "NOT SEEN",
             t_room - t_full, f_log_count(&w, "held changes committed"));
out:
    h_sub_free(st);
    f_world_close(&w);
}

/* ---- 4 ---- */

#define VALID_SENSORS 40 /* sensors 40..49 get only malformed input: any raise there is wrong */
#define BIG_MAX 65536

/* The k-th malformed message: its topic and payload (into buf); returns the length. */
static size_t junk(unsigned k, char *topic, size_t tlen, char *buf, unsigned *rnd)
{
    int sensor = (int)(k % F_SENSORS);
    snprintf(topic, tlen, "faults/leak/%02d", sensor);
    static const char *const wrong[] = {
        "{\"water_leak\":",
        "{\"water_leak\":\"yes\"}",
        "[true]",
        "{\"water_leak\":null}",
        "not json at all",
        "",
        "true",
        "{\"leak\":true}",
        "{\"water_leak\":{\"water_leak\":true}}",
        "\"water_leak\"",
    };
    switch (k % 8) {
    case 0: { /* random bytes */
        size_t n = 1 + rand_r(rnd) % 256;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)(rand_r(rnd) & 0xff);
        return n;
    }
    case 1: { /* oversized, otherwise a valid raise: only on the malformed-only sensors */
        snprintf(topic, tlen, "faults/leak/%02d", VALID_SENSORS + (int)(k / 8 % 10));
        size_t n = 8192 + rand_r(rnd) % (BIG_MAX - 8192 - 64);
        int h = snprintf(buf, 64, "{\"water_leak\":true,\"pad\":\"");
        memset(buf + h, 'x', n - (size_t)h - 2);
        memcpy(buf + n - 2, "\"}", 2);
        return n;
    }
    case 2: { /* deeply nested */
        size_t d = 3000;
        memset(buf, '[', d);
        memset(buf + d, ']', d);
        return 2 * d;
    }
    case 3: /* a command nobody can parse */
        snprintf(topic, tlen, F_PREFIX "/cmd/%s", k % 16 < 8 ? "ack" : "shelve");
        return (size_t)snprintf(buf, 256, "{\"alarm\":%u,\"by\":[", k);
    default: {
        const char *p = wrong[rand_r(rnd) % (sizeof(wrong) / sizeof(wrong[0]))];
        size_t n = strlen(p);
        memcpy(buf, p, n);
        return n;
    }
    }
}

void f_case_malformed(const struct f_opts *o, struct f_result *r)
{
    const int seconds = o->full ? 20 : 5;
    const long rss_growth_max_kb = 16 * 1024;
    struct f_world w;
    char *buf = malloc(BIG_MAX);
    r->name = "4 malformed_input";
    snprintf(r->criteria, sizeof(r->criteria),
             "0 valid raises missing, 0 raised by malformed input, gateway running, RSS growth "
             "<= %ld kB",
             rss_growth_max_kb);
    if (!buf || world_up(&w, r, "faults-sink-4", 0, 0) != 0) goto out;
    warm_up(&w, F_SENSORS);
    struct f_proc p0, p;
    f_proc_read(w.gw, &p0);
    long rss_max = p0.rss_kb;
    unsigned rnd = o->seed, k = 0;
    long long junk_sent = 0, valid = 0;
    double t0 = h_now();
    char topic[96];
    /* 1000 messages a second in ticks of 10 ms: 9 malformed and one valid pulse (2 messages)
     * every tick but one in five, which carries 10 malformed. */
    for (int tick = 0; tick < seconds * 100; tick++) {
        int n = tick % 5 == 4 ? 10 : 8;
        for (int i = 0; i < n; i++, k++) {
            size_t len = junk(k, topic, sizeof(topic), buf, &rnd);
            f_gen_raw(w.gen, topic, buf, len);
            junk_sent++;
        }
        if (tick % 5 != 4) {
            f_gen_pulse(w.gen, (int)(valid % VALID_SENSORS));
            valid++;
        }
        if (tick % 100 == 99) {
            f_proc_read(w.gw, &p);
            if (p.rss_kb > rss_max) rss_max = p.rss_kb;
        }
        double due = t0 + (tick + 1) * 0.01, now = h_now();
        if (due > now) f_nap_ms((int)((due - now) * 1000));
    }
    double span = h_now() - t0;
    wait_all(&w, STALL_MS);
    f_result_count(r, &w);
    if (r->gw.rss_kb > rss_max) rss_max = r->gw.rss_kb;
    r->pass =
        r->missing == 0 && r->extra == 0 && r->gw.alive && rss_max - p0.rss_kb <= rss_growth_max_kb;
    snprintf(r->note, sizeof(r->note),
             "%lld malformed + %lld valid pulses in %.1f s (%.0f msg/s); RSS %ld kB before, at "
             "most %ld kB during; extra = raises of the malformed-only alarms leak_40..49",
             junk_sent, valid, span, (double)(junk_sent + 2 * valid) / span, p0.rss_kb, rss_max);
out:
    free(buf);
    f_world_close(&w);
}

/* ---- 5 ---- */

void f_case_flood(const struct f_opts *o, struct f_result *r)
{
    const int rounds = o->full ? 20 : 5;
    struct f_world w;
    r->name = "5 flood";
    if (o->flood_end_max)
        snprintf(r->criteria, sizeof(r->criteria),
                 "0 missing, 0 extra, a flood \"begin\" and its \"end\" (<= %d s after the last "
                 "raise), gateway running",
                 o->flood_end_max);
    else
        snprintf(r->criteria, sizeof(r->criteria),
                 "0 missing, 0 extra, a flood \"begin\" event, gateway running (the \"end\" comes "
                 "10 min after the raises stop: the full battery waits for it)");
    if (world_up(&w, r, "faults-sink-5", 0, 0) != 0) goto out;
    double t0 = h_now();
    for (int round = 0; round < rounds; round++) {
        f_gen_burst(w.gen, F_SENSORS, 0); /* all 50 at once */
        wait_all(&w, STALL_MS);
    }
    double t_raised = h_now();
    int began = f_sink_wait_flood(w.sink, 1, 0, 5000) == 0, ended = -1;
    f_result_count(r, &w); /* figures of the floods, before the quiet wait */
    if (o->flood_end_max) ended = f_sink_wait_flood(w.sink, 1, 1, o->flood_end_max * 1000) == 0;
    struct f_sink_stats s;
    f_sink_stats(w.sink, &s);
    struct f_proc p;
    f_proc_read(w.gw, &p);
    r->gw.alive = p.alive;
    r->pass = r->missing == 0 && r->extra == 0 && began && ended != 0 && r->gw.alive;
    snprintf(r->note, sizeof(r->note),
             "%d rounds of %d raises in %.1f s; flood begin events %d, end events %d (%s)", rounds,
             F_SENSORS, t_raised - t0, s.flood_begin, s.flood_end,
             ended < 0 ? "end not awaited"
             : ended   ? "end seen"
                       : "END NOT SEEN");
    if (ended == 1)
        snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
                 " %.0f s after the last raise", s.last_at - t_raised);
out:
    f_world_close(&w);
}

/* ---- 6 ---- */

void f_case_silent_link(const struct f_opts *o, struct f_result *r)
{
    const int stall_s = o->full ? 25 : 15, during = 100;
    static const char *const topics[] = {F_PREFIX "/status", NULL};
    struct f_world w;
    struct h_sub *st = NULL;
    r->name = "6 silent_link_loss";
    snprintf(r->criteria, sizeof(r->criteria),
             "0 missing, 0 extra; the gateway notices the silent upstream within the %d s stall "
             "(keepalive %d s) and reconnects; gateway running",
             stall_s, F_KEEPALIVE_S);
    if (world_up(&w, r, "faults-sink-6", 1, 1) != 0) goto out;
    st = h_sub_new(w.e->mqtt_port, topics);
    warm_up(&w, F_SENSORS);
    int drops0 = f_log_count(&w, "retrying in"), again0 = f_log_count(&w, "again");
    int offline0 = st ? h_sub_count(st, F_PREFIX "/status", "state", "offline") : 0;

    f_proxy_stall(w.proxy, 1);
    double t0 = h_now(), noticed = -1, will = -1;
    f_gen_burst(w.gen, during, 2000);
    f_gen_wait_acks(w.gen, 10000);
    for (int i = 0; i < stall_s * 10 && h_now() < t0 + stall_s; i++) { /* 100 ms steps */
        if (noticed < 0 && f_log_count(&w, "retrying in") > drops0) noticed = h_now() - t0;
        if (will < 0 && st && h_sub_count(st, F_PREFIX "/status", "state", "offline") > offline0)
            will = h_now() - t0;
        f_nap_ms(100);
    }
    f_proxy_stall(w.proxy, 0);
    double t1 = h_now();
    f_sink_mark(w.sink);
    wait_all(&w, BACKOFF_MS);
    struct f_sink_stats s;
    f_sink_stats(w.sink, &s);
    f_result_count(r, &w);
    int again = f_log_count(&w, "again") > again0;
    r->pass = r->missing == 0 && r->extra == 0 && noticed >= 0 && r->gw.alive;
    snprintf(r->note, sizeof(r->note),
             "stall %d s: the gateway dropped the link after %.1f s%s; the broker's will "
             "\"offline\" after %.1f s; forwarding again: first event after %.1f s, last %.1f s; "
             "log \"connected ... again\": %s",
             stall_s, noticed, noticed < 0 ? " (NEVER)" : "", will,
             s.first_at > 0 ? s.first_at - t1 : -1.0, s.last_at > t1 ? s.last_at - t1 : -1.0,
             again ? "yes" : "no");
out:
    h_sub_free(st);
    f_world_close(&w);
}

/* ---- 7 ---- */

void f_case_last_will(const struct f_opts *o, struct f_result *r)
{
    (void)o;
    const double limit = 1.5 * F_KEEPALIVE_S;
    static const char *const topics[] = {F_PREFIX "/status", NULL};
    struct f_world w;
    struct h_sub *st = NULL, *late = NULL;
    r->name = "7 last_will";
    snprintf(r->criteria, sizeof(r->criteria),
             "after kill -9, retained P/status \"offline\" within %.1f s (1.5 x keepalive)", limit);
    if (world_up(&w, r, "faults-sink-7", 0, 0) != 0) goto out;
    st = h_sub_new(w.e->mqtt_port, topics);
    const struct h_msg *on = st ? h_sub_wait(st, F_PREFIX "/status", "state", "online", 5000) : 0;
    f_result_count(r, &w);
    double t0 = h_now();
    h_kill9(w.gw);
    w.gw = 0;
    const struct h_msg *off =
        on ? h_sub_wait(st, F_PREFIX "/status", "state", "offline", (int)(limit * 1000) + 5000)
           : NULL;
    double dt = off ? off->at - t0 : -1;
    late = h_sub_new(w.e->mqtt_port, topics);
    const struct h_msg *kept = late ? h_sub_wait(late, F_PREFIX "/status", NULL, NULL, 3000) : 0;
    json_t *j = kept ? h_json(kept) : NULL;
    int retained = kept && kept->retain && !strcmp(h_json_str(j, "state"), "offline");
    json_decref(j);
    r->pass = off && dt <= limit && retained;
    r->gw.alive = 0;
    snprintf(r->note, sizeof(r->note),
             "\"offline\" %s %.2f s after kill -9; a new subscriber gets it retained: %s "
             "(figures of the gateway before the kill)",
             off ? "arrived" : "NEVER arrived, waited", off ? dt : limit + 5,
             retained ? "yes" : "NO");
out:
    h_sub_free(st);
    h_sub_free(late);
    f_world_close(&w);
}
