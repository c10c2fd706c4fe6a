/* uplink.c - see uplink.h. */
#include "gateway/uplink/uplink.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/uplink/discovery.h"
#include "gateway/uplink/mqtt_link.h"
#include "gateway/store/store.h"
#include "gateway/base/version.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPLINK_WINDOW 256 /* QoS1 messages awaiting PUBACK */

/* {"state","version","started_at","store"}; store is "ok", or "failing" while the database cannot
 * be written (alarms and work orders are then held in memory until it can). */
static char *status_payload(const char *state, int64_t started_at, int store_failing)
{
    char iso[CLOCK_ISO_LEN];
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s}", "state", state, "version", STEWARD_VERSION, "started_at",
                  clock_iso(started_at, iso), "store", store_failing ? "failing" : "ok");
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static struct uplink_slot *slot_find(struct uplink *u, int mid)
{
    /* Open addressing on the mid, which increases by one per publish. */
    for (size_t k = 0; k < u->n_slots; k++) {
        struct uplink_slot *s = &u->slots[((size_t)mid + k) % u->n_slots];
        if (s->mid == mid) return s;
        if (s->mid == 0) return NULL;
    }
    return NULL;
}

static struct uplink_slot *slot_free(struct uplink *u, int mid)
{
    for (size_t k = 0; k < u->n_slots; k++) {
        struct uplink_slot *s = &u->slots[((size_t)mid + k) % u->n_slots];
        if (s->mid == 0 || s->mid == -1) return s;
    }
    return NULL;
}

/*
 * Publishes a message that is not an outbox row (status, telemetry). libmosquitto draws its mid
 * from the same 16-bit counter as the rows' and calls on_publish for it too: for QoS 0 when it is
 * written, often inside this very call; for QoS 1 at its PUBACK. After a wrap that mid can equal
 * the mid of a row still awaiting its PUBACK: a callback inside the call is recognised by its mid
 * (set by libmosquitto before it writes), and one still to come is counted on the row's slot as
 * a callback to ignore.
 */
static void publish_untracked(struct uplink *u, const char *topic, const void *payload, size_t len,
                              int qos, int retain)
{
    u->untracked_mid = 0;
    u->untracked_seen = 0;
    u->in_untracked = 1;
    int rc = mqtt_link_publish(u->link, topic, payload, len, qos, retain, &u->untracked_mid);
    u->in_untracked = 0;
    if (rc != ST_OK || u->untracked_seen) return;
    struct uplink_slot *s = slot_find(u, u->untracked_mid);
    if (s) s->shadows++;
}

/* Home Assistant's discovery configs: retained, QoS 1, not outbox rows. */
static int publish_discovery(void *ctx, const char *topic, const char *payload, size_t len)
{
    publish_untracked(ctx, topic, payload, len, 1, 1);
    return ST_OK;
}

static void on_connect(void *ctx)
{
    struct uplink *u = ctx;
    char topic[300];
    snprintf(topic, sizeof(topic), "%s/cmd/#", u->cfg->upstream.topic_prefix);
    mqtt_link_subscribe(u->link, topic, 1);
    for (size_t i = 0; i < u->n_extra; i++)
        mqtt_link_subscribe(u->link, u->extra_topics[i], 1);
    publish_untracked(u, u->status_topic, u->online_payload, strlen(u->online_payload), 1, 1);
    int rc = u->discovery ? discovery_announce(u->discovery, publish_discovery, u) : ST_OK;
    if (rc) log_msg(LOG_ERROR, "uplink: announcing to Home Assistant failed: %s", st_strerror(rc));
    u->last_sent = 0; /* everything undelivered goes out again... */
    int64_t pending = store_outbox_count(u->store);
    if (pending > 0)
        log_msg(LOG_INFO, "uplink: %lld undelivered messages to send", (long long)pending);
    /* ...but not from here: the CONNACK may arrive while this iteration's group is still open,
     * and a read on the store's connection would see (and publish) its uncommitted rows. The
     * loop drains after its commit. */
}

static void on_disconnect(void *ctx)
{
    struct uplink *u = ctx;
    memset(u->slots, 0, u->n_slots * sizeof(*u->slots));
    u->inflight = 0;
    u->last_sent = 0;
}

static void on_message(void *ctx, const char *topic, const void *payload, size_t len)
{
    struct uplink *u = ctx;
    u->on_message(u->ctx, topic, payload, len);
}

static void on_publish(void *ctx, int mid)
{
    struct uplink *u = ctx;
    if (u->in_untracked && mid == u->untracked_mid) { /* written inside publish_untracked */
        u->untracked_seen = 1;
        return;
    }
    struct uplink_slot *s = slot_find(u, mid);
    if (!s) return;   /* a QoS0/status publish, or one from before a reconnect */
    if (s->shadows) { /* an untracked publish that drew the same mid: not this row's PUBACK... */
        s->shadows--; /* ...or it is, and the other's callback comes next: either way, one */
        return;       /* of the two callbacks for this mid is the row's, and it is the last */
    }
    int64_t id = s->id;
    s->mid = -1; /* tombstone keeps the probe chains of other mids intact */
    s->id = 0;
    u->inflight--;
    if (u->inflight == 0) /* no chain left to protect: clear the tombstones */
        for (size_t k = 0; k < u->n_slots; k++)
            u->slots[k].mid = 0;
    /* At most `window` rows are in flight, so the list never outgrows its allocation. */
    if (u->n_acked < (size_t)u->window) u->acked[u->n_acked++] = id;
}

