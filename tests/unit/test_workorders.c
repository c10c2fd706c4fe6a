/* Unit tests: work orders, dedup and the SLA clock (gateway/workorders.c, gateway/sla.c),
 * on a real SQLite store in a temporary directory, with a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/work/sla.h"
#include "gateway/store/store.h"
#include "gateway/base/timer.h"
#include "gateway/work/workorders.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
/* 2026-11-22T14:03:11.208Z */
#define T0 1795356191208LL

static char *ladder[] = {"technician", "supervisor", "manager", "general_manager"};

struct fx {
    struct timers *ts;
    char dir[64], path[96];
    struct config cfg;
    struct store *store;
    struct journal j;
    struct wo_table t;
};

static void fx_config(struct config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->site.id = "hq_tower";
    cfg->upstream.topic_prefix = "steward/hq_tower";
    cfg->sla.prio[PRIO_EMERGENCY] = (struct cfg_sla_prio){1 * MIN, 15 * MIN, 24 * HOUR};
    cfg->sla.prio[PRIO_URGENT] = (struct cfg_sla_prio){5 * MIN, 30 * MIN, 24 * HOUR};
    cfg->sla.prio[PRIO_NORMAL] = (struct cfg_sla_prio){15 * MIN, 24 * HOUR, 48 * HOUR};
    cfg->sla.escalation = ladder;
    cfg->sla.n_escalation = 4;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/steward-wo-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof(f->path), "%s/t.db", f->dir);
    fx_config(&f->cfg);
    assert_int_equal(store_open(f->path, 0, &f->store), ST_OK);
    f->j = (struct journal){f->store, f->cfg.upstream.topic_prefix};
    f->ts = timers_new();
    assert_non_null(f->ts);
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    clock_set_fake(T0);
    *state = f;
    return 0;
}

/* The wall time the earliest work-order timer is due, or 0 (the orders' timers are all here). */
static int64_t next_due(struct fx *f)
{
    int64_t mono = clock_mono_ms(), next = timers_next(f->ts, mono, clock_wall_ms());
    return next ? next - mono + clock_wall_ms() : 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    wo_cleanup(&f->t);
    timers_free(f->ts);
    store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0) return -1;
    clock_set_real();
    free(f);
    return 0;
}

static const struct wo_spec overtemp = {"rule",        "tx1_overtemp",
                                        "TX-1",        "B2 tx room",
                                        "electrical",  "Transformer over-temperature",
                                        PRIO_EMERGENCY};

static int64_t doc_time(const struct workorder *w, const char *key)
{
    int64_t ms = -1;
    const char *s = json_string_value(json_object_get(w->doc, key));
    assert_non_null(s);
    assert_int_equal(clock_parse_iso(s, &ms), ST_OK);
    return ms;
}

static void test_raise_sets_fields_and_deadlines_from_priority(void **state)
{
    struct fx *f = *state;
    struct workorder *w = NULL;
    json_t *ev = json_pack("{s:f}", "tx1.temp_a", 131.2);
    assert_int_equal(wo_raise(&f->t, &overtemp, ev, clock_wall_ms(), &w), ST_OK);
    assert_string_equal(w->id, "WO-hq_tower-000001");
    assert_string_equal(w->dedup_key, "hq_tower/TX-1/tx1_overtemp");
    assert_string_equal(json_string_value(json_object_get(w->doc, "status")), "open");
    assert_string_equal(json_string_value(json_object_get(w->doc, "priority")), "emergency");
    assert_string_equal(json_string_value(json_object_get(w->doc, "created_at")),
                        "2026-11-22T14:03:11.208Z");
    assert_int_equal(doc_time(w, "notify_by"), T0 + 1 * MIN);
    assert_int_equal(doc_time(w, "respond_by"), T0 + 15 * MIN);
    assert_int_equal(doc_time(w, "resolve_by"), T0 + 24 * HOUR);
    assert_true(
        json_real_value(json_object_get(json_object_get(w->doc, "evidence"), "tx1.temp_a")) > 131);
}

static int count_rows(void *ctx, int64_t id, const char *topic, const void *payload, size_t len,
                      int qos, int retain)
{
    (void)id, (void)payload, (void)qos;
    int *n = ctx;
    if (strncmp(topic, "steward/hq_tower/workorders/", 28) == 0 && len > 0 && retain) n[0]++;
    if (strcmp(topic, "steward/hq_tower/workorders/WO-hq_tower-000001") == 0 && len == 0 && retain)
        n[1]++;
    return 0;
}

