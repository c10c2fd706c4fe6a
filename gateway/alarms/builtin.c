/*
 * builtin.c - the alarms that need no rule, in one place: comm_<device> (a Modbus device that
 * stopped answering), silent_<sensor> (a supervised MQTT sensor that said nothing within its
 * heartbeat), comm_<sensor> (the bridge of a sensor with an availability topic says it is
 * offline) and battery_<sensor> (a JSON sensor reported its battery low). The first three are
 * urgent; a low battery is normal (a work order to change it, not a fault). Each raises a work
 * order like any alarm; their condition is set by the core from what the adapters report (see
 * alarms.h).
 *
 * comm_<sensor> shares ALARM_KIND_COMM with comm_<device> (its events say "comm_fault" alike),
 * with ref = n_devices + the sensor's index so that the two never match each other.
 */
#include "gateway/alarms/alarms.h"
#include "gateway/alarms/alarms_impl.h"
#include "gateway/base/error.h"

#include <stdio.h>
#include <stdlib.h>

/* "BEFORE id (asset) AFTER": the title of a built-in alarm. */
static char *builtin_title(const char *before, const char *id, const char *asset, const char *after)
{
    char *s;
    return asprintf(&s, "%s%s (%s)%s", before, id, asset ? asset : id, after) < 0 ? NULL : s;
}

int alarms__add_builtins(struct alarms *a)
{
    const struct config *cfg = a->cfg;
    for (size_t i = 0; i < cfg->n_devices; i++) {
        const struct cfg_device *d = &cfg->devices[i];
        char *title =
            builtin_title("Communication fault: device ", d->id, d->asset, " does not answer");
        if (alarms__add(a, ALARM_KIND_COMM, (int)i, "comm_", d->id, title)) return ST_ERR_NOMEM;
        struct alarm *al = &a->v[a->n - 1];
        al->priority = PRIO_URGENT;
        al->category = "communication";
        al->asset = d->asset;
        al->location = d->location;
    }
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        const struct cfg_sensor *s = &cfg->sensors_in[i];
        if (!s->heartbeat_ms) continue;
        char *title =
            builtin_title("Sensor ", s->id, s->asset, " silent: no message within its heartbeat");
        if (alarms__add(a, ALARM_KIND_SILENT, (int)i, "silent_", s->id, title)) return ST_ERR_NOMEM;
        struct alarm *al = &a->v[a->n - 1];
        al->priority = PRIO_URGENT;
        al->category = "supervision";
        al->asset = s->asset;
        al->location = s->location;
    }
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        const struct cfg_sensor *s = &cfg->sensors_in[i];
        if (!s->availability_topic) continue;
        char *title = builtin_title("Sensor ", s->id, s->asset,
                                    " offline: its bridge reports it unavailable");
        if (alarms__add(a, ALARM_KIND_COMM, (int)(cfg->n_devices + i), "comm_", s->id, title))
            return ST_ERR_NOMEM;
        struct alarm *al = &a->v[a->n - 1];
        al->priority = PRIO_URGENT;
        al->category = "communication";
        al->asset = s->asset;
        al->location = s->location;
    }
    for (size_t i = 0; i < cfg->n_sensors; i++) {
        const struct cfg_sensor *s = &cfg->sensors_in[i];
        if (!s->battery || s->plain) continue;
        char *title = builtin_title("Sensor ", s->id, s->asset, " battery low: change it");
        if (alarms__add(a, ALARM_KIND_BATTERY, (int)i, "battery_", s->id, title))
            return ST_ERR_NOMEM;
        struct alarm *al = &a->v[a->n - 1];
        al->priority = PRIO_NORMAL;
        al->category = "maintenance";
        al->asset = s->asset;
        al->location = s->location;
    }
    return ST_OK;
}

size_t alarms__builtin_count(const struct config *cfg)
{
    return cfg->n_devices + 3 * cfg->n_sensors;
}

const char *alarms__builtin_kind(const struct alarm *al)
{
    switch (al->kind) {
    case ALARM_KIND_COMM: return "comm_fault";
    case ALARM_KIND_BATTERY: return "battery_low";
    default: return "sensor_silent";
    }
}

static void builtin_set(struct alarms *a, enum alarm_kind kind, int ref, int cond)
{
    /* The built-ins follow the rules in the table, in configuration order. */
    for (size_t i = a->cfg->n_rules; i < a->n; i++) {
        struct alarm *al = &a->v[i];
        if (al->kind == kind && al->ref == ref) {
            if (al->cond != cond) {
                al->cond = cond;
                alarms__mark_dirty(a, i);
            }
            return;
        }
    }
}

void alarms_device_comm(struct alarms *a, int device, int ok)
{
    if (device >= 0 && (size_t)device < a->cfg->n_devices) a->dev_fault[device] = !ok;
    builtin_set(a, ALARM_KIND_COMM, device, !ok);
}

void alarms_sensor_silent(struct alarms *a, int sensor, int silent)
{
    builtin_set(a, ALARM_KIND_SILENT, sensor, silent);
}

void alarms_sensor_comm(struct alarms *a, int sensor, int offline)
{
    builtin_set(a, ALARM_KIND_COMM, (int)a->cfg->n_devices + sensor, offline);
}

void alarms_sensor_battery(struct alarms *a, int sensor, int low)
{
    builtin_set(a, ALARM_KIND_BATTERY, sensor, low);
}
