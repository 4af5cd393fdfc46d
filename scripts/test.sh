#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every C++ test (unit and
# integration; the integration tests start their own moto S3 server on 127.0.0.1), then
# the Python package's pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 600)
scripts/test-python.sh
