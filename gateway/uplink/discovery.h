/*
 * discovery.h - Home Assistant MQTT discovery (homeassistant = { discovery = true; }).
 *
 * Every entity of the configuration is announced with a retained config message at
 * PREFIX_HA/COMPONENT/NODE_ID/OBJECT_ID/config, where Home Assistant finds it:
 *   - each Modbus point: a sensor on P/telemetry/DEVICE/POINT, with its unit and, where the
 *     unit says it, device_class and state_class (V voltage, A current, kW power, kWh energy
 *     total_increasing, °C temperature, % humidity or battery by the point's name, PF power
 *     factor...);
 *   - each MQTT sensor: a binary_sensor on P/telemetry/SENSOR (fire smoke, leak moisture, door
 *     door), or a sensor for type = "number";
 *   - each alarm, rules and built-ins: a binary_sensor of class problem on P/alarms/ID, ON unless
 *     its state is "normal", with the alarm document as attributes;
 *   - the gateway itself: a connectivity binary_sensor on P/status.
 * Entities are grouped into Home Assistant devices by asset, each with via_device the gateway's
 * own device. Every entity but the gateway's is available while P/status says "online" (and a
 * point or sensor while its quality is good).
 *
 * The configs are derived from the configuration, so they are published directly (QoS 1,
 * retained, not through the outbox) each time the upstream link connects, after the online
 * status. What was announced is remembered in the store (marks "ha:TOPIC", written through the
 * journal): at the first connection after a start, each topic announced before and no longer
 * configured (an entity removed, discovery turned off, another prefix or node id) is cleared
 * with an empty retained message, so Home Assistant removes the entity.
 *
 * Owned by the uplink (uplink.h). Borrows the config, the alarm table, the store and the journal
 * for its lifetime. Single-threaded (the core's).
 */
#ifndef STEWARD_DISCOVERY_H
#define STEWARD_DISCOVERY_H

#include <stddef.h>

#include "config/config.h"

struct alarms;
struct journal;
struct store;
struct discovery;

/* Publishes one retained config (payload of len bytes; len 0 clears it). Returns 0 or an st_err. */
typedef int (*discovery_publish_fn)(void *ctx, const char *topic, const char *payload, size_t len);

/*
 * Builds the configs of cfg's entities (none when discovery is off) and reads from s what was
 * announced before. Returns 0 and *out (free with discovery_free), ST_ERR_NOMEM, or the store's
 * error.
 */
int discovery_new(const struct config *cfg, const struct alarms *alarms, struct store *s,
                  struct journal *j, struct discovery **out);
void discovery_free(struct discovery *d); /* NULL-safe */

/*
 * Publishes every config through fn(ctx, ...), then clears each topic announced before and no
 * longer configured; the first time, records what is announced now through the journal (in the
 * caller's group). Returns 0, or the first error of fn or of the journal.
 */
int discovery_announce(struct discovery *d, discovery_publish_fn fn, void *ctx);

/* The configs built (for tests): how many, and the topic and payload of the i-th (borrowed). */
size_t discovery_count(const struct discovery *d);
const char *discovery_topic(const struct discovery *d, size_t i);
const char *discovery_payload(const struct discovery *d, size_t i);
/* The topics cleared at the announcements (announced before, no longer configured). */
size_t discovery_removed(const struct discovery *d);

/* The Home Assistant classes a unit (and a point's name, for %) says: the unit to show (may differ
 * in spelling: "C" is "°C"), device_class and state_class, each NULL when none. */
void discovery_classes(const char *unit, const char *name, const char **unit_out,
                       const char **device_class, const char **state_class);

#endif
