/*
 * Integration tests: the whole gateway with real parts: mosquitto on a free loopback port,
 * steward-sim serving Modbus TCP, steward itself, and its SQLite file. Each test builds its own
 * environment (directory, ports, processes) and the harness stops everything by saved PID.
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
#include <sys/wait.h>
#include <time.h>

#include "gateway/base/clock.h"
#include "tests/integration/harness.h"

static const char site_cfg[] =
    "site = { id = \"itest\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/itest\"; keepalive = "
    "\"5s\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "modbus = {\n"
    "  buses = ( { id = \"sw\"; type = \"tcp\"; host = \"127.0.0.1\"; port = @MODBUS_PORT@; "
    "timeout = \"300ms\"; } );\n"
    "  profiles = (\n"
    "    { id = \"meter\"; points = (\n"
    "        { name = \"voltage_l1\"; table = \"input\"; address = 0; type = \"f32\"; unit = "
    "\"V\"; },\n"
    "        { name = \"pf_total\"; table = \"input\"; address = 62; type = \"f32\"; } ); },\n"
    "    { id = \"tx\"; points = (\n"
    "        { name = \"temp_a\"; table = \"holding\"; address = 0; type = \"i16\"; scale = 0.1; "
    "unit = \"C\"; },\n"
    "        { name = \"temp_b\"; table = \"holding\"; address = 1; type = \"i16\"; scale = 0.1; "
    "unit = \"C\"; },\n"
    "        { name = \"temp_c\"; table = \"holding\"; address = 2; type = \"i16\"; scale = 0.1; "
    "unit = \"C\"; } ); } );\n"
    "  devices = (\n"
    "    { id = \"main_meter\"; bus = \"sw\"; unit = 1; profile = \"meter\"; interval = \"200ms\"; "
    "asset = \"MDB-1\"; },\n"
    "    { id = \"tx1\"; bus = \"sw\"; unit = 3; profile = \"tx\"; interval = \"200ms\"; asset = "
    "\"TX-1\";\n"
    "      location = \"B2 transformer room\"; } );\n"
    "};\n"
    "sensors = (\n"
    "  { id = \"leak_pump\"; kind = \"leak\"; topic = \"zigbee2mqtt/pump_leak\"; field = "
    "\"water_leak\";\n"
    "    asset = \"LS-B2-03\"; location = \"B2 pump room\"; },\n"
    "  { id = \"smoke_b2\"; kind = \"fire\"; topic = \"zigbee2mqtt/b2_smoke\"; field = \"smoke\"; "
    "} );\n"
    "rules = (\n"
    "  { id = \"tx1_overtemp\"; when = \"max(tx1.temp_a, tx1.temp_b, tx1.temp_c) > 130\";\n"
    "    clear = \"max(tx1.temp_a, tx1.temp_b, tx1.temp_c) < 125\"; on_delay = \"1s\";\n"
    "    priority = \"emergency\"; category = \"electrical\"; title = \"Transformer TX-1 winding "
    "over-temperature\"; },\n"
    "  { id = \"leak_pump_room\"; when = \"leak_pump\"; priority = \"emergency\"; category = "
    "\"plumbing\";\n"
    "    title = \"Water leak, B2 pump room\"; },\n"
    "  { id = \"fire_b2\"; when = \"smoke_b2\"; latch = true; priority = \"emergency\"; category = "
    "\"fire\";\n"
    "    title = \"Smoke detected, B2 corridor\"; } );\n";

#define MIN 60000LL

struct run {
    struct h_env *e;
    const char *cfg;
    pid_t sim, gw;
    struct h_sub *sub;
};

static const char *const watch_topics[] = {"steward/itest/#", NULL};

/* Broker, simulator (scenario), gateway, and a subscriber to everything the gateway sends. */
static void start_all(struct run *r, const char *scenario, const char *speed)
{
    r->e = h_env_new();
    assert_non_null(r->e);
    r->cfg = strdup(h_write_config(r->e, "site.cfg", site_cfg));
    assert_true(h_broker_start(r->e) > 0);
    r->sub = h_sub_new(r->e->mqtt_port, watch_topics);
    assert_non_null(r->sub);
    if (scenario) {
        r->sim = h_sim_start(r->e, r->cfg, scenario, speed);
        assert_true(r->sim > 0);
    }
    r->gw = h_gateway_start(r->e, r->cfg, "steward.log");
    if (r->gw <= 0) h_dump_logs(r->e);
    assert_true(r->gw > 0);
}

