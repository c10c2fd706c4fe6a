/*
 * report_alarms.c - `steward report alarms -c FILE --month YYYY-MM [--json]` (cli.h): the month's
 * alarm system measured as ISA-18.2 (section 16, alarm performance monitoring) and EEMUA 191 do.
 *
 * Everything comes from the events table of the site's database, opened read-only, so the report
 * works while the gateway runs. The month is the site's local month. Events before it are read
 * too, for what it inherits: an alarm already active, a shelf or a flood already begun, an alarm
 * already out of service. A month not over yet is measured up to now.
 *
 * The site is one operator position (the control room that receives P/alarms), so "per operator"
 * is per site. A raise is an event with transition "raised"; an alarm is active from its raise to
 * the first transition into a state that is not active_*; shelved from "shelved" to "unshelved"
 * (or leaving the shelved state, or the shelf's "until", whichever comes first); out of service
 * from "out_of_service" to "in_service" (or leaving that state); in flood from a flood "begin"
 * event to its "end".
 */
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "config/duration.h"
#include "gateway/cli/cli.h"
#include "gateway/cli/raise_window.h"
#include "gateway/cli/status.h"
#include "gateway/store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKET_MS (10 * 60 * 1000LL)  /* the 10-minute period of ISA-18.2 and EEMUA 191 */
#define FLOOD_RATE 10                 /* more than this per 10 minutes: a flood period */
#define STALE_MS (24 * 3600 * 1000LL) /* active longer than this: a stale alarm */
#define TOP_N 10
#define NO_END INT64_MAX

struct astat {
    char id[80], priority[16];
    int raised;                  /* raises within the month */
    struct raise_window chatter; /* the month's raises, against chatter.window */
    int64_t active_since;        /* 0 when not active */
    int64_t shelf_from, shelf_until;
    int shelves;
    int64_t shelved_ms;
    int64_t oos_from;
    int oos;
    int64_t oos_ms;
};

struct stale {
    char id[80];
    int64_t since, until; /* until 0: still active at the end of the period */
};

struct report {
    int64_t start, end, until; /* the month [start, end); measured up to until */
    struct astat *a;
    size_t n, cap;
    struct stale *stale;
    size_t n_stale, cap_stale;
    int *bucket;
    size_t n_buckets;
    int raised, by_priority[PRIO_COUNT + 1]; /* the last: a priority not known */
    int64_t flood_from, flood_ms;
    int floods;
    int64_t first;     /* the earliest event in the database (older ones may have been trimmed) */
    int chatter_count; /* more raises than this within chatter_window: chattering (config) */
    int64_t chatter_window;
    int nomem;
};

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int64_t jtime(const json_t *o, const char *key)
{
    int64_t ms;
    const char *s = jstr(o, key);
    return s && clock_parse_iso(s, &ms) == ST_OK ? ms : 0;
}

/* The part of [from, to) within the measured period. */
static int64_t clipped(const struct report *r, int64_t from, int64_t to)
{
    if (from < r->start) from = r->start;
    if (to > r->until) to = r->until;
    return to > from ? to - from : 0;
}

static struct astat *stat_of(struct report *r, const char *id, const char *priority)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->a[i].id, id) == 0) {
            if (priority) snprintf(r->a[i].priority, sizeof(r->a[i].priority), "%s", priority);
            return &r->a[i];
        }
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 32;
        struct astat *nv = realloc(r->a, nc * sizeof(*nv));
        if (!nv) return NULL;
        r->a = nv;
        r->cap = nc;
    }
    struct astat *a = &r->a[r->n++];
    memset(a, 0, sizeof(*a));
    snprintf(a->id, sizeof(a->id), "%s", id);
    snprintf(a->priority, sizeof(a->priority), "%s", priority ? priority : "");
    return a;
}

static void note_stale(struct report *r, const struct astat *a, int64_t until)
{
    int64_t end = until ? until : r->until;
    if (end - a->active_since <= STALE_MS || end <= r->start || a->active_since >= r->until) return;
    if (r->n_stale == r->cap_stale) {
        size_t nc = r->cap_stale ? r->cap_stale * 2 : 16;
        struct stale *nv = realloc(r->stale, nc * sizeof(*nv));
        if (!nv) {
            r->nomem = 1;
            return;
        }
        r->stale = nv;
        r->cap_stale = nc;
    }
    struct stale *s = &r->stale[r->n_stale++];
    snprintf(s->id, sizeof(s->id), "%s", a->id);
    s->since = a->active_since;
    s->until = until;
}

