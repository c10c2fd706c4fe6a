# tests/faults/faults.mk - the fault battery (tests/faults/faults.c). Included by the main
# Makefile after HARN_OBJ and LIB are defined:
#
#   include tests/faults/faults.mk
#
#   make faults          the full battery (about 15 minutes: the flood case waits 10 quiet
#                        minutes for its end event, beside the other cases)
#   make faults-short    the short battery, for make test (about 90 s)
#
# FAULTS_SEED=N repeats the kill moments and the random input of a run.

FAULTS_SRC := $(wildcard tests/faults/*.c)
FAULTS_OBJ := $(FAULTS_SRC:%.c=$(BUILD)/%.o)
FAULTS_BIN := $(BUILD)/tests/faults/faults
FAULTS_TIMEOUT ?= 1800
FAULTS_SHORT_TIMEOUT ?= 300

.PHONY: faults faults-short

$(FAULTS_BIN): $(FAULTS_OBJ) $(HARN_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

faults: $(PROGS) $(FAULTS_BIN)
	@BUILD=$(BUILD) timeout --kill-after=10 $(FAULTS_TIMEOUT) $(FAULTS_BIN) --full

faults-short: $(PROGS) $(FAULTS_BIN)
	@BUILD=$(BUILD) timeout --kill-after=10 $(FAULTS_SHORT_TIMEOUT) $(FAULTS_BIN) --short
