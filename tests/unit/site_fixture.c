/* site_fixture.c - see site_fixture.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "tests/unit/site_fixture.h"

static void site_open(struct site *s)
{
    assert_int_equal(store_open(s->db, 0, &s->store), ST_OK);
    s->j = (struct journal){s->store, s->cfg->upstream.topic_prefix};
    s->pts = points_new(s->cfg);
    assert_non_null(s->pts);
    s->timers = timers_new();
    assert_non_null(s->timers);
    wo_init(&s->wos, s->cfg, &s->j, s->timers);
    struct alarm_inputs in = {s->pts->value, s->pts->quality, s->pts->n};
    assert_int_equal(alarms_init(&s->al, s->cfg, in, &s->j, &s->wos, s->timers), ST_OK);
    assert_int_equal(wo_restore(&s->wos, s->store), ST_OK);
    assert_int_equal(alarms_restore(&s->al, s->store), ST_OK);
}

static void site_close(struct site *s)
{
    alarms_cleanup(&s->al);
    wo_cleanup(&s->wos);
    points_free(s->pts);
    store_close(s->store);
    timers_free(s->timers);
}

int site_run_timers(struct site *s)
{
    return timers_run(s->timers, clock_mono_ms(), clock_wall_ms());
}

int64_t site_next_due_wall(struct site *s)
{
    int64_t mono = clock_mono_ms(), next = timers_next(s->timers, mono, clock_wall_ms());
    return next ? next - mono + clock_wall_ms() : 0;
}

struct site *site_new(void)
{
    return site_new_config("config/examples/demo.cfg");
}

struct site *site_new_config(const char *path)
{
    struct site *s = calloc(1, sizeof(*s));
    assert_non_null(s);
    snprintf(s->dir, sizeof(s->dir), "/tmp/steward-site-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    snprintf(s->db, sizeof(s->db), "%s/site.db", s->dir);
    struct config_diag d = {0};
    int rc = config_load(path, &s->cfg, &d);
    for (size_t i = 0; i < d.n; i++)
        print_message("%s\n", d.msgs[i]);
    config_diag_free(&d);
    assert_int_equal(rc, ST_OK);
    site_open(s);
    return s;
}

void site_restart(struct site *s)
{
    site_close(s);
    site_open(s);
}

void site_free(struct site *s)
{
    if (!s) return;
    site_close(s);
    config_free(s->cfg);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", s->dir);
    int rc = system(cmd);
    free(s);
    assert_int_equal(rc, 0);
}
