// Reader scenarios (scenarios.md §1.5 refresh + hand-built manifest, §1.6 reader cases,
// §1.7 items 4, 5, 11, 12): every store kind x every SQLite read mode, one body each.
#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"
#include "sqlite/sqlite_shard_writer.h"
#include "support/scenario_checks.h"
#include "support/snapshot_env.h"

namespace shardyfusion {
namespace {

struct ReaderCase {
  std::string store;
  SqliteReadMode mode;
};

std::string ModeName(SqliteReadMode m) {
  return m == SqliteReadMode::kDownload ? "download" : m == SqliteReadMode::kRange ? "range" : "auto";
}

class ReaderScenario : public ::testing::TestWithParam<ReaderCase> {
 protected:
  void SetUp() override {
    env_ = testing::MakeSnapshotEnv(GetParam().store);
    if (!env_) GTEST_SKIP() << "no S3 server available";
  }

  BuildResult Publish(int n, const std::string& prefix, uint32_t num_dbs = 4, const std::string& run_id = "") {
    return testing::PublishIntRows(*env_, n, prefix, num_dbs, run_id);
  }

  ReaderOptions Options() {
    ReaderOptions o;
    o.s3_prefix = env_->root_url;
    o.resolver = env_->resolver;
    o.local_root = env_->scratch->path() + "/cache-" + std::to_string(reader_count_++);
    o.sqlite_mode = GetParam().mode;
    return o;
  }

  std::shared_ptr<ManifestStore> Store() { return MakeObjectManifestStore(*env_->resolver, env_->root_url); }

  void PutRaw(const std::string& url, const std::string& body) {
    auto r = env_->resolver->Resolve(url);
    r.store->Put(r.key, body);
  }

