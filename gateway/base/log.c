/* log.c - see log.h. */
#include "gateway/base/log.h"
#include "gateway/base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum log_level log_threshold = LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *name, enum log_level *out)
{
    for (int i = 0; i <= LOG_DEBUG; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return ST_OK;
        }
    }
    return ST_ERR_INVAL;
}

/*
 * 1 when stderr is the journal (systemd sets JOURNAL_STREAM to its "device:inode"): lines then
 * start with their syslog priority, "<3>" to "<7>", which journald turns into the entry's
 * priority (so `journalctl -p warning` works), and carry no time stamp of their own.
 */
static int journal_stderr(void)
{
    int is = 0; /* looked at for each line: cheap next to the write, and stderr may be moved */
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (js && sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0)
        is = (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
    return is;
}

__attribute__((format(printf, 2, 0))) static void log_vwrite(enum log_level level, const char *fmt,
                                                             va_list ap)
{
    static const int priority[] = {3, 4, 6, 7}; /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
    char line[1024];
    struct timespec ts;
    struct tm tm;
    int n;
    if (journal_stderr()) {
        n = snprintf(line, sizeof(line), "<%d>%s: ", priority[level], level_names[level]);
    } else {
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level]);
    }
    if (n < 0) return;
    char msg[900];
    int m = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (m < 0) return;
    /* A message may carry outside input (a name in a command, a topic): control characters are
     * written as \xNN, so nobody can forge a log line with a newline or hide text. */
    size_t len = (size_t)n, mlen = (size_t)m < sizeof(msg) ? (size_t)m : sizeof(msg) - 1;
    for (size_t i = 0; i < mlen && len < sizeof(line) - 6; i++) {
        unsigned char c = (unsigned char)msg[i];
        if (c < 0x20 || c == 0x7f)
            len += (size_t)snprintf(line + len, 5, "\\x%02x", c);
        else
            line[len++] = (char)c;
    }
    line[len++] = '\n';
    /* One write per line keeps lines from different threads whole. */
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (!log_enabled(level)) return;
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(level, fmt, ap);
    va_end(ap);
}

#define COMPLAIN_MIN_MS 1000
#define COMPLAIN_MAX_MS 3600000

void log_complain(struct log_complain *c, int64_t now_ms, enum log_level level, const char *fmt,
                  ...)
{
    if (c->active && now_ms < c->next_ms) {
        c->suppressed++;
        return;
    }
    c->interval_ms = c->active ? c->interval_ms * 2 : COMPLAIN_MIN_MS;
    if (c->interval_ms > COMPLAIN_MAX_MS) c->interval_ms = COMPLAIN_MAX_MS;
    c->next_ms = now_ms + c->interval_ms;
    c->active = 1;
    if (!log_enabled(level)) return;
    va_list ap;
    va_start(ap, fmt);
    if (c->suppressed) {
        char buf[900];
        vsnprintf(buf, sizeof(buf), fmt, ap);
        log_msg(level, "%s (%llu more like it not logged)", buf, (unsigned long long)c->suppressed);
    } else {
        log_vwrite(level, fmt, ap);
    }
    va_end(ap);
    c->suppressed = 0;
}

void log_complain_ok(struct log_complain *c, const char *fmt, ...)
{
    if (!c->active) return;
    c->active = 0;
    c->suppressed = 0;
    c->interval_ms = 0;
    if (!log_enabled(LOG_INFO)) return;
    va_list ap;
    va_start(ap, fmt);
    log_vwrite(LOG_INFO, fmt, ap);
    va_end(ap);
}
