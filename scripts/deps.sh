#!/bin/sh
# Installs what daoid needs to build, run and test, when it is missing.
# Usage: scripts/deps.sh build|test|bench   (test and bench include build)
# As root, missing Debian packages are installed with apt-get; otherwise the
# command to run is printed and the script fails.
set -eu
cd "$(dirname "$0")/.."
what=${1:-build}

build_pkgs="gcc make pkg-config libmicrohttpd-dev libsqlite3-dev libpq-dev libsodium-dev
libcurl4-openssl-dev zlib1g-dev libssl-dev libjansson-dev libexpat1-dev libgd-dev fonts-dejavu-core
libqrencode-dev libunistring-dev libinih-dev libsystemd-dev libfido2-dev libcbor-dev"
test_pkgs="libcriterion-dev chromium fonts-wqy-microhei sqlite3 postgresql pgbouncer nginx curl
clang libclang-rt-dev stress-ng docker-registry skopeo
prometheus systemd lintian debhelper dpkg-dev man-db python3"
bench_pkgs="wrk linux-perf valgrind"

pkgs=$build_pkgs
case "$what" in
test) pkgs="$pkgs $test_pkgs" ;;
bench) pkgs="$pkgs $test_pkgs $bench_pkgs" ;;
build) ;;
*) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done
# Node.js may come from elsewhere than Debian (with its own npm): only its absence counts.
if [ "$what" != build ] && { ! command -v node >/dev/null || ! command -v npm >/dev/null; }; then
    missing="$missing nodejs npm"
fi

if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "deps: installing$missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing
    else
        echo "deps: missing Debian packages:$missing" >&2
        echo "deps: run: sudo apt-get install$missing" >&2
        exit 1
    fi
fi

if [ "$what" != build ]; then
    # playwright-core drives Debian's chromium; it never downloads a browser.
    lock=tests/e2e/package-lock.json
    stamp=tests/e2e/node_modules/.daoid-stamp
    if [ ! -f "$stamp" ] || [ "$lock" -nt "$stamp" ]; then
        echo "deps: npm ci (tests/e2e)"
        (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
        touch "$stamp"
    fi
fi