int uplink_settle(struct uplink *u)
{
    int rc = ST_OK;
    for (size_t i = 0; i < u->n_acked && rc == ST_OK; i++) {
        rc = store_outbox_delivered(u->store, u->acked[i]);
        if (rc == ST_OK) u->delivered++;
    }
    u->n_acked = 0;
    return rc;
}

int uplink_init(struct uplink *u, const struct config *cfg, struct store *s, uplink_msg_fn fn,
                void *ctx, const char *const *extra_topics, size_t n_extra)
{
    memset(u, 0, sizeof(*u));
    u->cfg = cfg;
    u->store = s;
    u->on_message = fn;
    u->ctx = ctx;
    u->extra_topics = extra_topics;
    u->n_extra = n_extra;
    u->window = UPLINK_WINDOW;
    u->n_slots = UPLINK_WINDOW * 2;
    u->started_at = clock_wall_ms();
    snprintf(u->status_topic, sizeof(u->status_topic), "%s/status", cfg->upstream.topic_prefix);
    u->slots = calloc(u->n_slots, sizeof(*u->slots));
    u->acked = calloc((size_t)u->window, sizeof(*u->acked));
    u->online_payload = status_payload("online", u->started_at, 0);
    char *offline = status_payload("offline", u->started_at, 0);
    if (!u->slots || !u->acked || !u->online_payload || !offline) {
        free(offline);
        uplink_cleanup(u);
        return ST_ERR_NOMEM;
    }
    struct mqtt_will will = {u->status_topic, offline, 1, 1};
    struct mqtt_link_cb cb = {u, on_connect, on_disconnect, on_message, on_publish};
    u->link =
        mqtt_link_new(&cfg->upstream, cfg->upstream.client_id, &will, u->window, &cb, "upstream");
    free(offline);
    if (!u->link) {
        uplink_cleanup(u);
        return ST_ERR_MQTT;
    }
    return ST_OK;
}

void uplink_cleanup(struct uplink *u)
{
    if (u->link && mqtt_link_connected(u->link)) {
        char *offline = status_payload("offline", u->started_at, u->store_failing);
        if (offline)
            mqtt_link_publish(u->link, u->status_topic, offline, strlen(offline), 1, 1, NULL);
        free(offline);
        mqtt_link_disconnect(u->link);
    }
    mqtt_link_free(u->link);
    u->link = NULL;
    free(u->slots);
    u->slots = NULL;
    free(u->acked);
    u->acked = NULL;
    u->n_acked = 0;
    free(u->online_payload);
    u->online_payload = NULL;
    discovery_free(u->discovery);
    u->discovery = NULL;
}

static int publish_row(void *ctx, int64_t id, const char *topic, const void *payload, size_t len,
                       int qos, int retain)
{
    struct uplink *u = ctx;
    int mid = 0;
    if (mqtt_link_publish(u->link, topic, payload, len, qos, retain, &mid) != ST_OK) return 1;
    u->last_sent = id;
    struct uplink_slot *s = slot_free(u, mid);
    if (s) {
        s->mid = mid;
        s->id = id;
        s->shadows = 0;
        u->inflight++;
    }
    return u->inflight >= u->window; /* stop when the window is full */
}

int uplink_drain(struct uplink *u)
{
    if (!mqtt_link_connected(u->link) || u->inflight >= u->window) return ST_OK;
    int rc = store_outbox_pending(u->store, u->last_sent, (size_t)(u->window - u->inflight),
                                  publish_row, u);
    return rc < 0 ? rc : ST_OK;
}

void uplink_rebind(struct uplink *u, const struct config *cfg, const char *const *extra_topics,
                   size_t n_extra)
{
    u->cfg = cfg;
    mqtt_link_rebind(u->link, &cfg->upstream);
    if (u->extra_topics) { /* sensors share this broker */
        u->extra_topics = extra_topics;
        u->n_extra = n_extra;
        for (size_t i = 0; mqtt_link_connected(u->link) && i < n_extra; i++)
            mqtt_link_subscribe(u->link, extra_topics[i], 1);
    }
}

void uplink_publish_info(struct uplink *u, const char *suffix, const char *payload, size_t len)
{
    if (!mqtt_link_connected(u->link)) return;
    char topic[384];
    snprintf(topic, sizeof(topic), "%s/%s", u->cfg->upstream.topic_prefix, suffix);
    publish_untracked(u, topic, payload, len, 1, 1);
}

void uplink_telemetry(struct uplink *u, const char *suffix, const char *payload, size_t len)
{
    if (!mqtt_link_connected(u->link)) return;
    char topic[384];
    snprintf(topic, sizeof(topic), "%s/telemetry/%s", u->cfg->upstream.topic_prefix, suffix);
    publish_untracked(u, topic, payload, len, 0, 1);
}

void uplink_store_state(struct uplink *u, int failing)
{
    if (failing == u->store_failing) return;
    char *p = status_payload("online", u->started_at, failing);
    if (!p) return; /* tried again at the next iteration */
    free(u->online_payload);
    u->online_payload = p;
    u->store_failing = failing;
    if (u->link && mqtt_link_connected(u->link))
        publish_untracked(u, u->status_topic, p, strlen(p), 1, 1);
}
