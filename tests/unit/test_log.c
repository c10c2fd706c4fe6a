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
#include <sys/stat.h>
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

/* Under systemd, stderr is the journal: each line starts with its syslog priority. The test makes
 * its own "journal" (a file whose device:inode it puts in JOURNAL_STREAM). */
static void test_journal_lines_carry_their_priority(void **st)
{
    (void)st;
    char path[] = "/tmp/steward-journal-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    struct stat sb;
    assert_int_equal(fstat(fd, &sb), 0);
    char js[64];
    snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)sb.st_dev,
             (unsigned long long)sb.st_ino);
    setenv("JOURNAL_STREAM", js, 1);
    int saved = dup(STDERR_FILENO);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    log_msg(LOG_ERROR, "store: disk full");
    log_msg(LOG_WARN, "alarm: leak raised");
    dup2(saved, STDERR_FILENO);
    close(saved);
    char buf[512] = "";
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "<3>error: store: disk full\n"));
    assert_non_null(strstr(buf, "<4>warn: alarm: leak raised\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_newline_in_a_name_cannot_forge_a_line),
        cmocka_unit_test(test_journal_lines_carry_their_priority),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
