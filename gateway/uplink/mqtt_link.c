/* mqtt_link.c - see mqtt_link.h. */
#include "gateway/uplink/mqtt_link.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/mqtt_client.h"
#include "gateway/uplink/inbox.h"

#include <errno.h>
#include <mosquitto.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reconnecting for an alarm system: an emergency order must not wait out a long back-off after
 * the broker is back. 0.5 s doubling, capped at 5 s; each wait is drawn between half and all of
 * it (jitter), so a fleet of gateways does not reconnect in lockstep after a broker restart. */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 5000
#define READ_BUDGET_MS 5         /* one call of mqtt_link_io reads for at most this long... */
#define MAX_READS_PER_IO 1024    /* ...and at most this many packets (PUBACKs included) */
#define CONNECT_TIMEOUT_MS 10000 /* a broker that never answers CONNECT (a black-holed route) */

struct mqtt_link {
    const struct cfg_broker *b;
    char *client_id;
    char *will_topic, *will_payload;
    int will_qos, will_retain;
    int max_inflight;
    struct mqtt_link_cb cb;
    char name[32];

    struct mosquitto *mosq;
    int connected;      /* CONNACK accepted */
    int64_t retry_at;   /* monotonic time of the next connection attempt */
    int64_t attempt_at; /* monotonic time the current attempt began */
    int64_t backoff_ms;
    struct log_complain complain;
    int received;  /* messages delivered to on_message during the current mqtt_link_io */
    int last_rc;   /* why libmosquitto dropped the connection (its disconnect callback) */
    int refused;   /* the broker's CONNACK code when it refused the connection, or 0 */
    unsigned seed; /* for the jitter */
};

/* A dropped link's reason, in words an operator can act on (libmosquitto 2.0.11's own
 * mosquitto_strerror says "Unknown error." for a keepalive timeout). */
static const char *link_reason(int rc, int err)
{
    switch (rc) {
    case MOSQ_ERR_KEEPALIVE:
        return "keepalive timeout: the broker stopped answering (a silent network or broker)";
    case MOSQ_ERR_CONN_LOST: return "connection lost";
    case MOSQ_ERR_NO_CONN: return "connection closed";
    case MOSQ_ERR_TLS:
    case MOSQ_ERR_TLS_HANDSHAKE: return "TLS error (certificate, key or handshake)";
    case MOSQ_ERR_AUTH:
    case MOSQ_ERR_CONN_REFUSED: return "refused by the broker (credentials or ACL)";
    case MOSQ_ERR_PROTOCOL:
    case MOSQ_ERR_MALFORMED_PACKET: return "protocol error from the broker";
    case MOSQ_ERR_EAI:
    case MOSQ_ERR_LOOKUP: return "host name lookup failed";
    case MOSQ_ERR_ERRNO: return strerror(err);
    case MOSQ_ERR_NOMEM: return "out of memory";
    }
    return mosquitto_strerror(rc);
}

static void link_drop(struct mqtt_link *l, int64_t now_mono, const char *why)
{
    int was = l->connected;
    if (l->mosq) {
        mosquitto_destroy(l->mosq);
        l->mosq = NULL;
    }
    l->connected = 0;
    l->backoff_ms = l->backoff_ms ? l->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (l->backoff_ms > BACKOFF_MAX_MS) l->backoff_ms = BACKOFF_MAX_MS;
    int64_t wait = l->backoff_ms / 2 + (int64_t)(rand_r(&l->seed) % (l->backoff_ms / 2 + 1));
    l->retry_at = now_mono + wait;
    log_complain(&l->complain, now_mono, LOG_WARN, "mqtt[%s]: %s:%d %s; retrying in %lld ms",
                 l->name, l->b->host, l->b->port, why, (long long)wait);
    if (was && l->cb.on_disconnect) l->cb.on_disconnect(l->cb.ctx);
}

static void on_connect_cb(struct mosquitto *m, void *obj, int rc)
{
    (void)m;
    struct mqtt_link *l = obj;
    if (rc != 0) {
        /* Refused (bad credentials, ...): the next tick sees it and retries with back-off. */
        log_msg(LOG_ERROR, "mqtt[%s]: connection refused: %s", l->name,
                mosquitto_connack_string(rc));
        l->refused = rc;
        return;
    }
    l->refused = 0;
    l->last_rc = 0;
    l->connected = 1;
    l->backoff_ms = 0;
    if (l->complain.active)
        log_complain_ok(&l->complain, "mqtt[%s]: connected to %s:%d again", l->name, l->b->host,
                        l->b->port);
    else
        log_msg(LOG_INFO, "mqtt[%s]: connected to %s:%d", l->name, l->b->host, l->b->port);
    if (l->cb.on_connect) l->cb.on_connect(l->cb.ctx);
}

