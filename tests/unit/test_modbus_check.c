/*
 * Unit tests: the Modbus adapters judge their own settings (adapters_check, every error as
 * FILE:LINE), and a device they cannot poll fails loudly instead of reading with another
 * device's unit id or being skipped in silence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <modbus.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "adapters/adapter.h"
#include "adapters/modbus/bus.h"
#include "adapters/modbus/plan.h"
#include "config/config.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/queue.h"

static char path[64];

/* Loads text from a temporary file; the file is gone afterwards, its name stays in `path`. */
static struct config *load(const char *text)
{
    snprintf(path, sizeof(path), "/tmp/steward-mbcheck-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    struct config *cfg = NULL;
    struct config_diag d = {0};
    int rc = config_load(path, &cfg, &d);
    unlink(path);
    for (size_t i = 0; i < d.n; i++)
        fprintf(stderr, "  loader: %s\n", d.msgs[i]);
    config_diag_free(&d);
    assert_int_equal(rc, ST_OK);
    return cfg;
}

/* Asserts that some diagnostic starts "PATH:LINE: " and contains part. */
static void expect_error(const struct config_diag *d, int line, const char *part)
{
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line);
    for (size_t i = 0; i < d->n; i++)
        if (!strncmp(d->msgs[i], prefix, strlen(prefix)) && strstr(d->msgs[i], part)) return;
    for (size_t i = 0; i < d->n; i++)
        fprintf(stderr, "  got: %s\n", d->msgs[i]);
    fail_msg("no error at line %d containing '%s'", line, part);
}

#define HEAD "site = { id = \"t\"; };\n" /* 1 */ "modbus = {\n" /* 2 */
#define TCP_BUS "  buses = ( { id = \"b\"; type = \"tcp\"; port = 1502; } );\n"
#define RTU_BUS "  buses = ( { id = \"b\"; type = \"rtu\"; device = \"/dev/ttyUSB0\"; } );\n"
#define PROFILE                                                                                    \
    "  profiles = ( { id = \"p\"; points = (\n"                                                    \
    "    { name = \"t\"; table = \"holding\"; address = 0; type = \"i16\"; } ); } );\n"
/* Lines: 1 site, 2 modbus, 3 bus, 4-5 profile, 6 devices, 7... one device a line. */

static void test_rtu_refuses_unit_250_and_broadcast_0(void **st)
{
    (void)st;
    struct config *cfg = load(HEAD RTU_BUS PROFILE "  devices = (\n"
                                                   "    { id = \"a\"; bus = \"b\"; unit = 250; "
                                                   "profile = \"p\"; },\n"
                                                   "    { id = \"z\"; bus = \"b\"; unit = 0; "
                                                   "profile = \"p\"; },\n"
                                                   "    { id = \"ok\"; bus = \"b\"; unit = 247; "
                                                   "profile = \"p\"; } );\n"
                                                   "};\n");
    struct config_diag d = {0};
    assert_int_equal(adapters_check(cfg, &d), 2);
    assert_int_equal(d.n, 2);
    expect_error(&d, 7, "device 'a': 'unit' = 250 is not a Modbus RTU slave address (1-247)");
    expect_error(&d, 8, "'unit' = 0 is not a Modbus RTU slave address");
    config_diag_free(&d);
    config_free(cfg);
}

static void test_tcp_accepts_units_0_and_255(void **st)
{
    (void)st;
    struct config *cfg = load(HEAD TCP_BUS PROFILE "  devices = (\n"
                                                   "    { id = \"a\"; bus = \"b\"; unit = 0; "
                                                   "profile = \"p\"; },\n"
                                                   "    { id = \"c\"; bus = \"b\"; unit = 247; "
                                                   "profile = \"p\"; },\n"
                                                   "    { id = \"e\"; bus = \"b\"; unit = 255; "
                                                   "profile = \"p\"; } );\n"
                                                   "};\n");
    struct config_diag d = {0};
    assert_int_equal(adapters_check(cfg, &d), 0);
    assert_int_equal(d.n, 0);
    config_diag_free(&d);
    config_free(cfg);
}

static void test_tcp_refuses_unit_248(void **st)
{
    (void)st;
    struct config *cfg = load(HEAD TCP_BUS PROFILE "  devices = (\n"
                                                   "    { id = \"a\"; bus = \"b\"; unit = 1; "
                                                   "profile = \"p\"; },\n"
                                                   "    { id = \"c\"; bus = \"b\"; unit = 248; "
                                                   "profile = \"p\"; } );\n"
                                                   "};\n");
    struct config_diag d = {0};
    assert_int_equal(adapters_check(cfg, &d), 1);
    assert_int_equal(d.n, 1);
    expect_error(&d, 8, "device 'c': 'unit' = 248 is not a Modbus TCP unit id (0-247, or 255)");
    config_diag_free(&d);
    /* Without a diag the errors are still counted. */
    assert_int_equal(adapters_check(cfg, NULL), 1);
    config_free(cfg);
}

