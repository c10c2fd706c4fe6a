/*
 * alarms.h - every alarm of the site and what happens when one changes state.
 *
 * The alarms are the configured rules plus the built-ins that need no rule (builtin.c):
 * comm_<device> (a Modbus device stopped answering, urgent), silent_<sensor> (a supervised
 * MQTT sensor sent nothing within its heartbeat, urgent), comm_<sensor> (its bridge says the
 * device is offline, urgent) and battery_<sensor> (its battery is low, normal). Each runs the
 * ISA-18.2 machine of rules/alarm.h.
 *
 * A rule is re-evaluated when a point it reads changes (alarms_point_changed marks it dirty),
 * when one of its delays expires (its timer marks it dirty), and every second when it reads the
 * time (hour(), weekday()). alarms_process evaluates what is dirty. A transition is recorded
 * through the journal in the caller's group transaction (alarm_doc.c): the alarm row and its
 * retained message P/alarms/ID, an event on P/events, and for a raise of priority
 * emergency/urgent/normal a work order (workorders.h, one per dedup key). Raises are counted for
 * flood detection (flood.h): its beginning and end are events too.
 *
 * An operator may shelve an alarm (ISA-18.2, shelve.c) for a bounded time, SHELVE_MAX_MS at most:
 * it is then silent whatever its condition, and evaluated afresh when the time is up or it is
 * unshelved. Emergency alarms (fire, leak, over-temperature...) cannot be shelved: the control
 * room must always get them. Shelving does not touch the alarm's work order.
 *
 * Owned by the core; borrows the config, the point values, the journal, the work-order table and
 * the timer registry for its lifetime.
 */
#ifndef STEWARD_ALARMS_H
#define STEWARD_ALARMS_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "gateway/alarms/flood.h"
#include "gateway/base/timer.h"
#include "rules/alarm.h"

struct journal;
struct store;
struct wo_table;

/* comm_<sensor> is ALARM_KIND_COMM with ref n_devices + the sensor's index (builtin.c). */
enum alarm_kind { ALARM_KIND_RULE, ALARM_KIND_COMM, ALARM_KIND_SILENT, ALARM_KIND_BATTERY };

#define SHELF_LOG 16   /* shelves remembered per alarm for the 24 h cap */
#define CHATTER_MAX 32 /* raises remembered per alarm for chatter (chatter.count below it) */
#define SHELF_CAP_WINDOW_MS (24 * 3600 * 1000LL)

struct alarm {
    char *id; /* owned */
    enum alarm_kind kind;
    int ref; /* rule, device or sensor index */
    enum priority priority;
    const char *category, *asset, *location; /* borrowed from the config or static */
    char *title;                             /* owned */
    struct alarm_params params;
    const struct expr *when, *clear; /* rules only; borrowed from the config */
    struct alarm_rt rt;
    int cond;             /* built-ins: the condition is present */
    int dirty;            /* queued for evaluation */
    struct timer delay;   /* an on- or off-delay expires: evaluate again */
    struct timer shelf;   /* while shelved: the shelf expires */
    int64_t active_since; /* wall ms, 0 when normal */
    char acked_by[64];
    int64_t shelved_until; /* wall ms, while shelved */
    char shelved_by[64];
    struct alarms *table;           /* the table it belongs to (for its timers) */
    char oos_by[64], note[256];     /* out of service: who, and why */
    char suppressed_by[96];         /* suppressed by design: "communication fault of device tx1" */
    int uncertain;                  /* an input is not good: no raise, no clear (published) */
    int chattering;                 /* raised more than chatter.count times within chatter.window */
    int chatter_count;              /* raises within the window, while chattering */
    int64_t chatter_since;          /* wall ms of the first raise of the chattering period */
    int64_t raised_at[CHATTER_MAX]; /* monotonic times of the latest raises (a ring) */
    int n_raised, next_raised;
    struct timer chatter_t;          /* when the chatter may have settled */
    struct timer realarm_t;          /* re-alarm while active and unacknowledged (rule's realarm) */
    int64_t realarm_ms;              /* the rule\'s realarm, 0: never */
    int64_t shelf_log[SHELF_LOG][2]; /* the latest shelves: start and end (wall ms), for the cap */
    int n_shelf_log;
};

/* The history behind one rate(point, window) slot: samples of the point, at most RATE_SAMPLES,
 * thinned to one per window / RATE_SAMPLES so that they always span the window. */
#define RATE_SAMPLES 128
struct rate_hist {
    int64_t t[RATE_SAMPLES]; /* monotonic ms */
    double v[RATE_SAMPLES];
    int n, next;
};

/* The point values the alarms read: the core's point table, borrowed. */
struct alarm_inputs {
    const double *value;
    const uint8_t *quality; /* enum quality */
    size_t n;
};

