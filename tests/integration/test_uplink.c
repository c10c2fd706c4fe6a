/*
 * Integration tests: the uplink's outbox bookkeeping (gateway/uplink.c) against a real mosquitto,
 * driven by hand as the core's loop drives it, so that the test decides when PUBACKs are read:
 *   - an outbox row awaiting its PUBACK survives 65 536 telemetry publishes, whose message ids
 *     come from the same 16-bit counter and wrap onto the row's;
 *   - a connection made while a group is open publishes nothing of it before it is committed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/uplink/mqtt_link.h"
#include "gateway/store/store.h"
#include "gateway/uplink/uplink.h"
#include "tests/integration/harness.h"

static const char cfg_text[] =
    "site = { id = \"up\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/up\"; keepalive = "
    "\"60s\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n";

struct fx {
    struct h_env *e;
    struct config *cfg;
    struct store *store;
    struct uplink up;
};

static void ignore_message(void *ctx, const char *topic, const void *payload, size_t len)
{
    (void)ctx, (void)topic, (void)payload, (void)len;
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->e = h_env_new();
    assert_non_null(f->e);
    assert_true(h_broker_start(f->e) > 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", h_write_config(f->e, "up.cfg", cfg_text));
    assert_int_equal(config_load(path, &f->cfg, NULL), ST_OK);
    assert_int_equal(store_open(f->cfg->storage.path, 0, &f->store), ST_OK);
    assert_int_equal(uplink_init(&f->up, f->cfg, f->store, ignore_message, NULL, NULL, 0), ST_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    uplink_cleanup(&f->up);
    store_close(f->store);
    config_free(f->cfg);
    h_cleanup_all();
    free(f->e);
    free(f);
    return 0;
}

/* One turn of the link as the core's loop does it; with reads 0, incoming data (PUBACKs) is left
 * unread in the socket. */
static void turn(struct fx *f, int reads, int wait_ms)
{
    mqtt_link_tick(f->up.link, clock_mono_ms());
    struct pollfd p = {mqtt_link_fd(f->up.link), mqtt_link_events(f->up.link), 0};
    if (!reads) p.events &= (short)~POLLIN;
    if (p.fd >= 0 && p.events && poll(&p, 1, wait_ms) > 0) mqtt_link_io(f->up.link, p.revents);
    uplink_settle(&f->up); /* PUBACKs noted by the callback are written in the loop's step */
}

static void connect_now(struct fx *f)
{
    for (int i = 0; i < 200 && !mqtt_link_connected(f->up.link); i++)
        turn(f, 1, 25);
    assert_true(mqtt_link_connected(f->up.link));
}

static void test_a_row_awaiting_its_puback_survives_a_wrap_of_message_ids(void **state)
{
    struct fx *f = *state;
    assert_int_equal(
        store_outbox_add(f->store, "steward/up/alarms/leak", "{\"seq\":1}", 9, 1, 1, NULL), ST_OK);
    assert_int_equal(store_commit(f->store), ST_OK);
    connect_now(f);
    uplink_drain(&f->up);
    assert_int_equal(f->up.inflight, 1);
    /* A slow broker: its PUBACK stays unread while 65 536 telemetry messages go out. */
    for (int i = 0; i < 65536; i++) {
        uplink_telemetry(&f->up, "tx1/temp_a", "{\"value\":1}", 11);
        for (int k = 0; k < 100 && (mqtt_link_events(f->up.link) & POLLOUT); k++)
            turn(f, 0, 100);
    }
    assert_int_equal(store_commit(f->store), ST_OK);
    assert_int_equal(f->up.inflight, 1);
    assert_int_equal(f->up.delivered, 0);
    assert_int_equal(store_outbox_count(f->store), 1);
    /* Now the PUBACK is read: the row, and only then, is delivered. */
    for (int i = 0; i < 400 && f->up.delivered == 0; i++)
        turn(f, 1, 25);
    assert_int_equal(store_commit(f->store), ST_OK);
    assert_int_equal(f->up.delivered, 1);
    assert_int_equal(store_outbox_count(f->store), 0);
}

static void test_a_connection_made_inside_an_open_group_publishes_nothing_uncommitted(void **st)
{
    struct fx *f = *st;
    /* The group is open (a raise in this iteration) when the CONNACK arrives. */
    assert_int_equal(
        store_outbox_add(f->store, "steward/up/workorders/WO-up-000001", "{}", 2, 1, 1, NULL),
        ST_OK);
    connect_now(f);
    assert_int_equal(f->up.inflight, 0);
    /* The loop's order: commit, then drain. */
    assert_int_equal(store_commit(f->store), ST_OK);
    uplink_drain(&f->up);
    assert_int_equal(f->up.inflight, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_a_row_awaiting_its_puback_survives_a_wrap_of_message_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_connection_made_inside_an_open_group_publishes_nothing_uncommitted, setup,
            teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
