#!/bin/sh
# bench/profile.sh: where daoid's time goes in the two hot paths, on SQLite and PostgreSQL:
# GET /api/v1/me with a session (64 connections) and password sign-in (POST /login, 16), each
# under wrk for BENCH_SECONDS (default 10) while `perf record -g` samples daoid; prints the top
# PROFILE_TOP (default 25) self-time symbols of each. PROFILE_BIN: the binary (default build/daoid).
# Needs linux-perf (scripts/deps.sh bench) and perf_event_paranoid ≤ 2 for one's own processes.
set -eu
cd "$(dirname "$0")/.."
BIN=${PROFILE_BIN:-build/daoid}
. bench/lib.sh
bench_begin profile
SECS=${BENCH_SECONDS:-10}
TOP=${PROFILE_TOP:-25}
pg_url=$(tests/lib/pgtmp.sh start "$tmp/pg")
for db in sqlite postgres; do
    url="sqlite:$tmp/daoid.db"; [ "$db" = postgres ] && url=$pg_url
    DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="$url" \
    DAOID_SMTP_URL=smtp://127.0.0.1:9 DAOID_CAPTCHA_TEST_ANSWER=TEST7 DAOID_ACCESS_LOG=1 \
    DAOID_LIMIT_LOGIN_IP=1000000000/1m DAOID_LIMIT_LOGIN_ACCOUNT=1000000000/1m \
    DAOID_PER_IP_CONNECTIONS=0 DAOID_HASH_WAIT_MS=60000 \
        "$BIN" serve > "$tmp/$db.out" 2> "$tmp/$db.err" &
    dpid=$!
    pids="$pids $dpid"
    wait_line "$tmp/$db.err" "serving"
    base="http://127.0.0.1:$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/$db.err")"
    jar="$tmp/$db.jar"
    form_signup "$base" "$jar"
    session=$(awk '$6 == "session" {print $7}' "$jar")
    signed_out_csrf "$base" "$jar.out"
    for what in me login; do
        perf record -q -g -o "$tmp/$db-$what.data" -p "$dpid" -- sleep "$SECS" 2> /dev/null &
        ppid=$!
        if [ "$what" = me ]; then
            BENCH_COOKIE="session=$session" wrk -t 2 -c 64 -d "${SECS}s" -s bench/cookie.lua "$base/api/v1/me" > "$tmp/wrk"
        else
            BENCH_COOKIE="csrf=$csrf_cookie" BENCH_BODY="csrf=$csrf&identifier=bench&password=correct+horse+battery+42" \
                wrk -t 2 -c 16 -d "${SECS}s" -s bench/login.lua "$base/login" > "$tmp/wrk"
        fi
        wait "$ppid" || true
        echo "== $db $what: $(awk '/Requests\/sec/ {print $2}' "$tmp/wrk") requests/s; top self time (perf, -g)"
        perf report -i "$tmp/$db-$what.data" --no-children --sort symbol --stdio -g none 2> /dev/null |
            grep -E '^ +[0-9]' | head -n "$TOP"
    done
    kill "$dpid"
done
