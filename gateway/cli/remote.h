/*
 * remote.h - sends a command to a running gateway the way the control room does: publish on
 * P/cmd/VERB through the upstream broker and wait for the matching answer on P/cmd/result.
 * `steward ack` uses it, so an acknowledgement from the command line and one from the control
 * room take the same path through the gateway.
 */
#ifndef STEWARD_REMOTE_H
#define STEWARD_REMOTE_H

#include <stdio.h>

#include "config/config.h"

/*
 * Publishes the JSON object text `body` (which must not contain "req"; one is added) on
 * PREFIX/cmd/verb and waits up to timeout_ms for the result. Prints the result line to out.
 * With key_file (not NULL) the command is signed (jws.h) as the operator `signer` with the key in
 * that file (a private file), and carries iat and a fresh random jti, as the gateway requires
 * with commands.require_signature. Returns the exit code: 0 the gateway accepted it, 1 it
 * refused it (no such alarm, not allowed...), 2 no answer (broker unreachable, gateway not
 * running) or the key cannot be used.
 */
int remote_command(const struct config *cfg, const char *verb, const char *body, const char *signer,
                   const char *key_file, int timeout_ms, FILE *out);

#endif