static void count_raise(struct report *r, struct astat *a, int64_t ts)
{
    if (ts < r->start || ts >= r->until) return;
    r->raised++;
    r->bucket[(ts - r->start) / BUCKET_MS]++;
    enum priority p;
    r->by_priority[priority_parse(a->priority, &p) == ST_OK ? (int)p : PRIO_COUNT]++;
    a->raised++;
    if (raise_window_add(&a->chatter, ts, r->chatter_window)) r->nomem = 1;
}

static void shelf_end(struct report *r, struct astat *a, int64_t ts)
{
    if (!a->shelf_from) return;
    a->shelved_ms += clipped(r, a->shelf_from, ts < a->shelf_until ? ts : a->shelf_until);
    a->shelf_from = 0;
}

static void oos_end(struct report *r, struct astat *a, int64_t ts)
{
    if (!a->oos_from) return;
    a->oos_ms += clipped(r, a->oos_from, ts);
    a->oos_from = 0;
}

static int on_alarm_event(void *ctx, int64_t seq, const char *json)
{
    (void)seq;
    struct report *r = ctx;
    json_error_t jerr;
    json_t *ev = json_loads(json, 0, &jerr);
    const char *id = jstr(ev, "alarm"), *t = jstr(ev, "transition");
    const char *from = jstr(ev, "from"), *to = jstr(ev, "to");
    int64_t ts = jtime(ev, "ts");
    if (ts && (!r->first || ts < r->first)) r->first = ts;
    if (!id || !t || !ts || ts >= r->until) goto out;
    struct astat *a = stat_of(r, id, jstr(ev, "priority"));
    if (!a) {
        r->nomem = 1;
        goto out;
    }
    from = from ? from : "";
    to = to ? to : "";
    if (strcmp(t, "raised") == 0) {
        count_raise(r, a, ts);
        if (!a->active_since) a->active_since = ts;
    } else if (a->active_since && strncmp(to, "active", 6) != 0) {
        note_stale(r, a, ts);
        a->active_since = 0;
    }
    if (strcmp(t, "shelved") == 0) {
        shelf_end(r, a, ts); /* shelved again: a new end */
        int64_t until = jtime(ev, "until");
        a->shelf_from = ts;
        a->shelf_until = until ? until : NO_END;
        a->shelves += ts >= r->start;
    } else if (strcmp(t, "unshelved") == 0 || (!strcmp(from, "shelved") && strcmp(to, "shelved"))) {
        shelf_end(r, a, ts);
    }
    if (strcmp(t, "out_of_service") == 0 || (!strcmp(to, "out_of_service") && !a->oos_from)) {
        if (!a->oos_from) {
            a->oos_from = ts;
            a->oos += ts >= r->start;
        }
    } else if (strcmp(t, "in_service") == 0 ||
               (!strcmp(from, "out_of_service") && strcmp(to, "out_of_service"))) {
        oos_end(r, a, ts);
    }
out:
    json_decref(ev);
    return 0;
}

static int on_flood_event(void *ctx, int64_t seq, const char *json)
{
    (void)seq;
    struct report *r = ctx;
    json_error_t jerr;
    json_t *ev = json_loads(json, 0, &jerr);
    const char *state = jstr(ev, "state");
    int64_t ts = jtime(ev, "ts");
    if (ts && (!r->first || ts < r->first)) r->first = ts;
    if (state && ts && ts < r->until) {
        if (strcmp(state, "begin") == 0 && !r->flood_from) {
            r->flood_from = ts;
            r->floods += ts >= r->start;
        } else if (strcmp(state, "end") == 0 && r->flood_from) {
            r->flood_ms += clipped(r, r->flood_from, ts);
            r->flood_from = 0;
        }
    }
    json_decref(ev);
    return 0;
}

/* What is still going on when the period ends. */
static void finish(struct report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct astat *a = &r->a[i];
        if (a->active_since) note_stale(r, a, 0);
        shelf_end(r, a, r->until);
        oos_end(r, a, r->until);
    }
    if (r->flood_from) r->flood_ms += clipped(r, r->flood_from, r->until);
}

static int by_raises(const void *x, const void *y)
{
    const struct astat *a = x, *b = y;
    if (a->raised != b->raised) return a->raised < b->raised ? 1 : -1;
    return strcmp(a->id, b->id);
}

static int parse_month(const char *s, int *year, int *mon)
{
    char tail;
    if (!s || strlen(s) != 7 || s[4] != '-' || sscanf(s, "%4d-%2d%c", year, mon, &tail) != 2 ||
        *year < 1970 || *mon < 1 || *mon > 12)
        return ST_ERR_INVAL;
    return ST_OK;
}

