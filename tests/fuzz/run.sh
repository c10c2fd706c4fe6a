#!/usr/bin/env bash
# run.sh SECONDS TARGET... - runs each libFuzzer target $FUZZ_BUILD/fuzz_TARGET for SECONDS,
# starting from its seeds in tests/fuzz/corpus/TARGET, then prints one line per target with the
# executions, executions per second and coverage (cov: edges, ft: features) of libFuzzer's final
# stats. Every target runs even after a crash; the exit status is non-zero if any crashed (or
# leaked, or broke an invariant, or ran one input past 10 s).
#
# New inputs go to $FUZZ_BUILD/corpus/TARGET, kept between runs; with FUZZ_SHORT=1 (make
# fuzz-short) they go to a directory emptied first, and the seed is fixed, so the run only says
# whether the seeds and their near mutations still pass. Crash inputs: $FUZZ_BUILD/artifacts/.
# Logs: $FUZZ_BUILD/logs/TARGET.log. Run from the repository root (make does).
set -u
seconds=$1
shift
build=${FUZZ_BUILD:-build-fuzz}
short=${FUZZ_SHORT:-0}
mkdir -p "$build/artifacts" "$build/logs"

# Inputs a little past each parser's own bound, so that the bound itself is exercised.
max_len() {
    case $1 in
    config) echo 16384 ;;
    expr | sensor | scenario | jws) echo 4200 ;;
    commands) echo 4300 ;;
    decode) echo 1300 ;;
    *) echo 4096 ;;
    esac
}

export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
summary=()
failed=0
for t in "$@"; do
    bin=$build/fuzz_$t
    seeds=tests/fuzz/corpus/$t
    if [ "$short" = 1 ]; then
        corpus=$build/short-corpus/$t
        rm -rf "$corpus"
        extra=(-seed=1)
    else
        corpus=$build/corpus/$t
        extra=()
    fi
    mkdir -p "$corpus"
    # These check for leaks themselves, every 1024 inputs (see their header comments): commands
    # keeps state between inputs, config meets libconfig's known leak on most inputs.
    case $t in config | commands) extra+=(-detect_leaks=0) ;; esac
    dict=tests/fuzz/$t.dict
    [ -f "$dict" ] && extra+=("-dict=$dict")
    log=$build/logs/$t.log
    echo "=== fuzz_$t (${seconds}s)"
    "$bin" -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "${extra[@]}" \
        "$corpus" "$seeds" >"$log" 2>&1
    rc=$?
    # The last status line ("#N DONE cov: ... ft: ... corp: ... exec/s: ...") and the final stats.
    last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
    if [ "$rc" -ne 0 ]; then
        failed=$((failed + 1))
        echo "--- FAIL fuzz_$t (exit $rc); the end of $log:"
        tail -n 40 "$log"
        summary+=("$(printf '%-16s FAILED (exit %s), see %s' "fuzz_$t" "$rc" "$log")")
    else
        echo "--- ok   fuzz_$t"
        summary+=("$(printf '%-16s %10s runs %8s exec/s   cov: %-6s ft: %-7s corpus: %s' \
            "fuzz_$t" "${runs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")")
    fi
done
echo
printf '%s\n' "${summary[@]}"
echo "fuzz targets: $(($# - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
