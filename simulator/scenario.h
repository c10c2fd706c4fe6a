/*
 * scenario.h - what the simulator does over time: a list of steps, one per line,
 *
 *     AT  TARGET  ACTION
 *     2s  tx1.temp_a  ramp 140 5s     # linear from the current value to 140 over 5 s
 *     0s  main_meter.pf_total set 0.85
 *     12s kind:leak   set true        # every sensor of a kind: fire, leak, door, other
 *     30s tx1         offline         # the device stops answering (online: back to normal)
 *     40s tx1         garbage         # it answers with malformed replies (a wrong byte count)
 *     50s tx1         exception       # it answers with exception 4, server device failure
 *     55s tx1         silent          # the same as offline
 *     60s tx1         slow 800ms      # it answers each request 800 ms late (default 1 s)
 *     65s tx1         wrong_unit      # it answers under another unit id (its own + 1)
 *     70s tx1         drop            # TCP: it closes the connection on each request (RTU:
 *                                     # it does not answer, as a line cannot be dropped)
 *     75s tx1.fan_on  set true        # a coil, discrete input or bit like any point
 *
 * TARGET is a point name, a device id (offline ... drop), a glob over point
 * names ("*.temp_a"),
 * or kind:KIND. Times are durations ("500ms", "2s", "1m"). Built-in scenarios are texts in the
 * same format, so a scenario file and a built-in read alike. `#` starts a comment.
 * The simulated time is wall time multiplied by --speed.
 */
#ifndef STEWARD_SCENARIO_H
#define STEWARD_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

/* Point actions first, then the device actions (from STEP_OFFLINE on). */
enum step_action {
    STEP_SET,
    STEP_RAMP,
    STEP_OFFLINE,
    STEP_ONLINE,
    STEP_GARBAGE,
    STEP_EXCEPTION,
    STEP_SLOW,
    STEP_WRONG_UNIT,
    STEP_DROP, /* the last: tests/fuzz/fuzz_scenario.c checks the range */
};

#define SCENARIO_SLOW_MS 1000 /* how late `slow` answers when no duration is given */

struct step {
    int64_t at_ms;
    enum step_action action;
    double value;   /* set, ramp: target */
    int64_t dur_ms; /* ramp: its duration; slow: how late the answers are */
    char target[128];
    int line;
};

struct scenario {
    char name[64];
    struct step *steps; /* sorted by at_ms (stable) */
    size_t n;
};

/* The built-in scenario text of name, or NULL. */
const char *scenario_builtin(const char *name);

/*
 * Parses text (origin names it in errors). Checks every target against cfg: a target that
 * matches nothing is an error. On error returns ST_ERR_INVAL and writes "ORIGIN:LINE: message"
 * into err. On success *out is filled (free with scenario_free).
 */
int scenario_parse(const char *text, const char *origin, const struct config *cfg,
                   struct scenario *out, char *err, size_t errlen);
void scenario_free(struct scenario *s);

/* Non-zero when step target t applies to catalog point p / device d. */
int scenario_matches_point(const struct config *cfg, const char *target, int point);
int scenario_matches_device(const struct config *cfg, const char *target, int device);

/* The value of a ramp from `from` to `to` over dur_ms, elapsed ms after it started. */
double scenario_ramp(double from, double to, int64_t dur_ms, int64_t elapsed);

#endif
