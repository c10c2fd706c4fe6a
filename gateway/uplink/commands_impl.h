/*
 * commands_impl.h - shared by the files of the command handler only (commands.c: opening a
 * payload, dispatch, answers; cmd_alarm.c: the alarm verbs; cmd_workorder.c: work-order status).
 */
#ifndef STEWARD_COMMANDS_IMPL_H
#define STEWARD_COMMANDS_IMPL_H

#include <jansson.h>
#include <stdint.h>

#include "gateway/uplink/commands.h"

/* A string member of at most CMD_FIELD_MAX bytes, or NULL (absent, wrong type or too long: then
 * *bad is set). */
const char *commands__field(const json_t *o, const char *key, int *bad);
/* Answers on P/cmd/result and records the `command` event (one change). Returns a store error
 * or 0. */
int commands__reply(struct commands *c, const char *verb, const json_t *req, int ok,
                    const char *error, const char *what_key, const char *what);
/* Answers a module's result: refused with why (not found, invalid, wrong state), else accepted;
 * any other code is the store's and is returned. */
int commands__outcome(struct commands *c, const char *verb, const json_t *o, int rc,
                      const char *why, const char *key, const char *value);
/* 1 (answered, *rc the answer's code) when `by` may not give a command needing role. */
int commands__refused(struct commands *c, const char *verb, const json_t *o, const char *by,
                      unsigned role, const char *key, const char *value, int *rc);

/* The verbs: each validates its fields, checks the role, acts, and answers. */
int commands__ack(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall);
int commands__shelve(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall);
int commands__unshelve(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall);
int commands__workorder(struct commands *c, const json_t *o, int64_t now_wall);
int commands__reset(struct commands *c, const json_t *o, int64_t now_mono, int64_t now_wall);
/* verb: "out_of_service" or "in_service". */
int commands__service(struct commands *c, const char *verb, const json_t *o, int64_t now_mono,
                      int64_t now_wall);

#endif
