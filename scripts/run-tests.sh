#!/usr/bin/env bash
# Runs each test program given, in order, and prints one summary line at the end.
# Every test runs even if an earlier one fails; the exit status is non-zero if any failed.
# Each program is bounded in time (TEST_TIMEOUT seconds, default 300) so a hang cannot stall CI.
set -u
timeout_s=${TEST_TIMEOUT:-300}
passed=0
failed=0
failed_names=()
for t in "$@"; do
    name=${t#"${BUILD:-build}/"}
    echo "=== $name"
    start=$(date +%s)
    if timeout --kill-after=10 "$timeout_s" "$t"; then
        passed=$((passed + 1))
        echo "--- ok   $name ($(( $(date +%s) - start ))s)"
    else
        rc=$?
        failed=$((failed + 1))
        failed_names+=("$name")
        echo "--- FAIL $name (exit $rc, $(( $(date +%s) - start ))s)"
    fi
done
echo
for n in "${failed_names[@]+"${failed_names[@]}"}"; do echo "failed: $n"; done
echo "programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
