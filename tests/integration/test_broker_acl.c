/*
 * Integration test: the shipped broker layout (config/mosquitto/acl and mosquitto.conf.example)
 * keeps each account to its topics. A real mosquitto runs the shipped files, read at test time
 * with only the port, the paths and the site prefix substituted, and a password file made with
 * mosquitto_passwd; the real gateway logs in as `steward`.
 *
 * mosquitto 2.0 drops a refused publish silently (a QoS 1 publisher still gets its PUBACK), so a
 * denial is shown by a subscriber allowed to read the topic that does not receive the message
 * within a bounded wait, followed by a permitted message as a barrier: the broker handled the
 * refused one first, so had it been delivered it would have arrived before the barrier.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/harness.h"

#define PREFIX "steward/acltest"
#define OTHER "steward/other_site" /* another site's prefix on the same broker */
/* The gateway's grant in the shipped ACL, for its example site hq_tower. */
#define SHIPPED_GRANT "topic readwrite steward/hq_tower/#"
#define DENIED_WAIT_MS 1500 /* how long a refused message is given to show up anyway */
#define WAIT_MS 5000

static const char cfg_text[] =
    "site = { id = \"acltest\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"" PREFIX "\";\n"
    "  username = \"steward\"; password_file = \"@DIR@/steward.pass\"; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "sensors = (\n"
    "  { id = \"leak_pump\"; kind = \"leak\"; topic = \"zigbee2mqtt/pump_room_leak\";\n"
    "    field = \"water_leak\"; asset = \"LS-B2-03\"; },\n"
    "  { id = \"leak_b1\"; kind = \"leak\"; topic = \"site/b1/leak\"; payload = \"plain\";\n"
    "    on = \"wet\"; off = \"dry\"; asset = \"LS-B1-01\"; } );\n"
    "rules = (\n"
    "  { id = \"leak_pump_room\"; when = \"leak_pump\"; priority = \"emergency\";\n"
    "    category = \"plumbing\"; title = \"Water leak, B2 pump room\"; },\n"
    "  { id = \"leak_b1_store\"; when = \"leak_b1\"; priority = \"emergency\";\n"
    "    category = \"plumbing\"; title = \"Water leak, B1 store\"; } );\n";

/* Every account of the shipped ACL, with its test password. */
static const char *const accounts[][2] = {
    {"steward", "pw-steward"},     {"zigbee2mqtt", "pw-zigbee2mqtt"}, {"site_sensors", "pw-site"},
    {"dashboard", "pw-dashboard"}, {"control_room", "pw-control"},    {"cmms", "pw-cmms"},
};

/* From now on the harness's clients (subscribers, h_publish) log in as user. */
static void as(const char *user)
{
    for (size_t i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++)
        if (strcmp(accounts[i][0], user) == 0) {
            h_client_security(NULL, accounts[i][0], accounts[i][1]);
            return;
        }
    fail_msg("no test account '%s'", user);
}

/* Publishes one QoS 1 message as user. A PUBACK proves the login worked, not the delivery. */
static void publish_as(const char *user, int port, const char *topic, const char *payload)
{
    as(user);
    if (h_publish(port, topic, payload, strlen(payload), 1, 0) != 0)
        fail_msg("%s could not log in and publish to %s", user, topic);
}

/* text with every key replaced by val (malloc'd); fails the test unless key occurs exactly
 * `expect` times, so a change to the shipped file cannot quietly make the substitution miss. */
static char *substitute(char *text, const char *key, const char *val, int expect)
{
    size_t kl = strlen(key), vl = strlen(val);
    int n = 0;
    for (const char *p = strstr(text, key); p; p = strstr(p + kl, key))
        n++;
    if (n != expect)
        fail_msg("'%s' occurs %d times in a shipped file, expected %d", key, n, expect);
    char *out = malloc(strlen(text) + (size_t)n * vl + 1), *o = out;
    assert_non_null(out);
    const char *p = text, *q;
    while ((q = strstr(p, key))) {
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, val, vl);
        o += vl;
        p = q + kl;
    }
    strcpy(o, p);
    free(text);
    return out;
}

static void write_secret(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, 0600), 0);
}

static char *read_shipped(const char *name)
{
    char path[128];
    snprintf(path, sizeof(path), "config/mosquitto/%s", name);
    char *t = h_read_file(path);
    if (!t) fail_msg("cannot read %s: run the test from the repository's root", path);
    return t;
}

