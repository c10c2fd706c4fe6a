/* cmd_alarm.c - the alarm verbs of P/cmd/: ack, shelve, unshelve (see commands.h). */
#include "config/duration.h"
#include "gateway/alarms/alarms.h"
#include "gateway/base/error.h"
#include "gateway/uplink/commands_impl.h"

#include <jansson.h>
#include <string.h>

int commands__ack(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    int bad = 0, rc;
    const char *alarm = commands__field(o, "alarm", &bad), *by = commands__field(o, "by", &bad);
    if (bad || !alarm)
        return commands__reply(c, "ack", o, 0, "expected {\"alarm\": ID, \"by\": NAME}", NULL,
                               NULL);
    if (commands__refused(c, "ack", o, by, ROLE_ACK, "alarm", alarm, &rc)) return rc;
    rc = alarms_ack(c->alarms, alarm, by, now_mono, now_wall);
    return commands__outcome(c, "ack", o, rc,
                             rc == ST_ERR_NOTFOUND ? "no such alarm" : "nothing to acknowledge",
                             "alarm", alarm);
}

int commands__shelve(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    int bad = 0, rc;
    const char *alarm = commands__field(o, "alarm", &bad), *dur = commands__field(o, "for", &bad);
    const char *by = commands__field(o, "by", &bad);
    int64_t for_ms = 0;
    if (bad || !alarm || !dur || duration_parse(dur, &for_ms) != ST_OK)
        return commands__reply(
            c, "shelve", o, 0,
            "expected {\"alarm\": ID, \"for\": DURATION (\"30m\"), \"by\": NAME}", NULL, NULL);
    if (commands__refused(c, "shelve", o, by, ROLE_SHELVE, "alarm", alarm, &rc)) return rc;
    const char *why = NULL;
    rc = alarms_shelve(c->alarms, alarm, by, for_ms, now_mono, now_wall, &why);
    return commands__outcome(c, "shelve", o, rc, why, "alarm", alarm);
}

int commands__unshelve(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    int bad = 0, rc;
    const char *alarm = commands__field(o, "alarm", &bad), *by = commands__field(o, "by", &bad);
    if (bad || !alarm)
        return commands__reply(c, "unshelve", o, 0, "expected {\"alarm\": ID, \"by\": NAME}", NULL,
                               NULL);
    if (commands__refused(c, "unshelve", o, by, ROLE_SHELVE, "alarm", alarm, &rc)) return rc;
    rc = alarms_unshelve(c->alarms, alarm, by, now_mono, now_wall);
    return commands__outcome(c, "unshelve", o, rc,
                             rc == ST_ERR_NOTFOUND ? "no such alarm" : "not shelved", "alarm",
                             alarm);
}

int commands__reset(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    int bad = 0, rc;
    const char *alarm = commands__field(o, "alarm", &bad), *by = commands__field(o, "by", &bad);
    if (bad || !alarm)
        return commands__reply(c, "reset", o, 0, "expected {\"alarm\": ID, \"by\": NAME}", NULL,
                               NULL);
    if (commands__refused(c, "reset", o, by, ROLE_RESET, "alarm", alarm, &rc)) return rc;
    const char *why = NULL;
    rc = alarms_reset(c->alarms, alarm, by, now_mono, now_wall, &why);
    return commands__outcome(c, "reset", o, rc, why, "alarm", alarm);
}

/* out_of_service and in_service: the shelve role, and for an emergency alarm out_of_service. */
int commands__service(struct commands *c, const char *verb, const json_t *o, int64_t now_mono,
                      int64_t now_wall)
{
    int bad = 0, rc;
    const char *alarm = commands__field(o, "alarm", &bad), *by = commands__field(o, "by", &bad);
    json_t *n = json_object_get(o, "note");
    const char *note = NULL;
    if (n && json_is_string(n) && json_string_length(n) <= CMD_FIELD_MAX)
        note = json_string_value(n);
    else if (n && !json_is_null(n))
        bad = 1;
    if (bad || !alarm)
        return commands__reply(
            c, verb, o, 0, "expected {\"alarm\": ID, \"by\": NAME, \"note\": TEXT}", NULL, NULL);
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
