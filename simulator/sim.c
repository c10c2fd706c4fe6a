/*
 * sim.c - steward-sim: simulates every Modbus TCP device and MQTT sensor of a site
 * configuration, optionally playing a scenario (see scenario.h):
 *     steward-sim -c FILE [--scenario NAME|FILE] [--speed X] [--seed N] [--log-level LEVEL]
 * Exit codes: 0 ok, 1 bad input or configuration, 2 runtime failure.
 */
#include "config/config.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/version.h"
#include "simulator/mbserver.h"
#include "simulator/rtuserver.h"
#include "simulator/scenario.h"
#include "simulator/sensors.h"
#include "simulator/world.h"

#include <errno.h>
#include <mosquitto.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TICK_MS 100
#define REPUBLISH_MS 30000 /* simulated */
#define MAX_FDS 256
#define MAX_SERIAL 16

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static const char usage[] =
    "usage: steward-sim -c FILE [--scenario NAME|FILE] [--speed X] [--seed N] [--log-level LEVEL]\n"
    "\n"
    "Simulates every Modbus TCP device and MQTT sensor of the site configuration FILE.\n"
    "scenarios: normal (default), overtemp, pf_low, leak, fire, door_after_hours, demo,\n"
    "           or a file of steps 'AT TARGET set VALUE | ramp VALUE DURATION', and for a device\n"
    "           'AT DEVICE offline | silent | online | garbage | exception | slow [DURATION] |\n"
    "           wrong_unit | drop'\n"
    "--speed X  run simulated time X times faster (0 < X <= 1000)\n"
    "--serial BUS=PATH  serve the RTU bus BUS on a pseudo-terminal linked at PATH (set the bus's\n"
    "           device to PATH in the gateway's configuration)\n";

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, mem);
    if (mem) fclose(mem);
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    const char *cfg_path = NULL, *scenario = "normal";
    double speed = 1;
    unsigned long long seed = 1;
    const char *serial[MAX_SERIAL]; /* "BUS=PATH" */
    size_t n_serial = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            printf("steward-sim %s\n", STEWARD_VERSION);
            return 0;
        } else if ((!strcmp(a, "-c") || !strcmp(a, "--config")) && more) {
            cfg_path = argv[++i];
        } else if (!strcmp(a, "--scenario") && more) {
            scenario = argv[++i];
        } else if (!strcmp(a, "--speed") && more) {
            char *end;
            speed = strtod(argv[++i], &end);
            if (*end || !(speed > 0 && speed <= 1000)) {
                fprintf(stderr, "steward-sim: --speed must be a number in (0, 1000]\n");
                return 1;
            }
        } else if (!strcmp(a, "--serial") && more) {
            if (n_serial == MAX_SERIAL || !strchr(argv[i + 1], '=')) {
                fprintf(stderr, "steward-sim: --serial takes BUS=PATH (at most %d)\n", MAX_SERIAL);
                return 1;
            }
            serial[n_serial++] = argv[++i];
        } else if (!strcmp(a, "--seed") && more) {
            seed = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(a, "--log-level") && more) {
            if (log_level_parse(argv[++i], &log_threshold)) {
                fprintf(stderr, "steward-sim: unknown log level '%s'\n", argv[i]);
                return 1;
            }
        } else {
            fprintf(stderr, "steward-sim: unknown or incomplete option '%s'\n%s", a, usage);
            return 1;
        }
    }
    if (!cfg_path) {
        fputs(usage, stderr);
        return 1;
    }

    struct config *cfg = config_load_report(cfg_path, stderr);
    if (!cfg) return 1;
    int rc;

    /* A built-in name, or a file of steps. */
    const char *text = scenario_builtin(scenario);
    char *file_text = NULL;
    if (!text) {
        file_text = read_file(scenario);
        if (!file_text) {
            fprintf(stderr,
                    "steward-sim: '%s' is neither a built-in scenario nor a readable file: %s\n",
                    scenario, strerror(errno));
            config_free(cfg);
            return 1;
        }
        text = file_text;
    }
    struct scenario sc;
    char err[512];
    rc = scenario_parse(text, scenario, cfg, &sc, err, sizeof(err));
    free(file_text);
    if (rc) {
        fprintf(stderr, "%s\n", err);
        config_free(cfg);
        return 1;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    mosquitto_lib_init();

    int code = 0;
    struct world w;
    struct mbserver *servers[64] = {0};
    size_t n_servers = 0;
    struct rtuserver *lines[MAX_SERIAL] = {0};
    size_t n_lines = 0;
    struct sim_sensors *sensors = NULL;
    if (world_init(&w, cfg, &sc, speed, seed, clock_mono_ms())) {
        code = 2;
        goto out;
    }
    for (size_t b = 0; b < cfg->n_buses && n_servers < 64; b++) {
        if (cfg->buses[b].type == BUS_RTU) {
            const char *path = NULL;
            size_t idl = strlen(cfg->buses[b].id);
            for (size_t k = 0; k < n_serial; k++)
                if (!strncmp(serial[k], cfg->buses[b].id, idl) && serial[k][idl] == '=')
                    path = serial[k] + idl + 1;
            if (!path) {
                log_msg(LOG_WARN, "sim: RTU bus %s is not simulated (give --serial %s=PATH)",
                        cfg->buses[b].id, cfg->buses[b].id);
            } else if (!(lines[n_lines++] = rtuserver_new(cfg, (int)b, &w, path))) {
                code = 2;
                goto out;
            }
            continue;
        }
        if (!(servers[n_servers++] = mbserver_new(cfg, (int)b, &w))) {
            code = 2;
            goto out;
        }
    }
    if (cfg->n_sensors && !(sensors = sim_sensors_new(cfg))) {
        code = 2;
        goto out;
    }
    log_msg(LOG_INFO, "sim: running scenario '%s' at speed %g (%zu steps)", scenario, speed, sc.n);

    int64_t next_tick = 0, next_republish = 0;
    while (!stop) {
        int64_t now = clock_mono_ms();
        if (now >= next_tick) {
            world_tick(&w, now);
            for (size_t i = 0; i < n_servers; i++)
                mbserver_refresh(servers[i]);
            for (size_t i = 0; i < n_lines; i++)
                rtuserver_refresh(lines[i]);
            if (sensors) {
                int all = now >= next_republish;
                sim_sensors_publish(sensors, &w, all);
                if (all) next_republish = now + (int64_t)(REPUBLISH_MS / speed);
            }
            next_tick = now + TICK_MS;
        }
        struct pollfd fds[MAX_FDS];
        size_t n = 0, counts[64];
        for (size_t i = 0; i < n_servers; i++) {
            counts[i] = mbserver_fds(servers[i], fds + n, MAX_FDS - n);
            n += counts[i];
        }
        size_t first_line = n;
        for (size_t i = 0; i < n_lines && n < MAX_FDS; i++)
            fds[n++] = (struct pollfd){rtuserver_fd(lines[i]), POLLIN, 0};
        int64_t wait_until = next_tick;
        for (size_t i = 0; i < n_servers; i++) {
            int64_t due = mbserver_next_late(servers[i]);
            if (due >= 0 && due < wait_until) wait_until = due;
        }
        for (size_t i = 0; i < n_lines; i++) {
            int64_t due = rtuserver_next_late(lines[i]);
            if (due >= 0 && due < wait_until) wait_until = due;
        }
        int64_t wait = wait_until - clock_mono_ms();
        if (poll(fds, n, wait < 0 ? 0 : (int)wait) > 0) {
            size_t off = 0;
            for (size_t i = 0; i < n_servers; i++) {
                mbserver_handle(servers[i], fds + off, counts[i]);
                off += counts[i];
            }
            for (size_t i = 0; i < n_lines; i++)
                if (fds[first_line + i].revents) rtuserver_handle(lines[i]);
        }
        now = clock_mono_ms();
        for (size_t i = 0; i < n_servers; i++)
            mbserver_send_late(servers[i], now);
        for (size_t i = 0; i < n_lines; i++)
            rtuserver_send_late(lines[i], now);
    }
    log_msg(LOG_INFO, "sim: stopping");
    for (size_t i = 0; i < n_servers; i++)
        mbserver_report(servers[i]);
    for (size_t i = 0; i < n_lines; i++)
        rtuserver_report(lines[i]);
    for (size_t i = 0; i < n_servers; i++)
        if (mbserver_writes_refused(servers[i]))
            log_msg(LOG_WARN, "sim: %llu write requests were refused",
                    (unsigned long long)mbserver_writes_refused(servers[i]));
out:
    sim_sensors_free(sensors);
    for (size_t i = 0; i < n_lines; i++)
        rtuserver_free(lines[i]);
    for (size_t i = 0; i < n_servers; i++)
        mbserver_free(servers[i]);
    world_cleanup(&w);
    scenario_free(&sc);
    config_free(cfg);
    mosquitto_lib_cleanup();
    return code;
}