struct alarms {
    const struct config *cfg;
    struct alarm_inputs in;
    struct journal *journal;
    struct wo_table *wos;
    struct timers *timers;
    struct alarm *v;
    size_t n;
    int *dirty; /* indices queued for evaluation */
    size_t n_dirty;
    /* Dependents in CSR form: the alarms reading point i are dep[dep_start[i]..dep_start[i+1]). */
    int *dep_start, *dep;
    int *time_rules; /* alarms whose rule reads hour() or weekday(), evaluated every second */
    size_t n_time_rules;
    struct timer clock;      /* every second while there are time rules */
    struct timer flood_t;    /* when a flood may end */
    uint8_t *dev_fault;      /* per device: in communication fault (alarms_device_comm) */
    struct rate_hist *rates; /* per rate slot (cfg->rates) */
    double *rate_value;      /* per slot, computed at each evaluation */
    uint8_t *rate_known;
    uint8_t *rate_point;  /* per point: some rate() reads it (a sample goes to its history) */
    uint64_t transitions; /* counter, for the log and tests */
    struct flood flood;   /* raises per 10 minutes: flood events on P/events */
};

/* Builds the alarm list and the point dependencies. Returns 0 or ST_ERR_NOMEM. */
int alarms_init(struct alarms *a, const struct config *cfg, struct alarm_inputs in,
                struct journal *j, struct wo_table *wos, struct timers *timers);
void alarms_cleanup(struct alarms *a);

/* Restores each alarm's state from the store after a restart. */
int alarms_restore(struct alarms *a, struct store *s);

/* The alarm with this id, or NULL. */
struct alarm *alarms_find(struct alarms *a, const char *id);

/* Point `point` changed value or quality: queue the rules that read it. */
void alarms_point_changed(struct alarms *a, int point);

/* A device's communication state (ok = it answers), or a sensor's supervision state (builtin.c).
 */
void alarms_device_comm(struct alarms *a, int device, int ok);
void alarms_sensor_silent(struct alarms *a, int sensor, int silent);
/* A sensor's bridge says it is offline (or online again); its battery is low (or fine). Ignored
 * for a sensor without the alarm (no availability topic; no battery supervision). */
void alarms_sensor_comm(struct alarms *a, int sensor, int offline);
void alarms_sensor_battery(struct alarms *a, int sensor, int low);

/* Evaluates every queued alarm; records transitions. Returns 0 or the first st_err from the
 * store (the caller's transaction must then not be published). */
int alarms_process(struct alarms *a, int64_t now_mono, int64_t now_wall);

/*
 * Acknowledges alarm id on behalf of `by` (may be NULL). Returns 0, ST_ERR_NOTFOUND, or
 * ST_ERR_STATE when there is nothing to acknowledge.
 */
int alarms_ack(struct alarms *a, const char *id, const char *by, int64_t now_mono,
               int64_t now_wall);

/*
 * Resets a latched alarm whose condition has cleared (a fire panel's reset), on behalf of `by`.
 * Returns 0, ST_ERR_NOTFOUND, or ST_ERR_STATE with *why (not latched, not active, the condition
 * still present); or a store error.
 */
int alarms_reset(struct alarms *a, const char *id, const char *by, int64_t now_mono,
                 int64_t now_wall, const char **why);

/*
 * Takes alarm id out of service for maintenance on the equipment (it ignores its condition and
 * raises no work order), with a note; and back in service, evaluated afresh. Returns 0,
 * ST_ERR_NOTFOUND, or ST_ERR_STATE with *why (already so); or a store error.
 */
int alarms_out_of_service(struct alarms *a, const char *id, const char *by, const char *note,
                          int64_t now_mono, int64_t now_wall, const char **why);
int alarms_in_service(struct alarms *a, const char *id, const char *by, int64_t now_mono,
                      int64_t now_wall, const char **why);

#define SHELVE_MAX_MS (24 * 3600 * 1000LL)

/*
 * Shelves alarm id for for_ms (1 s to SHELVE_MAX_MS; shelving again sets a new end) on behalf of
 * `by`. Returns 0, ST_ERR_NOTFOUND, ST_ERR_INVAL (duration out of range) or ST_ERR_STATE (an
 * emergency alarm, or one whose shelving within the last 24 h would pass commands.shelve_max,
 * 24 h by default: shelving again and again cannot silence an alarm for good), with *why a short
 * reason for the refusal; or a store error.
 */
int alarms_shelve(struct alarms *a, const char *id, const char *by, int64_t for_ms,
                  int64_t now_mono, int64_t now_wall, const char **why);
/* Unshelves alarm id now. Returns 0, ST_ERR_NOTFOUND, ST_ERR_STATE (not shelved), or a store
 * error. */
int alarms_unshelve(struct alarms *a, const char *id, const char *by, int64_t now_mono,
                    int64_t now_wall);

#endif
