// SlateDB shards (format.md §5) through the same scenarios as SQLite: smoke, publish and
// refresh, against a local directory and the moto S3 server (the Rust side cannot reach
// the in-memory store).  Plus what only SlateDB has: the read-only reader, the shared
// runtime/client, range scans and the local-then-upload writer.
#include <gtest/gtest.h>

#if SHARDY_WITH_SLATEDB

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"
#include "slatedb/slatedb_factories.h"
#include "slatedb/slatedb_shard_reader.h"
#include "support/scenario_checks.h"
#include "support/snapshot_env.h"

namespace shardyfusion {
namespace {

using testing::SumRows;

struct SlateCase {
  std::string store;
  bool local_then_upload;
};

void PrintTo(const SlateCase& c, std::ostream* os) {
  *os << c.store << (c.local_then_upload ? "/upload" : "/direct");
}

class SlateDbScenario : public ::testing::TestWithParam<SlateCase> {
 protected:
  void SetUp() override {
    env_ = testing::MakeSnapshotEnv(GetParam().store);
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
    c.kv.backend = ShardBackend::kSlateDb;
    c.kv.slatedb.local_then_upload = GetParam().local_then_upload;
    return c;
  }

  std::vector<Record> Rows(int n, const std::string& prefix = "v") {
    std::vector<Record> rows;
    for (int i = 0; i < n; ++i) rows.push_back({Key::Int(i), prefix + std::to_string(i)});
    return rows;
  }

  BuildResult Write(const std::vector<Record>& rows, const HashShardedWriteConfig& config) {
    return WriteHashSharded(
        rows, config, [](const Record& r) { return r.key; },
        [](const Record& r) { return r.value; });
  }

  ReaderOptions ReadOptions() {
    ReaderOptions o;
    o.s3_prefix = env_->root_url;
    o.resolver = env_->resolver;
    o.local_root = env_->scratch->path() + "/cache-" + std::to_string(readers_++);
    o.backend = ShardBackend::kSlateDb;
    return o;
  }

  std::shared_ptr<ManifestStore> Store() {
    return MakeObjectManifestStore(*env_->resolver, env_->root_url);
  }

  // Every row of one SlateDB shard, by a full scan.
  std::map<std::string, std::string> ShardRows(const std::string& db_url) {
    SlateDbShardReaderFactory factory({}, env_->resolver);
    auto reader = factory.OpenShard(db_url);
    std::map<std::string, std::string> rows;
    for (auto& [k, v] : reader->Scan(std::nullopt, std::nullopt, 7))
      rows[k] = v;  // small chunks on purpose
    reader->Close();
    return rows;
  }

  void ExpectPlacement(const BuildResult& result, const std::vector<Record>& rows, uint32_t num_dbs) {
    testing::ExpectPlacement(result, rows, num_dbs, KeyEncoding::kU64BE,
                             [&](const std::string& db_url) { return ShardRows(db_url); });
  }
  void ExpectSucceededRecord(const BuildResult& result) { testing::ExpectSucceededRecord(*env_, result); }

  // Every object key under `url` (with sizes), to prove nothing changed.
  std::map<std::string, uint64_t> Objects(const std::string& url) {
    auto r = env_->resolver->Resolve(url);
    std::map<std::string, uint64_t> out;
    for (const auto& o : ListAllObjects(*r.store, r.key + "/")) out[o.key] = o.size;
    return out;
  }

