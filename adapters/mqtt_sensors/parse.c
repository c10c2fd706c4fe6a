/* parse.c - see parse.h. */
#include "adapters/mqtt_sensors/parse.h"
#include "gateway/base/error.h"

#include <ctype.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
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

/* The payload without surrounding white space. */
static const char *trim(const char *p, size_t *len)
{
    while (*len && isspace((unsigned char)*p))
        p++, (*len)--;
    while (*len && isspace((unsigned char)p[*len - 1]))
        (*len)--;
    return p;
}

static int parse_plain(const struct cfg_sensor *s, const char *p, size_t len,
                       struct sensor_reading *r, const char **why)
{
    p = trim(p, &len);
    if (s->numeric) {
        char buf[64], *end;
        if (len == 0 || len >= sizeof(buf)) {
            *why = "payload is not a number";
            return ST_ERR_INVAL;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        double v = strtod(buf, &end);
        if (*end || !isfinite(v)) {
            *why = "payload is not a number";
            return ST_ERR_INVAL;
        }
        r->value = v;
        r->has_value = 1;
        return ST_OK;
    }
    int state;
    if (word_state(s, p, len, &state)) {
        *why = "payload is neither the on nor the off value";
        return ST_ERR_INVAL;
    }
    r->value = state;
    r->has_value = 1;
    return ST_OK;
}

/* battery_low (boolean) or battery (percent) in a JSON object: either one saying low is low. */
static void read_battery(const struct cfg_sensor *s, const json_t *root, struct sensor_reading *r)
{
    const json_t *low = json_object_get(root, "battery_low");
    const json_t *pct = json_object_get(root, "battery");
    if (json_is_boolean(low)) r->battery = json_is_true(low);
    if (json_is_number(pct)) {
        int below = json_number_value(pct) < s->battery_min;
        r->battery = r->battery == 1 || below;
    }
}

static int parse_json(const struct cfg_sensor *s, const char *p, size_t len,
                      struct sensor_reading *r, const char **why)
{
    json_error_t jerr;
    json_t *root = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = ST_ERR_INVAL;
    if (!root) {
        *why = "not JSON";
        return ST_ERR_INVAL;
    }
    if (!json_is_object(root)) {
        *why = "not a JSON object";
        json_decref(root);
        return ST_ERR_INVAL;
    }
    if (s->battery) read_battery(s, root, r);
    json_t *v = s->field ? json_object_get(root, s->field) : NULL;
    int state;
    if (!v || json_is_null(v)) {
        rc = ST_OK; /* a report of other attributes: no state, not an error */
    } else if (s->numeric) {
        if (json_is_number(v)) {
            r->value = json_number_value(v);
            r->has_value = 1;
            rc = ST_OK;
        } else {
            *why = "field is not a number";
        }
    } else if (json_is_boolean(v)) {
        r->value = json_is_true(v);
        r->has_value = 1;
        rc = ST_OK;
    } else if (json_is_number(v)) {
        r->value = json_number_value(v) != 0;
        r->has_value = 1;
        rc = ST_OK;
    } else if (json_is_string(v)) {
        rc = word_state(s, json_string_value(v), json_string_length(v), &state);
        if (rc)
            *why = "unrecognised state string";
        else
            r->value = state, r->has_value = 1;
    } else {
        *why = "field is not a boolean, number or string";
    }
    json_decref(root);
    return rc;
}

int mqtt_sensor_read(const struct cfg_sensor *s, const void *payload, size_t len,
                     struct sensor_reading *r, const char **why)
{
    static const char *unused;
    if (!why) why = &unused;
    *why = "";
    *r = (struct sensor_reading){.battery = -1};
    if (len > SENSOR_PAYLOAD_MAX) {
        *why = "payload too large";
        return ST_ERR_TOOBIG;
    }
    if (!payload || len == 0) {
        *why = "empty payload";
        return ST_ERR_INVAL;
    }
    int rc = s->plain ? parse_plain(s, payload, len, r, why) : parse_json(s, payload, len, r, why);
    if (rc) {
        *r = (struct sensor_reading){.battery = -1};
        return rc;
    }
    if (r->has_value && s->invert && !s->numeric) r->value = !r->value;
    return ST_OK;
}

int mqtt_sensor_parse(const struct cfg_sensor *s, const void *payload, size_t len, int *state,
                      const char **why)
{
    static const char *unused;
    if (!why) why = &unused;
    struct sensor_reading r;
    int rc = mqtt_sensor_read(s, payload, len, &r, why);
    if (rc) return rc;
    if (!r.has_value) {
        *why = "field missing";
        return ST_ERR_INVAL;
    }
    *state = r.value != 0;
    return ST_OK;
}

int mqtt_sensor_availability(const void *payload, size_t len, int *online, const char **why)
{
    static const char *unused;
    if (!why) why = &unused;
    *why = "";
    if (!payload || len == 0 || len > SENSOR_PAYLOAD_MAX) {
        *why = len ? "payload too large" : "empty payload";
        return ST_ERR_INVAL;
    }
    const char *p = payload, *w = NULL;
    size_t n = 0;
    json_t *root = NULL;
    p = trim(p, &len);
    if (len && *p == '{') {
        json_error_t jerr;
        root = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
        const json_t *st = json_object_get(root, "state");
        if (json_is_string(st)) w = json_string_value(st), n = json_string_length(st);
    } else {
        w = p, n = len;
    }
    int rc = ST_ERR_INVAL;
    if (w && n == 6 && strncasecmp(w, "online", 6) == 0)
        *online = 1, rc = ST_OK;
    else if (w && n == 7 && strncasecmp(w, "offline", 7) == 0)
        *online = 0, rc = ST_OK;
    else
        *why = "neither online nor offline";
    json_decref(root);
    return rc;
}
