/*
 * load.h - the loaders of each part of the configuration (private to config/). Each reads its
 * group from the libconfig root into c, reporting every problem through the reader; config_load
 * calls them in order: site first (other defaults derive from its id), then mqtt, storage,
 * modbus, sensors, the point catalog, and last the rules (which name points), sla, maintenance.
 */
#ifndef STEWARD_CONFIG_LOAD_H
#define STEWARD_CONFIG_LOAD_H

#include <libconfig.h>

#include "config/config.h"
#include "config/reader.h"

/* "emergency", "urgent", "normal", "info", NULL: indexed by enum priority. */
extern const char *const priority_names[];

void config_load_site(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_mqtt(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_storage(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_modbus(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_sensors(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_rules(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_sla(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_maintenance(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_commands(struct reader *r, const config_setting_t *root, struct config *c);
void config_load_homeassistant(struct reader *r, const config_setting_t *root, struct config *c);

#endif
