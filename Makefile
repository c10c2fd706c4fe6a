# Steward: one Makefile, pkg-config for every library, objects out of tree in build/.
# Targets: deps all test demo asan lint bench clean install (see README.md).

PKGS     := libmodbus libmosquitto sqlite3 libconfig jansson libcrypto libsystemd
BUILD    ?= build
CC       ?= cc
PREFIX   ?= /usr/local

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
OPT      ?= -O2 -g
SAN      ?=
# Hardening (Debian's hardening-check passes on both programs; `make lint` checks it): a stack
# protector, FORTIFY (not under the sanitizers, which intercept the same calls), a position-
# independent executable, and full RELRO.
FORTIFY  ?= -D_FORTIFY_SOURCE=2
HARDEN   := -fstack-protector-strong -fstack-clash-protection -fcf-protection -fPIE
override CFLAGS += $(OPT) $(SAN) $(HARDEN) -std=c11 -D_GNU_SOURCE $(FORTIFY) $(WARN) -I. -MMD -MP
override LDFLAGS += $(SAN) -pie -Wl,-z,relro,-z,now
CPPFLAGS += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# Every module of the gateway except the programs' main files goes into one static library,
# so the gateway, the simulator and every test link exactly the same code.
LIB_SRC  := $(wildcard gateway/*/*.c adapters/*.c adapters/*/*.c rules/*.c config/*.c)
LIB_SRC  := $(filter-out gateway/cli/main.c,$(LIB_SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libsteward.a

SIM_SRC  := $(wildcard simulator/*.c)
SIM_OBJ  := $(SIM_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)

HARN_SRC := $(filter-out tests/integration/test_%.c,$(wildcard tests/integration/*.c))
HARN_OBJ := $(HARN_SRC:%.c=$(BUILD)/%.o)
INT_SRC  := $(wildcard tests/integration/test_*.c)
INT_BIN  := $(INT_SRC:tests/integration/%.c=$(BUILD)/tests/integration/%)

BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/tests/bench/%)

PROGS    := $(BUILD)/steward $(BUILD)/steward-sim
# The control room's page: its browser test, its bench, make fleet, and page-deps (MQTT.js).
.DEFAULT_GOAL := all
include tests/browser/browser.mk

.SECONDARY:
.PHONY: all deps have-deps test run-tests unit integration demo asan lint bench clean install
all: $(PROGS)

# Debian packages the build, the tests and the demo need. Run as root on a fresh Debian 12.
DEB_PKGS := build-essential pkg-config libmodbus-dev libmosquitto-dev mosquitto mosquitto-clients \
            libsqlite3-dev sqlite3 libconfig-dev libjansson-dev libcmocka-dev libssl-dev openssl tzdata \
            libsystemd-dev systemd cppcheck clang-format devscripts clang libclang-rt-14-dev \
            llvm-14 faketime $(PAGE_DEB_PKGS)
# llvm-14: llvm-symbolizer, without which sanitizer stacks have no function names and the
# suppressions of tests/lsan.supp and tests/fuzz/lsan.supp (by function) match nothing.
deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEB_PKGS)
	$(MAKE) --no-print-directory page-deps

# Installs the packages only when something is missing, so `make demo` and `make test` work on a
# fresh machine and cost nothing on a prepared one.
have-deps:
	@if command -v cc >/dev/null && command -v pkg-config >/dev/null && \
	    pkg-config --exists $(PKGS) cmocka && command -v mosquitto >/dev/null && \
	    command -v mosquitto_sub >/dev/null && command -v faketime >/dev/null && \
	    command -v clang >/dev/null && command -v llvm-symbolizer-14 >/dev/null; then :; else \
	    echo "Installing the missing build and test dependencies (make deps)..."; $(MAKE) deps; fi

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/steward: $(BUILD)/gateway/cli/main.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/steward-sim: $(SIM_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the library, the simulator's modules (all but its main) and their helpers.
SIM_LIB_OBJ := $(filter-out $(BUILD)/simulator/sim.o,$(SIM_OBJ))
UNIT_HELP_SRC := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))
UNIT_HELP_OBJ := $(UNIT_HELP_SRC:%.c=$(BUILD)/%.o)
$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(UNIT_HELP_OBJ) $(SIM_LIB_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/integration/%: $(BUILD)/tests/integration/%.o $(HARN_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(HARN_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# make test: every unit test, then every integration test (real mosquitto + simulator),
# then one summary line. A failing test fails the target, but every test still runs.
# (Recursive so that pkg-config is asked for flags only after have-deps installed the packages.)
test: have-deps have-page-deps
	@$(MAKE) --no-print-directory run-tests
	@$(MAKE) --no-print-directory fuzz-short
	@$(MAKE) --no-print-directory faults-short

run-tests: $(PROGS) $(UNIT_BIN) $(INT_BIN)
	@BUILD=$(BUILD) scripts/run-tests.sh $(UNIT_BIN) $(INT_BIN) tests/lint/test_check_layers.sh \
	    tests/install/test_install.sh

unit: $(UNIT_BIN)
	@BUILD=$(BUILD) scripts/run-tests.sh $(UNIT_BIN)

integration: $(PROGS) $(INT_BIN)
	@BUILD=$(BUILD) scripts/run-tests.sh $(INT_BIN)

demo: have-deps have-page-deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

# The same tests under AddressSanitizer + UBSan, in their own build tree.
asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	        SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" FORTIFY= run-tests

# hardening-check's control-flow test (IBT/SHSTK) cannot pass on Debian 12: its own crt1.o and
# crti.o carry no CET property, so no program linked there does; the code is built with
# -fcf-protection all the same.
lint: $(PROGS)
	scripts/check-layers.sh
	hardening-check --quiet --nocfprotection $(PROGS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	         --inline-suppr -I. gateway adapters rules config simulator
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

# Benchmarks print numbers (and ratios against a bare-library baseline where there is one);
# they assert nothing about time: these machines are shared and noisy.
bench: have-page-deps $(PROGS) $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "=== $$b"; $$b || exit 1; done

# make install [PREFIX=/usr/local] [DESTDIR=...]: the programs, their man pages, the example
# configuration as SYSCONFDIR/steward/steward.cfg (kept if one is there already), the device
# profiles and the dashboard when present, the systemd unit and its sysusers.d entry.
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
install: $(PROGS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	           $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8 \
	           $(DESTDIR)$(PREFIX)/share/steward $(DESTDIR)$(SYSCONFDIR)/steward \
	           $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/steward.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 man/steward-sim.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/steward.cfg.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	test -e $(DESTDIR)$(SYSCONFDIR)/steward/steward.cfg || \
	    install -m 0640 config/examples/site.cfg $(DESTDIR)$(SYSCONFDIR)/steward/steward.cfg
	install -m 0644 config/examples/*.cfg $(DESTDIR)$(PREFIX)/share/steward/
	if [ -d config/profiles ]; then install -d $(DESTDIR)$(PREFIX)/share/steward/profiles && \
	    install -m 0644 config/profiles/* $(DESTDIR)$(PREFIX)/share/steward/profiles/; fi
	if [ -f dashboard/index.html ]; then install -d $(DESTDIR)$(PREFIX)/share/steward/dashboard && \
	    install -m 0644 dashboard/*.html dashboard/*.js dashboard/*.css \
	        $(DESTDIR)$(PREFIX)/share/steward/dashboard/ 2>/dev/null || true; fi
	sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    config/systemd/steward.service.in >$(DESTDIR)$(UNITDIR)/steward.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/steward.service
	install -m 0644 config/systemd/steward.sysusers $(DESTDIR)$(SYSUSERSDIR)/steward.conf

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# libFuzzer targets (clang): make fuzz (FUZZ_SECONDS each), make fuzz-short (inside make test).
include tests/fuzz/fuzz.mk

# The fault battery against the real gateway: make faults (full), make faults-short (in make test).
include tests/faults/faults.mk
