/*
 * bench_poll - the Modbus TCP poll ceiling of DESIGN.md section 8: the gateway's read requests per
 * second when its buses have more to read than a connection can carry, against bare libmodbus
 * clients (child processes, one per connection) reading the same registers as fast as they can
 * from the same simulator. Each bus has 200 devices of 20 registers spread far apart (20 requests
 * per device), polled every 100 ms: 40 000 requests/s asked of each connection, more than one
 * can carry. The gateway's count comes from its own log line at stop. Prints numbers only.
 */
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapters/modbus/plan.h"
#include "config/config.h"
#include "tests/integration/harness.h"

#define DEVICES 200
#define BLOCKS 20
#define SPREAD 200 /* registers between two points: each is its own request */
#define WINDOW_S 10
#define MAX_BUSES 4

static void sleep_s(int s)
{
    struct timespec ts = {s, 0};
    nanosleep(&ts, NULL);
}

/* The configuration: buses TCP buses on consecutive ports from port. Caller frees. */
static char *poll_config(int buses, int port)
{
    size_t cap = 512 * 1024, len = 0;
    char *c = malloc(cap);
    if (!c) return NULL;
    len += (size_t)snprintf(c + len, cap - len,
                            "site = { id = \"poll\"; };\n"
                            "mqtt = { upstream = { port = @MQTT_PORT@; }; };\n"
                            "storage = { path = \"@DB@\"; };\n"
                            "modbus = {\n  buses = (\n");
    for (int b = 0; b < buses; b++)
        len += (size_t)snprintf(c + len, cap - len,
                                "    { id = \"b%d\"; type = \"tcp\"; port = %d; timeout = \"1s\"; "
                                "}%s\n",
                                b, port + b, b + 1 < buses ? "," : "");
    len += (size_t)snprintf(c + len, cap - len, "  );\n  profiles = ( { id = \"p\"; points = (\n");
    for (int k = 0; k < BLOCKS; k++)
        len += (size_t)snprintf(c + len, cap - len,
                                "    { name = \"r%d\"; table = \"holding\"; address = %d; type = "
                                "\"u16\"; }%s\n",
                                k, k * SPREAD, k + 1 < BLOCKS ? "," : "");
    len += (size_t)snprintf(c + len, cap - len, "  ); } );\n  devices = (\n");
    for (int b = 0; b < buses; b++)
        for (int d = 0; d < DEVICES; d++)
            len += (size_t)snprintf(c + len, cap - len,
                                    "    { id = \"d%d_%03d\"; bus = \"b%d\"; unit = %d; profile = "
                                    "\"p\"; interval = \"100ms\"; }%s\n",
                                    b, d, b, d + 1, b + 1 < buses || d + 1 < DEVICES ? "," : "");
    snprintf(c + len, cap - len, "  );\n};\n");
    return c;
}

/* One bare client per connection, each reading the same requests in a loop for WINDOW_S. */
static double bare_requests_per_s(int buses, int port)
{
    int fds[MAX_BUSES][2];
    pid_t pids[MAX_BUSES];
    for (int b = 0; b < buses; b++) {
        if (pipe(fds[b]) != 0) return -1;
        pids[b] = fork();
        if (pids[b] == 0) {
            close(fds[b][0]);
            modbus_t *ctx = modbus_new_tcp("127.0.0.1", port + b);
            double n = 0, t0 = h_now(), t = t0;
            uint16_t reg;
            if (ctx && modbus_connect(ctx) == 0) {
                for (; t - t0 < WINDOW_S; t = h_now())
                    for (int d = 0; d < DEVICES; d++) {
                        modbus_set_slave(ctx, d + 1);
                        for (int k = 0; k < BLOCKS; k++)
                            n += modbus_read_registers(ctx, k * SPREAD, 1, &reg) == 1;
                    }
            }
            double rate = t > t0 ? n / (t - t0) : 0;
            ssize_t w = write(fds[b][1], &rate, sizeof(rate));
            _exit(w == sizeof(rate) ? 0 : 1);
        }
        close(fds[b][1]);
    }
    double total = 0;
    for (int b = 0; b < buses; b++) {
        double rate = 0;
        if (read(fds[b][0], &rate, sizeof(rate)) == sizeof(rate)) total += rate;
        close(fds[b][0]);
        waitpid(pids[b], NULL, 0);
    }
    return total;
}

