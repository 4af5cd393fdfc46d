#!/usr/bin/env bash
# Configures and builds into ./build (ccache keeps rebuilds fast; its cache lives outside
# the clone, in ~/.cache/ccache).  Extra arguments go to cmake, e.g. -DSHARDY_SANITIZE=address.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
jobs=$(nproc)
# Relative paths in ccache keys: a fresh clone elsewhere reuses the same cache entries.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(pwd -P)}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
cmake --build "$BUILD_DIR" -j "$jobs"
