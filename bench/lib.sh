# Sourced by the bench scripts (bench/run.sh, scale.sh, passkey.sh …): the parts they share.
# Each figure is measured in ROUNDS interleaved rounds (on a shared machine a neighbour's burst
# then weighs on one round of every side, not on one side); a figure is the median of its
# rounds, a ratio is taken within each round and then the median.
#   wait_line FILE PATTERN [TRIES]  waits until FILE has a line with PATTERN (TRIES × 50 ms,
#                                   2400: a daoid starting on a busy machine)
#   rounds WHO WHAT FN              runs FN r for r = 1..ROUNDS, saying so on stderr
#   rps FILE                        wrk's requests/s
#   ratio A B, median V…, range V…  A / B; the median; min–max
#   spread V…                       "median (min–max)"
#   list VAR                        the values VAR1 … VAR$ROUNDS
#   ratios A B                      A_r / B_r for each round r, one a line
#   form_signup BASE JAR            signs up `bench` through the real form (captcha TEST7), the
#                                   cookies in JAR; sets csrf (the form's token)
#   signed_out_csrf BASE JAR        sets csrf and csrf_cookie: a signed-out browser's form token
#                                   and CSRF cookie (signing up renews the cookie, so the jar of
#                                   a signed-up browser does not fit a signed-out form)
#   counted FILE WORD               per second, from a wrk script's "WORD N in T s" line: only
#                                   the answers the script counted as done (login.lua: 303s)
#   bench_start_devsim              starts build/devsim (any ports) in $pids; sets smtp (its
#                                   SMTP address)
#   bench_start_daoid NAME DATABASE [SETTING=VALUE…]
#                                   starts build/daoid serve on 127.0.0.1 (any port) with the
#                                   benches' settings: public_url http://127.0.0.1, mail to
#                                   devsim's $smtp, the test captcha, the access log on, the
#                                   sign-in, sign-up and captcha limits and the per-IP
#                                   connection limit out of a load's way (wrk is one address),
#                                   hashes waited for up to 60 s, $THREADS threads; the
#                                   SETTINGs (DAOID_KEY=VALUE) over them. Output in
#                                   $tmp/NAME.out and .err; once it serves, sets dpid (also in
#                                   $pids) and base

#   bench_begin NAME                the run's settings (SECS, ROUNDS, CORES, THREADS from BENCH_*),
#                                   its scratch directory $tmp, the daoids it starts in $pids
#                                   and cleanup (also on exit): stops them and a PostgreSQL
#                                   server in $tmp/pg, removes $tmp (kept with BENCH_KEEP=1)

bench_begin() {
    SECS=${BENCH_SECONDS:-5}
    ROUNDS=${BENCH_ROUNDS:-5}
    CORES=$(nproc)
    THREADS=${BENCH_THREADS:-$(( CORES * 2 < 4 ? 4 : CORES * 2 ))}
    tmp=$(mktemp -d "/tmp/daoid-$1-XXXXXX")
    chmod 755 "$tmp"
    pids=""
    trap cleanup EXIT INT TERM
}
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    tests/lib/pgtmp.sh stop "$tmp/pg" 2>/dev/null || true
    [ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"
}

bench_start_devsim() {
    build/devsim --smtp-port 0 --http-port 0 > "$tmp/devsim.out" 2>&1 &
    pids="$pids $!"
    wait_line "$tmp/devsim.out" "devsim ready"
    smtp=$(sed -n 's/.*smtp=\([0-9.:]*\).*/\1/p' "$tmp/devsim.out")
}

bench_start_daoid() {
    bsd_name=$1 bsd_db=$2
    shift 2
    env DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="$bsd_db" \
        DAOID_SMTP_URL="smtp://$smtp" DAOID_CAPTCHA_TEST_ANSWER=TEST7 DAOID_ACCESS_LOG=1 \
        DAOID_LIMIT_LOGIN_IP=1000000000/1m DAOID_LIMIT_LOGIN_ACCOUNT=1000000000/1m \
        DAOID_LIMIT_SIGNUP_IP=1000000000/1m DAOID_LIMIT_CAPTCHA_IP=1000000000/1m \
        DAOID_PER_IP_CONNECTIONS=0 DAOID_HASH_WAIT_MS=60000 DAOID_THREADS="$THREADS" \
        "$@" build/daoid serve > "$tmp/$bsd_name.out" 2> "$tmp/$bsd_name.err" &
    dpid=$!
    pids="$pids $dpid"
    wait_line "$tmp/$bsd_name.err" "serving"
    base="http://127.0.0.1:$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/$bsd_name.err")"
}

wait_line() {
    for _ in $(seq 1 "${3:-2400}"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    echo "bench: timed out waiting for '$2' in $1" >&2; cat "$1" >&2; exit 1
}

rounds() {
    for r in $(seq 1 "$ROUNDS"); do
        echo "$1: round $r/$ROUNDS: $2" >&2
        "$3" "$r"
    done
}

rps() { awk '/Requests\/sec/ {print $2}' "$1"; }
counted() { awk -v w="$2" '$1 == w { printf "%.1f", ($4 > 0 ? $2 / $4 : 0) }' "$1"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# "median (min–max)" of the values
spread() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%s (%s–%s)", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
range() { printf '%s\n' "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "–" hi }'; }
list() { for r in $(seq 1 "$ROUNDS"); do eval "printf '%s ' \"\$$1$r\""; done; }
ratios() { for r in $(seq 1 "$ROUNDS"); do eval "ratio \"\$$1$r\" \"\$$2$r\""; echo; done; }

form_signup() {
    form=$(curl -s -c "$2" -b "$2" "$1/signup")
    csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    cid=$(printf '%s' "$form" | sed -n 's/.*name="captcha_id" id="captcha-id" value="\([^"]*\)".*/\1/p')
    curl -s -o /dev/null -c "$2" -b "$2" "$1/signup" --data-urlencode "csrf=$csrf" \
        --data-urlencode "captcha_id=$cid" --data-urlencode "captcha=TEST7" \
        --data-urlencode "email=bench@example.com" --data-urlencode "username=bench" \
        --data-urlencode "password=correct horse battery 42" --data-urlencode "terms=1"
}

signed_out_csrf() {
    form=$(curl -s -c "$2" "$1/login")
    csrf=$(printf '%s' "$form" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    csrf_cookie=$(awk '$6 == "csrf" {print $7}' "$2")
}
