// Build throughput: N rows (8-byte keys, 100-byte values) into 16 SQLite shards on a local
// directory, end to end including publish, next to a bare single-file SQLite bulk insert of
// the same rows in the same run.  Peak RSS is reported so runs with 1M and 10M rows show
// whether memory grows with the input (it must not).
//   ./build/bench/writer_bench --rows 10000000 --shards 16 --threads 2
// Run each size in its own process: peak RSS is per process.
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "shardyfusion/writer.h"

using namespace shardyfusion;
using Clock = std::chrono::steady_clock;

namespace {

long PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// Deterministic pseudo-random keys (a bijection of i, so no duplicates) and values.
uint64_t KeyOf(uint64_t i) { return (i * 0x9E3779B97F4A7C15ull) & 0x7fffffffffffffffull; }

std::string ValueOf(uint64_t i) {
  std::string v(100, 'a');
  std::memcpy(v.data(), &i, sizeof i);
  return v;
}

// `sorted`: the rows go in key order (sorted before the clock starts), SQLite's best case.
double BareSqliteInsert(const std::string& path, uint64_t rows, bool sorted) {
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db,
               "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
               "PRAGMA temp_store=MEMORY; CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID;"
               "BEGIN;",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)", -1, &st, nullptr);
  std::vector<uint64_t> order;
  if (sorted) {
    order.resize(rows);
    for (uint64_t i = 0; i < rows; ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [](uint64_t a, uint64_t b) { return KeyOf(a) < KeyOf(b); });
  }
  auto start = Clock::now();
  for (uint64_t n = 0; n < rows; ++n) {
    uint64_t i = sorted ? order[n] : n;
    std::string k = StorageBytes(Key::Int(static_cast<int64_t>(KeyOf(i))), KeyEncoding::kU64BE);
    std::string v = ValueOf(i);
    sqlite3_bind_blob(st, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rows = 1'000'000;
  uint32_t shards = 16;
  int threads = 2;
  bool baseline = true;
  size_t budget_mib = 0;  // 0: the library default
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--rows" && i + 1 < argc) rows = std::stoull(argv[++i]);
    else if (a == "--shards" && i + 1 < argc) shards = static_cast<uint32_t>(std::stoul(argv[++i]));
    else if (a == "--threads" && i + 1 < argc) threads = std::stoi(argv[++i]);
    else if (a == "--no-baseline") baseline = false;
    else if (a == "--max-buffered-mib" && i + 1 < argc) budget_mib = std::stoull(argv[++i]);
    else {
      std::fprintf(stderr, "usage: writer_bench [--rows N] [--shards N] [--threads N] [--max-buffered-mib N] [--no-baseline]\n");
      return 2;
    }
  }
  auto dir = std::filesystem::temp_directory_path() / ("shardy-writer-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  HashShardedWriteConfig config;
  config.storage.s3_prefix = (dir / "store").string();
  config.output.local_root = (dir / "work").string();
  config.sharding.num_dbs = shards;
  config.lifecycle.enable_run_registry = false;
  WriteOptions options;
  options.num_threads = threads;
  if (budget_mib) options.max_buffered_bytes = budget_mib << 20;
  uint64_t next = 0;
  auto start = Clock::now();
  BuildResult result = WriteHashSharded(
      [&](Record& out) {
        if (next == rows) return false;
        out.key = Key::Int(static_cast<int64_t>(KeyOf(next)));
        out.value = ValueOf(next);
        ++next;
        return true;
      },
      config, options);
  double ours = std::chrono::duration<double>(Clock::now() - start).count();
  long rss = PeakRssMiB();
  std::printf("shardyfusion build: %llu rows, %u shards, %d threads: %.2f s = %.0f rows/s (write %lld ms, publish %lld ms), peak RSS %ld MiB\n",
              (unsigned long long)rows, shards, threads, ours, rows / ours,
              (long long)result.stats.durations.write_ms, (long long)result.stats.durations.manifest_ms, rss);
  if (baseline) {
    double bare = BareSqliteInsert((dir / "bare.db").string(), rows, false);
    std::printf("bare SQLite bulk insert (1 file, 1 thread): %.2f s = %.0f rows/s\n", bare, rows / bare);
    double sorted = BareSqliteInsert((dir / "bare.db").string(), rows, true);
    std::printf("bare SQLite bulk insert, rows pre-sorted (sort not timed): %.2f s = %.0f rows/s\n", sorted,
                rows / sorted);
    std::printf("ratio shardyfusion/bare throughput: %.2fx (vs pre-sorted: %.2fx)\n", bare / ours, sorted / ours);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
