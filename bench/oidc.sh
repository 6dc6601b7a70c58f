#!/bin/sh
# The OpenID Connect provider and forward auth beside the session-checked GET /api/v1/me, in one
# run on this machine, on SQLite and on PostgreSQL: GET /auth/check with a session (target
# ≥ 0.9 × /api/v1/me) and the token endpoint's refresh_token grant (a rotation: two token rows
# written, one RS256 ID token signed). Interleaved rounds; the table shows min–max and the median
# of the per-round ratios. BENCH_SECONDS (default 5), BENCH_ROUNDS (default 5). The machine may
# be shared: compare within a round, not across runs.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_begin bench-oidc

pg_url=$(tests/lib/pgtmp.sh start "$tmp/pg")

# setup NAME DATABASE → NAME_base, NAME_session, NAME_auth, NAME_tokens
setup() {
    env DAOID_LISTEN=127.0.0.1:0 DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="$2" \
        DAOID_CAPTCHA_TEST_ANSWER=TEST7 DAOID_ACCESS_LOG=0 DAOID_SMTP_URL=smtp://127.0.0.1:9 \
        DAOID_THREADS=$THREADS build/daoid serve > "$tmp/$1.out" 2> "$tmp/$1.err" &
    pids="$pids $!"
    wait_line "$tmp/$1.err" "serving"
    base="http://127.0.0.1:$(sed -n 's/.*http: listening on .* (port \([0-9]*\),.*/\1/p' "$tmp/$1.err")"
    jar="$tmp/$1.jar"
    form_signup "$base" "$jar"
    session=$(awk '$6 == "session" {print $7}' "$jar")
    out=$(DAOID_DATABASE="$2" DAOID_PUBLIC_URL=http://127.0.0.1 build/daoid client add Bench \
        --redirect-uri http://127.0.0.1/cb --first-party)
    id=$(printf '%s' "$out" | sed -n 's/^client_id: //p')
    secret=$(printf '%s' "$out" | sed -n 's/^client_secret: //p')
    auth="Basic $(printf '%s:%s' "$id" "$secret" | base64 -w0)"
    code=$(curl -s -o /dev/null -w '%{http_code}' -b "session=$session" "$base/auth/check")
    [ "$code" = 200 ] || { echo "bench: /auth/check answered $code on $1" >&2; exit 1; }
    eval "$1_base=\$base $1_session=\$session $1_auth=\"\$auth\" $1_id=\$id"
}

# mint NAME → NAME_tokens: two fresh refresh tokens (one per wrk thread), through the code flow
mint() {
    eval "b=\$$1_base s=\$$1_session a=\"\$$1_auth\" id=\$$1_id"
    tokens=""
    for _ in 1 2; do
        loc=$(curl -s -o /dev/null -w '%{redirect_url}' -b "session=$s" \
            "$b/oauth/authorize?client_id=$id&redirect_uri=http://127.0.0.1/cb&response_type=code&scope=openid+offline_access")
        code=$(printf '%s' "$loc" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
        rt=$(curl -s -H "Authorization: $a" "$b/oauth/token" -d grant_type=authorization_code \
            -d "code=$code" -d redirect_uri=http://127.0.0.1/cb | sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p')
        [ -n "$rt" ] || { echo "bench: no refresh token on $1" >&2; exit 1; }
        tokens="$tokens${tokens:+,}$rt"
    done
    eval "$1_tokens=\$tokens"
}
setup sq "sqlite:$tmp/daoid.db"
setup pg "$pg_url"

load() { # OUT NAME PATH
    eval "s=\$$2_session b=\$$2_base"
    BENCH_COOKIE="session=$s" wrk -t 2 -c 64 -d "${SECS}s" -s bench/cookie.lua "$b$3" > "$1"
}
refresh() { # OUT NAME (fresh tokens each time; a long timeout: a request wrk gave up on would
    # still rotate its token, and the next one would be a reuse that revokes the family)
    mint "$2"
    eval "b=\$$2_base a=\"\$$2_auth\" t=\$$2_tokens"
    BENCH_AUTH="$a" BENCH_TOKENS="$t" wrk -t 2 -c 2 -d "${SECS}s" --timeout 60s -s bench/refresh.lua "$b/oauth/token" > "$1"
}
for r in $(seq 1 "$ROUNDS"); do
    echo "bench: oidc round $r/$ROUNDS" >&2
    for n in sq pg; do
        load "$tmp/${n}me$r" $n /api/v1/me; eval "${n}me$r=$(rps "$tmp/${n}me$r")"
        load "$tmp/${n}ac$r" $n /auth/check; eval "${n}ac$r=$(rps "$tmp/${n}ac$r")"
        refresh "$tmp/${n}rf$r" $n; eval "${n}rf$r=$(rps "$tmp/${n}rf$r")"
    done
done
bad() { cat "$tmp"/*"$1"* | awk '/Non-2xx or 3xx/ {s += $5} /Socket errors/ {s += $NF} END {print s + 0}'; }
cat <<TABLE

daoid OpenID Connect / forward auth — $(date -u +%Y-%m-%d), $CORES cores (shared machine), $THREADS HTTP threads, $ROUNDS interleaved rounds of ${SECS}s, wrk on loopback; min–max (median ratio)
| measure                                         | SQLite | PostgreSQL | target |
|-------------------------------------------------|-------:|-----------:|-------:|
| GET /api/v1/me/s with a session (64 conns)      | $(range $(list sqme)) | $(range $(list pgme)) | |
| GET /auth/check/s with a session (64 conns)     | $(range $(list sqac)) | $(range $(list pgac)) | |
| … ratio to /api/v1/me (per round)               | $(range $(ratios sqac sqme)) ($(median $(ratios sqac sqme))) | $(range $(ratios pgac pgme)) ($(median $(ratios pgac pgme))) | ≥ 0.9 |
| refresh_token grant/s (2 conns, rotation + RS256) | $(range $(list sqrf)) | $(range $(list pgrf)) | |
TABLE
echo "answers not 2xx/3xx or timed out: /api/v1/me $(bad me), /auth/check $(bad ac), refresh $(bad rf)"
