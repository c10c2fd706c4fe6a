/*
 * uplink.h - the upstream MQTT side of the gateway: drains the outbox, publishes status and
 * telemetry, subscribes to commands (and to sensor topics when sensors share the broker).
 *
 * Outbox rows are published in id order, at most `window` awaiting PUBACK at once; a row is
 * marked delivered (deleted) only when its PUBACK arrives. After a disconnect every undelivered
 * row is published again from the store on the next connection (at least once; consumers
 * de-duplicate on id/seq). Telemetry is QoS 0 and retained, published directly and never stored.
 *
 * Owned by the core. Borrows the config and the store.
 */
#ifndef STEWARD_UPLINK_H
#define STEWARD_UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct discovery;
struct mqtt_link;
struct store;

typedef void (*uplink_msg_fn)(void *ctx, const char *topic, const void *payload, size_t len);

struct uplink_slot {
    int mid;     /* 0: free, -1: tombstone */
    int64_t id;  /* outbox row */
    int shadows; /* on_publish callbacks for this mid that belong to untracked publishes */
};

struct uplink {
    const struct config *cfg;
    struct store *store;
    struct mqtt_link *link;
    uplink_msg_fn on_message; /* every message received, commands and sensors alike */
    void *ctx;
    const char *const *extra_topics; /* borrowed; subscribed at each connect (sensor topics) */
    size_t n_extra;
    char status_topic[256];
    char *online_payload;
    int64_t last_sent; /* highest outbox id published on this connection */
    struct uplink_slot *slots;
    size_t n_slots;
    int window;
    int inflight;
    uint64_t delivered;
    int64_t started_at;                              /* wall ms */
    int store_failing;                               /* as last published in P/status */
    int in_untracked, untracked_mid, untracked_seen; /* see publish_untracked in uplink.c */
    int64_t *acked; /* rows whose PUBACK arrived, to be marked delivered by uplink_settle */
    size_t n_acked;
    struct discovery *discovery; /* owned when set: announced at each connect (discovery.h) */
};

/* Creates the link (not yet connected) with its Last Will "offline". Returns 0 or an st_err. */
int uplink_init(struct uplink *u, const struct config *cfg, struct store *s, uplink_msg_fn fn,
                void *ctx, const char *const *extra_topics, size_t n_extra);
/* Publishes "offline" (retained) and disconnects cleanly, then frees (the discovery too). */
void uplink_cleanup(struct uplink *u);

/* After a reload: the configuration (equal in everything the uplink reads) and the sensor topics
 * to subscribe at each connect; subscribes to those topics now when connected. */
void uplink_rebind(struct uplink *u, const struct config *cfg, const char *const *extra_topics,
                   size_t n_extra);

/* Publishes committed outbox rows while the window allows. Call after every store_commit. */
int uplink_drain(struct uplink *u);

/* Marks delivered (in the current group) the rows whose PUBACK arrived since the last call: the
 * PUBACK callback only notes them, the core writes the store in its own step. */
int uplink_settle(struct uplink *u);

/* Republishes the retained P/status with "store": "failing" or "ok" when that changes. */
void uplink_store_state(struct uplink *u, int failing);

/* Publishes PREFIX/suffix retained at QoS 1 without the outbox (P/metrics: a newer one replaces
 * it, and one lost while offline is not worth keeping); dropped when offline. */
void uplink_publish_info(struct uplink *u, const char *suffix, const char *payload, size_t len);

/* Publishes telemetry PREFIX/telemetry/suffix at QoS 0, retained; dropped when offline. */
void uplink_telemetry(struct uplink *u, const char *suffix, const char *payload, size_t len);

#endif
