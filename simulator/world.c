/* world.c - see world.h. */
#include "simulator/world.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "simulator/values.h"

#include <stdlib.h>
#include <string.h>

int world_init(struct world *w, const struct config *cfg, const struct scenario *sc, double speed,
               uint64_t seed, int64_t now_mono)
{
    memset(w, 0, sizeof(*w));
    w->cfg = cfg;
    w->sc = sc;
    w->speed = speed;
    w->start_mono = now_mono;
    w->rng = seed ? seed : 0x9e3779b97f4a7c15ULL;
    size_t n = cfg->n_points ? cfg->n_points : 1;
    w->value = calloc(n, sizeof(*w->value));
    w->pinned = calloc(n, sizeof(*w->pinned));
    w->ramp = calloc(n, sizeof(*w->ramp));
    w->changed = calloc(n, sizeof(*w->changed));
    w->fault = calloc(cfg->n_devices ? cfg->n_devices : 1, sizeof(*w->fault));
    w->slow_ms = calloc(cfg->n_devices ? cfg->n_devices : 1, sizeof(*w->slow_ms));
    if (!w->value || !w->pinned || !w->ramp || !w->changed || !w->fault || !w->slow_ms) {
        world_cleanup(w);
        return ST_ERR_NOMEM;
    }
    for (size_t i = 0; i < cfg->n_points; i++)
        w->value[i] = values_baseline(cfg, (int)i);
    return ST_OK;
}

void world_cleanup(struct world *w)
{
    free(w->value);
    free(w->pinned);
    free(w->ramp);
    free(w->changed);
    free(w->fault);
    free(w->slow_ms);
    memset(w, 0, sizeof(*w));
}

static void set_point(struct world *w, int i, double v)
{
    if (w->cfg->points[i].sensor >= 0 && w->value[i] != v) w->changed[i] = 1;
    w->value[i] = v;
}

static void apply(struct world *w, const struct step *s)
{
    const struct config *cfg = w->cfg;
    static const char *const names[] = {"set",       "ramp", "offline",    "online", "garbage",
                                        "exception", "slow", "wrong_unit", "drop"};
    static const enum sim_fault fault_of[] = {
        [STEP_OFFLINE] = SIM_OFFLINE, [STEP_ONLINE] = SIM_ANSWERS,
        [STEP_GARBAGE] = SIM_GARBAGE, [STEP_EXCEPTION] = SIM_EXCEPTION,
        [STEP_SLOW] = SIM_SLOW,       [STEP_WRONG_UNIT] = SIM_WRONG_UNIT,
        [STEP_DROP] = SIM_DROP};
    log_msg(LOG_INFO, "scenario %s: at %.1f s: %s %s", w->sc->name, (double)s->at_ms / 1000,
            s->target, names[s->action]);
    if (s->action != STEP_SET && s->action != STEP_RAMP) {
        for (size_t d = 0; d < cfg->n_devices; d++)
            if (scenario_matches_device(cfg, s->target, (int)d)) {
                w->fault[d] = fault_of[s->action];
                w->slow_ms[d] = s->dur_ms;
            }
        return;
    }
    for (size_t i = 0; i < cfg->n_points; i++) {
        if (!scenario_matches_point(cfg, s->target, (int)i)) continue;
        w->pinned[i] = 1;
        if (s->action == STEP_SET) {
            w->ramp[i].active = 0;
            set_point(w, (int)i, s->value);
        } else {
            w->ramp[i] = (struct world_ramp){1, w->value[i], s->value, w->sim_ms, s->dur_ms};
        }
    }
}

void world_tick(struct world *w, int64_t now_mono)
{
    w->sim_ms = (int64_t)((double)(now_mono - w->start_mono) * w->speed);
    while (w->sc && w->next_step < w->sc->n && w->sc->steps[w->next_step].at_ms <= w->sim_ms)
        apply(w, &w->sc->steps[w->next_step++]);
    const struct config *cfg = w->cfg;
    for (size_t i = 0; i < cfg->n_points; i++) {
        struct world_ramp *r = &w->ramp[i];
        if (r->active) {
            set_point(w, (int)i, scenario_ramp(r->from, r->to, r->dur, w->sim_ms - r->t0));
            if (w->sim_ms - r->t0 >= r->dur) r->active = 0;
        } else if (!w->pinned[i]) {
            double noise = values_noise(cfg, (int)i);
            if (noise > 0)
                w->value[i] = values_baseline(cfg, (int)i) + noise * values_rand(&w->rng);
            else if (cfg->points[i].def && !strncmp(cfg->points[i].def->name, "energy", 6))
                w->value[i] = values_baseline(cfg, (int)i) + 80.0 * (double)w->sim_ms / 3600000.0;
        }
    }
}
