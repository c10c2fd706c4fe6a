/* load_ha.c - the homeassistant group: the table of table_ha.c reads it; the node id's default
 * derives from the site id. */
#include "config/config.h"
#include "config/load.h"
#include "config/reader.h"
#include "config/settings.h"

#include <stdio.h>
#include <stdlib.h>

void config_load_homeassistant(struct reader *r, const config_setting_t *root, struct config *c)
{
    const config_setting_t *g = settings_child(root, "homeassistant", SET_GROUP);
    settings_read(r, &set_homeassistant, g, "homeassistant", c, 0);
    if (!c->homeassistant.node_id &&
        asprintf(&c->homeassistant.node_id, "steward_%s", c->site.id) < 0)
        c->homeassistant.node_id = NULL;
}
