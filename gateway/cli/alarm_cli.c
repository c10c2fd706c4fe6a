/* alarm_cli.c - see cli.h: the alarm commands from the command line, sent through the broker as
 * the control room sends them (remote.h), so both take one path through the gateway. */
#include "config/duration.h"
#include "gateway/cli/cli.h"
#include "gateway/cli/remote.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define COMMAND_TIMEOUT_MS 10000

int cli_alarm_command(const struct config *cfg, const struct cli_opts *o)
{
    /* The command-line verb and the topic's verb. */
    static const char *const verbs[][2] = {
        {"ack", "ack"},
        {"shelve", "shelve"},
        {"unshelve", "unshelve"},
        {"reset", "reset"},
        {"out-of-service", "out_of_service"},
        {"in-service", "in_service"},
    };
    const char *verb = NULL;
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(o->command, verbs[i][0]) == 0) verb = verbs[i][1];
    if (!verb || o->npos != 1) {
        fprintf(stderr, "steward: %s needs one ALARM_ID\n", o->command);
        return 1;
    }
    int64_t ms;
    if (strcmp(verb, "shelve") == 0 && (!o->for_ || duration_parse(o->for_, &ms) != 0)) {
        fprintf(stderr, "steward: shelve needs --for DURATION (\"30m\", \"2h\")\n");
        return 1;
    }
    const char *by = o->by ? o->by : getenv("USER");
    if (!by || !*by) by = "cli";
    json_t *body = json_pack("{s:s, s:s}", "alarm", o->pos[0], "by", by);
    if (body && o->for_ && strcmp(verb, "shelve") == 0)
        json_object_set_new(body, "for", json_string(o->for_));
    if (body && o->note) json_object_set_new(body, "note", json_string(o->note));
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        fprintf(stderr, "steward: the alarm id, the name and the note must be UTF-8 text\n");
        return 1;
    }
    int code = remote_command(cfg, verb, text, by, o->key, COMMAND_TIMEOUT_MS, stdout);
    free(text);
    return code;
}
