#include "support/snapshot_env.h"

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>

#include "support/moto_server.h"

namespace shardyfusion::testing {

std::vector<std::string> SnapshotEnvKinds() { return {"memory", "local", "s3"}; }

std::unique_ptr<SnapshotEnv> MakeSnapshotEnv(std::string_view kind) {
  static std::atomic<int> counter{0};
  auto env = std::make_unique<SnapshotEnv>();
  env->kind = std::string(kind);
  env->scratch = std::make_unique<TempDir>();
  if (kind == "memory") {
    env->resolver = std::make_shared<StoreResolver>();
    std::string bucket = "bucket" + std::to_string(counter++);
    env->resolver->Register("mem", bucket, MakeMemoryObjectStore(bucket));
    env->root_url = "mem://" + bucket + "/prefix";
  } else if (kind == "local") {
    env->resolver = std::make_shared<StoreResolver>();
    env->root_url = "file://" + env->scratch->path() + "/store/prefix";
  } else if (kind == "s3") {
    if (!MotoServerAvailable()) return nullptr;
    auto& server = SharedMotoServer();
    env->resolver = std::make_shared<StoreResolver>(MotoS3Options(server));
    env->root_url = "s3://" + CreateBucket(server, "snap") + "/prefix";
  } else {
    throw std::invalid_argument("unknown snapshot env kind");
  }
  return env;
}

BuildResult PublishIntRows(const SnapshotEnv& env, int n, const std::string& prefix, uint32_t num_dbs,
                           const std::string& run_id, const WriteOptions& options) {
  HashShardedWriteConfig c;
  c.storage.s3_prefix = env.root_url;
  c.storage.resolver = env.resolver;
  c.output.local_root = env.scratch->path() + "/work";
  c.output.run_id = run_id;
  c.sharding.num_dbs = num_dbs;
  c.lifecycle.enable_run_registry = false;
  std::vector<Record> rows;
  for (int i = 0; i < n; ++i) rows.push_back({Key::Int(i), prefix + std::to_string(i)});
  return WriteHashSharded(
      rows, c, [](const Record& r) { return r.key; }, [](const Record& r) { return r.value; }, options);
}

std::map<std::string, std::string> ReadShardRows(StoreResolver& resolver, const std::string& db_url) {
  auto resolved = resolver.Resolve(db_url + "/shard.db");
  TempDir tmp;
  std::string path = tmp.path() + "/shard.db";
  if (!resolved.store->GetToFile(resolved.key, path))
    throw std::runtime_error("shard.db missing at " + db_url);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open shard " + db_url);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT k, v FROM kv", -1, &st, nullptr);
  std::map<std::string, std::string> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    auto col = [&](int i) {
      const char* p = static_cast<const char*>(sqlite3_column_blob(st, i));
      return std::string(p ? p : "", sqlite3_column_bytes(st, i));
    };
    rows[col(0)] = col(1);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

}  // namespace shardyfusion::testing
