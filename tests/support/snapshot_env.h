// A snapshot root on one kind of store, for scenario tests that run the same body against
// the in-memory store, a local directory and the moto S3 server.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shardyfusion/store_resolver.h"
#include "shardyfusion/writer.h"
#include "support/test_util.h"

namespace shardyfusion::testing {

struct SnapshotEnv {
  std::string kind;  // "memory", "local" or "s3"
  std::shared_ptr<StoreResolver> resolver;
  std::string root_url;  // e.g. s3://sf-test-1/prefix
  std::unique_ptr<TempDir> scratch;  // local_root for writers / readers, and the local store
};

// nullptr when the kind cannot run here (no moto_server): the caller skips.
std::unique_ptr<SnapshotEnv> MakeSnapshotEnv(std::string_view kind);
// The kinds every scenario runs against.
std::vector<std::string> SnapshotEnvKinds();

// Writes and publishes Key::Int(0..n-1) -> prefix + i into `num_dbs` hash shards under
// env.root_url (scratch under env.scratch/work, no run registry); `run_id` "" = generated.
BuildResult PublishIntRows(const SnapshotEnv& env, int n, const std::string& prefix, uint32_t num_dbs,
                           const std::string& run_id = "", const WriteOptions& options = {});

// Every (storage key -> value) row of the SQLite shard at `db_url` (downloads shard.db).
std::map<std::string, std::string> ReadShardRows(StoreResolver& resolver, const std::string& db_url);

}  // namespace shardyfusion::testing
