#!/bin/sh
# Runs a command with a throwaway PostgreSQL server: DAOID_TEST_PG_URL names it, and
# DAOID_TEST_PG_DIR its directory. The server is stopped when the command ends.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d /tmp/daoid-pg-XXXXXX)
chmod 755 "$dir"
cleanup() { "$here/lib/pgtmp.sh" stop "$dir/pg"; rm -rf "$dir"; }
trap cleanup EXIT INT TERM
DAOID_TEST_PG_URL=$("$here/lib/pgtmp.sh" start "$dir/pg")
DAOID_TEST_PG_DIR="$dir/pg"
export DAOID_TEST_PG_URL DAOID_TEST_PG_DIR
echo "with-pg: PostgreSQL at $DAOID_TEST_PG_URL"
"$@"
