/*
 * alarms_impl.h - what the files of gateway/alarms/ share among themselves (alarms.c: the table
 * and evaluation; builtin.c: comm_/silent_ alarms; shelve.c: shelving; alarm_doc.c: documents,
 * recording and restore). Nothing outside gateway/alarms/ includes this.
 */
#ifndef STEWARD_ALARMS_IMPL_H
#define STEWARD_ALARMS_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/alarms/alarms.h"

/* Queues alarm i for evaluation. */
void alarms__mark_dirty(struct alarms *a, size_t i);

/* Adds the built-in alarms of cfg to the table (builtin.c). Returns 0 or ST_ERR_NOMEM. */
int alarms__add_builtins(struct alarms *a);
/* How many built-in alarms cfg has at most (builtin.c), for the table's room. */
size_t alarms__builtin_count(const struct config *cfg);
/* The "kind" of a built-in alarm's events: "comm_fault", "sensor_silent", "battery_low". */
const char *alarms__builtin_kind(const struct alarm *al);
/* Appends an alarm to a->v (room is reserved by alarms_init); title is owned from then on. */
int alarms__add(struct alarms *a, enum alarm_kind kind, int ref, const char *id_prefix,
                const char *name, char *title);

/*
 * Records a transition of al (from `from`, by t, on behalf of by, may be NULL) through the
 * journal: the alarm document, its event, and for a raise its work order (alarm_doc.c).
 */
int alarms__record(struct alarms *a, struct alarm *al, enum alarm_state from,
                   enum alarm_transition t, const char *by, int64_t now_wall);

/* Republishes al's document (its quality or chatter changed) without a transition. */
int alarms__republish(struct alarms *a, struct alarm *al, int64_t now_wall);

/* Takes al off the shelf and queues it for a fresh evaluation (shelve.c). */
int alarms__unshelve(struct alarms *a, struct alarm *al, const char *by, int64_t now_wall);
/* Notes a shelf from start to end (wall ms) in al's log, for the shelving cap (shelve.c). */
void alarms__shelf_noted(struct alarm *al, int64_t start, int64_t end);
/* The shelf timer's function (shelve.c). */
int alarms__shelf_due(void *ctx, int64_t now_mono, int64_t now_wall, int64_t *again);

/* Copies a person's name into dst (cap bytes), cut at a UTF-8 character boundary. */
void alarms__copy_name(char *dst, size_t cap, const char *src);

#endif
