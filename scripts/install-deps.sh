#!/usr/bin/env bash
# Installs every system and Python dependency the build and the tests need (Debian 12).
# Idempotent and quick when everything is already there.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config clang-format
  libsqlite3-dev libxxhash-dev libcurl4-openssl-dev libssl-dev nlohmann-json3-dev
  libzstd-dev libyaml-cpp-dev libtomlplusplus-dev libcli11-dev
  libgtest-dev libbenchmark-dev
  clang-14 libclang-rt-14-dev
)
PIP_PACKAGES=("moto[server]" pytest)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The SlateDB backend needs cargo (rustup is preinstalled on our machines; it cannot be
# installed from the package registries here).  Without it the backend is simply off.
if command -v cargo >/dev/null 2>&1; then
  cargo fetch --locked --manifest-path "$(dirname "$0")/../rust/Cargo.toml" >/dev/null 2>&1 ||
    echo "warning: cargo fetch for rust/ failed; the first build will retry"
else
  echo "note: cargo not found: the SlateDB shard backend will be built without (off)"
fi

if ! command -v moto_server >/dev/null 2>&1 || ! python3 -c "import pytest" >/dev/null 2>&1; then
  python3 -m pip install -q "${PIP_PACKAGES[@]}"
fi
