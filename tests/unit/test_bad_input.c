/*
 * Unit tests: bad input, many times over. Every outside input of the gateway (configuration
 * files, rule expressions, MQTT sensor payloads, control-room commands) is fed thousands of
 * mutations of valid seeds (flipped, inserted, deleted, duplicated and truncated bytes, with a
 * bias to the characters that matter to each syntax), and each must either be accepted or refused
 * the documented way: a configuration error as FILE:LINE: message, a compile error with its text,
 * a payload or command refused with a reason. Under `make asan` any memory error fails the run.
 * The generator is seeded, so a failure is reproducible; the seed and iteration are printed.
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
#include <unistd.h>

#include "adapters/mqtt_sensors/parse.h"
#include "config/config.h"
#include "gateway/base/clock.h"
#include "gateway/uplink/commands.h"
#include "gateway/base/error.h"
#include "rules/expr.h"
#include "tests/unit/site_fixture.h"

#define SEED 0x5eed5eedULL

static uint64_t rng = SEED;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t below(size_t n)
{
    return n ? (size_t)(next() % n) : 0;
}

/* Applies 1 to 4 random edits to buf (len bytes, room for cap), keeps it NUL-terminated, and
 * returns the new length. special: the characters worth trying for this syntax. */
static size_t mutate(char *buf, size_t len, size_t cap, const char *special)
{
    size_t nspecial = strlen(special);
    for (int edits = 1 + (int)below(4); edits > 0; edits--) {
        size_t at = below(len + 1);
        switch (below(6)) {
        case 0: /* flip a bit */
            if (len) buf[below(len)] ^= (char)(1u << below(8));
            break;
        case 1: /* overwrite with a special character, or any byte */
            if (len) buf[below(len)] = below(3) ? special[below(nspecial)] : (char)below(256);
            break;
        case 2: /* insert */
            if (len + 1 < cap) {
                memmove(buf + at + 1, buf + at, len - at);
                buf[at] = below(2) ? special[below(nspecial)] : (char)below(256);
                len++;
            }
            break;
        case 3: { /* delete a run */
            size_t n = at < len ? 1 + below(len - at < 16 ? len - at : 16) : 0;
            memmove(buf + at, buf + at + n, len - at - n);
            len -= n;
            break;
        }
        case 4: { /* duplicate a chunk elsewhere */
            size_t from = below(len + 1), n = below(32);
            if (from + n > len) n = len - from;
            if (len + n < cap) {
                memmove(buf + at + n, buf + at, len - at);
                memmove(buf + at, buf + (from >= at ? from + n : from), n);
                len += n;
            }
            break;
        }
        default: /* truncate */ len = at;
        }
    }
    buf[len] = '\0';
    return len;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void test_mutated_configurations_load_or_name_file_and_line(void **st)
{
    (void)st;
    static const char *const seeds[] = {"config/examples/site.cfg", "config/examples/demo.cfg"};
    char dir[] = "/tmp/steward-bad-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/c.cfg", dir);
    int refused = 0, loaded = 0;
    for (size_t s = 0; s < 2; s++) {
        size_t seed_len;
        char *seed = slurp(seeds[s], &seed_len);
        char *buf = malloc(seed_len + 4096);
        assert_non_null(buf);
        for (int i = 0; i < 300; i++) {
            memcpy(buf, seed, seed_len + 1);
            size_t len = mutate(buf, seed_len, seed_len + 4096, "\"{}();=,[]#.:0123456789ems");
            FILE *f = fopen(path, "wb");
            assert_non_null(f);
            fwrite(buf, 1, len, f);
            fclose(f);
            struct config *cfg = NULL;
            struct config_diag diag = {0};
            int rc = config_load(path, &cfg, &diag);
            if (rc == ST_OK) {
                assert_non_null(cfg);
                loaded++;
            } else {
                if (rc != ST_ERR_CONFIG || diag.n == 0)
                    fail_msg("seed %llx, %s mutation %d: rc %d with %zu messages",
                             (unsigned long long)SEED, seeds[s], i, rc, diag.n);
                for (size_t k = 0; k < diag.n; k++)
                    if (strncmp(diag.msgs[k], path, strlen(path)) != 0 ||
                        diag.msgs[k][strlen(path)] != ':')
                        fail_msg("%s mutation %d: '%s' does not start with FILE:", seeds[s], i,
                                 diag.msgs[k]);
                refused++;
            }
            config_free(cfg);
            config_diag_free(&diag);
        }
        free(buf);
        free(seed);
    }
    unlink(path);
    rmdir(dir);
    assert_true(refused > 0); /* the mutations did reach the validator */
    print_message("configurations: %d refused with FILE:LINE, %d still valid\n", refused, loaded);
}

