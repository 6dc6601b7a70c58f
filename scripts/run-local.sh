#!/bin/sh
# The local demo: the simulator (SMTP inbox) and daoid on http://localhost:8080, state in ./var.
# Stop with Ctrl-C; both processes end together.
set -eu
cd "$(dirname "$0")/.."
mkdir -p var
SMTP_PORT=${SMTP_PORT:-2525}
INBOX_PORT=${INBOX_PORT:-8025}

build/devsim --smtp-port "$SMTP_PORT" --http-port "$INBOX_PORT" > var/devsim.log 2>&1 &
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
  state:        ./var (delete it to start over)

MSG
DAOID_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" build/daoid serve --config config/local.ini
