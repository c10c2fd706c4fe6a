/* report_work.c - see cli.h: the morning report and the monthly KPIs, computed from the database
 * (read-only) by gateway/work/report.h, the same code the gateway publishes P/reports/daily
 * with. Times for people are local with their offset; --json keeps UTC. */
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/cli/cli.h"
#include "gateway/store/store.h"
#include "gateway/work/report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An ISO time of a JSON member as local time for people, or "-". */
static const char *local_of(const json_t *o, const char *key, char *buf)
{
    int64_t ms;
    const char *s = json_string_value(json_object_get(o, key));
    if (!s || clock_parse_iso(s, &ms)) return "-";
    return clock_local(ms, buf);
}

static const char *str_of(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "-";
}

static void print_list(FILE *out, const json_t *r, const char *key, const char *heading,
                       const char *time_key, const char *time_label)
{
    const json_t *list = json_object_get(r, key);
    fprintf(out, "\n%s: %zu\n", heading, json_array_size(list));
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        char a[CLOCK_LOCAL_LEN], b[CLOCK_LOCAL_LEN];
        fprintf(out, "  %-24s %-9s %-9s raised %s", str_of(e, "id"), str_of(e, "priority"),
                str_of(e, "status"), local_of(e, "created_at", a));
        if (time_key) fprintf(out, "  %s %s", time_label, local_of(e, time_key, b));
        json_int_t lvl = json_integer_value(json_object_get(e, "escalation_level"));
        if (lvl) fprintf(out, "  level %lld", (long long)lvl);
        fprintf(out, "\n  %24s %s\n", "", str_of(e, "title"));
    }
}

static void print_daily(FILE *out, const json_t *r)
{
    char a[CLOCK_LOCAL_LEN], b[CLOCK_LOCAL_LEN];
    fprintf(out, "Morning report %s, site %s (report time %s)\n", str_of(r, "date"),
            str_of(r, "site"), local_of(r, "report_at", a));
    fprintf(out, "generated %s\n", local_of(r, "generated_at", b));
    print_list(out, r, "raised_before_cutoff", "Raised before 17:00 yesterday, unresolved", NULL,
               NULL);
    print_list(out, r, "raised_after_cutoff", "Raised after 17:00 yesterday, unresolved",
               "deadline", "deadline");
    print_list(out, r, "overdue", "Overdue", "resolve_by", "resolve by");
    print_list(out, r, "escalated", "Escalated", NULL, NULL);
    print_list(out, r, "follow_ups_due", "Follow-ups due", "follow_up_by", "follow up by");
    fprintf(out, "\nYesterday:   raised  resolved  escalations\n");
    const char *key;
    json_t *c;
    json_object_foreach((json_t *)json_object_get(r, "yesterday"), key, c)
    {
        fprintf(out, "  %-10s %6lld %9lld %12lld\n", key,
                (long long)json_integer_value(json_object_get(c, "raised")),
                (long long)json_integer_value(json_object_get(c, "resolved")),
                (long long)json_integer_value(json_object_get(c, "escalations")));
    }
}

/* A share as a percentage, or "-" when nothing is decided. */
static const char *pct(const json_t *o, const char *key, char *buf, size_t len)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) return "-";
    snprintf(buf, len, "%.1f%%", json_number_value(v) * 100.0);
    return buf;
}

static const char *secs(const json_t *o, const char *stat, const char *key, char *buf, size_t len)
{
    const json_t *v = json_object_get(json_object_get(o, stat), key);
    if (!json_is_number(v)) return "-";
    double s = json_number_value(v);
    if (s < 3600)
        snprintf(buf, len, "%.1fm", s / 60);
    else
        snprintf(buf, len, "%.1fh", s / 3600);
    return buf;
}

static const char *const groups[] = {"emergency", "urgent", "normal", "overall"};

static void print_month_csv(FILE *out, const json_t *r)
{
    fputs("group,raised_repairs,raised_planned,cancelled,accepted_by_notify,on_site_by_respond,"
          "resolved_by_resolve,on_time_rate,meets_target,accept_mean_s,accept_p90_s,"
          "resolve_mean_s,resolve_p90_s,escalations,follow_up_rate,satisfaction,planned_on_time\n",
          out);
    for (size_t i = 0; i < 4; i++) {
        const json_t *g = json_object_get(json_object_get(r, "groups"), groups[i]);
        fprintf(out, "%s,%lld,%lld,%lld", groups[i],
                (long long)json_integer_value(json_object_get(g, "raised_repairs")),
                (long long)json_integer_value(json_object_get(g, "raised_planned")),
                (long long)json_integer_value(json_object_get(g, "cancelled")));
        static const char *const shares[] = {"accepted_by_notify", "on_site_by_respond",
                                             "resolved_by_resolve", "on_time_rate"};
        for (size_t k = 0; k < 4; k++) {
            const json_t *v = json_object_get(g, shares[k]);
            json_is_number(v) ? fprintf(out, ",%.4f", json_number_value(v)) : fputs(",", out);
        }
        const json_t *meets = json_object_get(g, "meets_target");
        fputs(json_is_boolean(meets) ? (json_is_true(meets) ? ",yes" : ",no") : ",", out);
        static const char *const durs[][2] = {{"time_to_accept", "mean_s"},
                                              {"time_to_accept", "p90_s"},
                                              {"time_to_resolve", "mean_s"},
                                              {"time_to_resolve", "p90_s"}};
        for (size_t k = 0; k < 4; k++) {
            const json_t *v = json_object_get(json_object_get(g, durs[k][0]), durs[k][1]);
            json_is_number(v) ? fprintf(out, ",%.0f", json_number_value(v)) : fputs(",", out);
        }
        fputs(",", out);
        const char *lvl;
        json_t *n;
        int first = 1;
        json_object_foreach((json_t *)json_object_get(g, "escalations"), lvl, n)
        {
            fprintf(out, "%s%s:%lld", first ? "" : " ", lvl, (long long)json_integer_value(n));
            first = 0;
        }
        static const char *const tail[] = {"follow_up_rate", "satisfaction", "planned_on_time"};
        for (size_t k = 0; k < 3; k++) {
            const json_t *v = json_object_get(g, tail[k]);
            json_is_number(v) ? fprintf(out, ",%.4f", json_number_value(v)) : fputs(",", out);
        }
        fputs("\n", out);
    }
}

