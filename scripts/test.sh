#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every C++ test (unit and
# integration; the integration tests start their own moto S3 server on 127.0.0.1), then
# the Python package's pytest suite, then a short bounded run of every libFuzzer target over
# its checked-in corpus (FUZZ_SECONDS each, default 5; longer runs: scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 600)
scripts/test-python.sh
CCACHE_BASEDIR=$(pwd -P) FUZZ_SECONDS=${FUZZ_SECONDS:-5} scripts/fuzz.sh
