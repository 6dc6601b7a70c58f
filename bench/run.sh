#!/bin/sh
# make bench: daoid's speed as ratios measured side by side in one run on this machine.
#   1. raw argon2id verifications/s with daoid's parameters, one thread per core
#   2. password sign-ins/s (POST /login → 303) and their ratio to (1)          target ≥ 0.9
#   3. GET /api/v1/me with a valid session, and a bare libmicrohttpd server answering a body
#      of the same size with the same thread pool; requests/s and their ratio  target ≥ 0.5
#   4. daoid's resident memory idle and at its peak under load
#   5. registry token issuance with an access token (GET /v2/token) and its ratio to (3)'s
#      /api/v1/me, same run                                                   target ≥ 0.5
#   6. bench/oidc.sh: GET /auth/check and the refresh_token grant beside /api/v1/me  ≥ 0.9
# (2)–(4) run on SQLite and on PostgreSQL (a throwaway local server). No pass/fail: the table
# is for the issue notes. BENCH_SECONDS (default 5) per measurement, BENCH_ROUNDS (default 5),
# BENCH_THREADS (default: daoid's own default, 2 per core, at least 4).
set -eu
cd "$(dirname "$0")/.."
OUT=build/bench
mkdir -p "$OUT"
cc -O2 -o "$OUT/hashrate" bench/hashrate.c $(pkg-config --cflags --libs libsodium) -lpthread
cc -O2 -o "$OUT/hello" bench/hello.c $(pkg-config --cflags --libs libmicrohttpd)

SECS=${BENCH_SECONDS:-5}
CORES=$(nproc)
THREADS=${BENCH_THREADS:-$(( CORES * 2 < 4 ? 4 : CORES * 2 ))}
tmp=$(mktemp -d /tmp/daoid-bench-XXXXXX)
chmod 755 "$tmp"
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    tests/lib/pgtmp.sh stop "$tmp/pg" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
. bench/registry.sh
registry_key "$tmp/reg"