static void on_disconnect_cb(struct mosquitto *m, void *obj, int rc)
{
    (void)m;
    ((struct mqtt_link *)obj)->last_rc = rc;
}

static void on_message_cb(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct mqtt_link *l = obj;
    l->received++;
    if (l->cb.on_message)
        l->cb.on_message(l->cb.ctx, msg->topic, msg->payload, (size_t)msg->payloadlen);
}

static void on_publish_cb(struct mosquitto *m, void *obj, int mid)
{
    (void)m;
    struct mqtt_link *l = obj;
    if (l->cb.on_publish) l->cb.on_publish(l->cb.ctx, mid);
}

static void on_log_cb(struct mosquitto *m, void *obj, int level, const char *str)
{
    (void)m;
    struct mqtt_link *l = obj;
    if (level & (MOSQ_LOG_ERR))
        log_msg(LOG_WARN, "mqtt[%s]: libmosquitto: %s", l->name, str);
    else if (level & (MOSQ_LOG_WARNING | MOSQ_LOG_NOTICE))
        log_msg(LOG_DEBUG, "mqtt[%s]: libmosquitto: %s", l->name, str);
}

/*
 * A fresh client instance with every option set; NULL on failure (logged). The session is
 * persistent (clean session off, a stable client id): while the gateway is down or reconnecting,
 * the broker keeps what arrives for its QoS 1 subscriptions (commands, sensor messages) and
 * delivers it on the next connection.
 */
static struct mosquitto *link_instance(struct mqtt_link *l)
{
    char err[300];
    struct mosquitto *m = mqtt_client_new(l->b, l->client_id, 0, l, err, sizeof(err));
    if (!m) {
        log_complain(&l->complain, clock_mono_ms(), LOG_ERROR, "mqtt[%s]: %s", l->name, err);
        return NULL;
    }
    int rc = mosquitto_max_inflight_messages_set(m, (unsigned)l->max_inflight);
    if (rc == MOSQ_ERR_SUCCESS && l->will_topic)
        rc = mosquitto_will_set(m, l->will_topic, (int)strlen(l->will_payload), l->will_payload,
                                l->will_qos, l->will_retain);
    if (rc != MOSQ_ERR_SUCCESS) {
        log_msg(LOG_ERROR, "mqtt[%s]: setting up the client failed: %s", l->name,
                mosquitto_strerror(rc));
        mosquitto_destroy(m);
        return NULL;
    }
    mosquitto_connect_callback_set(m, on_connect_cb);
    mosquitto_disconnect_callback_set(m, on_disconnect_cb);
    mosquitto_message_callback_set(m, on_message_cb);
    mosquitto_publish_callback_set(m, on_publish_cb);
    mosquitto_log_callback_set(m, on_log_cb);
    return m;
}

struct mqtt_link *mqtt_link_new(const struct cfg_broker *b, const char *client_id,
                                const struct mqtt_will *will, int max_inflight,
                                const struct mqtt_link_cb *cb, const char *log_name)
{
    struct mqtt_link *l = calloc(1, sizeof(*l));
    if (!l) return NULL;
    l->b = b;
    l->max_inflight = max_inflight;
    l->seed = (unsigned)getpid() ^ (unsigned)clock_wall_ms();
    l->cb = *cb;
    snprintf(l->name, sizeof(l->name), "%s", log_name);
    l->client_id = strdup(client_id);
    if (!l->client_id) goto out_free;
    if (will) {
        l->will_topic = strdup(will->topic);
        l->will_payload = strdup(will->payload);
        l->will_qos = will->qos;
        l->will_retain = will->retain;
        if (!l->will_topic || !l->will_payload) goto out_free;
    }
    char err[300];
    if (mqtt_client_check(b, err, sizeof(err))) { /* refused at start, not retried forever */
        log_msg(LOG_ERROR, "mqtt[%s]: %s", l->name, err);
        goto out_free;
    }
    return l;
out_free:
    mqtt_link_free(l);
    return NULL;
}

void mqtt_link_rebind(struct mqtt_link *l, const struct cfg_broker *b)
{
    l->b = b;
}

void mqtt_link_free(struct mqtt_link *l)
{
    if (!l) return;
    if (l->mosq) mosquitto_destroy(l->mosq);
    free(l->client_id);
    free(l->will_topic);
    free(l->will_payload);
    free(l);
}

int mqtt_link_fd(const struct mqtt_link *l)
{
    return l->mosq ? mosquitto_socket(l->mosq) : -1;
}

short mqtt_link_events(const struct mqtt_link *l)
{
    if (!l->mosq) return 0;
    return (short)(POLLIN | (mosquitto_want_write(l->mosq) ? POLLOUT : 0));
}