static const char *const names[] = {"tx1.temp_a", "tx1.temp_b",          "tx1.temp_c",
                                    "smoke_b2",   "main_meter.pf_total", "door_plant"};

static int resolve(void *ctx, const char *name)
{
    (void)ctx;
    for (int i = 0; i < 6; i++)
        if (!strcmp(name, names[i])) return i;
    return -1;
}

static void test_mutated_rule_expressions_compile_or_fail_with_a_reason(void **st)
{
    (void)st;
    static const char *const seeds[] = {
        "max(tx1.temp_a, tx1.temp_b, tx1.temp_c) > 130",
        "main_meter.pf_total < 0.90 && !(tx1.temp_a >= 1e3 || abs(-2.5) == 2.5)",
        "door_plant && !between(hour(), 7, 22) || weekday() == 0",
        "avg(tx1.temp_a, 3 * (tx1.temp_b - 1) / 0, min(1, 2)) != stale(smoke_b2)",
    };
    double values[6] = {131, -4, 1e308, 1, 0.85, 0};
    uint8_t quality[6] = {0, 0, 0, 0, 0, 1};
    struct expr_env env = {.values = values, .quality = quality, .hour = 23};
    int compiled = 0, refused = 0;
    char buf[512], err[256];
    for (int i = 0; i < 20000; i++) {
        const char *seed = seeds[i % 4];
        size_t len = strlen(seed);
        memcpy(buf, seed, len + 1);
        mutate(buf, len, sizeof(buf), "()!&|<>=,.-+*/ 0123456789eatx_");
        struct expr *e = NULL;
        err[0] = '\0';
        if (expr_compile(buf, resolve, NULL, &e, err, sizeof(err)) == ST_OK) {
            assert_non_null(e);
            enum expr_truth t = expr_test(e, &env);
            assert_true(t == EXPR_TRUE || t == EXPR_FALSE || t == EXPR_UNKNOWN);
            compiled++;
        } else {
            if (e || !err[0])
                fail_msg("mutation %d of '%s': '%s' refused without a reason", i, seed, buf);
            refused++;
        }
        expr_free(e);
    }
    assert_true(refused > 0 && compiled > 0);
    print_message("expressions: %d compiled, %d refused with a reason\n", compiled, refused);
}

static void test_mutated_sensor_payloads_give_a_state_or_a_reason(void **st)
{
    (void)st;
    struct cfg_sensor json_s = {0}, plain_s = {0};
    json_s.id = "leak";
    json_s.field = "water_leak";
    plain_s.id = "leak_plain";
    plain_s.plain = 1;
    plain_s.on = "1";
    plain_s.off = "0";
    static const char *const seeds[] = {
        "{\"water_leak\": true, \"battery\": 97, \"linkquality\": 120}",
        "{\"water_leak\":false,\"nested\":{\"a\":[1,2,{}]}}", "1", "0"};
    char buf[512];
    int states = 0, refused = 0;
    for (int i = 0; i < 20000; i++) {
        const char *seed = seeds[i % 4];
        size_t len = strlen(seed);
        memcpy(buf, seed, len + 1);
        len = mutate(buf, len, sizeof(buf), "{}[]\":,truefalsn01\\ ");
        const struct cfg_sensor *s = i % 4 < 2 ? &json_s : &plain_s;
        int state = -1;
        const char *why = NULL;
        int rc = mqtt_sensor_parse(s, buf, len, &state, &why);
        if (rc == ST_OK) {
            assert_true(state == 0 || state == 1);
            states++;
        } else {
            if (rc != ST_ERR_INVAL || !why) fail_msg("mutation %d: rc %d, no reason", i, rc);
            refused++;
        }
    }
    assert_true(states > 0 && refused > 0);
    print_message("sensor payloads: %d read, %d refused with a reason\n", states, refused);
}

