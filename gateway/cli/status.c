/* status.c - see status.h. */
#include "gateway/cli/status.h"
#include "gateway/cli/live.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/work/sla.h"
#include "gateway/store/store.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

char *status_span(long long ms, char *buf, size_t len)
{
    const char *sign = ms < 0 ? "-" : "";
    long long s = (ms < 0 ? -ms : ms) / 1000;
    if (s < 3600)
        snprintf(buf, len, "%s%lldm%02llds", sign, s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, len, "%s%lldh%02lldm", sign, s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, len, "%s%lldd%02lldh", sign, s / 86400, (s % 86400) / 3600);
    return buf;
}

struct device_rows {
    const struct config *cfg;
    char (*since)[CLOCK_LOCAL_LEN];
    char (*qual)[16];
};

static int device_row(void *ctx, const char *id, const char *state, const char *json)
{
    struct device_rows *d = ctx;
    int i = config_device_find(d->cfg, id);
    if (i < 0) return 0;
    snprintf(d->qual[i], sizeof(d->qual[i]), "%s", state);
    int64_t ms;
    char t[CLOCK_LOCAL_LEN];
    snprintf(d->since[i], sizeof(d->since[i]), "%s",
             json && clock_parse_iso(json, &ms) == 0 ? clock_local(ms, t) : "");
    return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

/* An ISO-8601 UTC time from a document, as a local time with its offset (or "-"). */
static const char *local_of(const json_t *o, const char *key, char *buf)
{
    int64_t ms;
    const char *iso = json_string_value(json_object_get(o, key));
    if (!iso || clock_parse_iso(iso, &ms) != 0) return "-";
    return clock_local(ms, buf);
}

static int alarm_row(void *ctx, const char *id, const char *state, const char *json)
{
    FILE *out = ctx;
    if (strcmp(state, "normal") == 0) return 0;
    json_error_t e;
    json_t *o = json_loads(json, 0, &e);
    char t[CLOCK_LOCAL_LEN];
    if (strcmp(state, "shelved") == 0) /* silenced: say by whom and until when */
        fprintf(out, "  %-22s %-10s %-13s until %-26s %s (by %s)\n", id, jstr(o, "priority"), state,
                local_of(o, "shelved_until", t), jstr(o, "title"), jstr(o, "shelved_by"));
    else
        fprintf(out, "  %-22s %-10s %-13s since %-26s %s\n", id, jstr(o, "priority"), state,
                local_of(o, "active_since", t), jstr(o, "title"));
    json_decref(o);
    return 0;
}

static void deadline(FILE *out, const json_t *o, const char *key, const char *label, int met,
                     int64_t now)
{
    int64_t due;
    const char *s = json_string_value(json_object_get(o, key));
    char span[32];
    if (met)
        fprintf(out, "  %s met", label);
    else if (!s || clock_parse_iso(s, &due))
        fprintf(out, "  %s ?", label);
    else if (due >= now)
        fprintf(out, "  %s in %s", label, status_span(due - now, span, sizeof(span)));
    else
        fprintf(out, "  %s OVERDUE by %s", label, status_span(now - due, span, sizeof(span)));
}

static int wo_row(void *ctx, const char *id, const char *state, const char *json)
{
    FILE *out = ctx;
    json_error_t e;
    json_t *o = json_loads(json, 0, &e);
    enum wo_status st = WO_OPEN;
    wo_status_parse(state, &st);
    int64_t now = clock_wall_ms();
    fprintf(out, "  %-24s %-10s %-9s %-10s %s\n", id, jstr(o, "priority"), state, jstr(o, "asset"),
            jstr(o, "title"));
    fprintf(out, "  %24s", "");
    deadline(out, o, "notify_by", "accept", st >= WO_ACCEPTED, now);
    deadline(out, o, "respond_by", "on site", st >= WO_ON_SITE, now);
    deadline(out, o, "resolve_by", "resolve", st >= WO_RESOLVED, now);
    fprintf(out, "  (escalation %lld: %s)\n",
            (long long)json_integer_value(json_object_get(o, "escalation_level")),
            jstr(o, "assigned_role"));
    json_decref(o);
    return 0;
}

/* Is the gateway running? Its retained P/status, as the broker holds it. */
static void print_gateway(const struct live *l, FILE *out)
{
    if (!l->reached) {
        fprintf(out, "Gateway: unknown (%s)\n", l->error);
        return;
    }
    json_error_t e;
    json_t *o = l->status ? json_loads(l->status, 0, &e) : NULL;
    const char *state = json_string_value(json_object_get(o, "state"));
    char t[CLOCK_LOCAL_LEN];
    if (!state)
        fprintf(out, "Gateway: not running (no status on the broker)\n");
    else if (strcmp(state, "online") == 0)
        fprintf(out, "Gateway: running (online since %s, version %s, store %s)\n",
                local_of(o, "started_at", t), jstr(o, "version"), jstr(o, "store"));
    else
        fprintf(out, "Gateway: not running (%s; it started %s)\n", state,
                local_of(o, "started_at", t));
    json_decref(o);
}

/* Live readings and sensor states: the broker's retained telemetry, by point. */
static void print_readings(const struct config *cfg, const struct live *l, FILE *out)
{
    if (!l->reached) return;
    fprintf(out, "\nReadings (retained telemetry)\n");
    size_t pl = strlen(cfg->upstream.topic_prefix) + strlen("/telemetry/");
    for (size_t i = 0; i < l->n; i++) {
        json_error_t e;
        json_t *o = json_loads(l->payload[i], 0, &e);
        json_t *v = json_object_get(o, "value");
        char value[48], t[CLOCK_LOCAL_LEN];
        if (json_is_real(v) || json_is_integer(v))
            snprintf(value, sizeof(value), "%.10g", json_number_value(v));
        else
            snprintf(value, sizeof(value), "%s",
                     json_is_true(v)    ? "true"
                     : json_is_false(v) ? "false"
                                        : "-");
        fprintf(out, "  %-28s %12s %-6s %-10s %s\n", l->topic[i] + pl, value,
                json_string_value(json_object_get(o, "unit")) ?: "", jstr(o, "quality"),
                local_of(o, "ts", t));
        json_decref(o);
    }
    if (l->n == 0) fprintf(out, "  none retained\n");
}

int status_print(const struct config *cfg, FILE *out)
{
    struct store *s;
    if (store_open(cfg->storage.path, 1, &s) != ST_OK) {
        fprintf(stderr, "steward: cannot read the database %s (has the gateway run yet?)\n",
                cfg->storage.path);
        return 2;
    }
    size_t nd = cfg->n_devices ? cfg->n_devices : 1;
    struct device_rows d = {cfg, calloc(nd, sizeof(*d.since)), calloc(nd, sizeof(*d.qual))};
    int rc = ST_ERR_NOMEM;
    if (!d.since || !d.qual) goto out;

    char now[CLOCK_LOCAL_LEN];
    fprintf(out, "Site %s (%s), database %s\nTimes in %s; now %s\n", cfg->site.id,
            cfg->site.name ? cfg->site.name : cfg->site.id, cfg->storage.path,
            cfg->site.timezone ? cfg->site.timezone : "the machine's time zone",
            clock_local(clock_wall_ms(), now));
    struct live l;
    live_fetch(cfg, 2000, &l);
    print_gateway(&l, out);
    fprintf(out, "\nDevices\n");
    rc = store_device_each(s, device_row, &d);
    for (size_t i = 0; rc == ST_OK && i < cfg->n_devices; i++) {
        const struct cfg_device *dev = &cfg->devices[i];
        fprintf(out, "  %-16s %-10s %-24s %-10s %s%s\n", dev->id, dev->asset ? dev->asset : "-",
                dev->location ? dev->location : "-", d.qual[i][0] ? d.qual[i] : "unknown",
                d.since[i][0] ? "since " : "", d.since[i]);
    }
    if (rc == ST_OK) {
        fprintf(out, "\nActive alarms\n");
        rc = store_alarm_each(s, alarm_row, out);
    }
    if (rc == ST_OK) {
        fprintf(out, "\nOpen work orders\n");
        rc = store_wo_each_open(s, wo_row, out);
    }
    if (rc == ST_OK) print_readings(cfg, &l, out);
    live_free(&l);
    int64_t pending = rc == ST_OK ? store_outbox_count(s) : 0;
    if (rc == ST_OK)
        fprintf(out, "\nUndelivered upstream messages: %lld\n",
                (long long)(pending > 0 ? pending : 0));
out:
    free(d.since);
    free(d.qual);
    store_close(s);
    if (rc) fprintf(stderr, "steward: reading the database failed: %s\n", st_strerror(rc));
    return rc ? 2 : 0;
}