static void test_same_dedup_key_updates_instead_of_duplicating(void **state)
{
    struct fx *f = *state;
    struct workorder *a = NULL, *b = NULL;
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &a), ST_OK);
    clock_advance(30000);
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &b), ST_OK);
    assert_int_equal(f->t.n, 1);
    assert_ptr_equal(a, b);
    assert_int_equal(json_integer_value(json_object_get(b->doc, "occurrences")), 2);
    struct wo_spec other = overtemp;
    other.rule = "pf_low";
    assert_int_equal(wo_raise(&f->t, &other, NULL, clock_wall_ms(), &b), ST_OK);
    assert_int_equal(f->t.n, 2);
    assert_string_equal(b->id, "WO-hq_tower-000002");
    assert_int_equal(store_commit(f->store), ST_OK);
    int n[2] = {0, 0};
    assert_int_equal(store_outbox_pending(f->store, 0, 100, count_rows, n), 0);
    assert_int_equal(n[0], 3); /* created, updated, second order */
}

static void test_missed_deadlines_escalate_once_each_up_the_ladder(void **state)
{
    struct fx *f = *state;
    struct workorder *w = NULL;
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &w), ST_OK);
    assert_int_equal(next_due(f), T0 + 1 * MIN);
    clock_advance(59999);
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(w->level, 0);
    clock_advance(1);
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(w->level, 1);
    assert_string_equal(json_string_value(json_object_get(w->doc, "assigned_role")), "supervisor");
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()),
                     ST_OK); /* not twice for one deadline */
    assert_int_equal(w->level, 1);
    assert_int_equal(next_due(f), T0 + 15 * MIN);
    /* Accepted late but on site in time: the respond deadline does not escalate. */
    assert_int_equal(wo_set_status(&f->t, w->id, "accepted", "alice", NULL, clock_wall_ms(), NULL),
                     ST_OK);
    assert_int_equal(wo_set_status(&f->t, w->id, "on_site", "alice", NULL, clock_wall_ms(), NULL),
                     ST_OK);
    clock_advance(20 * MIN);
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(w->level, 1);
    clock_advance(24 * HOUR);
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(w->level, 2);
    assert_string_equal(json_string_value(json_object_get(w->doc, "assigned_role")), "manager");
    assert_int_equal(json_array_size(json_object_get(w->doc, "escalated")), 2);
}

static void test_status_moves_forward_only_and_first_acceptor_owns(void **state)
{
    struct fx *f = *state;
    struct workorder *w = NULL;
    const char *why = NULL;
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &w), ST_OK);
    char id[sizeof(w->id)];
    snprintf(id, sizeof(id), "%s", w->id);
    assert_int_equal(wo_set_status(&f->t, id, "accepted", "alice", NULL, clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(wo_set_status(&f->t, id, "accepted", "bob", NULL, clock_wall_ms(), &why),
                     ST_ERR_STATE);
    assert_int_equal(wo_set_status(&f->t, id, "open", "bob", NULL, clock_wall_ms(), &why),
                     ST_ERR_STATE);
    assert_int_equal(wo_set_status(&f->t, id, "fixed", "bob", NULL, clock_wall_ms(), &why),
                     ST_ERR_INVAL);
    assert_int_equal(wo_set_status(&f->t, "WO-nope", "closed", "bob", NULL, clock_wall_ms(), &why),
                     ST_ERR_NOTFOUND);
    assert_int_equal(wo_set_status(&f->t, id, "on_site", "bob", NULL, clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(
        wo_set_status(&f->t, id, "resolved", "bob", "replaced fan", clock_wall_ms(), &why), ST_OK);
    assert_string_equal(json_string_value(json_object_get(w->doc, "owner")), "alice");
    assert_non_null(json_object_get(w->doc, "follow_up_by"));
    assert_int_equal(wo_set_status(&f->t, id, "cancelled", "bob", NULL, clock_wall_ms(), &why),
                     ST_ERR_STATE);
    assert_int_equal(wo_set_status(&f->t, id, "closed", "carol", NULL, clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(f->t.n, 1); /* closed, its follow-up still to come */
    struct wo_update fu = {id, "followed_up", "dora", NULL, "satisfied"};
    assert_int_equal(wo_update(&f->t, &fu, clock_wall_ms(), &why, NULL), ST_OK);
    assert_int_equal(f->t.n, 0);
    /* Closed: a new raise opens a new order. */
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &w), ST_OK);
    assert_string_equal(w->id, "WO-hq_tower-000002");
    assert_int_equal(store_commit(f->store), ST_OK);
    int n[2] = {0, 0};
    assert_int_equal(store_outbox_pending(f->store, 0, 100, count_rows, n), 0);
    assert_int_equal(n[1], 2); /* the retained copy of the closed order is cleared (at the close
                                * and again with its follow-up) */
}

static void test_a_fault_back_after_resolution_opens_a_new_order(void **state)
{
    struct fx *f = *state;
    struct workorder *w = NULL;
    const char *why = NULL;
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &w), ST_OK);
    char first[sizeof(w->id)];
    snprintf(first, sizeof(first), "%s", w->id);
    /* Accepted: still in hand, so a repeat updates it. */
    assert_int_equal(wo_set_status(&f->t, first, "accepted", "alice", NULL, clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &w), ST_OK);
    assert_string_equal(w->id, first);
    assert_int_equal(f->t.n, 1);
    /* Resolved, then the fault comes back: a new order with a fresh clock, the old one waits for
     * its follow-up and close. */
    assert_int_equal(wo_set_status(&f->t, first, "on_site", "alice", NULL, clock_wall_ms(), &why),
                     ST_OK);
    assert_int_equal(wo_set_status(&f->t, first, "resolved", "alice", NULL, clock_wall_ms(), &why),
                     ST_OK);
    clock_advance(HOUR);
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &w), ST_OK);
    assert_string_not_equal(w->id, first);
    assert_string_equal(json_string_value(json_object_get(w->doc, "status")), "open");
    assert_int_equal(w->sla.due[SLA_NOTIFY], clock_wall_ms() + 1 * MIN);
    assert_int_equal(f->t.n, 2);
}

