/*
 * main.c - the `steward` command line (DESIGN.md section 4):
 *   steward run    -c FILE [--foreground] [--log-level LEVEL]
 *   steward check  -c FILE
 *   steward status -c FILE
 *   steward ack    -c FILE ALARM_ID [--by NAME]
 * Exit codes: 0 ok, 1 bad input or configuration, 2 runtime failure.
 */
#include "adapters/adapter.h"
#include "config/config.h"
#include "gateway/base/error.h"
#include "gateway/base/mqtt_client.h"
#include "gateway/base/log.h"
#include "gateway/core/loop.h"
#include "gateway/cli/remote.h"
#include "gateway/cli/status.h"
#include "gateway/base/version.h"
#include "gateway/cli/watch.h"

#include <jansson.h>
#include <malloc.h>
#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ACK_TIMEOUT_MS 10000

static const char usage[] =
    "usage: steward COMMAND -c FILE [options]\n"
    "\n"
    "commands:\n"
    "  run    -c FILE [--foreground] [--log-level LEVEL]   run the gateway\n"
    "  check  -c FILE                  validate the configuration (errors as FILE:LINE: message)\n"
    "  status -c FILE                  devices, active alarms, open work orders and SLA time left\n"
    "  ack    -c FILE ALARM_ID [--by NAME] [--key FILE]   acknowledge an alarm (signed with "
    "--key)\n"
    "  watch  -c FILE [--seconds N]    print alarms, work orders and events as they are published\n"
    "  config-reference                print every configuration setting (Markdown)\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   the site configuration (see config/examples/)\n"
    "  --foreground        accepted for compatibility: steward never forks (run it under systemd)\n"
    "  --log-level LEVEL   error, warn, info (default) or debug\n"
    "  --by NAME           who acknowledges (default: $USER); with --key, the signing operator\n"
    "  --key FILE          sign the command with this operator's key (a private file)\n"
    "  --seconds N         watch: stop after N seconds (default: until Ctrl-C)\n"
    "  -h, --help          this text\n"
    "  --version           the version\n"
    "  every option also takes the form --option=value\n"
    "\n"
    "exit codes: 0 ok, 1 bad input or configuration, 2 runtime failure\n";

struct opts {
    const char *command, *config, *by, *alarm, *key;
    enum log_level level;
    int seconds;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (strcmp(a, "--version") == 0) {
            printf("steward %s\n", STEWARD_VERSION);
            exit(0);
        } else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            o->config = argv[++i];
        } else if (strcmp(a, "--seconds") == 0 && i + 1 < argc) {
            char *end;
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 0 || v > 86400 * 365) {
                fprintf(stderr, "steward: --seconds takes a whole number of seconds\n");
                return 1;
            }
            o->seconds = (int)v;
        } else if (strcmp(a, "--by") == 0 && i + 1 < argc) {
            o->by = argv[++i];
        } else if (strcmp(a, "--key") == 0 && i + 1 < argc) {
            o->key = argv[++i];
        } else if (strcmp(a, "--log-level") == 0 && i + 1 < argc) {
            if (log_level_parse(argv[++i], &o->level)) {
                fprintf(stderr, "steward: unknown log level '%s'\n", argv[i]);
                return 1;
            }
        } else if (strcmp(a, "--foreground") == 0) {
            /* always in the foreground */
        } else if (a[0] == '-') {
            fprintf(stderr, "steward: unknown or incomplete option '%s'\n%s", a, usage);
            return 1;
        } else if (!o->command) {
            o->command = a;
        } else if (strcmp(o->command, "ack") == 0 && !o->alarm) {
            o->alarm = a;
        } else {
            fprintf(stderr, "steward: unexpected argument '%s'\n", a);
            return 1;
        }
    }
    if (!o->command) {
        fputs(usage, stderr);
        return 1;
    }
    if (!o->config && strcmp(o->command, "config-reference") != 0) {
        fprintf(stderr, "steward: %s needs -c FILE\n", o->command);
        return 1;
    }
    return 0;
}

/* The adapters' own checks of cfg, every error printed as FILE:LINE: message. Returns the number
 * of errors. */
static int adapters_report(const struct config *cfg, FILE *err)
{
    struct config_diag diag = {0};
    int n = adapters_check(cfg, &diag);
    for (size_t i = 0; i < diag.n; i++)
        fprintf(err, "%s\n", diag.msgs[i]);
    config_diag_free(&diag);
    return n;
}

/* The files the brokers' settings name (TLS, password) are there, readable and private: checked
 * by `steward check` as they will be at every connection. Returns the number of problems. */
