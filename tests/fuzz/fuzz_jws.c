/*
 * fuzz_jws - signed commands as the gateway reads them (gateway/base/jws.c): any bytes taken
 * apart with jws_open never crash it, and whatever it accepts is only ever verified against the
 * key; a token this target signs itself from the input always opens and verifies, and fails
 * with another key or one byte changed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/base/jws.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char key[] = "fuzz-key-0123456789", other[] = "another-key";
    const char *why = NULL;
    struct jws j;
    if (jws_open((const char *)data, size, &j, &why) == 0) {
        FUZZ_CHECK(j.kid && j.claims && j.signed_len < size, "an opened token lacks its parts");
        jws_verify(&j, (const char *)data, key, sizeof(key) - 1);
        jws_close(&j);
    } else {
        FUZZ_CHECK(why != NULL, "a refusal without a reason");
    }
    /* The input as claims: sign, open, verify; tamper, and it must not verify. */
    char *claims = malloc(size + 1);
    if (!claims) return 0;
    memcpy(claims, data, size);
    claims[size] = '\0';
    char *tok = jws_sign("op", key, sizeof(key) - 1, claims);
    free(claims);
    if (!tok) return 0;
    size_t n = strlen(tok);
    FUZZ_CHECK(jws_open(tok, n, &j, &why) == 0, "a token we signed does not open");
    FUZZ_CHECK(jws_verify(&j, tok, key, sizeof(key) - 1), "a token we signed does not verify");
    FUZZ_CHECK(!jws_verify(&j, tok, other, sizeof(other) - 1), "it verifies with another key");
    FUZZ_CHECK(strlen(j.claims) <= size, "claims grew");
    jws_close(&j);
    tok[n / 3] ^= 1; /* one bit of the header or payload */
    if (jws_open(tok, n, &j, &why) == 0) {
        FUZZ_CHECK(!jws_verify(&j, tok, key, sizeof(key) - 1), "a changed token still verifies");
        jws_close(&j);
    }
    free(tok);
    return 0;
}
