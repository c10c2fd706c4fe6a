/*
 * rules_test.c - `steward rules test -c FILE --replay DATA.csv` (cli.h): the configuration's
 * rules over recorded samples, before they are switched on.
 *
 * The samples are read and checked in full first, so a malformed file changes nothing and prints
 * nothing but its errors. Then the real alarm table, work-order table and timer registry run on
 * the fake clock, moved from sample to sample; the timers due on the way run at their own times,
 * so on_delay, off_delay, shelves and floods behave as in the gateway. What they record goes to a
 * scratch store in memory (never the site's database) and is read back from its outbox, which is
 * what the gateway would have published: every transition, every work order, every flood.
 */
#include "gateway/alarms/alarms.h"
#include "gateway/base/clock.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "gateway/base/quality.h"
#include "gateway/base/timer.h"
#include "config/duration.h"
#include "gateway/cli/cli.h"
#include "gateway/cli/raise_window.h"
#include "gateway/cli/status.h"
#include "gateway/core/points.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"
#include "gateway/work/workorders.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_ERRORS 20       /* errors printed before the rest are only counted */
#define SAME_INSTANT_MAX 64 /* timer rounds at one instant: a bound, never reached in practice */

struct rsample {
    int64_t ts;
    int point;
    double value;
    int quality;
    int line;
};

struct rdata {
    struct rsample *v;
    size_t n, cap;
};

/* ---- reading the file ---- */

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* ISO-8601 with its zone: 2026-11-22T14:03:11.208Z, 2026-11-22 22:03:11+08:00, ...+0800, +08. */
static int parse_iso(const char *s, int64_t *out, const char **why)
{
    int y, mo, d, h, mi, sec, ms = 0;
    *why = "not a time: ISO-8601 with its zone (2026-11-22T14:03:11Z, ...+08:00) or Unix "
           "seconds or milliseconds";
    if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &sec))
        return ST_ERR_INVAL;
    const char *p = s + 19;
    if (*p == '.' || *p == ',') {
        int k = 0;
        for (p++; isdigit((unsigned char)*p); p++, k++)
            if (k < 3) ms = ms * 10 + (*p - '0');
        if (k == 0) return ST_ERR_INVAL;
        for (; k < 3; k++)
            ms *= 10;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
        *why = "a date or time field is out of range";
        return ST_ERR_INVAL;
    }
    int off = 0;
    if (*p == 'Z' && p[1] == '\0') {
        off = 0;
    } else if (*p == '+' || *p == '-') {
        int oh, om = 0;
        const char *q = p + 1;
        if (digits(q, 2, &oh)) return ST_ERR_INVAL;
        q += 2;
        if (*q == ':') q++;
        if (*q && (digits(q, 2, &om) || q[2] != '\0')) return ST_ERR_INVAL;
        if (oh > 18 || om > 59) return ST_ERR_INVAL;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
    } else {
        *why = *p ? "not a time: unexpected text after the seconds"
                  : "a time needs its zone: Z or an offset such as +08:00";
        return ST_ERR_INVAL;
    }
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    *out = ((int64_t)timegm(&tm) - (int64_t)off * 60) * 1000 + ms;
    return ST_OK;
}

/* Unix seconds (with a fraction or not) or milliseconds (a whole number from 1e11 on). */
static int parse_epoch(const char *s, int64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || v < 0 || !isfinite(v) || v > 1e14) return ST_ERR_INVAL;
    int whole = strchr(s, '.') == NULL;
    *out = whole && v >= 1e11 ? (int64_t)v : (int64_t)llround(v * 1000.0);
    return ST_OK;
}

static int parse_time(const char *s, int64_t *out, const char **why)
{
    size_t n = strspn(s, "0123456789.");
    if (*s && n == strlen(s)) {
        *why = "not a Unix time in seconds or milliseconds";
        return parse_epoch(s, out);
    }
    return parse_iso(s, out, why);
}

static int parse_quality(const char *s, int *out)
{
    static const struct {
        const char *name;
        int q;
    } qs[] = {{"good", QUALITY_GOOD},
              {"stale", QUALITY_STALE},
              {"comm_fail", QUALITY_COMM_FAIL},
              {"bad", QUALITY_BAD}};
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
        if (strcmp(s, qs[i].name) == 0) {
            *out = qs[i].q;
            return ST_OK;
        }
    return ST_ERR_INVAL;
}

