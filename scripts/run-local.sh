#!/bin/sh
# The local demo: the simulator (SMTP inbox; fake GitHub, Bitbucket, Coding and WeChat) and
# daoid on http://localhost:8080, state in ./var.
# Stop with Ctrl-C; both processes end together.
set -eu
cd "$(dirname "$0")/.."
mkdir -p var
SMTP_PORT=${SMTP_PORT:-2525}
INBOX_PORT=${INBOX_PORT:-8025}

build/devsim --smtp-port "$SMTP_PORT" --http-port "$INBOX_PORT" \
    --oauth-callback-base http://localhost:8080 \
    --wechat-callback http://127.0.0.1:8080/wechat/callback > var/devsim.log 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null; wait $sim 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
    grep -q 'devsim ready' var/devsim.log 2>/dev/null && break
    kill -0 $sim 2>/dev/null || { cat var/devsim.log; exit 1; }
    sleep 0.1
done

cat <<MSG

  daoid:        http://localhost:8080
  mail inbox:   http://127.0.0.1:$INBOX_PORT/mail   (every mail daoid sends lands here)
  GitHub, Bitbucket, Coding: the simulator's authorize pages (pick a test user);
                linked accounts at http://localhost:8080/settings/accounts
  WeChat phone: http://127.0.0.1:$INBOX_PORT/wechat/phone   (scans the QR codes daoid shows)
  state:        ./var (delete it to start over)

MSG
sim_url="http://127.0.0.1:$INBOX_PORT"
DAOID_GITHUB_URL="$sim_url/github" DAOID_GITHUB_API_URL="$sim_url/github/api" \
DAOID_BITBUCKET_URL="$sim_url/bitbucket" DAOID_BITBUCKET_API_URL="$sim_url/bitbucket/api" \
DAOID_CODING_URL="$sim_url/coding" DAOID_WECHAT_API_URL="$sim_url" \
DAOID_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" build/daoid serve --config config/local.ini
