/* Unit tests: log lines (gateway/base/log.c) cannot be forged with outside input: control
 * characters in a message are written as \xNN, one line per message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gateway/base/log.h"

static void test_a_newline_in_a_name_cannot_forge_a_line(void **st)
{
    (void)st;
    char path[] = "/tmp/steward-log-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(STDERR_FILENO);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    log_msg(LOG_WARN, "cmd/ack refused for %s: %s", "eve\n2026-12-01T00:00:00.000Z info  alarm: ok",
            "not an operator\x1b[2K");
    dup2(saved, STDERR_FILENO);
    close(saved);
    char buf[2048] = "";
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    buf[n] = '\0';
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0'); /* exactly one line */
    assert_non_null(strstr(buf, "eve\\x0a2026-12-01"));
    assert_non_null(strstr(buf, "operator\\x1b[2K"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_newline_in_a_name_cannot_forge_a_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
