// SQLite shard writer: file content, page sizes and lifecycle, on every store.
#include <filesystem>

#include "integration/sqlite_writer_fixture.h"

namespace shardyfusion::sqlite_test {
namespace {

TEST_P(SqliteWriterTest, SchemaBlobsAndEmptyValues) {
  auto factory = Factory();
  std::vector<KvPair> rows = {{"k1", "last"}, {"k2", ""}, {"k3", "v3"}};
  int64_t db_bytes = 0;
  WriteShard(factory, DbUrl(), rows, &db_bytes);

  std::string path = Download(DbUrl());
  ASSERT_FALSE(path.empty());
  std::string file = shardyfusion::testing::ReadFileOrDie(path);
  EXPECT_EQ(db_bytes, static_cast<int64_t>(file.size()));
  EXPECT_EQ(Head(DbUrl() + "/shard.db")->size, file.size());
  EXPECT_EQ(file[18], 1) << "write version must be rollback journal, not WAL";
  EXPECT_EQ(file[19], 1);
  EXPECT_EQ(file[20], 0) << "no reserved bytes";

  SqliteDb db(path, SQLITE_OPEN_READONLY, ThrowRuntime());
  SqliteStatement schema(db, "SELECT type, name, sql FROM sqlite_master WHERE type = 'table'");
  ASSERT_TRUE(schema.Step());
  EXPECT_EQ(schema.ColumnBytes(1), "kv");
  EXPECT_EQ(schema.ColumnBytes(2),
            "CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
  EXPECT_FALSE(schema.Step()) << "only one table";

  SqliteStatement all(db, "SELECT k, v, typeof(k), typeof(v) FROM kv ORDER BY k");
  std::vector<std::pair<std::string, std::string>> got;
  while (all.Step()) {
    EXPECT_EQ(all.ColumnBytes(2), "blob");
    EXPECT_EQ(all.ColumnBytes(3), "blob");
    got.emplace_back(all.ColumnBytes(0), all.ColumnBytes(1));
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{
                     {"k1", "last"}, {"k2", ""}, {"k3", "v3"}}));

  // A BLOB lookup finds the empty value (present, length 0) and misses an absent key.
  SqliteStatement get(db, "SELECT v FROM kv WHERE k = ?");
  get.BindBlob(1, "k2");
  ASSERT_TRUE(get.Step());
  EXPECT_EQ(get.ColumnType(0), SQLITE_BLOB);
  EXPECT_EQ(get.ColumnBytes(0).size(), 0u);
  get.Reset();
  get.BindBlob(1, "nope");
  EXPECT_FALSE(get.Step());
}

TEST_P(SqliteWriterTest, ExplicitPageSizes) {
  auto rows = Rows(256, 1200);  // overflow at 4 KiB, inline from 8 KiB up
  for (int page_size : {4096, 8192, 16384, 32768, 65536}) {
    SCOPED_TRACE(page_size);
    SqliteWriterOptions options;
    options.page_size = page_size;
    auto factory = Factory(options);
    EXPECT_NE(factory.ManifestCustomFields().find("\"page_size\":" + std::to_string(page_size)),
              std::string::npos);
    std::string url = DbUrl(page_size);
    int64_t db_bytes = 0;
    WriteShard(factory, url, rows, &db_bytes);
    std::string path = Download(url);
    std::string file = shardyfusion::testing::ReadFileOrDie(path);
    EXPECT_EQ(HeaderPageSize(file), static_cast<uint32_t>(page_size));
    EXPECT_EQ(db_bytes, static_cast<int64_t>(file.size()));
    EXPECT_EQ(DbstatPages(path, "pagetype = 'overflow'").empty(), page_size > 4096);

    SqliteDb db(path, SQLITE_OPEN_READONLY, ThrowRuntime());
    SqliteStatement get(db, "SELECT v FROM kv WHERE k = ?");
    for (const auto& [k, v] : rows) {
      get.BindBlob(1, k);
      ASSERT_TRUE(get.Step());
      ASSERT_EQ(get.ColumnBytes(0), v);
      get.Reset();
    }
  }
}

TEST_P(SqliteWriterTest, AutoPageSize) {
  auto factory = Factory(SqliteWriterOptions::Auto());
  EXPECT_NE(factory.ManifestCustomFields().find("\"page_size\":\"auto\""), std::string::npos);
  struct Case {
    int rows;
    size_t value_size;
    uint32_t expected;
  };
  for (auto c :
       {Case{256, 5000, 32768}, Case{256, 100, 4096}, Case{256, 1200, 8192}, Case{0, 0, 4096}}) {
    SCOPED_TRACE(c.value_size);
    std::string url = DbUrl(static_cast<int>(c.value_size));
    int64_t db_bytes = 0;
    WriteShard(factory, url, Rows(c.rows, c.value_size), &db_bytes);
    auto body = Get(url + "/shard.db");
    ASSERT_TRUE(body);
    EXPECT_EQ(HeaderPageSize(*body), c.expected);
    EXPECT_EQ(db_bytes, static_cast<int64_t>(body->size()));
    EXPECT_EQ((*body)[18], 1);
  }
  // p95 rule: 5% of huge values do not move the page size, 6% do.
  std::vector<KvPair> rows = Rows(100, 100);
  for (int i = 0; i < 5; ++i) rows[i].second = ValueFor(i, 5000);
  WriteShard(factory, DbUrl(900), rows);
  EXPECT_EQ(HeaderPageSize(*Get(DbUrl(900) + "/shard.db")), 4096u);
  rows[5].second = ValueFor(5, 5000);
  WriteShard(factory, DbUrl(901), rows);
  EXPECT_EQ(HeaderPageSize(*Get(DbUrl(901) + "/shard.db")), 32768u);
}

TEST_P(SqliteWriterTest, RowsOutOfOrderOrRepeatedPoisonTheShard) {
  // The pipeline merges and de-duplicates; a writer fed anything else refuses the file.
  auto factory = Factory();
  for (auto rows : {std::vector<KvPair>{{"k2", "a"}, {"k1", "b"}}, std::vector<KvPair>{{"k1", "a"}, {"k1", "b"}}}) {
    auto w = Open(factory, DbUrl());
    try {
      w->WriteBatch(rows);
      ADD_FAILURE() << "expected SqliteAdapterError";
    } catch (const SqliteAdapterError& e) {
      EXPECT_NE(std::string(e.what()).find("ascending order"), std::string::npos) << e.what();
    }
    EXPECT_THROW(w->Close(), SqliteAdapterError);
    EXPECT_FALSE(Get(DbUrl() + "/shard.db"));
  }
}

TEST_P(SqliteWriterTest, WriteAfterSealAndSealTwiceThrow) {
  auto factory = Factory();
  auto w = Open(factory, DbUrl());
  w->WriteBatch(Rows(3, 10));
  w->Seal();
  EXPECT_THROW(w->WriteBatch(Rows(1, 10)), SqliteAdapterError);
  EXPECT_THROW(w->Flush(), SqliteAdapterError);
  EXPECT_THROW(w->Seal(), SqliteAdapterError);
  w->Close();
  w->Close();  // no-op
  EXPECT_THROW(w->WriteBatch(Rows(1, 10)), SqliteAdapterError);
  EXPECT_TRUE(Get(DbUrl() + "/shard.db"));
}

TEST_P(SqliteWriterTest, CloseWithoutSealSealsAndUploads) {
  auto factory = Factory();
  auto w = Open(factory, DbUrl());
  w->WriteBatch(Rows(10, 50));
  w->Close();
  EXPECT_GT(w->DbBytes(), 0);
  auto body = Get(DbUrl() + "/shard.db");
  ASSERT_TRUE(body);
  EXPECT_EQ(static_cast<int64_t>(body->size()), w->DbBytes());
  EXPECT_TRUE(Get(DbUrl() + "/shard.sidecar"));
}

TEST_P(SqliteWriterTest, SealFailureUploadsNothing) {
  auto factory = Factory(SqliteWriterOptions::Auto());
  for (bool explicit_seal : {true, false}) {
    SCOPED_TRACE(explicit_seal);
    std::string url = DbUrl(explicit_seal ? 1 : 2);
    auto w = Open(factory, url);
    w->WriteBatch(Rows(20, 5000));
    // The file vanishes under the writer (disk cleaner, operator): seal cannot finish.
    std::filesystem::remove(local_dir_ + "/shard.db");
    if (explicit_seal) {
      EXPECT_THROW(w->Seal(), SqliteAdapterError);
      EXPECT_THROW(w->Seal(), SqliteAdapterError);  // not retryable on this writer
    }
    try {
      w->Close();
      FAIL() << "Close must not succeed after a failed seal";
    } catch (const SqliteAdapterError& e) {
      EXPECT_FALSE(e.retryable());
    }
    EXPECT_NO_THROW(w->Close());  // already closed
    EXPECT_TRUE(ListUnder(url).empty());
  }
}

TEST_P(SqliteWriterTest, UnclosedWriterUploadsNothing) {
  auto factory = Factory();
  {
    auto w = Open(factory, DbUrl());
    w->WriteBatch(Rows(10, 10));
    w->Seal();
  }
  EXPECT_TRUE(ListUnder(DbUrl()).empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, SqliteWriterTest, ::testing::Values("memory", "local"), StoreName);

}  // namespace
}  // namespace shardyfusion::sqlite_test
