#!/bin/sh
# Runs the browser and black-box tests (node:test) against the built binaries.
# DAOID_BIN / DEVSIM_BIN choose the binaries (default: the ASan+UBSan build, so that every
# flow the tests click through is also checked for memory errors and leaks).
set -eu
cd "$(dirname "$0")"
export DAOID_BIN="${DAOID_BIN:-build/san/daoid}"
export DEVSIM_BIN="${DEVSIM_BIN:-build/san/devsim}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:suppressions=$(pwd)/../lsan.supp}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(pwd)/../lsan.supp}"
mkdir -p out
files=${E2E_FILES:-$(ls ./*.test.mjs)}
# shellcheck disable=SC2086
exec node --test --test-concurrency="${E2E_JOBS:-2}" --test-reporter=spec $files