/* Stops everything (the gateway first, with SIGTERM, so it reports leaks at exit), then checks
 * that no process logged a sanitizer report. */
static void stop_all(struct run *r)
{
    h_sub_free(r->sub);
    if (r->gw > 0 && h_alive(r->gw)) {
        int status = h_stop(r->gw, 5000);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    if (r->sim > 0) h_stop(r->sim, 5000);
    int clean = h_logs_clean(r->e);
    h_cleanup_all();
    assert_true(clean);
    free((void *)r->cfg);
    free(r->e);
    memset(r, 0, sizeof(*r));
}

static int64_t iso(const json_t *o, const char *key)
{
    int64_t ms = 0;
    const char *s = h_json_str(o, key);
    if (clock_parse_iso(s, &ms) != 0) fail_msg("'%s' = '%s' is not an ISO-8601 time", key, s);
    return ms;
}

static void test_overtemp_raises_exactly_one_emergency_work_order(void **st)
{
    (void)st;
    struct run r = {0};
    start_all(&r, "overtemp", "5");
    /* overtemp: the temperatures start rising 2 simulated s in, reach 130 within ~1 s real. */
    const struct h_msg *m =
        h_sub_wait(r.sub, "steward/itest/workorders/+", "rule", "tx1_overtemp", 15000);
    if (!m) h_dump_logs(r.e);
    assert_non_null(m);
    assert_int_equal(m->retain, 0); /* live, not a replay */
    json_t *wo = h_json(m);
    assert_non_null(wo);
    assert_string_equal(h_json_str(wo, "priority"), "emergency");
    assert_string_equal(h_json_str(wo, "status"), "open");
    assert_string_equal(h_json_str(wo, "source"), "rule");
    assert_string_equal(h_json_str(wo, "site"), "itest");
    assert_string_equal(h_json_str(wo, "asset"), "TX-1");
    assert_string_equal(h_json_str(wo, "location"), "B2 transformer room");
    assert_string_equal(h_json_str(wo, "category"), "electrical");
    assert_string_equal(h_json_str(wo, "dedup_key"), "itest/TX-1/tx1_overtemp");
    assert_string_equal(h_json_str(wo, "title"), "Transformer TX-1 winding over-temperature");
    assert_true(strncmp(h_json_str(wo, "id"), "WO-itest-", 9) == 0);
    int64_t created = iso(wo, "created_at");
    assert_int_equal(iso(wo, "notify_by") - created, 1 * MIN);
    /* after hours (22:30-07:00 site time, sla.after_hours) an emergency needs someone on site
     * within 10 minutes */
    int night = json_is_true(json_object_get(wo, "after_hours"));
    assert_int_equal(iso(wo, "respond_by") - created, (night ? 10 : 15) * MIN);
    assert_int_equal(iso(wo, "resolve_by") - created, 24 * 60 * MIN);
    assert_true(json_integer_value(json_object_get(wo, "seq")) > 0);
    json_t *ev = json_object_get(wo, "evidence");
    double hottest = 0;
    const char *names[] = {"tx1.temp_a", "tx1.temp_b", "tx1.temp_c"};
    for (int i = 0; i < 3; i++) {
        double v = json_number_value(json_object_get(ev, names[i]));
        if (v > hottest) hottest = v;
    }
    assert_true(hottest > 130);
    json_decref(wo);

    const struct h_msg *al =
        h_sub_wait(r.sub, "steward/itest/alarms/tx1_overtemp", "state", "active_unack", 2000);
    assert_non_null(al);
    assert_int_equal(al->retain, 0);

    /* The condition persists: still exactly one open work order 3 s later. */
    assert_null(h_sub_wait(r.sub, "steward/itest/workorders/+", "id", "WO-itest-000002", 3000));
    assert_int_equal(
        h_sub_distinct_topics(r.sub, "steward/itest/workorders/+", "rule", "tx1_overtemp"), 1);

    /* The gateway never wrote to a device (the simulator refuses and logs any write). */
    char *simlog = h_read_file(h_path(r.e, "sim.log"));
    assert_non_null(simlog);
    assert_null(strstr(simlog, "WRITE"));
    free(simlog);

    /* Telemetry is retained per point with its quality. */
    assert_non_null(
        h_sub_wait(r.sub, "steward/itest/telemetry/tx1/temp_a", "quality", "good", 2000));
    stop_all(&r);
}

static void test_zigbee_leak_raises_a_work_order_and_ack_changes_the_alarm(void **st)
{
    (void)st;
    struct run r = {0};
    start_all(&r, NULL, NULL);
    const char *leak = "{\"water_leak\": true, \"battery\": 97, \"linkquality\": 120}";
    assert_int_equal(h_publish(r.e->mqtt_port, "zigbee2mqtt/pump_leak", leak, strlen(leak), 1, 0),
                     0);
    const struct h_msg *m =
        h_sub_wait(r.sub, "steward/itest/workorders/+", "rule", "leak_pump_room", 5000);
    if (!m) h_dump_logs(r.e);
    assert_non_null(m);
    json_t *wo = h_json(m);
    assert_string_equal(h_json_str(wo, "priority"), "emergency");
    assert_string_equal(h_json_str(wo, "asset"), "LS-B2-03");
    json_decref(wo);
    assert_non_null(
        h_sub_wait(r.sub, "steward/itest/alarms/leak_pump_room", "state", "active_unack", 2000));

    /* The control room acknowledges over MQTT. */
    const char *ack = "{\"alarm\": \"leak_pump_room\", \"by\": \"alice\", \"req\": \"r1\"}";
    assert_int_equal(h_publish(r.e->mqtt_port, "steward/itest/cmd/ack", ack, strlen(ack), 1, 0), 0);
    const struct h_msg *a =
        h_sub_wait(r.sub, "steward/itest/alarms/leak_pump_room", "state", "active_ack", 5000);
    assert_non_null(a);
    json_t *aj = h_json(a);
    assert_string_equal(h_json_str(aj, "acked_by"), "alice");
    json_decref(aj);
    const struct h_msg *res = h_sub_wait(r.sub, "steward/itest/cmd/result", "req", "r1", 2000);
    assert_non_null(res);
    assert_non_null(strstr(res->payload, "\"ok\":true"));

    /* `steward ack` takes the same path: smoke, then the CLI acknowledges it. */
    const char *smoke = "{\"smoke\": true}";
    assert_int_equal(h_publish(r.e->mqtt_port, "zigbee2mqtt/b2_smoke", smoke, strlen(smoke), 1, 0),
                     0);
    assert_non_null(
        h_sub_wait(r.sub, "steward/itest/alarms/fire_b2", "state", "active_unack", 5000));
    const char *argv[] = {h_bin("steward"), "ack", "-c", r.cfg, "fire_b2", "--by", "bob", NULL};
    assert_int_equal(h_run(argv, h_path(r.e, "ack.out"), 15000), 0);
    const struct h_msg *f =
        h_sub_wait(r.sub, "steward/itest/alarms/fire_b2", "acked_by", "bob", 5000);
    assert_non_null(f);
    assert_non_null(strstr(f->payload, "\"active_ack\""));
    /* The smoke clears: the latched alarm stays active, and says a reset is now possible. */
    const char *clear = "{\"smoke\": false}";
    assert_int_equal(h_publish(r.e->mqtt_port, "zigbee2mqtt/b2_smoke", clear, strlen(clear), 1, 0),
                     0);
    const struct h_msg *l =
        h_sub_wait(r.sub, "steward/itest/alarms/fire_b2", "latched", "true", 5000);
    assert_non_null(l);
    assert_non_null(strstr(l->payload, "\"active_ack\""));
    /* Acknowledging an alarm that does not exist is refused with exit code 1. */
    const char *bad[] = {h_bin("steward"), "ack", "-c", r.cfg, "no_such_alarm", NULL};
    assert_int_equal(h_run(bad, h_path(r.e, "ack2.out"), 15000), 1);

    /* Shelving over MQTT: an emergency alarm is refused; an urgent one is silenced, with its end
     * (no simulator runs here, so the meter's comm fault is the urgent alarm at hand). */
    const char *sh1 =
        "{\"alarm\": \"fire_b2\", \"for\": \"1h\", \"by\": \"dave\", \"req\": \"s1\"}";
    assert_int_equal(h_publish(r.e->mqtt_port, "steward/itest/cmd/shelve", sh1, strlen(sh1), 1, 0),
                     0);
    res = h_sub_wait(r.sub, "steward/itest/cmd/result", "req", "s1", 5000);
    assert_non_null(res);
    assert_non_null(strstr(res->payload, "\"ok\":false"));
    assert_non_null(strstr(res->payload, "emergency"));
    const char *sh2 =
        "{\"alarm\": \"comm_main_meter\", \"for\": \"2h\", \"by\": \"dave\", \"req\": \"s2\"}";
    assert_int_equal(h_publish(r.e->mqtt_port, "steward/itest/cmd/shelve", sh2, strlen(sh2), 1, 0),
                     0);
    res = h_sub_wait(r.sub, "steward/itest/cmd/result", "req", "s2", 5000);
    assert_non_null(res);
    assert_non_null(strstr(res->payload, "\"ok\":true"));
    const struct h_msg *sh =
        h_sub_wait(r.sub, "steward/itest/alarms/comm_main_meter", "state", "shelved", 5000);
    assert_non_null(sh);
    assert_non_null(strstr(sh->payload, "\"shelved_by\":\"dave\""));
    assert_non_null(strstr(sh->payload, "\"shelved_until\":\""));
    /* The engineer on site sees it too, with who shelved it and until when. */
    const char *status[] = {h_bin("steward"), "status", "-c", r.cfg, NULL};
    assert_int_equal(h_run(status, h_path(r.e, "status.out"), 15000), 0);
    char *out = h_read_file(h_path(r.e, "status.out"));
    assert_non_null(out);
    assert_non_null(strstr(out, "shelved"));
    assert_non_null(strstr(out, "(by dave)"));
    free(out);
    stop_all(&r);
}

static void test_malformed_and_oversized_payloads_are_dropped_and_nothing_stops(void **st)
{
    (void)st;
    struct run r = {0};
    start_all(&r, NULL, NULL);
    const char *garbage[] = {"",
                             "{",
                             "not json",
                             "[1,2,3]",
                             "{\"water_leak\": \"maybe\"}",
                             "{\"water_leak\": {\"x\": 1}}",
                             "\xff\xfe\xfd",
                             "{\"alarm\": 5}"};
    const char *topics[] = {"zigbee2mqtt/pump_leak", "steward/itest/cmd/ack",
                            "steward/itest/cmd/workorder", "steward/itest/cmd/bogus"};
    for (int i = 0; i < 200; i++) {
        const char *g = garbage[i % 8];
        assert_int_equal(h_publish(r.e->mqtt_port, topics[i % 4], g, strlen(g), i % 2, 0), 0);
    }
    size_t big_len = 300 * 1024;
    char *big = malloc(big_len);
    memset(big, '{', big_len);
    assert_int_equal(h_publish(r.e->mqtt_port, "zigbee2mqtt/pump_leak", big, big_len, 1, 0), 0);
    assert_int_equal(h_publish(r.e->mqtt_port, "steward/itest/cmd/ack", big, big_len, 1, 0), 0);
    free(big);
    kill(r.gw, SIGHUP); /* an operator's reload request must not kill the gateway either */
    assert_true(h_alive(r.gw));
    /* Refused commands are answered, so a sender learns why. */
    assert_non_null(
        h_sub_wait(r.sub, "steward/itest/cmd/result", "error", "payload too large", 5000));
    const char *leak = "{\"water_leak\": true}";
    assert_int_equal(h_publish(r.e->mqtt_port, "zigbee2mqtt/pump_leak", leak, strlen(leak), 1, 0),
                     0);
    assert_non_null(
        h_sub_wait(r.sub, "steward/itest/workorders/+", "rule", "leak_pump_room", 5000));
    assert_true(h_alive(r.gw));
    char *log = h_read_file(h_path(r.e, "steward.log"));
    assert_non_null(strstr(log, "dropped"));
    free(log);
    stop_all(&r);
}

static void test_a_leak_that_comes_and_goes_in_one_burst_still_raises_every_time(void **st)
{
    (void)st;
    struct run r = {0};
    start_all(&r, NULL, NULL);
    /* 20 leaks, each gone again at once: the gateway reads them in one go, and must not merge
     * an alarm edge away by evaluating only the last state. */
    const char *burst[40];
    for (int i = 0; i < 40; i++)
        burst[i] = i % 2 ? "{\"water_leak\": false}" : "{\"water_leak\": true}";
    assert_int_equal(h_publish_burst(r.e->mqtt_port, "zigbee2mqtt/pump_leak", burst, 40), 0);
    assert_int_equal(
        h_sub_wait_count(r.sub, "steward/itest/events", "transition", "raised", 20, 5000), 20);
    /* One work order, raised once and updated 19 times (one open order per dedup key). */
    assert_int_equal(
        h_sub_distinct_topics(r.sub, "steward/itest/workorders/+", "rule", "leak_pump_room"), 1);
    assert_non_null(h_sub_wait(r.sub, "steward/itest/workorders/+", "occurrences", "20", 3000));
    stop_all(&r);
}

/* A work order raised while the broker is down, found in the database by `steward status`. */
static int wait_status_has(struct run *r, const char *needle, int timeout_ms)
{
    for (int waited = 0; waited < timeout_ms; waited += 250) {
        const char *argv[] = {h_bin("steward"), "status", "-c", r->cfg, NULL};
        const char *out = h_path(r->e, "status.out");
        remove(out);
        if (h_run(argv, out, 10000) == 0) {
            char *t = h_read_file(out);
            int found = t && strstr(t, needle);
            free(t);
            if (found) return 1;
        }
        struct timespec ts = {0, 250000000L};
        nanosleep(&ts, NULL);
    }
    return 0;
}

static void test_work_order_raised_during_broker_outage_is_delivered_when_it_returns(void **st)
{
    (void)st;
    struct run r = {0};
    start_all(&r, "overtemp", "1"); /* temperatures cross 130 about 6 s in */
    h_sub_free(r.sub);
    r.sub = NULL;
    h_broker_stop(r.e);
    assert_true(wait_status_has(&r, "Transformer TX-1 winding over-temperature", 20000));
    char *t = h_read_file(h_path(r.e, "status.out"));
    assert_null(strstr(t, "Undelivered upstream messages: 0\n"));
    free(t);
    assert_true(h_alive(r.gw));
    assert_true(h_broker_start(r.e) > 0);
    r.sub = h_sub_new(r.e->mqtt_port, watch_topics);
    assert_non_null(r.sub);
    /* The gateway reconnects (back-off up to a few seconds) and sends its outbox. */
    const struct h_msg *m =
        h_sub_wait(r.sub, "steward/itest/workorders/+", "rule", "tx1_overtemp", 20000);
    if (!m) h_dump_logs(r.e);
    assert_non_null(m);
    assert_non_null(h_sub_wait(r.sub, "steward/itest/events", "transition", "raised", 5000));
    assert_true(wait_status_has(&r, "Undelivered upstream messages: 0\n", 10000));
    stop_all(&r);
}

static void test_work_order_survives_kill_9_while_undelivered(void **st)
{
    (void)st;
    struct run r = {0};
    start_all(&r, "overtemp", "1");
    h_sub_free(r.sub);
    r.sub = NULL;
    h_broker_stop(r.e);
    assert_true(wait_status_has(&r, "tx1_overtemp", 20000));
    h_kill9(r.gw); /* no chance to flush anything */
    assert_true(h_broker_start(r.e) > 0);
    r.sub = h_sub_new(r.e->mqtt_port, watch_topics);
    assert_non_null(r.sub);
    assert_null(h_sub_wait(r.sub, "steward/itest/workorders/+", NULL, NULL, 500)); /* not yet */
    r.gw = h_gateway_start(r.e, r.cfg, "steward2.log");
    assert_true(r.gw > 0);
    const struct h_msg *m =
        h_sub_wait(r.sub, "steward/itest/workorders/+", "rule", "tx1_overtemp", 10000);
    if (!m) h_dump_logs(r.e);
    assert_non_null(m);
    /* The restart is announced, and the alarm was not raised a second time. */
    assert_non_null(h_sub_wait(r.sub, "steward/itest/events", "type", "restart", 5000));
    assert_null(h_sub_wait(r.sub, "steward/itest/workorders/+", "id", "WO-itest-000002", 2000));
    stop_all(&r);
}

static void test_dead_device_raises_comm_fault_and_points_turn_comm_fail(void **st)
{
    (void)st;
    struct run r = {0};
    r.e = h_env_new();
    const char *scn = h_path(r.e, "dead.scn");
    FILE *f = fopen(scn, "w");
    fputs("# tx1 stops answering after 1 s\n1s tx1 offline\n", f);
    fclose(f);
    char scn_path[256];
    snprintf(scn_path, sizeof(scn_path), "%s", scn);
    struct h_env *keep = r.e;
    r.cfg = strdup(h_write_config(keep, "site.cfg", site_cfg));
    assert_true(h_broker_start(keep) > 0);
    r.sub = h_sub_new(keep->mqtt_port, watch_topics);
    r.sim = h_sim_start(keep, r.cfg, scn_path, "1");
    assert_true(r.sim > 0);
    r.gw = h_gateway_start(keep, r.cfg, "steward.log");
    assert_true(r.gw > 0);
    const struct h_msg *m =
        h_sub_wait(r.sub, "steward/itest/alarms/comm_tx1", "state", "active_unack", 15000);
    if (!m) h_dump_logs(keep);
    assert_non_null(m);
    assert_non_null(
        h_sub_wait(r.sub, "steward/itest/telemetry/tx1/temp_a", "quality", "comm_fail", 3000));
    const struct h_msg *wo =
        h_sub_wait(r.sub, "steward/itest/workorders/+", "rule", "comm_tx1", 3000);
    assert_non_null(wo);
    assert_non_null(strstr(wo->payload, "\"priority\":\"urgent\""));
    /* The other device on the same bus keeps its readings. */
    assert_non_null(h_sub_wait(r.sub, "steward/itest/telemetry/main_meter/voltage_l1", "quality",
                               "good", 3000));
    assert_int_equal(h_sub_count(r.sub, "steward/itest/alarms/comm_main_meter", NULL, NULL), 0);
    stop_all(&r);
}

static void test_check_and_status_commands(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    const char *good = h_write_config(e, "good.cfg", site_cfg);
    char good_path[256];
    snprintf(good_path, sizeof(good_path), "%s", good);
    const char *argv[] = {h_bin("steward"), "check", "-c", good_path, NULL};
    assert_int_equal(h_run(argv, h_path(e, "check.out"), 10000), 0);

    /* A misspelled setting on line 3 of a copy. */
    char *bad_text = strdup(site_cfg);
    char *p = strstr(bad_text, "storage = { path");
    memcpy(p, "storage = { pith", 16);
    const char *bad = h_write_config(e, "bad.cfg", bad_text);
    free(bad_text);
    char bad_path[256], expect[400];
    snprintf(bad_path, sizeof(bad_path), "%s", bad);
    const char *argv2[] = {h_bin("steward"), "check", "-c", bad_path, NULL};
    assert_int_equal(h_run(argv2, h_path(e, "check2.out"), 10000), 1);
    char *out = h_read_file(h_path(e, "check2.out"));
    snprintf(expect, sizeof(expect),
             "%s:3: unknown setting 'pith' in storage; did you mean 'path'?", bad_path);
    if (!strstr(out, expect)) fail_msg("expected '%s' in:\n%s", expect, out);
    free(out);

    /* status before the gateway ever ran: a clear error, exit 2. */
    const char *argv3[] = {h_bin("steward"), "status", "-c", good_path, NULL};
    assert_int_equal(h_run(argv3, h_path(e, "status.out"), 10000), 2);
    assert_true(h_logs_clean(e));
    h_cleanup_all();
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_and_status_commands),
        cmocka_unit_test(test_overtemp_raises_exactly_one_emergency_work_order),
        cmocka_unit_test(test_zigbee_leak_raises_a_work_order_and_ack_changes_the_alarm),
        cmocka_unit_test(test_malformed_and_oversized_payloads_are_dropped_and_nothing_stops),
        cmocka_unit_test(test_a_leak_that_comes_and_goes_in_one_burst_still_raises_every_time),
        cmocka_unit_test(test_dead_device_raises_comm_fault_and_points_turn_comm_fail),
        cmocka_unit_test(test_work_order_raised_during_broker_outage_is_delivered_when_it_returns),
        cmocka_unit_test(test_work_order_survives_kill_9_while_undelivered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
