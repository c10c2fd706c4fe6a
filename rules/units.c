/* units.c - the units of meters, transformer controllers and sensors (see units.h). */
#include "rules/units.h"

#include <string.h>

/* Longest text first where one is a prefix of another (kWh before kW, kVA before kV). */
static const struct unit units[] = {
    {"kWh", "Wh", 1e3},
    {"MWh", "Wh", 1e6},
    {"kvarh", "varh", 1e3},
    {"kvar", "var", 1e3},
    {"kVA", "VA", 1e3},
    {"kPa", "Pa", 1e3},
    {"MPa", "Pa", 1e6},
    {"ppm", "ppm", 1},
    {"\xc2\xb0"
     "C",
     "C", 1},
    {"degC", "C", 1},
    {"\xc2\xb0"
     "F",
     "F", 1},
    {"kV", "V", 1e3},
    {"kA", "A", 1e3},
    {"mA", "A", 1e-3},
    {"kW", "W", 1e3},
    {"MW", "W", 1e6},
    {"Wh", "Wh", 1},
    {"VA", "VA", 1},
    {"Hz", "Hz", 1},
    {"varh", "varh", 1},
    {"var", "var", 1},
    {"bar", "Pa", 1e5},
    {"lx", "lx", 1},
    {"V", "V", 1},
    {"A", "A", 1},
    {"W", "W", 1},
    {"C", "C", 1},
    {"F", "F", 1},
    {"K", "K", 1},
    {"%", "%", 1},
    {"Pa", "Pa", 1},
};

static int ident_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

size_t unit_len(const char *p)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        size_t n = strlen(units[i].text);
        /* only a whole unit: `12Va` is not 12 V followed by a */
        if (strncmp(p, units[i].text, n) == 0 && !ident_char((unsigned char)p[n])) return n;
    }
    return 0;
}

const struct unit *unit_find(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strlen(units[i].text) == n && strncmp(s, units[i].text, n) == 0) return &units[i];
    return NULL;
}
