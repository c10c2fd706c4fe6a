/* jws.c - see jws.h. */
#include "gateway/base/jws.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Encodes n bytes without padding into out (at least 4 * (n + 2) / 3 + 1 bytes). */
static size_t b64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        if (i + 1 < n) out[o++] = b64url[v >> 6 & 63];
        if (i + 2 < n) out[o++] = b64url[v & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64_value(char c)
{
    const char *p = c ? strchr(b64url, c) : NULL;
    return p ? (int)(p - b64url) : -1;
}

/* Decodes n characters of base64url (no padding) into out (room for 3 * n / 4 bytes). Returns the
 * byte count, or -1 on a character outside the alphabet or an impossible length. */
static long b64_decode(const char *in, size_t n, unsigned char *out)
{
    if (n % 4 == 1) return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        unsigned v = 0;
        size_t k;
        for (k = 0; k < 4 && i + k < n; k++) {
            int d = b64_value(in[i + k]);
            if (d < 0) return -1;
            v |= (unsigned)d << (18 - 6 * k);
        }
        out[o++] = (unsigned char)(v >> 16);
        if (k > 2) out[o++] = (unsigned char)(v >> 8);
        if (k > 3) out[o++] = (unsigned char)v;
    }
    return (long)o;
}

static int hmac(const unsigned char *key, size_t keylen, const void *data, size_t len,
                unsigned char out[32])
{
    size_t outlen = 0;
    unsigned char *r =
        EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, data, len, out, 32, &outlen);
    return r && outlen == 32 ? 0 : -1;
}

void jws_close(struct jws *j)
{
    free(j->kid);
    free(j->claims);
    memset(j, 0, sizeof(*j));
}

int jws_open(const char *token, size_t len, struct jws *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    if (len > JWS_MAX) return *why = "signed command too large", -1;
    const char *d1 = memchr(token, '.', len);
    const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
    if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
        return *why = "not a signed command (JWS compact: three parts)", -1;
    size_t hl = (size_t)(d1 - token), pl = (size_t)(d2 - d1 - 1),
           sl = len - (size_t)(d2 + 1 - token);
    unsigned char *hdr = malloc(hl + 1), *claims = malloc(pl + 1), sig[64];
    long hn = hdr ? b64_decode(token, hl, hdr) : -1;
    long pn = claims ? b64_decode(d1 + 1, pl, claims) : -1;
    long sn = sl <= 86 ? b64_decode(d2 + 1, sl, sig) : -1;
    json_t *h = NULL;
    int rc = -1;
    if (hn < 0 || pn < 0 || sn < 0) {
        *why = "a part of the signed command is not base64url";
        goto out;
    }
    json_error_t e;
    h = json_loadb((const char *)hdr, (size_t)hn, JSON_REJECT_DUPLICATES, &e);
    const char *alg = json_string_value(json_object_get(h, "alg"));
    const char *kid = json_string_value(json_object_get(h, "kid"));
    if (!json_is_object(h))
        *why = "the signature's header is not a JSON object";
    else if (!alg || strcmp(alg, "HS256") != 0)
        *why = "the signature's algorithm must be HS256";
    else if (!kid || !*kid || strlen(kid) > 63)
        *why = "the signature's header names no operator (kid)";
    else if (sn != 32)
        *why = "the signature is not an HMAC-SHA-256";
    else {
        out->kid = strdup(kid);
        claims[pn] = '\0';
        out->claims = (char *)claims;
        claims = NULL;
        out->claims_len = (size_t)pn;
        memcpy(out->sig, sig, 32);
        out->signed_len = (size_t)(d2 - token);
        rc = out->kid ? 0 : -1;
        if (rc) *why = "out of memory";
    }
out:
    json_decref(h);
    free(hdr);
    free(claims);
    if (rc) jws_close(out);
    return rc;
}

int jws_verify(const struct jws *j, const char *token, const unsigned char *key, size_t keylen)
{
    unsigned char mac[32];
    if (hmac(key, keylen, token, j->signed_len, mac)) return 0;
    return CRYPTO_memcmp(mac, j->sig, 32) == 0;
}

char *jws_sign(const char *kid, const unsigned char *key, size_t keylen, const char *claims)
{
    json_t *h = json_pack("{s:s, s:s}", "alg", "HS256", "kid", kid);
    char *htext = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    size_t hl = htext ? strlen(htext) : 0, cl = strlen(claims);
    char *tok = htext ? malloc(4 * (hl + 2) / 3 + 4 * (cl + 2) / 3 + 48 + 4) : NULL;
    if (!tok) {
        free(htext);
        return NULL;
    }
    size_t n = b64_encode((const unsigned char *)htext, hl, tok);
    tok[n++] = '.';
    n += b64_encode((const unsigned char *)claims, cl, tok + n);
    unsigned char mac[32];
    free(htext);
    if (hmac(key, keylen, tok, n, mac)) {
        free(tok);
        return NULL;
    }
    tok[n++] = '.';
    b64_encode(mac, 32, tok + n);
    return tok;
}
