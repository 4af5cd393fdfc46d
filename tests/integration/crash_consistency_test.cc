// Crash consistency: a writer process killed with SIGKILL at any point (while shards are
// written, after the manifest PUT, around the `_CURRENT` PUT) never changes what `_CURRENT`
// serves into something torn: a reader sees the old snapshot whole, or the new one whole.
// The killed run's record never says SUCCEEDED.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <random>
#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/run_registry.h"
#include "shardyfusion/store_resolver.h"
#include "shardyfusion/writer.h"
#include "support/snapshot_env.h"

namespace shardyfusion {
namespace {

constexpr int kRows = 3000;

// A manifest store that dies right after the manifest object is durable.
class DieAfterManifest : public ManifestStore {
 public:
  explicit DieAfterManifest(std::shared_ptr<ManifestStore> inner) : inner_(std::move(inner)) {}
  std::string Publish(const RequiredBuildMeta& build, const std::vector<RequiredShardMeta>& shards,
                      std::string_view custom, const std::optional<std::string>&) override {
    // Write only the manifest (as the real store does first), then die before _CURRENT.
    std::string image = BuildSqliteManifest(build, shards, custom);
    auto r = resolver_->Resolve(root_url() + "/manifests/" + ManifestDirName(Now(), build.run_id) + "/manifest");
    r.store->Put(r.key, image);
    raise(SIGKILL);
    return {};
  }
  std::optional<ManifestRef> LoadCurrent() override { return inner_->LoadCurrent(); }
  ParsedManifest LoadManifest(const std::string& ref) override { return inner_->LoadManifest(ref); }
  std::vector<ManifestRef> ListManifests(size_t limit) override { return inner_->ListManifests(limit); }
  void SetCurrent(const std::string& ref, const std::optional<std::string>& expected) override {
    inner_->SetCurrent(ref, expected);
  }
  std::string root_url() const override { return inner_->root_url(); }
  std::shared_ptr<StoreResolver> resolver_;

 private:
  std::shared_ptr<ManifestStore> inner_;
};

class CrashConsistency : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = testing::MakeSnapshotEnv("local");
    old_ref_ = Write("old-", nullptr, "old-run");
  }

  HashShardedWriteConfig Config(const std::string& run_id) {
    HashShardedWriteConfig c;
    c.storage.s3_prefix = env_->root_url;
    c.storage.resolver = env_->resolver;
    c.output.local_root = env_->scratch->path() + "/work-" + run_id;
    c.output.run_id = run_id;
    c.sharding.num_dbs = 8;
    c.kv.batch_size = 100;
    c.lifecycle.heartbeat_interval_s = 0.05;
    return c;
  }

  std::string Write(const std::string& prefix, std::shared_ptr<ManifestStore> store, const std::string& run_id) {
    auto config = Config(run_id);
    config.manifest.store = store;
    int i = 0;
    return WriteHashSharded(
               [&](Record& r) {
                 if (i == kRows) return false;
                 r.key = Key::Int(i);
                 r.value = prefix + std::to_string(i);
                 ++i;
                 return true;
               },
               config, WriteOptions{2, 64 << 10, std::nullopt})
        .manifest_ref;
  }

  // Runs `body` in a child process that is killed by SIGKILL (by itself or after `delay`).
  void RunChild(const std::function<void()>& body, std::optional<std::chrono::microseconds> delay) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      try {
        body();
      } catch (...) {
      }
      _exit(0);
    }
    if (delay) {
      std::this_thread::sleep_for(*delay);
      kill(pid, SIGKILL);
    }
    int status = 0;
    waitpid(pid, &status, 0);
  }

  // _CURRENT serves one whole snapshot: every key present, every value of one generation.
  std::string ExpectWholeSnapshot() {
    ReaderOptions options;
    options.s3_prefix = env_->root_url;
    options.resolver = env_->resolver;
    options.local_root = env_->scratch->path() + "/cache-" + std::to_string(reads_++);
    options.max_fallback_attempts = 0;
    ConcurrentShardedReader reader(options);
    std::vector<Key> keys;
    for (int i = 0; i < kRows; ++i) keys.push_back(Key::Int(i));
    auto values = reader.MultiGet(keys);
    std::string gen = values[0] ? values[0]->substr(0, 4) : "?";
    for (int i = 0; i < kRows; ++i) {
      EXPECT_TRUE(values[i].has_value()) << "key " << i << " lost";
      if (values[i]) EXPECT_EQ(*values[i], gen + std::to_string(i));
    }
    return reader.manifest_ref();
  }

  void ExpectRunNotSucceeded(const std::string& run_id) {
    for (const auto& [ref, rec] : MakeObjectRunRegistry(*env_->resolver, env_->root_url)->ListRecords())
      if (rec.run_id == run_id) EXPECT_NE(rec.status, RunStatus::kSucceeded) << ref;
  }

  std::unique_ptr<testing::SnapshotEnv> env_;
  std::string old_ref_;
  int reads_ = 0;
};

TEST_F(CrashConsistency, KilledAfterTheManifestPutLeavesTheOldSnapshotCurrent) {
  RunChild(
      [&] {
        auto dying = std::make_shared<DieAfterManifest>(MakeObjectManifestStore(*env_->resolver, env_->root_url));
        dying->resolver_ = env_->resolver;
        Write("new-", dying, "dies-after-manifest");
      },
      std::nullopt);
  EXPECT_EQ(ExpectWholeSnapshot(), old_ref_);
  EXPECT_EQ(MakeObjectManifestStore(*env_->resolver, env_->root_url)->ListManifests(10).size(), 2u);
  ExpectRunNotSucceeded("dies-after-manifest");
}

TEST_F(CrashConsistency, KilledAtRandomPointsServesOldOrNewWhole) {
  std::mt19937 rng(1234);
  int saw_old = 0, saw_new = 0;
  for (int round = 0; round < 12; ++round) {
    std::string run_id = "random-kill-" + std::to_string(round);
    auto delay = std::chrono::microseconds(rng() % 120'000);
    RunChild([&] { Write("new-", nullptr, run_id); }, delay);
    std::string served = ExpectWholeSnapshot();
    served == old_ref_ ? ++saw_old : ++saw_new;
    // Put the old snapshot back so each round starts from the same state.
    MakeObjectManifestStore(*env_->resolver, env_->root_url)->SetCurrent(old_ref_);
  }
  EXPECT_EQ(saw_old + saw_new, 12);
  std::printf("random kills: %d rounds left the old snapshot, %d completed the new one\n", saw_old, saw_new);
}

}  // namespace
}  // namespace shardyfusion
