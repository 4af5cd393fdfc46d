// Writer scenarios (scenarios.md §1.5 smoke + publish, §1.7 items 3, 6, 7, 15) run against
// the in-memory store, a local directory and the moto S3 server with one body each.
#include <gtest/gtest.h>

#include <filesystem>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/run_registry.h"
#include "shardyfusion/writer.h"
#include "sqlite/sqlite_shard_writer.h"
#include "support/scenario_checks.h"
#include "support/failing_factory.h"
#include "support/snapshot_env.h"

namespace shardyfusion {
namespace {

using testing::FailAt;
using testing::FailingFactory;
using testing::SumRows;

class WriterScenario : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    env_ = testing::MakeSnapshotEnv(GetParam());
    if (!env_) GTEST_SKIP() << "no S3 server available";
  }

  HashShardedWriteConfig Config(uint32_t num_dbs) {
    HashShardedWriteConfig c;
    c.storage.s3_prefix = env_->root_url;
    c.storage.resolver = env_->resolver;
    c.output.local_root = env_->scratch->path() + "/work";
    c.sharding.num_dbs = num_dbs;
    c.shard_retry = RetryConfig{3, 0.01, 2.0};
    c.manifest.pointer_initial_backoff_s = 0.01;
    return c;
  }

  std::vector<Record> Rows(int n, const std::string& prefix = "v") {
    std::vector<Record> rows;
    for (int i = 0; i < n; ++i) rows.push_back({Key::Int(i), prefix + std::to_string(i)});
    return rows;
  }

  BuildResult Write(const std::vector<Record>& rows, const HashShardedWriteConfig& config,
                    WriteOptions options = {}) {
    return WriteHashSharded(rows, config, [](const Record& r) { return r.key; },
                            [](const Record& r) { return r.value; }, options);
  }

  std::shared_ptr<ManifestStore> Store() { return MakeObjectManifestStore(*env_->resolver, env_->root_url); }

  void ExpectPlacement(const BuildResult& result, const std::vector<Record>& rows, uint32_t num_dbs,
                       KeyEncoding encoding = KeyEncoding::kU64BE) {
    testing::ExpectPlacement(result, rows, num_dbs, encoding, [&](const std::string& db_url) {
      return testing::ReadShardRows(*env_->resolver, db_url);
    });
  }
  void ExpectSucceededRecord(const BuildResult& result) { testing::ExpectSucceededRecord(*env_, result); }

  std::unique_ptr<testing::SnapshotEnv> env_;
};

TEST_P(WriterScenario, SmokeNumDbs3And2) {
  auto rows = Rows(10);
  for (uint32_t n : {3u, 2u}) {
    auto result = Write(rows, Config(n));
    EXPECT_EQ(result.winners.size(), n);
    EXPECT_EQ(SumRows(result), 10);
    EXPECT_EQ(result.stats.rows_written, 10);
    ExpectPlacement(result, rows, n);
    ExpectSucceededRecord(result);
  }
}

TEST_P(WriterScenario, SmokeMaxKeysPerShard) {
  auto rows = Rows(10);
  auto config = Config(1);
  config.sharding = HashShardingConfig{std::nullopt, 5};
  auto result = Write(rows, config);
  EXPECT_EQ(Store()->LoadManifest(result.manifest_ref).build.num_dbs, 2u);
  EXPECT_EQ(result.winners.size(), 2u);
  EXPECT_EQ(SumRows(result), 10);
  ExpectPlacement(result, rows, 2);
}

TEST_P(WriterScenario, InjectedTransientFailureRetriesIntoANewAttempt) {
  auto rows = Rows(10);
  auto config = Config(3);
  SqliteWriterOptions sqlite;
  sqlite.resolver = env_->resolver;
  auto failing = std::make_shared<FailingFactory>(std::make_shared<SqliteShardWriterFactory>(sqlite),
                                                  std::set<std::pair<int, int>>{{0, 0}}, FailAt::kClose,
                                                  /*retryable=*/true);
  config.kv.adapter_factory = failing;
  auto metrics = std::make_shared<ListMetricsCollector>();
  config.metrics = metrics;
  auto result = Write(rows, config);
  EXPECT_EQ(failing->failures(), 1);
  ASSERT_EQ(result.winners.size(), 3u);
  EXPECT_EQ(result.winners[0].attempt, 1);
  EXPECT_NE(result.winners[0].db_url->find("/attempt=01"), std::string::npos);
  EXPECT_EQ(SumRows(result), 10);
  ExpectPlacement(result, rows, 3);
  ExpectSucceededRecord(result);
  // The failed attempt=00 was uploaded before failing; loser cleanup removed it.
  auto loser = env_->resolver->Resolve(ShardAttemptUrl(env_->root_url, "shards", result.run_id,
                                                       "db={db_id:05d}", 0, 0));
  EXPECT_TRUE(ListAllObjects(*loser.store, loser.key + "/").empty());
  auto names = metrics->event_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "write.shard.retried"), names.end());
  EXPECT_EQ(names.front(), "write.started");
  EXPECT_EQ(names.back(), "write.completed");
}

