#!/bin/sh
# bench/scale.sh (make bench runs it after run.sh): daoid at BENCH_ACCOUNTS accounts (default
# 1,000,000) against BENCH_SMALL (default 1,000), on SQLite, side by side in one run.
#   fixture  both databases built by bench/scale.c (one transaction, one shared argon2id hash;
#            per account a session, a used verification link, a sent mail, an audit row; plus
#            BENCH_ACCOUNTS/5 rows of each that the janitor is due to remove)
#   stall    the longest wait of a writer (one small transaction every millisecond, another
#            process) while the large database's first janitor round removes those rows
#   rates    GET /api/v1/me, password sign-ins, sign-ups (form, captcha, argon2id, mail) and
#            GET /verify?token=… (BENCH_VERIFY links a round) on both, in BENCH_ROUNDS
#            interleaved rounds; the ratio large/small is taken within each round.
# BENCH_TREE: a daoid source tree whose build/ is made (default: this one), to measure an older
# version with the same harness. BENCH_SECONDS (default 5) per wrk measurement.
set -eu
cd "$(dirname "$0")/.."
TREE=${BENCH_TREE:-.}
OUT=build/bench
mkdir -p "$OUT"
LIBS="$(pkg-config --libs libmicrohttpd sqlite3 libpq libsodium libcurl jansson gdlib libqrencode inih libcrypto expat) -lunistring -lpthread -lm"
# shellcheck disable=SC2086
cc -O2 -D_GNU_SOURCE -I"$TREE/src/lib" -I"$TREE/src/db" -I"$TREE/src/core" \
    $(pkg-config --cflags sqlite3 libsodium) -o "$OUT/scale" bench/scale.c "$TREE/build/libdaoid.a" $LIBS

BIG=${BENCH_ACCOUNTS:-1000000} SMALL=${BENCH_SMALL:-1000}
ROUNDS=${BENCH_ROUNDS:-5} SECS=${BENCH_SECONDS:-5} VERIFY=${BENCH_VERIFY:-1000}
tmp=$(mktemp -d /tmp/daoid-scale-XXXXXX)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp" # BENCH_KEEP=1: keep the databases and wrk outputs
}
trap cleanup EXIT INT TERM
. bench/lib.sh

"$TREE/build/devsim" --smtp-port 0 --http-port 0 > "$tmp/devsim.out" 2>&1 &
pids="$pids $!"
wait_line "$tmp/devsim.out" "devsim ready" 2400
smtp=$(sed -n 's/.*smtp=\([0-9.:]*\).*/\1/p' "$tmp/devsim.out")

export DAOID_LOG_LEVEL=warn DAOID_DB_BUSY_TIMEOUT_MS=60000
for side in small big; do
    eval "n=\$$(echo "$side" | tr a-z A-Z)"
    echo "scale: building the $side fixture ($n accounts)" >&2
    t=$(DAOID_DATABASE="sqlite:$tmp/$side.db" "$OUT/scale" fixture "$n" $(( n / 5 )) \
        "$tmp/$side.tokens" $(( VERIFY * ROUNDS )))
    eval "build_$side=$t"
done

# start_daoid NAME → sets dpid, base
start_daoid() {
    DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="sqlite:$tmp/$1.db" \
    DAOID_SMTP_URL="smtp://$smtp" DAOID_CAPTCHA_TEST_ANSWER=TEST7 DAOID_ACCESS_LOG=0 \
    DAOID_LIMIT_LOGIN_IP=1000000000/1m DAOID_LIMIT_LOGIN_ACCOUNT=1000000000/1m \
    DAOID_LIMIT_SIGNUP_IP=1000000000/1m DAOID_HASH_WAIT_MS=60000 DAOID_LOG_LEVEL=debug \
        "$TREE/build/daoid" serve > "$tmp/$1.out" 2> "$tmp/$1.err" &
    dpid=$!
    pids="$pids $dpid"
    wait_line "$tmp/$1.err" "serving" 2400
    base="http://127.0.0.1:$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/$1.err")"
}

# The stall: the writer runs before daoid starts and until its janitor's first round is over.
echo "scale: janitor stall on the big database" >&2
DAOID_DATABASE="sqlite:$tmp/big.db" "$OUT/scale" writer "$tmp/big.err" "janitor: planner statistics" > "$tmp/stall" &
wpid=$!
sleep 1
start_daoid big
big_pid=$dpid big_base=$base
wait "$wpid"
stall=$(cat "$tmp/stall")
start_daoid small
small_base=$base