/* As the Debian service does, mosquitto started as root reads its password and ACL files and
 * writes its database as the user `mosquitto`: give it the directory and those two files. */
static void hand_to_broker_user(const struct h_env *e)
{
    if (geteuid() != 0) return; /* it then runs as us */
    const struct passwd *pw = getpwnam("mosquitto");
    if (!pw) fail_msg("mosquitto runs as the user 'mosquitto' when started as root: none here");
    assert_int_equal(chown(e->dir, pw->pw_uid, pw->pw_gid), 0);
    assert_int_equal(chown(h_path(e, "acl"), pw->pw_uid, pw->pw_gid), 0);
    assert_int_equal(chown(h_path(e, "passwd"), pw->pw_uid, pw->pw_gid), 0);
}

/* mosquitto with the shipped configuration and ACL, and a password file for every account. */
static void start_broker(struct h_env *e)
{
    char dir[160], listener[64];
    snprintf(dir, sizeof(dir), "%s/", e->dir);
    snprintf(listener, sizeof(listener), "listener %d 127.0.0.1", e->mqtt_port);

    char *acl = substitute(read_shipped("acl"), SHIPPED_GRANT, "topic readwrite " PREFIX "/#", 1);
    write_secret(h_path(e, "acl"), acl);
    free(acl);

    char *conf = read_shipped("mosquitto.conf.example");
    conf = substitute(conf, "listener 1883 127.0.0.1", listener, 1);
    conf = substitute(conf, "/etc/mosquitto/steward/", dir, 2);
    conf = substitute(conf, "/var/lib/mosquitto/", dir, 1);
    conf = substitute(conf, "log_dest file /var/log/mosquitto/mosquitto.log", "log_dest stderr", 1);
    write_secret(h_path(e, "mosquitto.conf"), conf);
    free(conf);

    for (size_t i = 0; i < sizeof(accounts) / sizeof(accounts[0]); i++) {
        const char *argv[7] = {"mosquitto_passwd", "-b"};
        int k = 2;
        if (i == 0) argv[k++] = "-c"; /* the first one creates the file */
        argv[k++] = h_path(e, "passwd");
        argv[k++] = accounts[i][0];
        argv[k++] = accounts[i][1];
        argv[k] = NULL;
        assert_int_equal(h_run(argv, h_path(e, "passwd.out"), 10000), 0);
    }
    assert_int_equal(chmod(h_path(e, "passwd"), 0600), 0);
    hand_to_broker_user(e);

    const char *argv[] = {"mosquitto", "-c", h_path(e, "mosquitto.conf"), NULL};
    e->broker = h_spawn(argv, h_path(e, "mosquitto.log"));
    if (e->broker <= 0 || h_wait_port(e->mqtt_port, WAIT_MS) != 0) {
        h_dump_logs(e);
        fail_msg("mosquitto did not start with the shipped configuration");
    }
}

struct site {
    struct h_env *e;
    char cfg[256];
    pid_t gw;
    struct h_sub *sub; /* the dashboard's view of everything under PREFIX */
};

static void start_site(struct site *s)
{
    s->e = h_env_new();
    assert_non_null(s->e);
    start_broker(s->e);
    write_secret(h_path(s->e, "steward.pass"), "pw-steward\n");
    snprintf(s->cfg, sizeof(s->cfg), "%s", h_write_config(s->e, "acl.cfg", cfg_text));
    as("dashboard"); /* also the account h_gateway_start waits for PREFIX/status with */
    const char *topics[] = {PREFIX "/#", NULL};
    s->sub = h_sub_new(s->e->mqtt_port, topics);
    assert_non_null(s->sub);
    s->gw = h_gateway_start(s->e, s->cfg, "steward.log");
    if (s->gw <= 0) h_dump_logs(s->e);
    assert_true(s->gw > 0);
}