static void print_month(FILE *out, const json_t *r)
{
    char a[CLOCK_LOCAL_LEN], b[CLOCK_LOCAL_LEN];
    fprintf(out, "Monthly KPIs %s, site %s (%s to %s)\n", str_of(r, "month"), str_of(r, "site"),
            local_of(r, "from", a), local_of(r, "to", b));
    fprintf(out, "%-30s %10s %10s %10s %10s\n", "", groups[0], groups[1], groups[2], groups[3]);
    const json_t *gs = json_object_get(r, "groups");
    static const struct {
        const char *label, *key, *stat;
        int kind; /* 0 count, 1 share, 2 duration */
    } lines[] = {
        {"repairs raised", "raised_repairs", NULL, 0},
        {"planned raised", "raised_planned", NULL, 0},
        {"cancelled", "cancelled", NULL, 0},
        {"accepted by notify_by", "accepted_by_notify", NULL, 1},
        {"on site by respond_by", "on_site_by_respond", NULL, 1},
        {"resolved by resolve_by", "resolved_by_resolve", NULL, 1},
        {"on time (target 90 %)", "on_time_rate", NULL, 1},
        {"time to accept, mean", "time_to_accept", "mean_s", 2},
        {"time to accept, p90", "time_to_accept", "p90_s", 2},
        {"time to resolve, mean", "time_to_resolve", "mean_s", 2},
        {"time to resolve, p90", "time_to_resolve", "p90_s", 2},
        {"follow-up rate (target 100 %)", "follow_up_rate", NULL, 1},
        {"satisfied", "satisfaction", NULL, 1},
        {"planned maintenance on time", "planned_on_time", NULL, 1},
    };
    for (size_t l = 0; l < sizeof(lines) / sizeof(lines[0]); l++) {
        fprintf(out, "%-30s", lines[l].label);
        for (size_t i = 0; i < 4; i++) {
            const json_t *g = json_object_get(gs, groups[i]);
            char buf[32];
            if (lines[l].kind == 0)
                snprintf(buf, sizeof(buf), "%lld",
                         (long long)json_integer_value(json_object_get(g, lines[l].key)));
            fprintf(out, " %10s",
                    lines[l].kind == 0   ? buf
                    : lines[l].kind == 1 ? pct(g, lines[l].key, buf, sizeof(buf))
                                         : secs(g, lines[l].key, lines[l].stat, buf, sizeof(buf)));
        }
        fputs("\n", out);
    }
    const json_t *overall = json_object_get(gs, "overall");
    const char *lvl;
    json_t *n;
    fprintf(out, "%-30s", "escalations per level");
    json_object_foreach((json_t *)json_object_get(overall, "escalations"), lvl, n)
    {
        fprintf(out, " %s:%lld", lvl, (long long)json_integer_value(n));
    }
    const json_t *meets = json_object_get(overall, "meets_target");
    fprintf(out, "\non-time handling %s the standard's 90 %%\n",
            json_is_boolean(meets) ? (json_is_true(meets) ? "meets" : "falls short of")
                                   : "cannot yet be judged against");
}

int cli_report_work(const struct config *cfg, const struct cli_opts *o, FILE *out)
{
    int daily = o->npos >= 1 && strcmp(o->pos[0], "daily") == 0;
    int year = 0, mon = 0;
    char end;
    if (!daily && (!o->month || sscanf(o->month, "%4d-%2d%c", &year, &mon, &end) != 2 || mon < 1 ||
                   mon > 12 || strlen(o->month) != 7)) {
        fprintf(stderr, "steward: usage: steward report daily -c FILE [--date YYYY-MM-DD] "
                        "[--json], or steward report -c FILE --month YYYY-MM [--json|--csv]\n");
        return 1;
    }
    int64_t now = clock_wall_ms(), at = 0;
    if (daily && o->date && report_at_date(cfg, o->date, &at)) {
        fprintf(stderr, "steward: --date must be YYYY-MM-DD\n");
        return 1;
    }
    if (daily && !o->date) at = report_last(cfg, now);
    struct store *s = NULL;
    if (store_open(cfg->storage.path, 1, &s) != ST_OK) {
        fprintf(stderr, "steward: cannot open the database %s\n", cfg->storage.path);
        return 2;
    }
    json_t *r = NULL;
    int rc = daily ? report_daily(s, cfg, at, now, &r) : report_month(s, cfg, year, mon, now, &r);
    store_close(s);
    if (rc) {
        fprintf(stderr, "steward: the database could not be read (%s)\n", st_strerror(rc));
        return 2;
    }
    if (o->json) {
        char *text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text) fprintf(out, "%s\n", text);
        free(text);
    } else if (!daily && o->csv) {
        print_month_csv(out, r);
    } else if (daily) {
        print_daily(out, r);
    } else {
        print_month(out, r);
    }
    json_decref(r);
    return fflush(out) == 0 && !ferror(out) ? 0 : 2;
}
