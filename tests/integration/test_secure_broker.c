/*
 * Integration test: the gateway against a broker that requires TLS and a password, as a real
 * upstream does. Certificates are made for the test with openssl; the password reaches steward
 * only through password_file, never the command line or the configuration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "tests/integration/harness.h"

static const char cfg_text[] =
    "site = { id = \"sec\"; };\n"
    "mqtt = { upstream = { port = @MQTT_PORT@; topic_prefix = \"steward/sec\";\n"
    "  username = \"steward\"; password_file = \"@DIR@/steward.pass\";\n"
    "  tls = { ca_file = \"@DIR@/ca.crt\"; }; }; };\n"
    "storage = { path = \"@DB@\"; };\n"
    "sensors = ( { id = \"leak\"; kind = \"leak\"; topic = \"site/leak\"; field = \"water_leak\";\n"
    "              asset = \"LS-1\"; } );\n"
    "rules = ( { id = \"leak_room\"; when = \"leak\"; priority = \"emergency\"; category = "
    "\"plumbing\";\n"
    "            title = \"Water leak\"; } );\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0); /* a secret: its owner's only */
}

/* A CA, and a server certificate for 127.0.0.1 signed by it. */
static void make_certs(struct h_env *e)
{
    char script[2048];
    snprintf(script, sizeof(script),
             "set -e; cd %s\n"
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=steward-test-ca "
             "  -keyout ca.key -out ca.crt\n"
             "openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out "
             "server.csr\n"
             "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext\n"
             "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
             "  -extfile san.ext -out server.crt\n"
             "mosquitto_passwd -b -c passwd steward s3cret-pw\n"
             /* mosquitto started as root reads these as the mosquitto user: test keys only */
             "chmod 0755 . && chmod 0644 ca.crt server.crt server.key passwd\n",
             e->dir);
    const char *argv[] = {"/bin/sh", "-c", script, NULL};
    assert_int_equal(h_run(argv, h_path(e, "certs.out"), 60000), 0);
}

static pid_t secure_broker(struct h_env *e)
{
    char conf[1024];
    snprintf(conf, sizeof(conf),
             "listener %d 127.0.0.1\nallow_anonymous false\npassword_file %s/passwd\n"
             "cafile %s/ca.crt\ncertfile %s/server.crt\nkeyfile %s/server.key\n"
             "set_tcp_nodelay true\npersistence false\n",
             e->mqtt_port, e->dir, e->dir, e->dir, e->dir);
    write_file(h_path(e, "mosquitto.conf"), conf);
    const char *argv[] = {"mosquitto", "-c", h_path(e, "mosquitto.conf"), NULL};
    e->broker = h_spawn(argv, h_path(e, "mosquitto.log"));
    assert_int_equal(h_wait_port(e->mqtt_port, 5000), 0);
    return e->broker;
}

static const char *config_for(struct h_env *e)
{
    return h_write_config(e, "sec.cfg", cfg_text);
}

static void test_tls_and_password_file_carry_a_work_order(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    make_certs(e);
    write_file(h_path(e, "steward.pass"), "s3cret-pw\n");
    assert_true(secure_broker(e) > 0);
    char cfg[256], ca[256];
    snprintf(cfg, sizeof(cfg), "%s", config_for(e));
    snprintf(ca, sizeof(ca), "%s", h_path(e, "ca.crt"));
    h_client_security(ca, "steward", "s3cret-pw");

    const char *topics[] = {"steward/sec/#", NULL};
    struct h_sub *sub = h_sub_new(e->mqtt_port, topics);
    assert_non_null(sub);
    pid_t gw = h_gateway_start(e, cfg, "steward.log");
    if (gw <= 0) h_dump_logs(e);
    assert_true(gw > 0);
    const char *leak = "{\"water_leak\": true}";
    assert_int_equal(h_publish(e->mqtt_port, "site/leak", leak, strlen(leak), 1, 0), 0);
    const struct h_msg *m = h_sub_wait(sub, "steward/sec/workorders/+", "rule", "leak_room", 5000);
    if (!m) h_dump_logs(e);
    assert_non_null(m);
    /* `steward ack` reads the same settings: TLS and the password file. */
    const char *argv[] = {h_bin("steward"), "ack", "-c", cfg, "leak_room", "--by", "carol", NULL};
    assert_int_equal(h_run(argv, h_path(e, "ack.out"), 15000), 0);
    assert_non_null(h_sub_wait(sub, "steward/sec/alarms/leak_room", "acked_by", "carol", 5000));
    h_sub_free(sub);
    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(h_logs_clean(e));
    h_cleanup_all();
    free(e);
}

