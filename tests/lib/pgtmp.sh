#!/bin/bash
# A throwaway PostgreSQL server for tests: initdb in a temporary directory, listening only on
# 127.0.0.1 (and a socket in that directory) on a free port, fsync off.
#   tests/lib/pgtmp.sh start DIR [PORT]   prints the database URL (postgres://daoid@127.0.0.1:PORT/daoid)
#   tests/lib/pgtmp.sh stop DIR
#   tests/lib/pgtmp.sh url DIR
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -eu
cmd=$1
dir=$2
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    for _ in $(seq 1 50); do
        p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
        if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo $p; return; fi
    done
    echo "pgtmp: no free port" >&2; exit 1
}

case "$cmd" in
start)
    port=${3:-$(free_port)}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_pg "$PGBIN/initdb" -D "$dir/data" -A trust -U daoid -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U daoid daoid
    echo "$port" > "$dir/port"
    echo "postgres://daoid@127.0.0.1:$port/daoid"
    ;;
url)
    echo "postgres://daoid@127.0.0.1:$(cat "$dir/port")/daoid"
    ;;
stop)
    [ -d "$dir/data" ] && as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
pause)   # stop the server but keep its data (tests of an outage)
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
resume)
    port=$(cat "$dir/port")
    as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        start >/dev/null
    ;;
*) echo "usage: $0 start|stop|url|pause|resume DIR [PORT]" >&2; exit 2 ;;
esac
