/*
 * main.c - the `steward` command line: options parsed once (cli.h), then the command, each
 * family in its own file of gateway/cli/. `steward --help` lists them all.
 * Exit codes: 0 ok, 1 bad input or configuration, 2 runtime failure.
 */
#include "adapters/adapter.h"
#include "config/config.h"
#include "gateway/base/error.h"
#include "gateway/base/mqtt_client.h"
#include "gateway/base/log.h"
#include "gateway/core/loop.h"
#include "gateway/cli/cli.h"
#include "gateway/cli/remote.h"
#include "gateway/cli/status.h"
#include "gateway/base/version.h"
#include "gateway/cli/watch.h"

#include <jansson.h>
#include <malloc.h>
#include <mosquitto.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: steward COMMAND -c FILE [options]\n"
    "\n"
    "commands:\n"
    "  run    -c FILE [--foreground] [--log-level LEVEL]   run the gateway (SIGHUP reloads)\n"
    "  check  -c FILE                  validate the configuration (errors as FILE:LINE: message)\n"
    "  status -c FILE                  the gateway, devices, readings, alarms, work orders\n"
    "  watch  -c FILE [--seconds N]    print alarms, work orders and events as they are published\n"
    "  ack    -c FILE ALARM_ID [--by NAME] [--key FILE]   acknowledge an alarm\n"
    "  shelve -c FILE ALARM_ID --for DURATION [--by NAME] [--key FILE]   shelve an alarm\n"
    "  unshelve -c FILE ALARM_ID [--by NAME] [--key FILE]  take an alarm off the shelf\n"
    "  reset  -c FILE ALARM_ID [--by NAME] [--key FILE]   reset a latched alarm (condition gone)\n"
    "  out-of-service -c FILE ALARM_ID [--note TEXT] [--by NAME] [--key FILE]   for maintenance\n"
    "  in-service -c FILE ALARM_ID [--by NAME] [--key FILE]   back in service\n"
    "  rules test -c FILE --replay DATA.csv   the rules over recorded samples: what would fire\n"
    "  report alarms -c FILE --month YYYY-MM [--json]   the alarm system's monthly figures\n"
    "  report daily -c FILE [--date YYYY-MM-DD] [--json]   the morning report of the review\n"
    "  report -c FILE --month YYYY-MM [--json|--csv]   the monthly work-order KPIs\n"
    "  workorder accept|on-site|resolve|close|cancel|follow-up -c FILE ID --by NAME\n"
    "         [--note TEXT] [--outcome satisfied|not_satisfied]   move a work order on\n"
    "  probe  -c FILE DEVICE           read one Modbus device once: requests, raw answers, points\n"
    "  config-reference                print every configuration setting (Markdown)\n"
    "  help                            this text\n"
    "\n"
    "options:\n"
    "  -c, --config FILE   the site configuration (see config/examples/)\n"
    "  --foreground        accepted for compatibility: steward never forks (run it under systemd)\n"
    "  --log-level LEVEL   error, warn, info (default) or debug (traces polls and payloads)\n"
    "  --by NAME           who gives the command (default: $USER); with --key, the signer\n"
    "  --key FILE          sign the command with this operator's key (a private file)\n"
    "  --for DURATION      shelve: how long (\"30m\", \"2h\"; at most 24h)\n"
    "  --note TEXT         a note with the command\n"
    "  --seconds N         watch: stop after N seconds (default: until Ctrl-C)\n"
    "  -h, --help          this text\n"
    "  --version           the version\n"
    "  every option also takes the form --option=value\n"
    "\n"
    "exit codes: 0 ok, 1 bad input, refused or invalid configuration, 2 runtime failure\n";

/* The options that take a value, and where it goes. */
struct valued {
    const char *name;
    size_t off; /* into struct cli_opts: a const char * */
};

