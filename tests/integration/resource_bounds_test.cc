// Resource bounds of a long-lived reader: 1,000 shards open, refreshed between two
// snapshots A and B on the local store, 100 times in range mode and 10 in download mode.
// Every refresh opens a complete new state and closes the old one, so after a warm-up
//
//   * file descriptors (/proc/self/fd) must come back exactly, refresh after refresh;
//   * heap in use (mallinfo2) must stay flat: a leak of ~100 bytes per shard open shows;
//   * RSS (/proc/self/statm) must stay within a generous bound: the allocator keeps freed
//     arenas, so RSS wobbles well above the heap in use, but it must not climb.
//
// Two legs, because the reader's two SQLite modes hold different resources:
//   range:    no file stays open per shard.
//   download: each state holds 1,000 open files; each refresh swaps every shard's cached
//             current and previous versions (renames, identity files, three directory
//             syncs: ~1 s per refresh here, where downloading again took ~6 s).
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "core/fd_limit.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"
#include "support/snapshot_env.h"

#if defined(__SANITIZE_ADDRESS__)
#define SHARDY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SHARDY_ASAN 1
#endif
#endif

namespace shardyfusion {
namespace {

using Clock = std::chrono::steady_clock;
using testing::OpenFdCount;

#if !defined(SHARDY_ASAN)
constexpr uint32_t kShards = 1000;
constexpr int kRangeRefreshes = 100;
constexpr int kDownloadRefreshes = 10;
#else  // ~10x slower under ASan (260 s at full size); the fd checks still mean the same
constexpr uint32_t kShards = 200;
constexpr int kRangeRefreshes = 30;
constexpr int kDownloadRefreshes = 10;
#endif
constexpr int kRows = 8 * kShards;  // ~8 rows per shard: (almost) every shard non-empty

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0, resident = 0;
  statm >> size >> resident;
  return resident * ::sysconf(_SC_PAGESIZE);
}

int64_t HeapInUse() { return static_cast<int64_t>(mallinfo2().uordblks); }

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }
double MiB(int64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

class ResourceBounds : public ::testing::Test {
 protected:
  // Writing 2,000 shards to the local store is a good part of the cost.
  static void SetUpTestSuite() {
    env_ = testing::MakeSnapshotEnv("local").release();
    auto t0 = Clock::now();
    ref_a_ = new std::string(Publish("A-"));
    ref_b_ = new std::string(Publish("B-"));
    std::printf("resource bounds: wrote 2 snapshots of %u shards in %.1f s\n", kShards, Seconds(t0));
  }
  static void TearDownTestSuite() {
    delete ref_a_;
    delete ref_b_;
    delete env_;
  }

  static std::string Publish(const std::string& prefix) {
    return testing::PublishIntRows(*env_, kRows, prefix, kShards, "", WriteOptions{2, 64 << 20, std::nullopt})
        .manifest_ref;
  }

  // Opens a reader on `first`, flips `_CURRENT` between `second` and `first` `refreshes`
  // times after two warm-up refreshes, and checks fds, heap and RSS after every refresh.
  void Run(SqliteReadMode mode, int refreshes, const std::string& first, const std::string& first_prefix,
           const std::string& second, const std::string& second_prefix, int min_fds_per_state) {
    auto store = MakeObjectManifestStore(*env_->resolver, env_->root_url);
    const size_t shards = store->LoadManifest(first).shards.size();
    ASSERT_GE(shards, kShards - kShards / 100) << "too many empty shards for the test to mean much";
    const int fds_before = OpenFdCount();
    store->SetCurrent(first);
    ReaderOptions options;
    options.s3_prefix = env_->root_url;
    options.resolver = env_->resolver;
    options.local_root = env_->scratch->path() + "/cache-" + std::to_string(static_cast<int>(mode));
    options.sqlite_mode = mode;
    options.max_workers = 2;
    ConcurrentShardedReader reader(options);
    ASSERT_EQ(reader.GetShardDetails().size(), static_cast<size_t>(kShards));

    auto refresh_to = [&](const std::string& ref, const std::string& prefix) {
      store->SetCurrent(ref);
      ASSERT_TRUE(reader.Refresh());
      ASSERT_EQ(reader.manifest_ref(), ref);
      for (int i : {0, 1, kRows / 2, kRows - 1})
        ASSERT_EQ(reader.Get(Key::Int(i)), prefix + std::to_string(i)) << "key " << i;
    };
    refresh_to(second, second_prefix);  // warm-up: both snapshots opened once
    refresh_to(first, first_prefix);
    const int fds = OpenFdCount();
    const int64_t rss = RssBytes(), heap = HeapInUse();
    EXPECT_GE(fds - fds_before, min_fds_per_state * static_cast<int>(shards)) << "one open file per shard";

    auto t0 = Clock::now();
    int64_t rss_max = rss, heap_max = heap;
    for (int i = 0; i < refreshes; ++i) {
      bool to_second = i % 2 == 0;
      refresh_to(to_second ? second : first, to_second ? second_prefix : first_prefix);
      if (HasFatalFailure()) return;
      ASSERT_EQ(OpenFdCount(), fds) << "after refresh " << i;
      rss_max = std::max(rss_max, RssBytes());
      heap_max = std::max(heap_max, HeapInUse());
    }
    const double refresh_s = Seconds(t0);
#if !defined(SHARDY_ASAN)  // ASan's quarantine holds freed memory on purpose
    // 100,000 shard opens: 100 bytes leaked per open would be ~10 MiB.
    EXPECT_LT(heap_max - heap, 4ll << 20) << "heap in use grew from " << MiB(heap) << " MiB";
    // The allocator's retained arenas: generous, but a climb of ~1 KiB per open fails.
    EXPECT_LT(rss_max - rss, std::max<int64_t>(64ll << 20, rss / 2)) << "RSS grew from " << MiB(rss) << " MiB";
#endif
    reader.Close();
    EXPECT_EQ(OpenFdCount(), fds_before) << "file descriptors left open after Close";
    std::printf("resource bounds (%s): %zu shards, %d refreshes in %.1f s (%.0f ms each); fds %d; "
                "heap %.1f -> max %.1f MiB; RSS %.1f -> max %.1f MiB\n",
                mode == SqliteReadMode::kRange ? "range" : "download", shards, refreshes, refresh_s,
                refresh_s * 1000 / refreshes, fds, MiB(heap), MiB(heap_max), MiB(rss), MiB(rss_max));
  }

  static testing::SnapshotEnv* env_;
  static std::string *ref_a_, *ref_b_;
};

testing::SnapshotEnv* ResourceBounds::env_ = nullptr;
std::string* ResourceBounds::ref_a_ = nullptr;
std::string* ResourceBounds::ref_b_ = nullptr;

// One test (one process under ctest), so the 2,000 shards are written once for both legs.
TEST_F(ResourceBounds, ThousandShardsRefreshedRepeatedlyKeepFdsHeapAndRssFlat) {
  {
    SCOPED_TRACE("range mode, A <-> B");
    Run(SqliteReadMode::kRange, kRangeRefreshes, *ref_a_, "A-", *ref_b_, "B-", /*min_fds_per_state=*/0);
  }
  if (HasFatalFailure()) return;
  if (fd_limit::Current().hard < 3 * kShards) {  // the reader can raise the soft limit, not the hard one
    std::printf("resource bounds (download): skipped, the hard open-file limit is %llu\n",
                static_cast<unsigned long long>(fd_limit::Current().hard));
    return;
  }
  {
    SCOPED_TRACE("download mode, A <-> B");
    Run(SqliteReadMode::kDownload, kDownloadRefreshes, *ref_a_, "A-", *ref_b_, "B-", /*min_fds_per_state=*/1);
  }
}

}  // namespace
}  // namespace shardyfusion
