/*
 * cli.h - what the `steward` commands share: the options as parsed once by main.c, and each
 * command family's entry point (one file each in gateway/cli/). Every entry returns the exit
 * code: 0 ok, 1 bad input or refused, 2 runtime failure (no broker, no database...).
 */
#ifndef STEWARD_CLI_H
#define STEWARD_CLI_H

#include <stdio.h>

#include "config/config.h"

#define CLI_MAX_POS 8

struct cli_opts {
    const char *command;          /* the first word: run, check, ack, workorder... */
    const char *pos[CLI_MAX_POS]; /* the other words, in order */
    int npos;
    const char *config, *by, *key, *note, *for_, *date, *month, *replay, *outcome;
    int json, csv, seconds;
};

/* The command-sending verbs for alarms, through the broker as the control room sends them:
 * ack, shelve (--for), unshelve, reset, out-of-service, in-service (--note); ALARM_ID is pos[0].
 * Signed with --key as the operator --by. (alarm_cli.c) */
int cli_alarm_command(const struct config *cfg, const struct cli_opts *o);

/* `steward workorder accept|on-site|resolve|close|cancel|follow-up ID --by NAME [--note TEXT]
 * [--outcome satisfied|not_satisfied]`: P/cmd/workorder through the broker. (workorder_cli.c) */
int cli_workorder(const struct config *cfg, const struct cli_opts *o);

/* `steward report daily [--date D] [--json]` and `steward report --month YYYY-MM
 * [--json|--csv]`: the morning report and the monthly KPIs, from the database. (report_work.c) */
int cli_report_work(const struct config *cfg, const struct cli_opts *o, FILE *out);

/* `steward report alarms --month YYYY-MM [--json]`: the alarm system's figures (ISA-18.2,
 * EEMUA 191), from the database. (report_alarms.c) */
int cli_report_alarms(const struct config *cfg, const struct cli_opts *o, FILE *out);

/* `steward rules test --replay DATA.csv`: the rules over recorded samples. (rules_test.c) */
int cli_rules_test(const struct config *cfg, const struct cli_opts *o, FILE *out);

/* `steward probe -c FILE DEVICE`: one read of a configured Modbus device, printed to out (the
 * requests, the raw answers, every point as published): adapters_probe. An unknown DEVICE is an
 * error naming the nearest configured id (exit 1). (probe.c) */
int cli_probe(const struct config *cfg, const struct cli_opts *o, FILE *out);

#endif
