#!/bin/sh
# make bench, the connection-limit row: with max_connections held open, how long a client
# waits for daoid to close one connection more (the alternative is the kernel's listen queue,
# where a client waits 20 s and more). BENCH_ROUNDS (default 5) rounds of 20 refusals each;
# the row is the median of the rounds' medians, with the min–max of all refusals.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_begin bench-connlimit
HELD=16
env DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="sqlite:$tmp/c.db" \
    DAOID_SMTP_URL=smtp://127.0.0.1:9 DAOID_MAX_CONNECTIONS=$HELD DAOID_PER_IP_CONNECTIONS=0 \
    DAOID_THREADS="$THREADS" build/daoid serve > "$tmp/c.out" 2> "$tmp/c.err" &
pids="$pids $!"
wait_line "$tmp/c.err" "serving"
port=$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/c.err" | head -1)
all=""
meds=""
for r in $(seq 1 "$ROUNDS"); do
    echo "connlimit: round $r/$ROUNDS: 20 connections past max_connections=$HELD" >&2
    node bench/connlimit.mjs "$port" "$HELD" 20 > "$tmp/r$r"
    [ "$(tail -1 "$tmp/r$r")" = ok ] || { cat "$tmp/r$r" >&2; exit 1; }
    t=$(sed '$d' "$tmp/r$r")
    all="$all $t"
    meds="$meds $(median $t)"
done
cat <<TABLE

daoid past max_connections — $(date -u +%Y-%m-%d), $CORES cores, $ROUNDS rounds of 20 refusals, $HELD connections held
| measure | median of round medians | min–max of all | target |
|---|---:|---:|---:|
| connect → close past the limit (ms) | $(median $meds) | $(range $all) | at once (≪ the 20 s of a listen-queue wait) |
TABLE
