/*
 * fuzz_sensor.c - libFuzzer target: MQTT sensor payloads (mqtt_sensor_parse).
 *
 * Every input is read as the payload of each sensor form: JSON with a field (a boolean, number
 * or string member; on/off strings configured, defaulted or absent), plain with the default or
 * configured on/off words, each also inverted. A payload gives a state of 0 or 1 or is refused
 * with a reason (ST_ERR_TOOBIG exactly when over SENSOR_PAYLOAD_MAX); the inverted form gives the
 * same verdict and the opposite state; a plain payload means the same with white space around
 * it. The payload is passed as libFuzzer's buffer, not NUL-terminated, so a read past its end
 * is an AddressSanitizer report.
 */
#include "tests/fuzz/fuzz_common.h"
#include "adapters/mqtt_sensors/parse.h"
#include "gateway/base/error.h"
#include "gateway/base/log.h"

#include <stdlib.h>
#include <string.h>

/* id, field, plain, on, off: each is fuzzed as given and inverted. */
static struct cfg_sensor forms[] = {
    {.id = "leak_pump", .field = "water_leak", .on = "1", .off = "0"},
    {.id = "panel", .field = "state", .on = "ALARM", .off = "NORMAL"},
    {.id = "bare", .field = "contact"}, /* no on/off at all: only the usual spellings */
    {.id = "empty_field", .field = "", .on = "1", .off = "0"},
    {.id = "plain", .plain = 1, .on = "1", .off = "0"},
    {.id = "plain_words", .plain = 1, .on = "OPEN", .off = "closed"},
};
#define N_FORMS (sizeof(forms) / sizeof(forms[0]))

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_threshold = LOG_ERROR;
    return 0;
}

static int parse(const struct cfg_sensor *s, const void *p, size_t len, int *state)
{
    const char *why = NULL;
    *state = -1;
    int rc = mqtt_sensor_parse(s, p, len, state, &why);
    FUZZ_CHECK(why, "%s: no reason pointer set", s->id);
    if (rc == ST_OK) {
        FUZZ_CHECK(*state == 0 || *state == 1, "%s: state %d", s->id, *state);
    } else {
        FUZZ_CHECK(rc == (len > SENSOR_PAYLOAD_MAX ? ST_ERR_TOOBIG : ST_ERR_INVAL),
                   "%s: rc %d for %zu bytes", s->id, rc, len);
        FUZZ_CHECK(why[0], "%s: refused without a reason", s->id);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (size_t f = 0; f < N_FORMS; f++) {
        struct cfg_sensor s = forms[f];
        int state, inv_state;
        int rc = parse(&s, data, size, &state);
        s.invert = 1;
        int inv = parse(&s, data, size, &inv_state);
        FUZZ_CHECK(rc == inv && (rc || inv_state == !state), "%s: %d/%d, inverted %d/%d", s.id, rc,
                   state, inv, inv_state);
        if (s.plain && size + 4 <= SENSOR_PAYLOAD_MAX) {
            s.invert = 0;
            char *padded = malloc(size + 4);
            FUZZ_CHECK(padded, "out of memory");
            memcpy(padded, " \t", 2);
            if (size) memcpy(padded + 2, data, size);
            memcpy(padded + 2 + size, "\r\n", 2);
            int padded_state, prc = parse(&s, padded, size + 4, &padded_state);
            FUZZ_CHECK(prc == rc && (rc || padded_state == state),
                       "%s: white space changed %d/%d into %d/%d", s.id, rc, state, prc,
                       padded_state);
            free(padded);
        }
    }
    return 0;
}
