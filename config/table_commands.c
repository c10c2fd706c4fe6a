/* table_commands.c - the settings tables of who may command the gateway (the operators list and
 * the commands group) and of its metrics. Read by load_commands.c. */
#include "config/config.h"
#include "config/settings.h"

#include <stdlib.h>
#include <string.h>

const char *const operator_role_names[] = {"ack",    "shelve",         "reset", "workorder",
                                           "cancel", "out_of_service", NULL};

static const char *apply_roles(void *target, const struct setting *row, const struct set_value *v)
{
    (void)row;
    struct cfg_operator *op = target;
    if (!v->list) return NULL;
    for (int i = 0; i < config_setting_length(v->list); i++) {
        const char *name = config_setting_get_string_elem(v->list, i);
        int found = -1;
        for (int k = 0; name && operator_role_names[k]; k++)
            if (strcmp(name, operator_role_names[k]) == 0) found = k;
        if (found < 0)
            return "holds a role that is not one of ack, shelve, reset, workorder, cancel";
        op->roles |= 1u << found;
    }
    return NULL;
}

static const struct setting operator_rows[] = {
    {.name = "name",
     SET_STR(struct cfg_operator, name),
     .flags = SET_REQUIRED,
     .doc = "the operator, as commands name them in `by` (or sign them, as `kid`)"},
    {.name = "roles",
     .type = SET_LIST,
     .off = SET_NOWHERE,
     .apply = apply_roles,
     .def = "[]",
     .doc = "what the operator may do: `ack`, `shelve` (also out of service, but for an emergency "
            "alarm), `reset`, `workorder`, `cancel` (an emergency work order), `out_of_service` "
            "(an emergency alarm)"},
    {.name = "key_file",
     SET_STR(struct cfg_operator, key_file),
     .doc = "a file readable by steward only, holding the operator's HMAC key for signed "
            "commands"},
};
const struct set_table set_operators = {.name = "operators",
                                        .doc = "who may command the gateway over `P/cmd/`; "
                                               "without this list, anyone who can publish there",
                                        .key = "name",
                                        .selector = -1,
                                        SET_ROWS(operator_rows)};

static const struct setting commands_rows[] = {
    {.name = "require_signature",
     .type = SET_BOOL,
     .off = offsetof(struct config, commands.require_signature),
     .def = "false",
     .doc = "every command must be a JWS (HS256) signed with an operator's key; `by` is its "
            "`kid`"},
    {.name = "signature_window",
     .type = SET_DURATION,
     .off = offsetof(struct config, commands.signature_window_ms),
     .min = 1000,
     .def = "5m",
     .doc = "a signed command's `iat` must lie within this of the gateway's clock"},
    {.name = "shelve_max",
     .type = SET_DURATION,
     .off = offsetof(struct config, commands.shelve_max_ms),
     .min = 1000,
     .max = 86400000,
     .def = "24h",
     .doc = "how long one alarm may be shelved in all within any 24 hours"},
};
const struct set_table set_commands = {
    .name = "commands", .doc = "how commands are checked", .selector = -1, SET_ROWS(commands_rows)};

static const struct setting metrics_rows[] = {
    {.name = "interval",
     .type = SET_DURATION,
     .off = offsetof(struct config, metrics.interval_ms),
     .min = 1000,
     .def = "60s",
     .doc = "how often the gateway publishes `P/metrics` (retained)"},
};
const struct set_table set_metrics = {.name = "metrics",
                                      .doc = "the gateway's own figures for operators",
                                      .selector = -1,
                                      SET_ROWS(metrics_rows)};

static const struct setting chatter_rows[] = {
    {.name = "count",
     .type = SET_INT,
     .off = offsetof(struct config, chatter.count),
     .min = 1,
     .max = 30,
     .def = "5",
     .doc = "an alarm raised more often than this within `window` is chattering"},
    {.name = "window",
     .type = SET_DURATION,
     .off = offsetof(struct config, chatter.window_ms),
     .min = 1000,
     .def = "10m",
     .doc = "the window chatter is counted in"},
};
const struct set_table set_chatter = {.name = "chatter",
                                      .doc = "when an alarm is chattering (ISA-18.2)",
                                      .selector = -1,
                                      SET_ROWS(chatter_rows)};
