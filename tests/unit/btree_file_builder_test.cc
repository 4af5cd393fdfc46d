// The page-level shard builder must produce files real SQLite accepts: integrity_check
// passes, every row reads back, a scan returns the keys in order.
#include "sqlite/btree_file_builder.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "shardyfusion/errors.h"

namespace shardyfusion::sqlite {
namespace {

class BtreeBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("btree-builder-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "shard.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::map<std::string, std::string> Build(uint32_t page_size, const std::map<std::string, std::string>& rows) {
    BtreeFileBuilder builder(path_, page_size);
    for (const auto& [k, v] : rows) builder.Add(k, v);
    builder.Finish();
    EXPECT_EQ(builder.rows(), static_cast<int64_t>(rows.size()));
    return rows;
  }

  // Integrity check, count, point lookups and an ordered scan through real SQLite.
  void Verify(uint32_t page_size, const std::map<std::string, std::string>& rows, bool lookups = true) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    auto scalar = [&](const char* sql) {
      sqlite3_stmt* st = nullptr;
      EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
      EXPECT_EQ(sqlite3_step(st), SQLITE_ROW) << sql;
      std::string out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
      sqlite3_finalize(st);
      return out;
    };
    EXPECT_EQ(scalar("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(scalar("PRAGMA page_size"), std::to_string(page_size));
    EXPECT_EQ(scalar("SELECT count(*) FROM kv"), std::to_string(rows.size()));
    sqlite3_stmt* scan = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT k, length(v) FROM kv ORDER BY k", -1, &scan, nullptr), SQLITE_OK);
    auto it = rows.begin();
    while (sqlite3_step(scan) == SQLITE_ROW) {
      ASSERT_NE(it, rows.end());
      std::string k(static_cast<const char*>(sqlite3_column_blob(scan, 0)), sqlite3_column_bytes(scan, 0));
      EXPECT_EQ(k, it->first);
      EXPECT_EQ(sqlite3_column_int64(scan, 1), static_cast<int64_t>(it->second.size()));
      ++it;
    }
    EXPECT_EQ(it, rows.end());
    sqlite3_finalize(scan);
    if (lookups) {
      sqlite3_stmt* get = nullptr;
      ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT v FROM kv WHERE k = ?", -1, &get, nullptr), SQLITE_OK);
      for (const auto& [k, v] : rows) {
        sqlite3_bind_blob(get, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
        ASSERT_EQ(sqlite3_step(get), SQLITE_ROW);
        ASSERT_EQ(sqlite3_column_type(get, 0), SQLITE_BLOB);  // empty values stay BLOBs
        std::string got(static_cast<const char*>(sqlite3_column_blob(get, 0)), sqlite3_column_bytes(get, 0));
        ASSERT_EQ(got, v) << "key of " << k.size() << " bytes";
        sqlite3_reset(get);
      }
      sqlite3_finalize(get);
    }
    sqlite3_close(db);
  }

  std::filesystem::path dir_;
  std::string path_;
};

std::map<std::string, std::string> RandomRows(size_t n, size_t max_key, size_t max_value, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::map<std::string, std::string> rows;
  while (rows.size() < n) {
    std::string k(rng() % (max_key + 1), '\0');
    for (auto& c : k) c = static_cast<char>(rng());
    std::string v(rng() % (max_value + 1), '\0');
    for (auto& c : v) c = static_cast<char>(rng());
    rows[k] = v;
  }
  return rows;
}

TEST_F(BtreeBuilderTest, EmptyTableIsAValidDatabase) {
  Verify(4096, Build(4096, {}));
}

TEST_F(BtreeBuilderTest, OneRowIncludingEmptyKeyAndValue) {
  Verify(4096, Build(4096, {{"", ""}}));
}

TEST_F(BtreeBuilderTest, ManySmallRowsMakeADeepTree) {
  // 8-byte keys, 100-byte values: three levels at 4 KiB pages.
  Verify(4096, Build(4096, RandomRows(60000, 8, 100, 1)));
}

TEST_F(BtreeBuilderTest, MixedSizesWithOverflowChainsAtEveryPageSize) {
  for (uint32_t page_size : {4096u, 8192u, 16384u, 32768u, 65536u}) {
    SCOPED_TRACE(page_size);
    Verify(page_size, Build(page_size, RandomRows(1500, 300, 20000, page_size)));
  }
}

TEST_F(BtreeBuilderTest, LongKeysOverflowInInteriorPagesToo) {
  Verify(4096, Build(4096, RandomRows(400, 6000, 50, 7)));
}

TEST_F(BtreeBuilderTest, UnorderedOrRepeatedKeysAreRejected) {
  BtreeFileBuilder builder(path_, 4096);
  builder.Add("b", "1");
  EXPECT_THROW(builder.Add("a", "2"), SqliteAdapterError);
  EXPECT_THROW(builder.Add("b", "2"), SqliteAdapterError);
  builder.Add(std::string("b\0", 2), "3");  // longer sorts after its prefix
  builder.Finish();
  Verify(4096, {{"b", "1"}, {std::string("b\0", 2), "3"}});
}

TEST_F(BtreeBuilderTest, UnsupportedPageSizeIsRejected) {
  EXPECT_THROW(BtreeFileBuilder(path_, 1024), SqliteAdapterError);
}

TEST_F(BtreeBuilderTest, FilesPastOneGibSkipTheLockBytePage) {
  // SQLite never uses the page holding byte 2^30; a > 1 GiB shard must leave it out.
  std::string value(1 << 20, 'x');
  BtreeFileBuilder builder(path_, 65536);
  for (uint32_t i = 0; i < 1100; ++i) {
    value[0] = static_cast<char>(i);
    builder.Add(std::string{static_cast<char>(i >> 8), static_cast<char>(i)}, value);
  }
  builder.Finish();
  EXPECT_GT(std::filesystem::file_size(path_), 1ull << 30);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT (PRAGMA_integrity_check.integrity_check), (SELECT count(*) FROM kv),"
                                   " (SELECT sum(length(v)) FROM kv), (SELECT substr(v, 1, 1) FROM kv WHERE k = x'0401')"
                                   " FROM PRAGMA_integrity_check", -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
  EXPECT_EQ(sqlite3_column_int64(st, 1), 1100);
  EXPECT_EQ(sqlite3_column_int64(st, 2), 1100ll << 20);
  EXPECT_EQ(std::string(static_cast<const char*>(sqlite3_column_blob(st, 3)), 1), std::string(1, '\x01'));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

}  // namespace
}  // namespace shardyfusion::sqlite