static void test_a_site_id_of_the_longest_length_still_gives_distinct_ids(void **state)
{
    struct fx *f = *state;
    static char long_site[] =
        "a234567890123456789012345678901234567890123456789012345678901234"; /* 64 */
    f->cfg.site.id = long_site;
    struct workorder *a = NULL, *b = NULL;
    struct wo_spec other = overtemp;
    other.rule = "other_rule";
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &a), ST_OK);
    char first[sizeof(a->id)];
    snprintf(first, sizeof(first), "%s", a->id);
    assert_int_equal(wo_raise(&f->t, &other, NULL, clock_wall_ms(), &b), ST_OK);
    assert_string_equal(first, "WO-a234567890123456789012345678901234567890123456789012345678901234"
                               "-000001");
    assert_string_not_equal(first, b->id);
}

static void test_open_orders_survive_a_restart_with_their_clock(void **state)
{
    struct fx *f = *state;
    struct workorder *w = NULL;
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &w), ST_OK);
    clock_advance(2 * MIN);
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(store_commit(f->store), ST_OK);
    wo_cleanup(&f->t);
    timers_free(f->ts);
    store_close(f->store);

    assert_int_equal(store_open(f->path, 0, &f->store), ST_OK);
    f->j.store = f->store;
    f->ts = timers_new();
    wo_init(&f->t, &f->cfg, &f->j, f->ts);
    assert_int_equal(wo_restore(&f->t, f->store), ST_OK);
    assert_int_equal(f->t.n, 1);
    w = f->t.v[0];
    assert_int_equal(w->level, 1);
    assert_int_equal(w->sla.due[SLA_RESPOND], T0 + 15 * MIN);
    /* notify does not escalate again */
    assert_int_equal(timers_run(f->ts, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(w->level, 1);
    struct workorder *again = NULL;
    assert_int_equal(wo_raise(&f->t, &overtemp, NULL, clock_wall_ms(), &again), ST_OK);
    assert_int_equal(f->t.n, 1); /* dedup holds across the restart */
}

static void test_sla_table_defaults_per_priority(void **state)
{
    struct fx *f = *state;
    struct sla_clock c;
    sla_start(&f->cfg.sla, PRIO_NORMAL, T0, &c);
    assert_int_equal(c.due[SLA_NOTIFY], T0 + 15 * MIN);
    assert_int_equal(c.due[SLA_RESPOND], T0 + 24 * HOUR);
    assert_int_equal(c.due[SLA_RESOLVE], T0 + 48 * HOUR);
    assert_int_equal(sla_overdue(&c, WO_OPEN, T0 + 15 * MIN - 1), -1);
    assert_int_equal(sla_overdue(&c, WO_OPEN, T0 + 15 * MIN), SLA_NOTIFY);
    assert_int_equal(sla_overdue(&c, WO_ACCEPTED, T0 + 15 * MIN), -1);
    assert_int_equal(sla_overdue(&c, WO_CLOSED, T0 + 72 * HOUR), -1);
    assert_string_equal(sla_role(&f->cfg.sla, 9), "general_manager");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_raise_sets_fields_and_deadlines_from_priority, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_dedup_key_updates_instead_of_duplicating, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_missed_deadlines_escalate_once_each_up_the_ladder,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_status_moves_forward_only_and_first_acceptor_owns,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_orders_survive_a_restart_with_their_clock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sla_table_defaults_per_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_fault_back_after_resolution_opens_a_new_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_site_id_of_the_longest_length_still_gives_distinct_ids, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