/* ---- output ---- */

static json_t *iso_or_null(int64_t ms)
{
    char buf[CLOCK_ISO_LEN];
    return ms ? json_string(clock_iso(ms, buf)) : json_null();
}

static double share(int64_t part, int64_t whole)
{
    return whole > 0 ? (double)part / (double)whole : 0.0;
}

struct figures {
    double average;
    int peak;
    int64_t peak_at;
    int over;
    int top_raised;
    size_t n_top;
};

static void figures_of(const struct report *r, struct figures *f)
{
    memset(f, 0, sizeof(*f));
    f->average = r->n_buckets ? (double)r->raised / (double)r->n_buckets : 0.0;
    for (size_t i = 0; i < r->n_buckets; i++) {
        if (r->bucket[i] > f->peak) {
            f->peak = r->bucket[i];
            f->peak_at = r->start + (int64_t)i * BUCKET_MS;
        }
        f->over += r->bucket[i] > FLOOD_RATE;
    }
    for (size_t i = 0; i < r->n && i < TOP_N && r->a[i].raised; i++) {
        f->top_raised += r->a[i].raised;
        f->n_top++;
    }
}

static int print_json(const struct config *cfg, const char *month, const struct report *r,
                      FILE *out)
{
    struct figures f;
    figures_of(r, &f);
    int64_t period = r->until - r->start;
    json_t *doc = json_object(), *rate = json_object(), *prio = json_object();
    json_t *flood = json_object(), *top = json_array(), *chat = json_array();
    json_t *stale = json_array(), *shelved = json_array(), *oos = json_array();
    json_object_set_new(doc, "site", json_string(cfg->site.id));
    json_object_set_new(doc, "month", json_string(month));
    json_object_set_new(doc, "from", iso_or_null(r->start));
    json_object_set_new(doc, "to", iso_or_null(r->end));
    json_object_set_new(doc, "measured_until", iso_or_null(r->until));
    json_object_set_new(doc, "history_from", iso_or_null(r->first));
    json_object_set_new(doc, "operators", json_integer(1));
    json_object_set_new(doc, "alarms_raised", json_integer(r->raised));
    json_object_set_new(rate, "periods", json_integer((json_int_t)r->n_buckets));
    json_object_set_new(rate, "average", json_real(f.average));
    json_object_set_new(rate, "peak", json_integer(f.peak));
    json_object_set_new(rate, "peak_at", iso_or_null(f.peak ? f.peak_at : 0));
    json_object_set_new(rate, "periods_over_10", json_integer(f.over));
    json_object_set_new(rate, "share_over_10", json_real(share(f.over, (int64_t)r->n_buckets)));
    json_object_set_new(doc, "per_operator_per_10min", rate);
    for (int p = 0; p < PRIO_COUNT; p++)
        json_object_set_new(prio, priority_name((enum priority)p), json_integer(r->by_priority[p]));
    if (r->by_priority[PRIO_COUNT])
        json_object_set_new(prio, "other", json_integer(r->by_priority[PRIO_COUNT]));
    json_object_set_new(doc, "by_priority", prio);
    json_object_set_new(flood, "floods", json_integer(r->floods));
    json_object_set_new(flood, "seconds", json_integer(r->flood_ms / 1000));
    json_object_set_new(flood, "share", json_real(share(r->flood_ms, period)));
    json_object_set_new(doc, "flood", flood);
    for (size_t i = 0; i < f.n_top; i++)
        json_array_append_new(top, json_pack("{s:s, s:s, s:i, s:f}", "alarm", r->a[i].id,
                                             "priority", r->a[i].priority, "raised", r->a[i].raised,
                                             "share", share(r->a[i].raised, r->raised)));
    json_object_set_new(doc, "most_frequent", top);
    json_object_set_new(doc, "top10_share", json_real(share(f.top_raised, r->raised)));
    char window[32];
    duration_format(r->chatter_window, window, sizeof(window));
    for (size_t i = 0; i < r->n; i++) {
        const struct astat *a = &r->a[i];
        if (a->chatter.max > r->chatter_count)
            json_array_append_new(chat,
                                  json_pack("{s:s, s:i, s:i, s:s, s:o}", "alarm", a->id, "raised",
                                            a->raised, "max_in_window", a->chatter.max, "window",
                                            window, "at", iso_or_null(a->chatter.max_at)));
        if (a->shelves || a->shelved_ms)
            json_array_append_new(shelved, json_pack("{s:s, s:i, s:I}", "alarm", a->id, "shelves",
                                                     a->shelves, "seconds",
                                                     (json_int_t)(a->shelved_ms / 1000)));
        if (a->oos || a->oos_ms)
            json_array_append_new(oos, json_pack("{s:s, s:i, s:I}", "alarm", a->id, "times", a->oos,
                                                 "seconds", (json_int_t)(a->oos_ms / 1000)));
    }
    for (size_t i = 0; i < r->n_stale; i++) {
        const struct stale *s = &r->stale[i];
        int64_t end = s->until ? s->until : r->until;
        json_array_append_new(stale,
                              json_pack("{s:s, s:o, s:o, s:f}", "alarm", s->id, "since",
                                        iso_or_null(s->since), "until", iso_or_null(s->until),
                                        "hours", (double)(end - s->since) / 3600000.0));
    }
    json_object_set_new(doc, "chattering", chat);
    json_object_set_new(doc, "active_over_24h", stale);
    json_object_set_new(doc, "shelved", shelved);
    json_object_set_new(doc, "out_of_service", oos);
    int rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    fputc('\n', out);
    json_decref(doc);
    return rc;
}

