/*
 * Unit tests: who may command (gateway/uplink/commands.c, authority.c) on the demo site's real
 * alarms, work orders and store: operators and their roles, the emergency cancel, the shelving
 * cap, signed commands (JWS HS256: signature, iat window, jti replay, also after a restart), and
 * the `command` event every command leaves, accepted or refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/jws.h"
#include "gateway/uplink/commands.h"
#include "tests/unit/site_fixture.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define T0 1795356191208LL /* a fixed wall time for the fake clock */

static char dir[64], cfg_path[128], key_li[128], key_wang[128];

/* demo.cfg plus an operators list (and, when signed, require_signature with keys). */
static void write_config(int with_operators, int signed_cmds)
{
    snprintf(dir, sizeof(dir), "/tmp/steward-cmd-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(cfg_path, sizeof(cfg_path), "%s/site.cfg", dir);
    snprintf(key_li, sizeof(key_li), "%s/li.key", dir);
    snprintf(key_wang, sizeof(key_wang), "%s/wang.key", dir);
    FILE *k = fopen(key_li, "w");
    fputs("li-secret-0123456789\n", k);
    fclose(k);
    k = fopen(key_wang, "w");
    fputs("wang-secret-9876543210\n", k);
    fclose(k);
    chmod(key_li, 0600);
    chmod(key_wang, 0600);
    char *demo = NULL;
    FILE *f = fopen("config/examples/demo.cfg", "r");
    assert_non_null(f);
    size_t cap = 0;
    assert_true(getdelim(&demo, &cap, '\0', f) > 0);
    fclose(f);
    f = fopen(cfg_path, "w");
    fputs(demo, f);
    free(demo);
    if (with_operators)
        fprintf(
            f,
            "operators = (\n"
            "  { name = \"li.wei\"; roles = [\"ack\", \"shelve\", \"workorder\"];\n"
            "    key_file = \"%s\"; },\n"
            "  { name = \"wang.fang\"; roles = [\"workorder\", \"cancel\"]; key_file = \"%s\"; }\n"
            ");\n",
            key_li, key_wang);
    if (signed_cmds) fputs("commands = { require_signature = true; };\n", f);
    fclose(f);
}

struct fx {
    struct site *s;
    struct commands c;
};

static void open_fx(struct fx *f)
{
    f->s = site_new_config(cfg_path);
    f->c = (struct commands){.alarms = &f->s->al, .wos = &f->s->wos, .journal = &f->s->j};
    assert_int_equal(authority_init(&f->c.auth, f->s->cfg, f->s->store, &f->s->j), ST_OK);
}

static void close_fx(struct fx *f)
{
    authority_cleanup(&f->c.auth);
    site_free(f->s);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    clock_set_real();
}

/* The pump room floods: the emergency leak alarm is active and its work order open. */
static void flood_pump_room(struct fx *f)
{
    int leak = config_point_find(f->s->cfg, "leak_pump");
    points_set(f->s->pts, leak, 1, 0, clock_wall_ms());
    alarms_point_changed(&f->s->al, leak);
    assert_int_equal(alarms_process(&f->s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(store_commit(f->s->store), ST_OK);
    assert_int_equal(f->s->wos.n, 1);
}

/* The latest P/cmd/result and `command` event written, as JSON (caller decrefs). */
struct last {
    json_t *result, *event;
};

static int grab(void *ctx, int64_t id, const char *topic, const void *payload, size_t len, int qos,
                int retain)
{
    (void)id, (void)qos, (void)retain;
    struct last *l = ctx;
    json_error_t e;
    json_t *o = json_loadb(payload, len, 0, &e);
    if (strstr(topic, "/cmd/result")) {
        json_decref(l->result);
        l->result = o;
    } else if (strstr(topic, "/events") &&
               !strcmp(json_string_value(json_object_get(o, "type")) ?: "", "command")) {
        json_decref(l->event);
        l->event = o;
    } else {
        json_decref(o);
    }
    return 0;
}

/* Sends one command and returns whether it was accepted; *error gets the reason (static copy). */
static int send_cmd(struct fx *f, const char *verb, const char *payload, char *error, size_t n)
{
    assert_int_equal(
        commands_handle(&f->c, verb, payload, strlen(payload), clock_mono_ms(), clock_wall_ms()),
        ST_OK);
    assert_int_equal(store_commit(f->s->store), ST_OK);
    struct last l = {0};
    assert_int_equal(store_outbox_pending(f->s->store, 0, 100000, grab, &l), 0);
    assert_non_null(l.result);
    assert_non_null(l.event); /* every command is an event too */
    int ok = json_is_true(json_object_get(l.result, "ok"));
    assert_int_equal(ok, json_is_true(json_object_get(l.event, "ok")));
    const char *err = json_string_value(json_object_get(l.result, "error"));
    snprintf(error, n, "%s", err ? err : "");
    json_decref(l.result);
    json_decref(l.event);
    return ok;
}

static void test_without_operators_anyone_acks_but_nobody_cancels_an_emergency(void **st)
{
    (void)st;
    clock_set_fake(T0);
    write_config(0, 0);
    struct fx f;
    open_fx(&f);
    flood_pump_room(&f);
    char err[256], cmd[256];
    assert_true(
        send_cmd(&f, "ack", "{\"alarm\":\"leak_pump_room\",\"by\":\"anyone\"}", err, sizeof(err)));
    snprintf(cmd, sizeof(cmd), "{\"id\":\"%s\",\"status\":\"cancelled\",\"by\":\"x\"}",
             f.s->wos.v[0]->id);
    assert_false(send_cmd(&f, "workorder", cmd, err, sizeof(err)));
    assert_non_null(strstr(err, "cancel role"));
    close_fx(&f);
}

static void test_operators_need_their_roles(void **st)
{
    (void)st;
    clock_set_fake(T0);
    write_config(1, 0);
    struct fx f;
    open_fx(&f);
    flood_pump_room(&f);
    char err[256], cmd[256];
    assert_false(
        send_cmd(&f, "ack", "{\"alarm\":\"leak_pump_room\",\"by\":\"mallory\"}", err, sizeof(err)));
    assert_non_null(strstr(err, "not an operator"));
    assert_false(send_cmd(&f, "ack", "{\"alarm\":\"leak_pump_room\"}", err, sizeof(err)));
    assert_false(send_cmd(&f, "ack", "{\"alarm\":\"leak_pump_room\",\"by\":\"wang.fang\"}", err,
                          sizeof(err)));
    assert_non_null(strstr(err, "ack role"));
    assert_string_equal(alarm_state_name(alarms_find(&f.s->al, "leak_pump_room")->rt.state),
                        "active_unack");
    assert_true(
        send_cmd(&f, "ack", "{\"alarm\":\"leak_pump_room\",\"by\":\"li.wei\"}", err, sizeof(err)));
    assert_string_equal(alarm_state_name(alarms_find(&f.s->al, "leak_pump_room")->rt.state),
                        "active_ack");
    /* The emergency order: li.wei may accept it, only wang.fang may cancel it. */
    const char *id = f.s->wos.v[0]->id;
    snprintf(cmd, sizeof(cmd), "{\"id\":\"%s\",\"status\":\"cancelled\",\"by\":\"li.wei\"}", id);
    assert_false(send_cmd(&f, "workorder", cmd, err, sizeof(err)));
    assert_non_null(strstr(err, "cancel role"));
    snprintf(cmd, sizeof(cmd), "{\"id\":\"%s\",\"status\":\"accepted\",\"by\":\"li.wei\"}", id);
    assert_true(send_cmd(&f, "workorder", cmd, err, sizeof(err)));
    snprintf(
        cmd, sizeof(cmd),
        "{\"id\":\"%s\",\"status\":\"cancelled\",\"by\":\"wang.fang\",\"note\":\"false alarm\"}",
        id);
    assert_true(send_cmd(&f, "workorder", cmd, err, sizeof(err)));
    assert_int_equal(f.s->wos.n, 0);
    close_fx(&f);
}

static void test_shelving_is_capped_within_24_hours(void **st)
{
    (void)st;
    clock_set_fake(T0);
    write_config(1, 0);
    struct fx f;
    open_fx(&f);
    char err[256];
    const char *s20 = "{\"alarm\":\"pf_low\",\"for\":\"20h\",\"by\":\"li.wei\"}";
    assert_true(send_cmd(&f, "shelve", s20, err, sizeof(err)));
    clock_advance(20 * HOUR);
    assert_int_equal(site_run_timers(f.s), ST_OK); /* the shelf expires */
    assert_string_equal(alarm_state_name(alarms_find(&f.s->al, "pf_low")->rt.state), "normal");
    /* 20 h used within the last 24 h: 5 h more is refused, 4 h is not. */
    assert_false(send_cmd(&f, "shelve", "{\"alarm\":\"pf_low\",\"for\":\"5h\",\"by\":\"li.wei\"}",
                          err, sizeof(err)));
    assert_non_null(strstr(err, "24 h"));
    /* The limit is remembered across a restart (from the alarm's events). */
    authority_cleanup(&f.c.auth);
    site_restart(f.s);
    f.c = (struct commands){.alarms = &f.s->al, .wos = &f.s->wos, .journal = &f.s->j};
    assert_int_equal(authority_init(&f.c.auth, f.s->cfg, f.s->store, &f.s->j), ST_OK);
    assert_false(send_cmd(&f, "shelve", "{\"alarm\":\"pf_low\",\"for\":\"5h\",\"by\":\"li.wei\"}",
                          err, sizeof(err)));
    assert_true(send_cmd(&f, "shelve", "{\"alarm\":\"pf_low\",\"for\":\"4h\",\"by\":\"li.wei\"}",
                         err, sizeof(err)));
    close_fx(&f);
}

/* An ack of the leak alarm naming wang.fang, signed as kid with the key in key_path; iat_delta_s
 * moves its iat. */
static char *signed_cmd(const char *kid, const char *key_path, long long iat_delta_s,
                        const char *jti)
{
    char key[64] = "", claims[512];
    FILE *k = fopen(key_path, "r");
    assert_non_null(k);
    assert_non_null(fgets(key, sizeof(key), k));
    fclose(k);
    key[strcspn(key, "\n")] = '\0';
    snprintf(claims, sizeof(claims),
             "{\"alarm\":\"leak_pump_room\",\"by\":\"wang.fang\",\"iat\":%lld,\"jti\":\"%s\"}",
             (long long)(clock_wall_ms() / 1000 + iat_delta_s), jti);
    char *t = jws_sign(kid, (const unsigned char *)key, strlen(key), claims);
    assert_non_null(t);
    return t;
}

static void test_signed_commands_verify_and_are_never_replayed(void **st)
{
    (void)st;
    clock_set_fake(T0);
    write_config(1, 1);
    struct fx f;
    open_fx(&f);
    flood_pump_room(&f);
    char err[256];
    /* Unsigned: refused, whoever it names. */
    assert_false(
        send_cmd(&f, "ack", "{\"alarm\":\"leak_pump_room\",\"by\":\"li.wei\"}", err, sizeof(err)));
    assert_non_null(strstr(err, "not a signed command"));
    /* Signed with the wrong key (li.wei's name, wang.fang's key). */
    char *t = signed_cmd("li.wei", key_wang, 0, "a1");
    assert_false(send_cmd(&f, "ack", t, err, sizeof(err)));
    assert_non_null(strstr(err, "does not verify"));
    free(t);
    /* Stale: iat 6 minutes ago. */
    t = signed_cmd("li.wei", key_li, -360, "a2");
    assert_false(send_cmd(&f, "ack", t, err, sizeof(err)));
    assert_non_null(strstr(err, "stale"));
    free(t);
    /* Good: accepted, and `by` is the signer, not the "wang.fang" the claims name. */
    t = signed_cmd("li.wei", key_li, 0, "a3");
    assert_true(send_cmd(&f, "ack", t, err, sizeof(err)));
    assert_string_equal(alarms_find(&f.s->al, "leak_pump_room")->acked_by, "li.wei");
    /* The same token again: a replay. */
    assert_false(send_cmd(&f, "ack", t, err, sizeof(err)));
    assert_non_null(strstr(err, "replay"));
    /* And after a restart, still a replay (the jti is in the store). */
    authority_cleanup(&f.c.auth);
    site_restart(f.s);
    f.c = (struct commands){.alarms = &f.s->al, .wos = &f.s->wos, .journal = &f.s->j};
    assert_int_equal(authority_init(&f.c.auth, f.s->cfg, f.s->store, &f.s->j), ST_OK);
    assert_false(send_cmd(&f, "ack", t, err, sizeof(err)));
    assert_non_null(strstr(err, "replay"));
    free(t);
    /* A token whose header says "none" is refused before any key is looked at. */
    assert_false(send_cmd(
        &f, "ack",
        "eyJhbGciOiJub25lIiwia2lkIjoibGkud2VpIn0.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        err, sizeof(err)));
    assert_non_null(strstr(err, "HS256"));
    close_fx(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_operators_anyone_acks_but_nobody_cancels_an_emergency),
        cmocka_unit_test(test_operators_need_their_roles),
        cmocka_unit_test(test_shelving_is_capped_within_24_hours),
        cmocka_unit_test(test_signed_commands_verify_and_are_never_replayed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