# sign_up SIDE → a session and a CSRF cookie on that daoid (one account through the real form)
sign_up() {
    eval "base=\$$1_base"
    jar="$tmp/$1.jar"
    form_signup "$base" "$jar"
    signed_out_csrf "$base" "$jar.out"
    eval "$1_csrf=$csrf $1_cc=$csrf_cookie $1_session=$(awk '$6 == "session" {print $7}' "$jar")"
    [ "$(curl -s -b "session=$(awk '$6 == "session" {print $7}' "$jar")" "$base/api/v1/me" | wc -c)" -gt 20 ] ||
        { echo "scale: sign-up on $1 failed" >&2; exit 1; }
}
sign_up small
sign_up big

me() { # SIDE OUT
    eval "BENCH_COOKIE=session=\$$1_session wrk -t 2 -c 32 -d ${SECS}s -s bench/cookie.lua \$$1_base/api/v1/me" > "$2"
    rps "$2"
}
login() { # SIDE OUT
    eval "BENCH_COOKIE=csrf=\$$1_cc BENCH_BODY='csrf='\$$1_csrf'&identifier=bench&password=correct+horse+battery+42' \
        wrk -t 2 -c 8 -d ${SECS}s -s bench/login.lua \$$1_base/login" > "$2"
    counted "$2" signins
}
signup() { # SIDE ROUND OUT
    eval "BENCH_COOKIE=csrf=\$$1_cc BENCH_TAG=$1$2 wrk -t 4 -c 4 -d ${SECS}s -s bench/signup.lua \$$1_base/signup" > "$3"
    awk '/^signups/ { printf "%.1f", $2 / $4 }' "$3"
}
verify() { # SIDE ROUND OUT: the round's VERIFY links, 8 at a time
    eval "b=\$$1_base"
    sed -n "$(( ($2 - 1) * VERIFY + 1 )),$(( $2 * VERIFY ))p" "$tmp/$1.tokens" |
        awk -v b="$b" '{ print "url = \"" b "/verify?token=" $1 "\"\noutput = \"/dev/null\"" }' > "$3.cfg"
    t0=$(date +%s%N)
    curl -s --parallel --parallel-max 8 -w '%{http_code} %{time_total}\n' -K "$3.cfg" > "$3" 2> /dev/null
    t1=$(date +%s%N)
    ok=$(grep -c '^200 ' "$3" || true)
    [ "$ok" = "$VERIFY" ] || echo "scale: $1 round $2: $ok of $VERIFY links answered 200" >&2
    awk -v n="$ok" -v ns=$(( t1 - t0 )) 'BEGIN { printf "%.1f", n / (ns / 1e9) }'
}
latency() { # OUT of verify → the median time of one link, ms
    awk '{ print $2 * 1000 }' "$1" | sort -g | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] }'
}

round() {
    r=$1
    eval "mes$r=$(me small "$tmp/mes$r") meb$r=$(me big "$tmp/meb$r")"
    eval "lis$r=$(login small "$tmp/lis$r") lib$r=$(login big "$tmp/lib$r")"
    eval "sus$r=$(signup small "$r" "$tmp/sus$r") sub$r=$(signup big "$r" "$tmp/sub$r")"
    eval "ves$r=$(verify small "$r" "$tmp/ves$r") veb$r=$(verify big "$r" "$tmp/veb$r")"
    eval "vls$r=$(latency "$tmp/ves$r") vlb$r=$(latency "$tmp/veb$r")"
}
rounds scale "/api/v1/me, sign-in, sign-up, /verify (small, big each)" round
row() { # label small-var big-var
    printf '| %s | %s (%s) | %s (%s) | %s (%s) |\n' "$1" "$(median $(list "$2"))" "$(range $(list "$2"))" \
        "$(median $(list "$3"))" "$(range $(list "$3"))" "$(median $(ratios "$3" "$2"))" "$(range $(ratios "$3" "$2"))"
}
cat <<TABLE

daoid at scale — $(date -u +%Y-%m-%d), $(nproc) cores, SQLite, $ROUNDS interleaved rounds of ${SECS}s ($VERIFY links a round for /verify), medians (min–max)
fixtures: $SMALL accounts in ${build_small}s, $BIG accounts in ${build_big}s (+ $(( BIG / 5 )) expired rows of each kind)
| measure (per second) | $SMALL accounts | $BIG accounts | ratio big/small (target ≥ 0.9) |
|---|---:|---:|---:|
$(row "GET /api/v1/me" mes meb)
$(row "password sign-ins" lis lib)
$(row "sign-ups (form + captcha)" sus sub)
$(row "GET /verify" ves veb)
$(row "… median time of one /verify, 8 at once (ms)" vls vlb)
janitor's first round on $BIG accounts (its sweeps, then the planner statistics), a writer every 1 ms meanwhile: $stall (target: lock max ≤ 50 ms)
TABLE
grep -h "janitor" "$tmp/big.err" | tail -2 >&2 || true