static void stop_site(struct site *s)
{
    h_sub_free(s->sub);
    if (s->gw > 0) {
        int status = h_stop(s->gw, WAIT_MS);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    int clean = h_logs_clean(s->e);
    h_cleanup_all();
    free(s->e);
    memset(s, 0, sizeof(*s));
    assert_true(clean);
}

/* Zigbee2MQTT's account reports the pump room leak; the gateway raises its work order. */
static const struct h_msg *raise_pump_leak(struct site *s)
{
    publish_as("zigbee2mqtt", s->e->mqtt_port, "zigbee2mqtt/pump_room_leak",
               "{\"water_leak\": true, \"battery\": 97}");
    const struct h_msg *wo =
        h_sub_wait(s->sub, PREFIX "/workorders/+", "rule", "leak_pump_room", WAIT_MS);
    if (!wo) h_dump_logs(s->e);
    assert_non_null(wo);
    assert_non_null(
        h_sub_wait(s->sub, PREFIX "/alarms/leak_pump_room", "state", "active_unack", WAIT_MS));
    return wo;
}

/* The retained alarm as a client connecting now reads it. */
static void assert_alarm_state(struct site *s, const char *state)
{
    as("dashboard");
    const char *topics[] = {PREFIX "/alarms/leak_pump_room", NULL};
    struct h_sub *fresh = h_sub_new(s->e->mqtt_port, topics);
    assert_non_null(fresh);
    const struct h_msg *m = h_sub_wait(fresh, PREFIX "/alarms/leak_pump_room", NULL, NULL, WAIT_MS);
    assert_non_null(m);
    assert_true(m->retain);
    json_t *o = h_json(m);
    assert_string_equal(h_json_str(o, "state"), state);
    json_decref(o);
    h_sub_free(fresh);
}

/* user's ack of the leak is dropped by the broker: neither the command (the dashboard may read
 * PREFIX/cmd/#) nor an answer on PREFIX/cmd/result shows up, and the alarm stays unacknowledged.
 * The barrier is the control room's ack of an unknown alarm, which the gateway refuses. */
static void assert_ack_dropped(struct site *s, const char *user)
{
    char req[64], barrier[64], body[192];
    snprintf(req, sizeof(req), "denied-%s", user);
    snprintf(barrier, sizeof(barrier), "barrier-%s", user);
    snprintf(body, sizeof(body), "{\"alarm\": \"leak_pump_room\", \"by\": \"%s\", \"req\": \"%s\"}",
             user, req);
    publish_as(user, s->e->mqtt_port, PREFIX "/cmd/ack", body);
    assert_null(h_sub_wait(s->sub, PREFIX "/cmd/#", "req", req, DENIED_WAIT_MS));

    snprintf(body, sizeof(body), "{\"alarm\": \"no_such_alarm\", \"by\": \"x\", \"req\": \"%s\"}",
             barrier);
    publish_as("control_room", s->e->mqtt_port, PREFIX "/cmd/ack", body);
    const struct h_msg *r = h_sub_wait(s->sub, PREFIX "/cmd/result", "req", barrier, WAIT_MS);
    if (!r) h_dump_logs(s->e);
    assert_non_null(r);
    assert_non_null(strstr(r->payload, "\"ok\":false"));
    assert_int_equal(h_sub_count(s->sub, PREFIX "/cmd/#", "req", req), 0);
    assert_int_equal(h_sub_count(s->sub, PREFIX "/alarms/leak_pump_room", "state", "active_ack"),
                     0);
    assert_alarm_state(s, "active_unack");
}

static void test_sensor_accounts_reach_the_gateway_and_raise_work_orders(void **st)
{
    (void)st;
    struct site s = {0};
    start_site(&s);
    raise_pump_leak(&s);
    publish_as("site_sensors", s.e->mqtt_port, "site/b1/leak", "wet");
    assert_non_null(h_sub_wait(s.sub, PREFIX "/workorders/+", "rule", "leak_b1_store", WAIT_MS));
    stop_site(&s);
}

static void test_sensor_accounts_cannot_acknowledge_an_alarm(void **st)
{
    (void)st;
    struct site s = {0};
    start_site(&s);
    raise_pump_leak(&s);
    assert_ack_dropped(&s, "zigbee2mqtt");
    assert_ack_dropped(&s, "site_sensors");
    stop_site(&s);
}

static void test_dashboard_account_cannot_send_commands(void **st)
{
    (void)st;
    struct site s = {0};
    start_site(&s);
    raise_pump_leak(&s);
    assert_ack_dropped(&s, "dashboard");
    stop_site(&s);
}

static void test_control_room_ack_and_cmms_accept_reach_the_gateway(void **st)
{
    (void)st;
    struct site s = {0};
    start_site(&s);
    json_t *wo = h_json(raise_pump_leak(&s));
    char wo_id[64];
    snprintf(wo_id, sizeof(wo_id), "%s", h_json_str(wo, "id"));
    json_decref(wo);
    assert_true(wo_id[0] != '\0');

    publish_as("control_room", s.e->mqtt_port, PREFIX "/cmd/ack",
               "{\"alarm\": \"leak_pump_room\", \"by\": \"alice\", \"req\": \"r1\"}");
    const struct h_msg *r = h_sub_wait(s.sub, PREFIX "/cmd/result", "req", "r1", WAIT_MS);
    if (!r) h_dump_logs(s.e);
    assert_non_null(r);
    assert_non_null(strstr(r->payload, "\"ok\":true"));
    assert_non_null(
        h_sub_wait(s.sub, PREFIX "/alarms/leak_pump_room", "acked_by", "alice", WAIT_MS));
    assert_alarm_state(&s, "active_ack");

    char body[192], topic[128];
    snprintf(body, sizeof(body),
             "{\"id\": \"%s\", \"status\": \"accepted\", \"by\": \"bob\", \"req\": \"w1\"}", wo_id);
    publish_as("cmms", s.e->mqtt_port, PREFIX "/cmd/workorder", body);
    r = h_sub_wait(s.sub, PREFIX "/cmd/result", "req", "w1", WAIT_MS);
    assert_non_null(r);
    assert_non_null(strstr(r->payload, "\"ok\":true"));
    snprintf(topic, sizeof(topic), PREFIX "/workorders/%s", wo_id);
    assert_non_null(h_sub_wait(s.sub, topic, "status", "accepted", WAIT_MS));
    stop_site(&s);
}

/* The gateway's account writes its own prefix only: not another site's, not a sensor topic.
 * Tested on the broker alone, by readers that may read those topics. */
static void test_gateway_account_cannot_publish_outside_its_prefix(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    assert_non_null(e);
    start_broker(e);
    as("control_room"); /* reads steward/#, every site */
    const char *all_sites[] = {"steward/#", NULL};
    struct h_sub *sites = h_sub_new(e->mqtt_port, all_sites);
    assert_non_null(sites);
    as("steward"); /* reads the sensor topics */
    const char *sensor_topics[] = {"zigbee2mqtt/#", NULL};
    struct h_sub *sensors = h_sub_new(e->mqtt_port, sensor_topics);
    assert_non_null(sensors);

    publish_as("steward", e->mqtt_port, OTHER "/alarms/fake", "{\"from\": \"steward\"}");
    publish_as("steward", e->mqtt_port, "zigbee2mqtt/fake_leak", "{\"from\": \"steward\"}");
    assert_null(h_sub_wait(sites, OTHER "/#", "from", "steward", DENIED_WAIT_MS));
    assert_null(h_sub_wait(sensors, "zigbee2mqtt/#", "from", "steward", DENIED_WAIT_MS));

    /* Barriers: permitted writes to the same trees reach the same readers. */
    publish_as("steward", e->mqtt_port, PREFIX "/events", "{\"from\": \"own_prefix\"}");
    publish_as("control_room", e->mqtt_port, OTHER "/cmd/ack", "{\"from\": \"control_room\"}");
    publish_as("zigbee2mqtt", e->mqtt_port, "zigbee2mqtt/fake_leak", "{\"from\": \"zigbee2mqtt\"}");
    assert_non_null(h_sub_wait(sites, PREFIX "/events", "from", "own_prefix", WAIT_MS));
    assert_non_null(h_sub_wait(sites, OTHER "/cmd/ack", "from", "control_room", WAIT_MS));
    assert_non_null(h_sub_wait(sensors, "zigbee2mqtt/fake_leak", "from", "zigbee2mqtt", WAIT_MS));
    assert_int_equal(h_sub_count(sites, OTHER "/#", "from", "steward"), 0);
    assert_int_equal(h_sub_count(sensors, "zigbee2mqtt/#", "from", "steward"), 0);

    h_sub_free(sites);
    h_sub_free(sensors);
    int clean = h_logs_clean(e);
    h_cleanup_all();
    free(e);
    assert_true(clean);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sensor_accounts_reach_the_gateway_and_raise_work_orders),
        cmocka_unit_test(test_sensor_accounts_cannot_acknowledge_an_alarm),
        cmocka_unit_test(test_dashboard_account_cannot_send_commands),
        cmocka_unit_test(test_control_room_ack_and_cmms_accept_reach_the_gateway),
        cmocka_unit_test(test_gateway_account_cannot_publish_outside_its_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
