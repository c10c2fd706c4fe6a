/* quality.c - names of the qualities of quality.h, as they appear in telemetry payloads. */
#include "gateway/base/quality.h"

const char *quality_name(enum quality q)
{
    switch (q) {
    case QUALITY_GOOD: return "good";
    case QUALITY_STALE: return "stale";
    case QUALITY_COMM_FAIL: return "comm_fail";
    case QUALITY_BAD: return "bad";
    case QUALITY_NONE: return "none";
    }
    return "bad";
}