TEST_P(WriterScenario, NonRetryableFailureFailsTheRunAndKeepsCurrent) {
  auto first = Write(Rows(10, "old"), Config(3));
  auto config = Config(3);
  SqliteWriterOptions sqlite;
  sqlite.resolver = env_->resolver;
  auto failing = std::make_shared<FailingFactory>(std::make_shared<SqliteShardWriterFactory>(sqlite),
                                                  std::set<std::pair<int, int>>{{1, 0}}, FailAt::kWrite,
                                                  /*retryable=*/false);
  config.kv.adapter_factory = failing;
  config.output.run_id = "failing-run";
  try {
    Write(Rows(10, "new"), config);
    FAIL() << "expected ShardWriteError";
  } catch (const ShardWriteError& e) {
    EXPECT_FALSE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("db_id=1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(failing->failures(), 1);  // no retry for a non-retryable error
  EXPECT_EQ(Store()->LoadCurrent()->ref, first.manifest_ref);
  auto records = MakeObjectRunRegistry(*env_->resolver, env_->root_url)->ListRecords();
  bool saw_failed = false;
  for (const auto& [ref, rec] : records) {
    if (rec.run_id != "failing-run") continue;
    saw_failed = true;
    EXPECT_EQ(rec.status, RunStatus::kFailed);
    EXPECT_EQ(rec.error_type, "ShardWriteError");
    EXPECT_TRUE(rec.error_message.has_value());
  }
  EXPECT_TRUE(saw_failed);
}

TEST_P(WriterScenario, Publish24RowsInto4Shards) {
  auto rows = Rows(24);
  auto result = Write(rows, Config(4));
  auto store = Store();
  auto current = store->LoadCurrent();
  ASSERT_TRUE(current);
  EXPECT_EQ(current->ref, result.manifest_ref);
  EXPECT_EQ(current->run_id, result.run_id);
  EXPECT_EQ(result.manifest_ref.rfind(env_->root_url + "/manifests/", 0), 0u) << result.manifest_ref;
  std::string dirs = result.manifest_ref.substr((env_->root_url + "/manifests/").size());
  ASSERT_TRUE(dirs.ends_with("/manifest")) << result.manifest_ref;
  auto parsed = ParseManifestDirName(dirs.substr(0, dirs.size() - std::string("/manifest").size()));
  ASSERT_TRUE(parsed) << result.manifest_ref;
  EXPECT_EQ(parsed->run_id, result.run_id);
  ParsedManifest m = store->LoadManifest(result.manifest_ref);
  EXPECT_EQ(m.build.run_id, result.run_id);
  EXPECT_EQ(m.build.num_dbs, 4u);
  EXPECT_EQ(m.shards.size(), 4u);
  int64_t total = 0;
  for (const auto& s : m.shards) {
    EXPECT_GT(s.row_count, 0);
    total += s.row_count;
    EXPECT_NE(s.db_url->find("run_id=" + result.run_id), std::string::npos);
    EXPECT_NE(s.db_url->find("/attempt="), std::string::npos);
    EXPECT_EQ(s.checkpoint_id->size(), 32u);
    EXPECT_GT(s.db_bytes, 0);
  }
  EXPECT_EQ(total, 24);
  ExpectPlacement(result, rows, 4);
  ExpectSucceededRecord(result);
}

TEST_P(WriterScenario, DuplicateKeysKeepTheLastValueAndAreCounted) {
  std::vector<Record> rows = {{Key::Int(1), "a"}, {Key::Int(2), "b"}, {Key::Int(1), "c"}};
  auto result = Write(rows, Config(1));
  ASSERT_EQ(result.winners.size(), 1u);
  EXPECT_EQ(result.winners[0].row_count, 3);
  auto content = testing::ReadShardRows(*env_->resolver, *result.winners[0].db_url);
  EXPECT_EQ(content.size(), 2u);
  EXPECT_EQ(content[StorageBytes(Key::Int(1), KeyEncoding::kU64BE)], "c");
  EXPECT_EQ(*result.winners[0].min_key, Key::Int(1));
  EXPECT_EQ(*result.winners[0].max_key, Key::Int(2));
}

TEST_P(WriterScenario, EmptyInputPublishesAnEmptySnapshot) {
  auto result = Write(std::vector<Record>{}, Config(4));
  EXPECT_TRUE(result.winners.empty());
  auto m = Store()->LoadManifest(result.manifest_ref);
  EXPECT_EQ(m.build.num_dbs, 4u);
  EXPECT_TRUE(m.shards.empty());
  EXPECT_EQ(m.PaddedShards().size(), 4u);
}

TEST_P(WriterScenario, ZeroRowShardsAreOmitted) {
  auto rows = Rows(3);
  auto result = Write(rows, Config(64));
  EXPECT_LE(result.winners.size(), 3u);
  EXPECT_EQ(SumRows(result), 3);
  auto m = Store()->LoadManifest(result.manifest_ref);
  EXPECT_EQ(m.shards.size(), result.winners.size());
  ExpectPlacement(result, rows, 64);
}

TEST_P(WriterScenario, RejectedKeyNamesTheRowAndPublishesNothing) {
  std::vector<Record> rows = {{Key::Int(1), "a"}, {Key::Str("two"), "b"}};
  try {
    Write(rows, Config(2));
    FAIL();
  } catch (const KeyEncodingError& e) {
    EXPECT_NE(std::string(e.what()).find("input row 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("u64be"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(Store()->LoadCurrent().has_value());
}

TEST_P(WriterScenario, StringKeysUnderUtf8) {
  std::vector<Record> rows;
  for (int i = 0; i < 50; ++i) rows.push_back({Key::Str("user:" + std::to_string(i)), std::string(i, 'x')});
  auto config = Config(5);
  config.kv.key_encoding = KeyEncoding::kUtf8;
  config.kv.batch_size = 7;  // several batches per shard
  auto result = Write(rows, config, WriteOptions{2, 1024, std::nullopt});  // tiny memory budget
  EXPECT_EQ(SumRows(result), 50);
  ExpectPlacement(result, rows, 5, KeyEncoding::kUtf8);
  EXPECT_EQ(Store()->LoadManifest(result.manifest_ref).build.key_encoding, KeyEncoding::kUtf8);
}

INSTANTIATE_TEST_SUITE_P(Stores, WriterScenario, ::testing::ValuesIn(testing::SnapshotEnvKinds()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shardyfusion
