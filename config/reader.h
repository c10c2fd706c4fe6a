/*
 * reader.h - error collection while loading a configuration (private to config/).
 *
 * Every problem is appended to the diagnostics as "FILE:LINE: message" and counted, so the
 * loader carries on and reports every error in one run. Typed reading of settings is done by
 * the settings tables (settings.h) on top of this. `what` names the enclosing item in messages,
 * e.g. "device 'tx1'".
 */
#ifndef STEWARD_CONFIG_READER_H
#define STEWARD_CONFIG_READER_H

#include <libconfig.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct reader {
    const char *path;
    struct config_diag *diag;
    int errors;
};

/* Appends an error at the line of setting s (or the file when s is NULL). */
void rd_error(struct reader *r, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends "FILE:LINE:COL: message" at the line of s (a column within the setting's value). */
void rd_error_at(struct reader *r, const config_setting_t *s, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Appends a whole message (line is taken over). */
void rd_add_raw(struct reader *r, char *line);

/* Appends an error at an explicit line (for checks made after the settings were read). */
void rd_error_line(struct reader *r, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Levenshtein distance between two short names (99 when either is over 63 characters), for the
 * "did you mean" of an unknown setting. */
size_t rd_edit_distance(const char *a, const char *b);

/* Element i of a list, which must be a group (else reported, NULL). */
const config_setting_t *rd_item(struct reader *r, const config_setting_t *list, int i,
                                const char *what);
/* A zeroed array for every element of list (may be NULL: none); *n gets the count. The caller
 * owns it (free). NULL when memory runs out. */
void *rd_alloc_items(const config_setting_t *list, size_t size, size_t *n);

/* Non-zero when s matches [a-z][a-z0-9_]* and has at most 64 characters. */
int rd_valid_id(const char *s);

#endif
