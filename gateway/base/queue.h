/*
 * queue.h - the bounded queue that carries samples from adapter threads to the core.
 *
 * Producers (bus threads) build a sample_batch, fill it, and push it: the queue takes ownership
 * of the batch whether or not the push succeeds. The core waits on queue_fd() (an eventfd) in its
 * poll loop, then pops batches until empty; a popped batch belongs to the caller, who frees it.
 * The mutex is held only to link/unlink a batch: this is the one lock in Steward.
 */
#ifndef STEWARD_QUEUE_H
#define STEWARD_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct sample {
    int point;       /* index into config->points */
    double value;    /* engineering value (scale and offset applied) */
    uint8_t quality; /* enum quality */
    int64_t ts_ms;   /* wall-clock time of the reading, UTC ms */
};

/* One poll's results for one device. */
struct sample_batch {
    struct sample_batch *next; /* queue link; owned by the queue while queued */
    int device;                /* index into config->devices, or -1 */
    int comm_ok;               /* 0: the device failed to answer this poll (see bus.c) */
    int requests;              /* read requests this poll sent to the device (0: not a poll) */
    size_t n;                  /* samples used */
    size_t cap;                /* samples allocated */
    struct sample samples[];
};

/* Allocates a batch with room for cap samples (n = 0). NULL on allocation failure. */
struct sample_batch *sample_batch_new(size_t cap);
void sample_batch_free(struct sample_batch *b); /* NULL-safe */

struct sample_queue;

/* A queue holding at most capacity batches. NULL on failure (logged). */
struct sample_queue *queue_new(size_t capacity);
/* Frees the queue and every batch still in it. NULL-safe. Producers must have stopped. */
void queue_free(struct sample_queue *q);

/*
 * Appends b and wakes the core. Takes ownership of b in every case. When the queue is full the
 * batch is dropped (freed), counted, and ST_ERR_FULL returned: a slow core loses telemetry, never
 * blocks a bus thread.
 */
int queue_push(struct sample_queue *q, struct sample_batch *b);

/* Removes and returns the oldest batch, or NULL when empty. The caller owns the result. */
struct sample_batch *queue_pop(struct sample_queue *q);

/* The eventfd to poll for POLLIN; call queue_ack() when it fires, then pop until NULL. */
int queue_fd(const struct sample_queue *q);
void queue_ack(struct sample_queue *q);

/* Batches waiting in the queue now. */
size_t queue_depth(struct sample_queue *q);

/* Batches dropped because the queue was full, since creation. */
uint64_t queue_dropped(struct sample_queue *q);

#endif
