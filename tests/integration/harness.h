/*
 * harness.h - what every integration test uses to run the real parts: a real mosquitto on a free
 * loopback port, the real steward and steward-sim binaries (from $BUILD, default build/), a real
 * SQLite file in a temporary directory, and an MQTT subscriber that records what arrives.
 *
 * Rules it enforces: servers listen on 127.0.0.1 only; waits poll for a condition with a deadline
 * instead of sleeping; processes are stopped by their saved PID; every loop is bounded.
 * h_cleanup_all() (registered with atexit by h_env_new) stops every process the harness started
 * and removes the temporary directory (kept when STEWARD_KEEP_TMP is set).
 */
#ifndef STEWARD_HARNESS_H
#define STEWARD_HARNESS_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct h_env {
    char dir[128];   /* the temporary directory */
    int mqtt_port;   /* a free port, for mosquitto */
    int modbus_port; /* a free port, for the simulator */
    pid_t broker;    /* 0 when not running */
};

/* A new environment with a temporary directory and two free ports. Owned by the caller. */
struct h_env *h_env_new(void);
/* A path inside the environment's directory, in a static rotating buffer (valid for a while). */
const char *h_path(const struct h_env *e, const char *name);

int h_free_port(void);
/* Connects to 127.0.0.1:port until it works or timeout_ms passes. Returns 0 or -1. */
int h_wait_port(int port, int timeout_ms);

/* Waits until path exists (0) or timeout_ms passes (-1). */
int h_wait_file(const char *path, int timeout_ms);
/* Waits until the file at path contains needle (0) or timeout_ms passes (-1). */
int h_wait_log(const char *path, const char *needle, int timeout_ms);

/* Starts argv[0] (with argv) with stdout and stderr to log_path. Returns the pid (recorded for
 * cleanup), or -1. */
pid_t h_spawn(const char *const argv[], const char *log_path);
/* SIGTERM, wait up to timeout_ms, then SIGKILL. Returns the wait status, or -1. */
int h_stop(pid_t pid, int timeout_ms);
/* SIGKILL and reap. */
void h_kill9(pid_t pid);
/* Non-zero while pid runs. */
int h_alive(pid_t pid);
/* Runs a command to completion (bounded); returns its exit code, or -1. Output to out_path. */
int h_run(const char *const argv[], const char *out_path, int timeout_ms);
/* The whole file, NUL-terminated, malloc'd; NULL if unreadable. */
char *h_read_file(const char *path);

/* mosquitto on e->mqtt_port, waiting for the port. Returns the pid or -1. */
pid_t h_broker_start(struct h_env *e);
void h_broker_stop(struct h_env *e);

/* The path of a built program: "$BUILD/steward". */
const char *h_bin(const char *name);

/*
 * Writes a configuration file into the environment: text with @MQTT_PORT@, @MODBUS_PORT@, @DB@
 * (the database path) and @DIR@ (the environment's directory) replaced. Returns its path (static
 * rotating buffer, as h_path).
 */
const char *h_write_config(struct h_env *e, const char *name, const char *text);

/* Appends to the configuration text t (capacity cap, *len used) n leak sensors leak00..,
 * each on topic_prefix followed by its two-digit number with the field water_leak, and one
 * emergency rule leak_I per sensor: the load of the sustained bench and the fault battery. */
void h_append_leak_site(char *t, size_t cap, size_t *len, int n, const char *topic_prefix);

/* An absolute CLOCK_REALTIME deadline ms from now, for pthread_cond_timedwait. */
void h_deadline_in(struct timespec *ts, int ms);

/* Starts `steward-sim -c cfg --scenario scenario --speed speed`, waiting for its Modbus port. */
pid_t h_sim_start(struct h_env *e, const char *cfg, const char *scenario, const char *speed);
/* Starts `steward run -c cfg`, waiting until it is online (its P/status says so). */
pid_t h_gateway_start(struct h_env *e, const char *cfg, const char *log_name);

/* From now on the harness's own MQTT clients (subscribers, publishers, the online check of
 * h_gateway_start) connect with TLS verified by ca_file, and with a username and password when
 * user is not NULL. Pass NULLs to go back to plain anonymous connections. Strings are copied. */
void h_client_security(const char *ca_file, const char *user, const char *password);

/* ---- an MQTT subscriber that records every message ---- */
struct h_msg {
    char *topic;
    char *payload; /* NUL-terminated copy */
    size_t len;
    int retain;
    double at; /* arrival, monotonic seconds */
};

/* Monotonic seconds, the clock of h_msg.at. */
double h_now(void);

struct h_sub;

/* Subscribes (QoS 1) to each topic filter in the NULL-terminated list. NULL on failure. */
struct h_sub *h_sub_new(int port, const char *const topics[]);
void h_sub_free(struct h_sub *s);
/*
 * Waits for the first message on a topic matching filter (MQTT wildcards) whose JSON payload has
 * key == value (value compared as a string, or as the JSON text of a number/boolean); key NULL
 * matches any. Returns the message (owned by the sub) or NULL after timeout_ms.
 */
const struct h_msg *h_sub_wait(struct h_sub *s, const char *filter, const char *key,
                               const char *value, int timeout_ms);
/* Waits until at least n recorded messages match, or timeout_ms passes; returns the count. */
int h_sub_wait_count(struct h_sub *s, const char *filter, const char *key, const char *value, int n,
                     int timeout_ms);

/* How many recorded messages match (same rules, no waiting). */
int h_sub_count(struct h_sub *s, const char *filter, const char *key, const char *value);

/* How many distinct topics the matching messages were published on (e.g. distinct work orders). */
int h_sub_distinct_topics(struct h_sub *s, const char *filter, const char *key, const char *value);

/* Copies the arrival times of up to max matching live (not retained) messages into at, in order
 * of arrival; returns how many. */
int h_sub_arrivals(struct h_sub *s, const char *filter, double *at, int max);

/* As h_sub_arrivals, for the messages whose payload does not contain text (e.g. a work order
 * republished because its alarm cleared: "\"condition_cleared_at\""). */
int h_sub_arrivals_lacking(struct h_sub *s, const char *filter, const char *text, double *at,
                           int max);

/* Publishes and waits for the PUBACK (QoS 1). Returns 0 or -1. */
int h_publish(int port, const char *topic, const char *payload, size_t len, int qos, int retain);

/* Publishes n payloads back to back on one connection (QoS 1, no waiting in between, so they
 * reach the gateway in one burst), then waits for every PUBACK. Returns 0 or -1. */
int h_publish_burst(int port, const char *topic, const char *const payloads[], int n);

/* Parses a message payload (caller decrefs); and a string member or "" . */
json_t *h_json(const struct h_msg *m);
const char *h_json_str(const json_t *o, const char *key);

/*
 * Scans every log in the environment's directory for a sanitizer report (AddressSanitizer,
 * LeakSanitizer, UBSan "runtime error:"), printing any it finds. Returns 1 when clean. Stop the
 * processes first: leaks are reported at exit.
 */
int h_logs_clean(const struct h_env *e);

/* Prints the tail of every log in the environment's directory (for failures). */
void h_dump_logs(const struct h_env *e);

/* Stops every spawned process and removes the directory. Safe to call more than once. */
void h_cleanup_all(void);

#endif
