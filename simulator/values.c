/* values.c - see values.h. */
#include "simulator/values.h"

#include <string.h>

struct guess {
    const char *prefix;
    double base, noise;
};

/* Typical readings of a low-voltage switchboard meter and a dry-type transformer. */
static const struct guess guesses[] = {
    {"pf", 0.95, 0.01}, {"voltage", 230, 2},   {"current", 120, 5}, {"active_power", 80, 3},
    {"power", 80, 3},   {"energy", 125000, 0}, {"temp", 65, 1},     {"frequency", 50, 0.02},
};

static const struct guess *guess_for(const struct config *cfg, int point)
{
    const struct cfg_point *p = &cfg->points[point];
    if (p->sensor >= 0 || !p->def) return NULL;
    for (size_t i = 0; i < sizeof(guesses) / sizeof(guesses[0]); i++)
        if (strncmp(p->def->name, guesses[i].prefix, strlen(guesses[i].prefix)) == 0)
            return &guesses[i];
    return NULL;
}

double values_baseline(const struct config *cfg, int point)
{
    const struct guess *g = guess_for(cfg, point);
    return g ? g->base : 0;
}

double values_noise(const struct config *cfg, int point)
{
    const struct guess *g = guess_for(cfg, point);
    return g ? g->noise : 0;
}

double values_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (double)(x >> 11) / (double)(1ULL << 52) - 1.0;
}