/* Commands go through the real alarms, work orders and store of the demo site, with the pump-room
 * leak alarm active and its work order open, so that intact commands succeed. */
static void test_mutated_commands_are_all_answered(void **st)
{
    (void)st;
    clock_set_fake(1795356191208LL);
    struct site *s = site_new();
    struct commands c = {.alarms = &s->al, .wos = &s->wos, .journal = &s->j};
    int leak = config_point_find(s->cfg, "leak_pump");
    assert_true(leak >= 0);
    points_set(s->pts, leak, 1, 0, clock_wall_ms());
    alarms_point_changed(&s->al, leak);
    assert_int_equal(alarms_process(&s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    assert_int_equal(store_commit(s->store), ST_OK);
    assert_int_equal(s->wos.n, 1);
    static const char *const verbs[] = {"ack", "workorder", "shelve", "nonsense"};
    static const char *const seeds[] = {
        "{\"alarm\": \"leak_pump_room\", \"by\": \"alice\", \"req\": \"r1\"}",
        "{\"id\": \"WO-demo-000001\", \"status\": \"accepted\", \"by\": \"bob\", \"note\": \"x\"}",
        "{\"alarm\": \"leak_pump_room\", \"for\": \"30m\", \"by\": \"carol\"}", "{}"};
    char buf[1024];
    for (int i = 0; i < 5000; i++) {
        const char *seed = seeds[i % 4];
        size_t len = strlen(seed);
        memcpy(buf, seed, len + 1);
        len = mutate(buf, len, sizeof(buf), "{}[]\":,0123456789\\ ");
        const char *verb = verbs[below(4) ? (size_t)i % 4 : below(4)];
        int rc = commands_handle(&c, verb, buf, len, clock_mono_ms(), clock_wall_ms());
        if (rc != ST_OK) fail_msg("mutation %d: a command made the store fail (%d)", i, rc);
        if (i % 100 == 99) assert_int_equal(store_commit(s->store), ST_OK);
    }
    assert_int_equal(store_commit(s->store), ST_OK);
    assert_true(c.rejected > 0 && c.rejected < 5000);
    /* Every command got its answer on P/cmd/result, malformed or not. */
    assert_true(store_outbox_count(s->store) >= 5000);
    print_message("commands: 5000 answered, %llu refused\n", (unsigned long long)c.rejected);
    site_free(s);
    clock_set_real();
}

/* A name longer than an alarm keeps (acked_by) is cut at a character boundary, never inside a
 * UTF-8 sequence, so the alarm's JSON stays valid and names who acknowledged it. */
static void test_a_long_name_is_cut_at_a_character_boundary(void **st)
{
    (void)st;
    clock_set_fake(1795356191208LL);
    struct site *s = site_new();
    int leak = config_point_find(s->cfg, "leak_pump");
    points_set(s->pts, leak, 1, 0, clock_wall_ms());
    alarms_point_changed(&s->al, leak);
    assert_int_equal(alarms_process(&s->al, clock_mono_ms(), clock_wall_ms()), ST_OK);
    char name[200] = "a";        /* so that 63 bytes end inside a character */
    for (int i = 0; i < 40; i++) /* then 40 three-byte characters: 121 bytes */
        strcat(name, "\xe5\xb7\xa5");
    assert_int_equal(alarms_ack(&s->al, "leak_pump_room", name, clock_mono_ms(), clock_wall_ms()),
                     ST_OK);
    const char *kept = alarms_find(&s->al, "leak_pump_room")->acked_by;
    assert_true(strlen(kept) > 1 && (strlen(kept) - 1) % 3 == 0); /* whole characters only */
    json_t *js = json_string(kept);                               /* NULL if not valid UTF-8 */
    assert_non_null(js);
    json_decref(js);
    site_free(s);
    clock_set_real();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutated_configurations_load_or_name_file_and_line),
        cmocka_unit_test(test_mutated_rule_expressions_compile_or_fail_with_a_reason),
        cmocka_unit_test(test_mutated_sensor_payloads_give_a_state_or_a_reason),
        cmocka_unit_test(test_mutated_commands_are_all_answered),
        cmocka_unit_test(test_a_long_name_is_cut_at_a_character_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
