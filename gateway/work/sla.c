/* sla.c - see sla.h. */
#include "gateway/work/sla.h"
#include "gateway/base/error.h"

#include <string.h>

static const char *const status_names[] = {"open",     "accepted", "on_site",
                                           "resolved", "closed",   "cancelled"};

const char *wo_status_name(enum wo_status s)
{
    return (unsigned)s <= WO_CANCELLED ? status_names[s] : "open";
}

int wo_status_parse(const char *name, enum wo_status *out)
{
    for (int i = 0; i <= WO_CANCELLED; i++) {
        if (strcmp(name, status_names[i]) == 0) {
            *out = (enum wo_status)i;
            return ST_OK;
        }
    }
    return ST_ERR_INVAL;
}

int wo_status_is_open(enum wo_status s)
{
    return s != WO_CLOSED && s != WO_CANCELLED;
}

const char *sla_stage_name(enum sla_stage s)
{
    static const char *const names[] = {"notify", "respond", "resolve"};
    return (unsigned)s < SLA_STAGES ? names[s] : "?";
}

/* The status that meets each stage. */
static const enum wo_status stage_met_by[SLA_STAGES] = {WO_ACCEPTED, WO_ON_SITE, WO_RESOLVED};

void sla_start(const struct cfg_sla *sla, enum priority p, int64_t created_ms, struct sla_clock *c)
{
    const struct cfg_sla_prio *row = &sla->prio[p < PRIO_WORKORDER_COUNT ? p : PRIO_NORMAL];
    c->due[SLA_NOTIFY] = created_ms + row->notify_ms;
    c->due[SLA_RESPOND] = created_ms + row->respond_ms;
    c->due[SLA_RESOLVE] = created_ms + row->resolve_ms;
    c->escalated = 0;
}

static int stage_pending(const struct sla_clock *c, enum wo_status st, int k)
{
    return wo_status_is_open(st) && st < stage_met_by[k] && !(c->escalated & (1u << k));
}

int sla_overdue(const struct sla_clock *c, enum wo_status st, int64_t now_ms)
{
    for (int k = 0; k < SLA_STAGES; k++)
        if (stage_pending(c, st, k) && now_ms >= c->due[k]) return k;
    return -1;
}

int64_t sla_next_due(const struct sla_clock *c, enum wo_status st)
{
    int64_t next = 0;
    for (int k = 0; k < SLA_STAGES; k++)
        if (stage_pending(c, st, k) && (next == 0 || c->due[k] < next)) next = c->due[k];
    return next;
}

const char *sla_role(const struct cfg_sla *sla, int level)
{
    if (sla->n_escalation == 0) return "technician";
    if (level < 0) level = 0;
    if ((size_t)level >= sla->n_escalation) level = (int)sla->n_escalation - 1;
    return sla->escalation[level];
}
