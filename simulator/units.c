/* units.c - see units.h. */
#include "simulator/units.h"
#include "adapters/modbus/decode.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"

#include <stdlib.h>

int sim_units_init(struct sim_units *u, const struct config *cfg, int bus)
{
    u->n = 0;
    u->v = calloc(cfg->n_devices ? cfg->n_devices : 1, sizeof(*u->v));
    if (!u->v) return ST_ERR_NOMEM;
    for (size_t d = 0; d < cfg->n_devices; d++) {
        if (cfg->devices[d].bus != bus) continue;
        const struct cfg_profile *p = &cfg->profiles[cfg->devices[d].profile];
        int end[4] = {0, 0, 0, 0}; /* per table: one past its highest register or bit */
        for (size_t k = 0; k < p->n_points; k++) {
            int e = p->points[k].address + decode_width(&p->points[k]);
            if (e > end[p->points[k].table]) end[p->points[k].table] = e;
        }
        struct sim_unit *s = &u->v[u->n++];
        s->device = (int)d;
        if (!(s->map = modbus_mapping_new(end[TABLE_COIL], end[TABLE_DISCRETE], end[TABLE_HOLDING],
                                          end[TABLE_INPUT]))) {
            sim_units_cleanup(u);
            return ST_ERR_NOMEM;
        }
    }
    return ST_OK;
}

void sim_units_cleanup(struct sim_units *u)
{
    for (size_t i = 0; u->v && i < u->n; i++)
        modbus_mapping_free(u->v[i].map);
    free(u->v);
    u->v = NULL;
    u->n = 0;
}

void sim_units_refresh(struct sim_units *u, const struct config *cfg, const struct world *w)
{
    for (size_t i = 0; i < u->n; i++) {
        const struct cfg_device *d = &cfg->devices[u->v[i].device];
        const struct cfg_profile *p = &cfg->profiles[d->profile];
        modbus_mapping_t *map = u->v[i].map;
        for (size_t k = 0; k < p->n_points; k++) {
            const struct cfg_point_def *def = &p->points[k];
            double v = w->value[d->first_point + (int)k];
            if (def->table == TABLE_COIL || def->table == TABLE_DISCRETE) {
                uint8_t *bits = def->table == TABLE_COIL ? map->tab_bits : map->tab_input_bits;
                uint16_t word = 0;
                decode_encode(def, v, &word);
                bits[def->address] = word ? 1 : 0;
                continue;
            }
            uint16_t *regs =
                def->table == TABLE_HOLDING ? map->tab_registers : map->tab_input_registers;
            decode_encode(def, v, &regs[def->address]);
        }
    }
}

struct sim_unit *sim_units_find(struct sim_units *u, const struct config *cfg, int unit)
{
    for (size_t i = 0; i < u->n; i++)
        if (cfg->devices[u->v[i].device].unit == unit) return &u->v[i];
    return NULL;
}

void sim_units_count(struct sim_units *u, const struct config *cfg, int unit, int fc)
{
    struct sim_unit *s = sim_units_find(u, cfg, unit);
    if (s) s->by_fc[fc >= 0 && fc < 128 ? fc : 0]++;
}

struct sim_unit *sim_units_answering(struct sim_units *u, const struct config *cfg,
                                     const struct world *w, int unit)
{
    struct sim_unit *s = sim_units_find(u, cfg, unit);
    return s && w->fault[s->device] != SIM_OFFLINE ? s : NULL;
}

int sim_is_write(int function)
{
    return function == 5 || function == 6 || function == 15 || function == 16 || function == 22 ||
           function == 23;
}

size_t sim_units_garbage(const uint8_t *pdu, uint8_t *out)
{
    /* A read reply whose byte count disagrees with the registers asked for: well framed, so the
     * client reads it whole, and wrong, so it must refuse it. */
    int asked = pdu[3] << 8 | pdu[4];
    if (asked > MODBUS_MAX_READ_REGISTERS) asked = MODBUS_MAX_READ_REGISTERS; /* any request */
    int words = asked > 1 ? asked - 1 : asked + 1; /* at most 124 words: 250 bytes of 256 */
    out[0] = pdu[0];
    out[1] = (uint8_t)(2 * words);
    for (int k = 0; k < 2 * words; k++)
        out[2 + k] = 0xA5;
    return 2 + 2 * (size_t)words;
}

static size_t exception(uint8_t fc, uint8_t code, uint8_t *out)
{
    out[0] = (uint8_t)(fc | 0x80);
    out[1] = code;
    return 2;
}

size_t sim_units_reply(const struct sim_unit *s, const uint8_t *pdu, size_t len, uint8_t *out)
{
    uint8_t fc = len ? pdu[0] : 0;
    if (len < 5 || fc < 1 || fc > 4) return exception(fc, MODBUS_EXCEPTION_ILLEGAL_FUNCTION, out);
    int start = pdu[1] << 8 | pdu[2], count = pdu[3] << 8 | pdu[4];
    const modbus_mapping_t *m = s->map;
    static const int max[5] = {0, MODBUS_MAX_READ_BITS, MODBUS_MAX_READ_BITS,
                               MODBUS_MAX_READ_REGISTERS, MODBUS_MAX_READ_REGISTERS};
    int have = fc == 1   ? m->nb_bits
               : fc == 2 ? m->nb_input_bits
               : fc == 3 ? m->nb_registers
                         : m->nb_input_registers;
    if (count < 1 || count > max[fc] || start + count > have)
        return exception(fc, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS, out);
    out[0] = fc;
    if (fc <= 2) {
        const uint8_t *bits = fc == 1 ? m->tab_bits : m->tab_input_bits;
        int bytes = (count + 7) / 8;
        out[1] = (uint8_t)bytes;
        for (int b = 0; b < bytes; b++)
            out[2 + b] = 0;
        for (int i = 0; i < count; i++)
            if (bits[start + i]) out[2 + i / 8] |= (uint8_t)(1u << (i % 8));
        return 2 + (size_t)bytes;
    }
    const uint16_t *regs = fc == 3 ? m->tab_registers : m->tab_input_registers;
    out[1] = (uint8_t)(2 * count);
    for (int i = 0; i < count; i++) {
        out[2 + 2 * i] = (uint8_t)(regs[start + i] >> 8);
        out[3 + 2 * i] = (uint8_t)regs[start + i];
    }
    return 2 + 2 * (size_t)count;
}

void sim_units_report(const struct sim_units *u, const struct config *cfg, const char *bus)
{
    for (size_t i = 0; i < u->n; i++) {
        const struct sim_unit *s = &u->v[i];
        uint64_t total = 0, other = 0;
        for (int fc = 0; fc < 128; fc++) {
            total += s->by_fc[fc];
            if (fc < 1 || fc > 4) other += s->by_fc[fc];
        }
        const struct cfg_device *d = &cfg->devices[s->device];
        log_msg(LOG_INFO,
                "sim: bus %s unit %d (%s): %llu requests, fc1 %llu fc2 %llu fc3 %llu fc4 %llu "
                "other %llu",
                bus, d->unit, d->id, (unsigned long long)total, (unsigned long long)s->by_fc[1],
                (unsigned long long)s->by_fc[2], (unsigned long long)s->by_fc[3],
                (unsigned long long)s->by_fc[4], (unsigned long long)other);
    }
}
