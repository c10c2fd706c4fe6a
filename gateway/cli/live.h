/*
 * live.h - what the broker holds right now for a site, for `steward status`: the gateway's
 * retained P/status (is it running?) and the retained telemetry of every point (live readings
 * and sensor states). A short-lived client; the messages are the broker's retained copies, read
 * until none has come for a moment (bounded).
 */
#ifndef STEWARD_LIVE_H
#define STEWARD_LIVE_H

#include <stddef.h>

#include "config/config.h"

struct live {
    int reached;             /* the broker answered */
    char *status;            /* the P/status payload, or NULL when none is retained */
    char **topic, **payload; /* retained telemetry, n of them */
    size_t n, cap;
    char error[300];
};

/* Reads the retained status and telemetry of cfg's site within timeout_ms. Returns 0, or -1 when
 * the broker cannot be reached (why in out->error). Free with live_free. */
int live_fetch(const struct config *cfg, int timeout_ms, struct live *out);
void live_free(struct live *l);

#endif