static void test_wrong_password_is_refused_and_the_gateway_keeps_trying(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    make_certs(e);
    write_file(h_path(e, "steward.pass"), "not-the-password\n");
    assert_true(secure_broker(e) > 0);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", config_for(e));
    const char *argv[] = {h_bin("steward"), "run", "-c", cfg, NULL};
    pid_t gw = h_spawn(argv, h_path(e, "steward.log"));
    /* Refused is not fatal: it retries with back-off. */
    assert_int_equal(h_wait_log(h_path(e, "steward.log"), "connection refused", 5000), 0);
    assert_true(h_alive(gw)); /* refused is not fatal: it retries with back-off */
    int status = h_stop(gw, 5000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(h_logs_clean(e));
    h_cleanup_all();
    free(e);
}

/* Fail closed: a password file others may read is refused by `steward check` and `steward run`
 * with the reason, and a CA file that cannot be read stops `steward ack` and `steward watch`
 * before they connect, instead of sending the password in plaintext. */
static void test_unsafe_secrets_and_a_broken_tls_setup_are_refused(void **st)
{
    (void)st;
    struct h_env *e = h_env_new();
    make_certs(e);
    write_file(h_path(e, "steward.pass"), "s3cret-pw\n");
    assert_int_equal(chmod(h_path(e, "steward.pass"), 0644), 0);
    char cfg[256];
    snprintf(cfg, sizeof(cfg), "%s", config_for(e));
    const char *check[] = {h_bin("steward"), "check", "-c", cfg, NULL};
    assert_int_equal(h_run(check, h_path(e, "check.out"), 10000), 1);
    char *out = h_read_file(h_path(e, "check.out"));
    assert_non_null(out);
    assert_non_null(strstr(out, "may be read by group or others"));
    assert_non_null(strstr(out, ":2: mqtt.upstream:")); /* FILE:LINE of the broker's group */
    free(out);
    const char *run[] = {h_bin("steward"), "run", "-c", cfg, NULL};
    assert_int_equal(h_run(run, h_path(e, "run.out"), 10000), 2);
    assert_int_equal(chmod(h_path(e, "steward.pass"), 0600), 0);
    assert_int_equal(h_run(check, h_path(e, "check2.out"), 10000), 0);
    /* Now the CA file goes missing: no client connects without it. */
    assert_int_equal(rename(h_path(e, "ca.crt"), h_path(e, "ca.moved")), 0);
    assert_int_equal(h_run(check, h_path(e, "check3.out"), 10000), 1);
    const char *ack[] = {h_bin("steward"), "ack", "-c", cfg, "leak_room", NULL};
    assert_int_equal(h_run(ack, h_path(e, "ack.out"), 10000), 2);
    out = h_read_file(h_path(e, "ack.out"));
    assert_non_null(out);
    assert_non_null(strstr(out, "cannot read the TLS CA file"));
    free(out);
    const char *watch[] = {h_bin("steward"), "watch", "-c", cfg, "--seconds", "1", NULL};
    assert_int_equal(h_run(watch, h_path(e, "watch.out"), 10000), 2);
    h_cleanup_all();
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unsafe_secrets_and_a_broken_tls_setup_are_refused),
        cmocka_unit_test(test_tls_and_password_file_carry_a_work_order),
        cmocka_unit_test(test_wrong_password_is_refused_and_the_gateway_keeps_trying),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
