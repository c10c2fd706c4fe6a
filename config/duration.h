/*
 * duration.h - durations and sizes as written in the configuration.
 *
 * A duration is a number followed by one unit: "500ms", "30s", "15m", "24h", "7d". A size is a
 * number followed by "B", "KB", "MB" or "GB" (powers of 1024). No bare numbers: a unit is always
 * required, so "30" is an error rather than a guess.
 */
#ifndef STEWARD_DURATION_H
#define STEWARD_DURATION_H

#include <stdint.h>

/* Parses s into milliseconds. Returns 0, or ST_ERR_INVAL for anything else (empty, no unit,
 * unknown unit, negative, overflow). */
int duration_parse(const char *s, int64_t *out_ms);

/* Parses a size into bytes. Returns 0 or ST_ERR_INVAL. */
int size_parse(const char *s, int64_t *out_bytes);

/* Formats ms compactly ("1m", "1h30m", "500ms") into buf of len bytes; returns buf. */
char *duration_format(int64_t ms, char *buf, unsigned len);

#endif
