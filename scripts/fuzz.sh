#!/usr/bin/env bash
# Builds the libFuzzer targets (CMake preset "fuzz": clang-14, ASan + UBSan) and runs each
# one for FUZZ_SECONDS (default 20) over its checked-in seeds in fuzz/corpus/<target>/.
# Exits non-zero when any target crashes, leaks, times out or fails a property check.
#
#   scripts/fuzz.sh                    # every target, 20 s each
#   FUZZ_SECONDS=300 scripts/fuzz.sh manifest sidecar
#   scripts/fuzz.sh --regen-seeds      # rewrite the binary seeds (manifest, sidecar)
#
# Dictionaries (field names, keywords) come from fuzz/dicts/<target>.dict when present.
# New inputs go to build-fuzz/fuzz-work/<target>/ (the checked-in seeds are only read);
# crash reproducers go to build-fuzz/fuzz-artifacts/.  Reproduce one with
#   build-fuzz/fuzz/<target>_fuzz <artifact>
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$ROOT/build-fuzz"
SECONDS_PER_TARGET="${FUZZ_SECONDS:-20}"
JOBS="${FUZZ_BUILD_JOBS:-2}"
ALL_TARGETS=(manifest current_pointer manifest_names sidecar run_record config key url time)

for tool in clang-14 clang++-14; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fuzz.sh: $tool not found (scripts/install-deps.sh installs clang-14 libclang-rt-14-dev)" >&2
    exit 2
  fi
done

cd "$ROOT"
mkdir -p "$BUILD"
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake --preset fuzz >"$BUILD/fuzz-configure.log" 2>&1 || { cat "$BUILD/fuzz-configure.log" >&2; exit 2; }
fi
cmake --build "$BUILD" --target fuzzers -j "$JOBS" >"$BUILD/fuzz-build.log" 2>&1 ||
  { tail -50 "$BUILD/fuzz-build.log" >&2; echo "fuzz.sh: build failed" >&2; exit 2; }

if [ "${1:-}" = "--regen-seeds" ]; then
  ASAN_OPTIONS=detect_leaks=0 "$BUILD/fuzz/fuzz_seed_gen" "$ROOT/fuzz/corpus"
  exit 0
fi

targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${ALL_TARGETS[@]}")

mkdir -p "$BUILD/fuzz-artifacts"
failed=()
for t in "${targets[@]}"; do
  bin="$BUILD/fuzz/${t}_fuzz"
  if [ ! -x "$bin" ]; then
    if [ "$t" = config ]; then
      echo "== config: not built (src/cli config sources missing), skipped"
      continue
    fi
    echo "== $t: no such fuzz target ($bin)" >&2
    failed+=("$t")
    continue
  fi
  work="$BUILD/fuzz-work/$t"
  mkdir -p "$work"
  log="$BUILD/fuzz-work/$t.log"
  dict=()
  [ -f "$ROOT/fuzz/dicts/$t.dict" ] && dict=(-dict="$ROOT/fuzz/dicts/$t.dict")
  echo "== $t: ${SECONDS_PER_TARGET}s over fuzz/corpus/$t"
  # -timeout: one input may take at most 10 s (a hang is a finding); -rss_limit_mb: an
  # input may not blow memory up; -max_len covers the largest seed (12 KiB manifests).
  if ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
     UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
     "$bin" "$work" "$ROOT/fuzz/corpus/$t" \
       -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
       -print_final_stats=1 -artifact_prefix="$BUILD/fuzz-artifacts/$t-" ${dict[@]+"${dict[@]}"} \
       >"$log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$log" | tail -2 | sed 's/^/   /'
  else
    echo "!! $t FAILED (log: $log)" >&2
    grep -E "ERROR:|SUMMARY|FUZZ_CHECK|terminate called|what\(\)|Test unit written" "$log" | head -20 >&2 || tail -30 "$log" >&2
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz.sh: failing targets: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: all targets clean"