static int parse_value(const char *s, double *out)
{
    if (!strcasecmp(s, "true") || !strcasecmp(s, "on")) {
        *out = 1;
    } else if (!strcasecmp(s, "false") || !strcasecmp(s, "off")) {
        *out = 0;
    } else {
        char *end;
        errno = 0;
        *out = strtod(s, &end);
        if (!*s || *end || errno || !isfinite(*out)) return ST_ERR_INVAL;
    }
    return ST_OK;
}

static int is_header(const char *first)
{
    return !strcasecmp(first, "timestamp") || !strcasecmp(first, "time") ||
           !strcasecmp(first, "ts");
}

/* One data line into *r; NULL, or what is wrong with it. */
static const char *parse_line(const struct config *cfg, char *line, struct rsample *r, char *why,
                              size_t cap)
{
    char *f[5];
    int n = 0;
    for (char *p = line, *comma; n < 5; p = comma + 1) {
        comma = strchr(p, ',');
        if (comma) *comma = '\0';
        f[n++] = trim(p);
        if (!comma) break;
    }
    if (n < 3 || n > 4) return "expected timestamp,point,value[,quality]";
    const char *twhy;
    if (parse_time(f[0], &r->ts, &twhy)) {
        snprintf(why, cap, "'%s': %s", f[0], twhy);
        return why;
    }
    if ((r->point = config_point_find(cfg, f[1])) < 0) {
        snprintf(why, cap, "unknown point '%s' (not in the catalog of %s)", f[1], cfg->path);
        return why;
    }
    r->quality = QUALITY_GOOD;
    if (n == 4 && *f[3] && parse_quality(f[3], &r->quality)) {
        snprintf(why, cap, "unknown quality '%s' (good, stale, comm_fail or bad)", f[3]);
        return why;
    }
    r->value = 0;
    if (!*f[2] && r->quality != QUALITY_GOOD) return NULL; /* no value: its quality says why */
    if (parse_value(f[2], &r->value)) {
        snprintf(why, cap, "'%s' is not a value (a number, true/false or on/off)", f[2]);
        return why;
    }
    return NULL;
}

/* Reads and checks every line of path; prints each error (MAX_ERRORS at most) to err. Returns
 * the number of errors, or -1 when the file cannot be read. */
static int read_data(const struct config *cfg, const char *path, struct rdata *d, FILE *err)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(err, "%s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t cap = 0;
    int lineno = 0, errors = 0, seen_data = 0, last_line = 0;
    int64_t last_ts = 0;
    char why[512];
    while (getline(&buf, &cap, f) >= 0) {
        lineno++;
        char *hash = strchr(buf, '#');
        if (hash) *hash = '\0';
        char *line = trim(buf);
        if (!*line) continue;
        if (!seen_data++) {
            char first[32];
            size_t k = strcspn(line, ",");
            snprintf(first, sizeof(first), "%.*s", (int)(k < 31 ? k : 31), line);
            if (is_header(trim(first))) continue;
        }
        struct rsample r = {.line = lineno};
        const char *bad = parse_line(cfg, line, &r, why, sizeof(why));
        if (!bad && last_line && r.ts < last_ts) {
            char a[CLOCK_ISO_LEN], b[CLOCK_ISO_LEN];
            snprintf(why, sizeof(why),
                     "goes back in time (%s, before %s at line %d): samples must be in time order",
                     clock_iso(r.ts, a), clock_iso(last_ts, b), last_line);
            bad = why;
        }
        if (bad) {
            if (errors++ < MAX_ERRORS) fprintf(err, "%s:%d: %s\n", path, lineno, bad);
            continue;
        }
        last_ts = r.ts;
        last_line = lineno;
        if (d->n == d->cap) {
            size_t nc = d->cap ? d->cap * 2 : 1024;
            struct rsample *nv = realloc(d->v, nc * sizeof(*nv));
            if (!nv) {
                fprintf(err, "%s: out of memory\n", path);
                errors++;
                break;
            }
            d->v = nv;
            d->cap = nc;
        }
        d->v[d->n++] = r;
    }
    int rerr = ferror(f);
    free(buf);
    fclose(f);
    if (rerr) {
        fprintf(err, "%s: read error\n", path);
        return -1;
    }
    if (errors > MAX_ERRORS) fprintf(err, "%s: %d more errors\n", path, errors - MAX_ERRORS);
    return errors;
}

/* ---- the simulation ---- */

