/*
 * fuzz_commands.c - libFuzzer target: control-room commands (commands_handle) against the demo
 * site's real alarms, work orders and store, as tests/unit/site_fixture.c builds them.
 *
 * Input: the verb (the topic level after P/cmd/), a newline, then the payload; an input without
 * a newline is the payload of "ack". The site is built once, with the pump-room leak alarm active
 * and its work order open so that intact commands reach the alarms and work orders, and reused:
 * the store is SQLite in memory, committed and its outbox drained every COMMIT_EVERY inputs (as
 * the uplink does on PUBACKs), and the whole site is rebuilt every REBUILD_EVERY inputs, so the
 * state an input meets stays bounded. The fake clock moves one second per input and the due timers
 * run (SLA deadlines, shelving ends), as the loop would. Every command must be answered
 * (one more outbox row, except our own "result") without a store error.
 *
 * Leaks: the state kept between inputs makes nearly every input allocate more than it frees,
 * which would make libFuzzer scan the whole heap after each one (a few ms). run.sh therefore
 * passes -detect_leaks=0 and this target asks LeakSanitizer itself (fuzz_leak_check): what a
 * command leaked is unreachable by then and reported with its stack.
 */
#include "tests/fuzz/fuzz_common.h"
#include "gateway/alarms/alarms.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/timer.h"
#include "gateway/core/points.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"
#include "gateway/uplink/commands.h"
#include "gateway/work/workorders.h"

#include <stdlib.h>
#include <string.h>

#define COMMIT_EVERY 64
#define REBUILD_EVERY 8192
#define DRAIN_MAX 100000

struct site {
    struct config *cfg;
    struct store *store;
    struct timers *timers;
    struct journal j;
    struct points *pts;
    struct wo_table wos;
    struct alarms al;
    struct commands cmd;
};

static struct site site;
static unsigned long inputs;

static void site_open(struct site *s)
{
    FUZZ_CHECK(store_open(":memory:", 0, &s->store) == ST_OK, "store_open");
    s->j = (struct journal){s->store, s->cfg->upstream.topic_prefix};
    s->pts = points_new(s->cfg);
    s->timers = timers_new();
    FUZZ_CHECK(s->pts && s->timers, "out of memory");
    wo_init(&s->wos, s->cfg, &s->j, s->timers);
    struct alarm_inputs in = {s->pts->value, s->pts->quality, s->pts->n};
    FUZZ_CHECK(alarms_init(&s->al, s->cfg, in, &s->j, &s->wos, s->timers) == ST_OK, "alarms_init");
    FUZZ_CHECK(wo_restore(&s->wos, s->store) == ST_OK, "wo_restore");
    FUZZ_CHECK(alarms_restore(&s->al, s->store) == ST_OK, "alarms_restore");
    s->cmd = (struct commands){.alarms = &s->al, .wos = &s->wos, .journal = &s->j};
    /* The leak alarm active and its work order open (WO-demo-000001), as test_bad_input does. */
    int leak = config_point_find(s->cfg, "leak_pump");
    FUZZ_CHECK(leak >= 0, "no leak_pump in the demo site");
    points_set(s->pts, leak, 1, 0, clock_wall_ms());
    alarms_point_changed(&s->al, leak);
    FUZZ_CHECK(alarms_process(&s->al, clock_mono_ms(), clock_wall_ms()) == ST_OK, "alarms_process");
    FUZZ_CHECK(store_commit(s->store) == ST_OK, "store_commit");
    FUZZ_CHECK(s->wos.n == 1, "%zu work orders open, not 1", s->wos.n);
}

static void site_close(struct site *s)
{
    alarms_cleanup(&s->al);
    wo_cleanup(&s->wos);
    points_free(s->pts);
    store_close(s->store);
    timers_free(s->timers);
    s->pts = NULL;
    s->store = NULL;
    s->timers = NULL;
}

struct drain {
    int64_t ids[256];
    size_t n;
};

static int collect(void *ctx, int64_t id, const char *topic, const void *payload, size_t len,
                   int qos, int retain)
{
    (void)topic;
    (void)payload;
    (void)len;
    (void)qos;
    (void)retain;
    struct drain *d = ctx;
    d->ids[d->n++] = id;
    return 0;
}

/* What the uplink does with PUBACKs: every committed outbox row delivered, so rows do not pile
 * up. */
static void commit_and_drain(struct site *s)
{
    FUZZ_CHECK(store_commit(s->store) == ST_OK, "store_commit");
    int64_t after = 0;
    for (int rounds = 0; rounds < DRAIN_MAX / 256; rounds++) {
        struct drain d = {.n = 0};
        FUZZ_CHECK(store_outbox_pending(s->store, after, 256, collect, &d) == ST_OK,
                   "store_outbox_pending");
        if (d.n == 0) break;
        for (size_t i = 0; i < d.n; i++)
            FUZZ_CHECK(store_outbox_delivered(s->store, d.ids[i]) == ST_OK,
                       "store_outbox_delivered");
        after = d.ids[d.n - 1];
    }
    FUZZ_CHECK(store_commit(s->store) == ST_OK, "store_commit");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_threshold = LOG_ERROR;
    clock_set_fake(1795356191208LL);
    site.cfg = fuzz_demo_config();
    site_open(&site);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (++inputs % REBUILD_EVERY == 0) {
        site_close(&site);
        site_open(&site);
    }
    char verb[33] = "ack";
    const uint8_t *nl = memchr(data, '\n', size);
    if (nl) {
        size_t n = (size_t)(nl - data) < sizeof(verb) - 1 ? (size_t)(nl - data) : sizeof(verb) - 1;
        memcpy(verb, data, n);
        verb[n] = '\0';
        size -= (size_t)(nl - data) + 1;
        data = nl + 1;
    }
    clock_advance(1000);
    FUZZ_CHECK(timers_run(site.timers, clock_mono_ms(), clock_wall_ms()) == ST_OK, "timers_run");
    int64_t before = store_outbox_count(site.store);
    uint64_t rejected = site.cmd.rejected;
    int rc = commands_handle(&site.cmd, verb, data, size, clock_mono_ms(), clock_wall_ms());
    FUZZ_CHECK(rc == ST_OK, "commands_handle: %s", st_strerror(rc));
    int64_t after = store_outbox_count(site.store);
    FUZZ_CHECK(before >= 0 && after >= 0, "store_outbox_count failed");
    if (strcmp(verb, "result") != 0)
        FUZZ_CHECK(after > before, "command '%s' not answered (%lld rows, then %lld)", verb,
                   (long long)before, (long long)after);
    FUZZ_CHECK(site.cmd.rejected - rejected <= 1, "one command counted %llu refusals",
               (unsigned long long)(site.cmd.rejected - rejected));
    if (inputs % COMMIT_EVERY == 0) commit_and_drain(&site);
    fuzz_leak_check();
    return 0;
}
