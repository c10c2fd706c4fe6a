/*
 * mqtt_client.h - the one checked set-up of an MQTT client, for every program and link: the
 * gateway's upstream and sensor links, `steward ack` and `steward watch`, and the simulator.
 *
 * A broker endpoint (struct cfg_broker, filled by the configuration loader) names the host,
 * credentials and TLS files. mqtt_client_new turns it into a libmosquitto client that is ready
 * to connect, or into nothing: it fails closed. A TLS set-up that fails (an unreadable CA file,
 * a key that does not match) is an error, never a plaintext connection; a password file that
 * cannot be read, or that group or others may read, is an error, never a connection without the
 * password.
 */
#ifndef STEWARD_MQTT_CLIENT_H
#define STEWARD_MQTT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct mosquitto;

struct cfg_tls {
    char *ca_file, *cert_file, *key_file; /* NULL when not set */
};

/* One broker, as configured (mqtt.upstream, mqtt.sensors). Owned by the config. */
struct cfg_broker {
    char *host;           /* default "127.0.0.1" */
    int port;             /* default 1883 (8883 with tls) */
    char *client_id;      /* default "steward-<site id>" */
    char *topic_prefix;   /* default "steward/<site id>" */
    int64_t keepalive_ms; /* default 30 s */
    char *username;       /* NULL when not set */
    char *password_file;  /* NULL when not set; the password is read from this file, never inline */
    int use_tls;
    struct cfg_tls tls;
    int line;
};

/*
 * Reads a secret file: its first line, without the newline. Refuses a file that group or others
 * may read (the password would be everyone's), an empty one, or one that cannot be read. Returns
 * the secret (caller frees, after wiping it) or NULL with the reason in err (errlen bytes).
 */
char *mqtt_read_secret(const char *path, char *err, size_t errlen);

/*
 * Checks what b names on the disk without connecting: the CA, certificate and key files are
 * readable, the password file is readable and private. Returns 0, or -1 with the first problem
 * in err. For `steward check` and for every client before it connects.
 */
int mqtt_client_check(const struct cfg_broker *b, char *err, size_t errlen);

/*
 * A new client for broker b as client_id (clean: a clean session; obj: the callbacks' user data),
 * with TCP_NODELAY, its username and password, and TLS when configured. Returns NULL with the
 * reason in err when anything of that fails (see above); the caller destroys the client.
 */
struct mosquitto *mqtt_client_new(const struct cfg_broker *b, const char *client_id, int clean,
                                  void *obj, char *err, size_t errlen);

#endif
