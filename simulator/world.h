/*
 * world.h - the simulated site: the current value of every point and how each device answers,
 * moved along by the scenario. Single-threaded (the simulator's main loop).
 */
#ifndef STEWARD_WORLD_H
#define STEWARD_WORLD_H

#include <stdint.h>

#include "config/config.h"
#include "simulator/scenario.h"

/* How a device answers: normally, not at all, with malformed replies, with an exception, late
 * (world.slow_ms), under another unit id, or by dropping the connection. */
enum sim_fault {
    SIM_ANSWERS,
    SIM_OFFLINE,
    SIM_GARBAGE,
    SIM_EXCEPTION,
    SIM_SLOW,
    SIM_WRONG_UNIT,
    SIM_DROP
};

struct world_ramp {
    int active;
    double from, to;
    int64_t t0, dur; /* simulated ms */
};

struct world {
    const struct config *cfg;
    const struct scenario *sc; /* borrowed */
    size_t next_step;
    double speed;
    int64_t start_mono;
    int64_t sim_ms; /* simulated time since start */
    uint64_t rng;
    double *value; /* per point */
    int *pinned;   /* per point: set by the scenario, no noise */
    struct world_ramp *ramp;
    enum sim_fault *fault; /* per device */
    int64_t *slow_ms;      /* per device: how late a SIM_SLOW device answers (wall ms) */
    int *changed;          /* per point: sensors changed since the last world_take_changed */
};

int world_init(struct world *w, const struct config *cfg, const struct scenario *sc, double speed,
               uint64_t seed, int64_t now_mono);
void world_cleanup(struct world *w);

/* Advances to now_mono: applies due steps, ramps and noise. */
void world_tick(struct world *w, int64_t now_mono);

#endif
