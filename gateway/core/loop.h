/*
 * loop.h - the core: one thread, one poll(2) loop, owning every piece of mutable state.
 *
 * Each step: wait (ppoll) for samples from the bus threads (the queue's eventfd), MQTT traffic,
 * the next timer or a signal; read one bounded batch of each source (the links' callbacks only
 * queue what arrived); apply it: samples to the point table, commands, sensor messages; run the
 * timers that are due (delays, deadlines, heartbeats, reconnects); evaluate the alarms that
 * changed; commit everything written in the step in one transaction (group commit); then, and
 * only then, publish the outbox. SIGINT/SIGTERM only set a flag that the loop reads.
 */
#ifndef STEWARD_LOOP_H
#define STEWARD_LOOP_H

#include "config/config.h"

/*
 * Runs the gateway for cfg (borrowed) until SIGINT or SIGTERM. Returns the process exit code:
 * 0 after a clean stop, 2 on a runtime failure (the store cannot be opened, or a change cannot
 * be recorded at all: exiting lets the supervisor restart it from the last committed state,
 * losing nothing committed).
 */
int loop_run(const struct config *cfg);

#endif
