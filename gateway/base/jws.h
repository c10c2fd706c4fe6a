/*
 * jws.h - signed commands: JWS compact serialization (RFC 7515) with HS256 (HMAC-SHA-256),
 * the one algorithm accepted. A control room signs a command's claims with its operator's key;
 * the gateway verifies the signature before it looks at the claims, so a client that can publish
 * on the broker but holds no key commands nothing.
 *
 *   BASE64URL({"alg":"HS256","kid":NAME}) "." BASE64URL(claims) "." BASE64URL(HMAC(key, both))
 *
 * Pure functions (OpenSSL's libcrypto for the HMAC); no state, thread-safe.
 */
#ifndef STEWARD_JWS_H
#define STEWARD_JWS_H

#include <stddef.h>

#define JWS_MAX 4096 /* a signed command is bounded like any command payload */

/* A token taken apart (jws_open). The strings are owned by it: free with jws_close. */
struct jws {
    char *kid;    /* the header's key id: the operator's name */
    char *claims; /* the payload, decoded: a JSON text, NUL-terminated */
    size_t claims_len;
    unsigned char sig[32]; /* the signature, decoded */
    size_t signed_len;     /* bytes of the token that are signed: header "." payload */
};

/*
 * Takes token (len bytes, not NUL-terminated) apart. Returns 0, or -1 with *why (static text):
 * not three base64url parts, a header that is not JSON, an "alg" other than "HS256", no "kid",
 * a signature that is not 32 bytes. Nothing is verified yet: call jws_verify with the kid's key.
 */
int jws_open(const char *token, size_t len, struct jws *out, const char **why);
void jws_close(struct jws *j);

/* 1 when j's signature over token (the same bytes given to jws_open) is key's HMAC, else 0.
 * Compared in constant time. */
int jws_verify(const struct jws *j, const char *token, const unsigned char *key, size_t keylen);

/* Signs claims (a JSON text) as kid with key. Returns the compact token (caller frees), or NULL
 * (out of memory, or a kid that needs JSON escaping). */
char *jws_sign(const char *kid, const unsigned char *key, size_t keylen, const char *claims);

#endif
