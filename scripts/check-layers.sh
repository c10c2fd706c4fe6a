#!/usr/bin/env bash
# check-layers.sh [ROOT] - the layer include rule of DESIGN.md section 2, checked on every
# `#include "..."` line of the *.c and *.h files under ROOT (default: this repository; the
# files git tracks there, or every file when ROOT is not the top of a git work tree).
# tests/ is not checked.
#
#   1. Outside gateway/, only headers under gateway/base/ may be included from gateway/.
#   2. No cycle between folders. The nodes are each gateway/<layer>, and adapters, rules, config
#      and simulator as whole folders (any other top-level folder is one node too); there is an
#      edge A -> B when a file in A includes a file in B.
#
# Accepted edge: config -> rules (the loader compiles rule expressions so that a rule's error
# names its FILE:LINE). It is an edge, not a cycle, so rule 2 needs no exception for it: a
# cycle through it (rules -> config) is reported like any other.
#
# Prints `FILE:LINE: includes HEADER: <rule broken>` per violation and
# `cycle: a -> b -> a (FILE:LINE ...)` per cycle (every include that makes one of its edges),
# and exits 1 if there is any; otherwise prints one summary line and exits 0.
# Needs only bash, a POSIX awk (mawk is enough), sort, and git or find.
set -euo pipefail

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
if ! cd "$root" 2>/dev/null; then
    echo "check-layers: no such directory: $root" >&2
    exit 2
fi

top=$(git rev-parse --show-toplevel 2>/dev/null || true)
if [ -n "$top" ] && [ "$(cd "$top" && pwd -P)" = "$(pwd -P)" ]; then
    files=$(git ls-files -- '*.c' '*.h')
else
    files=$(find . -type f \( -name '*.c' -o -name '*.h' \) | sed 's|^\./||' | LC_ALL=C sort)
fi

# Every listed file can be the target of an include; only files outside tests/ are scanned.
printf '%s\n' "$files" | LC_ALL=C awk -v accepted="config>rules" '
function dirname(p,   i) {
    i = length(p)
    while (i > 0 && substr(p, i, 1) != "/") i--
    return i > 0 ? substr(p, 1, i - 1) : ""
}
# Resolves "." and ".." in a relative path; "" when it climbs out of the tree.
function normalize(p,   n, parts, out, k, i) {
    n = split(p, parts, "/")
    k = 0
    for (i = 1; i <= n; i++) {
        if (parts[i] == "" || parts[i] == ".") continue
        if (parts[i] == "..") {
            if (k == 0) return ""
            k--
            continue
        }
        out[++k] = parts[i]
    }
    p = ""
    for (i = 1; i <= k; i++) p = p (i > 1 ? "/" : "") out[i]
    return p
}
# The folder node of a file: gateway/<layer> inside gateway/, else its top-level folder.
function node_of(p,   n, parts) {
    n = split(p, parts, "/")
    if (n == 1) return "."
    if (parts[1] == "gateway" && n > 2) return "gateway/" parts[2]
    return parts[1]
}
# Depth-first search for simple cycles that start and end at start_node, visiting only nodes
# sorted after it, so that each cycle is found once (from its smallest node).
function dfs(v, depth,   i, w) {
    path[depth] = v
    onpath[v] = 1
    for (i = 1; i <= n_nodes; i++) {
        w = nodes[i]
        if (!((v, w) in edge)) continue
        if (w == start_node) print_cycle(depth)
        else if (rank[w] > rank[start_node] && !(w in onpath) && n_cycles < MAX_CYCLES)
            dfs(w, depth + 1)
    }
    delete onpath[v]
}
function print_cycle(depth,   i, s, where, to) {
    n_cycles++
    if (n_cycles > MAX_CYCLES) return
    s = path[0]
    where = ""
    for (i = 0; i <= depth; i++) {
        to = i < depth ? path[i + 1] : path[0]
        s = s " -> " to
        where = where (where == "" ? "" : " ") edge[path[i], to]
    }
    print "cycle: " s " (" where ")"
}
BEGIN { MAX_CYCLES = 100 }
{ if ($0 != "") known[$0] = 1; list[++n_list] = $0 }
END {
    split(accepted, acc, ">")
    for (f = 1; f <= n_list; f++) {
        file = list[f]
        if (file == "" || file ~ /^tests\//) continue
        n_files++
        src = node_of(file)
        line_no = 0
        while ((getline text < file) > 0) {
            line_no++
            if (text !~ /^[ \t]*#[ \t]*include[ \t]*"/) continue
            hdr = text
            sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", hdr)
            if (index(hdr, "\"") == 0) continue
            hdr = substr(hdr, 1, index(hdr, "\"") - 1)
            n_includes++
            # The build uses -I. (paths from the top), but a path beside the file also works.
            target = normalize(hdr)
            if (!(target in known)) {
                target = normalize(dirname(file) "/" hdr)
                if (!(target in known)) continue
            }
            where = file ":" line_no
            if (src !~ /^gateway(\/|$)/ && target ~ /^gateway\// && target !~ /^gateway\/base\//) {
                print where ": includes " hdr \
                    ": outside gateway/, only headers under gateway/base/ may be included"
                n_violations++
            }
            dst = node_of(target)
            if (dst == src) continue
            if (!((src, dst) in edge)) {
                n_edges++
                if (!(src in seen)) { seen[src] = 1; nodes[++n_nodes] = src }
                if (!(dst in seen)) { seen[dst] = 1; nodes[++n_nodes] = dst }
                edge[src, dst] = where
            } else {
                edge[src, dst] = edge[src, dst] " " where
            }
        }
        close(file)
    }
    # Sort the nodes (insertion sort: a dozen of them) so that the output is stable.
    for (i = 2; i <= n_nodes; i++) {
        v = nodes[i]
        for (j = i - 1; j >= 1 && nodes[j] > v; j--) nodes[j + 1] = nodes[j]
        nodes[j + 1] = v
    }
    for (i = 1; i <= n_nodes; i++) rank[nodes[i]] = i
    for (i = 1; i <= n_nodes; i++) {
        start_node = nodes[i]
        dfs(start_node, 0)
    }
    if (n_cycles > MAX_CYCLES)
        print "cycle: ... and " (n_cycles - MAX_CYCLES) " more"
    if (n_violations || n_cycles) {
        print "check-layers: " n_violations + 0 " include violation(s), " n_cycles + 0 \
            " cycle(s) between folders"
        exit 1
    }
    note = ((acc[1], acc[2]) in edge) ? ", accepted edge " acc[1] " -> " acc[2] : ""
    print "check-layers: ok: " n_files + 0 " files, " n_includes + 0 " includes, " n_edges + 0 \
        " edges between " n_nodes + 0 " folders, no violation, no cycle" note
}
'
