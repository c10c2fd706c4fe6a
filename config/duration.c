/* duration.c - see duration.h. */
#include "config/duration.h"
#include "gateway/base/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct unit {
    const char *name;
    int64_t factor;
};

static int parse_with_units(const char *s, const struct unit *units, size_t n, int64_t *out)
{
    if (!s || !isdigit((unsigned char)*s)) return ST_ERR_INVAL;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0) return ST_ERR_INVAL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(end, units[i].name) == 0) {
            double r = v * (double)units[i].factor;
            if (r > 9.0e15) return ST_ERR_INVAL;
            *out = (int64_t)(r + 0.5);
            return ST_OK;
        }
    }
    return ST_ERR_INVAL;
}

int duration_parse(const char *s, int64_t *out_ms)
{
    static const struct unit units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
    };
    return parse_with_units(s, units, sizeof(units) / sizeof(units[0]), out_ms);
}

int size_parse(const char *s, int64_t *out_bytes)
{
    static const struct unit units[] = {
        {"B", 1},
        {"KB", 1024},
        {"MB", 1024 * 1024},
        {"GB", 1024LL * 1024 * 1024},
    };
    return parse_with_units(s, units, sizeof(units) / sizeof(units[0]), out_bytes);
}

char *duration_format(int64_t ms, char *buf, unsigned len)
{
    static const struct unit units[] = {
        {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1},
    };
    size_t used = 0;
    buf[0] = '\0';
    if (ms == 0) {
        snprintf(buf, len, "0s");
        return buf;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && used < len; i++) {
        int64_t q = ms / units[i].factor;
        if (!q) continue;
        ms -= q * units[i].factor;
        int n = snprintf(buf + used, len - used, "%lld%s", (long long)q, units[i].name);
        if (n < 0) break;
        used += (size_t)n;
    }
    return buf;
}
