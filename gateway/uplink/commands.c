/* commands.c - see commands.h: the payload opened (signed or not), the dispatch by verb, and the
 * answer every command gets. The verbs themselves are in cmd_alarm.c and cmd_workorder.c. */
#include "gateway/uplink/commands.h"
#include "gateway/uplink/commands_impl.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/jws.h"
#include "gateway/store/journal.h"

#include <jansson.h>
#include <string.h>

/* A string member of at most CMD_FIELD_MAX bytes, or NULL (absent, wrong type or too long). */
const char *commands__field(const json_t *o, const char *key, int *bad)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return NULL;
    if (!json_is_string(v) || json_string_length(v) > CMD_FIELD_MAX || json_string_length(v) == 0) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

/*
 * Answers on P/cmd/result and records the command as an event, in one change of the journal.
 * what_key/what name its object ("alarm": ID); the sender's `by` (who it claims, or the signer)
 * is part of both.
 */
int commands__reply(struct commands *c, const char *verb, const json_t *req, int ok,
                    const char *error, const char *what_key, const char *what)
{
    json_t *r = json_pack("{s:s, s:b}", "cmd", verb, "ok", ok);
    json_t *ev = json_pack("{s:s, s:b}", "cmd", verb, "ok", ok);
    if (!r || !ev) {
        json_decref(r);
        json_decref(ev);
        return ST_ERR_NOMEM;
    }
    json_object_set_new(r, "error", error ? json_string(error) : json_null());
    json_object_set_new(ev, "error", error ? json_string(error) : json_null());
    json_t *rq = req ? json_object_get(req, "req") : NULL;
    if (rq && json_is_string(rq) && json_string_length(rq) <= CMD_FIELD_MAX)
        json_object_set(r, "req", rq);
    json_t *by = req ? json_object_get(req, "by") : NULL;
    if (by && json_is_string(by) && json_string_length(by) <= CMD_FIELD_MAX) {
        json_object_set(r, "by", by);
        json_object_set(ev, "by", by);
    }
    if (what_key && what) {
        json_object_set_new(r, what_key, json_string(what));
        json_object_set_new(ev, what_key, json_string(what));
    }
    if (!ok) {
        c->rejected++;
        /* The reason and the name are ours or bounded; the log escapes control characters. */
        log_complain(&c->refusals, clock_mono_ms(), LOG_WARN, "cmd/%s refused%s%s: %s", verb,
                     json_is_string(by) ? " for " : "",
                     json_is_string(by) ? json_string_value(by) : "", error);
    }
    struct journal_change ch = {
        .topic = "cmd/result", .doc = r, .event_type = "command", .event = ev};
    int rc = journal_record(c->journal, &ch);
    json_decref(r);
    json_decref(ev);
    return rc;
}

/* Answers a command that reached its module: refused with why for the refusals (not found,
 * invalid, wrong state), accepted on 0; any other code is the store's, returned as it is. */
int commands__outcome(struct commands *c, const char *verb, const json_t *o, int rc,
                      const char *why, const char *key, const char *value)
{
    if (rc == ST_ERR_NOTFOUND || rc == ST_ERR_INVAL || rc == ST_ERR_STATE)
        return commands__reply(c, verb, o, 0, why, key, value);
    return rc ? rc : commands__reply(c, verb, o, 1, NULL, key, value);
}

/* Refused unless `by` may give a command needing role; 1 when refused (answered in *rc). */
int commands__refused(struct commands *c, const char *verb, const json_t *o, const char *by,
                      unsigned role, const char *key, const char *value, int *rc)
{
    const char *why = NULL;
    if (authority_allows(&c->auth, by, role, &why)) return 0;
    *rc = commands__reply(c, verb, o, 0, why, key, value);
    return 1;
}

/* A refused command's fields as far as they can be read (a JSON object, or a token's claims),
 * only to echo its "req"; NULL when there are none. */
static json_t *unverified_fields(const void *payload, size_t len)
{
    json_error_t e;
    json_t *o = json_loadb(payload, len, 0, &e), *req = NULL;
    struct jws j;
    const char *why;
    if (!json_is_object(o) && jws_open(payload, len, &j, &why) == 0) {
        json_decref(o);
        o = json_loadb(j.claims, j.claims_len, 0, &e);
        jws_close(&j);
    }
    json_t *r = json_object_get(o, "req");
    if (json_is_string(r)) req = json_pack("{s:O}", "req", r);
    json_decref(o);
    return req;
}

/* The command's fields: the JSON object, or a signed command's verified claims with `by` its
 * signer. Returns the object (caller decrefs), or NULL after answering why not (*rc). */
static json_t *open_command(struct commands *c, const char *verb, const void *payload, size_t len,
                            int64_t now_wall, int *rc)
{
    json_t *o = NULL;
    if (authority_signed(&c->auth)) {
        const char *by = NULL, *why = NULL;
        *rc = authority_open(&c->auth, payload, len, now_wall, &o, &by, &why);
        if (*rc == ST_ERR_INVAL) {
            /* Refused; its "req" (even unverified) still lets the sender match the answer. */
            json_t *req = unverified_fields(payload, len);
            *rc = commands__reply(c, verb, req, 0, why, NULL, NULL);
            json_decref(req);
        }
        if (!o) return NULL;
        json_object_set_new(o, "by", json_string(by)); /* the signer, whatever the claims say */
        return o;
    }
    json_error_t jerr;
    o = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
    if (o && json_is_object(o)) return o;
    json_decref(o);
    *rc = commands__reply(c, verb, NULL, 0, "payload is not a JSON object", NULL, NULL);
    return NULL;
}

int commands_handle(struct commands *c, const char *verb, const void *payload, size_t len,
                    int64_t now_mono, int64_t now_wall)
{
    if (strcmp(verb, "result") == 0) return ST_OK; /* our own answers, echoed by P/cmd/# */
    /* Answer under a name of ours, never the sender's topic text (it may not even be UTF-8). */
    static const char *const verbs[] = {"ack",   "workorder",      "shelve",    "unshelve",
                                        "reset", "out_of_service", "in_service"};
    const char *name = "unknown";
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(verb, verbs[i]) == 0) name = verbs[i];
    verb = name;
    if (len > CMD_PAYLOAD_MAX)
        return commands__reply(c, verb, NULL, 0, "payload too large", NULL, NULL);
    int rc = ST_OK;
    json_t *o = open_command(c, verb, payload, len, now_wall, &rc);
    if (!o) return rc;
    if (strcmp(verb, "ack") == 0)
        rc = commands__ack(c, o, now_mono, now_wall);
    else if (strcmp(verb, "workorder") == 0)
        rc = commands__workorder(c, o, now_wall);
    else if (strcmp(verb, "shelve") == 0)
        rc = commands__shelve(c, o, now_mono, now_wall);
    else if (strcmp(verb, "unshelve") == 0)
        rc = commands__unshelve(c, o, now_mono, now_wall);
    else if (strcmp(verb, "reset") == 0)
        rc = commands__reset(c, o, now_mono, now_wall);
    else if (strcmp(verb, "out_of_service") == 0 || strcmp(verb, "in_service") == 0)
        rc = commands__service(c, verb, o, now_mono, now_wall);
    else
        rc = commands__reply(c, "unknown", o, 0, "unknown command", NULL, NULL);
    json_decref(o);
    return rc;
}
