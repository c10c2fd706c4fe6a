#!/usr/bin/env bash
# The installed gateway, as an integrator gets it: `make install` into a temporary DESTDIR, then
# the installed binary checks the installed configuration, the man pages are there, and
# `systemd-analyze verify` accepts the installed unit (against the DESTDIR as root: it also
# checks that ExecStart's binary exists). Fails on the first thing missing.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
dest=$(mktemp -d /tmp/steward-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "test_install: FAIL: $*" >&2; exit 1; }

make -C "$here" --no-print-directory BUILD="$build" DESTDIR="$dest" PREFIX=/usr/local install \
    >"$dest.log" 2>&1 || { cat "$dest.log"; rm -f "$dest.log"; fail "make install"; }
rm -f "$dest.log"
for f in usr/local/bin/steward usr/local/bin/steward-sim usr/local/share/man/man8/steward.8 \
         usr/local/share/man/man1/steward-sim.1 usr/local/share/man/man5/steward.cfg.5 \
         etc/steward/steward.cfg lib/systemd/system/steward.service \
         usr/lib/sysusers.d/steward.conf; do
    [ -e "$dest/$f" ] || fail "$f was not installed"
done
echo "ok   installed files present"

out=$("$dest/usr/local/bin/steward" check -c "$dest/etc/steward/steward.cfg") ||
    fail "the installed steward refuses the installed configuration: $out"
echo "ok   installed steward checks the installed configuration: $out"

grep -q "^Type=notify" "$dest/lib/systemd/system/steward.service" || fail "unit is not Type=notify"
grep -q "^ExecStart=/usr/local/bin/steward run -c /etc/steward/steward.cfg" \
    "$dest/lib/systemd/system/steward.service" || fail "ExecStart does not name the installed paths"
if command -v systemd-analyze >/dev/null; then
    # verify checks that ExecStart's program exists: the same unit, made from the same template,
    # pointing into the DESTDIR (the installed one names /usr/local, not there on this machine).
    sed -e "s|@BINDIR@|$dest/usr/local/bin|g" -e "s|@SYSCONFDIR@|$dest/etc|g" \
        "$here/config/systemd/steward.service.in" >"$dest/steward.service"
    if ! v=$(systemd-analyze verify --man=no "$dest/steward.service" 2>&1); then
        echo "$v" >&2
        fail "systemd-analyze verify"
    fi
    [ -z "$v" ] || { echo "$v" >&2; fail "systemd-analyze verify printed warnings"; }
    echo "ok   systemd-analyze verify accepts the unit"
else
    fail "systemd-analyze is missing (make deps installs systemd)"
fi
if command -v man >/dev/null; then
    MANWIDTH=100 man -l "$dest/usr/local/share/man/man8/steward.8" >/dev/null 2>&1 ||
        fail "steward.8 does not render"
fi
echo "1 passed, 0 failed"
