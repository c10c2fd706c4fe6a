/* telemetry.c - see telemetry.h. */
#include "gateway/uplink/telemetry.h"
#include "gateway/base/clock.h"
#include "gateway/base/quality.h"
#include "gateway/uplink/uplink.h"

#include <stdio.h>
#include <string.h>

void telemetry_publish(struct uplink *u, const struct config *cfg, int id, double value,
                       int quality, int64_t ts_ms)
{
    const struct cfg_point *cp = &cfg->points[id];
    char suffix[200], payload[256], text[48], ts[CLOCK_ISO_LEN];
    snprintf(suffix, sizeof(suffix), "%s", cp->name);
    char *dot = strchr(suffix, '.');
    if (dot) *dot = '/';
    if (ts_ms == 0 && quality != QUALITY_GOOD)
        snprintf(text, sizeof(text), "null");
    else if ((cp->sensor >= 0 && !cfg->sensors_in[cp->sensor].numeric) ||
             (cp->def && (cp->def->type == REG_BOOL || cp->def->bit >= 0)))
        snprintf(text, sizeof(text), "%s", value != 0 ? "true" : "false");
    else
        snprintf(text, sizeof(text), "%.10g", value);
    char unit[80] = "null";
    /* Units are checked by the loader: at most 16 characters, no quotes or backslashes. */
    if (cp->unit) snprintf(unit, sizeof(unit), "\"%.70s\"", cp->unit);
    int n = snprintf(payload, sizeof(payload),
                     "{\"value\":%s,\"unit\":%s,\"quality\":\"%s\",\"ts\":\"%s\"}", text, unit,
                     quality_name(quality), clock_iso(ts_ms ? ts_ms : clock_wall_ms(), ts));
    if (n > 0 && (size_t)n < sizeof(payload)) uplink_telemetry(u, suffix, payload, (size_t)n);
}
