// Reader lookups, each next to a baseline measured in the same run on the same files.
//   ./build/bench/reader_bench --benchmark_min_time=1
// * BM_BareSqliteGet vs BM_ReaderGet: a prepared `SELECT v FROM kv WHERE k=?` on one warm
//   shard file vs ShardedReader::Get of the same keys (budget: <= 1.15x).
// * BM_ReaderMultiGet1000: multi_get of 1,000 random keys over 16 shards.
// * BM_ConcurrentGet/threads:1 vs /threads:2: items_per_second should scale (>= 1.7x).
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"

using namespace shardyfusion;

namespace {

constexpr uint32_t kShards = 16;
constexpr int kRows = 200'000;

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<ConcurrentShardedReader> reader;
  std::vector<Key> shard0_keys;  // keys of shard 0, for the same-file comparison
  std::vector<Key> all_keys;
  std::string shard0_path;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("shardy-reader-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    HashShardedWriteConfig config;
    config.storage.s3_prefix = (dir / "store").string();
    config.output.local_root = (dir / "work").string();
    config.sharding.num_dbs = kShards;
    config.lifecycle.enable_run_registry = false;
    int next = 0;
    WriteHashSharded(
        [&](Record& out) {
          if (next == kRows) return false;
          out.key = Key::Int(next);
          out.value = std::string(100, static_cast<char>('a' + next % 26));
          ++next;
          return true;
        },
        config);
    ReaderOptions options;
    options.s3_prefix = (dir / "store").string();
    options.local_root = (dir / "cache").string();
    options.sqlite_mode = SqliteReadMode::kDownload;
    options.max_workers = 2;
    reader = std::make_unique<ConcurrentShardedReader>(options);
    std::mt19937 rng(7);
    for (int i = 0; i < kRows; ++i) {
      Key k = Key::Int(static_cast<int64_t>(rng() % kRows));
      if (HashDbId(k, kShards) == 0) shard0_keys.push_back(k);
      all_keys.push_back(k);
    }
    shard0_path = (dir / "cache" / "shard=00000" / "shard.db").string();
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_BareSqliteGet(benchmark::State& state) {
  auto& f = F();
  sqlite3* db = nullptr;
  // immutable=1 like our reader: no file locking per statement (shards never change).
  std::string uri = "file:" + f.shard0_path + "?immutable=1";
  sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
  sqlite3_exec(db, "PRAGMA mmap_size=268435456; PRAGMA cache_size=-8000;", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT v FROM kv WHERE k = ?", -1, &st, nullptr);
  std::vector<std::string> encoded;
  for (const auto& k : f.shard0_keys) encoded.push_back(StorageBytes(k, KeyEncoding::kU64BE));
  size_t i = 0;
  for (auto _ : state) {
    const std::string& k = encoded[i++ % encoded.size()];
    sqlite3_bind_blob(st, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
      std::string v(static_cast<const char*>(sqlite3_column_blob(st, 0)), sqlite3_column_bytes(st, 0));
      benchmark::DoNotOptimize(v);
    }
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
}

void BM_ReaderGet(benchmark::State& state) {
  auto& f = F();
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(f.reader->Get(f.shard0_keys[i++ % f.shard0_keys.size()]));
}

void BM_ReaderMultiGet1000(benchmark::State& state) {
  auto& f = F();
  size_t offset = 0;
  for (auto _ : state) {
    std::span<const Key> batch(f.all_keys.data() + offset, 1000);
    benchmark::DoNotOptimize(f.reader->MultiGet(batch));
    offset = (offset + 1000) % (f.all_keys.size() - 1000);
  }
  state.SetItemsProcessed(state.iterations() * 1000);
}

void BM_ConcurrentGet(benchmark::State& state) {
  auto& f = F();
  size_t i = state.thread_index() * 7919;
  for (auto _ : state) benchmark::DoNotOptimize(f.reader->Get(f.all_keys[i++ % f.all_keys.size()]));
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_BareSqliteGet);
BENCHMARK(BM_ReaderGet);
BENCHMARK(BM_ReaderMultiGet1000);
BENCHMARK(BM_ConcurrentGet)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
