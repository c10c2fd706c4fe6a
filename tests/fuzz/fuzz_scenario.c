/*
 * fuzz_scenario.c - libFuzzer target: simulator scenario files (scenario_parse) against the demo
 * site's configuration, then what the simulator does with each step's value.
 *
 * The input is the file's text. It is refused with "ORIGIN:LINE: message" and nothing kept, or
 * parsed into steps sorted by time (ties in file order), each on a line of the file, with a
 * non-negative time and ramp duration and a target that matches what its action needs. Each
 * set or ramp is then played as the simulator plays it: the ramp's value at a few instants
 * (from a plausible value, NaN and infinities included) encoded into the registers of every
 * Modbus point it matches (decode_encode, as sim_units_refresh does), which must be defined
 * for any value; a ramp ends at its target and, between finite ends, stays between them.
 */
#include "tests/fuzz/fuzz_common.h"
#include "adapters/modbus/decode.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "simulator/scenario.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static struct config *cfg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_threshold = LOG_ERROR;
    cfg = fuzz_demo_config();
    return 0;
}

static void play(const struct step *s)
{
    static const double froms[] = {21.5, 0, NAN, INFINITY};
    for (size_t f = 0; f < sizeof(froms) / sizeof(froms[0]); f++) {
        double from = froms[f], to = s->value;
        int64_t dur = s->action == STEP_RAMP ? s->dur_ms : 0;
        int64_t at[] = {-1, 0, dur / 3, dur / 2, dur, dur + 1};
        for (size_t t = 0; t < sizeof(at) / sizeof(at[0]); t++) {
            double v = scenario_ramp(from, to, dur, at[t]);
            if (at[t] >= dur)
                FUZZ_CHECK(v == to || (isnan(v) && isnan(to)), "ramp ends at %g, not %g", v, to);
            if (isfinite(from) && isfinite(to) && isfinite(v))
                FUZZ_CHECK(v >= fmin(from, to) - 1e-9 * fabs(from - to) &&
                               v <= fmax(from, to) + 1e-9 * fabs(from - to),
                           "ramp %g -> %g over %lld ms is %g at %lld", from, to, (long long)dur, v,
                           (long long)at[t]);
            for (size_t p = 0; p < cfg->n_points; p++) {
                if (!cfg->points[p].def || !scenario_matches_point(cfg, s->target, (int)p))
                    continue;
                uint16_t regs[2];
                decode_encode(cfg->points[p].def, v, regs);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_strndup(data, size);
    int lines = 1;
    for (const char *c = text; *c; c++)
        lines += *c == '\n';
    struct scenario sc;
    char err[256] = "";
    int rc = scenario_parse(text, "fuzz.scn", cfg, &sc, err, sizeof(err));
    if (rc != ST_OK) {
        FUZZ_CHECK(rc == ST_ERR_INVAL, "refused with %d", rc);
        FUZZ_CHECK(!strncmp(err, "fuzz.scn:", 9), "message without ORIGIN:LINE: '%s'", err);
        FUZZ_CHECK(!sc.steps && sc.n == 0, "refused but kept %zu steps", sc.n);
        free(text);
        return 0;
    }
    for (size_t i = 0; i < sc.n; i++) {
        const struct step *s = &sc.steps[i];
        FUZZ_CHECK(s->line >= 1 && s->line <= lines, "step on line %d of %d", s->line, lines);
        FUZZ_CHECK(s->at_ms >= 0 && s->dur_ms >= 0, "step %zu at %lld for %lld", i,
                   (long long)s->at_ms, (long long)s->dur_ms);
        FUZZ_CHECK(s->target[0] && memchr(s->target, '\0', sizeof(s->target)), "step %zu target",
                   i);
        if (i)
            FUZZ_CHECK(sc.steps[i - 1].at_ms < s->at_ms ||
                           (sc.steps[i - 1].at_ms == s->at_ms && sc.steps[i - 1].line < s->line),
                       "steps %zu and %zu out of order", i - 1, i);
        int matched = 0;
        if (s->action >= STEP_OFFLINE) {
            FUZZ_CHECK(s->action <= STEP_DROP, "step %zu: action %d", i, s->action);
            for (size_t k = 0; k < cfg->n_devices; k++)
                matched |= scenario_matches_device(cfg, s->target, (int)k);
        } else {
            for (size_t k = 0; k < cfg->n_points; k++)
                matched |= scenario_matches_point(cfg, s->target, (int)k);
            play(s);
        }
        FUZZ_CHECK(matched, "step %zu: '%s' matches nothing", i, s->target);
    }
    scenario_free(&sc);
    free(text);
    return 0;
}