static void print_text(const struct config *cfg, const char *month, const struct report *r,
                       FILE *out)
{
    struct figures f;
    figures_of(r, &f);
    int64_t period = r->until - r->start;
    char a[CLOCK_LOCAL_LEN], b[CLOCK_LOCAL_LEN], span[32];
    fprintf(out, "Alarm report %s, %s (%s), one operator position\n", month,
            cfg->site.name ? cfg->site.name : cfg->site.id, cfg->site.id);
    fprintf(out, "from %s to %s%s\n\n", clock_local(r->start, a), clock_local(r->until, b),
            r->until < r->end ? " (the month is not over)" : "");
    if (!r->first || r->first > r->start)
        fprintf(out, "the database's history begins %s: the month is not covered in full\n",
                r->first ? clock_local(r->first, a) : "after it (no events)");
    fprintf(out, "%-46s %-34s %s\n", "", "this month", "ISA-18.2 target");
    fprintf(out, "%-46s %d\n", "alarms raised", r->raised);
    fprintf(out, "%-46s %-34.3f %s\n", "per operator per 10 minutes, average", f.average,
            "about 1, 2 at most");
    char peak[64] = "0";
    if (f.peak) snprintf(peak, sizeof(peak), "%d (%s)", f.peak, clock_local(f.peak_at, a));
    fprintf(out, "%-46s %-34s %s\n", "per operator per 10 minutes, peak", peak, "10 at most");
    char over[64];
    snprintf(over, sizeof(over), "%d of %zu (%.2f %%)", f.over, r->n_buckets,
             100.0 * share(f.over, (int64_t)r->n_buckets));
    fprintf(out, "%-46s %-34s %s\n", "10-minute periods with more than 10 alarms", over,
            "under 1 %");
    char fl[64];
    snprintf(fl, sizeof(fl), "%.2f %% (%d began, %s)", 100.0 * share(r->flood_ms, period),
             r->floods, status_span(r->flood_ms, span, sizeof(span)));
    fprintf(out, "%-46s %-34s %s\n", "time in flood", fl, "under 1 %");
    char pr[96];
    snprintf(pr, sizeof(pr), "%d / %d / %d / %d", r->by_priority[PRIO_EMERGENCY],
             r->by_priority[PRIO_URGENT], r->by_priority[PRIO_NORMAL], r->by_priority[PRIO_INFO]);
    fprintf(out, "%-46s %-34s %s\n", "raised: emergency / urgent / normal / info", pr,
            "about 5 / 15 / 80 % high to low");
    int n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->a[i].chatter.max > r->chatter_count;
    fprintf(out, "%-46s %-34d %s\n", "chattering alarms", n, "none");
    n = 0;
    for (size_t i = 0; i < r->n_stale; i++)
        n += !r->stale[i].until;
    fprintf(out, "%-46s %-34d %s\n", "active for more than 24 hours, at the end", n,
            "under 5 on any day");

    fprintf(out, "\nthe %d most frequent alarms (%.0f %% of all raised)\n", TOP_N,
            100.0 * share(f.top_raised, r->raised));
    fprintf(out, "  %-24s %-10s %8s %8s\n", "alarm", "priority", "raised", "share");
    for (size_t i = 0; i < f.n_top; i++)
        fprintf(out, "  %-24s %-10s %8d %7.1f%%\n", r->a[i].id, r->a[i].priority, r->a[i].raised,
                100.0 * share(r->a[i].raised, r->raised));
    if (!f.n_top) fprintf(out, "  none\n");

    char window[32];
    duration_format(r->chatter_window, window, sizeof(window));
    fprintf(out, "\nchattering alarms (more than %d raises within %s)\n", r->chatter_count, window);
    n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->a[i].chatter.max > r->chatter_count && ++n)
            fprintf(out, "  %-24s %d raises within %s at %s\n", r->a[i].id, r->a[i].chatter.max,
                    window, clock_local(r->a[i].chatter.max_at, a));
    if (!n) fprintf(out, "  none\n");

    fprintf(out, "\nalarms active for more than 24 hours\n");
    for (size_t i = 0; i < r->n_stale; i++) {
        const struct stale *s = &r->stale[i];
        int64_t end = s->until ? s->until : r->until;
        fprintf(out, "  %-24s %-10s since %s, %s%s\n", s->id, status_span(end - s->since, span, 32),
                clock_local(s->since, a), s->until ? "until " : "still active",
                s->until ? clock_local(s->until, b) : "");
    }
    if (!r->n_stale) fprintf(out, "  none\n");

    fprintf(out, "\nshelved\n  %-24s %-10s %s\n", "alarm", "time", "shelves");
    n = 0;
    for (size_t i = 0; i < r->n; i++)
        if ((r->a[i].shelves || r->a[i].shelved_ms) && ++n)
            fprintf(out, "  %-24s %-10s %d\n", r->a[i].id,
                    status_span(r->a[i].shelved_ms, span, 32), r->a[i].shelves);
    if (!n) fprintf(out, "  none\n");

    fprintf(out, "\nout of service\n  %-24s %-10s %s\n", "alarm", "time", "times");
    n = 0;
    for (size_t i = 0; i < r->n; i++)
        if ((r->a[i].oos || r->a[i].oos_ms) && ++n)
            fprintf(out, "  %-24s %-10s %d\n", r->a[i].id, status_span(r->a[i].oos_ms, span, 32),
                    r->a[i].oos);
    if (!n) fprintf(out, "  none\n");
}

