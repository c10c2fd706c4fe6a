/*
 * workorders.h - maintenance work orders: one order in hand per dedup key, SLA deadlines,
 * escalation, and status updates from upstream (DESIGN.md section 6, DOMAIN.md).
 *
 * The table lives in the core (single thread) and holds the open orders only; closed and
 * cancelled ones stay in the store. Every change is written through the journal (store + outbox)
 * in the caller's group transaction, so it is published only once committed.
 *
 * A work order is kept as its JSON document (what is published and stored) plus the few fields
 * the logic needs, parsed once.
 */
#ifndef STEWARD_WORKORDERS_H
#define STEWARD_WORKORDERS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "gateway/base/timer.h"
#include "gateway/work/review.h"
#include "gateway/work/sla.h"

struct journal;
struct store;

struct workorder {
    char id[96]; /* "WO-" SITE (<= 64) "-" NUMBER (<= 19 digits) */
    char *dedup_key;
    enum wo_status status;
    enum priority priority;
    int level; /* escalation level, 0 = first rung */
    struct sla_clock sla;
    int64_t next_review; /* wall ms of the next daily review; 0: none (resolved, planned) */
    enum review_kind review_kind; /* what that review does */
    int64_t changed_at;           /* wall ms of its last status change (its creation at first) */
    int64_t progress_next;        /* wall ms of its next progress-report request while in hand; 0 */
    int64_t follow_up_by;   /* a resolved repair's follow-up deadline until it is recorded; 0 */
    int follow_up_missed;   /* the follow-up deadline passed (its event was recorded) */
    json_t *doc;            /* owned; the published document */
    struct timer timer;     /* its next deadline or review (wall clock) */
    struct wo_table *table; /* the table it belongs to */
};

/* What raises an order. Strings are borrowed for the call. */
struct wo_spec {
    const char *source; /* "rule", "comm", "supervision", "maintenance" */
    const char *rule;   /* the rule or built-in alarm id */
    const char *asset, *location, *category, *title;
    enum priority priority;
};

struct wo_table {
    const struct config *cfg; /* borrowed */
    struct journal *journal;  /* borrowed */
    struct timers *timers;    /* borrowed: each order's timer is armed there */
    struct workorder **v; /* open orders, each owned (its own allocation: its timer stays put) */
    size_t n, cap;
    struct timer report_timer; /* the morning report (review.report_at), armed by wo_restore */
    int64_t report_due;
};

/* An order in hand this long without a status change is asked for a progress report, and again
 * every as long after (限时复命, DOMAIN.md section 5). */
#define WO_PROGRESS_MS (24LL * 3600 * 1000)

/* Initialises an empty table whose orders arm their deadlines in timers. */
void wo_init(struct wo_table *t, const struct config *cfg, struct journal *j,
             struct timers *timers);
/* Frees every order in memory (nothing is written). */
void wo_cleanup(struct wo_table *t);

/* Loads the open orders from the store (after a restart) and arms the morning report for the
 * next review.report_at (gateway/work/report.h). Returns 0 or an st_err. */
int wo_restore(struct wo_table *t, struct store *s);

/*
 * Raises an order for spec at now_ms with evidence (a JSON object; reference stolen, may be NULL).
 * If an order in hand (open, accepted, on site) has the same dedup key ("SITE/ASSET/RULE"), it
 * is updated instead (its occurrence count and evidence) and republished: one such order per
 * dedup key. A resolved one does not count: the fault coming back raises a new order.
 * *out (may be NULL) receives the order, borrowed from the table. Returns 0 or an st_err.
 */
int wo_raise(struct wo_table *t, const struct wo_spec *spec, json_t *evidence, int64_t now_ms,
             struct workorder **out);

/* A status update from upstream (P/cmd/workorder). Strings borrowed for the call. */
struct wo_update {
    const char *id, *status, *by, *note;
    const char *outcome; /* status "followed_up": "satisfied" or "not_satisfied" */
};

/*
 * Applies a status update (DOMAIN.md section 5), strictly:
 *   open -> accepted -> on_site -> resolved -> closed, one step at a time, each stamping its
 *   time (accepted_at, on_site_at, resolved_at, closed_at); cancelled from open, accepted or on
 *   site, with a note; the first to accept owns the order (`owner`): another's accept is refused.
 *   The same status again is harmless: ST_OK and nothing changes (*changed = 0), also for an
 *   order already closed or cancelled (looked up in the store).
 *   "followed_up" records the follow-up visit of a resolved repair, before or after it is closed
 *   (followed_up_at, follow_up_outcome, follow_up_by); "not_satisfied" reopens the order (status
 *   open, a new SLA clock from now, `reopened` counted).
 * A resolved repair gets follow_up_by (sla.follow_up); a closed one whose follow-up is not yet
 * recorded stays in the table (its store row open, its retained copy cleared) until it is. A
 * closed or cancelled order is published once more and its retained copy cleared.
 * Returns 0, ST_ERR_NOTFOUND, ST_ERR_INVAL (unknown status or outcome, no note to cancel) or
 * ST_ERR_STATE (not allowed from the current status); *why gets a static reason.
 * changed may be NULL.
 */
int wo_update(struct wo_table *t, const struct wo_update *u, int64_t now_ms, const char **why,
              int *changed);

/* wo_update with id, status, by and note. */
int wo_set_status(struct wo_table *t, const char *id, const char *status, const char *by,
                  const char *note, int64_t now_ms, const char **why);

/*
 * The alarm that raised an order has cleared (alarms.c calls it on a clear transition): the
 * order in hand for SITE/ASSET/RULE (asset NULL: the site) gets condition_cleared_at and a
 * `workorder` event (action condition_cleared), and stays open: someone still resolves it.
 * Returns 0 (also when there is no such order) or an st_err.
 */
int wo_condition_cleared(struct wo_table *t, const char *asset, const char *rule, int64_t now_ms);

/* Deadlines: each open order arms its own wall-clock timer for its next SLA deadline or daily
 * review; when it runs, the review is held and every deadline passed escalates the order. */

/* The wall-clock time of w's next deadline or review, or 0 when none is left. */
int64_t wo_next_due(const struct workorder *w);

/* The open order with this id, or NULL. */
struct workorder *wo_find(struct wo_table *t, const char *id);

/* The order in hand (open, accepted or on site) with this dedup key, or NULL. */
struct workorder *wo_find_dedup(struct wo_table *t, const char *dedup_key);

#endif
