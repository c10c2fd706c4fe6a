/*
 * Integration test: the disk fills up under a running gateway, and a leak arrives meanwhile.
 *
 * The "full disk" is real to the gateway: the test lowers the gateway's file size limit
 * (RLIMIT_FSIZE, through prlimit(2)) to the current size of its WAL, so the next commit's append
 * fails in write(2), as it would with ENOSPC. The gateway must keep running, say so on P/status,
 * publish nothing it has not stored, and deliver the work order once the disk takes it again,
 * durably (it survives a kill -9 right after).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/integration/harness.h"

static const char cfg_text[] =
    "site = { id = \"df\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/df\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"site/leak\"; field = \"water_leak\";\n"
    "              asset = \"LS-1\"; location = \"B2 pump room\"; } );\n"
    "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = \"emergency\"; category = "
    "\"plumbing\";\n"
    "            title = \"Water leak, B2 pump room\"; } );\n";

static const char *const topics[] = {"steward/df/#", NULL};

static void test_a_leak_during_a_full_disk_is_held_then_delivered_durably(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_non_null(e);
    char *cfg = strdup(h_write_config(e, "df.cfg", cfg_text));
    assert_non_null(cfg);
    assert_true(h_broker_start(e) > 0);
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(sub);
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);
    assert_non_null(h_sub_wait(sub, "steward/df/events", "type", "restart", 5000));

    /* The disk fills up: no file of the gateway may grow past its WAL's current size. */
    char wal[512];
    snprintf(wal, sizeof(wal), "%s-wal", h_path(e, "steward.db"));
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    struct rlimit old, full;
    assert_int_equal(prlimit(gw, RLIMIT_FSIZE, NULL, &old), 0);
    full = old;
    full.rlim_cur = (rlim_t)sb.st_size;
    assert_int_equal(prlimit(gw, RLIMIT_FSIZE, &full, NULL), 0);

    const char *leak = "{\"water_leak\": true}";
    assert_int_equal(h_publish(e->mqtt_port, "site/leak", leak, strlen(leak), 1, 0), 0);
    /* The control room learns that the gateway cannot store; nothing unstored is published. */
    const struct h_msg *m = h_sub_wait(sub, "steward/df/status", "store", "failing", 5000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    assert_null(h_sub_wait(sub, "steward/df/workorders/+", NULL, NULL, 1500));
    assert_true(h_alive(gw));

    /* Space comes back: the held alarm and work order are committed, then published. */
    assert_int_equal(prlimit(gw, RLIMIT_FSIZE, &old, NULL), 0);
    m = h_sub_wait(sub, "steward/df/workorders/+", "rule", "leak_room", 5000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    assert_non_null(h_sub_wait(sub, "steward/df/alarms/leak_room", "state", "active_unack", 2000));
    assert_non_null(h_sub_wait(sub, "steward/df/status", "store", "ok", 5000));
    assert_int_equal(h_wait_log(h_path(e, "steward.log"), "held changes committed", 2000), 0);

    /* It is on disk: a kill -9 now loses nothing, and the restart does not raise it twice. */
    h_kill9(gw);
    const char *status[] = {h_bin("steward"), "status", "-c", cfg, NULL};
    assert_int_equal(h_run(status, h_path(e, "status.out"), 15000), 0);
    char *out = h_read_file(h_path(e, "status.out"));
    assert_non_null(out);
    assert_non_null(strstr(out, "WO-df-000001"));
    assert_non_null(strstr(out, "leak_room"));
    free(out);
    gw = h_gateway_start(e, cfg, "steward2.log");
    assert_true(gw > 0);
    assert_non_null(h_sub_wait(sub, "steward/df/events", "type", "restart", 5000));
    assert_null(h_sub_wait(sub, "steward/df/workorders/+", "id", "WO-df-000002", 1500));

    h_sub_free(sub);
    int rc = h_stop(gw, 5000);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    int clean = h_logs_clean(e);
    h_cleanup_all();
    free(cfg);
    free(e);
    assert_true(clean);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_leak_during_a_full_disk_is_held_then_delivered_durably),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
