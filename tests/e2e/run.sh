#!/bin/sh
# Runs the browser and black-box tests (node:test) against the built binaries: every file on
# SQLite (the scale-out files bring their own PostgreSQL pieces), then the email flow's files
# once more with every daoid on PostgreSQL (the server tests/with-pg.sh started).
# DAOID_BIN / DEVSIM_BIN choose the binaries (default: the ASan+UBSan build, so that every
# flow the tests click through is also checked for memory errors and leaks).
# E2E_FILES runs only the given files (on SQLite); E2E_JOBS sets the parallelism.
set -eu
cd "$(dirname "$0")"
export DAOID_BIN="${DAOID_BIN:-build/san/daoid}"
export DEVSIM_BIN="${DEVSIM_BIN:-build/san/devsim}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:suppressions=$(pwd)/../lsan.supp}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(pwd)/../lsan.supp}"
mkdir -p out
jobs=${E2E_JOBS:-2}
if [ -n "${E2E_FILES:-}" ]; then
    # shellcheck disable=SC2086
    exec node --test --test-concurrency="$jobs" --test-reporter=spec $E2E_FILES
fi
echo "-- on SQLite (and the scale-out tests on PostgreSQL)"
node --test --test-concurrency="$jobs" --test-reporter=spec ./*.test.mjs
echo "-- the email flow again, on PostgreSQL"
E2E_DB=postgres node --test --test-concurrency="$jobs" --test-reporter=spec \
    ./email_flow.test.mjs ./signup_errors.test.mjs ./login_verify_errors.test.mjs ./limits.test.mjs \
    ./concurrency.test.mjs ./mail_faults.test.mjs \
    ./settings.test.mjs ./password_reset.test.mjs ./admin.test.mjs \
    ./wechat.test.mjs ./github.test.mjs ./build.test.mjs ./registry.test.mjs ./mfa.test.mjs
