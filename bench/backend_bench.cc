// SlateDB shards vs SQLite shards holding the same rows, measured in the same run on the
// same local directory store: build rows/s for each backend (printed before the
// benchmarks), then warm `get` and `multi_get(1000)` through ConcurrentShardedReader.
//   ./build/bench/backend_bench --benchmark_min_time=1        (rows: SHARDY_BENCH_ROWS)
// Report ratios (SlateDB / SQLite), not absolute numbers.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include "bench_rows.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"

using namespace shardyfusion;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint32_t kShards = 16;

int Rows() {
  const char* v = std::getenv("SHARDY_BENCH_ROWS");
  return v ? std::atoi(v) : 200'000;
}

struct Snapshot {
  std::unique_ptr<ConcurrentShardedReader> reader;
  double build_rows_per_s = 0;
};

struct Fixture {
  std::filesystem::path dir;
  std::vector<Key> keys;  // random existing keys
  Snapshot sqlite, slatedb;

  Fixture() {
    dir = std::filesystem::temp_directory_path() /
          ("shardy-backend-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    const int rows = Rows();
    sqlite = Build(ShardBackend::kSqlite, rows);
    if (SlateDbAvailable()) slatedb = Build(ShardBackend::kSlateDb, rows);
    std::mt19937 rng(7);
    for (int i = 0; i < 100'000; ++i) keys.push_back(Key::Int(static_cast<int64_t>(rng() % rows)));
    for (auto* s : {&sqlite, &slatedb})  // warm: every block the benchmarks touch is cached
      if (s->reader) s->reader->MultiGet(keys);
    std::printf(
        "build rows/s: sqlite %.0f, slatedb %.0f (ratio slatedb/sqlite %.2f), %d rows, %u shards\n",
        sqlite.build_rows_per_s, slatedb.build_rows_per_s,
        slatedb.build_rows_per_s / sqlite.build_rows_per_s, rows, kShards);
  }
  ~Fixture() {
    sqlite.reader.reset();
    slatedb.reader.reset();
    std::filesystem::remove_all(dir);
  }

  Snapshot Build(ShardBackend backend, int rows) {
    std::string name = ShardBackendName(backend);
    HashShardedWriteConfig config;
    config.storage.s3_prefix = (dir / name / "store").string();
    config.output.local_root = (dir / name / "work").string();
    config.sharding.num_dbs = kShards;
    config.lifecycle.enable_run_registry = false;
    config.kv.backend = backend;
    auto start = Clock::now();
    bench::WriteLetterRows(config, rows);
    Snapshot s;
    s.build_rows_per_s = rows / std::chrono::duration<double>(Clock::now() - start).count();
    ReaderOptions options;
    options.s3_prefix = config.storage.s3_prefix;
    options.local_root = (dir / name / "cache").string();
    options.sqlite_mode = SqliteReadMode::kDownload;
    options.backend = backend;
    options.max_workers = 2;
    s.reader = std::make_unique<ConcurrentShardedReader>(options);
    return s;
  }
};

// Owned by main and destroyed before exit: the bridge's runtime cannot shut a database
// down cleanly from static destructors (thread-locals are already gone by then).
std::unique_ptr<Fixture> fixture;

Fixture& F() {
  if (!fixture) fixture = std::make_unique<Fixture>();
  return *fixture;
}

ConcurrentShardedReader* ReaderFor(benchmark::State& state, bool slate) {
  auto& f = F();
  auto* r = slate ? f.slatedb.reader.get() : f.sqlite.reader.get();
  if (!r) state.SkipWithError("SlateDB backend not built");
  return r;
}

void BM_Get(benchmark::State& state) {
  auto* reader = ReaderFor(state, state.range(0) == 1);
  if (!reader) return;
  auto& keys = F().keys;
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(reader->Get(keys[i++ % keys.size()]));
  state.SetLabel(state.range(0) == 1 ? "slatedb" : "sqlite");
}

void BM_MultiGet1000(benchmark::State& state) {
  auto* reader = ReaderFor(state, state.range(0) == 1);
  if (!reader) return;
  auto& keys = F().keys;
  size_t offset = 0;
  for (auto _ : state) {
    std::span<const Key> batch(keys.data() + offset, 1000);
    benchmark::DoNotOptimize(reader->MultiGet(batch));
    offset = (offset + 1000) % (keys.size() - 1000);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
  state.SetLabel(state.range(0) == 1 ? "slatedb" : "sqlite");
}

// Arg 0 = SQLite, 1 = SlateDB.
BENCHMARK(BM_Get)->Arg(0)->Arg(1);
BENCHMARK(BM_MultiGet1000)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  fixture.reset();
  return 0;
}