/* Sums "stopped after N read requests" over the gateway's log. */
static unsigned long long logged_requests(const char *log)
{
    char *text = h_read_file(log);
    unsigned long long total = 0;
    for (const char *p = text; p && (p = strstr(p, "stopped after ")); p++)
        total += strtoull(p + strlen("stopped after "), NULL, 10);
    free(text);
    return total;
}

static int run(int buses)
{
    struct h_env *e = h_env_new();
    if (!e || h_broker_start(e) < 0) return 1;
    /* The harness picked one free Modbus port; the others follow it (checked free below). */
    int port = e->modbus_port;
    char *cfg = poll_config(buses, port);
    if (!cfg) return 1;
    char path[256], name[32];
    snprintf(name, sizeof(name), "poll%d.cfg", buses);
    snprintf(path, sizeof(path), "%s", h_write_config(e, name, cfg));
    free(cfg);
    for (int b = 1; b < buses; b++)
        if (h_wait_port(port + b, 0) == 0) {
            fprintf(stderr, "bench_poll: port %d is taken\n", port + b);
            return 1;
        }
    pid_t sim = h_sim_start(e, path, "normal", "1");
    for (int b = 1; sim > 0 && b < buses; b++)
        if (h_wait_port(port + b, 5000) != 0) sim = -1;
    if (sim < 0) {
        h_dump_logs(e);
        return 1;
    }
    double bare = bare_requests_per_s(buses, port);
    double t0 = h_now(); /* from before its start to after its stop: a slight underestimate */
    pid_t gw = h_gateway_start(e, path, "steward.log");
    if (gw < 0) {
        h_dump_logs(e);
        return 1;
    }
    sleep_s(WINDOW_S);
    h_stop(gw, 10000);
    double mine = (double)logged_requests(h_path(e, "steward.log")) / (h_now() - t0);
    printf("  %d connection%s: steward %6.0f requests/s, bare libmodbus %6.0f requests/s, "
           "ratio %.2f (target >= 0.95)\n",
           buses, buses == 1 ? " " : "s", mine, bare, bare > 0 ? mine / bare : 0);
    h_cleanup_all();
    free(e);
    return 0;
}

/* Requests per poll cycle of the shipped profiles: as planned (merged within max_registers and
 * max_gap), merging only adjacent registers (max_gap 0), and one request per point. */
static int merging(void)
{
    static const char text[] = "site = { id = \"m\"; };\n"
                               "modbus = { buses = ( { id = \"b\"; type = \"tcp\"; } );\n"
                               "  profiles = (\n"
                               "    @include \"config/profiles/eastron_sdm630.cfg\"\n"
                               "    ,\n"
                               "    @include \"config/profiles/drytx_temp_controller.cfg\"\n"
                               "  ); };\n";
    char path[] = "/tmp/bench_poll_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1)) return 1;
    close(fd);
    struct config *cfg = NULL;
    int rc = config_load(path, &cfg, NULL);
    unlink(path);
    if (rc) {
        fprintf(stderr, "bench_poll: the shipped profiles do not load (run from the repository)\n");
        return 1;
    }
    printf("Requests per poll cycle and device (shipped profiles):\n");
    for (size_t i = 0; i < cfg->n_profiles; i++) {
        const struct cfg_profile *p = &cfg->profiles[i];
        struct plan_limits lim = plan_limits_for(NULL, p), adjacent = lim;
        adjacent.max_gap = 0;
        struct plan a, b;
        if (plan_build(p, &lim, &a) || plan_build(p, &adjacent, &b)) return 1;
        printf("  %-22s %2zu points: %zu requests merged (%d registers read), %zu merging only "
               "adjacent registers, %zu without merging\n",
               p->id, p->n_points, a.n, a.words, b.n, p->n_points);
        plan_free(&a);
        plan_free(&b);
    }
    config_free(cfg);
    return 0;
}

int main(void)
{
    printf("Modbus TCP poll ceiling, %d devices x %d requests per connection every 100 ms, %d s:\n",
           DEVICES, BLOCKS, WINDOW_S);
    int rc = run(1);
    if (rc == 0) rc = run(MAX_BUSES);
    printf("  (the simulator is one thread serving every connection: with several connections it "
           "can be the limit of both)\n");
    if (rc == 0) rc = merging();
    return rc;
}
