// Adaptive SQLite reader: range for big snapshots, download for small ones, one decision
// per run_id, and both paths returning the same values.
#include <filesystem>

#include "integration/sqlite_reader_fixture.h"
#include "sqlite/adaptive_reader_factory.h"

namespace shardyfusion::sqlite_test {
namespace {

using shardyfusion::testing::TempDir;

TEST(SqliteAdaptiveReaderTest, ChoosesRangeOnlyForBigShards) {
  TempDir tmp;
  ReaderStore store = ReaderStore::Make("memory", tmp.path());
  std::string url = store.DbUrl("r");
  auto rows = Rows(300, 400);
  int64_t bytes = BuildShard(store, url, rows, tmp.path() + "/w");
  ParsedManifest small = FakeManifest("small-run", {bytes});
  ParsedManifest big = FakeManifest("big-run", {bytes});

  AdaptiveSqliteReaderOptions options;
  options.resolver = store.resolver;
  options.per_shard_threshold = static_cast<uint64_t>(bytes);  // == db_bytes: range
  AdaptiveSqliteReaderFactory lowered(options);
  auto ranged = lowered.Open(url, tmp.path() + "/cache-a", "c", big);
  EXPECT_NE(dynamic_cast<SqliteRangeReader*>(ranged.get()), nullptr);
  EXPECT_EQ(lowered.CachedDecision("big-run"), SqliteAccessMode::kRange);
  EXPECT_FALSE(std::filesystem::exists(tmp.path() + "/cache-a/shard.db"));

  AdaptiveSqliteReaderFactory defaults(AdaptiveSqliteReaderOptions{.resolver = store.resolver});
  auto downloaded = defaults.Open(url, tmp.path() + "/cache-b", "c", small);
  EXPECT_EQ(dynamic_cast<SqliteRangeReader*>(downloaded.get()), nullptr);
  EXPECT_EQ(defaults.CachedDecision("small-run"), SqliteAccessMode::kDownload);
  EXPECT_TRUE(std::filesystem::exists(tmp.path() + "/cache-b/shard.db"));
  EXPECT_EQ(defaults.CachedDecision("never-seen"), std::nullopt);

  for (size_t i = 0; i < rows.size(); i += 13) {
    ASSERT_EQ(ranged->Get(rows[i].first), rows[i].second);
    ASSERT_EQ(downloaded->Get(rows[i].first), rows[i].second);
  }
}

TEST(SqliteAdaptiveReaderTest, DecisionIsCachedPerRunId) {
  AdaptiveSqliteReaderOptions options;
  options.resolver = std::make_shared<StoreResolver>();
  options.per_shard_threshold = 100;
  AdaptiveSqliteReaderFactory factory(options);
  EXPECT_EQ(factory.Decide(FakeManifest("run", {10})), SqliteAccessMode::kDownload);
  // Same run id, different (impossible in practice) sizes: the first decision stands.
  EXPECT_EQ(factory.Decide(FakeManifest("run", {1000})), SqliteAccessMode::kDownload);
  EXPECT_EQ(factory.Decide(FakeManifest("run2", {1000})), SqliteAccessMode::kRange);
}

}  // namespace
}  // namespace shardyfusion::sqlite_test
