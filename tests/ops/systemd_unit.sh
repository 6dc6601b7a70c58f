#!/bin/sh
# The systemd unit as systemd reads it: `systemd-analyze verify` (in a throwaway root holding
# the built binary as /usr/bin/daoid, kill and systemd's own units: no running systemd needed)
# must print nothing, and `systemd-analyze security --offline=yes` must score the sandbox's
# exposure at 2.0 or less. Usage: tests/ops/systemd_unit.sh [BINARY] (default build/daoid).
set -eu
cd "$(dirname "$0")/../.."
bin=${1:-build/daoid}
unit=contrib/daoid.service
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/bin" "$root/etc/systemd/system" "$root/lib/systemd"
cp "$bin" "$root/usr/bin/daoid"
cp /bin/kill "$root/bin/kill"
cp -r /lib/systemd/system "$root/lib/systemd/"
cp "$unit" "$root/etc/systemd/system/daoid.service"
out=$(systemd-analyze verify --man=no --root="$root" daoid.service 2>&1) || {
    echo "$out"; echo "FAIL: systemd-analyze verify $unit"; exit 1; }
if [ -n "$out" ]; then echo "$out"; echo "FAIL: systemd-analyze verify $unit has warnings"; exit 1; fi
sec=$(systemd-analyze security --offline=yes --threshold=20 "$unit" 2>&1) || {
    echo "$sec" | tail -40; echo "FAIL: exposure above 2.0"; exit 1; }
level=$(echo "$sec" | sed -n 's/.*Overall exposure level for daoid.service: \([0-9.]*\).*/\1/p')
[ -n "$level" ] || { echo "$sec" | tail -5; echo "FAIL: no exposure level"; exit 1; }
awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }' || { echo "FAIL: exposure $level > 2.0"; exit 1; }
echo "  ok $unit: systemd-analyze verify clean, exposure $level (at most 2.0)"
