/* cmd_alarm.c - the alarm verbs of P/cmd/: ack, shelve, unshelve (see commands.h). */
#include "config/duration.h"
#include "gateway/alarms/alarms.h"
#include "gateway/base/error.h"
#include "gateway/uplink/commands_impl.h"

#include <jansson.h>
#include <string.h>

#define USAGE "expected {\"alarm\": ID, \"by\": NAME}"

/* "alarm" and "by", which every alarm verb takes; bad: the verb's other fields were malformed.
 * Returns 0 to go on, or 1 when the command was answered with usage (the answer's code in *rc). */
static int alarm_fields(struct commands *c, const char *verb, const json_t *o, int bad,
                        const char *usage, const char **alarm, const char **by, int *rc)
{
    *alarm = commands__field(o, "alarm", &bad);
    *by = commands__field(o, "by", &bad);
    if (!bad && *alarm) return 0;
    *rc = commands__reply(c, verb, o, 0, usage, NULL, NULL);
    return 1;
}

int commands__ack(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    const char *alarm, *by;
    int rc;
    if (alarm_fields(c, "ack", o, 0, USAGE, &alarm, &by, &rc) ||
        commands__refused(c, "ack", o, by, ROLE_ACK, "alarm", alarm, &rc))
        return rc;
    rc = alarms_ack(c->alarms, alarm, by, now_mono, now_wall);
    return commands__outcome(c, "ack", o, rc,
                             rc == ST_ERR_NOTFOUND ? "no such alarm" : "nothing to acknowledge",
                             "alarm", alarm);
}

int commands__shelve(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    int bad = 0, rc;
    const char *dur = commands__field(o, "for", &bad), *alarm, *by;
    int64_t for_ms = 0;
    bad |= !dur || duration_parse(dur, &for_ms) != ST_OK;
    if (alarm_fields(c, "shelve", o, bad,
                     "expected {\"alarm\": ID, \"for\": DURATION (\"30m\"), \"by\": NAME}", &alarm,
                     &by, &rc) ||
        commands__refused(c, "shelve", o, by, ROLE_SHELVE, "alarm", alarm, &rc))
        return rc;
    const char *why = NULL;
    rc = alarms_shelve(c->alarms, alarm, by, for_ms, now_mono, now_wall, &why);
    return commands__outcome(c, "shelve", o, rc, why, "alarm", alarm);
}

int commands__unshelve(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    const char *alarm, *by;
    int rc;
    if (alarm_fields(c, "unshelve", o, 0, USAGE, &alarm, &by, &rc) ||
        commands__refused(c, "unshelve", o, by, ROLE_SHELVE, "alarm", alarm, &rc))
        return rc;
    rc = alarms_unshelve(c->alarms, alarm, by, now_mono, now_wall);
    return commands__outcome(c, "unshelve", o, rc,
                             rc == ST_ERR_NOTFOUND ? "no such alarm" : "not shelved", "alarm",
                             alarm);
}

int commands__reset(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    const char *alarm, *by;
    int rc;
    if (alarm_fields(c, "reset", o, 0, USAGE, &alarm, &by, &rc) ||
        commands__refused(c, "reset", o, by, ROLE_RESET, "alarm", alarm, &rc))
        return rc;
    const char *why = NULL;
    rc = alarms_reset(c->alarms, alarm, by, now_mono, now_wall, &why);
    return commands__outcome(c, "reset", o, rc, why, "alarm", alarm);
}

/* out_of_service and in_service: the shelve role, and for an emergency alarm out_of_service. */
int commands__service(struct commands *c, const char *verb, const json_t *o, int64_t now_mono,
                      int64_t now_wall)
{
    int bad = 0, rc;
    const char *alarm, *by;
    json_t *n = json_object_get(o, "note");
    const char *note = NULL;
    if (n && json_is_string(n) && json_string_length(n) <= CMD_FIELD_MAX)
        note = json_string_value(n);
    else if (n && !json_is_null(n))
        bad = 1;
    if (alarm_fields(c, verb, o, bad, "expected {\"alarm\": ID, \"by\": NAME, \"note\": TEXT}",
                     &alarm, &by, &rc))
        return rc;
    struct alarm *al = alarms_find(c->alarms, alarm);
    unsigned role = al && al->priority == PRIO_EMERGENCY ? ROLE_OUT_OF_SERVICE : ROLE_SHELVE;
    if (commands__refused(c, verb, o, by, role, "alarm", alarm, &rc)) return rc;
    const char *why = NULL;
    if (strcmp(verb, "out_of_service") == 0)
        rc = alarms_out_of_service(c->alarms, alarm, by, note, now_mono, now_wall, &why);
    else
        rc = alarms_in_service(c->alarms, alarm, by, now_mono, now_wall, &why);
    return commands__outcome(c, verb, o, rc, why, "alarm", alarm);
}
