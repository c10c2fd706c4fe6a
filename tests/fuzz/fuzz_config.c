/*
 * fuzz_config.c - libFuzzer target: the configuration loader (config_load) on any file.
 *
 * The input is written to one memfd, reused for every input and read back through
 * /proc/self/fd/N, so nothing touches the disk. A file is either refused with every message as
 * "FILE:LINE: message" (or "FILE: message") or loaded into a config whose cross-references all
 * hold: indexes in range, the point catalog contiguous per device, every rule compiled and
 * reading only catalog points, every profile's block-read plan inside the address space.
 * An input naming another file (libconfig's @include) is skipped: it would read outside the
 * input.
 *
 * Leaks: libconfig's one known leak (tests/fuzz/lsan.supp) follows most malformed inputs, and
 * each would make libFuzzer scan the heap and symbolize the suppressed stack, twenty times the
 * cost of the input. run.sh passes -detect_leaks=0, and this target asks LeakSanitizer itself
 * every FUZZ_LEAK_CHECK_EVERY inputs (fuzz_leak_check), which still reports any leak of ours.
 */
#include "tests/fuzz/fuzz_common.h"
#include "adapters/modbus/decode.h"
#include "adapters/modbus/plan.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"
#include "rules/expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_threshold = LOG_ERROR;
    fd = memfd_create("steward-fuzz-config", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0, "memfd_create failed");
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    return 0;
}

static void check_expr(const struct config *c, const struct expr *e, const char *what, size_t i)
{
    const int *ids;
    size_t n = expr_points(e, &ids);
    for (size_t k = 0; k < n; k++)
        FUZZ_CHECK(ids[k] >= 0 && (size_t)ids[k] < c->n_points, "rule %zu %s reads point %d of %zu",
                   i, what, ids[k], c->n_points);
}

static void check_loaded(const struct config *c)
{
    for (size_t i = 0; i < c->n_devices; i++) {
        const struct cfg_device *d = &c->devices[i];
        FUZZ_CHECK(d->id, "device %zu without id", i);
        FUZZ_CHECK(d->bus >= 0 && (size_t)d->bus < c->n_buses, "device %zu on bus %d", i, d->bus);
        FUZZ_CHECK(d->profile >= 0 && (size_t)d->profile < c->n_profiles,
                   "device %zu with profile %d", i, d->profile);
        FUZZ_CHECK(d->unit >= 0 && d->unit <= 255, "device %zu: unit %d", i, d->unit);
        const struct cfg_profile *p = &c->profiles[d->profile];
        FUZZ_CHECK(d->first_point >= 0 && (size_t)d->first_point + p->n_points <= c->n_points,
                   "device %zu: points %d..+%zu of %zu", i, d->first_point, p->n_points,
                   c->n_points);
        for (size_t k = 0; k < p->n_points; k++) {
            const struct cfg_point *cp = &c->points[(size_t)d->first_point + k];
            FUZZ_CHECK(cp->device == (int)i && cp->def == &p->points[k],
                       "device %zu: catalog point %zu is not its point", i, k);
        }
    }
    for (size_t i = 0; i < c->n_profiles; i++) {
        const struct cfg_profile *p = &c->profiles[i];
        for (size_t k = 0; k < p->n_points; k++) {
            const struct cfg_point_def *d = &p->points[k];
            FUZZ_CHECK(d->address >= 0 && d->address + reg_type_width(d->type) <= 65536,
                       "profile %zu point %zu at address %d", i, k, d->address);
            FUZZ_CHECK(decode_order_check(d->order) == ST_OK, "profile %zu point %zu order '%s'", i,
                       k, d->order);
            FUZZ_CHECK(d->scale != 0, "profile %zu point %zu: scale 0", i, k);
        }
        struct plan_limits lim = plan_limits_for(NULL, p);
        fuzz_check_plan(p, &lim);
    }
    for (size_t i = 0; i < c->n_sensors; i++) {
        const struct cfg_sensor *s = &c->sensors_in[i];
        FUZZ_CHECK(s->point >= 0 && (size_t)s->point < c->n_points &&
                       c->points[s->point].sensor == (int)i,
                   "sensor %zu is catalog point %d", i, s->point);
        FUZZ_CHECK(s->topic && !s->plain == !!s->field, "sensor %zu: topic or field missing", i);
    }
    for (size_t i = 0; i < c->n_points; i++) {
        const struct cfg_point *p = &c->points[i];
        FUZZ_CHECK(p->name, "point %zu without a name", i);
        FUZZ_CHECK((p->device >= 0) != (p->sensor >= 0), "point %zu: device %d, sensor %d", i,
                   p->device, p->sensor);
        FUZZ_CHECK(config_point_find(c, p->name) == (int)i, "point name '%s' not unique", p->name);
    }
    for (size_t i = 0; i < c->n_rules; i++) {
        const struct cfg_rule *r = &c->rules[i];
        FUZZ_CHECK(r->id && r->when && r->when_expr, "rule %zu not compiled", i);
        FUZZ_CHECK(!r->clear == !r->clear_expr, "rule %zu: clear text and program disagree", i);
        FUZZ_CHECK((unsigned)r->priority < PRIO_COUNT, "rule %zu: priority %d", i, r->priority);
        FUZZ_CHECK(r->on_delay_ms >= 0 && r->off_delay_ms >= 0, "rule %zu: negative delay", i);
        check_expr(c, r->when_expr, "when", i);
        if (r->clear_expr) check_expr(c, r->clear_expr, "clear", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (memmem(data, size, "@include", 8)) return -1; /* -1: not added to the corpus */
    FUZZ_CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size,
               "cannot write the memfd");
    struct config *c = NULL;
    struct config_diag diag = {0};
    int rc = config_load(path, &c, &diag);
    if (rc == ST_OK) {
        FUZZ_CHECK(c, "loaded without a config");
        check_loaded(c);
    } else {
        FUZZ_CHECK(!c, "refused (%d) but returned a config", rc);
        FUZZ_CHECK(rc == ST_ERR_CONFIG, "refused with %d (%s)", rc, st_strerror(rc));
        FUZZ_CHECK(diag.n > 0, "refused without a message");
        size_t plen = strlen(path);
        for (size_t i = 0; i < diag.n; i++)
            FUZZ_CHECK(!strncmp(diag.msgs[i], path, plen) && diag.msgs[i][plen] == ':',
                       "message without FILE: '%s'", diag.msgs[i]);
    }
    config_free(c);
    config_diag_free(&diag);
    fuzz_leak_check();
    return 0;
}
