#include "support/scenario_checks.h"

#include <gtest/gtest.h>

#include "shardyfusion/router.h"
#include "shardyfusion/run_registry.h"

namespace shardyfusion::testing {

int64_t SumRows(const BuildResult& result) {
  int64_t n = 0;
  for (const auto& w : result.winners) n += w.row_count;
  return n;
}

void ExpectPlacement(const BuildResult& result, const std::vector<Record>& rows, uint32_t num_dbs,
                     KeyEncoding encoding, const ShardRowsReader& read_shard) {
  auto router = SnapshotRouter::Hash(num_dbs, encoding);
  std::map<uint32_t, std::map<std::string, std::string>> shards;
  for (const auto& w : result.winners) shards[w.db_id] = read_shard(*w.db_url);
  size_t found = 0;
  for (const auto& r : rows) {
    uint32_t home = router.Route(r.key);
    std::string k = router.EncodeLookupKey(r.key);
    for (const auto& [db, content] : shards) {
      auto it = content.find(k);
      if (db == home) {
        ASSERT_NE(it, content.end()) << r.key.ToString() << " missing from shard " << db;
        EXPECT_EQ(it->second, r.value);
        ++found;
      } else {
        EXPECT_EQ(it, content.end()) << r.key.ToString() << " also in shard " << db;
      }
    }
  }
  EXPECT_EQ(found, rows.size());
}

void ExpectSucceededRecord(const SnapshotEnv& env, const BuildResult& result) {
  ASSERT_TRUE(result.run_record_ref.has_value());
  auto record = MakeObjectRunRegistry(*env.resolver, env.root_url)->Load(*result.run_record_ref);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->status, RunStatus::kSucceeded);
  EXPECT_EQ(record->run_id, result.run_id);
  EXPECT_EQ(record->manifest_ref, result.manifest_ref);
  EXPECT_EQ(record->s3_prefix, env.root_url);
  EXPECT_EQ(record->shard_prefix, "shards");
  EXPECT_EQ(record->db_path_template, "db={db_id:05d}");
  EXPECT_LE(record->started_at, record->updated_at);
  EXPECT_LE(record->updated_at, record->lease_expires_at);
  EXPECT_FALSE(record->error_type.has_value());
}

void ExpectRefreshScenario(const std::function<BuildResult(const std::string& prefix)>& publish,
                           const ReaderOptions& options) {
  auto first = publish("old-");
  ConcurrentShardedReader reader(options);
  EXPECT_EQ(reader.Get(Key::Int(7)), "old-7");
  auto second = publish("new-");
  ASSERT_NE(first.manifest_ref, second.manifest_ref);
  EXPECT_TRUE(reader.Refresh());
  EXPECT_EQ(reader.Get(Key::Int(7)), "new-7");
  EXPECT_FALSE(reader.Refresh());
  EXPECT_EQ(reader.manifest_ref(), second.manifest_ref);
  std::vector<Key> keys;
  for (int i = 0; i < 32; ++i) keys.push_back(Key::Int(i));
  keys.push_back(Key::Int(1000));
  auto values = reader.MultiGet(keys);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(values[i], "new-" + std::to_string(i));
  EXPECT_FALSE(values[32].has_value());
}

}  // namespace shardyfusion::testing
