// Reader lookups, each next to a baseline measured in the same run on the same files.
//   ./build/bench/reader_bench --benchmark_min_time=1
// * BM_BareSqliteGet vs BM_ReaderGet: a prepared `SELECT v FROM kv WHERE k=?` on one warm
//   shard file (opened and used the way the download reader does) vs ShardedReader::Get
//   of the same keys (budget: <= 1.15x).
// * BM_ReaderMultiGet1000: multi_get of 1,000 random keys over 16 shards.
// * BM_BareSqliteConcurrentGet vs BM_ConcurrentGet (lock mode) and BM_ConcurrentGetPool,
//   1 and 2 threads: random keys over all 16 shards.  The bare baseline gives each thread
//   its own connections (no sharing at all), so its 2-thread/1-thread ratio is what this
//   machine can do right now.  Target: pool mode >= 1.7x on an idle 2-core machine; lock
//   mode shares each shard's one connection between threads and scales less.  The runs are
//   noisy: use --benchmark_repetitions=7 --benchmark_enable_random_interleaving=true
//   (docs/benchmarks.md).
// * BM_RangeColdGet/sidecar:1 and /sidecar:0: range mode, object-store GETs (GetRanges
//   calls) one cold `get` costs on a freshly opened reader, with and without the sidecar
//   (budget with it: <= 2).  Counts, not times: see the counters.
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include "bench_rows.h"
#include "shardyfusion/object_store.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/store_resolver.h"
#include "shardyfusion/writer.h"
#include "sqlite/sqlite_range_reader.h"

using namespace shardyfusion;

namespace {

constexpr uint32_t kShards = 16;
constexpr int kRows = 200'000;

// Opens a shard file the way SqliteDownloadReaderFactory does (keep the two in step), so
// the bare baselines measure SQLite itself and the reader's ratio measures our layer.
struct BareShard {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  explicit BareShard(const std::string& path) {
    std::string uri = "file:" + path + "?mode=ro&immutable=1";
    sqlite3_open_v2(uri.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
    sqlite3_exec(db, "PRAGMA mmap_size=268435456; PRAGMA cache_size=-8000; PRAGMA query_only=1; BEGIN;",
                 nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(db, "SELECT v FROM kv WHERE k = ?", -1, &stmt, nullptr);
  }
  ~BareShard() {
    sqlite3_finalize(stmt);
    sqlite3_close(db);
  }
  BareShard(const BareShard&) = delete;
  BareShard& operator=(const BareShard&) = delete;
  bool Get(const std::string& key) {
    sqlite3_bind_blob(stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    bool found = false;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      std::string v(static_cast<const char*>(sqlite3_column_blob(stmt, 0)), sqlite3_column_bytes(stmt, 0));
      benchmark::DoNotOptimize(v);
      found = true;
    }
    sqlite3_reset(stmt);
    return found;
  }
};

// Delegates to another store and counts the requests a reader makes.
class CountingStore : public ObjectStore {
 public:
  explicit CountingStore(std::shared_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}
  std::atomic<uint64_t> get_ranges{0}, gets{0}, heads{0};

  std::string UrlFor(std::string_view key) const override { return inner_->UrlFor(key); }
  PutResult Put(const std::string& key, std::string_view body, const PutOptions& o) override {
    return inner_->Put(key, body, o);
  }
  std::optional<std::string> Get(const std::string& key) override {
    ++gets;
    return inner_->Get(key);
  }
  bool GetToFile(const std::string& key, const std::string& path) override {
    ++gets;
    return inner_->GetToFile(key, path);
  }
  std::vector<std::string> GetRanges(const std::string& key, const std::vector<ByteRange>& ranges) override {
    ++get_ranges;
    return inner_->GetRanges(key, ranges);
  }
  std::optional<ObjectInfo> Head(const std::string& key) override {
    ++heads;
    return inner_->Head(key);
  }
  ListPage List(const std::string& prefix, const std::string& delimiter, const std::string& token,
                size_t max_keys) override {
    return inner_->List(prefix, delimiter, token, max_keys);
  }
  void Delete(const std::string& key) override { inner_->Delete(key); }

 private:
  std::shared_ptr<ObjectStore> inner_;
};

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<ConcurrentShardedReader> reader;       // lock mode (the default)
  std::unique_ptr<ConcurrentShardedReader> pool_reader;  // pool mode, 2 readers per shard
  std::vector<Key> shard0_keys;  // keys of shard 0, for the same-file comparison
  std::vector<Key> all_keys;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("shardy-reader-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    HashShardedWriteConfig config;
    config.storage.s3_prefix = (dir / "store").string();
    config.output.local_root = (dir / "work").string();
    config.sharding.num_dbs = kShards;
    config.lifecycle.enable_run_registry = false;
    bench::WriteLetterRows(config, kRows);
    ReaderOptions options = Options();
    options.local_root = (dir / "cache").string();
    options.sqlite_mode = SqliteReadMode::kDownload;
    options.max_workers = 2;
    reader = std::make_unique<ConcurrentShardedReader>(options);
    options.thread_safety = ThreadSafety::kPool;
    options.pool_size = 2;
    pool_reader = std::make_unique<ConcurrentShardedReader>(options);
    std::mt19937 rng(7);
    for (int i = 0; i < kRows; ++i) {
      Key k = Key::Int(static_cast<int64_t>(rng() % kRows));
      if (HashDbId(k, kShards) == 0) shard0_keys.push_back(k);
      all_keys.push_back(k);
    }
  }
  ~Fixture() { std::filesystem::remove_all(dir); }

