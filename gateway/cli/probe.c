/*
 * probe.c - `steward probe -c FILE DEVICE`: reads one configured Modbus device once and prints
 * what it sent, what came back and what the gateway would publish (adapters_probe, adapter.h).
 * For commissioning: it opens a connection of its own, beside a running gateway or without one.
 */
#include "adapters/adapter.h"
#include "gateway/cli/cli.h"

#include <stdlib.h>
#include <string.h>

/* The edit distance between a and b (both short: device ids), capped at 99. */
static int distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64 || nb > 64) return 99;
    int row[65];
    for (size_t j = 0; j <= nb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* The configured device id nearest to id, when near enough to be a typo; else NULL. */
static const char *nearest_device(const struct config *cfg, const char *id)
{
    const char *best = NULL;
    int best_d = 99, limit = (int)strlen(id) / 3 + 1;
    if (limit > 3) limit = 3;
    for (size_t i = 0; i < cfg->n_devices; i++) {
        int d = distance(id, cfg->devices[i].id);
        if (d < best_d) {
            best_d = d;
            best = cfg->devices[i].id;
        }
    }
    return best_d <= limit ? best : NULL;
}

int cli_probe(const struct config *cfg, const struct cli_opts *o, FILE *out)
{
    if (o->npos != 1) {
        fprintf(stderr, "steward: usage: steward probe -c FILE DEVICE\n");
        return 1;
    }
    const char *id = o->pos[0];
    int found = 0;
    for (size_t i = 0; i < cfg->n_devices; i++)
        found |= strcmp(cfg->devices[i].id, id) == 0;
    if (!found) {
        const char *near = nearest_device(cfg, id);
        fprintf(stderr, "steward: no Modbus device '%s' in %s", id, o->config);
        if (near) fprintf(stderr, "; did you mean '%s'?", near);
        fputc('\n', stderr);
        return 1;
    }
    return adapters_probe(cfg, id, out, stderr);
}
