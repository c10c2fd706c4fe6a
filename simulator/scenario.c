/* scenario.c - see scenario.h. */
#include "simulator/scenario.h"
#include "config/duration.h"
#include "gateway/base/error.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name, *text;
} builtins[] = {
    {"normal", "# nothing happens: plausible values with noise\n"},
    {"overtemp", "2s *.temp_a ramp 140 5s\n2s *.temp_b ramp 138 5s\n2s *.temp_c ramp 137 5s\n"},
    {"pf_low", "2s *.pf_total set 0.85\n"},
    {"leak", "2s kind:leak set true\n"},
    {"fire", "2s kind:fire set true\n"},
    {"door_after_hours", "2s kind:door set true\n"},
    {"demo", "# transformer overheats, then the pump room floods\n"
             "2s *.temp_a ramp 140 5s\n2s *.temp_b ramp 138 5s\n2s *.temp_c ramp 137 5s\n"
             "12s kind:leak set true\n"},
};

const char *scenario_builtin(const char *name)
{
    for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
        if (strcmp(builtins[i].name, name) == 0) return builtins[i].text;
    return NULL;
}

static const char *const kinds[] = {"fire", "leak", "door", "other"};

int scenario_matches_point(const struct config *cfg, const char *target, int point)
{
    const struct cfg_point *p = &cfg->points[point];
    if (strncmp(target, "kind:", 5) == 0)
        return p->sensor >= 0 && strcmp(kinds[cfg->sensors_in[p->sensor].kind], target + 5) == 0;
    return fnmatch(target, p->name, 0) == 0;
}

int scenario_matches_device(const struct config *cfg, const char *target, int device)
{
    return fnmatch(target, cfg->devices[device].id, 0) == 0;
}

double scenario_ramp(double from, double to, int64_t dur_ms, int64_t elapsed)
{
    if (dur_ms <= 0 || elapsed >= dur_ms) return to;
    if (elapsed <= 0) return from;
    return from + (to - from) * (double)elapsed / (double)dur_ms;
}

static int matches_any(const struct config *cfg, const struct step *s)
{
    if (s->action >= STEP_OFFLINE) { /* the device actions */
        for (size_t i = 0; i < cfg->n_devices; i++)
            if (scenario_matches_device(cfg, s->target, (int)i)) return 1;
        return 0;
    }
    for (size_t i = 0; i < cfg->n_points; i++)
        if (scenario_matches_point(cfg, s->target, (int)i)) return 1;
    return 0;
}

static int parse_value(const char *w, double *v)
{
    if (!strcmp(w, "true") || !strcmp(w, "on")) return *v = 1, 0;
    if (!strcmp(w, "false") || !strcmp(w, "off")) return *v = 0, 0;
    char *end;
    *v = strtod(w, &end);
    return *end || end == w ? -1 : 0;
}

static int by_time(const void *a, const void *b)
{
    const struct step *x = a, *y = b;
    if (x->at_ms != y->at_ms) return x->at_ms < y->at_ms ? -1 : 1;
    return x->line - y->line; /* stable */
}

/* The step for a device action word, or STEP_SET when it is none. */
static enum step_action device_action(const char *word)
{
    static const struct {
        const char *word;
        enum step_action action;
    } words[] = {{"offline", STEP_OFFLINE},       {"online", STEP_ONLINE},
                 {"silent", STEP_OFFLINE},        {"garbage", STEP_GARBAGE},
                 {"exception", STEP_EXCEPTION},   {"slow", STEP_SLOW},
                 {"wrong_unit", STEP_WRONG_UNIT}, {"drop", STEP_DROP}};
    for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
        if (!strcmp(word, words[k].word)) return words[k].action;
    return STEP_SET;
}

int scenario_parse(const char *text, const char *origin, const struct config *cfg,
                   struct scenario *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", origin);
    const char *p = text;
    int line = 0;
    while (*p) {
        line++;
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char buf[512];
        snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), p);
        p += len + (nl ? 1 : 0);
        char *hash = strchr(buf, '#');
        if (hash) *hash = '\0';
        char at[32], target[128], action[16], a1[32], a2[32];
        int n = sscanf(buf, "%31s %127s %15s %31s %31s", at, target, action, a1, a2);
        if (n <= 0) continue;
        struct step s = {.line = line};
        snprintf(s.target, sizeof(s.target), "%s", target);
        int ok = n >= 3 && duration_parse(at, &s.at_ms) == ST_OK;
        if (ok && !strcmp(action, "set")) {
            s.action = STEP_SET;
            ok = n == 4 && parse_value(a1, &s.value) == 0;
        } else if (ok && !strcmp(action, "ramp")) {
            s.action = STEP_RAMP;
            ok = n == 5 && parse_value(a1, &s.value) == 0 && duration_parse(a2, &s.dur_ms) == ST_OK;
        } else if (ok && (s.action = device_action(action)) == STEP_SLOW) {
            s.dur_ms = SCENARIO_SLOW_MS;
            ok = n == 3 || (n == 4 && duration_parse(a1, &s.dur_ms) == ST_OK);
        } else if (ok && s.action != STEP_SET) {
            ok = n == 3;
        } else {
            ok = 0;
        }
        if (!ok) {
            snprintf(err, errlen,
                     "%s:%d: expected 'AT TARGET set VALUE', 'AT TARGET ramp VALUE "
                     "DURATION', or 'AT DEVICE offline|silent|online|garbage|exception|slow "
                     "[DURATION]|wrong_unit|drop'",
                     origin, line);
            scenario_free(out);
            return ST_ERR_INVAL;
        }
        if (!matches_any(cfg, &s)) {
            snprintf(err, errlen, "%s:%d: '%s' matches no %s of the configuration", origin, line,
                     s.target, s.action >= STEP_OFFLINE ? "device" : "point");
            scenario_free(out);
            return ST_ERR_INVAL;
        }
        struct step *v = realloc(out->steps, (out->n + 1) * sizeof(*v));
        if (!v) {
            scenario_free(out);
            return ST_ERR_NOMEM;
        }
        out->steps = v;
        out->steps[out->n++] = s;
    }
    if (out->n) qsort(out->steps, out->n, sizeof(*out->steps), by_time);
    return ST_OK;
}

void scenario_free(struct scenario *s)
{
    free(s->steps);
    s->steps = NULL;
    s->n = 0;
}
