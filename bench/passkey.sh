#!/bin/sh
# Passkey sign-in beside password sign-in (issue 16: a passkey sign-in needs no argon2id, target
# ≥ 20× the password sign-in rate), on SQLite and on PostgreSQL, daoid's default argon2id. One
# node client (bench/passkey.mjs) drives both with the same connections, so the client's cost is
# the same on both sides: a password sign-in is POST /login (→ 303, a session); a passkey
# sign-in is the begin request, an ES256 assertion signed by the client over its challenge, and
# the finish request (→ 200, a session). Interleaved rounds; the ratio is taken within each
# round. BENCH_SECONDS (default 5), BENCH_ROUNDS (default 5), BENCH_PASSKEY_CONNECTIONS
# (default 16, as the password sign-ins of bench/run.sh). The machine may be shared: compare
# within a round, not across runs.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
bench_begin bench-passkey
CONNS=${BENCH_PASSKEY_CONNECTIONS:-16}
PUBLIC=http://localhost

bench_start_devsim
pg_url=$(tests/lib/pgtmp.sh start "$tmp/pg")

# run NAME DATABASE → the client's round lines in $tmp/NAME.rounds
run() {
    bench_start_daoid "$1" "$2" DAOID_PUBLIC_URL="$PUBLIC" DAOID_ACCESS_LOG=0
    echo "bench: passkey and password sign-ins on $1, $ROUNDS rounds of ${SECS}s" >&2
    node bench/passkey.mjs "$base" "$PUBLIC" "$SECS" "$ROUNDS" "$CONNS" "${BENCH_WARMUP:-2}" > "$tmp/$1.rounds"
    kill "$dpid"
}
run sqlite "sqlite:$tmp/daoid.db"
run postgres "$pg_url"

col() { awk -v f="$2" '{ print $f }' "$tmp/$1.rounds"; }  # FILE FIELD: one value per round
rat() { awk '{ printf "%.1f\n", ($4 > 0 ? $6 / $4 : 0) }' "$tmp/$1.rounds"; }
errs() { awk '{ s += $8 } END { print s + 0 }' "$tmp/$1.rounds"; }

cat <<TABLE

daoid passkey benchmark — $(date -u +%Y-%m-%d), $CORES cores, $THREADS HTTP threads, $CONNS client connections, median (min–max) of $ROUNDS interleaved rounds of ${SECS}s
| measure                                              | SQLite | PostgreSQL | target |
|------------------------------------------------------|-------:|-----------:|-------:|
| password sign-in/s (POST /login → 303, argon2id)     | $(spread $(col sqlite 4)) | $(spread $(col postgres 4)) | |
| passkey sign-in/s (begin + ES256 assertion + finish) | $(spread $(col sqlite 6)) | $(spread $(col postgres 6)) | |
| … ratio passkey ÷ password                           | $(spread $(rat sqlite)) | $(spread $(rat postgres)) | ≥ 20 |

TABLE
e=$(( $(errs sqlite) + $(errs postgres) ))
[ "$e" = 0 ] || echo "note: $e sign-ins were not answered as expected"
