/* mqtt_sensors.c - see mqtt_sensors.h. */
#include "adapters/mqtt_sensors/parse.h"
#include "gateway/base/error.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

/* Compares a word with the configured on/off strings, then the usual spellings. */
static int word_state(const struct cfg_sensor *s, const char *w, size_t n, int *state)
{
    if (s->on && strlen(s->on) == n && strncasecmp(w, s->on, n) == 0) {
        *state = 1;
        return ST_OK;
    }
    if (s->off && strlen(s->off) == n && strncasecmp(w, s->off, n) == 0) {
        *state = 0;
        return ST_OK;
    }
    static const char *const truthy[] = {"true", "on", "1", "alarm", "open", "wet"};
    static const char *const falsy[] = {"false", "off", "0", "normal", "closed", "dry"};
    for (size_t i = 0; i < sizeof(truthy) / sizeof(truthy[0]); i++) {
        if (strlen(truthy[i]) == n && strncasecmp(w, truthy[i], n) == 0) {
            *state = 1;
            return ST_OK;
        }
        if (strlen(falsy[i]) == n && strncasecmp(w, falsy[i], n) == 0) {
            *state = 0;
            return ST_OK;
        }
    }
    return ST_ERR_INVAL;
}

static int parse_plain(const struct cfg_sensor *s, const char *p, size_t len, int *state)
{
    while (len && isspace((unsigned char)*p))
        p++, len--;
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    return word_state(s, p, len, state);
}

static int parse_json(const struct cfg_sensor *s, const char *p, size_t len, int *state,
                      const char **why)
{
    json_error_t jerr;
    json_t *root = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = ST_ERR_INVAL;
    if (!root) {
        *why = "not JSON";
        return ST_ERR_INVAL;
    }
    json_t *v = json_is_object(root) ? json_object_get(root, s->field) : NULL;
    if (!v) {
        *why = "field missing";
    } else if (json_is_boolean(v)) {
        *state = json_is_true(v);
        rc = ST_OK;
    } else if (json_is_number(v)) {
        *state = json_number_value(v) != 0;
        rc = ST_OK;
    } else if (json_is_string(v)) {
        rc = word_state(s, json_string_value(v), json_string_length(v), state);
        if (rc) *why = "unrecognised state string";
    } else {
        *why = "field is not a boolean, number or string";
    }
    json_decref(root);
    return rc;
}

int mqtt_sensor_parse(const struct cfg_sensor *s, const void *payload, size_t len, int *state,
                      const char **why)
{
    static const char *unused;
    if (!why) why = &unused;
    *why = "";
    if (len > SENSOR_PAYLOAD_MAX) {
        *why = "payload too large";
        return ST_ERR_TOOBIG;
    }
    if (!payload || len == 0) {
        *why = "empty payload";
        return ST_ERR_INVAL;
    }
    int rc =
        s->plain ? parse_plain(s, payload, len, state) : parse_json(s, payload, len, state, why);
    if (rc) {
        if (s->plain) *why = "payload is neither the on nor the off value";
        return rc;
    }
    if (s->invert) *state = !*state;
    return ST_OK;
}
