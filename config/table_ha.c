/* table_ha.c - the settings table of the homeassistant group: Home Assistant MQTT discovery
 * (gateway/uplink/discovery.h). Read by load_ha.c. */
#include "config/config.h"
#include "config/settings.h"

#include <stdlib.h>
#include <string.h>

/* A topic level of Home Assistant's discovery topics: PREFIX/COMPONENT/NODE_ID/OBJECT_ID/config. */
static const char *apply_prefix(void *target, const struct setting *row, const struct set_value *v)
{
    (void)row;
    const char *p = v->s;
    if (!*p || strpbrk(p, "+#") || p[0] == '/' || p[strlen(p) - 1] == '/')
        return "must be a plain topic without + # or a leading or trailing /";
    ((struct config *)target)->homeassistant.prefix = strdup(p);
    return NULL;
}

/* Home Assistant accepts only these characters in a node id. */
static const char *apply_node_id(void *target, const struct setting *row, const struct set_value *v)
{
    (void)row;
    const char *p = v->s;
    if (!*p || strlen(p) > 64 ||
        strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                  "0123456789_-") != strlen(p))
        return "must be 1 to 64 letters, digits, _ or -";
    ((struct config *)target)->homeassistant.node_id = strdup(p);
    return NULL;
}

static const struct setting ha_rows[] = {
    {.name = "discovery",
     SET_BOOLEAN(struct config, homeassistant.discovery),
     .def = "false",
     .doc = "announce every point, sensor and alarm to Home Assistant (retained config messages); "
            "set false to remove them"},
    {.name = "prefix",
     .type = SET_STRING,
     .off = SET_NOWHERE,
     .apply = apply_prefix,
     .def = "homeassistant",
     .doc = "Home Assistant's discovery prefix"},
    {.name = "node_id",
     .type = SET_STRING,
     .off = SET_NOWHERE,
     .apply = apply_node_id,
     .shown = "`steward_SITE`",
     .doc = "the node id in discovery topics and the start of every unique id"},
};
const struct set_table set_homeassistant = {.name = "homeassistant",
                                            .doc = "Home Assistant MQTT discovery",
                                            .selector = -1,
                                            SET_ROWS(ha_rows)};
