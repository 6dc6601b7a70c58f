#!/bin/sh
# The access log's cost in CPU time rather than throughput (which a loaded machine scatters):
# daoid's utime + stime per GET /api/v1/me with a session, on three daoids (SQLite): off
# (metrics and access log off), unbuf (metrics, JSON access log, access_log_buffer = 0: one
# write(2) a line) and buf (the same with the default buffer); BENCH_ROUNDS (default 5)
# interleaved rounds of 4 s, wrk -c 16. Not part of make bench: run it alone.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_begin bench-ops-cpu
start() {
    name=$1; shift
    env DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="sqlite:$tmp/$name.db" \
        DAOID_SMTP_URL=smtp://127.0.0.1:9 DAOID_CAPTCHA_TEST_ANSWER=TEST7 DAOID_THREADS=4 \
        "$@" build/daoid serve > "$tmp/$name.out" 2> "$tmp/$name.err" &
    pids="$pids $!"; echo $! > "$tmp/$name.pid"
    wait_line "$tmp/$name.err" "serving"
    base="http://127.0.0.1:$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/$name.err" | head -1)"
    form_signup "$base" "$tmp/$name.jar"
    echo "$base" > "$tmp/$name.base"
    awk '$6 == "session" {print $7}' "$tmp/$name.jar" > "$tmp/$name.session"
}
start off DAOID_METRICS=0 DAOID_ACCESS_LOG=0
start unbuf DAOID_METRICS=1 DAOID_ACCESS_LOG=1 DAOID_LOG_FORMAT=json DAOID_ACCESS_LOG_BUFFER=0
start buf DAOID_METRICS=1 DAOID_ACCESS_LOG=1 DAOID_LOG_FORMAT=json
cpu() { awk '{print $14 + $15}' /proc/$(cat "$tmp/$1.pid")/stat; }
for r in $(seq 1 "$ROUNDS"); do
  for n in off unbuf buf; do
    c0=$(cpu $n)
    BENCH_COOKIE="session=$(cat "$tmp/$n.session")" wrk -t 1 -c 16 -d 4s -s bench/cookie.lua "$(cat "$tmp/$n.base")/api/v1/me" > "$tmp/w"
    c1=$(cpu $n); req=$(awk '/requests in/ {print $1}' "$tmp/w")
    us=$(awk -v c=$((c1 - c0)) -v q="$req" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", c / hz * 1e6 / q }')
    eval "${n}_$r=$us"
  done
  eval "echo round $r: off \$off_$r unbuf \$unbuf_$r buf \$buf_$r µs/request"
done
list() { for r in $(seq 1 "$ROUNDS"); do eval "printf '%s ' \"\$${1}_$r\""; done; }
ratios() { for r in $(seq 1 "$ROUNDS"); do eval "ratio \"\$off_$r\" \"\$${1}_$r\""; echo; done; }
echo "CPU µs per request, median (min–max): off $(spread $(list off)); JSON log unbuffered $(spread $(list unbuf)); JSON log buffered $(spread $(list buf))"
echo "off ÷ that (the throughput ratio a CPU-bound daoid would have): unbuffered $(spread $(ratios unbuf)); buffered $(spread $(ratios buf))"