/* n u16 points 20 registers apart (more than PLAN_DEFAULT_GAP): n blocks, on one line. */
static char *scattered_profile(int n)
{
    size_t cap = 128 + (size_t)n * 96, len = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    len += (size_t)snprintf(s + len, cap - len, "    { id = \"wide\"; points = (");
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len,
                                "%s{ name = \"r%d\"; table = \"holding\"; address = %d; "
                                "type = \"u16\"; }",
                                i ? ", " : " ", i, i * 20);
    snprintf(s + len, cap - len, " ); }\n");
    return s;
}

/* The config of the profile tests; line 5 is the wide profile, line 7 device "big". */
static char *wide_config(int blocks)
{
    char *prof = scattered_profile(blocks);
    char *text = NULL;
    int n = asprintf(&text,
                     HEAD TCP_BUS "  profiles = (\n"                                      /* 4 */
                                  "%s"                                                    /* 5 */
                                  "  );\n"                                                /* 6 */
                                  "  devices = ( { id = \"big\"; bus = \"b\"; unit = 1; " /* 7 */
                                  "profile = \"wide\"; } );\n"
                                  "};\n",
                     prof);
    assert_true(n > 0);
    free(prof);
    return text;
}

static void test_profile_needing_too_many_read_requests_is_refused(void **st)
{
    (void)st;
    char *text = wide_config(PLAN_MAX_BLOCKS + 1);
    struct config *cfg = load(text);
    free(text);
    struct config_diag d = {0};
    assert_int_equal(adapters_check(cfg, &d), 1);
    char part[128];
    snprintf(part, sizeof(part), "device 'big': profile 'wide' (line 5) needs %d read requests",
             PLAN_MAX_BLOCKS + 1);
    expect_error(&d, 7, part);
    config_diag_free(&d);
    config_free(cfg);

    /* Exactly at the limit is fine. */
    text = wide_config(PLAN_MAX_BLOCKS);
    cfg = load(text);
    free(text);
    assert_int_equal(adapters_check(cfg, &d), 0);
    assert_int_equal(d.n, 0);
    config_free(cfg);
}

static void test_good_config_with_both_bus_types_passes(void **st)
{
    (void)st;
    struct config *cfg = load(
        "site = { id = \"t\"; };\n"
        "modbus = {\n"
        "  buses = ( { id = \"net\"; type = \"tcp\"; port = 1502; },\n"
        "            { id = \"line\"; type = \"rtu\"; device = \"/dev/ttyUSB0\"; } );\n" PROFILE
        "  devices = ( { id = \"a\"; bus = \"net\"; unit = 1; profile = \"p\"; },\n"
        "              { id = \"c\"; bus = \"line\"; unit = 1; profile = \"p\"; } );\n"
        "};\n");
    struct config_diag d = {0};
    assert_int_equal(adapters_check(cfg, &d), 0);
    assert_int_equal(d.n, 0);
    config_free(cfg);
    /* The shipped examples pass too. */
    const char *files[] = {"config/examples/site.cfg", "config/examples/demo.cfg"};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(config_load(files[i], &cfg, &d), ST_OK);
        assert_int_equal(adapters_check(cfg, &d), 0);
        assert_int_equal(d.n, 0);
        config_free(cfg);
    }
}

static void test_each_bus_type_has_an_adapter_with_a_check(void **st)
{
    (void)st;
    const enum bus_type types[] = {BUS_TCP, BUS_RTU};
    for (int i = 0; i < 2; i++) {
        const struct adapter_ops *ops = adapter_find(adapter_kind_for_bus(types[i]));
        assert_non_null(ops);
        assert_non_null(ops->check);
    }
    assert_ptr_not_equal(adapter_find("modbus-tcp"), adapter_find("modbus-rtu"));
}

/* ---- polling: a tiny Modbus TCP server that records the unit ids it is asked for ---- */

struct server {
    int lfd, port;
    atomic_int stop;
    atomic_int requests;    /* read requests answered */
    atomic_int other_units; /* requests for a unit id other than 1 */
    pthread_t thread;
};