static int brokers_report(const struct config *cfg, FILE *err)
{
    const struct cfg_broker *b[2] = {&cfg->upstream, &cfg->sensors};
    const char *name[2] = {"mqtt.upstream", "mqtt.sensors"};
    int n = 0;
    for (int i = 0; i < (cfg->has_sensor_broker ? 2 : 1); i++) {
        char why[300];
        if (mqtt_client_check(b[i], why, sizeof(why)) == 0) continue;
        fprintf(err, "%s:%d: %s: %s\n", cfg->path, b[i]->line, name[i], why);
        n++;
    }
    return n;
}

static int cmd_ack(const struct config *cfg, const struct opts *o)
{
    if (!o->alarm) {
        fprintf(stderr, "steward: ack needs an ALARM_ID\n");
        return 1;
    }
    const char *by = o->by ? o->by : getenv("USER");
    json_t *body = json_pack("{s:s, s:s}", "alarm", o->alarm, "by", by && *by ? by : "cli");
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        fprintf(stderr, "steward: the alarm id and name must be UTF-8 text\n");
        return 1;
    }
    mosquitto_lib_init();
    int code =
        remote_command(cfg, "ack", text, by && *by ? by : "cli", o->key, ACK_TIMEOUT_MS, stdout);
    mosquitto_lib_cleanup();
    free(text);
    return code;
}

/* "--opt=value" as "--opt" "value", so both forms are one to parse_args. The strings are argv's
 * or copies that live as long as the process, as argv does (kept reachable here). */
static char **split_args;
static char **split_equals(int argc, char **argv, int *out_argc)
{
    char **v = calloc((size_t)argc * 2 + 1, sizeof(*v));
    int n = 0;
    for (int i = 0; v && i < argc; i++) {
        char *eq = strncmp(argv[i], "--", 2) == 0 ? strchr(argv[i], '=') : NULL;
        if (!eq) {
            v[n++] = argv[i];
            continue;
        }
        v[n++] = strndup(argv[i], (size_t)(eq - argv[i]));
        v[n++] = eq + 1;
    }
    *out_argc = n;
    split_args = v;
    return v;
}

int main(int argc, char **argv)
{
    struct opts o = {.level = LOG_INFO};
    char **args = split_equals(argc, argv, &argc);
    if (!args) return 2;
    argv = args;
    if (parse_args(argc, argv, &o)) return 1;
    log_threshold = o.level;

    if (strcmp(o.command, "config-reference") == 0) { /* needs no configuration */
        config_reference_print(stdout);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    int known = strcmp(o.command, "run") == 0 || strcmp(o.command, "check") == 0 ||
                strcmp(o.command, "status") == 0 || strcmp(o.command, "ack") == 0 ||
                strcmp(o.command, "watch") == 0;
    if (!known) {
        fprintf(stderr, "steward: unknown command '%s'\n%s", o.command, usage);
        return 1;
    }
    struct config *cfg = config_load_report(o.config, stderr);
    if (!cfg) return 1;
    /* What only the adapters know (unit ids per bus type, requests per device): the gateway runs
     * only a configuration `steward check` accepts. */
    if (strcmp(o.command, "check") == 0 &&
        brokers_report(cfg, stderr) + adapters_report(cfg, stderr)) {
        config_free(cfg);
        return 1;
    }
    if (strcmp(o.command, "run") == 0 && adapters_report(cfg, stderr)) {
        config_free(cfg);
        return 1;
    }
    /* hour() and weekday() in rules, and `steward status`, use the site's local time. */
    if (cfg->site.timezone) {
        setenv("TZ", cfg->site.timezone, 1);
        tzset();
    }

    int code;
    if (strcmp(o.command, "check") == 0) {
        printf("%s: ok (%zu devices, %zu points, %zu sensors, %zu rules)\n", o.config,
               cfg->n_devices, cfg->n_points, cfg->n_sensors, cfg->n_rules);
        code = 0;
    } else if (strcmp(o.command, "status") == 0) {
        code = status_print(cfg, stdout);
    } else if (strcmp(o.command, "ack") == 0) {
        code = cmd_ack(cfg, &o);
    } else if (strcmp(o.command, "watch") == 0) {
        mosquitto_lib_init();
        code = watch_run(cfg, o.seconds, stdout);
        mosquitto_lib_cleanup();
    } else {
        /* Every alarm builds and frees a few JSON documents; without padding glibc gives the
         * heap top back to the kernel after each and asks for it again (brk twice per alarm,
         * measured by bench_latency under strace). Keep a little slack instead. */
        mallopt(M_TOP_PAD, 512 * 1024);
        mallopt(M_TRIM_THRESHOLD, 2 * 1024 * 1024);
        mosquitto_lib_init();
        code = loop_run(cfg);
        mosquitto_lib_cleanup();
    }
    config_free(cfg);
    return code;
}
