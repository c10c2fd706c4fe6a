/* Unit tests: the configuration reference in README.md is the one the settings tables print
 * (config_reference_print), so the documentation cannot drift from what the loader applies.
 * Runs from the repository root (make test does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#define README "README.md"
#define BEGIN "<!-- config-reference:begin -->\n"
#define END "<!-- config-reference:end -->"

/* The whole of a file, NUL-terminated, or NULL. The caller frees it. */
static char *slurp(const char *file)
{
    FILE *f = fopen(file, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, mem);
    fclose(f);
    if (mem) fclose(mem);
    return buf;
}

/* What config_reference_print writes. The caller frees it. */
static char *reference(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    assert_non_null(mem);
    config_reference_print(mem);
    assert_int_equal(ferror(mem), 0);
    fclose(mem);
    return buf;
}

static void test_readme_carries_the_reference_the_tables_print(void **st)
{
    (void)st;
    char *readme = slurp(README);
    assert_non_null(readme);
    char *begin = strstr(readme, BEGIN);
    char *end = begin ? strstr(begin, END) : NULL;
    if (!begin || !end) fail_msg(README " lacks the lines " BEGIN "and " END);
    begin += strlen(BEGIN);
    char *want = reference();
    size_t have_len = (size_t)(end - begin);
    if (have_len != strlen(want) || memcmp(begin, want, have_len) != 0) {
        /* Write the README as it should be, so that regenerating it is one cp. */
        const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
        char out[256];
        snprintf(out, sizeof(out), "%s/README.md", build);
        FILE *f = fopen(out, "w");
        if (f) {
            fwrite(readme, 1, (size_t)(begin - readme), f);
            fputs(want, f);
            fputs(end, f);
            fclose(f);
        }
        fail_msg("README.md's configuration reference differs from the settings tables; "
                 "regenerate it: cp %s README.md",
                 out);
    }
    free(want);
    free(readme);
}

static void test_reference_has_one_table_per_group(void **st)
{
    (void)st;
    char *text = reference();
    static const char *const groups[] = {
        "**top level**",        "**`site`**",         "**mqtt.upstream, mqtt.sensors**",
        "**`storage`**",        "**`modbus.buses`**", "**`modbus.profiles[].points`**",
        "**`modbus.devices`**", "**`sensors`**",      "**`rules`**",
        "**`sla.emergency`**",  "**`maintenance`**",  "**`operators`**",
        "**`commands`**",       "**`metrics`**",      "**`homeassistant`**"};
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
        if (!strstr(text, groups[i])) fail_msg("no table for %s", groups[i]);
    size_t tables = 0;
    for (const char *p = text; (p = strstr(p, "\n| setting | type |")); p++)
        tables++;
    assert_int_equal(tables, 26); /* each table once: both brokers share one */
    assert_non_null(strstr(text, "| `host` (tcp) | string | `\"127.0.0.1\"` |"));
    assert_non_null(strstr(text, "| `device` (rtu) | string | **required** |"));
    assert_non_null(strstr(text, "`ABCD`, `CDAB`, `BADC`, `DCBA`"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_readme_carries_the_reference_the_tables_print),
        cmocka_unit_test(test_reference_has_one_table_per_group),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