wait_line() { # file pattern
    for _ in $(seq 1 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "bench: timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}
rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
bad() { awk '/Non-2xx or 3xx/ {print $5}' "$1"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

build/devsim --smtp-port 0 --http-port 0 > "$tmp/devsim.out" 2>&1 &
pids="$pids $!"
wait_line "$tmp/devsim.out" "devsim ready"
smtp=$(sed -n 's/.*smtp=\([0-9.:]*\).*/\1/p' "$tmp/devsim.out")
pg_url=$(tests/lib/pgtmp.sh start "$tmp/pg")

# start_daoid NAME DATABASE → sets dpid, base
start_daoid() {
    DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="$2" \
    DAOID_SMTP_URL="smtp://$smtp" DAOID_CAPTCHA_TEST_ANSWER=TEST7 DAOID_ACCESS_LOG=0 \
    DAOID_LIMIT_LOGIN_IP=1000000000/1m DAOID_LIMIT_LOGIN_ACCOUNT=1000000000/1m \
    DAOID_HASH_WAIT_MS=60000 DAOID_THREADS=$THREADS DAOID_REGISTRY_KEY_FILE="$tmp/reg/token-key.pem" \
        build/daoid serve > "$tmp/$1.out" 2> "$tmp/$1.err" &
    dpid=$!
    pids="$pids $dpid"
    wait_line "$tmp/$1.err" "serving"
    base="http://127.0.0.1:$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/$1.err")"
}

# sign_up NAME → sets csrf, csrf_cookie, session, me_len (one account through the real form)
sign_up() {
    jar="$tmp/$1.jar"
    form=$(curl -s -c "$jar" -b "$jar" "$base/signup")
    csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    cid=$(printf '%s' "$form" | sed -n 's/.*name="captcha_id" id="captcha-id" value="\([^"]*\)".*/\1/p')
    curl -s -o /dev/null -c "$jar" -b "$jar" "$base/signup" --data-urlencode "csrf=$csrf" \
        --data-urlencode "captcha_id=$cid" --data-urlencode "captcha=TEST7" \
        --data-urlencode "email=bench@example.com" --data-urlencode "username=bench" \
        --data-urlencode "password=correct horse battery 42" --data-urlencode "terms=1"
    csrf_cookie=$(awk '$6 == "csrf" {print $7}' "$jar")
    session=$(awk '$6 == "session" {print $7}' "$jar")
    me_len=$(curl -s -b "session=$session" "$base/api/v1/me" | wc -c)
    [ "$me_len" -gt 20 ] || { echo "bench: sign-up on $1 failed" >&2; cat "$tmp/$1.err" >&2; exit 1; }
}

login_load() { # OUTFILE
    BENCH_COOKIE="csrf=$csrf_cookie" BENCH_BODY="csrf=$csrf&identifier=bench&password=correct+horse+battery+42" \
        wrk -t 2 -c 16 -d "${SECS}s" -s bench/login.lua "$base/login" > "$1"
}
me_load() { # OUTFILE
    BENCH_COOKIE="session=$session" wrk -t 2 -c 64 -d "${SECS}s" -s bench/cookie.lua "$base/api/v1/me" > "$1"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Everything runs at once and the measurements are interleaved in rounds (raw hashing, then
# each daoid's sign-ins; the bare server, then each daoid's /api/v1/me), and each figure is the
# median of its rounds: on a shared machine a neighbour's burst then weighs on one round of
# every side, not on one side.
start_daoid sqlite "sqlite:$tmp/daoid.db"
sq_pid=$dpid sq_base=$base
sign_up sqlite
make_pat
sq_csrf=$csrf sq_cc=$csrf_cookie sq_session=$session sq_pat=$pat
start_daoid postgres "$pg_url"
pg_pid=$dpid pg_base=$base
sign_up postgres
make_pat
pg_csrf=$csrf pg_cc=$csrf_cookie pg_session=$session pg_pat=$pat
sq_idle=$(( $(rss_kb "$sq_pid") / 1024 )) pg_idle=$(( $(rss_kb "$pg_pid") / 1024 ))

hport=$(awk -v p="$$" 'BEGIN { srand(p); print 30000 + int(rand() * 20000) }')
"$OUT/hello" "$hport" "$me_len" "$THREADS" &
pids="$pids $!"
sleep 0.3

use() { # sqlite|postgres: point the load functions at that daoid
    if [ "$1" = sqlite ]; then base=$sq_base csrf=$sq_csrf csrf_cookie=$sq_cc session=$sq_session pat=$sq_pat
    else base=$pg_base csrf=$pg_csrf csrf_cookie=$pg_cc session=$pg_session pat=$pg_pat; fi
}

ROUNDS=${BENCH_ROUNDS:-5}
for r in $(seq 1 "$ROUNDS"); do
    echo "bench: round $r/$ROUNDS: raw argon2id, sign-ins (sqlite, postgres), hello, /api/v1/me (sqlite, postgres)" >&2
    eval "raw$r=$("$OUT/hashrate" "$SECS" "$CORES")"
    use sqlite; login_load "$tmp/sl$r"; eval "sl$r=$(rps "$tmp/sl$r")"
    use postgres; login_load "$tmp/pl$r"; eval "pl$r=$(rps "$tmp/pl$r")"
    wrk -t 2 -c 64 -d "${SECS}s" "http://127.0.0.1:$hport/" > "$tmp/h$r"; eval "h$r=$(rps "$tmp/h$r")"
    use sqlite; me_load "$tmp/sm$r"; eval "sm$r=$(rps "$tmp/sm$r")"
    use postgres; me_load "$tmp/pm$r"; eval "pm$r=$(rps "$tmp/pm$r")"
    use sqlite; token_load "$tmp/st$r"; eval "st$r=$(rps "$tmp/st$r")"
    use postgres; token_load "$tmp/pt$r"; eval "pt$r=$(rps "$tmp/pt$r")"
done
sq_peak=$(( $(hwm_kb "$sq_pid") / 1024 )) pg_peak=$(( $(hwm_kb "$pg_pid") / 1024 ))
bad_answers=$(cat "$tmp"/sl* "$tmp"/pl* "$tmp"/sm* "$tmp"/pm* "$tmp"/st* "$tmp"/pt* | awk '/Non-2xx or 3xx/ {s += $5} END {print s + 0}')

# Each ratio is taken within a round (its two sides measured seconds apart), then the median
# over the rounds; the rates shown are the medians of the rounds too.
list() { for r in $(seq 1 "$ROUNDS"); do eval "printf '%s ' \"\$$1$r\""; done; }
ratios() { for r in $(seq 1 "$ROUNDS"); do eval "ratio \"\$$1$r\" \"\$$2$r\""; echo; done; }
raw=$(median $(list raw)) hello=$(median $(list h))
sq_login=$(median $(list sl)) pg_login=$(median $(list pl))
sq_me=$(median $(list sm)) pg_me=$(median $(list pm))
sq_login_r=$(median $(ratios sl raw)) pg_login_r=$(median $(ratios pl raw))
sq_me_r=$(median $(ratios sm h)) pg_me_r=$(median $(ratios pm h))
sq_tok=$(median $(list st)) pg_tok=$(median $(list pt))
sq_tok_r=$(median $(ratios st sm)) pg_tok_r=$(median $(ratios pt pm))

cat <<TABLE

daoid benchmark — $(date -u +%Y-%m-%d), $CORES cores, $THREADS HTTP threads, medians of $ROUNDS interleaved rounds of ${SECS}s, wrk on loopback
| measure                                             | SQLite | PostgreSQL | target |
|-----------------------------------------------------|-------:|-----------:|-------:|
| raw argon2id verify/s (m=19 MiB, t=2, $CORES threads)      | $raw | | |
| password sign-in/s (POST /login → 303)               | $sq_login | $pg_login | |
| … ratio to the raw argon2id rate                     | $sq_login_r | $pg_login_r | ≥ 0.9 |
| bare libmicrohttpd hello/s ($me_len-byte body)        | $hello | | |
| GET /api/v1/me/s with a session                      | $sq_me | $pg_me | |
| … ratio to the bare hello                            | $sq_me_r | $pg_me_r | ≥ 0.5 |
| registry token/s (GET /v2/token, access token)       | $sq_tok | $pg_tok | |
| … ratio to GET /api/v1/me                            | $sq_tok_r | $pg_tok_r | ≥ 0.5 |
| daoid RSS idle / peak (MiB)                          | $sq_idle / $sq_peak | $pg_idle / $pg_peak | |

rounds: raw $(list raw)| sign-in sqlite $(list sl)postgres $(list pl)| hello $(list h)| me sqlite $(list sm)postgres $(list pm)| token sqlite $(list st)postgres $(list pt)
per-round ratios: sign-in sqlite $(ratios sl raw | tr '\n' ' ')postgres $(ratios pl raw | tr '\n' ' ')| me sqlite $(ratios sm h | tr '\n' ' ')postgres $(ratios pm h | tr '\n' ' ')| token sqlite $(ratios st sm | tr '\n' ' ')postgres $(ratios pt pm | tr '\n' ' ')
TABLE
[ "$bad_answers" = 0 ] || echo "note: $bad_answers answers were not 2xx/3xx"

# The OpenID Connect provider and forward auth beside /api/v1/me (bench/oidc.sh, its own rounds).
bench/oidc.sh

# Then the store at scale (bench/scale.sh), unless BENCH_ACCOUNTS=0.
if [ "${BENCH_ACCOUNTS:-1000000}" != 0 ]; then
    cleanup
    trap - EXIT INT TERM
    exec bench/scale.sh
fi