  std::unique_ptr<testing::SnapshotEnv> env_;
  int reader_count_ = 0;
};

TEST_P(ReaderScenario, RefreshSwapsToTheNewSnapshot) {
  testing::ExpectRefreshScenario([&](const std::string& prefix) { return Publish(32, prefix); }, Options());
}

TEST_P(ReaderScenario, ReadsAHandBuiltManifestAndShard) {
  // One shard written by the shard writer, manifest and _CURRENT assembled by hand.
  std::string db_url = env_->root_url + "/shards/run_id=hand/db=00000/attempt=00";
  SqliteWriterOptions wo;
  wo.resolver = env_->resolver;
  SqliteShardWriterFactory factory(wo);
  testing::TempDir scratch;
  auto writer = factory.Open(db_url, scratch.path());
  std::vector<KvPair> rows;
  for (int k : {1, 8, 10, 15}) rows.push_back({StorageBytes(Key::Int(k), KeyEncoding::kU64BE), "value-" + std::to_string(k)});
  rows.push_back({StorageBytes(Key::Int(20), KeyEncoding::kU64BE), ""});
  writer->WriteBatch(rows);
  writer->Flush();
  writer->Seal();
  writer->Close();

  RequiredBuildMeta build;
  build.run_id = "hand";
  build.created_at = Now();
  build.num_dbs = 1;
  build.s3_prefix = env_->root_url;
  RequiredShardMeta shard;
  shard.db_url = db_url;
  shard.row_count = 5;
  std::string manifest_url = env_->root_url + "/manifests/" + ManifestDirName(Now(), "hand") + "/manifest";
  PutRaw(manifest_url, BuildSqliteManifest(build, {shard}));
  CurrentPointer pointer;
  pointer.manifest_ref = manifest_url;
  pointer.run_id = "hand";
  pointer.updated_at = Now();
  PutRaw(env_->root_url + "/_CURRENT", EncodeCurrentPointer(pointer));

  ShardedReader reader(Options());
  EXPECT_EQ(reader.Get(Key::Int(8)), "value-8");
  EXPECT_EQ(reader.Get(Key::Int(20)), "");  // present with an empty value: not a miss
  EXPECT_EQ(reader.Get(Key::Int(9)), std::nullopt);
  // An already-encoded 8-byte key routes and reads like the integer it encodes.
  EXPECT_EQ(reader.Get(Key::Bytes(StorageBytes(Key::Int(15), KeyEncoding::kU64BE))), "value-15");
  std::vector<Key> keys = {Key::Int(1), Key::Int(2), Key::Int(10), Key::Int(15)};
  auto values = reader.MultiGet(keys);
  EXPECT_EQ(values, (std::vector<std::optional<std::string>>{"value-1", std::nullopt, "value-10", "value-15"}));
  EXPECT_THROW(reader.Get(Key::Str("x")), KeyEncodingError);
}

TEST_P(ReaderScenario, MissingCurrentIsAReaderStateError) {
  EXPECT_THROW(ConcurrentShardedReader reader(Options()), ReaderStateError);
}

TEST_P(ReaderScenario, ColdStartFallsBackPastAGarbageManifest) {
  auto good = Publish(8, "good-");
  std::string bad = env_->root_url + "/manifests/" + ManifestDirName(Now(), "broken") + "/manifest";
  PutRaw(bad, "this is not a sqlite database");
  Store()->SetCurrent(bad);
  ConcurrentShardedReader reader(Options());
  EXPECT_EQ(reader.manifest_ref(), good.manifest_ref);
  EXPECT_EQ(reader.Get(Key::Int(3)), "good-3");
  auto strict = Options();
  strict.max_fallback_attempts = 0;
  EXPECT_THROW(ConcurrentShardedReader no_fallback(strict), ManifestParseError);
}

TEST_P(ReaderScenario, RefreshKeepsServingWhenTheNewManifestIsBadOrCurrentVanishes) {
  auto good = Publish(8, "good-");
  ConcurrentShardedReader reader(Options());
  std::string bad = env_->root_url + "/manifests/" + ManifestDirName(Now(), "broken") + "/manifest";
  PutRaw(bad, "garbage");
  Store()->SetCurrent(bad);
  EXPECT_FALSE(reader.Refresh());
  EXPECT_EQ(reader.Get(Key::Int(3)), "good-3");
  auto current = env_->resolver->Resolve(env_->root_url + "/_CURRENT");
  current.store->Delete(current.key);
  EXPECT_THROW(reader.Refresh(), ReaderStateError);
  EXPECT_EQ(reader.Get(Key::Int(3)), "good-3");
}

TEST_P(ReaderScenario, CorruptOrMissingShardObjectsGiveClearErrors) {
  auto result = Publish(8, "v-", 2);
  PutRaw(*result.winners[0].db_url + "/shard.db", std::string(9000, 'x'));
  try {
    ConcurrentShardedReader reader(Options());
    FAIL() << "expected an error";
  } catch (const ShardyfusionError& e) {
    EXPECT_NE(std::string(e.what()).find("shard"), std::string::npos) << e.what();
  }
  auto missing = env_->resolver->Resolve(*result.winners[0].db_url + "/shard.db");
  missing.store->Delete(missing.key);
  EXPECT_THROW(ConcurrentShardedReader reader(Options()), ShardyfusionError);
}

TEST_P(ReaderScenario, BorrowedHandlesKeepTheirSnapshotAcrossRefresh) {
  Publish(16, "old-");
  ConcurrentShardedReader reader(Options());
  auto handle = reader.ReaderForKey(Key::Int(5));
  std::string k5 = StorageBytes(Key::Int(5), KeyEncoding::kU64BE);
  Publish(16, "new-");
  ASSERT_TRUE(reader.Refresh());
  EXPECT_EQ(handle.Get(k5), "old-5");  // the old snapshot stays open for the handle
  EXPECT_EQ(reader.Get(Key::Int(5)), "new-5");
  handle.Close();
  EXPECT_THROW(handle.Get(k5), ReaderStateError);
}

TEST_P(ReaderScenario, ScanOnASqliteShardIsAClearError) {
  Publish(16, "v-");
  ConcurrentShardedReader reader(Options());
  auto handle = reader.ReaderForKey(Key::Int(5));
  try {
    handle.Scan(std::nullopt, std::nullopt, 10);
    ADD_FAILURE() << "scan of a SQLite shard did not throw";
  } catch (const DbAdapterError& e) {
    EXPECT_NE(std::string(e.what()).find("SlateDB shards only"), std::string::npos) << e.what();
  }
  EXPECT_EQ(reader.Get(Key::Int(5)), "v-5");  // the shard still serves lookups
}

TEST_P(ReaderScenario, PinnedReadersNeverFollowOrTouchCurrent) {
  auto old_build = Publish(8, "old-");
  auto new_build = Publish(8, "new-");
  auto by_offset = Options();
  by_offset.pinned_offset = 1;
  ConcurrentShardedReader pinned(by_offset);
  EXPECT_EQ(pinned.manifest_ref(), old_build.manifest_ref);
  EXPECT_EQ(pinned.Get(Key::Int(2)), "old-2");
  EXPECT_FALSE(pinned.Refresh());
  auto by_ref = Options();
  by_ref.pinned_ref = old_build.manifest_ref;
  EXPECT_EQ(ConcurrentShardedReader(by_ref).Get(Key::Int(2)), "old-2");
  EXPECT_EQ(Store()->LoadCurrent()->ref, new_build.manifest_ref);
}

TEST_P(ReaderScenario, IntrospectionHealthAndClose) {
  auto result = Publish(40, "v-", 8);
  auto metrics = std::make_shared<ListMetricsCollector>();
  auto options = Options();
  options.metrics = metrics;
  ConcurrentShardedReader reader(options);
  auto info = reader.GetSnapshotInfo();
  EXPECT_EQ(info.run_id, result.run_id);
  EXPECT_EQ(info.num_dbs, 8u);
  EXPECT_EQ(info.row_count, 40);
  EXPECT_EQ(info.hash_algorithm, "xxh3_64");
  auto details = reader.GetShardDetails();
  ASSERT_EQ(details.size(), 8u);
  int64_t rows = 0;
  for (const auto& d : details) rows += d.row_count;
  EXPECT_EQ(rows, 40);
  EXPECT_EQ(reader.RouteKey(Key::Int(42)), HashDbId(Key::Int(42), 8));
  EXPECT_EQ(reader.ShardForKey(Key::Int(42)).db_id, HashDbId(Key::Int(42), 8));
  auto health = reader.Health(std::chrono::hours(1));
  EXPECT_EQ(health.status, HealthStatus::kHealthy);
  EXPECT_EQ(reader.Health(std::chrono::milliseconds(0)).status, HealthStatus::kDegraded);
  reader.Get(Key::Int(1));
  reader.Close();
  reader.Close();  // idempotent
  EXPECT_THROW(reader.Get(Key::Int(1)), ReaderStateError);
  EXPECT_EQ(reader.Health().status, HealthStatus::kUnhealthy);
  auto names = metrics->event_names();
  EXPECT_EQ(names.front(), "reader.initialized");
  EXPECT_EQ(names.back(), "reader.closed");
}

std::vector<ReaderCase> Cases() {
  std::vector<ReaderCase> out;
  for (const auto& store : testing::SnapshotEnvKinds())
    for (auto mode : {SqliteReadMode::kDownload, SqliteReadMode::kRange, SqliteReadMode::kAuto})
      out.push_back({store, mode});
  return out;
}

INSTANTIATE_TEST_SUITE_P(StoresAndModes, ReaderScenario, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.store + "_" + ModeName(info.param.mode); });

}  // namespace
}  // namespace shardyfusion
