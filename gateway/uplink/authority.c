/* authority.c - see authority.h. */
#include "gateway/uplink/authority.h"
#include "gateway/base/error.h"
#include "gateway/base/jws.h"
#include "gateway/base/log.h"
#include "gateway/base/mqtt_client.h"
#include "gateway/store/journal.h"
#include "gateway/store/store.h"

#include <stdlib.h>
#include <string.h>

int authority_init(struct authority *a, const struct config *cfg, struct store *s,
                   struct journal *j)
{
    memset(a, 0, sizeof(*a));
    a->cfg = cfg;
    a->store = s;
    a->journal = j;
    size_t n = cfg->n_operators ? cfg->n_operators : 1;
    a->key = calloc(n, sizeof(*a->key));
    a->key_len = calloc(n, sizeof(*a->key_len));
    if (!a->key || !a->key_len) return ST_ERR_NOMEM;
    for (size_t i = 0; i < cfg->n_operators; i++) {
        const struct cfg_operator *op = &cfg->operators[i];
        if (!op->key_file) continue;
        char err[300];
        char *k = mqtt_read_secret(op->key_file, err, sizeof(err));
        if (!k) {
            log_msg(LOG_ERROR, "commands: operator %s: %s", op->name, err);
            return ST_ERR_CONFIG;
        }
        a->key[i] = (unsigned char *)k;
        a->key_len[i] = strlen(k);
    }
    return ST_OK;
}

void authority_cleanup(struct authority *a)
{
    for (size_t i = 0; a->key && a->cfg && i < a->cfg->n_operators; i++) {
        if (a->key[i]) memset(a->key[i], 0, a->key_len[i]);
        free(a->key[i]);
    }
    free(a->key);
    free(a->key_len);
    a->key = NULL;
    a->key_len = NULL;
}

int authority_signed(const struct authority *a)
{
    return a->cfg && a->cfg->commands.require_signature;
}

static int recent_seen(const struct authority *a, const char *jti)
{
    for (size_t i = 0; i < AUTH_RECENT; i++)
        if (a->recent[i][0] && strcmp(a->recent[i], jti) == 0) return 1;
    return 0;
}

int authority_open(struct authority *a, const void *payload, size_t len, int64_t now_wall,
                   json_t **claims, const char **by, const char **why)
{
    *claims = NULL;
    struct jws j;
    if (jws_open(payload, len, &j, why)) return ST_ERR_INVAL;
    int rc = ST_ERR_INVAL, op = config_operator_find(a->cfg, j.kid);
    json_t *o = NULL;
    if (op < 0 || !a->key[op]) {
        *why = "the signature's operator (kid) has no key here";
        goto out;
    }
    if (!jws_verify(&j, payload, a->key[op], a->key_len[op])) {
        *why = "the signature does not verify with the operator's key";
        goto out;
    }
    json_error_t e;
    o = json_loadb(j.claims, j.claims_len, JSON_REJECT_DUPLICATES, &e);
    json_t *iat = json_object_get(o, "iat");
    const char *jti = json_string_value(json_object_get(o, "jti"));
    int64_t window = a->cfg->commands.signature_window_ms;
    if (!json_is_object(o)) {
        *why = "the signed claims are not a JSON object";
    } else if (!json_is_integer(iat) ||
               llabs((long long)json_integer_value(iat) * 1000 - now_wall) > window) {
        *why = "the signed command is stale or from the future (iat outside the window)";
    } else if (!jti || !*jti || strlen(jti) > 64) {
        *why = "the signed command has no jti (1 to 64 characters)";
    } else {
        int seen = 0;
        rc = store_jti_seen(a->store, jti, &seen);
        if (rc) goto out;
        if (seen || recent_seen(a, jti)) {
            *why = "the signed command was seen before (a replay)";
            rc = ST_ERR_INVAL;
            goto out;
        }
        rc = journal_jti(a->journal, jti, now_wall, now_wall - 2 * window);
        if (rc) goto out;
        snprintf(a->recent[a->next_recent++ % AUTH_RECENT], sizeof(a->recent[0]), "%s", jti);
        *claims = o;
        o = NULL;
        *by = a->cfg->operators[op].name;
    }
out:
    json_decref(o);
    jws_close(&j);
    return rc;
}

int authority_allows(const struct authority *a, const char *by, unsigned role, const char **why)
{
    static const char *const lacks[] = {
        "the operator does not hold the ack role",
        "the operator does not hold the shelve role",
        "the operator does not hold the reset role",
        "the operator does not hold the workorder role",
        "the operator does not hold the cancel role",
        "the operator does not hold the out_of_service role",
    };
    if (!a->cfg || !a->cfg->has_operators) {
        if (role & ROLE_CANCEL) {
            *why = "cancelling an emergency work order needs an operator with the cancel role "
                   "(configure operators)";
            return 0;
        }
        return 1;
    }
    int op = by ? config_operator_find(a->cfg, by) : -1;
    if (op < 0) {
        *why = "\"by\" is not an operator of this gateway";
        return 0;
    }
    for (int k = 0; k < 6; k++) {
        if ((role & (1u << k)) && !(a->cfg->operators[op].roles & (1u << k))) {
            *why = lacks[k];
            return 0;
        }
    }
    return 1;
}
