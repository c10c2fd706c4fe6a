#!/usr/bin/env bash
# test_check_layers.sh - scripts/check-layers.sh on tiny fake trees in a temporary directory:
# a tree with one include violation and one cycle fails with exactly those lines; the same tree
# without them passes with one summary line; the accepted edge config -> rules is no exemption
# for a cycle through it; in a git work tree only tracked files count.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script="$here/../../scripts/check-layers.sh"
tmp=$(mktemp -d /tmp/steward-lint-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

# put FILE LINE... : writes the lines into $tree/FILE.
put() {
    local f="$tree/$1"
    shift
    mkdir -p "$(dirname "$f")"
    printf '%s\n' "$@" >"$f"
}

# expect NAME RC EXPECTED_OUTPUT: runs the script on $tree, compares exit code and output.
expect() {
    local name=$1 want_rc=$2 want=$3 out rc
    out=$("$script" "$tree" 2>&1)
    rc=$?
    if [ "$rc" -eq "$want_rc" ] && [ "$out" = "$want" ]; then
        echo "ok   $name"
    else
        echo "FAIL $name: exit $rc (want $want_rc)"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$out") | sed 's/^/    /'
        failures=$((failures + 1))
    fi
}

# A clean tree: base included by everyone, one-way edges, the accepted config -> rules edge, an
# include beside the file, a system-style include that is not in the tree, and tests/ ignored.
clean_tree() {
    tree=$1
    put gateway/base/log.h '#pragma once'
    put gateway/base/log.c '#include "gateway/base/log.h"'
    put gateway/store/store.h '#include "gateway/base/log.h"'
    put gateway/work/work.h '#include "gateway/store/store.h"'
    put gateway/alarms/alarms.c '#include "gateway/work/work.h"' '#include "rules/rule.h"'
    put gateway/uplink/link.h '#include "config/config.h"'
    put rules/rule.h '#include "gateway/base/log.h"'
    put rules/rule.c '  #  include "rule.h"' '#include "sqlite3.h"'
    put config/config.h '#pragma once'
    put config/load.c '#include "config/config.h"' '#include "rules/rule.h"'
    put simulator/sim.c '#include "gateway/base/log.h"' '#include "config/config.h"'
    put tests/unit/test_x.c '#include "gateway/uplink/link.h"' '#include "simulator/sim.c"'
}

clean_tree "$tmp/clean"
expect "a clean tree passes with one summary line" 0 \
    "check-layers: ok: 11 files, 13 includes, 9 edges between 8 folders, no violation, no cycle, accepted edge config -> rules"

# The same tree with a simulator file reaching into gateway/uplink, and alarms <-> work.
clean_tree "$tmp/bad"
put simulator/sensors.c '#include "config/config.h"' '' '#include "gateway/uplink/link.h"'
put gateway/work/work.c '#include "gateway/work/work.h"' '#include "gateway/alarms/alarms.h"'
put gateway/alarms/alarms.h '#pragma once'
expect "a violation and a cycle fail with their lines" 1 "$(
    cat <<'EOF'
simulator/sensors.c:3: includes gateway/uplink/link.h: outside gateway/, only headers under gateway/base/ may be included
cycle: gateway/alarms -> gateway/work -> gateway/alarms (gateway/alarms/alarms.c:1 gateway/work/work.c:2)
check-layers: 1 include violation(s), 1 cycle(s) between folders
EOF
)"

# rules -> config closes a cycle through the accepted edge: it is reported.
clean_tree "$tmp/back"
put rules/strings.c '#include "config/config.h"'
expect "the accepted edge config -> rules is no exemption for a cycle" 1 "$(
    cat <<'EOF'
cycle: config -> rules -> config (config/load.c:2 rules/strings.c:1)
check-layers: 0 include violation(s), 1 cycle(s) between folders
EOF
)"

# In a git work tree only tracked files are read.
if command -v git >/dev/null; then
    clean_tree "$tmp/git"
    git -C "$tree" init -q && git -C "$tree" add -A
    put simulator/untracked.c '#include "gateway/store/store.h"'
    expect "an untracked file is not read in a git tree" 0 \
        "check-layers: ok: 11 files, 13 includes, 9 edges between 8 folders, no violation, no cycle, accepted edge config -> rules"
    git -C "$tree" add simulator/untracked.c
    expect "a tracked file is read in a git tree" 1 "$(
        cat <<'EOF'
simulator/untracked.c:1: includes gateway/store/store.h: outside gateway/, only headers under gateway/base/ may be included
check-layers: 1 include violation(s), 0 cycle(s) between folders
EOF
    )"
fi

tree="$tmp/missing"
expect "a missing tree is an error" 2 "check-layers: no such directory: $tmp/missing"

[ "$failures" -eq 0 ]
