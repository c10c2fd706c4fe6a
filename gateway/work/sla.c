/* sla.c - see sla.h. */
#include "gateway/work/sla.h"
#include "gateway/base/error.h"

#include <string.h>
#include <time.h>

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

int sla_after_hours(const struct cfg_sla_after_hours *ah, int64_t ms)
{
    if (ah->from_min == ah->to_min) return 0;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (!localtime_r(&secs, &tm)) return 0;
    int m = tm.tm_hour * 60 + tm.tm_min;
    if (ah->from_min < ah->to_min) return m >= ah->from_min && m < ah->to_min;
    return m >= ah->from_min || m < ah->to_min; /* across midnight */
}

int sla_start(const struct cfg_sla *sla, enum priority p, int64_t created_ms, struct sla_clock *c)
{
    const struct cfg_sla_prio *row = &sla->prio[p < PRIO_WORKORDER_COUNT ? p : PRIO_NORMAL];
    c->due[SLA_NOTIFY] = created_ms + row->notify_ms;
    c->due[SLA_RESPOND] = created_ms + row->respond_ms;
    c->due[SLA_RESOLVE] = created_ms + row->resolve_ms;
    c->escalated = 0;
    const struct cfg_sla_after_hours *ah = &sla->after_hours;
    if (p != PRIO_EMERGENCY || ah->respond_ms <= 0 || !sla_after_hours(ah, created_ms)) return 0;
    if (created_ms + ah->respond_ms < c->due[SLA_RESPOND])
        c->due[SLA_RESPOND] = created_ms + ah->respond_ms;
    return 1;
}

int wo_transition(enum wo_status from, enum wo_status to, const char **why)
{
    static const char *const next_step[] = {
        "one step at a time: open -> accepted (accept it first)",
        "one step at a time: accepted -> on_site (be on site first)",
        "one step at a time: on_site -> resolved (resolve it first)",
        "one step at a time: resolved -> closed",
    };
    if (to == from) return 1;
    if (!wo_status_is_open(from)) {
        *why = from == WO_CLOSED ? "the work order is closed" : "the work order is cancelled";
        return ST_ERR_STATE;
    }
    if (to == WO_CANCELLED) {
        if (from < WO_RESOLVED) return 0;
        *why = "a resolved work order cannot be cancelled";
        return ST_ERR_STATE;
    }
    if (to < from) {
        *why = "status only moves forward (a not-satisfied follow-up reopens an order)";
        return ST_ERR_STATE;
    }
    if (to == from + 1) return 0;
    *why = next_step[from];
    return ST_ERR_STATE;
}

int64_t sla_follow_up_ms(const struct cfg_sla *sla, const char *category)
{
    for (size_t i = 0; category && i < sla->follow_up.n_cat; i++)
        if (strcmp(sla->follow_up.cat[i].category, category) == 0) return sla->follow_up.cat[i].ms;
    return sla->follow_up.after_ms > 0 ? sla->follow_up.after_ms : 3 * 24 * 3600 * 1000LL;
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
