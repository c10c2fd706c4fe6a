/*
 * units.h - the engineering units a number in a rule may carry (`130C`, `0.4kV`, `20%`), and how
 * one is converted to the unit of the point it is compared with. Owned by rules/: the lexer
 * recognises them, the compiler converts them.
 *
 * A unit is a scale of a base: kV is 1000 V, MWh is 10^6 Wh, bar is 10^5 Pa. Two units convert
 * when their bases are the same; temperatures (C, F, K) are bases of their own, since they differ
 * by an offset and no rule should mean one while writing another.
 */
#ifndef STEWARD_UNITS_H
#define STEWARD_UNITS_H

#include <stddef.h>

struct unit {
    const char *text; /* as written: "kV" */
    const char *base; /* "V" */
    double scale;     /* in the base: 1000 */
};

/* The length of the unit written at p right after a number (a whole unit, longest first, so
 * kWh is not kW followed by h), or 0. */
size_t unit_len(const char *p);

/* The unit whose text is exactly s[0..n), or NULL. Point units as configured are looked up the
 * same way ("°C" and "C" are the same unit; "degC" too). */
const struct unit *unit_find(const char *s, size_t n);

#endif
