/*
 * reader.h - typed access to libconfig settings with error collection (private to config/).
 *
 * Every getter checks type and bounds, and on failure appends "FILE:LINE: message" to the
 * diagnostics and returns the default, so the loader can carry on and report every error in one
 * run. `what` names the enclosing item for messages, e.g. "device 'tx1'".
 */
#ifndef STEWARD_CONFIG_READER_H
#define STEWARD_CONFIG_READER_H

#include <libconfig.h>
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

/* Appends an error at an explicit line (for checks made after the settings were read). */
void rd_error_line(struct reader *r, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports every member of group g whose name is not in known (NULL-terminated), suggesting the
 * closest known name. */
void rd_check_keys(struct reader *r, const config_setting_t *g, const char *const *known,
                   const char *what);

/* Getters. g may be NULL (then the default applies, or "missing" for required ones).
 * Strings are strdup'ed into *out (NULL when absent and def is NULL). Return 0 when the
 * setting was absent or valid, -1 after reporting an error. */
int rd_str(struct reader *r, const config_setting_t *g, const char *key, int required,
           const char *def, const char *what, char **out);
int rd_id(struct reader *r, const config_setting_t *g, const char *key, const char *what,
          char **out); /* required, [a-z][a-z0-9_]* */
int rd_int(struct reader *r, const config_setting_t *g, const char *key, long lo, long hi, long def,
           const char *what, int *out);
int rd_double(struct reader *r, const config_setting_t *g, const char *key, double def,
              const char *what, double *out);
int rd_bool(struct reader *r, const config_setting_t *g, const char *key, int def, const char *what,
            int *out);
int rd_duration(struct reader *r, const config_setting_t *g, const char *key, int64_t def,
                int64_t min, const char *what, int64_t *out);
int rd_size(struct reader *r, const config_setting_t *g, const char *key, int64_t def,
            const char *what, int64_t *out);
/* One of names (NULL-terminated); *out is its index. */
int rd_enum(struct reader *r, const config_setting_t *g, const char *key, const char *const *names,
            int required, int def, const char *what, int *out);

/* The list (or array) / group at g.key, or NULL when absent; a wrong type is reported. */
const config_setting_t *rd_list(struct reader *r, const config_setting_t *g, const char *key,
                                const char *what);
const config_setting_t *rd_group(struct reader *r, const config_setting_t *g, const char *key,
                                 const char *what);
/* Element i of a list, which must be a group (else reported, NULL). */
const config_setting_t *rd_item(struct reader *r, const config_setting_t *list, int i,
                                const char *what);
/* A zeroed array for every element of list (may be NULL: none); *n gets the count. */
void *rd_alloc_items(const config_setting_t *list, size_t size, size_t *n);

/* Non-zero when s matches [a-z][a-z0-9_]*. */
int rd_valid_id(const char *s);

#endif
