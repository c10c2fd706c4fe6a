/* status.c - see status.h. */
#include "gateway/cli/status.h"
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
    char (*since)[CLOCK_ISO_LEN];
    char (*qual)[16];
};

static int device_row(void *ctx, const char *id, const char *state, const char *json)
{
    struct device_rows *d = ctx;
    int i = config_device_find(d->cfg, id);
    if (i < 0) return 0;
    snprintf(d->qual[i], sizeof(d->qual[i]), "%s", state);
    snprintf(d->since[i], sizeof(d->since[i]), "%s", json ? json : "");
    return 0;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static int alarm_row(void *ctx, const char *id, const char *state, const char *json)
{
    FILE *out = ctx;
    if (strcmp(state, "normal") == 0) return 0;
    json_error_t e;
    json_t *o = json_loads(json, 0, &e);
    if (strcmp(state, "shelved") == 0) /* silenced: say by whom and until when */
        fprintf(out, "  %-22s %-10s %-13s until %-25s %s (by %s)\n", id, jstr(o, "priority"), state,
                jstr(o, "shelved_until"), jstr(o, "title"), jstr(o, "shelved_by"));
    else
        fprintf(out, "  %-22s %-10s %-13s since %-25s %s\n", id, jstr(o, "priority"), state,
                jstr(o, "active_since"), jstr(o, "title"));
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

    fprintf(out, "Site %s (%s), database %s\n\nDevices\n", cfg->site.id,
            cfg->site.name ? cfg->site.name : cfg->site.id, cfg->storage.path);
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
