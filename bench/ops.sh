#!/bin/sh
# make bench, the operations rows: GET /api/v1/me with a session on three daoids (SQLite) that
# differ only in what an operator turns on: (off) metrics = 0 and access_log = 0 (the main
# benchmark's setting); (json) metrics on, a Prometheus scrape every second, the JSON access
# log written to a file; (default) the default configuration (metrics on, the text access
# log). Rounds interleave the three; each ratio to (off) is taken within a round; min–max and
# median over BENCH_ROUNDS (default 5) rounds of BENCH_SECONDS (default 5). Target ≥ 0.95.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_begin bench-ops


# start NAME ENV... → the daoid's base URL in $tmp/NAME.base, its session in $tmp/NAME.session
start() {
    name=$1; shift
    env DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="sqlite:$tmp/$name.db" \
        DAOID_SMTP_URL=smtp://127.0.0.1:9 DAOID_CAPTCHA_TEST_ANSWER=TEST7 DAOID_THREADS="$THREADS" \
        "$@" build/daoid serve > "$tmp/$name.out" 2> "$tmp/$name.err" &
    pids="$pids $!"
    wait_line "$tmp/$name.err" "serving"
    base="http://127.0.0.1:$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/$name.err" | head -1)"
    jar="$tmp/$name.jar"
    form_signup "$base" "$jar"
    echo "$base" > "$tmp/$name.base"
    awk '$6 == "session" {print $7}' "$jar" > "$tmp/$name.session"
    [ -s "$tmp/$name.session" ] || { echo "bench: sign-up on $name failed" >&2; exit 1; }
}

start off DAOID_METRICS=0 DAOID_ACCESS_LOG=0
start json DAOID_METRICS=1 DAOID_ACCESS_LOG=1 DAOID_LOG_FORMAT=json
start default
# a scraper on (json), as Prometheus would be (every second)
( while :; do curl -s -o /dev/null "$(cat "$tmp/json.base")/metrics"; sleep 1; done ) &
pids="$pids $!"

me_load() { # NAME OUTFILE
    BENCH_COOKIE="session=$(cat "$tmp/$1.session")" wrk -t 2 -c 64 -d "${SECS}s" -s bench/cookie.lua \
        "$(cat "$tmp/$1.base")/api/v1/me" > "$2"
}
for r in $(seq 1 "$ROUNDS"); do
    echo "bench: ops round $r/$ROUNDS: /api/v1/me with metrics and access log off, json, default" >&2
    for n in off json default; do me_load "$n" "$tmp/$n$r"; eval "${n}_$r=$(rps "$tmp/$n$r")"; done
done
list() { for r in $(seq 1 "$ROUNDS"); do eval "printf '%s ' \"\$${1}_$r\""; done; }
ratios() { for r in $(seq 1 "$ROUNDS"); do eval "ratio \"\$${1}_$r\" \"\$off_$r\""; echo; done; }
lines=$(wc -l < "$tmp/json.out")

cat <<TABLE

daoid operations benchmark — $(date -u +%Y-%m-%d), $CORES cores, $THREADS HTTP threads, SQLite, $ROUNDS interleaved rounds of ${SECS}s, wrk -c 64 on loopback; median (min–max)
| GET /api/v1/me/s with a session                                 | requests/s | ratio to off | target |
|-----------------------------------------------------------------|-----------:|-------------:|-------:|
| metrics off, access log off                                      | $(spread $(list off)) | 1 | |
| metrics on + scraped each second, JSON access log to a file      | $(spread $(list json)) | $(spread $(ratios json)) | ≥ 0.95 |
| default configuration (metrics on, text access log)              | $(spread $(list default)) | $(spread $(ratios default)) | ≥ 0.95 |

rounds: off $(list off)| json $(list json)| default $(list default)($lines JSON access lines written)
TABLE