int cli_report_alarms(const struct config *cfg, const struct cli_opts *o, FILE *out)
{
    int year, mon;
    if (parse_month(o->month, &year, &mon)) {
        fprintf(stderr, "steward: report alarms needs --month YYYY-MM (e.g. 2026-11)\n");
        return 1;
    }
    struct report r = {.chatter_count = cfg->chatter.count,
                       .chatter_window = cfg->chatter.window_ms};
    r.start = clock_local_ms(year - 1900, mon - 1, 1, 0, 0);
    r.end = clock_local_ms(year - 1900, mon, 1, 0, 0);
    int64_t now = clock_wall_ms();
    r.until = r.end < now ? r.end : now;
    if (r.until <= r.start) {
        fprintf(stderr, "steward: %s has not begun\n", o->month);
        return 1;
    }
    r.n_buckets = (size_t)((r.until - r.start + BUCKET_MS - 1) / BUCKET_MS);
    r.bucket = calloc(r.n_buckets, sizeof(*r.bucket));
    if (!r.bucket) return 2;

    struct store *s;
    int code = 2;
    if (store_open(cfg->storage.path, 1, &s) != ST_OK) {
        fprintf(stderr, "steward: cannot read the database %s\n", cfg->storage.path);
        goto out_free;
    }
    int rc = store_events_since(s, "alarm", 0, on_alarm_event, &r);
    if (rc == ST_OK) rc = store_events_since(s, "flood", 0, on_flood_event, &r);
    store_close(s);
    if (rc != ST_OK || r.nomem) {
        fprintf(stderr, "steward: reading the events of %s: %s\n", cfg->storage.path,
                st_strerror(rc ? rc : ST_ERR_NOMEM));
        goto out_free;
    }
    finish(&r);
    if (r.nomem) goto out_free;
    qsort(r.a, r.n, sizeof(*r.a), by_raises);
    if (o->json)
        print_json(cfg, o->month, &r, out);
    else
        print_text(cfg, o->month, &r, out);
    code = fflush(out) == 0 && !ferror(out) ? 0 : 2;
out_free:
    for (size_t i = 0; i < r.n; i++)
        raise_window_free(&r.a[i].chatter);
    free(r.a);
    free(r.stale);
    free(r.bucket);
    return code;
}
