/* commands.c - see commands.h. */
#include "gateway/uplink/commands.h"
#include "config/duration.h"
#include "gateway/alarms/alarms.h"
#include "gateway/base/error.h"
#include "gateway/store/journal.h"
#include "gateway/base/log.h"
#include "gateway/work/workorders.h"

#include <jansson.h>
#include <string.h>

/* A string member of at most CMD_FIELD_MAX bytes, or NULL (absent, wrong type or too long). */
static const char *field(const json_t *o, const char *key, int *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return NULL;
    if (!json_is_string(v) || json_string_length(v) > CMD_FIELD_MAX || json_string_length(v) == 0) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

static int reply(struct commands *c, const char *verb, const json_t *req, int ok, const char *error,
                 const char *what_key, const char *what)
{
    json_t *r = json_pack("{s:s, s:b}", "cmd", verb, "ok", ok);
    if (!r) return ST_ERR_NOMEM;
    json_object_set_new(r, "error", error ? json_string(error) : json_null());
    json_t *rq = req ? json_object_get(req, "req") : NULL;
    if (rq && json_is_string(rq) && json_string_length(rq) <= CMD_FIELD_MAX)
        json_object_set(r, "req", rq);
    if (what_key && what) json_object_set_new(r, what_key, json_string(what));
    if (!ok) {
        c->rejected++;
        log_msg(LOG_WARN, "cmd/%s refused: %s", verb, error);
    }
    struct journal_change ch = {.topic = "cmd/result", .doc = r};
    int rc = journal_record(c->journal, &ch);
    json_decref(r);
    return rc;
}

/* Answers a command that reached its module: refused with why for the refusals (not found,
 * invalid, wrong state), accepted on 0; any other code is the store's, returned as it is. */
static int outcome(struct commands *c, const char *verb, const json_t *o, int rc, const char *why,
                   const char *key, const char *value)
{
    if (rc == ST_ERR_NOTFOUND || rc == ST_ERR_INVAL || rc == ST_ERR_STATE)
        return reply(c, verb, o, 0, why, key, value);
    return rc ? rc : reply(c, verb, o, 1, NULL, key, value);
}

static int cmd_ack(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    int bad = 0;
    const char *alarm = field(o, "alarm", &bad), *by = field(o, "by", &bad);
    if (bad || !alarm)
        return reply(c, "ack", o, 0, "expected {\"alarm\": ID, \"by\": NAME}", NULL, NULL);
    int rc = alarms_ack(c->alarms, alarm, by, now_mono, now_wall);
    return outcome(c, "ack", o, rc,
                   rc == ST_ERR_NOTFOUND ? "no such alarm" : "nothing to acknowledge", "alarm",
                   alarm);
}

static int cmd_workorder(struct commands *c, const json_t *o, int64_t now_wall)
{
    int bad = 0;
    const char *id = field(o, "id", &bad), *status = field(o, "status", &bad);
    const char *by = field(o, "by", &bad);
    json_t *n = json_object_get(o, "note");
    const char *note = NULL;
    if (n && json_is_string(n) && json_string_length(n) <= CMD_PAYLOAD_MAX / 2)
        note = json_string_value(n);
    else if (n && !json_is_null(n))
        bad = 1;
    if (bad || !id || !status)
        return reply(c, "workorder", o, 0,
                     "expected {\"id\": WO_ID, \"status\": STATUS, \"by\": NAME, \"note\": TEXT}",
                     NULL, NULL);
    const char *why = NULL;
    int rc = wo_set_status(c->wos, id, status, by, note, now_wall, &why);
    return outcome(c, "workorder", o, rc, why, "id", id);
}

static int cmd_shelve(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    int bad = 0;
    const char *alarm = field(o, "alarm", &bad), *dur = field(o, "for", &bad);
    const char *by = field(o, "by", &bad);
    int64_t for_ms = 0;
    if (bad || !alarm || !dur || duration_parse(dur, &for_ms) != ST_OK)
        return reply(c, "shelve", o, 0,
                     "expected {\"alarm\": ID, \"for\": DURATION (\"30m\"), \"by\": NAME}", NULL,
                     NULL);
    const char *why = NULL;
    int rc = alarms_shelve(c->alarms, alarm, by, for_ms, now_mono, now_wall, &why);
    return outcome(c, "shelve", o, rc, why, "alarm", alarm);
}

static int cmd_unshelve(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall)
{
    int bad = 0;
    const char *alarm = field(o, "alarm", &bad), *by = field(o, "by", &bad);
    if (bad || !alarm)
        return reply(c, "unshelve", o, 0, "expected {\"alarm\": ID, \"by\": NAME}", NULL, NULL);
    int rc = alarms_unshelve(c->alarms, alarm, by, now_mono, now_wall);
    return outcome(c, "unshelve", o, rc, rc == ST_ERR_NOTFOUND ? "no such alarm" : "not shelved",
                   "alarm", alarm);
}

int commands_handle(struct commands *c, const char *verb, const void *payload, size_t len,
                    int64_t now_mono, int64_t now_wall)
{
    if (strcmp(verb, "result") == 0) return ST_OK; /* our own answers, echoed by P/cmd/# */
    /* Answer under a name of ours, never the sender's topic text (it may not even be UTF-8). */
    static const char *const verbs[] = {"ack", "workorder", "shelve", "unshelve"};
    const char *name = "unknown";
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(verb, verbs[i]) == 0) name = verbs[i];
    verb = name;
    if (len > CMD_PAYLOAD_MAX) return reply(c, verb, NULL, 0, "payload too large", NULL, NULL);
    json_error_t jerr;
    json_t *o = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc;
    if (!o || !json_is_object(o))
        rc = reply(c, verb, NULL, 0, "payload is not a JSON object", NULL, NULL);
    else if (strcmp(verb, "ack") == 0)
        rc = cmd_ack(c, o, now_mono, now_wall);
    else if (strcmp(verb, "workorder") == 0)
        rc = cmd_workorder(c, o, now_wall);
    else if (strcmp(verb, "shelve") == 0)
        rc = cmd_shelve(c, o, now_mono, now_wall);
    else if (strcmp(verb, "unshelve") == 0)
        rc = cmd_unshelve(c, o, now_mono, now_wall);
    else
        rc = reply(c, "unknown", o, 0, "unknown command", NULL, NULL);
    json_decref(o);
    return rc;
}
