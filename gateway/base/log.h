/*
 * log.h - leveled logging to stderr (and nothing else: run under systemd, stderr is the journal).
 *
 * log_msg checks the level before formatting, so a disabled debug line costs one comparison.
 * Messages carry a component prefix written by the caller: "modbus[switchroom]: ...".
 * Thread-safe: one write(2) per line, so lines from bus threads never interleave.
 */
#ifndef STEWARD_LOG_H
#define STEWARD_LOG_H

#include <stdint.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* The current threshold; messages above it are dropped. Default LOG_INFO. */
extern enum log_level log_threshold;

/* Parses "error", "warn", "info", "debug" into *out. Returns 0, or ST_ERR_INVAL. */
int log_level_parse(const char *name, enum log_level *out);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_enabled(level) ((level) <= log_threshold)

/*
 * A throttle for an error that repeats every poll (after collectd's c_complain): the first
 * occurrence is logged, then the interval between logged lines doubles up to one hour.
 * log_complain_ok() logs a single "recovered" line if anything was complained about.
 * Owned by the caller (typically embedded in a device struct); zero-initialise it.
 */
struct log_complain {
    int64_t next_ms;     /* monotonic time before which nothing more is logged */
    int64_t interval_ms; /* current back-off */
    uint64_t suppressed; /* occurrences not logged since the last line */
    int active;          /* something was complained about and not yet recovered */
};

void log_complain(struct log_complain *c, int64_t now_ms, enum log_level level, const char *fmt,
                  ...) __attribute__((format(printf, 4, 5)));
void log_complain_ok(struct log_complain *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
