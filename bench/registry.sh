# Sourced by bench/run.sh: the image registry's token issuance (GET /v2/token with an access
# token: a hash lookup and an ES256 signature, no argon2id) beside /api/v1/me.
#   registry_key DIR    writes a signing key with `daoid registry init` (before daoid starts)
#   make_pat            after sign_up: an access token for the bench account → $pat
#   token_load OUTFILE  wrk on the token endpoint with that token

registry_key() {
    DAOID_PUBLIC_URL=http://127.0.0.1 DAOID_DATABASE="sqlite:$1/unused.db" \
        build/daoid registry init --dir "$1" --listen 127.0.0.1:5000 > /dev/null
}

make_pat() {
    page=$(curl -s -b "session=$session; csrf=$csrf_cookie" "$base/settings/tokens/new")
    tcsrf=$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
    pat=$(curl -s -b "session=$session; csrf=$csrf_cookie" "$base/settings/tokens/new" \
        --data-urlencode "csrf=$tcsrf" --data-urlencode "name=bench" --data-urlencode "pull=1" \
        --data-urlencode "push=1" --data-urlencode "days=30" |
        sed -n 's/.*id="token-secret">\(dao_pat_[A-Za-z0-9_-]*\)<.*/\1/p')
    [ -n "$pat" ] || { echo "bench: no access token" >&2; exit 1; }
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "bench:$pat" "$base/v2/token?service=daoid-registry&scope=repository:bench/app:pull,push")
    [ "$code" = 200 ] || { echo "bench: the token endpoint answered $code" >&2; exit 1; }
}

token_load() { # OUTFILE
    BENCH_AUTH="Basic $(printf 'bench:%s' "$pat" | base64 -w0)" wrk -t 2 -c 64 -d "${SECS}s" \
        -s bench/basic.lua "$base/v2/token?service=daoid-registry&scope=repository:bench/app:pull,push" > "$1"
    # a token rate only counts when the answers were tokens
    b=$(bad "$1")
    [ -z "$b" ] || echo "bench: $b token answers were not 2xx/3xx" >&2
}
