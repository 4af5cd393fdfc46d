// Building blocks of the SQLite readers: the page LRU, the cache identity file, the
// cached-file integrity check, and the access-mode rule.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/sqlite_handle.h"
#include "shardyfusion/errors.h"
#include "sqlite/adaptive_reader_factory.h"
#include "sqlite/range_page_cache.h"
#include "sqlite/shard_cache_file.h"
#include "support/test_util.h"

namespace shardyfusion::sqlite {
namespace {

PageBuffer Page(const std::string& s) { return std::make_shared<const std::string>(s); }

TEST(RangePageCacheTest, EvictsLeastRecentlyUsed) {
  RangePageCache cache(2);
  cache.Put(1, Page("a"));
  cache.Put(2, Page("b"));
  ASSERT_TRUE(cache.Get(1));  // 2 is now the oldest
  cache.Put(3, Page("c"));
  EXPECT_EQ(*cache.Get(1), "a");
  EXPECT_EQ(cache.Get(2), nullptr);
  EXPECT_EQ(*cache.Get(3), "c");
  cache.Put(3, Page("c2"));
  EXPECT_EQ(*cache.Get(3), "c2");
  EXPECT_EQ(cache.size(), 2u);
}

TEST(RangePageCacheTest, ZeroCapacityCachesNothing) {
  RangePageCache cache(0);
  cache.Put(1, Page("a"));
  EXPECT_EQ(cache.Get(1), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(RangePageCacheTest, ConcurrentUseKeepsTheBound) {
  RangePageCache cache(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (uint32_t i = 0; i < 5000; ++i) {
        uint32_t p = (i * 7 + t) % 200;
        if (auto page = cache.Get(p)) {
          EXPECT_EQ(*page, std::to_string(p));
        } else {
          cache.Put(p, Page(std::to_string(p)));
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.size(), 64u);
}

TEST(ShardCacheIdentityTest, PythonStyleSortedJson) {
  EXPECT_EQ(EncodeCacheIdentity({"s3://b/db=00000/attempt=00", "abc"}),
            R"({"checkpoint_id": "abc", "db_url": "s3://b/db=00000/attempt=00"})");
  EXPECT_EQ(EncodeCacheIdentity({"u", std::nullopt}), R"({"checkpoint_id": null, "db_url": "u"})");
  auto back = DecodeCacheIdentity(R"({"db_url":"u","checkpoint_id":"c"})");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, (ShardCacheIdentity{"u", "c"}));
  EXPECT_EQ(DecodeCacheIdentity(R"({"checkpoint_id": null, "db_url": "u"})")->checkpoint_id,
            std::nullopt);
  for (const char* bad : {"", "{", "[]", R"({"db_url": 1, "checkpoint_id": null})",
                          R"({"db_url": "u"})", R"({"db_url": "u", "checkpoint_id": 5})"})
    EXPECT_FALSE(DecodeCacheIdentity(bad)) << bad;
}

// Identity files are not fsynced (the cache relies on this): whatever a crash leaves of one
// — any proper prefix, or its blocks never written (NULs) — must not decode as an identity.
TEST(ShardCacheIdentityTest, TornIdentityFilesNeverDecode) {
  const std::string whole = EncodeCacheIdentity({"s3://b/db=00003/attempt=01", "ckpt"});
  ASSERT_TRUE(DecodeCacheIdentity(whole));
  for (size_t n = 0; n < whole.size(); ++n) {
    EXPECT_FALSE(DecodeCacheIdentity(whole.substr(0, n))) << "prefix of " << n << " bytes";
    EXPECT_FALSE(DecodeCacheIdentity(whole.substr(0, n) + std::string(whole.size() - n, '\0'))) << n;
  }
}

TEST(CheckShardDbFileTest, AcceptsWholeDatabasesOnly) {
  shardyfusion::testing::TempDir tmp;
  std::string path = tmp.path() + "/x.db";
  {
    SqliteDb db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                [](const std::string& m) { throw std::runtime_error(m); });
    db.Exec("CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
    db.Exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<500) "
        "INSERT INTO kv SELECT randomblob(8), randomblob(300) FROM n");
  }
  EXPECT_EQ(CheckShardDbFile(path), "");
  auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 4096);
  EXPECT_NE(CheckShardDbFile(path).find("truncated"), std::string::npos);
  std::filesystem::resize_file(path, 50);
  EXPECT_NE(CheckShardDbFile(path), "");
  std::ofstream(path, std::ios::trunc) << std::string(8192, 'x');
  EXPECT_NE(CheckShardDbFile(path).find("magic"), std::string::npos);
  EXPECT_NE(CheckShardDbFile(tmp.path() + "/missing.db"), "");
}

ParsedManifest WithSizes(std::vector<int64_t> sizes) {
  ParsedManifest m;
  for (size_t i = 0; i < sizes.size(); ++i) {
    RequiredShardMeta s;
    s.db_id = static_cast<uint32_t>(i);
    s.db_bytes = sizes[i];
    m.shards.push_back(s);
  }
  return m;
}

TEST(SqliteAccessModeTest, ThresholdRule) {
  constexpr uint64_t kMiB = 1 << 20;
  auto decide = [](std::vector<int64_t> sizes) {
    return DecideSqliteAccessMode(WithSizes(std::move(sizes)), 16 * kMiB, 64 * kMiB);
  };
  EXPECT_EQ(decide({}), SqliteAccessMode::kDownload);
  EXPECT_EQ(decide({int64_t{16 * kMiB} - 1}), SqliteAccessMode::kDownload);
  EXPECT_EQ(decide({16 * kMiB}), SqliteAccessMode::kRange);
  EXPECT_EQ(decide({1, 2, 16 * kMiB + 5}), SqliteAccessMode::kRange);
  EXPECT_EQ(decide(std::vector<int64_t>(4, 16 * kMiB - 1)), SqliteAccessMode::kDownload);
  EXPECT_EQ(decide(std::vector<int64_t>(5, 16 * kMiB - 1)), SqliteAccessMode::kRange);  // sum
  EXPECT_EQ(decide({-5}), SqliteAccessMode::kDownload);
  EXPECT_STREQ(SqliteAccessModeName(SqliteAccessMode::kRange), "range");
}

}  // namespace
}  // namespace shardyfusion::sqlite
