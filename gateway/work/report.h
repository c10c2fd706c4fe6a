/*
 * report.h - the work-order reports, computed from the store alone (so the running gateway and
 * `steward report` read the same rows and say the same thing, across restarts):
 *
 *   the morning report (晨会, DOMAIN.md section 5) at review.report_at, published retained on
 *   P/reports/daily: the orders raised before 17:00 yesterday and still unresolved, those raised
 *   after it (with their deadline of 17:00 today), the overdue and the escalated ones, the
 *   follow-ups due by the end of the day, and yesterday's counts per priority;
 *
 *   the monthly KPIs (DOMAIN.md section 6) of one calendar month.
 *
 * Days, 17:00 and months are in the process's local time zone (the site's); every time in the
 * JSON is UTC (clock_iso). The orders are found through their `workorder` events (action
 * "created"), so an order whose events were trimmed (storage.max_size) is not counted.
 */
#ifndef STEWARD_REPORT_H
#define STEWARD_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "config/config.h"

struct store;

/* The first review.report_at (local) strictly after now_ms. */
int64_t report_next(const struct config *cfg, int64_t now_ms);
/* The latest review.report_at at or before now_ms. */
int64_t report_last(const struct config *cfg, int64_t now_ms);
/* review.report_at on the local date "YYYY-MM-DD". Returns 0 or ST_ERR_INVAL. */
int report_at_date(const struct config *cfg, const char *date, int64_t *at_ms);

/*
 * The morning report for the meeting whose report time is at_ms, as seen at now_ms (the orders'
 * current state; "overdue" at now_ms). *out is a new object. Returns 0 or an st_err.
 */
int report_daily(struct store *s, const struct config *cfg, int64_t at_ms, int64_t now_ms,
                 json_t **out);

/*
 * The monthly KPIs of month mon (1-12) of year, at now_ms, per priority ("emergency", "urgent",
 * "normal") and "overall", in *out (a new object): raised (repairs, planned), cancelled; the
 * shares of repairs accepted by notify_by, on site by respond_by, resolved by resolve_by; the
 * on-time handling rate (all three met) against 90 %; mean and p90 seconds to accept and to
 * resolve; escalations per level; follow-up rate and satisfaction; planned maintenance done on
 * time. An order counts in the month it was raised; a share leaves out what is not decided yet
 * (a deadline still to come) and cancelled orders. Returns 0 or an st_err.
 */
int report_month(struct store *s, const struct config *cfg, int year, int mon, int64_t now_ms,
                 json_t **out);

/* The on-time handling target of the standard. */
#define REPORT_ON_TIME_TARGET 0.90

#endif
