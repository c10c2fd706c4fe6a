/* queue.c - see queue.h. The only lock in Steward, held just to link or unlink a batch. */
#include "gateway/base/queue.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct sample_queue {
    pthread_mutex_t lock;
    struct sample_batch *head, *tail;
    size_t len, capacity;
    uint64_t dropped;
    int efd;
};

struct sample_batch *sample_batch_new(size_t cap)
{
    struct sample_batch *b = malloc(sizeof(*b) + cap * sizeof(struct sample));
    if (!b) return NULL;
    b->next = NULL;
    b->device = -1;
    b->comm_ok = 1;
    b->requests = 0;
    b->n = 0;
    b->cap = cap;
    return b;
}

void sample_batch_free(struct sample_batch *b)
{
    free(b);
}

struct sample_queue *queue_new(size_t capacity)
{
    struct sample_queue *q = calloc(1, sizeof(*q));
    if (!q) return NULL;
    q->capacity = capacity;
    q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (q->efd < 0) {
        log_msg(LOG_ERROR, "queue: eventfd: %s", strerror(errno));
        free(q);
        return NULL;
    }
    pthread_mutex_init(&q->lock, NULL);
    return q;
}

void queue_free(struct sample_queue *q)
{
    if (!q) return;
    struct sample_batch *b;
    while ((b = queue_pop(q)))
        sample_batch_free(b);
    close(q->efd);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

int queue_push(struct sample_queue *q, struct sample_batch *b)
{
    b->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->len >= q->capacity) {
        q->dropped++;
        pthread_mutex_unlock(&q->lock);
        sample_batch_free(b);
        return ST_ERR_FULL;
    }
    if (q->tail)
        q->tail->next = b;
    else
        q->head = b;
    q->tail = b;
    q->len++;
    pthread_mutex_unlock(&q->lock);
    uint64_t one = 1;
    /* A full eventfd counter only means the core has a wake-up pending already. */
    ssize_t w = write(q->efd, &one, sizeof(one));
    (void)w;
    return ST_OK;
}

struct sample_batch *queue_pop(struct sample_queue *q)
{
    pthread_mutex_lock(&q->lock);
    struct sample_batch *b = q->head;
    if (b) {
        q->head = b->next;
        if (!q->head) q->tail = NULL;
        q->len--;
        b->next = NULL;
    }
    pthread_mutex_unlock(&q->lock);
    return b;
}

int queue_fd(const struct sample_queue *q)
{
    return q->efd;
}

void queue_ack(struct sample_queue *q)
{
    uint64_t n;
    ssize_t r = read(q->efd, &n, sizeof(n));
    (void)r;
}

uint64_t queue_dropped(struct sample_queue *q)
{
    pthread_mutex_lock(&q->lock);
    uint64_t d = q->dropped;
    pthread_mutex_unlock(&q->lock);
    return d;
}

size_t queue_depth(struct sample_queue *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->len;
    pthread_mutex_unlock(&q->lock);
    return n;
}
