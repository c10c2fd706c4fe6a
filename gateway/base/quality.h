/*
 * quality.h - the quality of a point's value, as published in telemetry (DESIGN.md section 6).
 * Only QUALITY_GOOD values take part in rules; a rule reading any other is unknown.
 */
#ifndef STEWARD_QUALITY_H
#define STEWARD_QUALITY_H

enum quality {
    QUALITY_GOOD = 0,
    QUALITY_STALE,     /* no fresh value within its expected interval / heartbeat */
    QUALITY_COMM_FAIL, /* the device did not answer */
    QUALITY_BAD,       /* the device answered with garbage or an exception */
    QUALITY_NONE,      /* never read since start */
};

/* "good", "stale", "comm_fail", "bad", "none". */
const char *quality_name(enum quality q);

#endif