void mqtt_link_io(struct mqtt_link *l, short revents)
{
    if (!l->mosq) return;
    int rc = MOSQ_ERR_SUCCESS;
    /*
     * Read what is waiting, as one batch: the core handles and commits it before the next, so a
     * burst costs one fsync per batch, not one per message (group commit). The batch is bounded
     * (INBOX_BATCH messages, READ_BUDGET_MS) because libmosquitto acknowledges a QoS 1 message
     * before we see it: what was read but not yet committed is lost with the process, and this
     * keeps that to one small batch. What is left in the socket wakes the next poll at once.
     */
    if (revents & (POLLIN | POLLHUP | POLLERR)) {
        l->received = 0;
        int64_t until = clock_mono_ms() + READ_BUDGET_MS;
        for (int i = 0; i < MAX_READS_PER_IO && rc == MOSQ_ERR_SUCCESS && l->mosq; i++) {
            rc = mosquitto_loop_read(l->mosq, 1);
            if (rc != MOSQ_ERR_SUCCESS || l->received >= INBOX_BATCH || clock_mono_ms() >= until)
                break;
            struct pollfd more = {mosquitto_socket(l->mosq), POLLIN, 0};
            if (more.fd < 0 || poll(&more, 1, 0) <= 0) break;
        }
    }
    if (rc == MOSQ_ERR_SUCCESS && l->mosq && (revents & POLLOUT))
        rc = mosquitto_loop_write(l->mosq, 1);
    if (rc != MOSQ_ERR_SUCCESS) link_drop(l, clock_mono_ms(), link_reason(rc, errno));
}

int64_t mqtt_link_tick(struct mqtt_link *l, int64_t now_mono)
{
    if (!l->mosq) {
        if (now_mono < l->retry_at) return l->retry_at;
        l->mosq = link_instance(l);
        if (!l->mosq) {
            link_drop(l, now_mono, "client setup failed");
            return l->retry_at;
        }
        int keepalive = (int)(l->b->keepalive_ms / 1000);
        int rc =
            mosquitto_connect_async(l->mosq, l->b->host, l->b->port, keepalive < 5 ? 5 : keepalive);
        if (rc != MOSQ_ERR_SUCCESS) {
            link_drop(l, now_mono, link_reason(rc, errno));
            return l->retry_at;
        }
        l->attempt_at = now_mono;
        return now_mono + 1000;
    }
    if (!l->connected && now_mono - l->attempt_at > CONNECT_TIMEOUT_MS) {
        link_drop(l, now_mono, "did not accept the connection in time");
        return l->retry_at;
    }
    int rc = mosquitto_loop_misc(l->mosq);
    /* A CONNACK refusal leaves the socket open but never connected: give up after a while. */
    if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(l->mosq) < 0) rc = MOSQ_ERR_NO_CONN;
    if (rc != MOSQ_ERR_SUCCESS) {
        /* libmosquitto closed the socket itself: its disconnect callback said why. */
        if (l->refused)
            rc = MOSQ_ERR_CONN_REFUSED;
        else if (l->last_rc && l->last_rc != MOSQ_ERR_SUCCESS)
            rc = l->last_rc;
        link_drop(l, now_mono, link_reason(rc, errno));
        return l->retry_at;
    }
    return now_mono + 1000;
}

int mqtt_link_connected(const struct mqtt_link *l)
{
    return l->connected;
}

int mqtt_link_publish(struct mqtt_link *l, const char *topic, const void *payload, size_t len,
                      int qos, int retain, int *mid)
{
    if (!l->connected) return ST_ERR_MQTT;
    int rc = mosquitto_publish(l->mosq, mid, topic, (int)len, payload, qos, retain != 0);
    if (rc == MOSQ_ERR_SUCCESS) return ST_OK;
    log_msg(LOG_WARN, "mqtt[%s]: publish to %s failed: %s", l->name, topic, mosquitto_strerror(rc));
    return ST_ERR_MQTT;
}

int mqtt_link_subscribe(struct mqtt_link *l, const char *topic, int qos)
{
    if (!l->mosq) return ST_ERR_MQTT;
    int rc = mosquitto_subscribe(l->mosq, NULL, topic, qos);
    if (rc == MOSQ_ERR_SUCCESS) return ST_OK;
    log_msg(LOG_ERROR, "mqtt[%s]: subscribe %s failed: %s", l->name, topic, mosquitto_strerror(rc));
    return ST_ERR_MQTT;
}

void mqtt_link_disconnect(struct mqtt_link *l)
{
    if (!l->mosq || !l->connected) return;
    mosquitto_disconnect(l->mosq);
    /* Flush the DISCONNECT: a bounded number of writes, the socket is ours alone. */
    for (int i = 0; i < 10 && mosquitto_want_write(l->mosq); i++)
        if (mosquitto_loop_write(l->mosq, 1) != MOSQ_ERR_SUCCESS) break;
    l->connected = 0;
}
