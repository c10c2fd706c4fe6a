/*
 * samples.h - what the adapters and the sensors report, applied to the point table: a changed
 * value or quality queues the alarms that read it and publishes the point's telemetry; a
 * device's answer or silence sets its comm_<device> alarm and is recorded for `steward status`;
 * a sensor gone stale (or heard again) sets its silent_<sensor> alarm.
 */
#ifndef STEWARD_SAMPLES_H
#define STEWARD_SAMPLES_H

#include "gateway/base/queue.h"

struct gateway;

/* One sample. Returns 0 or a store error. */
int samples_apply(struct gateway *g, const struct sample *s);
/* One poll of one device: its communication state, then each sample. Returns 0 or an st_err. */
int samples_apply_batch(struct gateway *g, const struct sample_batch *b);

#endif
