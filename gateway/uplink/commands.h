/*
 * commands.h - commands from upstream (the control room, the CMMS, `steward ack`):
 *   P/cmd/ack       {"alarm":"ID","by":"NAME"}
 *   P/cmd/workorder {"id":"WO-...","status":"accepted","by":"NAME","note":"..."}
 *   P/cmd/shelve    {"alarm":"ID","for":"1h","by":"NAME"}   (1 s to 24 h; not emergency alarms)
 *   P/cmd/unshelve  {"alarm":"ID","by":"NAME"}
 * Every command may carry "req" (a string the sender chooses); the answer on P/cmd/result is
 * {"cmd","ok","error","req",...} so a sender can match it. Payloads are bounded and validated:
 * a malformed one is answered with ok=false, counted, and changes nothing. Who may give which
 * command, and signed commands, are authority.h's. Every command, accepted or refused, is also
 * a `command` event with its reason; refusals are logged, throttled.
 */
#ifndef STEWARD_COMMANDS_H
#define STEWARD_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "gateway/base/log.h"
#include "gateway/uplink/authority.h"

struct alarms;
struct journal;
struct wo_table;

#define CMD_PAYLOAD_MAX 4096
#define CMD_FIELD_MAX 256

struct commands {
    struct alarms *alarms;
    struct wo_table *wos;
    struct journal *journal;
    uint64_t rejected;     /* malformed or refused commands */
    struct authority auth; /* zeroed: anyone may, nothing is signed (tests) */
    struct log_complain refusals;
};

/*
 * Handles the command `verb` (the topic level after P/cmd/). Writes the result through the
 * journal. Returns 0, or a store error (the caller's transaction must then not be published).
 */
int commands_handle(struct commands *c, const char *verb, const void *payload, size_t len,
                    int64_t now_mono, int64_t now_wall);

#endif
