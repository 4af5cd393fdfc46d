#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, and runs every C++ test (unit and
# integration; the integration tests start their own moto S3 server on 127.0.0.1), then
# the Python package's pytest suite, then a short bounded run of every libFuzzer target over
# its checked-in corpus (FUZZ_SECONDS each, default 5; longer runs: scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh

# One moto S3 server on loopback for every C++ test process (each would otherwise start its
# own); buckets are uniquely named per process.  Stopped when this script exits.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
moto_log=$(mktemp -t shardy-moto-XXXXXX.log)
moto_server -H 127.0.0.1 -p "$port" >"$moto_log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null; rm -f "$moto_log"' EXIT
for _ in $(seq 300); do  # up to 30 s
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" \
    2>/dev/null && break
  kill -0 $moto_pid 2>/dev/null || { cat "$moto_log" >&2; echo "moto_server exited" >&2; exit 1; }
  sleep 0.1
done
export SHARDY_TEST_MOTO_ENDPOINT="http://127.0.0.1:$port"
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 600)
unset SHARDY_TEST_MOTO_ENDPOINT
scripts/test-python.sh
CCACHE_BASEDIR=$(pwd -P) FUZZ_SECONDS=${FUZZ_SECONDS:-5} scripts/fuzz.sh
