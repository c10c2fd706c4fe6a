/*
 * sla.h - the SLA clock of a work order (DOMAIN.md: priorities, deadlines, escalation ladder).
 *
 * Three deadlines from the creation time and the priority's row of the sla table:
 *   notify_by  - someone must have accepted the order (status accepted or later)
 *   respond_by - someone must be on site (status on_site or later)
 *   resolve_by - the fault must be resolved (status resolved or later)
 * Each deadline that passes without its status escalates the order one step up the ladder
 * (technician -> supervisor -> manager -> general manager), once per deadline.
 * Pure functions: the caller passes the time in.
 */
#ifndef STEWARD_SLA_H
#define STEWARD_SLA_H

#include <stdint.h>

#include "config/config.h"

enum wo_status { WO_OPEN = 0, WO_ACCEPTED, WO_ON_SITE, WO_RESOLVED, WO_CLOSED, WO_CANCELLED };

const char *wo_status_name(enum wo_status s);               /* "open", "on_site", ... */
int wo_status_parse(const char *name, enum wo_status *out); /* 0 or ST_ERR_INVAL */

/* Non-zero when the order is still open for work (not closed or cancelled). */
int wo_status_is_open(enum wo_status s);

enum sla_stage { SLA_NOTIFY = 0, SLA_RESPOND, SLA_RESOLVE, SLA_STAGES };

const char *sla_stage_name(enum sla_stage s); /* "notify", "respond", "resolve" */

struct sla_clock {
    int64_t due[SLA_STAGES]; /* wall ms */
    unsigned escalated;      /* bit k set: stage k has escalated already */
};

/*
 * Fills the deadlines for an order of priority p (< PRIO_WORKORDER_COUNT) created at created_ms.
 * An emergency raised after hours (sla_after_hours) must have someone on site within
 * sla->after_hours.respond_ms instead (when that is sooner). Returns 1 when it did, else 0.
 */
int sla_start(const struct cfg_sla *sla, enum priority p, int64_t created_ms, struct sla_clock *c);

/* 1 when ms falls inside the after-hours window [from, to) in the process's local time zone
 * (the site's); a window whose end is before its start crosses midnight; from == to: never.
 * The window is in local time of day, so it follows daylight saving changes. */
int sla_after_hours(const struct cfg_sla_after_hours *ah, int64_t ms);

/*
 * Whether a work order may go from `from` to `to` (DOMAIN.md section 5): open -> accepted ->
 * on_site -> resolved -> closed one step at a time; cancelled from open, accepted or on site.
 * Returns 0 (allowed), 1 (the same status again: nothing to do) or ST_ERR_STATE with a static
 * reason in *why.
 */
int wo_transition(enum wo_status from, enum wo_status to, const char **why);

/* The follow-up time of a resolved repair of this category (sla.follow_up). */
int64_t sla_follow_up_ms(const struct cfg_sla *sla, const char *category);

/*
 * The first stage whose deadline has passed at now_ms, whose status requirement is not met by st,
 * and that has not escalated yet; or -1. The caller escalates and sets the stage's bit.
 */
int sla_overdue(const struct sla_clock *c, enum wo_status st, int64_t now_ms);

/* The earliest future deadline that could still escalate, or 0 when none. */
int64_t sla_next_due(const struct sla_clock *c, enum wo_status st);

/* The ladder role for an escalation level (0 = first), clamped to the last rung. */
const char *sla_role(const struct cfg_sla *sla, int level);

#endif
