/*
 * faults - the fault battery: the real gateway against upstream outages, kill -9 during bursts,
 * a full disk, malformed input, floods, a silent link and its Last Will (see faults.h).
 *
 *   faults [--short] [CASE...]     CASE: a case number 1..7; default all
 *
 * Prints one result line per case with its pass criteria and figures; exits 1 when a case
 * fails. FAULTS_SEED sets the seed of the kill moments and the random input. In the full
 * battery the flood case runs in a child process beside the others, because its end event
 * needs ten quiet minutes.
 */
#include "tests/faults/faults.h"

#include <mosquitto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CASES 7
#define FLOOD_CASE 4 /* index of the flood case */
#define FLOOD_END_MAX_S 660

static const f_case_fn cases[CASES] = {
    f_case_upstream_outage, f_case_kill9_bursts, f_case_disk_full, f_case_malformed,
    f_case_flood,           f_case_silent_link,  f_case_last_will,
};

/* Runs the flood case in a child; its result comes back through the pipe fd. */
static pid_t flood_in_child(const struct f_opts *o, int *fd)
{
    int p[2];
    if (pipe(p) != 0) return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        close(p[0]);
        struct f_result r = {0};
        cases[FLOOD_CASE](o, &r);
        ssize_t n = write(p[1], &r, sizeof(r));
        fflush(stdout);
        _exit(n == (ssize_t)sizeof(r) ? 0 : 1);
    }
    close(p[1]);
    *fd = p[0];
    return pid;
}

static int flood_collect(pid_t pid, int fd, struct f_result *r)
{
    ssize_t n = read(fd, r, sizeof(*r)); /* blocks until the child writes or exits */
    close(fd);
    int status;
    waitpid(pid, &status, 0);
    if (n != (ssize_t)sizeof(*r)) {
        memset(r, 0, sizeof(*r));
        r->name = "5 flood";
        snprintf(r->note, sizeof(r->note), "the flood case's process failed");
        return -1;
    }
    r->name = "5 flood";
    return 0;
}

int main(int argc, char **argv)
{
    struct f_opts o = {.full = 1};
    int want[CASES] = {0}, any = 0;
    for (int i = 1; i < argc; i++) {
        int c = atoi(argv[i]);
        if (!strcmp(argv[i], "--short")) {
            o.full = 0;
        } else if (!strcmp(argv[i], "--full")) {
            o.full = 1;
        } else if (c >= 1 && c <= CASES) {
            want[c - 1] = 1;
            any = 1;
        } else {
            fprintf(stderr, "usage: %s [--short|--full] [CASE 1..%d ...]\n", argv[0], CASES);
            return 2;
        }
    }
    for (int i = 0; i < CASES && !any; i++)
        want[i] = 1;
    const char *seed = getenv("FAULTS_SEED");
    o.seed = seed && *seed ? (unsigned)strtoul(seed, NULL, 10) : (unsigned)time(NULL);
    o.flood_end_max = o.full ? FLOOD_END_MAX_S : 0;
    mosquitto_lib_init();
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("fault battery (%s), seed %u, %d leak sensors, keepalive %d s\n",
           o.full ? "full" : "short", o.seed, F_SENSORS, F_KEEPALIVE_S);

    struct f_result res[CASES];
    memset(res, 0, sizeof(res));
    double t0 = h_now();
    int flood_fd = -1;
    pid_t flood_pid = o.full && want[FLOOD_CASE] ? flood_in_child(&o, &flood_fd) : 0;
    for (int i = 0; i < CASES; i++) {
        if (!want[i] || (i == FLOOD_CASE && flood_pid > 0)) continue;
        cases[i](&o, &res[i]);
        f_result_print(&res[i]);
    }
    if (flood_pid > 0) {
        printf("(waiting for the flood case's end event, at most %d s after its raises)\n",
               FLOOD_END_MAX_S);
        flood_collect(flood_pid, flood_fd, &res[FLOOD_CASE]);
        f_result_print(&res[FLOOD_CASE]);
    }
    int failed = 0, ran = 0;
    for (int i = 0; i < CASES; i++) {
        if (!want[i]) continue;
        ran++;
        if (!res[i].pass) {
            failed++;
            printf("failed: %s\n", res[i].name ? res[i].name : "?");
        }
    }
    printf("fault battery: %d of %d cases passed in %.0f s\n", ran - failed, ran, h_now() - t0);
    mosquitto_lib_cleanup();
    return failed ? 1 : 0;
}
