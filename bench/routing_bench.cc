// Routing cost per key next to the cost of XXH3 alone on the same bytes (issue: foundation).
//   ./build/bench/routing_bench --benchmark_min_time=0.5
// Compare BM_Route* with BM_Xxh3Only* of the same key type: the difference is what key
// dispatch, routing-byte construction and the modulo add on top of hashing.
#include <benchmark/benchmark.h>
#define XXH_INLINE_ALL  // the same inlined XXH3 as the library, for a fair baseline
#include <xxhash.h>

#include <random>
#include <vector>

#include "shardyfusion/key.h"
#include "shardyfusion/router.h"

namespace shardyfusion {
namespace {

constexpr size_t kKeys = 4096;

std::vector<Key> IntKeys() {
  std::mt19937_64 rng(42);
  std::vector<Key> keys;
  for (size_t i = 0; i < kKeys; ++i) keys.push_back(Key::Int(static_cast<int64_t>(rng() >> 1)));
  return keys;
}

std::vector<Key> StrKeys() {
  std::mt19937_64 rng(42);
  std::vector<Key> keys;
  for (size_t i = 0; i < kKeys; ++i) keys.push_back(Key::Str("user:" + std::to_string(rng() % 100000000)));
  return keys;
}

void BM_RouteInt(benchmark::State& state) {
  auto keys = IntKeys();
  auto router = SnapshotRouter::Hash(16, KeyEncoding::kU64BE);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(router.Route(keys[i++ & (kKeys - 1)]));
}

void BM_Xxh3OnlyInt(benchmark::State& state) {
  auto keys = IntKeys();
  std::vector<uint64_t> raw;
  for (const auto& k : keys) raw.push_back(k.uint_value());  // little-endian host: same bytes
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(XXH3_64bits(&raw[i++ & (kKeys - 1)], 8));
}

void BM_RouteStr(benchmark::State& state) {
  auto keys = StrKeys();
  auto router = SnapshotRouter::Hash(16, KeyEncoding::kUtf8);
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(router.Route(keys[i++ & (kKeys - 1)]));
}

void BM_Xxh3OnlyStr(benchmark::State& state) {
  auto keys = StrKeys();
  size_t i = 0;
  for (auto _ : state) {
    const auto& d = keys[i++ & (kKeys - 1)].data();
    benchmark::DoNotOptimize(XXH3_64bits(d.data(), d.size()));
  }
}

void BM_RouteAndEncodeInt(benchmark::State& state) {
  auto keys = IntKeys();
  auto router = SnapshotRouter::Hash(16, KeyEncoding::kU64BE);
  size_t i = 0;
  for (auto _ : state) {
    const Key& k = keys[i++ & (kKeys - 1)];
    benchmark::DoNotOptimize(router.Route(k));
    benchmark::DoNotOptimize(router.EncodeLookupKey(k));
  }
}

BENCHMARK(BM_Xxh3OnlyInt);
BENCHMARK(BM_RouteInt);
BENCHMARK(BM_RouteAndEncodeInt);
BENCHMARK(BM_Xxh3OnlyStr);
BENCHMARK(BM_RouteStr);

}  // namespace
}  // namespace shardyfusion

BENCHMARK_MAIN();
