/* watch.c - see watch.h. */
#include "gateway/cli/watch.h"
#include "gateway/base/clock.h"
#include "gateway/base/mqtt_client.h"

#include <jansson.h>
#include <mosquitto.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t watch_stop;

static void on_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

static const char *s(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

/* "2026-11-22T14:03:11.208Z" -> "22:03:11+08:00" in the site's time zone, into buf (at least
 * CLOCK_LOCAL_LEN bytes); anything else as it is. */
static const char *hms(const char *iso, char *buf)
{
    int64_t ms;
    if (clock_parse_iso(iso, &ms) != 0) return iso;
    return clock_local_hms(ms, buf);
}

/* The same as a full local date and time. */
static const char *local(const char *iso, char *buf)
{
    int64_t ms;
    if (clock_parse_iso(iso, &ms) != 0) return iso;
    return clock_local(ms, buf);
}

int watch_format(const char *prefix, const char *topic, const char *payload, size_t len, char *buf,
                 size_t buflen)
{
    size_t pl = strlen(prefix);
    if (strncmp(topic, prefix, pl) != 0 || topic[pl] != '/' || len == 0) return -1;
    const char *rest = topic + pl + 1;
    json_error_t e;
    json_t *o = json_loadb(payload, len, 0, &e);
    if (!o) return -1;
    int rc = 0;
    char t1[CLOCK_LOCAL_LEN], t2[CLOCK_LOCAL_LEN], t3[CLOCK_LOCAL_LEN];
    if (strcmp(rest, "status") == 0) {
        snprintf(buf, buflen, "GATEWAY    %s (version %s, started %s)", s(o, "state"),
                 s(o, "version"), local(s(o, "started_at"), t1));
    } else if (strncmp(rest, "alarms/", 7) == 0) {
        const char *acked = s(o, "acked_by");
        snprintf(buf, buflen, "ALARM      %-20s %-13s %-9s %s%s%s", s(o, "id"), s(o, "state"),
                 s(o, "priority"), s(o, "title"), strcmp(acked, "-") ? "  acked by " : "",
                 strcmp(acked, "-") ? acked : "");
    } else if (strncmp(rest, "workorders/", 11) == 0) {
        snprintf(buf, buflen,
                 "WORKORDER  %-20s %-13s %-9s %s @ %s\n"
                 "           accept by %s, on site by %s, resolve by %s; escalation %lld (%s)",
                 s(o, "id"), s(o, "status"), s(o, "priority"), s(o, "title"), s(o, "location"),
                 hms(s(o, "notify_by"), t1), hms(s(o, "respond_by"), t2),
                 local(s(o, "resolve_by"), t3),
                 (long long)json_integer_value(json_object_get(o, "escalation_level")),
                 s(o, "assigned_role"));
    } else if (strcmp(rest, "events") == 0) {
        const char *type = s(o, "type");
        if (strcmp(type, "alarm") == 0)
            snprintf(buf, buflen, "EVENT      %s alarm %s %s: %s -> %s", hms(s(o, "ts"), t1),
                     s(o, "alarm"), s(o, "transition"), s(o, "from"), s(o, "to"));
        else if (strcmp(type, "workorder") == 0)
            snprintf(buf, buflen, "EVENT      %s work order %s %s (%s)", hms(s(o, "ts"), t1),
                     s(o, "workorder"), s(o, "action"), s(o, "status"));
        else if (strcmp(type, "escalation") == 0)
            snprintf(buf, buflen,
                     "EVENT      %s work order %s missed its %s deadline: escalated to %s",
                     hms(s(o, "ts"), t1), s(o, "workorder"), s(o, "missed"), s(o, "role"));
        else
            snprintf(buf, buflen, "EVENT      %s %s", hms(s(o, "ts"), t1), type);
    } else {
        rc = -1;
    }
    json_decref(o);
    return rc;
}

struct watch_ctx {
    const char *prefix;
    FILE *out;
};

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct watch_ctx *w = obj;
    char line[2048];
    if (watch_format(w->prefix, msg->topic, msg->payload, (size_t)msg->payloadlen, line,
                     sizeof(line)) == 0) {
        fprintf(w->out, "%s%s\n", msg->retain ? "(retained) " : "", line);
        fflush(w->out);
    }
}

int watch_run(const struct config *cfg, int seconds, FILE *out)
{
    const struct cfg_broker *b = &cfg->upstream;
    struct watch_ctx w = {b->topic_prefix, out};
    char client_id[96], topic[320];
    snprintf(client_id, sizeof(client_id), "%s-watch-%lld", b->client_id,
             (long long)clock_wall_ms());
    char err[300];
    int code = 2;
    struct mosquitto *m = mqtt_client_new(b, client_id, 1, &w, err, sizeof(err));
    if (!m) {
        fprintf(stderr, "steward: %s\n", err);
        return 2;
    }
    mosquitto_message_callback_set(m, on_message);
    int rc = mosquitto_connect(m, b->host, b->port, 30);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "steward: cannot reach the broker %s:%d: %s\n", b->host, b->port,
                mosquitto_strerror(rc));
        goto out;
    }
    static const char *const subs[] = {"status", "alarms/#", "workorders/#", "events"};
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        snprintf(topic, sizeof(topic), "%s/%s", b->topic_prefix, subs[i]);
        mosquitto_subscribe(m, NULL, topic, 1);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int64_t end = seconds ? clock_mono_ms() + seconds * 1000LL : 0;
    while (!watch_stop && (!end || clock_mono_ms() < end)) {
        rc = mosquitto_loop(m, 200, 1);
        if (rc != MOSQ_ERR_SUCCESS && !watch_stop) {
            fprintf(stderr, "steward: connection lost (%s); reconnecting\n",
                    mosquitto_strerror(rc));
            struct timespec ts = {1, 0};
            nanosleep(&ts, NULL);
            mosquitto_reconnect(m);
        }
    }
    code = 0;
    mosquitto_disconnect(m);
out:
    mosquitto_destroy(m);
    return code;
}
