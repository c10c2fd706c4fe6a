/*
 * authority.h - who may give a command. Broker ACLs authenticate a connection, not a person:
 * anyone who can publish on P/cmd/ could otherwise ack an emergency alarm as anyone. So:
 *
 *  - With an `operators` list in the configuration, a command's `by` must name an operator who
 *    holds the role the command needs (ack, shelve, reset, workorder; cancel for an emergency
 *    work order). Without the list anyone may, as before, except cancel an emergency order.
 *  - With commands.require_signature, the payload must be a JWS (HS256, jws.h) whose `kid` names
 *    an operator and which verifies with that operator's key (key_file); its claims are the
 *    command's fields plus `iat` (Unix seconds, within commands.signature_window of now) and
 *    `jti` (never accepted before: remembered in the store for the window, and in memory for a
 *    store that cannot be written). `by` is then the kid, whatever the claims say.
 *
 * Owned by the commands module (one per gateway). Keys are read once at start from private
 * files and wiped at cleanup.
 */
#ifndef STEWARD_AUTHORITY_H
#define STEWARD_AUTHORITY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

struct journal;
struct store;

#define AUTH_RECENT 256 /* jtis kept in memory as well */

struct authority {
    const struct config *cfg; /* borrowed; NULL: no operators, no signatures (tests) */
    struct store *store;      /* borrowed: jtis seen */
    struct journal *journal;  /* borrowed: jtis recorded */
    unsigned char **key;      /* per operator: its key, or NULL; owned */
    size_t *key_len;
    char recent[AUTH_RECENT][65];
    size_t next_recent;
};

/* Reads every operator's key file (a private file, see mqtt_client.h). Returns 0, or
 * ST_ERR_CONFIG with the reason logged (a key that cannot be read stops the start). */
int authority_init(struct authority *a, const struct config *cfg, struct store *s,
                   struct journal *j);
void authority_cleanup(struct authority *a);

/* 1 when signatures are required. */
int authority_signed(const struct authority *a);

/*
 * Opens a signed command (payload, len bytes): verifies the signature with the kid's key, then
 * iat and jti, and records the jti. Returns 0 with *claims (a JSON object, caller decrefs) and
 * *by (the operator's name, borrowed from the config); ST_ERR_INVAL with *why (static text) when
 * it is refused; or a store error.
 */
int authority_open(struct authority *a, const void *payload, size_t len, int64_t now_wall,
                   json_t **claims, const char **by, const char **why);

/* 1 when `by` may give a command needing role (enum operator_role); else 0 with *why. */
int authority_allows(const struct authority *a, const char *by, unsigned role, const char **why);

#endif
