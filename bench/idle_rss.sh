#!/bin/sh
# bench/idle_rss.sh [DAOID] [STARTS]: daoid's memory at idle, as the kernel counts it after
# start-up on a fresh SQLite database (no request served): Rss and Pss from
# /proc/PID/smaps_rollup, and the part of Rss that is file-backed pages of shared libraries
# (from /proc/PID/smaps), over STARTS starts (default 5); prints each start and min–max in KiB.
set -eu
cd "$(dirname "$0")/.."
bin=${1:-build/daoid}
starts=${2:-5}
. bench/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rss="" pss="" lib=""
for i in $(seq 1 "$starts"); do
    DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="sqlite:$tmp/db$i" \
        DAOID_SMTP_URL=smtp://127.0.0.1:9 "$bin" serve > "$tmp/out$i" 2> "$tmp/err$i" &
    pid=$!
    wait_line "$tmp/err$i" "serving"
    sleep 1 # idle: the start-up's work (migrations, first janitor pass) is done
    r=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
    p=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
    l=$(awk '/^[0-9a-f]+-[0-9a-f]+ / {so = ($6 ~ /\.so/)} so && /^Rss:/ {s += $2} END {print s}' \
        "/proc/$pid/smaps")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "start $i: Rss $r KiB, Pss $p KiB, shared-library Rss $l KiB"
    rss="$rss $r" pss="$pss $p" lib="$lib $l"
done
mm() { echo "$@" | tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd-; }
echo "idle ($starts starts): Rss $(mm $rss) KiB, Pss $(mm $pss) KiB, shared-library Rss $(mm $lib) KiB"
