/*
 * Integration tests: what the control room must be able to trust, with the real gateway, a real
 * mosquitto and the CLI: one gateway per database; a reconnect soon after the broker is back; a
 * leak sent while the gateway is down still raises (persistent session); signed commands from
 * `steward ack --key`, and unsigned ones refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "tests/integration/harness.h"

static const char cfg_text[] =
    "site = { id = \"trust\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/trust\"; keepalive = "
    "\"5s\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"site/leak\"; field = \"water_leak\"; "
    "} );\n"
    "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = \"emergency\"; category = "
    "\"plumbing\";\n"
    "            title = \"Water leak\"; } );\n";

static const char signed_extra[] =
    "operators = ( { name = \"li.wei\"; roles = [\"ack\"]; key_file = \"@DIR@/li.key\"; } );\n"
    "commands = { require_signature = true; };\n";

static const char *const all[] = {"steward/trust/#", NULL};

static void test_a_second_gateway_on_the_same_database_is_refused(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_true(h_broker_start(e) > 0);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "site.cfg", cfg_text));
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);
    const char *argv[] = {h_bin("steward"), "run", "-c", cfg, NULL};
    assert_int_equal(h_run(argv, h_path(e, "second.log"), 10000), 1);
    char *log = h_read_file(h_path(e, "second.log"));
    char want[64];
    snprintf(want, sizeof(want), "another steward (PID %ld)", (long)gw);
    assert_non_null(log);
    assert_non_null(strstr(log, want));
    free(log);
    assert_true(h_alive(gw)); /* the first one is untouched */
    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    h_cleanup_all();
    free(e);
}

static void test_the_link_is_back_within_5_s_of_the_broker_and_no_leak_is_lost(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_true(h_broker_start(e) > 0);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "site.cfg", cfg_text));
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);
    /* An 8 s outage: a back-off doubling from 1 s to 30 s would try next at 15 s, 7 s after the
     * broker is back; capped at 5 s it is back within 5 s. */
    h_broker_stop(e);
    struct timespec pause = {8, 0};
    nanosleep(&pause, NULL); /* the outage itself: there is nothing to wait for */
    assert_true(h_broker_start(e) > 0);
    double up = h_now();
    struct h_sub *sub = h_sub_new(e->mqtt_port, all);
    assert_non_null(sub);
    const struct h_msg *m = h_sub_wait(sub, "steward/trust/status", "state", "online", 10000);
    assert_non_null(m);
    double back = m->retain ? 0 : m->at - up;
    if (m->retain) { /* the retained copy is the old one: wait for the new publication */
        int n = h_sub_wait_count(sub, "steward/trust/status", "state", "online", 2, 10000);
        assert_true(n >= 2);
        double at[4];
        h_sub_arrivals(sub, "steward/trust/status", at, 4);
        back = at[0] - up;
    }
    print_message("link back %.2f s after the broker\n", back);
    assert_true(back <= 5.5);

    /* The gateway dies; a leak is published meanwhile; the broker keeps it for the gateway's
     * persistent session, and the restarted gateway raises it. */
    h_kill9(gw);
    const char *leak = "{\"water_leak\": true}";
    assert_int_equal(h_publish(e->mqtt_port, "site/leak", leak, strlen(leak), 1, 0), 0);
    gw = h_gateway_start(e, cfg, "steward2.log");
    assert_true(gw > 0);
    assert_non_null(h_sub_wait(sub, "steward/trust/workorders/+", "rule", "leak_room", 10000));
    h_sub_free(sub);
    h_stop(gw, 5000);
    assert_true(h_logs_clean(e));
    h_cleanup_all();
    free(e);
}

static void test_signed_acks_from_the_cli_and_unsigned_ones_refused(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_true(h_broker_start(e) > 0);
    char text[2048], cfg[256];
    snprintf(text, sizeof(text), "%s%s", cfg_text, signed_extra);
    snprintf(cfg, sizeof(cfg), "%s", h_write_config(e, "site.cfg", text));
    FILE *k = fopen(h_path(e, "li.key"), "w");
    assert_non_null(k);
    fputs("a-long-random-operator-key\n", k);
    fclose(k);
    assert_int_equal(chmod(h_path(e, "li.key"), 0600), 0);
    struct h_sub *sub = h_sub_new(e->mqtt_port, all);
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    assert_true(gw > 0);
    const char *leak = "{\"water_leak\": true}";
    assert_int_equal(h_publish(e->mqtt_port, "site/leak", leak, strlen(leak), 1, 0), 0);
    assert_non_null(
        h_sub_wait(sub, "steward/trust/alarms/leak_room", "state", "active_unack", 5000));
    /* Unsigned, even naming the operator: refused, and the alarm stays unacknowledged. */
    const char *plain[] = {h_bin("steward"), "ack", "-c", cfg, "leak_room", "--by", "li.wei", NULL};
    assert_int_equal(h_run(plain, h_path(e, "plain.out"), 15000), 1);
    char *out = h_read_file(h_path(e, "plain.out"));
    assert_non_null(out);
    assert_non_null(strstr(out, "not a signed command"));
    free(out);
    /* Signed with the operator's key: accepted, acked by the signer. */
    const char *sgn[] = {h_bin("steward"),    "ack",  "-c",     cfg,
                         "leak_room",         "--by", "li.wei", "--key",
                         h_path(e, "li.key"), NULL};
    assert_int_equal(h_run(sgn, h_path(e, "signed.out"), 15000), 0);
    assert_non_null(h_sub_wait(sub, "steward/trust/alarms/leak_room", "acked_by", "li.wei", 5000));
    /* Every command, refused or accepted, is an event. */
    assert_true(h_sub_count(sub, "steward/trust/events", "type", "command") >= 2);
    h_sub_free(sub);
    h_stop(gw, 5000);
    assert_true(h_logs_clean(e));
    h_cleanup_all();
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_second_gateway_on_the_same_database_is_refused),
        cmocka_unit_test(test_the_link_is_back_within_5_s_of_the_broker_and_no_leak_is_lost),
        cmocka_unit_test(test_signed_acks_from_the_cli_and_unsigned_ones_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
