#!/usr/bin/env bash
# Installs the Python package (building the C++ extension) and runs its pytest suite.
#
# The CMake build tree lives in ~/.cache/shardyfusion-python-build/<checkout>/<tag> and the
# compiler runs under ccache, so reinstalling after a change rebuilds only what changed.
# Build isolation is off for the same reason: an isolated build environment has a new
# path every time, which would make CMake reconfigure and recompile the bindings.
# Needs the Debian build dependencies of the C++ library (scripts/install-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-2}
# One build tree per checkout (keyed by its path), so two clones never thrash one cache.
checkout_id=$(pwd -P | cksum | cut -d' ' -f1)
export SKBUILD_BUILD_DIR=${SKBUILD_BUILD_DIR:-"$HOME/.cache/shardyfusion-python-build/$checkout_id/{wheel_tag}"}

# Build and test requirements, from PyPI, only when missing.
missing=()
"$PY" -c "import scikit_build_core" 2>/dev/null || missing+=("scikit-build-core>=0.10")
"$PY" -c "import nanobind" 2>/dev/null || missing+=("nanobind>=2.0")
"$PY" -c "import pytest" 2>/dev/null || missing+=("pytest")
"$PY" -c "import boto3" 2>/dev/null || missing+=("boto3")
command -v moto_server >/dev/null 2>&1 || missing+=("moto[server]")
if ((${#missing[@]})); then
  "$PY" -m pip install -q "${missing[@]}"
fi

start=$(date +%s)
"$PY" -m pip install -q --no-build-isolation ./python
echo "python package installed in $(($(date +%s) - start)) s"

# Run from outside python/ so the installed package (with _core) is imported, not src/.
exec "$PY" -m pytest python/tests -q "$@"
