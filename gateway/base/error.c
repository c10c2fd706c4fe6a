/* error.c - descriptions of the codes of error.h. */
#include "gateway/base/error.h"

const char *st_strerror(int err)
{
    switch (err) {
    case ST_OK: return "success";
    case ST_ERR_NOMEM: return "out of memory";
    case ST_ERR_INVAL: return "invalid argument or input";
    case ST_ERR_IO: return "I/O error";
    case ST_ERR_DB: return "database error";
    case ST_ERR_MQTT: return "MQTT error";
    case ST_ERR_MODBUS: return "Modbus error";
    case ST_ERR_FULL: return "queue full";
    case ST_ERR_NOTFOUND: return "not found";
    case ST_ERR_CONFIG: return "invalid configuration";
    case ST_ERR_STATE: return "not allowed in the current state";
    case ST_ERR_TOOBIG: return "input too large";
    }
    return "unknown error";
}
