// Readers under concurrency: 4 threads of lookups while another thread flips `_CURRENT`
// between two snapshots and refreshes.  Every multi_get must come from one whole snapshot,
// nothing may crash or deadlock, and no file descriptor may leak.  Bounded iterations.
// Also run under ThreadSanitizer (CMake preset "tsan").
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "reader/shard_reader.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"
#include "support/snapshot_env.h"

namespace shardyfusion {
namespace {

using testing::OpenFdCount;

std::string Publish(testing::SnapshotEnv& env, const std::string& prefix, int rows) {
  return testing::PublishIntRows(env, rows, prefix, 8).manifest_ref;
}

void RunStress(ThreadSafety mode) {
  auto env = testing::MakeSnapshotEnv("local");
  constexpr int kRows = 64;
  std::string ref_a = Publish(*env, "A-", kRows);
  std::string ref_b = Publish(*env, "B-", kRows);
  auto store = MakeObjectManifestStore(*env->resolver, env->root_url);
  const int fds_before = OpenFdCount();
  {
    ReaderOptions options;
    options.s3_prefix = env->root_url;
    options.resolver = env->resolver;
    options.local_root = env->scratch->path() + "/cache";
    options.sqlite_mode = SqliteReadMode::kDownload;
    options.thread_safety = mode;
    options.max_workers = 2;
    ConcurrentShardedReader reader(options);
    std::vector<Key> keys;
    for (int i = 0; i < kRows; ++i) keys.push_back(Key::Int(i));

    std::atomic<bool> done{false};
    std::atomic<int> torn{0}, lookups{0};
    std::vector<std::thread> readers;
    for (int t = 0; t < 4; ++t)
      readers.emplace_back([&, t] {
        for (int iter = 0; iter < 400 && !done; ++iter) {
          auto values = reader.MultiGet(keys);
          char gen = values[0] ? (*values[0])[0] : '?';
          for (int i = 0; i < kRows; ++i)
            if (!values[i] || (*values[i])[0] != gen || values[i]->substr(2) != std::to_string(i)) ++torn;
          auto single = reader.Get(Key::Int((iter + t) % kRows));
          if (!single) ++torn;
          auto handle = reader.ReaderForKey(Key::Int(t));
          if (!handle.Get(StorageBytes(Key::Int(t), KeyEncoding::kU64BE))) ++torn;
          lookups += kRows + 2;
        }
      });
    int refreshes = 0;
    for (int i = 0; i < 30; ++i) {
      store->SetCurrent(i % 2 == 0 ? ref_a : ref_b);
      if (reader.Refresh()) ++refreshes;
    }
    done = true;
    for (auto& t : readers) t.join();
    EXPECT_EQ(torn.load(), 0);
    EXPECT_GT(lookups.load(), 0);
    EXPECT_GE(refreshes, 29);
    reader.Close();
  }
  EXPECT_EQ(OpenFdCount(), fds_before) << "file descriptors leaked";
}

TEST(ReaderStress, LockModeSeesOnlyWholeSnapshots) { RunStress(ThreadSafety::kLock); }
TEST(ReaderStress, PoolModeSeesOnlyWholeSnapshots) { RunStress(ThreadSafety::kPool); }

// A shard reader whose Get blocks until released: holds the only pooled reader busy.
class BlockingFactory : public ShardReaderFactory {
 public:
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    std::atomic<bool> entered{false};
  };
  explicit BlockingFactory(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  std::unique_ptr<ShardReader> Open(const std::string&, const std::string&, const std::optional<std::string>&,
                                    const ParsedManifest&) override {
    struct Reader : ShardReader {
      std::shared_ptr<Gate> gate;
      std::optional<std::string> Get(std::string_view) override {
        gate->entered = true;
        std::unique_lock lock(gate->mu);
        gate->cv.wait(lock, [&] { return gate->open; });
        return "x";
      }
      void Close() override {}
    };
    auto r = std::make_unique<Reader>();
    r->gate = gate_;
    return r;
  }

 private:
  std::shared_ptr<Gate> gate_;
};

TEST(ReaderStress, PoolCheckoutTimesOutWithPoolExhaustedError) {
  auto env = testing::MakeSnapshotEnv("memory");
  Publish(*env, "v-", 4);
  auto gate = std::make_shared<BlockingFactory::Gate>();
  ReaderOptions options;
  options.s3_prefix = env->root_url;
  options.resolver = env->resolver;
  options.local_root = env->scratch->path() + "/cache";
  options.reader_factory = std::make_shared<BlockingFactory>(gate);
  options.thread_safety = ThreadSafety::kPool;
  options.pool_size = 1;
  options.max_workers = 1;
  options.pool_checkout_timeout = std::chrono::milliseconds(50);
  auto reader = std::make_unique<ConcurrentShardedReader>(options);
  Key key = Key::Int(1);
  std::thread busy([&] { reader->Get(key); });
  for (int i = 0; i < 2000 && !gate->entered; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(gate->entered);
  try {
    reader->Get(key);  // same shard, its only reader is busy
    FAIL() << "expected PoolExhaustedError";
  } catch (const PoolExhaustedError& e) {
    EXPECT_TRUE(e.retryable());
  }
  {
    std::lock_guard lock(gate->mu);
    gate->open = true;
  }
  gate->cv.notify_all();
  busy.join();
  EXPECT_EQ(reader->Get(key), "x");
}

// Shard readers whose lookups block while the gate is shut and which record Close; a
// lookup returns the shard's db_url, so the snapshot that served it is visible.
class GatedFactory : public ShardReaderFactory {
 public:
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool shut = false;
    std::atomic<int> waiting{0};
    std::atomic<int> closed{0};
    void Set(bool s) {
      {
        std::lock_guard lock(mu);
        shut = s;
      }
      cv.notify_all();
    }
  };
  explicit GatedFactory(std::shared_ptr<Gate> gate) : gate_(std::move(gate)) {}
  std::unique_ptr<ShardReader> Open(const std::string& db_url, const std::string&,
                                    const std::optional<std::string>&, const ParsedManifest&) override {
    struct Reader : ShardReader {
      std::shared_ptr<Gate> gate;
      std::string url;
      std::optional<std::string> Get(std::string_view) override {
        std::unique_lock lock(gate->mu);
        ++gate->waiting;
        gate->cv.wait(lock, [&] { return !gate->shut; });
        --gate->waiting;
        return url;
      }
      void Close() override { ++gate->closed; }
    };
    auto r = std::make_unique<Reader>();
    r->gate = gate_;
    r->url = db_url;
    return r;
  }

 private:
  std::shared_ptr<Gate> gate_;
};

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 5000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return done();
}

// Lookups hold no lock and no reference count: Refresh and Close must instead wait for
// the lookups running on the old snapshot, which closes only after they finished.
TEST(ReaderStress, RefreshAndCloseWaitForInFlightLookups) {
  auto env = testing::MakeSnapshotEnv("memory");
  std::string ref_a = Publish(*env, "A-", 1);  // one row: one non-empty shard
  std::string ref_b = Publish(*env, "B-", 1);
  auto store = MakeObjectManifestStore(*env->resolver, env->root_url);
  store->SetCurrent(ref_a);
  auto gate = std::make_shared<GatedFactory::Gate>();
  ReaderOptions options;
  options.s3_prefix = env->root_url;
  options.resolver = env->resolver;
  options.local_root = env->scratch->path() + "/cache";
  options.reader_factory = std::make_shared<GatedFactory>(gate);
  options.max_workers = 1;
  ConcurrentShardedReader reader(options);
  const std::string url_a = *reader.Get(Key::Int(0));

  gate->Set(true);
  std::optional<std::string> seen;
  std::thread lookup([&] { seen = reader.Get(Key::Int(0)); });
  ASSERT_TRUE(WaitFor([&] { return gate->waiting == 1; }));
  store->SetCurrent(ref_b);
  std::atomic<bool> refreshed{false};
  std::thread refresher([&] {
    EXPECT_TRUE(reader.Refresh());
    refreshed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(refreshed) << "Refresh returned while a lookup still used the old snapshot";
  EXPECT_EQ(gate->closed, 0) << "the old snapshot closed under a running lookup";
  gate->Set(false);
  lookup.join();
  refresher.join();
  EXPECT_EQ(seen, url_a);
  EXPECT_EQ(gate->closed, 1);
  const std::string url_b = *reader.Get(Key::Int(0));
  EXPECT_NE(url_b, url_a);

  gate->Set(true);
  std::thread lookup2([&] { seen = reader.Get(Key::Int(0)); });
  ASSERT_TRUE(WaitFor([&] { return gate->waiting == 1; }));
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    reader.Close();
    closed = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(closed) << "Close returned while a lookup was running";
  EXPECT_EQ(gate->closed, 1);
  gate->Set(false);
  lookup2.join();
  closer.join();
  EXPECT_EQ(seen, url_b);
  EXPECT_EQ(gate->closed, 2);
  EXPECT_THROW(reader.Get(Key::Int(0)), ReaderStateError);
  EXPECT_THROW(reader.MultiGet(std::vector<Key>{Key::Int(0)}), ReaderStateError);
  EXPECT_THROW(reader.Refresh(), ReaderStateError);
}

// Pool mode hands a thread back the connection it used last (its state is still in that
// core's cache), and a newcomer an unused one: two threads settle on one reader each.
TEST(ReaderStress, PoolCheckoutPrefersTheThreadsOwnReader) {
  struct Factory : ShardReaderFactory {
    std::atomic<int> opened{0};
    std::unique_ptr<ShardReader> Open(const std::string&, const std::string&, const std::optional<std::string>&,
                                      const ParsedManifest&) override {
      struct Reader : ShardReader {
        std::string name;
        std::optional<std::string> Get(std::string_view) override { return name; }
        void Close() override {}
      };
      auto r = std::make_unique<Reader>();
      r->name = "reader-" + std::to_string(opened++);
      return r;
    }
  };
  auto env = testing::MakeSnapshotEnv("memory");
  Publish(*env, "v-", 1);
  ReaderOptions options;
  options.s3_prefix = env->root_url;
  options.resolver = env->resolver;
  options.local_root = env->scratch->path() + "/cache";
  options.reader_factory = std::make_shared<Factory>();
  options.thread_safety = ThreadSafety::kPool;
  options.pool_size = 3;
  options.max_workers = 1;
  ConcurrentShardedReader reader(options);
  const auto mine = reader.Get(Key::Int(0));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(reader.Get(Key::Int(0)), mine);
  std::optional<std::string> other;
  std::thread([&] {
    other = reader.Get(Key::Int(0));
    for (int i = 0; i < 5; ++i) EXPECT_EQ(reader.Get(Key::Int(0)), other);
  }).join();
  EXPECT_NE(other, mine);
  EXPECT_EQ(reader.Get(Key::Int(0)), mine);
}

TEST(ReaderStress, RepeatedRefreshKeepsFdCountFlat) {
  auto env = testing::MakeSnapshotEnv("local");
  std::string ref_a = Publish(*env, "A-", 32);
  std::string ref_b = Publish(*env, "B-", 32);
  auto store = MakeObjectManifestStore(*env->resolver, env->root_url);
  ReaderOptions options;
  options.s3_prefix = env->root_url;
  options.resolver = env->resolver;
  options.local_root = env->scratch->path() + "/cache";
  options.sqlite_mode = SqliteReadMode::kDownload;
  ConcurrentShardedReader reader(options);
  store->SetCurrent(ref_a);
  reader.Refresh();
  const int fds = OpenFdCount();
  for (int i = 0; i < 40; ++i) {
    store->SetCurrent(i % 2 ? ref_a : ref_b);
    reader.Refresh();
  }
  store->SetCurrent(ref_a);
  reader.Refresh();
  EXPECT_EQ(OpenFdCount(), fds);
}

}  // namespace
}  // namespace shardyfusion