struct alarm_stat {
    int raises;
    int64_t since;                 /* active since (wall ms), 0 when not active */
    int64_t longest, longest_from; /* the longest active episode so far */
    int longest_open;              /* ... is still going on at the end of the data */
    struct raise_window chatter;   /* the raises, against chatter.window */
};

struct wo_seen {
    char id[96], rule[80], priority[16];
    long long occurrences; /* raises it stands for: the repeats update the order in hand */
};

struct sim {
    const struct config *cfg;
    struct store *store;
    struct journal j;
    struct points *pts;
    struct timers *timers;
    struct wo_table wos;
    struct alarms al;
    int *device_ok;
    int64_t outbox_after;
    size_t prefix_len;
    FILE *out;
    struct alarm_stat *st; /* one per alarm of al */
    struct wo_seen *wo;
    size_t n_wo, cap_wo;
    int transitions, floods;
    int nomem; /* a summary could not be kept */
};

static int note_raise(struct alarm_stat *a, int64_t ts, int64_t window_ms)
{
    a->raises++;
    if (!a->since) a->since = ts;
    return raise_window_add(&a->chatter, ts, window_ms);
}

static void end_episode(struct alarm_stat *a, int64_t ts, int open)
{
    if (!a->since) return;
    if (ts - a->since > a->longest || (open && ts - a->since == a->longest)) {
        a->longest = ts - a->since;
        a->longest_from = a->since;
        a->longest_open = open;
    }
    if (!open) a->since = 0;
}

