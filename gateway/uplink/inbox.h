/*
 * inbox.h - what the MQTT links received, waiting for the core's loop step.
 *
 * libmosquitto calls its message callback deep inside mosquitto_loop_read; nothing of the
 * gateway's logic runs there: the callback appends a copy of the message here, and the core takes
 * the messages out after the read returns, handles them (commands, sensor samples, alarms) and
 * commits. The link reads at most INBOX_BATCH messages per call (mqtt_link_io), so what has been
 * acknowledged to the broker (libmosquitto sends PUBACK before the callback) but not yet
 * committed is one bounded batch.
 *
 * A FIFO owned by the core; single-threaded.
 */
#ifndef STEWARD_INBOX_H
#define STEWARD_INBOX_H

#include <stddef.h>

#define INBOX_BATCH 64 /* messages read from a link before the core handles and commits them */

struct inbox_msg {
    struct inbox_msg *next;
    char *topic;   /* NUL-terminated, in the same allocation */
    void *payload; /* len bytes, NUL-terminated for convenience, in the same allocation */
    size_t len;
};

struct inbox {
    struct inbox_msg *head, *tail;
    size_t n;
    unsigned long long dropped; /* copies that could not be allocated */
};

/* Appends a copy of the message. Returns 0 or ST_ERR_NOMEM (counted in dropped). */
int inbox_push(struct inbox *in, const char *topic, const void *payload, size_t len);
/* Takes the oldest message (the caller frees it with inbox_msg_free), or NULL. */
struct inbox_msg *inbox_pop(struct inbox *in);
void inbox_msg_free(struct inbox_msg *m);
/* Frees every message left. */
void inbox_clear(struct inbox *in);

#endif
