# tests/fuzz/fuzz.mk - libFuzzer targets, included by the Makefile after LIB_SRC, SIM_SRC, WARN,
# CPPFLAGS and LDLIBS are set. Needs clang with compiler-rt's libFuzzer (Debian 12: clang and
# libclang-rt-14-dev).
#
#   make fuzz         every target for FUZZ_SECONDS (default 60) each; prints executions/s and
#                     coverage (cov: ft:) from libFuzzer's final stats; fails on a crash
#   make fuzz-short   every target for FUZZ_SHORT_SECONDS (default 5) each, from the seed corpus
#                     with a fixed seed: the regression run for `make test`; fails on a crash
#   make fuzz-build   only builds them;  make fuzz-clean  removes $(FUZZ_BUILD)
#
# Objects are built with clang under AddressSanitizer + UBSan (no recovery) with coverage
# instrumentation in their own tree, $(FUZZ_BUILD); the targets link the same library and
# simulator sources as everything else. New inputs found by `make fuzz` are kept in
# $(FUZZ_BUILD)/corpus/TARGET (copy the useful ones into tests/fuzz/corpus/TARGET by hand);
# crashes are written to $(FUZZ_BUILD)/artifacts/.

FUZZ_BUILD         ?= build-fuzz
FUZZ_CC            ?= clang
FUZZ_SECONDS       ?= 60
FUZZ_SHORT_SECONDS ?= 5
FUZZ_SAN           := -fsanitize=address,undefined -fno-sanitize-recover=all
# The project's warnings, -Werror included, as for every other build.
FUZZ_WARN          := $(WARN)
FUZZ_CFLAGS        := -O1 -g -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE $(FUZZ_WARN) -I. -MMD -MP

FUZZ_TARGETS  := config expr sensor commands decode scenario jws
FUZZ_BIN      := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
FUZZ_LIB_SRC  := $(LIB_SRC) $(filter-out simulator/sim.c,$(SIM_SRC)) tests/fuzz/fuzz_common.c
FUZZ_LIB_OBJ  := $(FUZZ_LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_LIB      := $(FUZZ_BUILD)/libsteward-fuzz.a

.PHONY: fuzz fuzz-short fuzz-build fuzz-clean

fuzz-build: $(FUZZ_BIN)

# The library: coverage-instrumented, but without libFuzzer's main.
$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(CPPFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJ)
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-short: $(FUZZ_BIN)
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SHORT=1 tests/fuzz/run.sh $(FUZZ_SHORT_SECONDS) $(FUZZ_TARGETS)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

-include $(wildcard $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/tests/fuzz/fuzz_%.d))