  std::unique_ptr<testing::SnapshotEnv> env_;
  int readers_ = 0;
};

TEST_P(SlateDbScenario, SmokeNumDbs3And2) {
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

TEST_P(SlateDbScenario, Publish24RowsInto4Shards) {
  auto rows = Rows(24);
  auto result = Write(rows, Config(4));
  auto current = Store()->LoadCurrent();
  ASSERT_TRUE(current);
  EXPECT_EQ(current->ref, result.manifest_ref);
  ParsedManifest m = Store()->LoadManifest(result.manifest_ref);
  EXPECT_EQ(m.build.num_dbs, 4u);
  ASSERT_EQ(m.shards.size(), 4u);
  int64_t total = 0;
  for (const auto& s : m.shards) {
    total += s.row_count;
    EXPECT_NE(s.db_url->find("/attempt="), std::string::npos);
    EXPECT_EQ(s.checkpoint_id->size(), 32u);
    // Direct shards report 0 bytes; local-then-upload reports the local size (§5).
    if (GetParam().local_then_upload) {
      EXPECT_GT(s.db_bytes, 0);
    } else {
      EXPECT_EQ(s.db_bytes, 0);
    }
    // The database root is the attempt directory itself: SlateDB's layout, no shard.db.
    auto objects = Objects(*s.db_url);
    bool has_manifest = false;
    for (const auto& [key, size] : objects) {
      has_manifest |= key.find("/manifest/") != std::string::npos;
      EXPECT_EQ(key.find("shard.db"), std::string::npos) << key;
    }
    EXPECT_TRUE(has_manifest) << *s.db_url;
  }
  EXPECT_EQ(total, 24);
  EXPECT_EQ(m.custom_json.find("slatedb"), std::string::npos)
      << m.custom_json;  // nothing backend-specific
  ExpectPlacement(result, rows, 4);
  ExpectSucceededRecord(result);
}

TEST_P(SlateDbScenario, RefreshSwapsToTheNewSnapshot) {
  testing::ExpectRefreshScenario([&](const std::string& prefix) { return Write(Rows(32, prefix), Config(4)); },
                                 ReadOptions());
}

TEST_P(SlateDbScenario, DuplicateAndUnorderedKeysKeepTheLastValue) {
  std::vector<Record> rows = {
      {Key::Int(9), "a"}, {Key::Int(2), "b"}, {Key::Int(9), "c"}, {Key::Int(5), ""}};
  auto result = Write(rows, Config(1));
  auto content = ShardRows(*result.winners.at(0).db_url);
  EXPECT_EQ(content.size(), 3u);
  EXPECT_EQ(content[StorageBytes(Key::Int(9), KeyEncoding::kU64BE)], "c");
  ShardedReader reader(ReadOptions());
  EXPECT_EQ(reader.Get(Key::Int(5)), "");  // an empty value is a hit
  EXPECT_EQ(reader.Get(Key::Int(6)), std::nullopt);
}

TEST_P(SlateDbScenario, ReadersNeverWriteToTheStore) {
  auto result = Write(Rows(40), Config(2));
  auto before = Objects(env_->root_url);
  {
    ShardedReader reader(ReadOptions());
    EXPECT_EQ(reader.Get(Key::Int(3)), "v3");
    reader.Close();
  }
  EXPECT_EQ(Objects(env_->root_url), before);
}

TEST_P(SlateDbScenario, ScansAHalfOpenRangeInChunks) {
  auto result = Write(Rows(50), Config(1));
  SlateDbShardReaderFactory factory({}, env_->resolver);
  auto shard = factory.OpenShard(*result.winners.at(0).db_url);
  auto enc = [](int i) { return StorageBytes(Key::Int(i), KeyEncoding::kU64BE); };
  auto rows = shard->Scan(enc(10), enc(20), 3);
  ASSERT_EQ(rows.size(), 10u);
  EXPECT_EQ(rows.front(), std::make_pair(enc(10), std::string("v10")));
  EXPECT_EQ(rows.back().first, enc(19));
  EXPECT_EQ(shard->Scan(enc(45), std::nullopt).size(), 5u);
  EXPECT_EQ(shard->Scan(std::nullopt, std::nullopt, 4).size(), 50u);
  shard->Close();
  EXPECT_THROW(shard->Get(enc(1)), ReaderStateError);
}

TEST_P(SlateDbScenario, BorrowedHandleScansItsShardInChunks) {
  auto result = Write(Rows(60), Config(2));
  Store()->SetCurrent(result.manifest_ref);
  ConcurrentShardedReader reader(ReadOptions());
  ShardReaderHandle handle = reader.ReaderForKey(Key::Int(7));
  std::map<std::string, std::string> scanned;
  std::optional<std::string> from;
  for (int calls = 0;; ++calls) {
    ASSERT_LT(calls, 100) << "scan does not end";
    auto chunk = handle.Scan(from, std::nullopt, 4);
    for (const auto& [k, v] : chunk) EXPECT_TRUE(scanned.emplace(k, v).second) << "row seen twice";
    if (chunk.size() < 4) break;
    from = chunk.back().first + std::string(1, '\0');
  }
  for (const auto& w : result.winners)
    if (w.db_id == handle.db_id()) EXPECT_EQ(scanned, ShardRows(*w.db_url));
  EXPECT_EQ(scanned.at(StorageBytes(Key::Int(7), KeyEncoding::kU64BE)), "v7");
  EXPECT_TRUE(handle.Scan(std::nullopt, std::nullopt, 0).empty());
  handle.Close();
  EXPECT_THROW(handle.Scan(std::nullopt, std::nullopt, 4), ReaderStateError);
}

TEST_P(SlateDbScenario, SixtyFourShardsShareOneRuntimeAndOneClient) {
  if (GetParam().local_then_upload) GTEST_SKIP() << "the direct writer is enough here";
  auto rows = Rows(64 * 8);
  auto result = Write(rows, Config(64));
  ASSERT_EQ(result.winners.size(), 64u);
  ASSERT_EQ(GetSlateDbBridgeStats().readers_live, 0u);
  auto before = GetSlateDbBridgeStats();
  {
    ConcurrentShardedReader reader(ReadOptions());
    auto during = GetSlateDbBridgeStats();
    EXPECT_EQ(during.readers_live, 64u);
    EXPECT_EQ(during.runtimes_live, 1u);
    EXPECT_EQ(during.clients_live, 1u);  // one client for the bucket (or the file system)
    EXPECT_LE(during.runtimes_created - before.runtimes_created, 1u);
    EXPECT_LE(during.clients_created - before.clients_created, 1u);
    std::vector<Key> keys;
    for (int i = 0; i < 64 * 8; ++i) keys.push_back(Key::Int(i));
    auto values = reader.MultiGet(keys);
    for (int i = 0; i < 64 * 8; ++i) ASSERT_EQ(values[i], "v" + std::to_string(i));
    reader.Close();
  }
  auto after = GetSlateDbBridgeStats();
  EXPECT_EQ(after.readers_live, 0u);
  EXPECT_EQ(after.runtimes_live, 0u);
  EXPECT_EQ(after.clients_live, 0u);
}

TEST_P(SlateDbScenario, MissingShardIsAClearError) {
  SlateDbShardReaderFactory factory({}, env_->resolver);
  try {
    factory.OpenShard(env_->root_url + "/shards/run_id=none/db=00000/attempt=00");
    FAIL() << "expected DbAdapterError";
  } catch (const DbAdapterError& e) {
    EXPECT_NE(std::string(e.what()).find("no SlateDB database"), std::string::npos) << e.what();
    EXPECT_FALSE(e.retryable());
  }
}

std::vector<SlateCase> Cases() {
  return {{"local", false}, {"s3", false}, {"local", true}, {"s3", true}};
}

INSTANTIATE_TEST_SUITE_P(Stores, SlateDbScenario, ::testing::ValuesIn(Cases()),
                         [](const auto& info) {
                           return info.param.store +
                                  (info.param.local_then_upload ? "_upload" : "_direct");
                         });

}  // namespace
}  // namespace shardyfusion

#else

TEST(SlateDbScenario, Skipped) {
  GTEST_SKIP() << "SlateDB backend not built: cargo was not found at configure time";
}

#endif