static int parse_args(int argc, char **argv, struct cli_opts *o, enum log_level *level)
{
    static const struct valued valued[] = {
        {"--by", offsetof(struct cli_opts, by)},
        {"--key", offsetof(struct cli_opts, key)},
        {"--note", offsetof(struct cli_opts, note)},
        {"--for", offsetof(struct cli_opts, for_)},
        {"--date", offsetof(struct cli_opts, date)},
        {"--month", offsetof(struct cli_opts, month)},
        {"--replay", offsetof(struct cli_opts, replay)},
        {"--outcome", offsetof(struct cli_opts, outcome)},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const struct valued *v = NULL;
        for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++)
            if (strcmp(a, valued[k].name) == 0) v = &valued[k];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (strcmp(a, "--version") == 0) {
            printf("steward %s\n", STEWARD_VERSION);
            exit(0);
        } else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            o->config = argv[++i];
        } else if (v && i + 1 < argc) {
            *(const char **)((char *)o + v->off) = argv[++i];
        } else if (strcmp(a, "--seconds") == 0 && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 0 || n > 86400 * 365) {
                fprintf(stderr, "steward: --seconds takes a whole number of seconds\n");
                return 1;
            }
            o->seconds = (int)n;
        } else if (strcmp(a, "--json") == 0) {
            o->json = 1;
        } else if (strcmp(a, "--csv") == 0) {
            o->csv = 1;
        } else if (strcmp(a, "--log-level") == 0 && i + 1 < argc) {
            if (log_level_parse(argv[++i], level)) {
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
        } else if (o->npos < CLI_MAX_POS) {
            o->pos[o->npos++] = a;
        } else {
            fprintf(stderr, "steward: unexpected argument '%s'\n", a);
            return 1;
        }
    }
    if (!o->command) {
        fputs(usage, stderr);
        return 1;
    }
    if (!o->config && strcmp(o->command, "config-reference") != 0 &&
        strcmp(o->command, "help") != 0) {
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

/* "--opt=value" as "--opt" "value", so both forms are one to parse_args. The strings are argv's
 * or copies (the option names) that live as long as the process and are freed at exit. */
static char **split_args, **split_names;
static size_t n_split_names;

static void free_split(void)
{
    for (size_t i = 0; i < n_split_names; i++)
        free(split_names[i]);
    free(split_names);
    free(split_args);
}

static char **split_equals(int argc, char **argv, int *out_argc)
{
    char **v = calloc((size_t)argc * 2 + 1, sizeof(*v));
    split_names = calloc((size_t)argc + 1, sizeof(*split_names));
    if (!v || !split_names) {
        free(v);
        return NULL;
    }
    split_args = v;
    atexit(free_split);
    int n = 0;
    for (int i = 0; i < argc; i++) {
        char *eq = strncmp(argv[i], "--", 2) == 0 ? strchr(argv[i], '=') : NULL;
        if (!eq) {
            v[n++] = argv[i];
            continue;
        }
        char *name = strndup(argv[i], (size_t)(eq - argv[i]));
        if (!name) return NULL;
        split_names[n_split_names++] = name;
        v[n++] = name;
        v[n++] = eq + 1;
    }
    *out_argc = n;
    return v;
}

int main(int argc, char **argv)
{
    struct cli_opts o = {0};
    enum log_level level = LOG_INFO;
    char **args = split_equals(argc, argv, &argc);
    if (!args) return 2;
    argv = args;
    if (parse_args(argc, argv, &o, &level)) return 1;
    log_threshold = level;

    if (strcmp(o.command, "help") == 0) { /* needs no configuration */
        fputs(usage, stdout);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    if (strcmp(o.command, "config-reference") == 0) { /* needs no configuration */
        config_reference_print(stdout);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    static const char *const commands[] = {
        "run",    "check",    "status",    "watch",          "ack",
        "shelve", "unshelve", "reset",     "out-of-service", "in-service",
        "rules",  "report",   "workorder", "probe",          NULL};
    int known = 0;
    for (int i = 0; commands[i]; i++)
        known |= strcmp(o.command, commands[i]) == 0;
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
    /* probe reads as the gateway would: only what it would run. */
    if ((strcmp(o.command, "run") == 0 || strcmp(o.command, "probe") == 0) &&
        adapters_report(cfg, stderr)) {
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
    } else if (strcmp(o.command, "ack") == 0 || strcmp(o.command, "shelve") == 0 ||
               strcmp(o.command, "unshelve") == 0 || strcmp(o.command, "reset") == 0 ||
               strcmp(o.command, "out-of-service") == 0 || strcmp(o.command, "in-service") == 0) {
        mosquitto_lib_init();
        code = cli_alarm_command(cfg, &o);
        mosquitto_lib_cleanup();
    } else if (strcmp(o.command, "rules") == 0) {
        if (o.npos == 1 && strcmp(o.pos[0], "test") == 0) {
            code = cli_rules_test(cfg, &o, stdout);
        } else {
            fprintf(stderr, "steward: usage: steward rules test -c FILE --replay DATA.csv\n");
            code = 1;
        }
    } else if (strcmp(o.command, "report") == 0) {
        if (o.npos >= 1 && strcmp(o.pos[0], "alarms") == 0)
            code = cli_report_alarms(cfg, &o, stdout);
        else /* daily, or the monthly KPIs with --month */
            code = cli_report_work(cfg, &o, stdout);
    } else if (strcmp(o.command, "workorder") == 0) {
        mosquitto_lib_init();
        code = cli_workorder(cfg, &o);
        mosquitto_lib_cleanup();
    } else if (strcmp(o.command, "probe") == 0) {
        code = cli_probe(cfg, &o, stdout);
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
