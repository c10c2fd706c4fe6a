/*
 * faults.h - the fault battery's parts: a generator of stamped leak raises, a counting sink on
 * P/events, a stalling TCP proxy, brokers and the gateway of one case, and the per-case report.
 *
 * Everything runs on 127.0.0.1 with the harness (tests/integration/harness.h): real mosquitto,
 * the real steward binary, a real SQLite file. Every wait polls a condition with a deadline;
 * every loop is bounded in count and time.
 */
#ifndef STEWARD_FAULTS_H
#define STEWARD_FAULTS_H

#include <stddef.h>
#include <sys/types.h>

#include "tests/integration/harness.h"

#define F_SENSORS 50
#define F_PREFIX "steward/faults"
#define F_GW_ID "steward-faults"
#define F_BATCH 64 /* the gateway reads at most this many messages per step (architecture.md 6) */
#define F_KEEPALIVE_S 5

/* ---- the generator: leak raises on faults/leak/NN, QoS 1, PUBACKs recorded ---- */

struct f_gen;

/* Connects (clean session, own network thread) to the broker on port. NULL on failure. */
struct f_gen *f_gen_new(int port);
void f_gen_free(struct f_gen *g);
/* One pulse of sensor i: {"water_leak":true,"stamp":N} then {"water_leak":false}; one raise. */
int f_gen_pulse(struct f_gen *g, int sensor);
/* n pulses round-robin over the sensors, spread over span_ms (0: back to back). */
void f_gen_burst(struct f_gen *g, int n, int span_ms);
/* Any payload on any topic (malformed input); counted apart from the raises. */
int f_gen_raw(struct f_gen *g, const char *topic, const void *payload, size_t len);
/* Waits until every message published so far was acknowledged, or max_ms passes. 0 or -1. */
int f_gen_wait_acks(struct f_gen *g, int max_ms);

struct f_gen_stats {
    long long raises;                   /* raises published (the true half of a pulse) */
    long long raises_acked;             /* of those, acknowledged by the broker (PUBACK) */
    long long messages, acked, refused; /* every message; refused: mosquitto_publish failed */
    int acked_per[F_SENSORS];           /* acknowledged raises per sensor */
};
void f_gen_stats(struct f_gen *g, struct f_gen_stats *out);

/* ---- the sink: P/events on a persistent session, de-duplicated on seq ---- */

struct f_sink;

/* Subscribes (QoS 1, clean session off, client id id) to F_PREFIX/events. NULL on failure. */
struct f_sink *f_sink_new(int port, const char *id);
void f_sink_free(struct f_sink *s);

struct f_sink_stats {
    long long messages, duplicates, out_of_order, unparsed;
    long long raised_total;
    int raised[F_SENSORS]; /* distinct raised events per alarm leak_N */
    int flood_begin, flood_end, restarts;
    double last_at;  /* arrival of the latest distinct event */
    double first_at; /* arrival of the first distinct event after f_sink_mark */
};
void f_sink_stats(struct f_sink *s, struct f_sink_stats *out);
/* Resets first_at, so that the next distinct event's arrival is recorded. */
void f_sink_mark(struct f_sink *s);
/* Waits until raised_total >= n, or nothing new arrived for stall_ms, or max_ms. Returns it. */
long long f_sink_wait_raised(struct f_sink *s, long long n, int stall_ms, int max_ms);
/* Waits until the flood counters reach begin and end, or max_ms. Returns 0 or -1. */
int f_sink_wait_flood(struct f_sink *s, int begin, int end, int max_ms);

/* ---- a TCP proxy on loopback that can stop forwarding while keeping its sockets ---- */

struct f_proxy;

/* Listens on a free loopback port and forwards each connection to 127.0.0.1:to_port. */
struct f_proxy *f_proxy_new(int to_port);
int f_proxy_port(const struct f_proxy *p);
/* stalled != 0: nothing more is read or written on any connection (new ones are accepted and
 * held); 0: forwarding again, including what waited. */
void f_proxy_stall(struct f_proxy *p, int stalled);
void f_proxy_free(struct f_proxy *p);

/* ---- processes ---- */

struct f_proc {
    int alive;
    long rss_kb, hwm_kb;
    double cpu_s;
};
/* Reads /proc/PID/stat and status; alive 0 when the process is gone. */
void f_proc_read(pid_t pid, struct f_proc *out);
/* PRAGMA integrity_check on a read-only connection: 1 when "ok", 0 otherwise (msg says why). */
int f_integrity_ok(const char *db_path, char *msg, size_t len);

/* ---- one case's world ---- */

struct f_world {
    struct h_env *e; /* e->mqtt_port: the upstream broker */
    pid_t up_pid;    /* the upstream broker */
    int site_port;   /* the site broker for the sensors, 0 when the sensors use upstream */
    pid_t site_pid;
    int gw_up_port; /* where the gateway connects for upstream (a proxy, or upstream) */
    struct f_proxy *proxy;
    char cfg[256], db[256], log[256];
    pid_t gw;
    struct f_sink *sink;
    struct f_gen *gen;
};

/* Sets up a case: environment, brokers, config. site: sensors on a separate site broker;
 * proxy: the gateway reaches upstream through an f_proxy. The sink is subscribed before the
 * gateway starts; the generator is connected to the sensors' broker. Returns 0 or -1. */
int f_world_open(struct f_world *w, const char *sink_id, int site, int proxy);
/* Starts (or restarts) the gateway on the world's database and waits until it is online. */
int f_world_gateway(struct f_world *w);
/* Starts mosquitto (persistent, unbounded queues) on port, named name in the environment. */
pid_t f_broker_start(struct f_world *w, int port, const char *name);
/* Everything stopped, the directory removed (kept with STEWARD_KEEP_TMP). */
void f_world_close(struct f_world *w);
/* How many times the gateway log contains needle. */
int f_log_count(const struct f_world *w, const char *needle);

/* ---- the report ---- */

struct f_result {
    const char *name;
    long long expected, delivered, missing, duplicated, out_of_order, extra;
    struct f_proc gw;
    int pass;
    char criteria[160]; /* what pass means for this case */
    char note[512];     /* the case's own figures */
};

/* Fills expected/delivered/missing/... from the generator and sink of the world. */
void f_result_count(struct f_result *r, struct f_world *w);
void f_result_print(const struct f_result *r);

/* ---- the cases ---- */

struct f_opts {
    int full;          /* the full battery, else the short one */
    unsigned seed;     /* for the kill moments */
    int flood_end_max; /* seconds to wait for the flood's end event; 0: not awaited */
};

typedef void (*f_case_fn)(const struct f_opts *o, struct f_result *r);

void f_case_upstream_outage(const struct f_opts *o, struct f_result *r);
void f_case_kill9_bursts(const struct f_opts *o, struct f_result *r);
void f_case_disk_full(const struct f_opts *o, struct f_result *r);
void f_case_malformed(const struct f_opts *o, struct f_result *r);
void f_case_flood(const struct f_opts *o, struct f_result *r);
void f_case_silent_link(const struct f_opts *o, struct f_result *r);
void f_case_last_will(const struct f_opts *o, struct f_result *r);

/* Milliseconds nap, for pacing a generator (never to wait for a condition). */
void f_nap_ms(int ms);

#endif
