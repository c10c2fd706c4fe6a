/*
 * bench_load - two loads of DESIGN.md section 8, each polled every second with a rule per device
 * and telemetry published on change:
 *   the fixed load: 20 meters x 50 registers (values steady);
 *   the scale load: 100 devices x 100 registers = 10 000 points, 10 of each device's registers
 *   noisy, so about 1 000 points change (and are published) every second.
 * Measures the gateway's CPU share and RSS over a steady window, and the CPU of a bare libmodbus
 * client (a child process) making the same requests, against the same simulator. Prints numbers
 * only.
 */
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/integration/harness.h"

#define WINDOW_S 10
#define MAX_REGS 100

static double cpu_seconds(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f || !fgets(buf, sizeof(buf), f)) {
        if (f) fclose(f);
        return -1;
    }
    fclose(f);
    const char *p = strrchr(buf, ')'); /* fields after the command name */
    unsigned long ut = 0, st = 0;
    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6)) kb = atol(line + 6);
    if (f) fclose(f);
    return kb;
}

static void sleep_s(int s)
{
    struct timespec ts = {s, 0};
    nanosleep(&ts, NULL);
}

/* The baseline: one connection, each device's registers in one request, once a second. */
static double bare_client_cpu(int port, int meters, int regs)
{
    pid_t pid = fork();
    if (pid == 0) {
        modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
        uint16_t buf[MAX_REGS];
        if (!ctx || modbus_connect(ctx) != 0) _exit(1);
        for (int s = 0; s < WINDOW_S; s++) {
            for (int m = 0; m < meters; m++) {
                modbus_set_slave(ctx, m + 1);
                modbus_read_registers(ctx, 0, regs, buf);
            }
            sleep_s(1);
        }
        modbus_free(ctx);
        _exit(0);
    }
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* The configuration: meters devices of regs registers (the first `noisy` of them named temp_NN,
 * which the simulator moves every second; the rest steady u16), one rule each. Caller frees. */
static char *load_config(int meters, int regs, int noisy)
{
    size_t cap = 256 * 1024, len = 0;
    char *cfg = malloc(cap);
    if (!cfg) return NULL;
    len += (size_t)snprintf(
        cfg + len, cap - len,
        "site = { id = \"load\"; };\n"
        "mqtt = { upstream = { port = @MQTT_PORT@; }; };\n"
        "storage = { path = \"@DB@\"; };\n"
        "modbus = { buses = ( { id = \"b\"; type = \"tcp\"; port = @MODBUS_PORT@; } );\n"
        "  profiles = ( { id = \"m\"; points = (\n");
    for (int r = 0; r < regs; r++)
        len += (size_t)snprintf(cfg + len, cap - len,
                                "    { name = \"%s%02d\"; table = \"holding\"; address = %d; "
                                "type = \"%s\"; scale = %s; }%s\n",
                                r < noisy ? "temp_" : "r", r, r, r < noisy ? "i16" : "u16",
                                r < noisy ? "0.1" : "1", r + 1 < regs ? "," : "");
    len += (size_t)snprintf(cfg + len, cap - len, "  ); } );\n  devices = (\n");
    for (int m = 0; m < meters; m++)
        len += (size_t)snprintf(cfg + len, cap - len,
                                "    { id = \"m%03d\"; bus = \"b\"; unit = %d; profile = \"m\"; "
                                "interval = \"1s\"; }%s\n",
                                m, m + 1, m + 1 < meters ? "," : "");
    len += (size_t)snprintf(cfg + len, cap - len, "  );\n};\nrules = (\n");
    for (int m = 0; m < meters; m++)
        len += (size_t)snprintf(cfg + len, cap - len,
                                "  { id = \"hi%03d\"; when = \"m%03d.%s > 60000\"; priority = "
                                "\"normal\"; category = \"x\"; title = \"t\"; }%s\n",
                                m, m, noisy ? "temp_00" : "r00", m + 1 < meters ? "," : "");
    snprintf(cfg + len, cap - len, ");\n");
    return cfg;
}

static int run_load(struct h_env *e, const char *what, int meters, int regs, int noisy,
                    const char *target)
{
    char *cfg = load_config(meters, regs, noisy);
    if (!cfg) return 1;
    char name[32], path[256];
    snprintf(name, sizeof(name), "load%d.cfg", meters * regs);
    snprintf(path, sizeof(path), "%s", h_write_config(e, name, cfg));
    free(cfg);
    pid_t sim = h_sim_start(e, path, "normal", "1");
    pid_t gw = sim > 0 ? h_gateway_start(e, path, "steward.log") : -1;
    if (sim < 0 || gw < 0) {
        h_dump_logs(e);
        return 1;
    }
    static const char *const all[] = {"#", NULL};
    struct h_sub *sub = h_sub_new(e->mqtt_port, all);
    sleep_s(3); /* warm up: connections made, tables filled */
    int m0 = sub ? h_sub_count(sub, "+/+/telemetry/#", NULL, NULL) : 0;
    double c0 = cpu_seconds(gw);
    sleep_s(WINDOW_S);
    double c1 = cpu_seconds(gw);
    int m1 = sub ? h_sub_count(sub, "+/+/telemetry/#", NULL, NULL) : 0;
    h_sub_free(sub);
    long rss = rss_kb(gw);
    double bare = bare_client_cpu(e->modbus_port, meters, regs);
    h_stop(gw, 5000);
    h_stop(sim, 5000);
    double gw_pct = (c1 - c0) / WINDOW_S * 100, bare_pct = bare / WINDOW_S * 100;
    printf("%s: %d devices x %d registers every 1 s, %d rules, telemetry on change (%d s):\n", what,
           meters, regs, meters, WINDOW_S);
    printf("  steward           : %5.2f %% of one core, RSS %.1f MB (target %s); %d telemetry "
           "messages/s\n",
           gw_pct, rss / 1024.0, target, (m1 - m0) / WINDOW_S);
    printf(
        "  bare libmodbus    : %5.2f %% of one core (same requests, no decoding, no publishing)\n",
        bare_pct);
    return 0;
}

int main(void)
{
    struct h_env *e = h_env_new();
    if (!e || h_broker_start(e) < 0) return 1;
    int rc = run_load(e, "fixed load", 20, 50, 0, "<= 0.5 %, <= 8 MB");
    if (rc == 0) rc = run_load(e, "scale", 100, MAX_REGS, 10, "<= 5 %, <= 16 MB");
    printf("  (CPU is counted in clock ticks of 10 ms: short windows are coarse)\n");
    h_cleanup_all();
    free(e);
    return rc;
}
