/*
 * loop.h - the core: one thread, one poll(2) loop, owning every piece of mutable state.
 *
 * Each iteration: wait (ppoll) for samples from the bus threads (the queue's eventfd), MQTT
 * traffic, a timer or a signal; apply samples and messages to the point table; evaluate the
 * alarms that changed or whose delay expired; escalate overdue work orders; commit everything
 * written in the iteration in one transaction (group commit); then, and only then, publish the
 * outbox. SIGINT/SIGTERM only set a flag that the loop reads.
 */
#ifndef STEWARD_LOOP_H
#define STEWARD_LOOP_H

#include "config/config.h"

/*
 * Runs the gateway for cfg (borrowed) until SIGINT or SIGTERM. Returns the process exit code:
 * 0 after a clean stop, 2 on a runtime failure (the store cannot be opened or written: exiting
 * lets the supervisor restart it from the last committed state, losing nothing committed).
 */
int loop_run(const struct config *cfg);

#endif
