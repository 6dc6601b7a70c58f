#!/bin/sh
# bench/idle_rss.sh [DAOID] [STARTS]: daoid's memory at idle, as the kernel counts it after
# start-up on a fresh SQLite database (no request served): Rss and Pss from
# /proc/PID/smaps_rollup, and the part of Rss that is file-backed pages of shared libraries
# (from /proc/PID/smaps), over STARTS starts (default 5); prints each start and min–max in KiB.
# Then, when wrk is installed, the same server under 1,000 keep-alive connections
# (wrk -t2 -c1000 on GET /login, a rendered page, RSS_LOAD_SECONDS each, default 4): VmRSS
# half-way through and the peak (VmHWM) at the end. No sign-in: argon2id's hash slots (19 MiB
# each while a hash runs) are not in these figures.
set -eu
cd "$(dirname "$0")/.."
bin=${1:-build/daoid}
starts=${2:-5}
. bench/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rss="" pss="" lib="" busy="" peak=""
load=${RSS_LOAD_SECONDS:-4}
for i in $(seq 1 "$starts"); do
    DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="sqlite:$tmp/db$i" \
        DAOID_SMTP_URL=smtp://127.0.0.1:9 DAOID_PER_IP_CONNECTIONS=0 \
        "$bin" serve > "$tmp/out$i" 2> "$tmp/err$i" &
    pid=$!
    wait_line "$tmp/err$i" "serving"
    sleep 1 # idle: the start-up's work (migrations, first janitor pass) is done
    r=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
    p=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
    l=$(awk '/^[0-9a-f]+-[0-9a-f]+ / {so = ($6 ~ /\.so/)} so && /^Rss:/ {s += $2} END {print s}' \
        "/proc/$pid/smaps")
    line="start $i: Rss $r KiB, Pss $p KiB, shared-library Rss $l KiB"
    if command -v wrk > /dev/null; then
        port=$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/err$i")
        wrk -t 2 -c 1000 -d "${load}s" "http://127.0.0.1:$port/login" > "$tmp/wrk$i" 2>&1 &
        w=$!
        sleep "$(awk -v s="$load" 'BEGIN { print s / 2 }')"
        b=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
        wait "$w"
        h=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
        q=$(awk '/^Requests\/sec/ {printf "%d", $2}
                 /Socket errors/ {sub(/^ +/, ""); e = ", " $0} END {print e}' "$tmp/wrk$i")
        line="$line; 1,000 connections: Rss $b KiB, peak $h KiB ($q requests/s)"
        busy="$busy $b" peak="$peak $h"
    fi
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$line"
    rss="$rss $r" pss="$pss $p" lib="$lib $l"
done
mm() { echo "$@" | tr ' ' '\n' | sed '/^$/d' | sort -n | sed -n '1p;$p' | paste -sd-; }
echo "idle ($starts starts): Rss $(mm $rss) KiB, Pss $(mm $pss) KiB, shared-library Rss $(mm $lib) KiB"
[ -z "$busy" ] || echo "1,000 connections ($starts starts): Rss $(mm $busy) KiB, peak $(mm $peak) KiB"
