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

/* Fills the deadlines for an order of priority p (< PRIO_WORKORDER_COUNT) created at created_ms. */
void sla_start(const struct cfg_sla *sla, enum priority p, int64_t created_ms, struct sla_clock *c);

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