static void *server_main(void *arg)
{
    struct server *s = arg;
    modbus_t *ctx = modbus_new_tcp("127.0.0.1", s->port);
    modbus_mapping_t *map = modbus_mapping_new(0, 0, 16, 16);
    uint8_t q[MODBUS_TCP_MAX_ADU_LENGTH];
    while (ctx && map && !atomic_load(&s->stop)) {
        struct pollfd p = {s->lfd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0) continue;
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0) continue;
        modbus_set_socket(ctx, fd);
        while (!atomic_load(&s->stop)) {
            struct pollfd c = {fd, POLLIN, 0};
            if (poll(&c, 1, 50) <= 0) continue;
            int n = modbus_receive(ctx, q);
            if (n < 0) break;
            if (n == 0) continue;
            atomic_fetch_add(&s->requests, 1);
            if (q[6] != 1) atomic_fetch_add(&s->other_units, 1); /* MBAP unit id */
            modbus_reply(ctx, q, n, map);
        }
        close(fd);
    }
    modbus_mapping_free(map);
    if (ctx) modbus_free(ctx);
    return NULL;
}

static void server_start(struct server *s)
{
    memset(s, 0, sizeof(*s));
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(s->lfd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(s->lfd, 4), 0);
    assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &len), 0);
    s->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
}

static void server_stop(struct server *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    close(s->lfd);
}

static void test_device_that_cannot_be_addressed_fails_and_never_reads_another_unit(void **st)
{
    (void)st;
    struct server srv;
    server_start(&srv);
    char *prof = scattered_profile(PLAN_MAX_BLOCKS + 1);
    char *text = NULL;
    /* "ok" polls first and leaves unit 1 in the context; "far" (unit 248, refused by libmodbus
     * on TCP) and "big" (too many requests) must fail without sending anything. */
    int n = asprintf(&text,
                     "site = { id = \"t\"; };\n"
                     "modbus = {\n"
                     "  buses = ( { id = \"b\"; type = \"tcp\"; host = \"127.0.0.1\"; port = %d; "
                     "timeout = \"200ms\"; } );\n"
                     "  profiles = ( { id = \"p\"; points = ( { name = \"t\"; table = \"holding\"; "
                     "address = 0; type = \"i16\"; } ); },\n"
                     "%s  );\n"
                     "  devices = ( { id = \"ok\"; bus = \"b\"; unit = 1; profile = \"p\"; "
                     "interval = \"100ms\"; },\n"
                     "    { id = \"far\"; bus = \"b\"; unit = 248; profile = \"p\"; "
                     "interval = \"100ms\"; },\n"
                     "    { id = \"big\"; bus = \"b\"; unit = 2; profile = \"wide\"; "
                     "interval = \"100ms\"; } );\n"
                     "};\n",
                     srv.port, prof);
    assert_true(n > 0);
    free(prof);
    struct config *cfg = load(text);
    free(text);
    assert_int_equal(adapters_check(cfg, NULL), 2);

    struct sample_queue *q = queue_new(1024);
    assert_non_null(q);
    const struct adapter_ops *ops = &modbus_tcp_adapter;
    struct adapter *a = NULL;
    assert_int_equal(ops->create(cfg, 0, &a), ST_OK);
    assert_int_equal(ops->start(a, q), ST_OK);
    int ok_good = 0, fault[3] = {0}, good_other = 0;
    int64_t deadline = clock_mono_ms() + 5000;
    while (clock_mono_ms() < deadline && !(ok_good && fault[1] && fault[2])) {
        struct sample_batch *b;
        while ((b = queue_pop(q))) {
            if (b->device == 0 && b->comm_ok) ok_good = 1;
            if (b->device != 0 && b->comm_ok) good_other++;
            if (!b->comm_ok) fault[b->device] = 1;
            sample_batch_free(b);
        }
        usleep(20000);
    }
    ops->stop(a);
    ops->destroy(a);
    queue_free(q);
    server_stop(&srv);
    config_free(cfg);

    assert_true(ok_good);
    assert_int_equal(fault[0], 0);
    assert_true(fault[1]); /* "far": communication fault, not silence */
    assert_true(fault[2]); /* "big": likewise */
    assert_int_equal(good_other, 0);
    assert_true(atomic_load(&srv.requests) > 0);
    assert_int_equal(atomic_load(&srv.other_units), 0); /* never "far" read as unit 1's */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtu_refuses_unit_250_and_broadcast_0),
        cmocka_unit_test(test_tcp_accepts_units_0_and_255),
        cmocka_unit_test(test_tcp_refuses_unit_248),
        cmocka_unit_test(test_profile_needing_too_many_read_requests_is_refused),
        cmocka_unit_test(test_good_config_with_both_bus_types_passes),
        cmocka_unit_test(test_each_bus_type_has_an_adapter_with_a_check),
        cmocka_unit_test(test_device_that_cannot_be_addressed_fails_and_never_reads_another_unit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
