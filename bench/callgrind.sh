#!/bin/sh
# bench/callgrind.sh: instructions per request in the two hot paths, counted by valgrind's
# callgrind, so that before/after compare on a loaded machine (counts do not depend on the
# neighbours): CG_ME (default 400) GET /api/v1/me with a session on one keep-alive connection and
# CG_LOGIN (default 4) password sign-ins, on SQLite and on PostgreSQL. Prints Ir per request
# and the top CG_TOP (default 15) functions by self cost of each. PROFILE_BIN: the binary
# (default build/daoid).
set -eu
cd "$(dirname "$0")/.."
BIN=${PROFILE_BIN:-build/daoid}
N=${CG_ME:-400} L=${CG_LOGIN:-4} TOP=${CG_TOP:-15}
tmp=$(mktemp -d /tmp/daoid-cg-XXXXXX)
chmod 755 "$tmp"
vpid=""
cleanup() {
    [ -z "$vpid" ] || kill "$vpid" 2>/dev/null || true
    wait 2>/dev/null || true
    tests/lib/pgtmp.sh stop "$tmp/pg" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
wait_line() {
    for _ in $(seq 1 6000); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "callgrind: timed out waiting for '$2' in $1" >&2; exit 1
}
pg_url=$(tests/lib/pgtmp.sh start "$tmp/pg")
for db in sqlite postgres; do
    url="sqlite:$tmp/daoid.db"; [ "$db" = postgres ] && url=$pg_url
    port=$(awk -v p="$$" -v d="$db" 'BEGIN { srand(p + length(d)); print 20000 + int(rand() * 10000) }')
    base="http://127.0.0.1:$port"
    DAOID_LISTEN=127.0.0.1:$port DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="$url" \
    DAOID_SMTP_URL=smtp://127.0.0.1:9 DAOID_CAPTCHA_TEST_ANSWER=TEST7 DAOID_ACCESS_LOG=1 \
    DAOID_LIMIT_LOGIN_IP=1000000000/1m DAOID_LIMIT_LOGIN_ACCOUNT=1000000000/1m \
    DAOID_HASH_WAIT_MS=600000 DAOID_REQUEST_TIMEOUT=600s DAOID_DB_BUSY_TIMEOUT_MS=600000 \
        valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$db.%p" "$BIN" serve > "$tmp/$db.out" 2> "$tmp/$db.err" &
    vpid=$!
    wait_line "$tmp/$db.err" "serving"
    jar="$tmp/$db.jar"
    form=$(curl -s -c "$jar" -b "$jar" "$base/signup")
    csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    cid=$(printf '%s' "$form" | sed -n 's/.*name="captcha_id" id="captcha-id" value="\([^"]*\)".*/\1/p')
    curl -s -o /dev/null -c "$jar" -b "$jar" "$base/signup" --data-urlencode "csrf=$csrf" \
        --data-urlencode "captcha_id=$cid" --data-urlencode "captcha=TEST7" \
        --data-urlencode "email=cg@example.com" --data-urlencode "username=cg" \
        --data-urlencode "password=correct horse battery 42" --data-urlencode "terms=1"
    session=$(awk '$6 == "session" {print $7}' "$jar")
    form=$(curl -s -c "$jar.out" "$base/login")
    csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    cc=$(awk '$6 == "csrf" {print $7}' "$jar.out")
    urls=$(for _ in $(seq 1 "$N"); do printf '%s ' "$base/api/v1/me"; done)
    # shellcheck disable=SC2086
    curl -s -o /dev/null -b "session=$session" $base/api/v1/me # warm: the cache, the statements
    callgrind_control -z "$vpid" > /dev/null
    # shellcheck disable=SC2086
    curl -s -o /dev/null -b "session=$session" $urls
    callgrind_control -d me "$vpid" > /dev/null
    callgrind_control -z "$vpid" > /dev/null
    for _ in $(seq 1 "$L"); do
        curl -s -o /dev/null -b "csrf=$cc" --data "csrf=$csrf&identifier=cg&password=correct+horse+battery+42" "$base/login"
    done
    callgrind_control -d login "$vpid" > /dev/null
    for what in me login; do
        f=$(ls "$tmp"/cg.$db.*.*  2>/dev/null | while read -r x; do grep -l "^desc: Trigger: Client Request: $what" "$x" 2>/dev/null; done | tail -1)
        n=$N; [ "$what" = login ] && n=$L
        total=$(awk '/^summary:/ {print $2}' "$f")
        echo "== $db $what: $(awk -v t="$total" -v n="$n" 'BEGIN { printf "%.0f", t / n }') instructions per request ($n requests)"
        callgrind_annotate --inclusive=no "$f" 2> /dev/null | awk '/^-+$/ {s++} s >= 3 && NF' | sed -n "2,$((TOP + 1))p" | cut -c1-150
    done
    kill "$vpid"; wait "$vpid" 2>/dev/null || true; vpid=""
done
