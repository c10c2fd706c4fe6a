/*
 * error.h - the one error enum of Steward.
 *
 * Every function that can fail returns 0 (ST_OK) or one of these negative codes. Library errors
 * (libmodbus, libmosquitto, SQLite, libconfig) are logged with their own message where the
 * library is called and translated to one of these.
 */
#ifndef STEWARD_ERROR_H
#define STEWARD_ERROR_H

enum st_err {
    ST_OK = 0,
    ST_ERR_NOMEM = -1,    /* allocation failed */
    ST_ERR_INVAL = -2,    /* bad argument or malformed input */
    ST_ERR_IO = -3,       /* file, socket or device I/O failed */
    ST_ERR_DB = -4,       /* SQLite failed */
    ST_ERR_MQTT = -5,     /* libmosquitto failed */
    ST_ERR_MODBUS = -6,   /* libmodbus failed */
    ST_ERR_FULL = -7,     /* a bounded queue or buffer is full */
    ST_ERR_NOTFOUND = -8, /* no such alarm, work order, point... */
    ST_ERR_CONFIG = -9,   /* the configuration is invalid */
    ST_ERR_STATE = -10,   /* not allowed in the current state (e.g. a bad status transition) */
    ST_ERR_TOOBIG = -11,  /* input larger than its bound */
};

/* Returns a static English description of err (never NULL). */
const char *st_strerror(int err);

#endif
