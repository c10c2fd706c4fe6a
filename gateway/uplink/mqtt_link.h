/*
 * mqtt_link.h - one MQTT connection driven by the core's poll(2) loop, never by a library thread.
 *
 * The owner polls mqtt_link_fd() for mqtt_link_events(), calls mqtt_link_io() with what poll
 * returned, and mqtt_link_tick() at least once a second (keepalives, reconnects). Callbacks run
 * inside those calls, on the core thread.
 *
 * On any connection loss the libmosquitto instance is destroyed and a fresh one created for the
 * next attempt (back-off 0.5 s doubling to 5 s at most, with jitter; the reason logged in words):
 * the library's in-memory queue of unacknowledged messages is dropped on purpose, because the
 * store's outbox, not the library, is what holds every alarm until its PUBACK (DESIGN.md section
 * 1).
 *
 * TCP_NODELAY is always set: without it a QoS1 exchange waits ~40 ms on delayed ACKs.
 */
#ifndef STEWARD_MQTT_LINK_H
#define STEWARD_MQTT_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct mqtt_link;

struct mqtt_link_cb {
    void *ctx;
    void (*on_connect)(void *ctx);    /* connected and CONNACK accepted: subscribe here */
    void (*on_disconnect)(void *ctx); /* the connection is gone; in-flight messages are lost */
    void (*on_message)(void *ctx, const char *topic, const void *payload, size_t len);
    void (*on_publish)(void *ctx, int mid); /* PUBACK for a QoS1 publish */
};

struct mqtt_will {
    const char *topic, *payload; /* borrowed for the call of mqtt_link_new */
    int qos, retain;
};

/*
 * A link to broker b (borrowed for the link's lifetime) as client_id. will may be NULL.
 * max_inflight bounds QoS1 messages awaiting PUBACK. Connecting starts at the first tick.
 * Returns NULL on failure (logged), e.g. an unreadable password_file.
 */
struct mqtt_link *mqtt_link_new(const struct cfg_broker *b, const char *client_id,
                                const struct mqtt_will *will, int max_inflight,
                                const struct mqtt_link_cb *cb, const char *log_name);
/* From now on the link reads its broker's settings from b (an equal copy, after a reload: the
 * settings themselves do not change while the link lives). */
void mqtt_link_rebind(struct mqtt_link *l, const struct cfg_broker *b);

/* Disconnects (cleanly if connected) and frees. NULL-safe. */
void mqtt_link_free(struct mqtt_link *l);

int mqtt_link_fd(const struct mqtt_link *l);       /* -1 while there is no socket */
short mqtt_link_events(const struct mqtt_link *l); /* POLLIN, plus POLLOUT when data waits */
void mqtt_link_io(struct mqtt_link *l, short revents);
/* Keepalive and reconnection; returns the monotonic time it wants to run again. */
int64_t mqtt_link_tick(struct mqtt_link *l, int64_t now_mono);
int mqtt_link_connected(const struct mqtt_link *l);

/* Publishes (a copy of payload is taken). *mid may be NULL. ST_ERR_MQTT when not connected. */
int mqtt_link_publish(struct mqtt_link *l, const char *topic, const void *payload, size_t len,
                      int qos, int retain, int *mid);
int mqtt_link_subscribe(struct mqtt_link *l, const char *topic, int qos);

/* Sends DISCONNECT and flushes it (used at a clean stop, so the Last Will is not sent). */
void mqtt_link_disconnect(struct mqtt_link *l);

#endif
