/*
 * bench_load - the fixed load of DESIGN.md section 8: 20 meters x 50 registers polled every
 * second, a rule on each meter, telemetry published on change. Measures the gateway's CPU share
 * and RSS over a steady window, and the CPU of a bare libmodbus client (a child process) making
 * the same requests, against the same simulator. Prints numbers only.
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

#define METERS 20
#define REGS 50
#define WINDOW_S 10

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

/* The baseline: one connection, each meter's 50 registers in one request, once a second. */
static double bare_client_cpu(int port)
{
    pid_t pid = fork();
    if (pid == 0) {
        modbus_t *ctx = modbus_new_tcp("127.0.0.1", port);
        uint16_t regs[REGS];
        if (!ctx || modbus_connect(ctx) != 0) _exit(1);
        for (int s = 0; s < WINDOW_S; s++) {
            for (int m = 0; m < METERS; m++) {
                modbus_set_slave(ctx, m + 1);
                modbus_read_registers(ctx, 0, REGS, regs);
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

int main(void)
{
    struct h_env *e = h_env_new();
    if (!e || h_broker_start(e) < 0) return 1;
    /* The configuration: 20 meters of 50 u16 holding registers, one rule each. */
    size_t cap = 64 * 1024, len = 0;
    char *cfg = malloc(cap);
    len += (size_t)snprintf(
        cfg + len, cap - len,
        "site = { id = \"load\"; };\n"
        "mqtt = { upstream = { port = @MQTT_PORT@; }; };\n"
        "storage = { path = \"@DB@\"; };\n"
        "modbus = { buses = ( { id = \"b\"; type = \"tcp\"; port = @MODBUS_PORT@; } );\n"
        "  profiles = ( { id = \"m\"; points = (\n");
    for (int r = 0; r < REGS; r++)
        len += (size_t)snprintf(
            cfg + len, cap - len,
            "    { name = \"r%02d\"; table = \"holding\"; address = %d; type = \"u16\"; }%s\n", r,
            r, r + 1 < REGS ? "," : "");
    len += (size_t)snprintf(cfg + len, cap - len, "  ); } );\n  devices = (\n");
    for (int m = 0; m < METERS; m++)
        len += (size_t)snprintf(cfg + len, cap - len,
                                "    { id = \"m%02d\"; bus = \"b\"; unit = %d; profile = \"m\"; "
                                "interval = \"1s\"; }%s\n",
                                m, m + 1, m + 1 < METERS ? "," : "");
    len += (size_t)snprintf(cfg + len, cap - len, "  );\n};\nrules = (\n");
    for (int m = 0; m < METERS; m++)
        len += (size_t)snprintf(
            cfg + len, cap - len,
            "  { id = \"hi%02d\"; when = \"m%02d.r00 > 60000\"; priority = \"normal\";"
            " category = \"x\"; title = \"t\"; }%s\n",
            m, m, m + 1 < METERS ? "," : "");
    snprintf(cfg + len, cap - len, ");\n");
    char path[256];
    snprintf(path, sizeof(path), "%s", h_write_config(e, "load.cfg", cfg));
    free(cfg);

    pid_t sim = h_sim_start(e, path, "normal", "1");
    pid_t gw = h_gateway_start(e, path, "steward.log");
    if (sim < 0 || gw < 0) {
        h_dump_logs(e);
        return 1;
    }
    sleep_s(3); /* warm up: connections made, tables filled */
    double c0 = cpu_seconds(gw);
    sleep_s(WINDOW_S);
    double c1 = cpu_seconds(gw);
    long rss = rss_kb(gw);
    double bare = bare_client_cpu(e->modbus_port);
    double gw_pct = (c1 - c0) / WINDOW_S * 100, bare_pct = bare / WINDOW_S * 100;
    printf(
        "fixed load: %d meters x %d registers every 1 s, %d rules, telemetry on change (%d s):\n",
        METERS, REGS, METERS, WINDOW_S);
    printf("  steward           : %5.2f %% of one core, RSS %.1f MB (target <= 0.5 %%, <= 8 MB)\n",
           gw_pct, rss / 1024.0);
    printf(
        "  bare libmodbus    : %5.2f %% of one core (same requests, no decoding, no publishing)\n",
        bare_pct);
    printf("  (CPU is counted in clock ticks of 10 ms: short windows are coarse)\n");
    h_cleanup_all();
    free(e);
    return 0;
}
