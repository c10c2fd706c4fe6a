/* workorder_cli.c - see cli.h: a work order's status from the command line, sent on
 * P/cmd/workorder through the broker (remote.h) as the CMMS sends it, so both take one path
 * through the gateway (the same checks, the same answer on P/cmd/result). */
#include "gateway/cli/cli.h"
#include "gateway/cli/remote.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define COMMAND_TIMEOUT_MS 10000

int cli_workorder(const struct config *cfg, const struct cli_opts *o)
{
    /* The command-line action and the status it sends. */
    static const char *const actions[][2] = {
        {"accept", "accepted"}, {"on-site", "on_site"},  {"resolve", "resolved"},
        {"close", "closed"},    {"cancel", "cancelled"}, {"follow-up", "followed_up"},
    };
    const char *status = NULL;
    for (size_t i = 0; o->npos >= 1 && i < sizeof(actions) / sizeof(actions[0]); i++)
        if (strcmp(o->pos[0], actions[i][0]) == 0) status = actions[i][1];
    if (!status || o->npos != 2) {
        fprintf(stderr, "steward: usage: steward workorder accept|on-site|resolve|close|cancel|"
                        "follow-up -c FILE WO_ID --by NAME [--note TEXT] "
                        "[--outcome satisfied|not_satisfied]\n");
        return 1;
    }
    int follow_up = strcmp(status, "followed_up") == 0;
    if (follow_up && (!o->outcome || (strcmp(o->outcome, "satisfied") != 0 &&
                                      strcmp(o->outcome, "not_satisfied") != 0))) {
        fprintf(stderr, "steward: follow-up needs --outcome satisfied or not_satisfied\n");
        return 1;
    }
    if (strcmp(status, "cancelled") == 0 && (!o->note || !*o->note)) {
        fprintf(stderr, "steward: cancel needs --note saying why\n");
        return 1;
    }
    const char *by = o->by ? o->by : getenv("USER");
    if (!by || !*by) by = "cli";
    json_t *body = json_pack("{s:s, s:s, s:s}", "id", o->pos[1], "status", status, "by", by);
    if (body && o->note) json_object_set_new(body, "note", json_string(o->note));
    if (body && follow_up) json_object_set_new(body, "outcome", json_string(o->outcome));
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        fprintf(stderr, "steward: the id, the name and the note must be UTF-8 text\n");
        return 1;
    }
    int code = remote_command(cfg, "workorder", text, by, o->key, COMMAND_TIMEOUT_MS, stdout);
    free(text);
    return code;
}
