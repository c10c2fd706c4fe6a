/* remote.c - see remote.h. A short-lived blocking MQTT client: this runs in the CLI, not the core.
 */
#include "gateway/cli/remote.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/jws.h"
#include "gateway/base/mqtt_client.h"

#include <jansson.h>
#include <mosquitto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

struct remote {
    char req[64];
    int subscribed;
    int done;
    int ok;
    char *answer;
};

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
    (void)m, (void)mid, (void)n, (void)granted;
    ((struct remote *)obj)->subscribed = 1;
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
    (void)m;
    struct remote *r = obj;
    json_error_t e;
    json_t *o = json_loadb(msg->payload, (size_t)msg->payloadlen, 0, &e);
    const char *req = json_string_value(json_object_get(o, "req"));
    if (req && strcmp(req, r->req) == 0 && !r->done) {
        r->done = 1;
        r->ok = json_is_true(json_object_get(o, "ok"));
        r->answer = strndup(msg->payload, (size_t)msg->payloadlen);
    }
    json_decref(o);
}

/* Signs the claims o as signer with the key in key_file (adding iat and jti). Caller frees. */
static char *sign(json_t *o, const char *signer, const char *key_file)
{
    unsigned char rnd[16];
    char jti[33], err[300];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        fprintf(stderr, "steward: no random bytes for the command's jti\n");
        return NULL;
    }
    for (int i = 0; i < 16; i++)
        snprintf(jti + 2 * i, 3, "%02x", rnd[i]);
    json_object_set_new(o, "iat", json_integer((json_int_t)(clock_wall_ms() / 1000)));
    json_object_set_new(o, "jti", json_string(jti));
    char *key = mqtt_read_secret(key_file, err, sizeof(err));
    if (!key) {
        fprintf(stderr, "steward: %s\n", err);
        return NULL;
    }
    char *claims = json_dumps(o, JSON_COMPACT);
    char *tok = claims ? jws_sign(signer, (const unsigned char *)key, strlen(key), claims) : NULL;
    memset(key, 0, strlen(key));
    free(key);
    free(claims);
    return tok;
}

int remote_command(const struct config *cfg, const char *verb, const char *body, const char *signer,
                   const char *key_file, int timeout_ms, FILE *out)
{
    const struct cfg_broker *b = &cfg->upstream;
    struct remote r = {0};
    snprintf(r.req, sizeof(r.req), "cli-%ld-%lld", (long)getpid(), (long long)clock_wall_ms());
    char client_id[96], topic[320], result_topic[320];
    snprintf(client_id, sizeof(client_id), "%s-cli-%ld", b->client_id, (long)getpid());
    snprintf(topic, sizeof(topic), "%s/cmd/%s", b->topic_prefix, verb);
    snprintf(result_topic, sizeof(result_topic), "%s/cmd/result", b->topic_prefix);

    json_error_t e;
    json_t *o = json_loads(body, 0, &e);
    if (!o) return 1;
    json_object_set_new(o, "req", json_string(r.req));
    char *payload = key_file ? sign(o, signer, key_file) : json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!payload && key_file) return 2;

    int code = 2, rc;
    char err[300];
    struct mosquitto *m = payload ? mqtt_client_new(b, client_id, 1, &r, err, sizeof(err)) : NULL;
    if (!m) {
        fprintf(stderr, "steward: %s\n", payload ? err : "out of memory");
        goto out;
    }
    mosquitto_subscribe_callback_set(m, on_subscribe);
    mosquitto_message_callback_set(m, on_message);
    rc = mosquitto_connect(m, b->host, b->port, 10);
    if (rc != MOSQ_ERR_SUCCESS) {
        fprintf(stderr, "steward: cannot reach the broker %s:%d: %s\n", b->host, b->port,
                mosquitto_strerror(rc));
        goto out;
    }
    mosquitto_subscribe(m, NULL, result_topic, 1);
    int64_t deadline = clock_mono_ms() + timeout_ms;
    int published = 0;
    while (!r.done && clock_mono_ms() < deadline) {
        if (mosquitto_loop(m, 100, 1) != MOSQ_ERR_SUCCESS) break;
        if (r.subscribed && !published) {
            mosquitto_publish(m, NULL, topic, (int)strlen(payload), payload, 1, false);
            published = 1;
        }
    }
    if (r.done) {
        fprintf(out, "%s\n", r.answer);
        code = r.ok ? 0 : 1;
    } else {
        fprintf(stderr, "steward: no answer from the gateway on %s within %d s (is it running?)\n",
                result_topic, timeout_ms / 1000);
    }
    mosquitto_disconnect(m);
out:
    mosquitto_destroy(m);
    free(payload);
    free(r.answer);
    return code;
}