static const char *jstr(const json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

static void on_alarm_event(struct sim *s, const json_t *ev, int64_t ts)
{
    const char *id = jstr(ev, "alarm", "?"), *t = jstr(ev, "transition", "?");
    const char *to = jstr(ev, "to", "?");
    char when[CLOCK_LOCAL_LEN];
    fprintf(s->out, "%s  %-20s %-18s %s -> %s (%s)\n", clock_local(ts, when), id, t,
            jstr(ev, "from", "?"), to, jstr(ev, "priority", "?"));
    s->transitions++;
    struct alarm *al = alarms_find(&s->al, id);
    if (!al) return;
    struct alarm_stat *a = &s->st[al - s->al.v];
    if (strcmp(t, "raised") == 0)
        s->nomem |= note_raise(a, ts, s->cfg->chatter.window_ms) != ST_OK;
    else if (strncmp(to, "active", 6) != 0)
        end_episode(a, ts, 0);
}

static void on_workorder(struct sim *s, const json_t *doc)
{
    const char *id = jstr(doc, "id", NULL);
    if (!id) return;
    long long occ = json_integer_value(json_object_get(doc, "occurrences"));
    for (size_t i = 0; i < s->n_wo; i++)
        if (strcmp(s->wo[i].id, id) == 0) { /* an update of one already counted */
            if (occ > s->wo[i].occurrences) s->wo[i].occurrences = occ;
            return;
        }
    if (s->n_wo == s->cap_wo) {
        size_t nc = s->cap_wo ? s->cap_wo * 2 : 16;
        struct wo_seen *nv = realloc(s->wo, nc * sizeof(*nv));
        if (!nv) {
            s->nomem = 1;
            return;
        }
        s->wo = nv;
        s->cap_wo = nc;
    }
    struct wo_seen *w = &s->wo[s->n_wo++];
    snprintf(w->id, sizeof(w->id), "%s", id);
    snprintf(w->rule, sizeof(w->rule), "%s", jstr(doc, "rule", "?"));
    snprintf(w->priority, sizeof(w->priority), "%s", jstr(doc, "priority", "?"));
    w->occurrences = occ;
    char when[CLOCK_LOCAL_LEN];
    fprintf(s->out, "%s  %-20s work order %s (%s)\n", clock_local(clock_wall_ms(), when), w->rule,
            w->id, w->priority);
}

/* One outbox row: what the gateway would have published. */
static int on_row(void *ctx, int64_t id, const char *topic, const void *payload, size_t len,
                  int qos, int retain)
{
    (void)qos, (void)retain;
    struct sim *s = ctx;
    s->outbox_after = id;
    if (!len || strlen(topic) <= s->prefix_len) return 0;
    const char *sub = topic + s->prefix_len + 1;
    json_error_t jerr;
    json_t *doc = json_loadb(payload, len, 0, &jerr);
    if (!doc) return 0;
    if (strcmp(sub, "events") == 0) {
        const char *type = jstr(doc, "type", "");
        int64_t ts = clock_wall_ms();
        const char *iso = jstr(doc, "ts", NULL);
        if (iso) clock_parse_iso(iso, &ts);
        char when[CLOCK_LOCAL_LEN];
        if (strcmp(type, "alarm") == 0) {
            on_alarm_event(s, doc, ts);
        } else if (strcmp(type, "flood") == 0) {
            int begin = strcmp(jstr(doc, "state", ""), "begin") == 0;
            s->floods += begin;
            fprintf(s->out, "%s  %-20s %s\n", clock_local(ts, when), "(flood)",
                    begin ? "begins: 10 or more alarms within 10 minutes" : "ends");
        }
    } else if (strncmp(sub, "workorders/", 11) == 0) {
        on_workorder(s, doc);
    }
    json_decref(doc);
    return 0;
}

/* Evaluates what is queued, commits, and reads what the step recorded. */
static int sim_step(struct sim *s)
{
    int rc = alarms_process(&s->al, clock_mono_ms(), clock_wall_ms());
    if (rc || !store_pending(s->store)) return rc;
    if ((rc = store_commit(s->store))) return rc;
    for (int guard = 0; guard < 1000000; guard++) {
        int64_t before = s->outbox_after;
        if ((rc = store_outbox_pending(s->store, before, 256, on_row, s))) return rc;
        if (s->outbox_after == before) break;
    }
    return s->nomem ? ST_ERR_NOMEM : ST_OK;
}

/* Moves the fake clock to wall, running each timer due on the way at its own time. */
static int advance_to(struct sim *s, int64_t wall)
{
    int64_t last_mono = -1;
    int same = 0, rc;
    for (;;) {
        int64_t mono = clock_mono_ms(), now = clock_wall_ms();
        int64_t next = timers_next(s->timers, mono, now);
        if (!next || next > mono + (wall - now)) break;
        if (next > mono) clock_advance(next - mono);
        if (clock_mono_ms() == last_mono && ++same > SAME_INSTANT_MAX) break;
        if (clock_mono_ms() != last_mono) same = 0;
        last_mono = clock_mono_ms();
        if ((rc = timers_run(s->timers, clock_mono_ms(), clock_wall_ms())) || (rc = sim_step(s)))
            return rc;
    }
    if (wall > clock_wall_ms()) clock_advance(wall - clock_wall_ms());
    rc = timers_run(s->timers, clock_mono_ms(), clock_wall_ms());
    return rc ? rc : sim_step(s);
}

/* As the core applies a sample (core/samples.c): the point, its device's answer, a sensor's
 * supervision. */
static void apply(struct sim *s, const struct rsample *r)
{
    const struct cfg_point *p = &s->cfg->points[r->point];
    if (p->device >= 0) {
        int ok = r->quality != QUALITY_COMM_FAIL;
        if (s->device_ok[p->device] != ok) {
            s->device_ok[p->device] = ok;
            alarms_device_comm(&s->al, p->device, ok);
        }
    }
    if (points_set(s->pts, r->point, r->value, r->quality, r->ts))
        alarms_point_changed(&s->al, r->point);
    if (p->sensor >= 0 && s->cfg->sensors_in[p->sensor].heartbeat_ms)
        alarms_sensor_silent(&s->al, p->sensor, r->quality == QUALITY_STALE);
}

static int sim_open(struct sim *s, const struct config *cfg, FILE *out)
{
    memset(s, 0, sizeof(*s));
    s->cfg = cfg;
    s->out = out;
    s->prefix_len = strlen(cfg->upstream.topic_prefix);
    int rc = store_open(":memory:", 0, &s->store);
    if (rc) return rc;
    s->j = (struct journal){s->store, cfg->upstream.topic_prefix};
    s->pts = points_new(cfg);
    s->timers = timers_new();
    s->device_ok = malloc((cfg->n_devices ? cfg->n_devices : 1) * sizeof(int));
    if (!s->pts || !s->timers || !s->device_ok) return ST_ERR_NOMEM;
    for (size_t i = 0; i < cfg->n_devices; i++)
        s->device_ok[i] = -1;
    wo_init(&s->wos, cfg, &s->j, s->timers);
    struct alarm_inputs in = {s->pts->value, s->pts->quality, s->pts->n};
    if ((rc = alarms_init(&s->al, cfg, in, &s->j, &s->wos, s->timers))) return rc;
    s->st = calloc(s->al.n ? s->al.n : 1, sizeof(*s->st));
    return s->st ? ST_OK : ST_ERR_NOMEM;
}

static void sim_close(struct sim *s)
{
    for (size_t i = 0; s->st && i < s->al.n; i++)
        raise_window_free(&s->st[i].chatter);
    free(s->st);
    if (s->al.v) alarms_cleanup(&s->al);
    if (s->timers) wo_cleanup(&s->wos);
    points_free(s->pts);
    store_close(s->store);
    timers_free(s->timers);
    free(s->device_ok);
    free(s->wo);
}

static void print_summary(struct sim *s, const struct rdata *d)
{
    int64_t first = d->v[0].ts, last = d->v[d->n - 1].ts;
    char a[CLOCK_LOCAL_LEN], b[CLOCK_LOCAL_LEN], span[32], window[32];
    duration_format(s->cfg->chatter.window_ms, window, sizeof(window));
    fprintf(s->out, "\nsummary: %zu samples from %s to %s (%s), %d transitions\n", d->n,
            clock_local(first, a), clock_local(last, b), status_span(last - first, span, 32),
            s->transitions);
    fprintf(s->out, "%-20s %6s  %-40s %s\n", "alarm", "raises", "longest active", "chattering");
    for (size_t i = 0; i < s->al.n; i++) {
        struct alarm_stat *t = &s->st[i];
        end_episode(t, last, 1);
        if (s->al.v[i].kind != ALARM_KIND_RULE && !t->raises) continue;
        char longest[96] = "-", chatter[96] = "no";
        if (t->longest_from)
            snprintf(longest, sizeof(longest), "%s from %s%s", status_span(t->longest, span, 32),
                     clock_local(t->longest_from, a), t->longest_open ? " (still active)" : "");
        if (t->chatter.max > s->cfg->chatter.count)
            snprintf(chatter, sizeof(chatter), "yes: %d raises within %s (%s)", t->chatter.max,
                     window, clock_local(t->chatter.max_at, a));
        fprintf(s->out, "%-20s %6d  %-40s %s\n", s->al.v[i].id, t->raises, longest, chatter);
    }
    fprintf(s->out, "floods: %d\n", s->floods);
    fprintf(s->out, "work orders it would have raised: %zu\n", s->n_wo);
    for (size_t i = 0; i < s->n_wo; i++)
        fprintf(s->out, "  %-24s %-20s %-10s %lld raise%s\n", s->wo[i].id, s->wo[i].rule,
                s->wo[i].priority, s->wo[i].occurrences, s->wo[i].occurrences == 1 ? "" : "s");
}

int cli_rules_test(const struct config *cfg, const struct cli_opts *o, FILE *out)
{
    if (!o->replay) {
        fprintf(stderr, "steward: rules test needs --replay DATA.csv\n");
        return 1;
    }
    struct rdata d = {0};
    int errors = read_data(cfg, o->replay, &d, stderr);
    if (errors) {
        free(d.v);
        return 1;
    }
    if (d.n == 0) {
        fprintf(stderr, "%s: no samples\n", o->replay);
        free(d.v);
        return 1;
    }
    /* The transitions are this command's output; the alarms' own log lines would repeat them. */
    enum log_level saved = log_threshold;
    log_threshold = LOG_ERROR;
    clock_set_fake(d.v[0].ts);
    struct sim s;
    int rc = sim_open(&s, cfg, out);
    if (rc == ST_OK)
        fprintf(out, "replaying %zu samples of %s through the %zu rules of %s\n", d.n, o->replay,
                cfg->n_rules, cfg->path);
    for (size_t i = 0; rc == ST_OK && i < d.n;) {
        if ((rc = advance_to(&s, d.v[i].ts))) break;
        /* One instant is one snapshot, as one poll is, unless a point comes twice in it. */
        size_t k = i;
        for (; k < d.n && d.v[k].ts == d.v[i].ts; k++) {
            int repeat = 0;
            for (size_t m = i; m < k && !repeat; m++)
                repeat = d.v[m].point == d.v[k].point;
            if (repeat) break;
            apply(&s, &d.v[k]);
        }
        rc = sim_step(&s);
        i = k;
    }
    if (rc == ST_OK) print_summary(&s, &d);
    sim_close(&s);
    clock_set_real();
    log_threshold = saved;
    free(d.v);
    if (rc) {
        fprintf(stderr, "steward: rules test: %s\n", st_strerror(rc));
        return 2;
    }
    return fflush(out) == 0 && !ferror(out) ? 0 : 2;
}
