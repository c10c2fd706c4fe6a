/* units.c - see units.h. */
#include "simulator/units.h"
#include "adapters/modbus/decode.h"
#include "gateway/base/error.h"

#include <stdlib.h>

int sim_units_init(struct sim_units *u, const struct config *cfg, int bus)
{
    u->n = 0;
    u->v = calloc(cfg->n_devices ? cfg->n_devices : 1, sizeof(*u->v));
    if (!u->v) return ST_ERR_NOMEM;
    for (size_t d = 0; d < cfg->n_devices; d++) {
        if (cfg->devices[d].bus != bus) continue;
        const struct cfg_profile *p = &cfg->profiles[cfg->devices[d].profile];
        int nh = 0, ni = 0;
        for (size_t k = 0; k < p->n_points; k++) {
            int end = p->points[k].address + reg_type_width(p->points[k].type);
            if (p->points[k].table == TABLE_HOLDING && end > nh) nh = end;
            if (p->points[k].table == TABLE_INPUT && end > ni) ni = end;
        }
        struct sim_unit *s = &u->v[u->n++];
        s->device = (int)d;
        if (!(s->map = modbus_mapping_new(0, 0, nh, ni))) {
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
            uint16_t *regs =
                def->table == TABLE_HOLDING ? map->tab_registers : map->tab_input_registers;
            decode_encode(def, w->value[d->first_point + (int)k], &regs[def->address]);
        }
    }
}

struct sim_unit *sim_units_answering(struct sim_units *u, const struct config *cfg,
                                     const struct world *w, int unit)
{
    for (size_t i = 0; i < u->n; i++)
        if (cfg->devices[u->v[i].device].unit == unit)
            return w->fault[u->v[i].device] == SIM_OFFLINE ? NULL : &u->v[i];
    return NULL;
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
