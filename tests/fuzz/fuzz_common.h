/*
 * fuzz_common.h - what the libFuzzer targets under tests/fuzz/ share: a broken invariant aborts
 * with its reason (libFuzzer then keeps the input as a crash), and the block-read plan checks
 * that both the configuration and the register targets apply.
 */
#ifndef STEWARD_FUZZ_COMMON_H
#define STEWARD_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/modbus/plan.h"
#include "config/config.h"

/* libFuzzer's entry points, declared here because its headers are C++. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz invariant broken: WHAT" to stderr and aborts. */
void fuzz_broken(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) fuzz_broken(__VA_ARGS__);                                                     \
    } while (0)

/* A copy of size bytes of data with a NUL after them; caller frees. Aborts when out of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Builds the plan of profile p within lim and checks it: every point inside its block, at its
 * own address, in its own table; every block at most lim's registers (bits for coils and discrete
 * inputs) and inside the 65536-register address space. Aborts on a broken invariant. */
void fuzz_check_plan(const struct cfg_profile *p, const struct plan_limits *lim);

/*
 * For targets that run with libFuzzer's -detect_leaks=0 (run.sh says which, and why): every
 * FUZZ_LEAK_CHECK_EVERY calls, asks LeakSanitizer for unreachable memory and aborts if there is
 * any, after its report with the allocation's stack. The input then kept as the crash is the
 * last one, not necessarily the one that leaked: run the corpus again with -detect_leaks=1 to
 * find that.
 */
#define FUZZ_LEAK_CHECK_EVERY 1024
void fuzz_leak_check(void);

/* Loads config/examples/demo.cfg (the fuzzers run from the repository root); aborts on error. */
struct config *fuzz_demo_config(void);

#endif