  ReaderOptions Options() const {
    ReaderOptions options;
    options.s3_prefix = (dir / "store").string();
    return options;
  }
  std::string ShardPath(uint32_t db_id) const {
    char name[32];
    std::snprintf(name, sizeof name, "shard=%05u", db_id);
    return (dir / "cache" / name / "shard.db").string();
  }
};

Fixture& F() {
  static Fixture f;
  return f;
}

void BM_BareSqliteGet(benchmark::State& state) {
  auto& f = F();
  BareShard shard(f.ShardPath(0));
  std::vector<std::string> encoded;
  for (const auto& k : f.shard0_keys) encoded.push_back(StorageBytes(k, KeyEncoding::kU64BE));
  size_t i = 0;
  for (auto _ : state) shard.Get(encoded[i++ % encoded.size()]);
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

// Each thread: its own connection to every shard, routing and key encoding in the loop.
void BM_BareSqliteConcurrentGet(benchmark::State& state) {
  auto& f = F();
  std::vector<std::unique_ptr<BareShard>> shards;
  for (uint32_t s = 0; s < kShards; ++s) shards.push_back(std::make_unique<BareShard>(f.ShardPath(s)));
  size_t i = state.thread_index() * 7919;
  std::string encoded;
  for (auto _ : state) {
    const Key& k = f.all_keys[i++ % f.all_keys.size()];
    encoded.clear();
    AppendStorageBytes(k, KeyEncoding::kU64BE, encoded);
    benchmark::DoNotOptimize(shards[HashDbId(k, kShards)]->Get(encoded));
  }
  state.SetItemsProcessed(state.iterations());
}

void ConcurrentGet(benchmark::State& state, ConcurrentShardedReader& reader) {
  auto& f = F();
  size_t i = state.thread_index() * 7919;
  for (auto _ : state) benchmark::DoNotOptimize(reader.Get(f.all_keys[i++ % f.all_keys.size()]));
  state.SetItemsProcessed(state.iterations());
}
void BM_ConcurrentGet(benchmark::State& state) { ConcurrentGet(state, *F().reader); }
void BM_ConcurrentGetPool(benchmark::State& state) { ConcurrentGet(state, *F().pool_reader); }

// A small range-mode snapshot behind a counting store (built once).
struct RangeFixture {
  std::filesystem::path dir;
  std::shared_ptr<CountingStore> store;
  std::shared_ptr<StoreResolver> resolver;
  std::string root;
  std::vector<Key> keys;

  RangeFixture() {
    dir = std::filesystem::temp_directory_path() / ("shardy-range-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    store = std::make_shared<CountingStore>(MakeLocalObjectStore("/"));
    resolver = std::make_shared<StoreResolver>();
    resolver->Register("file", "", store);  // every file:// URL goes through the counter
    root = "file://" + (dir / "store").string();
    HashShardedWriteConfig config;
    config.storage.s3_prefix = root;
    config.storage.resolver = resolver;
    config.output.local_root = (dir / "work").string();
    config.sharding.num_dbs = 4;
    config.lifecycle.enable_run_registry = false;
    const int rows = 50'000;  // ~12.5k rows of 100 bytes per shard: interior b-tree levels
    bench::WriteLetterRows(config, rows);
    std::mt19937 rng(11);
    for (int i = 0; i < 64; ++i) keys.push_back(Key::Int(static_cast<int64_t>(rng() % rows)));
  }
  ~RangeFixture() { std::filesystem::remove_all(dir); }
};

RangeFixture& R() {
  static RangeFixture r;
  return r;
}

// Each iteration opens a fresh reader (not timed), then does one cold get and counts the
// GetRanges calls it made.
void BM_RangeColdGet(benchmark::State& state) {
  auto& r = R();
  const bool sidecar = state.range(0) != 0;
  SqliteRangeReaderOptions range;
  range.resolver = r.resolver;
  range.use_sidecar = sidecar;
  ReaderOptions options;
  options.s3_prefix = r.root;
  options.resolver = r.resolver;
  options.local_root = (r.dir / "cache").string();
  options.reader_factory = std::make_shared<SqliteRangeReaderFactory>(range);
  options.max_workers = 1;
  uint64_t calls = 0, worst = 0, other = 0, open_requests = 0, opens = 0;
  size_t i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    uint64_t before_open = r.store->get_ranges + r.store->gets + r.store->heads;
    ConcurrentShardedReader reader(options);
    uint64_t ranges0 = r.store->get_ranges, other0 = r.store->gets + r.store->heads;
    open_requests += ranges0 + other0 - before_open;
    ++opens;
    state.ResumeTiming();
    benchmark::DoNotOptimize(reader.Get(r.keys[i++ % r.keys.size()]));
    state.PauseTiming();
    uint64_t n = r.store->get_ranges - ranges0;
    calls += n;
    worst = std::max(worst, n);
    other += r.store->gets + r.store->heads - other0;
    state.ResumeTiming();
  }
  state.counters["GetRanges_per_get"] = double(calls) / double(state.iterations());
  state.counters["worst"] = double(worst);
  state.counters["other_requests"] = double(other);  // HEAD / whole-object GET during gets: 0
  // Per reader open: _CURRENT + manifest, then per shard HEAD + sidecar GET (4 shards).
  state.counters["open_requests"] = double(open_requests) / double(opens);
}

BENCHMARK(BM_BareSqliteGet);
BENCHMARK(BM_ReaderGet);
BENCHMARK(BM_ReaderMultiGet1000);
BENCHMARK(BM_BareSqliteConcurrentGet)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_ConcurrentGet)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_ConcurrentGetPool)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_RangeColdGet)->ArgName("sidecar")->Arg(1)->Arg(0)->Iterations(40);

}  // namespace

BENCHMARK_MAIN();
